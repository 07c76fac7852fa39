"""Training a classifier in NumPy, as keras_training.fit trains one in Keras: epochs of
shuffled mini-batches, inverted dropout, Adam, the validation split scored after each
epoch, optional early stopping that keeps the best epoch's weights. No TensorFlow, JAX
or PyTorch: the gradients come from a backward pass of this package."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..data.text import trim
from ..evaluation.metrics import loss_and_accuracy
from ..models.training_config import TrainingConfig
from ..models.training_job import Inputs, Trained
from .adam import Adam
from .init import classifier, initial_weights
from .layers import Dropout, read_layers
from .loader import from_export
from .packed_backprop import forward_backward
from .unread_rows import read_first


def dropout_inputs(architecture: dict, batch: int, steps: int) -> list[tuple[Dropout, tuple]]:
    """Each Dropout layer with its input's shape: [B, T, W] after a layer that returns
    sequences, [B, W] after one that returns its last state."""
    found, width, sequences = [], None, True
    for layer in read_layers(architecture):
        if isinstance(layer, Dropout):
            found.append((layer, (batch, steps, width) if sequences else (batch, width)))
        sequences = getattr(layer, "return_sequences", sequences)
        width = layer.width(width)
    return found


def dropout_masks(architecture: dict, ids: np.ndarray, rng: np.random.Generator, dtype):
    """Per Dropout layer, units kept with probability 1 - rate, scaled by 1 / (1 - rate)."""
    masks = {}
    for layer, shape in dropout_inputs(architecture, *ids.shape[:2]):
        if layer.rate > 0:
            kept = rng.random(layer.noise_shape(shape), dtype=np.float32) >= layer.rate
            masks[layer.name] = (kept / (1 - layer.rate)).astype(dtype)
    return masks


class EarlyStopping:
    """Keras's EarlyStopping(restore_best_weights=True) with min_delta 0: the best epoch is
    the first with the best monitored score; stop after `patience` epochs without a better
    one."""

    def __init__(self, monitor: str, patience: int):
        self.monitor, self.patience = monitor, patience
        self.sign = 1 if monitor.endswith("loss") else -1  # lower is better for losses
        self.best, self.best_epoch, self.best_arrays, self.wait = np.inf, 0, None, 0

    def stop(self, epoch: int, logs: dict, arrays: dict) -> bool:
        """After epoch (1-based): whether to stop; keeps a copy of the best weights."""
        score = self.sign * logs[self.monitor]
        if score < self.best:
            self.best, self.best_epoch, self.wait = score, epoch, 0
            self.best_arrays = {k: v.copy() for k, v in arrays.items()}
            return False
        self.wait += 1
        return self.wait >= self.patience


def fit(
    architecture: dict,
    arrays: dict[str, np.ndarray],
    data: dict[str, np.ndarray],
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    early_stopping: dict | None = None,
    gradients: Callable = forward_backward,
    shuffle: bool = True,
    weight_decay: float | None = None,
) -> tuple[dict[str, list], int]:
    """Train `arrays` in place on data's x_train/y_train, scoring x_valid/y_valid after
    each epoch; returns the history (loss, accuracy, val_loss, val_accuracy: Keras's keys
    and definitions) and the epoch whose weights `arrays` holds (1-based).

    `gradients(architecture, arrays, ids, labels, dropout)` -> (loss, grads, probs): the
    packed backward pass by default, or backprop.forward_backward (the same numbers).
    Rows are shuffled (unless not `shuffle`) and dropout masks drawn from generators
    seeded by `seed`. With `early_stopping` (monitor, patience), training stops early and
    the best epoch's weights are restored. `weight_decay`: Adam's decoupled weight decay.
    """
    order_rng, drop = (np.random.default_rng([seed, stream]) for stream in (1, 2))
    optimizer = Adam(learning_rate, weight_decay=weight_decay)
    # each batch cut after its longest text where that is exact (NumPy compiles nothing)
    trimmed = architecture["mask_zero"] and architecture["padding"] == "post"
    stopper = EarlyStopping(**early_stopping) if early_stopping else None
    skip = read_first(architecture, data["x_train"], weight_decay)
    if skip:  # the n-gram rows no training input reads: left out of every step, exactly
        data = data | {k: skip.renumber(data[k]) for k in ("x_train", "x_valid")}
        skip.reorder(arrays)
    trained = skip.trained(arrays) if skip else arrays
    x, y = data["x_train"], data["y_train"]
    history: dict[str, list] = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(1, epochs + 1):
        order = order_rng.permutation(len(x)) if shuffle else np.arange(len(x))
        loss = correct = 0.0
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            ids = trim(x[rows]) if trimmed else x[rows]
            masks = dropout_masks(architecture, ids, drop, dtype_of(arrays))
            batch_loss, grads, probs = gradients(architecture, trained, ids, y[rows], masks)
            optimizer.update(trained, grads)
            loss += batch_loss * len(rows)
            correct += np.sum(probs.argmax(axis=1) == y[rows])
        history["loss"].append(loss / len(x))
        history["accuracy"].append(correct / len(x))
        probs = predict_proba(architecture, arrays, data["x_valid"])
        val_loss, val_accuracy = loss_and_accuracy(probs, data["y_valid"])
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_accuracy)
        logs = {key: values[-1] for key, values in history.items()}
        print(f"epoch {epoch}/{epochs}: " + ", ".join(f"{k} {v:.4f}" for k, v in logs.items()))
        if stopper and stopper.stop(epoch, logs, arrays):
            break
    if stopper:
        arrays.update(stopper.best_arrays)
    if skip:
        skip.restore(arrays)
    return history, stopper.best_epoch if stopper else len(history["loss"])


def dtype_of(arrays: dict[str, np.ndarray]) -> np.dtype:
    return next(iter(arrays.values())).dtype


def predict_proba(architecture: dict, arrays: dict, ids: np.ndarray) -> np.ndarray:
    """Class probabilities [N, C] from the fast inference engine, one thread."""
    model = from_export(architecture, arrays, dtype=dtype_of(arrays))
    return model.predict_proba(ids, threads=1)


def train(config: TrainingConfig, data: Inputs, seed: int) -> Trained:
    """keras_training.train's twin on the NumPy engine: a classifier initialised as Keras
    would, trained by fit, with its probabilities on data's evaluation ids (no Keras
    model: the keras_twin rule builds one from the weights when something needs it)."""
    architecture = classifier(config, data.vocab_size, data.steps)
    arrays = initial_weights(architecture, seed)
    history, epoch_kept = fit(
        architecture,
        arrays,
        data.fit_data(),
        config.epochs,
        config.batch_size,
        config.learning_rate,
        seed,
        config.early_stopping,
        weight_decay=config.weight_decay,
    )
    probs = predict_proba(architecture, arrays, data.x["evaluation"])
    params = sum(a.size for a in arrays.values())
    return Trained(history, epoch_kept, probs, arrays, architecture, params)
