"""Training in NumPy with the reference passes: mini-batches in a given order, the
gradients of backprop.py, the steps of adam.py. Readable and slow: the fast version, a
`train.backend` of the study, is still to come."""

from __future__ import annotations

import numpy as np

from .adam import Adam
from .backprop import loss_and_gradients


def fit(
    architecture: dict,
    arrays: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    orders: list[np.ndarray],
    batch_size: int,
    optimizer: Adam,
) -> list[float]:
    """Train `arrays` in place on token ids x [N, T] and labels y [N], one epoch per row
    order in `orders` (dropout off), in batches of `batch_size` rows (the last may be
    shorter). Returns each epoch's loss: the mean over texts of the loss before each
    batch's step, as Keras reports it."""
    losses = []
    for order in orders:
        total = 0.0
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            loss, grads = loss_and_gradients(architecture, arrays, x[rows], y[rows])
            optimizer.update(arrays, grads)
            total += loss * len(rows)
        losses.append(total / len(order))
    return losses
