"""backprop.py's loss and gradients, computed on packed sequences (packing.py): only the
real tokens run, so the work is proportional to them, not to B x T. Read backprop.py
first: the equations are the same, and tests/test_fast_backprop.py checks that the
numbers are too. Each layer runs its own fast forward and backward pass
(Layer.train_forward, train_backward in layers/); this module strings them together,
from the embedding's lookup to the loss and back.

Shapes: B texts, N real tokens (packed), D input features, C classes.
"""

from __future__ import annotations

import numpy as np

from .backprop import cross_entropy, softmax_cross_entropy_backward
from .layers import read_layers
from .layers.base import Flow, under
from .packing import Packing
from .reference import softmax


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
    embedding = architecture["layers"][0]
    table = arrays[f"{embedding['name']}/embeddings"]
    packing = packing_of(architecture, ids)
    tokens = packing.pack(ids)  # [N]
    probs, tape = forward(architecture, arrays, packing, table[tokens], dropout)
    dlogits = softmax_cross_entropy_backward(probs, labels)
    grads, dx = backward_packed(tape, arrays, packing, dlogits)
    grads[f"{embedding['name']}/embeddings"] = embedding_backward(tokens, dx, len(table))
    return cross_entropy(probs, labels), grads, probs


def packing_of(architecture: dict, ids: np.ndarray) -> Packing:
    """The packing of ids [B, T]: their real tokens under a mask, else every step."""
    mask = ids != 0 if architecture["layers"][0]["mask_zero"] else np.ones(ids.shape, dtype=bool)
    return Packing.from_mask(mask)


def forward(architecture: dict, arrays: dict, packing: Packing, x: np.ndarray, dropout=None):
    """The layers after the embedding on its packed output x [N, D]: the probabilities
    [B, C] (the last layer's softmax), and the tape that backward_packed reads. `dropout`
    as forward_backward's."""
    flow, tape = Flow(packing, dropout or {}), []
    for layer in read_layers(architecture)[1:]:
        x, saved = layer.train_forward(under(arrays, layer.name), x, flow)
        tape.append((layer, saved))
    if flow.sequences:
        raise ValueError("the last recurrent layer must return its final state")
    return softmax(x), (tape, flow)


def backward_packed(tape, arrays: dict, packing: Packing, dlogits: np.ndarray):
    """From dlogits [B, C] back through forward's tape: every weight's gradient but the
    embedding's, and the gradient reaching the embedding's packed output [N, D]."""
    layers, flow = tape
    grads, dy = {}, dlogits
    for layer, saved in reversed(layers):
        dy, own = layer.train_backward(saved, dy, flow)
        grads |= {f"{layer.name}/{key}": grad for key, grad in own.items()}
    return grads, dy
