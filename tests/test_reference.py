"""The fast engine against the textbook forward pass (scratch/reference.py), in float64,
without TensorFlow: random weights, masks with holes, empty rows, start and end padding."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import token_ids

from nusax_lstm.scratch import reference
from nusax_lstm.scratch.loader import from_export

VOCAB, CLASSES = 40, 3


def lstm_spec(arrays: dict, prefix: str, d_in: int, units: int, sequences: bool, rng) -> dict:
    """Random weights for one LSTM at a trained network's scale, in the export's layout."""
    arrays[f"{prefix}/kernel"] = rng.normal(0, 1 / np.sqrt(d_in), (d_in, 4 * units))
    arrays[f"{prefix}/recurrent_kernel"] = rng.normal(0, 1 / np.sqrt(units), (units, 4 * units))
    arrays[f"{prefix}/bias"] = rng.normal(0, 0.5, 4 * units)
    return {
        "units": units,
        "return_sequences": sequences,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
    }


def random_export(units, merge_mode, dim, mask_zero, seed) -> tuple[dict, dict]:
    """An architecture.json dict and its arrays; merge_mode None: unidirectional."""
    rng = np.random.default_rng(seed)
    arrays = {"embedding/embeddings": rng.normal(0, 1, (VOCAB, dim))}
    embedding = {"name": "embedding", "type": "Embedding", "input_dim": VOCAB}
    layers = [embedding | {"output_dim": dim, "mask_zero": mask_zero}]
    width = dim
    for i, n in enumerate(units, start=1):
        sequences = i < len(units)
        if merge_mode is None:
            spec = {"name": f"lstm_{i}", "type": "LSTM"}
            spec |= lstm_spec(arrays, f"lstm_{i}", width, n, sequences, rng)
            width = n
        else:
            name = f"bidirectional_{i}"
            spec = {"name": name, "type": "Bidirectional", "merge_mode": merge_mode}
            spec["return_sequences"] = sequences
            for side in ("forward", "backward"):
                spec[side] = lstm_spec(arrays, f"{name}/{side}", width, n, sequences, rng)
            width = 2 * n if merge_mode == "concat" else n
        layers += [spec, {"name": f"dropout_{i}", "type": "Dropout", "rate": 0.3}]
    arrays["dense/kernel"] = rng.normal(0, 1 / np.sqrt(width), (width, CLASSES))
    arrays["dense/bias"] = rng.normal(0, 0.5, CLASSES)
    layers.append({"name": "dense", "type": "Dense", "units": CLASSES, "activation": "softmax"})
    return {"layers": layers}, arrays


# (units, merge_mode or None for unidirectional, embedding dim, mask_zero, padding)
CASES = [
    ((5,), None, 6, True, "end"),
    ((7, 5), None, 6, True, "mixed"),
    ((7, 5, 3), None, 6, True, "holes"),
    ((7, 5, 3), None, 6, False, "start"),
    ((6, 4), None, 6, False, "end"),
    ((5,), None, 6, True, "start"),
    ((5,), "concat", 6, True, "mixed"),
    ((6, 4), "concat", 6, True, "holes"),
    ((6, 4), "sum", 6, True, "end"),
    ((6, 4), "mul", 6, False, "start"),
    ((6, 4), "ave", 6, True, "mixed"),
    ((7, 5, 3), "concat", 6, True, "start"),
    ((7, 5, 3), "concat", 6, False, "none"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_fast_engine_equals_the_reference(case):
    units, merge_mode, dim, mask_zero, padding = case
    architecture, arrays = random_export(units, merge_mode, dim, mask_zero, seed=len(units))
    ids = token_ids(37, 13, padding, seed=dim, vocab=VOCAB)
    expected = reference.predict_proba(architecture, arrays, ids)
    got = from_export(architecture, arrays, dtype=np.float64).predict_proba(ids)
    assert np.allclose(expected.sum(axis=1), 1)
    assert np.abs(got - expected).max() <= 1e-12


def test_reference_lstm_step_by_hand():
    """One unit, one step, weights of 1: the equations computed by hand."""
    x = np.array([[[0.5]]])  # [B=1, T=1, D=1]
    kernel = np.ones((1, 4))
    recurrent = np.ones((1, 4))
    bias = np.zeros(4)
    outputs, h = reference.lstm(x, np.ones((1, 1), bool), kernel, recurrent, bias)
    sig = 1 / (1 + np.exp(-0.5))
    c = sig * np.tanh(0.5)  # f * 0 + i * g
    assert h[0, 0] == pytest.approx(sig * np.tanh(c))
    assert outputs[0, 0, 0] == h[0, 0]
    masked, h_masked = reference.lstm(x, np.zeros((1, 1), bool), kernel, recurrent, bias)
    assert h_masked[0, 0] == 0 and masked[0, 0, 0] == 0  # padding leaves the zero state
