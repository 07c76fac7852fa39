"""backprop.py's loss and gradients, computed on packed sequences (packing.py): only the
real tokens run, so the work is proportional to them, not to B x T. Read backprop.py
first: the equations are the same, and tests/test_fast_backprop.py checks that the
numbers are too. Each layer runs its own fast forward and backward pass
(Layer.train_forward, train_backward in layers/), model.Sequential strings them together;
this module adds the input layer's lookup and the loss.

Shapes: B texts, N real tokens (packed), D input features, C classes.
"""

from __future__ import annotations

import numpy as np

from .backprop import cross_entropy, softmax_cross_entropy_backward
from .layers import read_layers
from .model import Sequential


def forward_backward(
    architecture: dict, arrays: dict, ids: np.ndarray, labels: np.ndarray, dropout=None
) -> tuple[float, dict, np.ndarray]:
    """The mean cross-entropy on token inputs (ids [B, T], or subword inputs [B, T, 1 + P])
    and labels [B], its gradient with respect to every array (same keys as `arrays`, in
    their dtype), and the probabilities [B, C] it was computed from.

    `dropout` maps a Dropout layer's name to its mask of kept units, already scaled by
    1 / (1 - rate), shaped like that layer's input: [B, T, W] after a layer that returns
    sequences (only the real tokens' rows are read), [B, W] after final states.
    """
    model = Sequential(read_layers(architecture))
    packing = model.packing(ids)
    tokens = packing.pack(ids)  # [N, ..]
    probs, tape = model.train_forward(arrays, packing, model.embed(arrays, tokens), dropout)
    grads, dx = model.train_backward(tape, softmax_cross_entropy_backward(probs, labels))
    grads |= model.embed_backward(arrays, tokens, dx)
    return cross_entropy(probs, labels), grads, probs
