"""Token attributions (scratch/attribution.py) against the same quantities computed with
tf.GradientTape on the same Keras model in float64, integrated gradients' completeness,
seed ensembles, and the gate traces (scratch/trace.py) against the reference's outputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import VOCAB, token_ids
from test_reference import random_export

from nusax_lstm.scratch import reference
from nusax_lstm.scratch.attribution import (
    attribute,
    attribute_members,
    integrated,
    path_function,
)
from nusax_lstm.scratch.trace import GATES, traces

# (units, bidirectional, merge_mode, mask_zero, padding): uni, bi, stacked, masked (with
# holes too) and unmasked, end and start padding
GRID = [
    ((5,), False, None, True, "end"),
    ((6, 4), False, None, True, "start"),
    ((6, 4, 3), False, None, False, "end"),
    ((5,), True, "concat", True, "end"),
    ((5, 3), True, "sum", False, "start"),
    ((4, 3), True, "concat", True, "holes"),
]
IDS = lambda case: "-".join(map(str, case)).replace(" ", "")  # noqa: E731
STEPS = 8


def one_text(padding: str, seed: int) -> np.ndarray:
    """ids [T] of one text with at least two tokens."""
    for offset in range(100):
        ids = token_ids(1, STEPS, padding, seed=seed + offset, vocab=VOCAB)[0]
        if (ids != 0).sum() >= 2:
            return ids
    raise AssertionError("no text with two tokens")


def keras_gradient(model, ids, vectors, label):
    """tf.GradientTape: p_label [S] and its gradient with respect to the embedding's
    output [S, T, D], the layers after the embedding run on `vectors` [S, T, D]."""
    import keras
    import tensorflow as tf

    x = tf.constant(vectors)
    mask = tf.constant(np.tile(ids != 0, (len(vectors), 1))) if model.layers[0].mask_zero else None
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = x
        for layer in model.layers[1:]:
            recurrent = isinstance(layer, keras.layers.LSTM | keras.layers.Bidirectional)
            h = layer(h, mask=mask) if recurrent else layer(h, training=False)
        p = h[:, label]
    return p.numpy(), tape.gradient(p, x).numpy()  # rows are independent


def keras_path_function(model, ids, label):
    """attribution.path_function's on_path, with tf.GradientTape's gradients."""
    table = model.layers[0].embeddings.numpy()
    vectors, real = table[ids], ids != 0

    def on_path(alphas, weights):
        path = np.where(real[:, None], alphas[:, None, None] * vectors, vectors)
        p, grads = keras_gradient(model, ids, path, label)
        return np.where(real, (vectors * np.tensordot(weights, grads, axes=1)).sum(-1), 0.0), p

    return on_path


@pytest.mark.parametrize("method", ["gradient-x-input", "integrated-gradients"])
@pytest.mark.parametrize("case", GRID, ids=IDS)
def test_attributions_equal_tensorflows(case, method):
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("Keras runs on another backend")
    from test_scratch_vs_keras import keras_stack

    from nusax_lstm.models.keras_model import to_engine

    units, bidirectional, merge_mode, mask_zero, padding = case
    model = keras_stack(units, bidirectional, merge_mode, 4, STEPS, mask_zero, "float64")
    arrays, specs = to_engine(model)
    ids = one_text(padding, seed=len(units))
    for label in range(3):
        ours = attribute({"layers": specs}, arrays, ids, label, method).values
        on_path = keras_path_function(model, ids, label)
        if method == "integrated-gradients":  # the same quadrature on TensorFlow's gradients
            theirs = integrated(on_path, 50).values
        else:
            theirs = on_path(np.ones(1), np.ones(1))[0]
        assert np.abs(ours - theirs).max() <= 1e-10 * max(1.0, np.abs(theirs).max())
        assert np.abs(theirs).max() > 1e-6  # a check that can fail


@pytest.mark.parametrize("case", GRID, ids=IDS)
def test_integrated_gradients_are_complete_at_the_default_steps(case):
    """The attributions sum to p(text) - p(baseline) within 1 %, for every class; the
    score is the reference forward pass's probability."""
    units, bidirectional, merge_mode, mask_zero, padding = case
    architecture, arrays = random_export(
        units, merge_mode if bidirectional else None, 4, mask_zero, seed=len(units)
    )
    ids = one_text(padding, seed=7)
    probs = reference.predict_proba(architecture, arrays, ids[None])[0]
    for label in range(3):
        a = attribute(architecture, arrays, ids, label, "integrated-gradients")
        assert a.score == pytest.approx(probs[label], abs=1e-12)
        change = a.score - a.baseline_score
        assert abs(a.values.sum() - change) <= 0.01 * abs(change), (label, change)
        assert np.all(a.values[ids == 0] == 0)  # padding gets no share


def test_a_sharp_path_is_refined_until_complete():
    """Large weights saturate the gates: one panel of Gauss-Legendre points misses the
    score's change by more than 1 %, the refined path does not."""
    architecture, arrays = random_export((6, 4), "concat", 4, True, seed=12)
    arrays = {k: 4 * v for k, v in arrays.items()}
    ids = one_text("end", seed=2)
    misses = []
    for label in range(3):
        on_path = path_function(architecture, arrays, ids, label)
        values, p = on_path(*one_panel_points(50))
        change = p[-1] - p[0]
        misses.append(abs(values.sum() - change) / abs(change))
        a = attribute(architecture, arrays, ids, label, "integrated-gradients")
        assert abs(a.values.sum() - change) <= 0.01 * abs(change)
    assert max(misses) > 0.01  # the refinement had something to do


def one_panel_points(steps):
    """Gauss-Legendre on [0, 1] between the ends (weight 0), as integrated's first panel."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    return np.concatenate([[0.0], (nodes + 1) / 2, [1.0]]), np.concatenate([[0], weights / 2, [0]])


def test_a_seed_ensembles_attributions_are_its_members_mean():
    architecture, first = random_export((5, 3), "concat", 4, True, seed=1)
    _, second = random_export((5, 3), "concat", 4, True, seed=2)
    ids = one_text("end", seed=3)
    for method in ("gradient-x-input", "integrated-gradients"):
        each = [attribute(architecture, a, ids, 2, method) for a in (first, second)]
        mean = attribute_members(architecture, [first, second], ids, 2, method)
        assert np.allclose(mean.values, (each[0].values + each[1].values) / 2, rtol=0, atol=1e-15)
        assert mean.score == pytest.approx((each[0].score + each[1].score) / 2, abs=1e-15)


def test_an_unknown_method_is_refused():
    architecture, arrays = random_export((3,), None, 4, True, seed=0)
    with pytest.raises(ValueError, match="method must be one of"):
        attribute(architecture, arrays, one_text("end", 0), 0, "saliency")


@pytest.mark.parametrize("case", GRID, ids=IDS)
def test_gate_traces_are_the_reference_cells(case):
    """Per layer and direction, o tanh(c) at each step the cell ran is the reference LSTM's
    output there; gates lie in (0, 1); a step a mask skipped holds NaN."""
    units, bidirectional, merge_mode, mask_zero, padding = case
    architecture, arrays = random_export(
        units, merge_mode if bidirectional else None, 4, mask_zero, seed=3
    )
    ids = one_text(padding, seed=5)
    found = traces(architecture, arrays, ids)
    assert len(found) == len(units) * (2 if bidirectional else 1)
    x = reference.embedding(ids[None], arrays["embedding/embeddings"])
    mask = ids[None] != 0 if mask_zero else np.ones((1, len(ids)), dtype=bool)
    ran = ids != 0 if mask_zero else np.ones(len(ids), dtype=bool)
    for k, spec in enumerate(s for s in architecture["layers"] if "return_sequences" in s):
        sides = (
            [f"{spec['name']}/forward", f"{spec['name']}/backward"]
            if bidirectional
            else [spec["name"]]
        )
        outputs = []
        for side, trace in zip(sides, found[len(sides) * k : len(sides) * (k + 1)], strict=True):
            weights = reference.layer_arrays(arrays, side)
            out, _ = reference.lstm(x, mask, **weights, go_backwards=side.endswith("backward"))
            v = trace.values
            assert set(v) == set(GATES)
            h = v["output"] * np.tanh(v["cell"])
            assert np.allclose(h[ran], out[0][ran], rtol=0, atol=1e-12)
            assert np.isnan(h[~ran]).all()
            gates = np.stack([v[g][ran] for g in ("input", "forget", "output")])
            assert ((gates > 0) & (gates < 1)).all()
            outputs.append(out)
        merged = outputs[0] if len(outputs) == 1 else reference.MERGE[merge_mode](*outputs)
        x = merged  # the next layer reads this one's sequence
