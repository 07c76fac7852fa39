"""backprop.py's loss and gradients, computed on packed sequences (packing.py): only the
real tokens run, so the work is proportional to them, not to B x T. Read backprop.py
first: the equations are the same, and tests/test_fast_backprop.py checks that the
numbers are too. The recurrence itself, forward and backward, is cell.py's.

What differs is the layout, so that a step of the time loop is a few NumPy calls on
contiguous blocks (each trick timed against the module without it, side by side:
benchmarks/README.md):
- a recurrent layer's lanes (itself, or a Bidirectional's two directions) run side by
  side, each lane reading the packed tokens in its own order (the backward direction
  reads each text from its last real token to its first: packing.backward), gate-major
  [4, L, N, H] (cell.py), so that a step's slice of one gate is one block per lane
  (1.13x over one block-diagonal recurrent matmul);
- the states h and c of every step live in one buffer [L, B + N, H], B zero rows first;
- what needs no recurrence runs once over all tokens, outside the time loop, as
  per-lane, per-gate matmuls that read and write the gate-major layout as it is: the
  input projection x W, dW = x^T dz, dU = h^T dz, dx = dz W^T (1.14x over one [N, 4LH]
  matmul and transposed copies); the gates' derivative factors too.

Shapes: B texts, N real tokens (packed), D input features, H units, L lanes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import (
    MERGE_BACKWARD,
    backward,
    cross_entropy,
    lanes,
    softmax_cross_entropy_backward,
)
from .cell import gate_major, halved, keras_columns, scan, scan_backward
from .packing import Packing
from .reference import MERGE, dense, lstm_weights, softmax


def previous(packing: Packing) -> np.ndarray:
    """[N]: the row of each token's previous state in a [.., B + N, H] state buffer: the
    same text's previous token, or for a text's first token a zero row."""
    step = np.repeat(np.arange(len(packing.sizes)), packing.sizes)
    row = np.arange(len(packing.rows)) - packing.offsets[step]  # within its step
    return np.where(step > 0, packing.batch + packing.offsets[step - 1] + row, row)


def final(packing: Packing) -> np.ndarray:
    """[B]: the row of each text's final state in a [.., B + N, H] state buffer, in the
    original row order: its last token's, or for an empty text its own zero row."""
    sorted_rows = np.arange(packing.batch)
    last = packing.batch + packing.offsets[np.maximum(packing.lengths, 1) - 1] + sorted_rows
    return packing.unsort(np.where(packing.lengths > 0, last, sorted_rows))


def column_major(w: np.ndarray) -> np.ndarray:
    """w [..., R, H] with each [R, H] block stored column by column. BLAS rounds a product
    of a few rows (a step's last texts) differently by its operands' layout; this is the
    layout the default study's NumPy-trained files were made with."""
    return np.ascontiguousarray(w.swapaxes(-1, -2)).swapaxes(-1, -2)


@dataclass
class Recurrent:
    """One recurrent layer's lanes side by side, gate-major."""

    prefixes: list[str]  # each lane's weight prefix
    orders: list  # each lane's reading order of packed tokens (None: packed order)
    kernel: np.ndarray  # [4, L, D, H]
    recurrent_kernel: np.ndarray  # [4, L, H, H]
    bias: np.ndarray  # [4, L, 1, H]

    @classmethod
    def from_arrays(cls, spec: dict, arrays: dict, packing: Packing) -> Recurrent:
        prefixes = lanes(spec)
        weights = [lstm_weights(arrays, prefix) for prefix in prefixes]
        return cls(
            prefixes,
            [None, packing.backward][: len(prefixes)],
            *(
                column_major(np.stack([gate_major(w[k]) for w in weights], axis=1))
                for k in ("kernel", "recurrent_kernel")
            ),
            np.stack([gate_major(w["bias"][None]) for w in weights], axis=1),
        )

    def in_reading_order(self, a: np.ndarray) -> np.ndarray:
        """[L, N, F] in packed order <-> each lane in its reading order (a reading order
        mirrors each text: it is its own inverse). A copy."""
        a = a.copy()
        for lane, order in enumerate(self.orders):
            if order is not None:
                a[lane] = a[lane][order]
        return a


def recurrent_forward(layer: Recurrent, x: np.ndarray, packing: Packing, sequences: bool):
    """Packed x [N, D] -> each lane's outputs [L, N, H] (packed order) if `sequences`, else
    its final states [L, B, H] (original row order); and what recurrent_backward needs."""
    xs = layer.in_reading_order(np.broadcast_to(x, (len(layer.prefixes), *x.shape)))
    z = xs[None] @ halved(layer.kernel)  # [4, L, N, H]: all tokens at once
    z += halved(layer.bias)
    h, c = scan(z, halved(layer.recurrent_kernel), packing)
    if sequences:
        out = layer.in_reading_order(h[:, packing.batch :])
    else:
        out = h[:, final(packing)]
    return out, (xs, z, h, c, sequences)


def recurrent_backward(layer: Recurrent, saved, dout, packing, grads: dict) -> np.ndarray:
    """dout [L, N, H] or [L, B, H] (of recurrent_forward's output) -> dx [N, D]; each lane's
    weight gradients go into grads."""
    xs, gates, h, c, sequences = saved
    (lanes_, tokens, _), units = xs.shape, h.shape[-1]
    dh = np.zeros_like(h)  # [L, B + N, H]: the gradient reaching each state from above
    if sequences:
        dh[:, packing.batch :] = layer.in_reading_order(dout)
    else:
        dh[:, final(packing)] = dout
    before = previous(packing)
    dU_T = layer.recurrent_kernel.transpose(0, 1, 3, 2).copy()
    states = slice(packing.batch, None)
    dz = scan_backward(dh[:, states], gates, c[:, before], c[:, states], dU_T, packing)
    # all tokens at once, each lane in its reading order
    dW = xs.transpose(0, 2, 1)[None] @ dz  # [4, L, D, H]
    dU = h[None, :, before].transpose(0, 1, 3, 2) @ dz  # [4, L, H, H]
    db = dz.sum(axis=2)  # [4, L, H]
    dz_rows = dz.transpose(1, 2, 0, 3).reshape(lanes_, tokens, 4 * units)
    dxs = dz_rows @ layer.kernel.transpose(1, 0, 3, 2).reshape(lanes_, 4 * units, -1)
    for lane, prefix in enumerate(layer.prefixes):
        grads[f"{prefix}/kernel"] = keras_columns(dW[:, lane])
        grads[f"{prefix}/recurrent_kernel"] = keras_columns(dU[:, lane])
        grads[f"{prefix}/bias"] = keras_columns(db[:, lane])
    return layer.in_reading_order(dxs).sum(axis=0)


def merge(spec: dict, out: np.ndarray) -> np.ndarray:
    """Lane outputs [L, ..., H] -> the layer's output [..., H] or [..., 2H] (merge_mode)."""
    return out[0] if len(out) == 1 else MERGE[spec["merge_mode"]](*out)


def merge_backward(spec: dict, out: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """d merged -> d lane outputs [L, ..., H]."""
    return dy[None] if len(out) == 1 else np.stack(MERGE_BACKWARD[spec["merge_mode"]](dy, *out))


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


def loss_and_gradients(
    architecture: dict, arrays: dict, ids: np.ndarray, labels: np.ndarray, dropout=None
) -> tuple[float, dict]:
    """backprop.loss_and_gradients on packed sequences: the mean cross-entropy of the
    classifier on ids [B, T] and labels [B], and its gradient with respect to every array
    (same keys as `arrays`), in the arrays' dtype: forward_backward's first two results."""
    loss, grads, _ = forward_backward(architecture, arrays, ids, labels, dropout)
    return loss, grads


def forward_backward(
    architecture: dict, arrays: dict, ids: np.ndarray, labels: np.ndarray, dropout=None
) -> tuple[float, dict, np.ndarray]:
    """The mean cross-entropy on ids [B, T] and labels [B], its gradient with respect to
    every array, and the probabilities [B, C] it was computed from.

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
    [B, C], and the tape that backward_packed reads. `dropout` as forward_backward's."""
    dropout, sequences, tape = dropout or {}, True, []  # x: packed [N, F], then [B, F]
    for spec in architecture["layers"][1:]:
        name, kind, x_in = spec["name"], spec["type"], x
        if kind in ("LSTM", "Bidirectional"):
            layer = Recurrent.from_arrays(spec, arrays, packing)
            sequences = spec["return_sequences"]
            out, saved = recurrent_forward(layer, x, packing, sequences)
            x, saved = merge(spec, out), (layer, out, saved)
        elif kind == "Dropout":
            saved = dropout.get(name)
            if saved is not None:
                saved = packing.pack(saved) if sequences else saved
                x = x * saved
        elif kind == "Dense":
            x, saved = dense(x, arrays[f"{name}/kernel"], arrays[f"{name}/bias"]), None
        else:
            raise ValueError(f"layer {name}: type {kind} is not in the reference")
        tape.append((spec, x_in, saved))
    if sequences:
        raise ValueError("the last recurrent layer must return its final state")
    return softmax(x), tape


def backward_packed(tape: list, arrays: dict, packing: Packing, dlogits: np.ndarray):
    """From dlogits [B, C] back through forward's tape: every weight's gradient but the
    embedding's, and the gradient reaching the embedding's packed output [N, D]."""

    def through_recurrent(spec, x_in, saved, dy, grads) -> np.ndarray:
        layer, out, saved = saved
        return recurrent_backward(layer, saved, merge_backward(spec, out, dy), packing, grads)

    return backward(tape, arrays, dlogits, through_recurrent)
