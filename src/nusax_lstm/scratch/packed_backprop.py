"""backprop.py's loss and gradients, computed on packed sequences (packing.py): only the
real tokens run, so the work is proportional to them, not to B x T. Read backprop.py
first: the equations are the same, and tests/test_fast_backprop.py checks that the
numbers are too. Each layer runs its own fast forward and backward pass
(Layer.train_forward, train_backward in layers/), model.Sequential strings them together;
this module adds the embedding's lookup and the loss.

Shapes: B texts, N real tokens (packed), D input features, C classes.
"""

from __future__ import annotations

import numpy as np

from .backprop import cross_entropy, softmax_cross_entropy_backward
from .layers import read_layers
from .model import Sequential


def embedding_backward(tokens: np.ndarray, dx: np.ndarray, vocab: int) -> np.ndarray:
    """Packed token ids [N] and dx [N, D] -> the table's gradient [V, D]: a row's gradient
    is the sum over the places its id was read. Each id's rows are summed pairwise
    (np.add.reduceat over the rows sorted by id), not one at a time as np.add.at does:
    fewer float32 roundings for frequent words, and the order the study's byte-stable
    results were trained with."""
    order = np.argsort(tokens, kind="stable")
    ids = tokens[order]
    starts = np.flatnonzero(np.diff(ids, prepend=-1))  # where each id's run begins
    dtable = np.zeros((vocab, dx.shape[1]), dtype=dx.dtype)
    if len(ids):
        dtable[ids[starts]] = np.add.reduceat(dx[order], starts)
    return dtable


def forward_backward(
    architecture: dict, arrays: dict, ids: np.ndarray, labels: np.ndarray, dropout=None
) -> tuple[float, dict, np.ndarray]:
    """The mean cross-entropy on ids [B, T] and labels [B], its gradient with respect to
    every array (same keys as `arrays`, in their dtype), and the probabilities [B, C] it
    was computed from.

    `dropout` maps a Dropout layer's name to its mask of kept units, already scaled by
    1 / (1 - rate), shaped like that layer's input: [B, T, W] after a layer that returns
    sequences (only the real tokens' rows are read), [B, W] after final states.
    """
    model = Sequential(read_layers(architecture))
    table = arrays[f"{model.layers[0].name}/embeddings"]
    packing = model.packing(ids)
    tokens = packing.pack(ids)  # [N]
    probs, tape = model.train_forward(arrays, packing, table[tokens], dropout)
    grads, dx = model.train_backward(tape, softmax_cross_entropy_backward(probs, labels))
    grads[f"{model.layers[0].name}/embeddings"] = embedding_backward(tokens, dx, len(table))
    return cross_entropy(probs, labels), grads, probs
