"""Training on the NumPy engine: Keras's architecture and initialisers, seeded and
deterministic training, early stopping's restore, and no deep-learning framework loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from networks import network
from test_training import run_on

from nusax_lstm.evaluation.metrics import loss_and_accuracy
from nusax_lstm.scratch.init import classifier, initial_weights
from nusax_lstm.scratch.layers.base import orthogonal
from nusax_lstm.scratch.loader import from_export
from nusax_lstm.scratch.train import dropout_masks, fit, predict_proba

NETWORKS = [([8], False), ([8, 4], False), ([6, 5, 3], False), ([8, 4], True), ([5], True)]
# and word dropout's rate: 0, none
ARCHITECTURES = [(u, bi, 0.0) for u, bi in NETWORKS] + [([8, 4], True, 0.2), ([5], False, 0.1)]

# Keras's export of the study's classifier, built by keras_model.build_model.
KERAS_ARCHITECTURE = """
import json, sys
from nusax_lstm.models.keras_backend import configure_keras
from networks import network
from nusax_lstm.models.keras_model import build_model, to_engine
configure_keras(sys.argv[1], threads=1, seed=0)
models = [build_model(network(u, bi, embedding_dim=6, dropout=0.3, word_dropout=w), 50, 12)
          for u, bi, w in {networks}]
print(json.dumps([to_engine(model)[1] for model in models]))
"""


def test_the_architecture_is_the_one_keras_exports():
    theirs = run_on("jax", KERAS_ARCHITECTURE.format(networks=ARCHITECTURES))
    ours = [
        classifier(network(u, bi, embedding_dim=6, dropout=0.3, word_dropout=w), 50, 12)["layers"]
        for u, bi, w in ARCHITECTURES
    ]
    assert ours == theirs
    words = [layers[1] for layers in ours if layers[1]["name"] == "word_dropout"]
    assert [(w["rate"], w["drops"]) for w in words] == [(0.2, "tokens"), (0.1, "tokens")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_masks_keep_units_at_the_rate_and_scale_them(dtype):
    architecture = classifier(network([8, 4], True, embedding_dim=6, dropout=0.25), 50, 40)
    ids = np.ones((300, 40), dtype=int)
    masks = dropout_masks(architecture, ids, np.random.default_rng(3), dtype)
    again = dropout_masks(architecture, ids, np.random.default_rng(3), dtype)
    sequence, final = masks["dropout_1"], masks["dropout_2"]  # after [B, T, 16] and [B, 8]
    assert (sequence.shape, final.shape) == ((300, 40, 16), (300, 8))
    for mask in (sequence, final):
        assert mask.dtype == dtype and set(np.unique(mask)) == {0, dtype(1 / 0.75)}
        assert abs(np.mean(mask > 0) - 0.75) < 4 * np.sqrt(0.75 * 0.25 / mask.size)  # 4 sd
    assert all(np.array_equal(masks[k], again[k]) for k in masks)


def test_word_dropout_drops_whole_tokens_at_the_rate():
    """One draw per text and step (Keras's noise_shape (batch, steps, 1)), before the
    recurrent layers' own masks."""
    settings = {"embedding_dim": 6, "dropout": 0.25, "word_dropout": 0.2}
    architecture = classifier(network([8], False, **settings), 50, 40)
    masks = dropout_masks(
        architecture, np.ones((300, 40), dtype=int), np.random.default_rng(3), np.float32
    )
    words = masks["word_dropout"]
    assert words.shape == (300, 40, 1) and masks["dropout_1"].shape == (300, 8)
    assert set(np.unique(words)) == {0, np.float32(1 / 0.8)}
    assert abs(np.mean(words > 0) - 0.8) < 4 * np.sqrt(0.8 * 0.2 / words.size)  # 4 sd


@pytest.mark.parametrize(("units", "bidirectional"), NETWORKS)
def test_initial_weights_follow_keras_initialisers(units, bidirectional):
    architecture = classifier(network(units, bidirectional, embedding_dim=6, dropout=0.3), 50, 12)
    arrays = initial_weights(architecture, seed=1)
    from_export(architecture, arrays)  # checks that every array is there, in its shape
    assert len(arrays) == 3 + 3 * len(units) * (2 if bidirectional else 1)
    assert all(a.dtype == np.float32 for a in arrays.values())
    assert np.abs(arrays["embedding/embeddings"]).max() <= 0.05
    for key, value in arrays.items():
        if key.endswith("recurrent_kernel"):  # [H, 4H], orthonormal rows
            assert np.allclose(value @ value.T, np.eye(len(value)), atol=1e-5), key
        elif key.endswith("/kernel"):  # Glorot uniform: within +-sqrt(6 / (fan_in + fan_out))
            assert np.abs(value).max() <= np.sqrt(6 / sum(value.shape)), key
        elif key.endswith("/bias") and not key.startswith("dense"):  # forget gate at 1
            units_here = len(value) // 4
            expected = np.repeat([0.0, 1.0, 0.0, 0.0], units_here)
            assert np.array_equal(value, expected), key
    again = initial_weights(architecture, seed=1)
    other = initial_weights(architecture, seed=2)
    assert all(np.array_equal(arrays[k], again[k]) for k in arrays)
    assert not np.array_equal(arrays["embedding/embeddings"], other["embedding/embeddings"])


@pytest.mark.parametrize("shape", [(4, 16), (16, 4), (5, 5)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    q = orthogonal(shape, np.random.default_rng(0))
    small = q @ q.T if shape[0] <= shape[1] else q.T @ q
    assert q.shape == shape and np.allclose(small, np.eye(min(shape)))


def tiny_data(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def ids(n):
        lengths = rng.integers(1, 10, n)
        return np.where(np.arange(10) < lengths[:, None], rng.integers(1, 50, (n, 10)), 0)

    return {"x_train": ids(60), "y_train": rng.integers(0, 3, 60)} | {
        "x_valid": ids(20),
        "y_valid": rng.integers(0, 3, 20),
    }


def train_tiny(seed: int, epochs: int, early_stopping=None):
    architecture = classifier(network([6, 4], True, dropout=0.3), 50, 10)
    arrays = initial_weights(architecture, seed)
    history, kept = fit(architecture, arrays, tiny_data(), epochs, 16, 0.01, seed, early_stopping)
    return architecture, arrays, history, kept


def test_training_is_deterministic_and_the_seed_matters():
    _, first, history, _ = train_tiny(seed=3, epochs=2)
    _, again, history_again, _ = train_tiny(seed=3, epochs=2)
    _, other, _, _ = train_tiny(seed=4, epochs=2)
    assert history == history_again
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["dense_output/kernel"], other["dense_output/kernel"])
    assert history["loss"][1] < history["loss"][0]


def test_early_stopping_keeps_the_best_epochs_weights():
    """Patience 1 on val_loss: training stops one epoch after the best and restores it (the
    restored weights score the best epoch's val_loss); at a learning rate of 0.01 on
    random labels, validation loss rises within a few epochs."""
    stopping = {"monitor": "val_loss", "patience": 1}
    architecture, arrays, history, kept = train_tiny(5, 30, stopping)
    losses = history["val_loss"]
    assert kept == int(np.argmin(losses)) + 1 and len(losses) == kept + 1 < 30
    data = tiny_data()
    probs = predict_proba(architecture, arrays, data["x_valid"])
    assert loss_and_accuracy(probs, data["y_valid"])[0] == pytest.approx(losses[kept - 1])


# The pipeline's NumPy training job (train_numpy.py's calls, a job's inputs, params and
# outputs as Snakemake passes them) on random data, then the modules it loaded.
NO_FRAMEWORK = """
import json, sys
from types import SimpleNamespace as Namespace
import numpy as np
from nusax_lstm.scratch.train import train
from nusax_lstm.data.text import write_vocabulary
from nusax_lstm.models.training_job import train_job
folder = sys.argv[1]
rng = np.random.default_rng(0)
x = {s: np.where(np.arange(8) < rng.integers(1, 8, (n, 1)), rng.integers(1, 30, (n, 8)), 0)
     for s, n in (("train", 40), ("valid", 10), ("test", 10))}
np.savez(f"{folder}/sequences.npz", **{f"x_{s}": v for s, v in x.items()},
         **{f"y_{s}": rng.integers(0, 3, len(v)) for s, v in x.items()})
write_vocabulary(f"{folder}/vocabulary.txt", ["", "[UNK]", *(f"w{i}" for i in range(28))])
names = ("history", "probs_valid", "probs_test", "info", "weights", "architecture")
out = {n: f"{folder}/{n}" + (".npy" if "probs" in n else ".npz" if n == "weights" else ".json")
       for n in names}
model = {"engine": "numpy", "keras_backend": None, "cell": "lstm", "units": [4],
         "bidirectional": True, "mask_zero": True, "padding": "post", "early_stopping": None}
settings = {"embedding_dim": 6, "dropout": 0.3, "optimizer": "adam", "learning_rate": 0.01,
            "epochs": 2, "batch_size": 16, "trim_padding": True}
job = Namespace(
    input=Namespace(sequences=f"{folder}/sequences.npz", vocabulary=f"{folder}/vocabulary.txt"),
    params=Namespace(model=model, train=settings), wildcards=Namespace(seed="1"), output=out)
train_job(job, train, device="CPU (NumPy)")
loaded = sorted(m for m in ("tensorflow", "jax", "torch", "keras") if m in sys.modules)
print(json.dumps({"loaded": loaded}))
"""


def test_numpy_training_loads_no_deep_learning_framework(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", NO_FRAMEWORK, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.splitlines()[-1]) == {"loaded": []}
    assert np.load(tmp_path / "probs_test.npy").shape == (10, 3)
    info = json.loads((tmp_path / "info.json").read_text())
    assert (info["engine"], info["epochs_trained"], info["epoch_kept"]) == ("numpy", 2, 2)
    assert info["params"] == sum(a.size for a in np.load(tmp_path / "weights.npz").values())
