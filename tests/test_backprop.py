"""The reference backward pass (scratch/backprop.py) against central finite differences of
the reference forward pass, in float64, on tiny networks: every weight's gradient."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import token_ids
from test_reference import CASES, VOCAB, random_export

from nusax_lstm.scratch import reference
from nusax_lstm.scratch.backprop import cross_entropy, forward_backward


def loss_and_gradients(*args) -> tuple[float, dict]:
    """The reference's loss and gradients (forward_backward without the probabilities)."""
    return forward_backward(*args)[:2]


def numeric_gradient(f, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of f() with respect to every entry of `array` (in place)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        up = f()
        array[index] = saved - eps
        down = f()
        array[index] = saved
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_every_gradient_equals_finite_differences(case):
    units, merge_mode, _, mask_zero, padding = case
    architecture, arrays = random_export(units, merge_mode, 3, mask_zero, seed=len(units))
    ids = token_ids(5, 6, padding, seed=2, vocab=VOCAB)
    labels = np.random.default_rng(3).integers(0, 3, len(ids))
    value, grads = loss_and_gradients(architecture, arrays, ids, labels)
    probs = reference.predict_proba(architecture, arrays, ids)
    assert value == pytest.approx(cross_entropy(probs, labels), abs=1e-12)
    assert set(grads) == set(arrays)
    for key, array in arrays.items():
        expected = numeric_gradient(
            lambda: cross_entropy(reference.predict_proba(architecture, arrays, ids), labels), array
        )
        scale = max(np.abs(expected).max(), 1e-8)
        assert np.abs(grads[key] - expected).max() / scale <= 1e-6, key


@pytest.mark.parametrize(("units", "merge_mode"), [((5, 4), None), ((4, 3), "concat")])
def test_dropout_masks_pass_gradients_where_they_kept_units(units, merge_mode):
    """Inverted dropout with given masks (the same on both sides of the check): the
    gradients equal finite differences of the loss computed with those masks."""
    architecture, arrays = random_export(units, merge_mode, 3, True, seed=5)
    ids = token_ids(4, 5, "mixed", seed=1, vocab=VOCAB)
    labels = np.array([0, 1, 2, 1])
    rng = np.random.default_rng(9)
    width = [n * (2 if merge_mode == "concat" else 1) for n in units]
    shapes = {"dropout_1": (4, 5, width[0]), "dropout_2": (4, width[1])}
    dropout = {name: (rng.random(shape) > 0.3) / 0.7 for name, shape in shapes.items()}
    value, grads = loss_and_gradients(architecture, arrays, ids, labels, dropout)
    assert value != pytest.approx(loss_and_gradients(architecture, arrays, ids, labels)[0])
    for key, array in arrays.items():
        expected = numeric_gradient(
            lambda: loss_and_gradients(architecture, arrays, ids, labels, dropout)[0], array
        )
        scale = max(np.abs(expected).max(), 1e-8)
        assert np.abs(grads[key] - expected).max() / scale <= 1e-6, key


# (units, bidirectional, merge_mode, mask_zero, padding): 1-3 layers, uni and bi, every
# merge mode, masks with holes, empty rows, start and end padding, odd unit counts
TF_GRID = [
    ((5,), False, None, True, "mixed"),
    ((7, 5, 3), False, None, True, "holes"),
    ((5, 3), False, None, False, "start"),
    ((5,), True, "concat", True, "end"),
    ((5, 3), True, "sum", True, "mixed"),
    ((5, 3), True, "mul", True, "holes"),
    ((5, 3), True, "ave", False, "end"),
    ((7, 5, 3), True, "concat", True, "start"),
]


@pytest.mark.parametrize("case", TF_GRID, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_gradients_equal_tensorflows(case):
    """The same Keras model in float64: tf.GradientTape's gradient of the mean sparse
    categorical cross-entropy (dropout off) against the reference backward pass."""
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("Keras runs on another backend")
    from test_scratch_vs_keras import keras_stack

    from nusax_lstm.models.keras_model import to_engine

    units, bidirectional, merge_mode, mask_zero, padding = case
    model = keras_stack(units, bidirectional, merge_mode, 4, 7, mask_zero, "float64")
    ids = token_ids(6, 7, padding, seed=4)
    labels = np.random.default_rng(5).integers(0, 3, len(ids))
    with tf.GradientTape() as tape:
        probs = model(ids, training=False)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, probs))
    theirs = tape.gradient(loss, model.trainable_weights)
    arrays, specs = to_engine(model)
    value, ours = loss_and_gradients({"layers": specs}, arrays, ids, labels)
    assert value == pytest.approx(float(loss), rel=1e-12)
    assert len(theirs) == len(arrays)  # export lists the weights in Keras's order
    for key, grad in zip(arrays, theirs, strict=True):
        grad = tf.convert_to_tensor(grad).numpy()  # the embedding's comes as slices
        scale = max(np.abs(grad).max(), 1e-12)
        assert np.abs(ours[key] - grad).max() / scale <= 1e-6, key


@pytest.mark.parametrize("weight_decay", [None, 0.05])
@pytest.mark.parametrize(("dtype", "tolerance"), [("float64", 1e-12), ("float32", 0.0)])
def test_adam_takes_keras_steps(dtype, tolerance, weight_decay):
    """Twenty steps of scratch Adam and of Keras's Adam from the same weights, fed the same
    gradients (the reference backward pass's at our weights): the same weights, in float32
    bit for bit (on this process's Keras backend; by hand on TensorFlow and JAX alike,
    2026-11-29), with and without decoupled weight decay."""
    keras = pytest.importorskip("keras")
    from nusax_lstm.scratch.adam import Adam

    architecture, arrays = random_export((5, 3), "concat", 3, True, seed=7)
    arrays = {k: a.astype(dtype) for k, a in arrays.items()}
    ids = token_ids(6, 5, "mixed", seed=3, vocab=VOCAB)
    labels = np.array([0, 1, 2, 2, 1, 0])
    variables = [keras.Variable(a, dtype=dtype) for a in arrays.values()]
    theirs = keras.optimizers.Adam(learning_rate=0.01, weight_decay=weight_decay)
    ours = Adam(learning_rate=0.01, weight_decay=weight_decay)
    weights = {k: a.copy() for k, a in arrays.items()}
    for _ in range(20):
        _, grads = loss_and_gradients(architecture, weights, ids, labels)
        theirs.apply_gradients(zip([grads[k] for k in weights], variables, strict=True))
        ours.update(weights, grads)
    for key, variable in zip(weights, variables, strict=True):
        assert weights[key].dtype == dtype
        assert np.abs(np.asarray(variable) - weights[key]).max() <= tolerance, key
    assert any(np.abs(weights[k] - arrays[k]).max() > 1e-3 for k in arrays)  # it moved


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows_read", [0.1, 1.0])
@pytest.mark.parametrize("block", [100, 1 << 18])
def test_adam_moves_bit_for_bit_as_its_equations_read(dtype, rows_read, block, monkeypatch):
    """Adam.move (block by block of rows, through scratch arrays) against plain_move (a
    temporary per operation over the whole array), ten steps on a table whose gradient
    holds few or all rows, as an embedding's does, and on a bias, in blocks that do not
    divide the rows or in one: the same bits."""
    from nusax_lstm.scratch import adam

    monkeypatch.setattr(adam, "BLOCK", block)
    rng = np.random.default_rng(5)
    optimizer = adam.Adam(learning_rate=0.01)
    for shape in [(300, 7), (301,)]:
        w = rng.standard_normal(shape).astype(dtype)
        fast, plain = ([w.copy(), np.zeros_like(w), np.zeros_like(w)] for _ in range(2))
        for step in range(1, 11):
            read = rng.random(shape[0]) < rows_read
            g = rng.standard_normal(shape).astype(dtype) * read.reshape(-1, *[1] * (w.ndim - 1))
            optimizer.step = step
            alpha = optimizer.alpha(w.dtype)
            optimizer.move(*fast[:1], g, *fast[1:], alpha)
            betas = optimizer.beta_1, optimizer.beta_2
            adam.plain_move(plain[0], g, plain[1], plain[2], alpha, *betas, optimizer.epsilon)
        for ours, theirs in zip(fast, plain, strict=True):
            assert ours.dtype == dtype and np.array_equal(ours, theirs)
        assert not np.array_equal(fast[0], w)  # it moved


# Keras and the NumPy reference, from the same weights, on the same batches (dropout off):
# the epochs' losses and the final weights.
SAME_PATH = """
import json, sys
import numpy as np
from nusax_lstm.models.keras_backend import configure_keras
from networks import network
from nusax_lstm.models.keras_model import build_model, to_engine

configure_keras("jax", threads=1, seed=3)
from nusax_lstm.scratch.train import fit

rng = np.random.default_rng(0)
lengths = rng.integers(1, 12, 40)
x = np.where(np.arange(12) < lengths[:, None], rng.integers(1, 60, (40, 12)), 0).astype("int32")
y = rng.integers(0, 3, 40)
model = build_model(network((6, 4), sys.argv[1] == "bi"), 60, None)
arrays, specs = to_engine(model)
arrays = {k: v.astype(np.float64) for k, v in arrays.items()}
theirs = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history["loss"]
architecture = {"layers": specs, "mask_zero": True, "padding": "post"}
data = {"x_train": x, "y_train": y, "x_valid": x, "y_valid": y}
ours = fit(architecture, arrays, data, 3, 16, 0.01, seed=0, shuffle=False)[0]["loss"]
after, _ = to_engine(model)
weights = max(float(np.abs(after[k] - arrays[k]).max()) for k in arrays)
print(json.dumps({"theirs": theirs, "ours": ours, "weights": weights}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_keras_and_numpy_training_take_the_same_path(direction):
    """Three epochs of 40 texts in batches of 16 (the last one short), dropout off: Keras
    (float32, on JAX, the study's backend) and the NumPy reference (float64) report the
    same losses and end at the same weights, to float32 tolerance. (On TensorFlow the
    embedding's gradient arrives as slices, one per token read, and Keras's Adam squares
    them one by one for v: a different step for ids read twice in a batch.)"""
    import json
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("jax")
    result = subprocess.run(
        [sys.executable, "-c", SAME_PATH, direction],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parent,  # the script imports tests/networks.py
    )
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout.splitlines()[-1])
    assert got["ours"][0] > got["ours"][-1]  # it learns
    assert np.allclose(got["ours"], got["theirs"], rtol=1e-5, atol=0), got
    assert got["weights"] <= 1e-4, got
