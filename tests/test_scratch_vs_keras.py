"""The from-scratch engine against real Keras: random weights, random ids, masks and padding."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from conftest import VOCAB, token_ids  # noqa: E402
from networks import network  # noqa: E402

from nusax_lstm import UserError  # noqa: E402
from nusax_lstm.models.keras_model import build_model, to_engine  # noqa: E402
from nusax_lstm.scratch import model as scratch_model  # noqa: E402
from nusax_lstm.scratch.layers import LAYERS  # noqa: E402
from nusax_lstm.scratch.loader import from_export  # noqa: E402
from nusax_lstm.scratch.packing import Packing  # noqa: E402


def keras_stack(units, bidirectional, merge_mode, embed_dim, steps, mask_zero, dtype):
    layers = [
        keras.Input((steps,), dtype="int32"),
        keras.layers.Embedding(VOCAB, embed_dim, mask_zero=mask_zero, dtype=dtype),
    ]
    for i, n in enumerate(units):
        lstm = keras.layers.LSTM(n, return_sequences=i < len(units) - 1, dtype=dtype)
        layers.append(
            keras.layers.Bidirectional(lstm, merge_mode=merge_mode, dtype=dtype)
            if bidirectional
            else lstm
        )
        layers.append(keras.layers.Dropout(0.3, dtype=dtype))
    layers.append(keras.layers.Dense(3, activation="softmax", dtype=dtype))
    model = keras.Sequential(layers)
    randomize(model, np.random.default_rng(len(units) * 1000 + embed_dim * 10 + steps))
    return model


def randomize(layer, rng):
    """Random weights at a trained network's scale: std 1/sqrt(fan in) for matrices."""
    for w in layer.weights:
        scale = 1 / np.sqrt(w.shape[0]) if len(w.shape) == 2 and "embeddings" not in w.path else 0.5
        w.assign(rng.normal(0, scale, w.shape))


# (units, bidirectional, merge_mode, embedding dim, steps, batch, mask_zero, padding)
GRID = [
    ((1,), False, None, 1, 1, 1, True, "end"),
    ((5,), False, None, 16, 100, 400, True, "mixed"),
    ((64,), False, None, 16, 100, 400, False, "end"),
    ((64, 5), False, None, 16, 100, 400, True, "end"),
    ((7, 5, 3), False, None, 16, 12, 50, True, "mixed"),
    ((7, 5, 3), False, None, 16, 12, 50, False, "none"),
    ((5,), False, None, 16, 12, 30, True, "start"),
    ((5,), False, None, 16, 12, 30, True, "all"),
    ((1,), True, "concat", 1, 1, 1, True, "end"),
    ((64,), True, "concat", 16, 100, 400, True, "mixed"),
    ((64, 5), True, "concat", 16, 100, 400, True, "end"),
    ((5, 3), True, "sum", 16, 12, 50, True, "mixed"),
    ((5, 3), True, "mul", 16, 12, 50, True, "mixed"),
    ((5, 3), True, "ave", 16, 12, 50, True, "mixed"),
    ((7, 5, 3), True, "concat", 1, 12, 50, False, "none"),
    ((7, 5, 3), True, "concat", 16, 12, 50, True, "start"),
    ((5, 3), True, "concat", 16, 12, 30, True, "all"),
    ((5, 3), True, "sum", 16, 12, 30, False, "end"),
    ((7, 5), False, None, 16, 15, 60, True, "holes"),
    ((7, 5), True, "concat", 16, 15, 60, True, "holes"),
    # Without a mask, rows that have read only padding run as one until they join:
    ((64, 5), False, None, 16, 100, 400, False, "start"),
    ((7, 5, 3), False, None, 16, 12, 50, False, "start"),
    ((5, 3), True, "concat", 16, 12, 30, False, "all"),
    ((64,), True, "concat", 16, 100, 400, False, "end"),
    ((7, 5), False, None, 16, 15, 60, False, "holes"),  # read rows not leading: no joining
]


def case_id(case):
    units, bi, merge, dim, steps, batch, mask, padding = case
    kind = f"bi-{merge}" if bi else "uni"
    masking = "mask" if mask else "nomask"
    return f"{kind}-{'-'.join(map(str, units))}-d{dim}-T{steps}-B{batch}-{masking}-{padding}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", GRID, ids=[case_id(c) for c in GRID])
def test_model_matches_keras(case, dtype):
    units, bi, merge, dim, steps, batch, mask, padding = case
    model = keras_stack(units, bi, merge, dim, steps, mask, dtype)
    ids = token_ids(batch, steps, padding)
    expected = np.asarray(model(ids, training=False))
    arrays, layers = to_engine(model)
    scratch = from_export(
        {"layers": layers, "sequence_length": steps}, arrays, dtype=np.dtype(dtype)
    )
    got = scratch.predict_proba(ids)
    assert got.dtype == np.dtype(dtype)
    assert np.abs(got - expected).max() <= (1e-5 if dtype == "float32" else 1e-10)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    assert scratch.count_params() == model.count_params()
    assert np.allclose(scratch.predict_proba(ids, batch_size=7), got, atol=1e-6)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mask_zero", [True, False])
def test_an_empty_batch_gives_no_rows(bidirectional, mask_zero):
    scratch = scratch_of(keras_stack((5, 3), bidirectional, "concat", 4, 6, mask_zero, "float32"))
    assert scratch.predict_proba(np.zeros((0, 6), dtype=np.int32)).shape == (0, 3)


def scratch_of(model):
    arrays, layers = to_engine(model)
    return from_export({"layers": layers}, arrays)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mask_zero", [True, False])
def test_a_batch_shared_among_threads_matches_keras(bidirectional, mask_zero, monkeypatch):
    model = keras_stack((7, 5), bidirectional, "concat", 16, 15, mask_zero, "float32")
    ids = token_ids(60, 15, "mixed")
    scratch = scratch_of(model)
    monkeypatch.setattr(scratch_model, "usable_cpus", lambda: 3)
    monkeypatch.setattr(scratch_model, "STATE_PER_THREAD", 1)
    shares, forward = [], scratch._forward
    monkeypatch.setattr(scratch, "_forward", lambda rows: shares.append(len(rows)) or forward(rows))
    got = scratch.predict_proba(ids)
    expected = np.asarray(model(ids, training=False))
    assert shares == [20, 20, 20]
    assert np.abs(got - expected).max() <= 1e-5
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))


@pytest.mark.parametrize(
    ("bidirectional", "mask_zero", "padding", "threads"),
    [
        (False, True, "end", 1),
        (False, False, "end", 3),
        (False, False, "start", 1),
        (True, True, "end", 3),
    ],
)
def test_threads_follow_the_state_updated(bidirectional, mask_zero, padding, threads, monkeypatch):
    """Rows of 10, 5, 0 and 3 tokens in 10 steps: 18 real tokens; without a mask, 30 steps
    from a row's first token on under end padding, 18 under start padding. An LSTM(3)
    updates 3 values a row and step (both directions: 6); a share must update 3 a step."""
    ids = np.zeros((4, 10), dtype=np.int32)
    for row, n in enumerate([10, 5, 0, 3]):
        ids[row, slice(0, n) if padding == "end" else slice(10 - n, 10)] = 1
    model = keras_stack((3,), bidirectional, "concat", 2, 10, mask_zero, "float32")
    scratch = scratch_of(model)
    monkeypatch.setattr(scratch_model, "usable_cpus", lambda: 8)
    monkeypatch.setattr(scratch_model, "STATE_PER_THREAD", 3)
    shares, forward = [], scratch._forward
    monkeypatch.setattr(scratch, "_forward", lambda rows: shares.append(len(rows)) or forward(rows))
    alone = scratch.predict_proba(ids)
    assert len(shares) == threads and sum(shares) == 4  # the batch, split among threads
    shares.clear()
    assert np.allclose(scratch.predict_proba(ids, threads=2), alone, atol=1e-6)
    assert len(shares) == min(threads, 2)  # threads= caps them
    with pytest.raises(ValueError, match="threads must be at least 1"):
        scratch.predict_proba(ids, threads=0)


def ours(keras_layer):
    """The engine's layer of a Keras layer (from_keras), built with its float64 weights."""
    layer, arrays = LAYERS[type(keras_layer).__name__].from_keras(keras_layer)
    return layer.build({key: a.astype(np.float64) for key, a in arrays.items()})


def run_packed(layer, x, mask, return_sequences, carry):
    """A scratch recurrent layer on padded x [B, T, F]: pack, run, back to Keras' layout."""
    packing = Packing.from_mask(mask if mask is not None else np.ones(x.shape[:2], dtype=bool))
    y = layer(packing.pack(x), packing)
    return packing.unpack(y, carry) if return_sequences else packing.unsort(y)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("padding", ["none", "mixed", "start", "holes"])
def test_lstm_layer_alone(return_sequences, padding):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 9, 4))
    mask = None if padding == "none" else token_ids(20, 9, padding, seed=2) != 0
    layer = keras.layers.LSTM(6, return_sequences=return_sequences, dtype="float64")
    layer(x, mask=mask)
    randomize(layer, rng)
    expected = np.asarray(layer(x, mask=mask))
    got = run_packed(ours(layer), x, mask, return_sequences, carry=True)
    assert np.abs(got - expected).max() <= 1e-10


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("padding", ["mixed", "holes"])
def test_bidirectional_layer_alone(return_sequences, merge_mode, padding):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 9, 4))
    mask = token_ids(20, 9, padding, seed=4) != 0
    layer = keras.layers.Bidirectional(
        keras.layers.LSTM(5, return_sequences=return_sequences, dtype="float64"),
        merge_mode=merge_mode,
        dtype="float64",
    )
    layer(x, mask=mask)
    randomize(layer, rng)
    expected = np.asarray(layer(x, mask=mask))
    got = run_packed(ours(layer), x, mask, return_sequences, carry=False)
    assert np.abs(got - expected).max() <= 1e-10


def exported():
    model = build_model(network((5, 3), True, dropout=0.3, learning_rate=1e-3), VOCAB, 10)
    arrays, layers = to_engine(model)
    return {"layers": layers, "sequence_length": 10}, arrays


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda a, w: w.pop("embedding/embeddings"), "array 'embedding/embeddings' missing"),
        (
            lambda a, w: w.update({"dense_output/kernel": w["dense_output/kernel"].T}),
            "layer dense_output: array 'dense_output/kernel' has shape",
        ),
        (
            lambda a, w: w.update(
                {"bidirectional_1/forward/kernel": w["bidirectional_1/forward/kernel"].T}
            ),
            "array 'bidirectional_1/forward/kernel' has shape",
        ),
        (
            lambda a, w: a["layers"][0].pop("mask_zero"),
            "layer embedding: field 'mask_zero' missing",
        ),
        (
            lambda a, w: w["dense_output/bias"].__setitem__(0, np.nan),
            "array 'dense_output/bias' holds NaN",
        ),
        (lambda a, w: a["layers"][1]["forward"].update(activation="relu"), "activation 'relu'"),
        (
            lambda a, w: a["layers"][0].update(input_dim=VOCAB + 1),
            "array 'embedding/embeddings' has shape",
        ),
    ],
    ids=[
        "missing array",
        "transposed dense",
        "transposed lstm",
        "missing field",
        "nan",
        "activation",
        "vocabulary size",
    ],
)
def test_export_mismatch_is_refused_naming_layer_and_array(mutate, message):
    architecture, arrays = exported()
    mutate(architecture, arrays)
    with pytest.raises(UserError, match=message):
        from_export(architecture, arrays)


@pytest.mark.parametrize(("mask_zero", "padding"), [(True, "holes"), (False, "start")])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_sequence_output_matches_keras(bidirectional, mask_zero, padding):
    """A last recurrent layer that returns sequences: Dense sees Keras' masked-step outputs,
    or without a mask the outputs of rows still reading padding."""
    lstm = keras.layers.LSTM(5, return_sequences=True, dtype="float64")
    model = keras.Sequential(
        [
            keras.Input((12,), dtype="int32"),
            keras.layers.Embedding(VOCAB, 8, mask_zero=mask_zero, dtype="float64"),
            keras.layers.Bidirectional(lstm, dtype="float64") if bidirectional else lstm,
            keras.layers.Dense(3, activation="softmax", dtype="float64"),
        ]
    )
    randomize(model, np.random.default_rng(5))
    ids = token_ids(40, 12, padding, seed=6)
    expected = np.asarray(model(ids, training=False))
    arrays, layers = to_engine(model)
    got = from_export({"layers": layers}, arrays, dtype=np.float64).predict_proba(ids)
    assert got.shape == (40, 12, 3)
    assert np.abs(got - expected).max() <= 1e-10
