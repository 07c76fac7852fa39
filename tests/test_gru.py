"""The GRU layer (scratch/layers/gru.py, reference.gru, backprop.gru_backward) against
Keras's GRU (reset_after=True) through the whole engine: the export, predictions (masked
and not, bidirectional, stacked), gradients against tf.GradientTape and finite
differences, attributions and gate traces."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from conftest import token_ids  # noqa: E402

from nusax_lstm import UserError  # noqa: E402
from nusax_lstm.models.keras_model import to_engine  # noqa: E402
from nusax_lstm.scratch import backprop, packed_backprop, reference  # noqa: E402
from nusax_lstm.scratch.attribution import attribute  # noqa: E402
from nusax_lstm.scratch.layers import architecture  # noqa: E402
from nusax_lstm.scratch.layers.gru import GRU  # noqa: E402
from nusax_lstm.scratch.loader import from_export  # noqa: E402
from nusax_lstm.scratch.trace import traces  # noqa: E402

VOCAB, STEPS = 30, 11
ARCHITECTURES = {  # units, bidirectional, merge_mode
    "uni": ([5], False, "concat"),
    "stacked": ([5, 4], False, "concat"),
    "bi concat": ([5], True, "concat"),
    "bi sum, stacked": ([4, 3], True, "sum"),
}


def keras_gru(units, bidirectional, merge_mode, mask_zero, seed=0):
    """Embedding -> (Bi)GRU + Dropout per layer -> Dense softmax, float64, random weights."""
    rng = np.random.default_rng(seed)
    layers = [
        keras.Input((STEPS,), dtype="int32"),
        keras.layers.Embedding(VOCAB, 6, mask_zero=mask_zero, dtype="float64"),
    ]
    for i, n in enumerate(units):
        gru = keras.layers.GRU(n, return_sequences=i < len(units) - 1, dtype="float64")
        if bidirectional:
            gru = keras.layers.Bidirectional(gru, merge_mode=merge_mode, dtype="float64")
        layers += [gru, keras.layers.Dropout(0.3, dtype="float64")]
    layers.append(keras.layers.Dense(3, activation="softmax", dtype="float64"))
    model = keras.Sequential(layers)
    for weight in model.weights:
        weight.assign(rng.normal(scale=0.5, size=weight.shape))
    return model


def exported(model, mask_zero):
    arrays, layers = to_engine(model)
    return architecture(layers, STEPS, "post"), arrays


CASES = [
    (name, mask_zero, padding)
    for name in ARCHITECTURES
    for mask_zero, padding in ((True, "holes"), (True, "mixed"), (False, "start"))
]


@pytest.mark.parametrize(("name", "mask_zero", "padding"), CASES)
def test_predictions_match_keras(name, mask_zero, padding):
    model = keras_gru(*ARCHITECTURES[name], mask_zero)
    spec, arrays = exported(model, mask_zero)
    ids = token_ids(16, STEPS, padding, seed=1, vocab=VOCAB)
    expected = model.predict(ids, verbose=0)
    fast = from_export(spec, arrays, dtype=np.float64).predict_proba(ids)
    assert np.abs(fast - expected).max() <= 1e-10
    assert np.abs(reference.predict_proba(spec, arrays, ids) - expected).max() <= 1e-10


@pytest.mark.parametrize(("name", "mask_zero", "padding"), CASES)
def test_gradients_match_gradient_tape(name, mask_zero, padding):
    """The packed (training's) and the plain backward pass, against TensorFlow's."""
    model = keras_gru(*ARCHITECTURES[name], mask_zero, seed=2)
    spec, arrays = exported(model, mask_zero)
    ids = token_ids(12, STEPS, padding, seed=3, vocab=VOCAB)
    labels = np.random.default_rng(4).integers(0, 3, len(ids))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(
            keras.losses.sparse_categorical_crossentropy(labels, model(ids, training=False))
        )
    tape_grads = tape.gradient(loss, model.trainable_weights)
    weights, _ = to_engine(model)  # the same keys, in the model's weight order
    dense = (np.asarray(tf.convert_to_tensor(g)) for g in tape_grads)  # the embedding: sparse
    expected = dict(zip(weights, dense, strict=True))
    for backward in (packed_backprop.forward_backward, backprop.forward_backward):
        value, grads, _ = backward(spec, arrays, ids, labels)
        assert value == pytest.approx(float(loss), rel=1e-12)
        assert set(grads) == set(expected)
        for key, grad in grads.items():
            assert np.abs(grad - expected[key]).max() <= 1e-10, key


def test_the_plain_gradients_match_finite_differences():
    spec, arrays = exported(keras_gru([3], True, "concat", True, seed=5), True)
    ids = token_ids(4, STEPS, "holes", seed=6, vocab=VOCAB)
    labels = np.array([0, 1, 2, 1])
    _, grads, _ = backprop.forward_backward(spec, arrays, ids, labels)
    rng = np.random.default_rng(7)
    for key in ("bidirectional/forward/recurrent_kernel", "bidirectional/backward/bias"):
        key = next(k for k in arrays if k.endswith(key.split("/", 1)[1]))
        for index in map(tuple, rng.integers(0, arrays[key].shape, (4, arrays[key].ndim))):
            shifted = []
            for sign in (1, -1):
                moved = {k: v.copy() for k, v in arrays.items()}
                moved[key][index] += sign * 1e-6
                shifted.append(backprop.forward_backward(spec, moved, ids, labels)[0])
            numeric = (shifted[0] - shifted[1]) / 2e-6
            assert grads[key][index] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_attributions_are_complete_and_traces_name_the_gru_gates():
    spec, arrays = exported(keras_gru([4, 3], True, "concat", True, seed=8), True)
    ids = token_ids(1, STEPS, "end", seed=9, vocab=VOCAB)[0]
    result = attribute(spec, arrays, ids, 2, "integrated-gradients")
    change = result.score - result.baseline_score
    assert result.values.sum() == pytest.approx(change, rel=0.01, abs=1e-9)
    found = traces(spec, arrays, ids)
    assert [(t.layer, t.direction) for t in found] == [
        (layer["name"], side)
        for layer in spec["layers"][1::2][:2]
        for side in ("forward", "backward")
    ]
    for trace in found:
        assert tuple(trace.values) == GRU.shown == ("update", "reset", "candidate", "state")
        real = ids != 0
        gates = np.stack([trace.values[g][real] for g in ("update", "reset")])
        assert ((gates > 0) & (gates < 1)).all() and np.isnan(trace.values["state"][~real]).all()


def test_a_gru_spec_keras_cannot_have_is_one_line():
    spec, arrays = exported(keras_gru([3], False, "concat", True), True)
    spec["layers"][1]["reset_after"] = False
    with pytest.raises(UserError, match="reset_after False is not one of") as err:
        from_export(spec, arrays)
    assert "\n" not in str(err.value)
