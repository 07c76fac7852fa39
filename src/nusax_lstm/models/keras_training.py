"""Keras training with one input shape per compiled program.

XLA compiles a program per input shape (on CPU about 4 s for a training step). A plain
`model.fit` compiles four: the training step for full batches and for the remainder
(500 = 15 x 32 + 20), the validation step, and the prediction step. Here there are two:
the training step, on batches all filled to `batch_size` with zero-weight rows, and the
prediction step, which also scores the validation split. Import after
keras_backend.configure_keras.
"""

from __future__ import annotations

import logging
from typing import Any

import keras
import numpy as np

from ..evaluation.metrics import loss_and_accuracy
from ..scratch.layers import architecture
from .keras_model import build_model, to_engine
from .training_config import TrainingConfig
from .training_job import Inputs, Trained

log = logging.getLogger(__name__)


class FilledBatches(keras.utils.PyDataset):
    """(x, y, sample_weight) batches of `batch_size` rows in a seeded order, drawn anew by
    `shuffle` (at each epoch's start, as `fit(shuffle=True)` on arrays). The last batch is
    filled up with rows of padding that weigh 0: with a loss reduced by
    `mean_with_sample_weight` it trains exactly as the short batch would, and every step
    has one shape."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> None:
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(x))  # until the first shuffle (Keras peeks at a batch)

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        fill = self.batch_size - len(rows)
        weight = np.pad(np.ones(len(rows), dtype="float32"), (0, fill))
        return filled(self.x[rows], fill), np.pad(self.y[rows], (0, fill)), weight

    def shuffle(self) -> None:
        self.order = self.rng.permutation(len(self.x))


def predict(model: Any, x: np.ndarray, batch_size: int) -> np.ndarray:
    """Class probabilities [N, classes] in batches of `batch_size` rows, the last one
    filled with padding rows (their predictions dropped): one shape, one compilation."""
    probs = model.predict(filled(x, -len(x) % batch_size), batch_size=batch_size, verbose=0)
    return probs[: len(x)]


def filled(x: np.ndarray, rows: int) -> np.ndarray:
    """x [N, T, ..] with `rows` rows of padding (zeros) after its own."""
    return np.pad(x, ((0, rows),) + ((0, 0),) * (x.ndim - 1))


class EpochScores(keras.callbacks.Callback):
    """At each epoch's end: the loss as the mean over training texts, and val_loss and
    val_accuracy from the validation split's predicted probabilities (in batches of
    `batch_size`: the prediction step's shape)."""

    def __init__(self, x_valid: np.ndarray, y_valid: np.ndarray, batch_size: int) -> None:
        super().__init__()
        self.x_valid, self.y_valid, self.batch_size = x_valid, y_valid, batch_size

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        logs["loss"] = logs.pop("text_loss")
        probs = predict(self.model, self.x_valid, self.batch_size)
        logs["val_loss"], logs["val_accuracy"] = loss_and_accuracy(probs, self.y_valid)


def fit(
    model: Any,
    data: dict[str, np.ndarray],
    epochs: int,
    batch_size: int,
    seed: int,
    predict_batch: int,
    early_stopping: dict | None = None,
) -> tuple[dict[str, list], int]:
    """Train on data's x_train/y_train, scoring x_valid/y_valid after each epoch.

    With `early_stopping` (monitor, patience), training stops once the monitored score has
    not improved for `patience` epochs, and the model keeps the best epoch's weights.
    Returns the per-epoch history (loss, accuracy, val_loss, val_accuracy) as plain floats
    and the epoch whose weights the model holds (1-based)."""
    batches = FilledBatches(data["x_train"], data["y_train"], batch_size, seed)
    # A callback, not PyDataset.on_epoch_begin: Keras also calls that to peek at a batch.
    shuffle = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: batches.shuffle())
    callbacks = [shuffle, EpochScores(data["x_valid"], data["y_valid"], predict_batch)]
    if early_stopping:  # after EpochScores, which puts the validation scores in the logs
        stopper = keras.callbacks.EarlyStopping(
            monitor=early_stopping["monitor"],
            mode="min" if early_stopping["monitor"].endswith("loss") else "max",
            patience=early_stopping["patience"],
            restore_best_weights=True,  # also when training runs all its epochs
        )
        callbacks.append(stopper)
    history = model.fit(
        batches,
        epochs=epochs,
        shuffle=False,  # the rows' order is the batches' own (Keras would shuffle batches)
        callbacks=callbacks,
        verbose=2,
    )
    trained = {key: [float(v) for v in values] for key, values in history.history.items()}
    kept = stopper.best_epoch + 1 if early_stopping else len(trained["loss"])
    return trained, kept


def train(config: TrainingConfig, data: Inputs, seed: int) -> Trained:
    """Build and train one network on the backend that configure_keras set up; its
    probabilities on data's evaluation ids, predicted in batches of the valid split's size
    (valid after each epoch, both at the end: one prediction program, one input shape)."""
    keras_model = build_model(config, data.vocab_size, None if data.trimmed else data.steps)
    keras_model.summary(print_fn=log.info)
    log.info("steps read: %s of %d", {name: x.shape[1] for name, x in data.x.items()}, data.steps)
    history, epoch_kept = fit(
        keras_model,
        data.fit_data(),
        config.epochs,
        config.batch_size,
        seed,
        data.n_valid,
        config.early_stopping,
    )
    probs = predict(keras_model, data.x["evaluation"], data.n_valid)
    arrays, layers = to_engine(keras_model)
    return Trained(
        history,
        epoch_kept,
        probs,
        arrays,
        architecture(layers, data.steps, config.padding),
        keras_model.count_params(),
        keras_model,
    )
