"""The packed backward pass (scratch/packed_backprop.py) against the reference one
(scratch/backprop.py): the same loss and gradients, in float64 to rounding, in float32 to
float32's precision, with and without dropout masks."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import token_ids
from test_reference import VOCAB, random_export

from nusax_lstm.scratch import backprop, packed_backprop

# (units, merge_mode or None for unidirectional, mask_zero, padding): 1-3 layers, uni and
# bi, every merge mode, masks with holes, empty rows, texts of padding only, start and
# end padding, odd unit counts
GRID = [
    ((5,), None, True, "end"),
    ((7, 5), None, True, "mixed"),
    ((7, 5, 3), None, True, "holes"),
    ((7, 5, 3), None, False, "start"),
    ((6, 4), None, False, "end"),
    ((5,), None, True, "all"),
    ((5,), "concat", True, "mixed"),
    ((6, 3), "concat", True, "holes"),
    ((6, 4), "sum", True, "end"),
    ((5, 3), "mul", False, "start"),
    ((6, 4), "ave", True, "mixed"),
    ((7, 5, 3), "concat", True, "start"),
    ((7, 5, 3), "sum", False, "none"),
    ((3,), "ave", True, "all"),
]


def dropout_masks(architecture: dict, ids: np.ndarray, rate: float, seed: int) -> dict:
    """A random inverted-dropout mask per Dropout layer, shaped like its input: [B, T, W]
    after a layer returning sequences, [B, W] after final states."""
    rng, masks = np.random.default_rng(seed), {}
    shape = ids.shape
    for spec in architecture["layers"][1:]:
        if spec["type"] == "LSTM":
            units = spec["units"]
        elif spec["type"] == "Bidirectional":
            units = spec["forward"]["units"] * (2 if spec["merge_mode"] == "concat" else 1)
        if spec["type"] in ("LSTM", "Bidirectional"):
            shape = (*ids.shape, units) if spec["return_sequences"] else (len(ids), units)
        elif spec["type"] == "Dropout":
            masks[spec["name"]] = (rng.random(shape) >= rate) / (1 - rate)
    return masks


def relative_errors(ours: dict, theirs: dict) -> dict:
    """Per array: the largest absolute difference over the largest magnitude."""
    return {
        key: np.abs(ours[key] - expected).max() / max(np.abs(expected).max(), 1e-12)
        for key, expected in theirs.items()
    }


def both(case, dtype, dropout: bool, batch: int = 9, steps: int = 8):
    """(loss, gradients) of the reference in float64 and of the packed pass in `dtype`."""
    units, merge_mode, mask_zero, padding = case
    architecture, arrays = random_export(units, merge_mode, 6, mask_zero, seed=len(units))
    ids = token_ids(batch, steps, padding, seed=batch, vocab=VOCAB)
    labels = np.random.default_rng(3).integers(0, 3, batch)
    masks = dropout_masks(architecture, ids, 0.3, seed=4) if dropout else None
    expected = backprop.forward_backward(architecture, arrays, ids, labels, masks)[:2]
    arrays = {key: array.astype(dtype) for key, array in arrays.items()}
    masks = masks and {name: mask.astype(dtype) for name, mask in masks.items()}
    return expected, packed_backprop.forward_backward(architecture, arrays, ids, labels, masks)[:2]


@pytest.mark.parametrize("dropout", [False, True], ids=["", "dropout"])
@pytest.mark.parametrize("case", GRID, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_packed_gradients_equal_the_references(case, dropout):
    (loss, grads), (our_loss, ours) = both(case, np.float64, dropout)
    assert our_loss == pytest.approx(loss, rel=1e-12)
    assert set(ours) == set(grads)
    errors = relative_errors(ours, grads)
    assert max(errors.values()) <= 1e-10, errors


@pytest.mark.parametrize("case", GRID[::3], ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_float32_gradients_are_close(case):
    """In float32 the packed pass computes in float32 throughout, to float32's precision."""
    (loss, grads), (our_loss, ours) = both(case, np.float32, dropout=True, batch=16, steps=12)
    assert our_loss == pytest.approx(loss, rel=1e-5)
    assert all(grad.dtype == np.float32 for grad in ours.values())
    errors = relative_errors(ours, grads)
    assert max(errors.values()) <= 1e-4, errors


@pytest.mark.parametrize(
    "case", [GRID[1], GRID[7], GRID[9], GRID[11]], ids=lambda c: "-".join(map(str, c))
)
def test_word_dropout_gradients_equal_the_references(case):
    """A Dropout of whole tokens (drops "tokens", mask [B, T, 1]) after the embedding."""
    units, merge_mode, mask_zero, padding = case
    architecture, arrays = random_export(units, merge_mode, 6, mask_zero, seed=len(units))
    word = {"name": "word_dropout", "type": "Dropout", "rate": 0.3, "drops": "tokens"}
    architecture["layers"].insert(1, word)
    ids = token_ids(9, 8, padding, seed=9, vocab=VOCAB)
    labels = np.random.default_rng(3).integers(0, 3, 9)
    masks = {"word_dropout": (np.random.default_rng(5).random((9, 8, 1)) >= 0.3) / 0.7}
    loss, grads, _ = backprop.forward_backward(architecture, arrays, ids, labels, masks)
    ours, our_grads, _ = packed_backprop.forward_backward(architecture, arrays, ids, labels, masks)
    assert ours == pytest.approx(loss, rel=1e-12)
    assert max(relative_errors(our_grads, grads).values()) <= 1e-10
    plain = backprop.forward_backward(architecture, arrays, ids, labels)[0]
    assert abs(plain - loss) > 1e-6  # the mask counts


def test_a_model_ending_on_sequences_is_refused():
    architecture, arrays = random_export((4,), None, 6, True, seed=1)
    architecture["layers"][1]["return_sequences"] = True
    ids = token_ids(3, 5, "end", vocab=VOCAB)
    with pytest.raises(ValueError, match="final state"):
        packed_backprop.forward_backward(architecture, arrays, ids, np.zeros(3, dtype=int))
