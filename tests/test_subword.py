"""Subword inputs (data/subword.py) and the SubwordEmbedding layer (reference.subword_embedding,
backprop.subword_embedding_backward, scratch/layers/subword_embedding.py, and Keras's side in
models/keras_layers.py): the n-grams and their buckets, the engine's fast passes against the
plain ones and finite differences, and against Keras through export, predictions and
tf.GradientTape; attributions, traces and one-line errors for a bad model folder."""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from conftest import token_ids
from networks import network
from test_backprop import numeric_gradient

from nusax_lstm import UserError
from nusax_lstm.data.subword import Subwords
from nusax_lstm.data.text import Vectorizer, adapt, pad, trim
from nusax_lstm.scratch import backprop, packed_backprop, reference
from nusax_lstm.scratch.attribution import attribute
from nusax_lstm.scratch.init import classifier, initial_weights
from nusax_lstm.scratch.layers import read_layers
from nusax_lstm.scratch.layers.base import under
from nusax_lstm.scratch.loader import from_export
from nusax_lstm.scratch.trace import traces
from nusax_lstm.scratch.train import fit
from nusax_lstm.scratch.unread_rows import read_first

VOCAB, STEPS, BUCKETS, PER_TOKEN = 30, 9, 40, 5
SUBWORDS = Subwords(BUCKETS, 3, 5, PER_TOKEN)


def test_a_tokens_ngrams_are_fasttexts_shortest_first_and_capped():
    assert Subwords(100, 3, 5, 99).ngrams("ab") == ["<ab", "ab>", "<ab>"]
    grams = Subwords(100, 3, 4, 99).ngrams("kan")
    assert grams == ["<ka", "kan", "an>", "<kan", "kan>"]
    assert Subwords(100, 3, 4, 2).ngrams("kan") == ["<ka", "kan"]
    assert Subwords(100, 3, 5, 9).ngrams("") == []


def test_buckets_are_crc32_of_the_utf8_bytes_and_cognates_share_them():
    subwords = Subwords(97, 3, 5, 50)
    assert subwords.token_buckets("é") == [1 + zlib.crc32("<é>".encode()) % 97]
    ours, theirs = (set(subwords.token_buckets(w)) for w in ("makanan", "makanannya"))
    assert len(ours & theirs) >= len(ours) - 2  # all but the n-grams at the word's end
    assert all(1 <= b <= 97 for b in ours)


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_inputs_carry_each_tokens_word_id_then_its_buckets_unseen_words_included(padding):
    vocabulary = adapt(["makan enak", "enak sekali"], 10)
    texts = ["Makan enak, makanannya!", "", "enak " * 12]
    words = Vectorizer(vocabulary, 6, padding)(texts)
    x = Vectorizer(vocabulary, 6, padding, SUBWORDS)(texts)
    assert x.shape == (3, 6, 1 + PER_TOKEN) and x.dtype == np.int32
    np.testing.assert_array_equal(x[..., 0], words)
    assert ((x[..., 1:] != 0).any(axis=-1) == (words != 0)).all()  # every token has n-grams
    unseen = x[0, 2] if padding == "post" else x[0, -1]  # "makanannya": out of vocabulary
    assert unseen[0] == 1 and list(unseen[1:]) == SUBWORDS.token_buckets("makanannya")
    if padding == "pre":
        np.testing.assert_array_equal(
            pad(Vectorizer(vocabulary, 6, "post", SUBWORDS)(texts), "pre"), x
        )
    else:
        assert trim(x).shape == (3, 6, 1 + PER_TOKEN) and trim(x[1:2]).shape == (1, 1, 6)


def subword_inputs(batch: int, padding: str, seed: int) -> np.ndarray:
    """Random word ids as conftest.token_ids makes them, each real token with 0 to P
    n-gram buckets (some none), padding with none."""
    rng = np.random.default_rng(seed)
    words = token_ids(batch, STEPS, padding, seed=seed, vocab=VOCAB)
    grams = rng.integers(1, BUCKETS + 1, (batch, STEPS, PER_TOKEN))
    grams[np.arange(PER_TOKEN) >= rng.integers(0, PER_TOKEN + 1, (batch, STEPS, 1))] = 0
    grams[words == 0] = 0
    return np.concatenate([words[..., None], grams], axis=-1).astype(np.int32)


# name -> (units, bidirectional, cell, mask_zero)
NETWORKS = {
    "lstm": ([5], False, "lstm", True),
    "bilstm stacked": ([5, 4], True, "lstm", True),
    "gru unmasked": ([4], False, "gru", False),
    "bigru": ([4], True, "gru", True),
}


def engine_network(name: str, seed: int = 0):
    units, bidirectional, cell, mask_zero = NETWORKS[name]
    config = network(units, bidirectional, cell=cell, mask_zero=mask_zero, subwords=SUBWORDS)
    spec = classifier(config, VOCAB, STEPS)
    rng = np.random.default_rng(seed)
    arrays = {k: rng.normal(0, 0.5, v.shape) for k, v in initial_weights(spec, seed).items()}
    return spec, arrays


@pytest.mark.parametrize("padding", ["mixed", "holes", "start"])
@pytest.mark.parametrize("name", NETWORKS)
def test_fast_passes_equal_the_plain_ones(name, padding):
    spec, arrays = engine_network(name)
    x = subword_inputs(11, padding, seed=1)
    expected = reference.predict_proba(spec, arrays, x)
    assert np.abs(from_export(spec, arrays, np.float64).predict_proba(x) - expected).max() <= 1e-12
    labels = np.random.default_rng(2).integers(0, 3, len(x))
    loss, grads, _ = backprop.forward_backward(spec, arrays, x, labels)
    fast_loss, fast, _ = packed_backprop.forward_backward(spec, arrays, x, labels)
    assert fast_loss == pytest.approx(loss, rel=1e-12) and set(fast) == set(grads)
    for key, grad in grads.items():
        assert np.abs(fast[key] - grad).max() <= 1e-10 * max(np.abs(grad).max(), 1), key


@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding", ["mixed", "holes", "start"])
def test_the_lookup_skips_absent_ngrams_without_changing_a_bit(padding, dtype, gaps):
    """The lookup against the plain masked sum (every column, absent n-grams' rows times
    0), with signed zeros in the table: the same bits. With gaps, a token's absent
    n-grams also sit between present ones (inputs made elsewhere than data.subword)."""
    spec, arrays = engine_network("bilstm stacked", seed=5)
    arrays = {k: v.astype(dtype) for k, v in arrays.items()}
    table = arrays["embedding/ngram_embeddings"]
    table[::3] *= -0.0
    x = subword_inputs(16, padding, seed=6)
    if gaps:
        x[..., 1:][np.random.default_rng(7).random(x[..., 1:].shape) < 0.3] = 0
    layer = read_layers(spec)[0]
    grams, present = x[..., 1:], x[..., 1:] != 0
    total = np.zeros((*grams.shape[:-1], table.shape[1]), dtype=dtype)
    for k in range(grams.shape[-1]):
        total += table[grams[..., k]] * present[..., k, None]
    count = np.maximum(present.sum(axis=-1), 1).astype(dtype)
    plain = arrays["embedding/embeddings"][x[..., 0]] + total / count[..., None]
    got = layer.lookup(under(arrays, "embedding"), x)
    assert got.dtype == dtype and np.array_equal(got, plain)
    assert np.array_equal(np.signbit(got), np.signbit(plain))


@pytest.mark.parametrize("early_stopping", [None, {"monitor": "val_loss", "patience": 1}])
@pytest.mark.parametrize("name", ["bilstm stacked", "gru unmasked"])
def test_training_leaves_out_the_unread_ngram_rows_and_changes_no_bit(
    name, early_stopping, monkeypatch
):
    """Training reads buckets 1-40 of 400, validation 301-340 (rows training leaves
    out): the weights and the history are those of training over every row."""
    units, bidirectional, cell, mask_zero = NETWORKS[name]
    wide = Subwords(400, 3, 5, PER_TOKEN)
    config = network(units, bidirectional, cell=cell, mask_zero=mask_zero, subwords=wide)
    spec = classifier(config, VOCAB, STEPS)
    valid = subword_inputs(16, "end", seed=2)
    valid[..., 1:] += 300 * (valid[..., 1:] > 0)
    data = {
        "x_train": subword_inputs(40, "end", seed=1),
        "y_train": np.arange(40) % 3,
        "x_valid": valid,
        "y_valid": np.arange(16) % 3,
    }
    assert read_first(spec, data["x_train"], None).read <= 41 < 401
    runs = []
    for skip in (read_first, lambda *_: None):
        monkeypatch.setattr("nusax_lstm.scratch.train.read_first", skip)
        arrays = initial_weights(spec, seed=3)
        runs.append((arrays, fit(spec, arrays, data, 3, 8, 0.01, 4, early_stopping)))
    (ours, history), (theirs, plain_history) = runs
    assert history == plain_history
    assert all(np.array_equal(ours[k], theirs[k]) for k in theirs)
    assert read_first(spec, data["x_train"], weight_decay=0.01) is None  # it moves every row


@pytest.mark.parametrize("reads", [0, 1, 50, 5000])
@pytest.mark.parametrize("rows", [3, 1000, 70_000])  # 70,000: over 16-bit keys
def test_ngram_rows_sum_their_reads_as_the_plain_reference_does(reads, rows):
    """The packed n-gram table gradient sums a row's reads in reading order from 0, bit
    for bit as np.add.at does (the plain reference), signed zeros and long runs included."""
    from nusax_lstm.scratch.layers.subword_embedding import table_backward_in_order

    rng = np.random.default_rng(reads + rows)
    ids = rng.integers(1, rows, reads) ** rng.integers(1, 3, reads) % rows  # uneven runs
    dx = rng.standard_normal((reads, 5)).astype(np.float32)
    dx[::7] *= -0.0
    expected = np.zeros((rows, 5), dtype=np.float32)
    np.add.at(expected, ids, dx)
    got = table_backward_in_order(ids, dx, rows)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_the_plain_gradients_match_finite_differences():
    spec, arrays = engine_network("bilstm stacked", seed=3)
    x = subword_inputs(4, "holes", seed=4)
    labels = np.array([0, 1, 2, 1])
    _, grads, _ = backprop.forward_backward(spec, arrays, x, labels)
    for key in ("embedding/ngram_embeddings", "embedding/embeddings"):
        numeric = numeric_gradient(
            lambda: backprop.forward_backward(spec, arrays, x, labels)[0], arrays[key]
        )
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-9, err_msg=key)
    assert not grads["embedding/ngram_embeddings"][0].any()  # bucket 0 is no n-gram


def test_attributions_are_complete_and_traces_run_per_token():
    spec, arrays = engine_network("bigru", seed=5)
    x = subword_inputs(1, "end", seed=6)[0]
    result = attribute(spec, arrays, x, 1, "integrated-gradients")
    assert result.values.shape == (STEPS,) and not result.values[x[:, 0] == 0].any()
    assert result.values.sum() == pytest.approx(result.score - result.baseline_score, rel=0.01)
    found = traces(spec, arrays, x)
    assert {t.direction for t in found} == {"forward", "backward"}
    assert all(v.shape[0] == STEPS for t in found for v in t.values.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("buckets"), "layer embedding: field 'buckets' missing"),
        (lambda e: e.update(min_n=6), "min_n 6 is above max_n 5"),
        (lambda e: e.update(hash="fnv1a"), "hash 'fnv1a' is not one of ['crc32']"),
        (lambda e: e.update(buckets=BUCKETS + 1), "'embedding/ngram_embeddings' has shape"),
    ],
)
def test_a_model_whose_subword_settings_are_missing_or_inconsistent_is_one_line(change, message):
    spec, arrays = engine_network("lstm")
    change(spec["layers"][0])
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")) as err:
        from_export(spec, arrays)
    assert "\n" not in str(err.value)


def test_inputs_of_another_shape_or_range_are_refused():
    spec, arrays = engine_network("lstm")
    model = from_export(spec, arrays)
    with pytest.raises(ValueError, match=r"shape \[batch, steps, 6\]"):
        model.predict_proba(subword_inputs(2, "end", 0)[..., 0])
    wild = subword_inputs(2, "end", 0)
    wild[0, 0, 1] = BUCKETS + 1
    with pytest.raises(ValueError, match="n-gram buckets must lie in"):
        model.predict_proba(wild)


# Keras: the same network built by keras_model.build_model, its weights random.
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from nusax_lstm.models.keras_model import build_model, from_architecture, to_engine  # noqa: E402


def keras_network(name: str, seed: int):
    units, bidirectional, cell, mask_zero = NETWORKS[name]
    config = network(units, bidirectional, cell=cell, mask_zero=mask_zero, subwords=SUBWORDS)
    previous = keras.config.dtype_policy()  # whatever other tests left: float64 here
    keras.config.set_dtype_policy("float64")
    try:
        model = build_model(config, VOCAB, STEPS)
    finally:
        keras.config.set_dtype_policy(previous)
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(rng.normal(scale=0.5, size=weight.shape))
    arrays, layers = to_engine(model)
    return model, classifier(config, VOCAB, STEPS) | {"layers": layers}, arrays, config


@pytest.mark.parametrize("name", NETWORKS)
def test_predictions_and_gradients_match_keras(name):
    model, spec, arrays, _ = keras_network(name, seed=7)
    assert spec["layers"][0]["type"] == "SubwordEmbedding"
    x = subword_inputs(12, "mixed", seed=8)
    expected = model.predict(x, verbose=0)
    assert np.abs(from_export(spec, arrays, np.float64).predict_proba(x) - expected).max() <= 1e-10
    labels = np.random.default_rng(9).integers(0, 3, len(x))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(
            keras.losses.sparse_categorical_crossentropy(labels, model(x, training=False))
        )
    dense = (
        np.asarray(tf.convert_to_tensor(g)) for g in tape.gradient(loss, model.trainable_weights)
    )
    expected_grads = dict(zip(arrays, dense, strict=True))
    for backward in (packed_backprop.forward_backward, backprop.forward_backward):
        value, grads, _ = backward(spec, arrays, x, labels)
        assert value == pytest.approx(float(loss), rel=1e-12) and set(grads) == set(expected_grads)
        for key, grad in grads.items():
            assert np.abs(grad - expected_grads[key]).max() <= 1e-10, key


def test_a_numpy_trained_subword_network_becomes_the_same_keras_model(tmp_path):
    _, spec, arrays, config = keras_network("bilstm stacked", seed=10)
    arrays32 = {k: v.astype(np.float32) for k, v in arrays.items()}
    twin = from_architecture(spec, arrays32, config)
    x = subword_inputs(8, "end", seed=11)
    ours = from_export(spec, arrays32).predict_proba(x)
    assert np.abs(twin.predict(x, verbose=0) - ours).max() <= 1e-5
    twin.save(tmp_path / "model.keras")  # a saved model names the layer: it loads back
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert np.abs(loaded.predict(x, verbose=0) - ours).max() <= 1e-5
