"""Training on each Keras backend: cutting masked padding and filling the last batch are
exact, JAX runs keep TensorFlow out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from networks import network

from nusax_lstm.data.text import trim
from nusax_lstm.models.keras_backend import BACKENDS

pytest.importorskip("keras")

TESTS = Path(__file__).resolve().parent


def run_on(backend: str, script: str) -> dict:
    """A script run in a fresh interpreter (the backend is fixed when keras is imported),
    given the backend; the JSON object it prints last."""
    result = subprocess.run(
        [sys.executable, "-c", script, backend],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=TESTS,  # scripts import tests/networks.py
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("ids", "kept"),
    [
        ([[3, 4, 0, 0, 0], [5, 0, 0, 0, 0]], 2),
        ([[3, 0, 4, 0, 0], [0, 0, 0, 0, 0]], 3),  # a hole is kept, trailing zeros go
        ([[1, 2, 3], [4, 5, 6]], 3),
        ([[0, 0], [0, 0]], 1),  # all padding: one step, every row masked
    ],
)
def test_trim_cuts_only_columns_that_are_padding_in_every_row(ids, kept):
    ids = np.array(ids, dtype=np.int32)
    got = trim(ids)
    assert got.shape == (2, kept)
    assert np.array_equal(got, ids[:, :kept])


# Run in a fresh interpreter per backend (the backend is fixed when keras is imported): for
# a unidirectional and a bidirectional network, one Adam step with dropout off, from the same
# weights, on a batch padded to 30 steps and on the same batch cut to its longest text; then
# both models' predictions on the full inputs.
EXACTNESS = """
import json, sys
import numpy as np
from nusax_lstm.models.keras_backend import configure_keras
from networks import network
from nusax_lstm.models.keras_model import build_model
from nusax_lstm.data.text import trim

configure_keras(sys.argv[1], threads=1, seed=3)
rng = np.random.default_rng(0)
lengths = rng.integers(0, 17, 12)  # an empty text too
lengths[0] = 16
x = np.where(np.arange(30) < lengths[:, None], rng.integers(1, 50, (12, 30)), 0).astype("int32")
y = rng.integers(0, 3, 12)
result = {"steps": trim(x).shape[1]}
for units, bidirectional in (((6, 4), False), ((5, 3), True)):
    full = build_model(network(units, bidirectional), 50, None)
    cut = build_model(network(units, bidirectional), 50, None)
    cut.set_weights(full.get_weights())
    full.train_on_batch(x, y)
    cut.train_on_batch(trim(x), y)
    pairs = zip(full.get_weights(), cut.get_weights())
    weights = max(float(np.abs(a - b).max()) for a, b in pairs)
    probs = np.abs(full.predict(x, verbose=0) - cut.predict(trim(x), verbose=0)).max()
    result["bi" if bidirectional else "uni"] = {"weights": weights, "probs": float(probs)}
result["tf"] = sys.modules.get("tensorflow") is not None
print(json.dumps(result))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_cutting_masked_padding_changes_neither_a_training_step_nor_predictions(backend):
    got = run_on(backend, EXACTNESS)
    assert got["steps"] == 16
    for direction in ("uni", "bi"):
        assert got[direction]["weights"] <= 1e-6 and got[direction]["probs"] <= 1e-6, direction
    assert got["tf"] == (backend == "tensorflow")  # a JAX training never loads TensorFlow


# One epoch, dropout off, from the same weights: `fit` on filled batches against Keras's
# plain fit on the same rows in the same order (45 = 16 + 16 + a short 13); the history
# (train and validation), the weights, and predictions in filled batches.
FILLED = """
import json, sys
import numpy as np
from nusax_lstm.models.keras_backend import configure_keras
from networks import network
from nusax_lstm.models.keras_model import build_model

configure_keras(sys.argv[1], threads=1, seed=3)
from nusax_lstm.models.keras_training import FilledBatches, fit, predict

rng = np.random.default_rng(1)
x = rng.integers(0, 50, (45, 9)).astype("int32")  # zeros too: holes under the mask
y = rng.integers(0, 3, 45)
data = {"x_train": x, "y_train": y, "x_valid": x[:7], "y_valid": y[:7]}
filled = build_model(network((5,), True), 50, None)
plain = build_model(network((5,), True), 50, None)
plain.set_weights(filled.get_weights())
batches = FilledBatches(x, y, 16, seed=5)
batches.shuffle()
order = batches.order
ours, kept = fit(filled, data, 1, 16, 5, 4)
theirs = plain.fit(
    x[order], y[order], batch_size=16, epochs=1, shuffle=False,
    validation_data=(x[:7], y[:7]), verbose=0,
).history
pairs = zip(filled.get_weights(), plain.get_weights())
result = {
    "kept": kept,
    "keys": sorted(ours),
    "history": max(abs(ours[k][0] - theirs[k][0]) for k in ours),
    "weights": max(float(np.abs(a - b).max()) for a, b in pairs),
    "probs": float(np.abs(predict(filled, x[:7], 4) - filled.predict(x[:7], verbose=0)).max()),
}
print(json.dumps(result))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_filled_batches_train_as_keras_fit_on_the_short_batch(backend):
    got = run_on(backend, FILLED)
    assert got["keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"] and got["kept"] == 1
    assert got["history"] <= 1e-6 and got["weights"] <= 1e-6 and got["probs"] <= 1e-6, got


# Early stopping on noise (random labels, a high learning rate): validation loss rises
# soon, training stops, and the model holds the best epoch's weights: its validation loss
# now is the one the history recorded for that epoch.
STOPPING = """
import json, sys
import numpy as np
from nusax_lstm.models.keras_backend import configure_keras
from networks import network
from nusax_lstm.models.keras_model import build_model

configure_keras(sys.argv[1], threads=1, seed=3)
from nusax_lstm.models.keras_training import fit, loss_and_accuracy, predict

rng = np.random.default_rng(2)
x = rng.integers(1, 40, (64, 6)).astype("int32")
y = rng.integers(0, 3, 64)
data = {"x_train": x[:48], "y_train": y[:48], "x_valid": x[48:], "y_valid": y[48:]}
model = build_model(network((8,), False, learning_rate=0.05), 40, None)
stopping = {"monitor": "val_loss", "patience": 2}
history, kept = fit(model, data, 12, 16, 5, 16, stopping)
now = loss_and_accuracy(predict(model, x[48:], 16), y[48:])[0]
print(json.dumps({"history": history["val_loss"], "kept": kept, "now": now}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_early_stopping_stops_and_keeps_the_best_epochs_weights(backend):
    got = run_on(backend, STOPPING)
    val_loss = got["history"]
    assert len(val_loss) < 12  # stopped early
    assert got["kept"] == 1 + int(np.argmin(val_loss)) < len(val_loss)
    assert len(val_loss) - got["kept"] == 2  # patience: two epochs without improvement
    assert got["now"] == pytest.approx(val_loss[got["kept"] - 1], abs=1e-6)


@pytest.mark.parametrize("name", ["adam", "sgd", "rmsprop"])
def test_the_configured_optimizer_trains_at_the_configured_rate(name):
    from nusax_lstm.models.keras_model import OPTIMIZERS, build_model

    model = build_model(
        network((3,), False, embedding_dim=4, learning_rate=0.025, optimizer=name), 20, 5
    )
    assert type(model.optimizer).__name__ == OPTIMIZERS[name]
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)
    assert model.optimizer.weight_decay is None  # the optimizer's default: none
    decayed = build_model(network((3,), optimizer=name, weight_decay=0.01), 20, 5)
    assert decayed.optimizer.weight_decay == pytest.approx(0.01)


def test_keras_word_dropout_drops_whole_tokens_and_passes_the_mask_on():
    from nusax_lstm.models.keras_model import WORDS, build_model

    model = build_model(network((3,), word_dropout=0.5), 20, None)
    layer = model.get_layer(WORDS)
    x = np.ones((40, 6, 8), dtype="float32")
    dropped = np.asarray(layer(x, training=True))
    assert (dropped.min(axis=-1) == dropped.max(axis=-1)).all()  # a token's vector whole
    assert set(np.unique(dropped)) == {0.0, 2.0}  # kept ones scaled by 1 / (1 - 0.5)
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    padded = model.predict(np.array([[3, 4, 0, 0, 0]]), verbose=0)  # the mask reaches the LSTM
    assert np.allclose(padded, model.predict(np.array([[3, 4]]), verbose=0), atol=1e-6)
