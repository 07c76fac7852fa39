"""backprop.py's loss and gradients, computed on packed sequences (packing.py): only the
real tokens run, so the work is proportional to them, not to B x T. Read backprop.py
first: the equations are the same, and tests/test_fast_backprop.py checks that the
numbers are too.

What differs is the layout, so that a step of the time loop is a few NumPy calls:
- a recurrent layer's lanes (itself, or a Bidirectional's two directions) run side by
  side on a leading axis; lane l reads the packed tokens in its own order (the backward
  direction reads each text from its last real token to its first: packing.backward);
- gates are gate-major in the order (o, i, f, g): the forward's sigmoids are one block
  (o, i, f), and so are the gates that the cell's gradient reaches (i, f, g);
- the states h and c of every step live in one buffer [L, B + N, H], B zero rows first
  (the state before the first step), so a step reads its predecessor as a slice;
- what needs no recurrence runs once over all tokens, outside the time loop: the input
  projection x W, the gates' derivative factors, dW = x^T dz, dU = h^T dz, dx = dz W^T.

Shapes: B texts, N real tokens (packed), D input features, H units, L lanes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import (
    MERGE_BACKWARD,
    cross_entropy,
    dense_backward,
    lanes,
    softmax_cross_entropy_backward,
)
from .packing import Packing
from .reference import MERGE, dense, lstm_weights, softmax

GATES = [3, 0, 1, 2]  # Keras's gate blocks (i, f, g, o) -> (o, i, f, g)
KERAS = np.argsort(GATES).tolist()  # and back
# sigmoid(z) = (1 + tanh(z / 2)) / 2: with the weights of the sigmoid gates halved, one
# tanh serves all four gates
HALF = np.array([0.5, 0.5, 0.5, 1.0])[:, None]


def gate_major(w: np.ndarray) -> np.ndarray:
    """Keras's gate columns [..., 4H] -> [..., 4, H] in the order (o, i, f, g)."""
    return w.reshape(*w.shape[:-1], 4, -1)[..., GATES, :]


def keras_columns(w: np.ndarray) -> np.ndarray:
    """[..., 4, H] in the order (o, i, f, g) -> Keras's gate columns [..., 4H]."""
    return w[..., KERAS, :].reshape(*w.shape[:-2], -1)


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


@dataclass
class Recurrent:
    """One recurrent layer's lanes side by side."""

    prefixes: list[str]  # each lane's weight prefix
    orders: list  # each lane's reading order of packed tokens (None: packed order)
    kernel: np.ndarray  # [D, L, 4, H]
    recurrent_kernel: np.ndarray  # [L, H, 4, H]
    bias: np.ndarray  # [L, 4, H]

    @classmethod
    def from_arrays(cls, spec: dict, arrays: dict, packing: Packing) -> Recurrent:
        prefixes = lanes(spec)
        weights = [{k: gate_major(a) for k, a in lstm_weights(arrays, p).items()} for p in prefixes]
        return cls(
            prefixes,
            [None, packing.backward][: len(prefixes)],
            np.stack([w["kernel"] for w in weights], axis=1),
            np.stack([w["recurrent_kernel"] for w in weights]),
            np.stack([w["bias"] for w in weights]),
        )

    def in_reading_order(self, a: np.ndarray) -> np.ndarray:
        """[L, N, ...] in packed order <-> each lane in its reading order (a reading order
        mirrors each text: it is its own inverse). A copy."""
        a = a.copy()
        for lane, order in enumerate(self.orders):
            if order is not None:
                a[lane] = a[lane, order]
        return a


def scan_forward(z: np.ndarray, recurrent_kernel: np.ndarray, packing: Packing) -> tuple:
    """The recurrence of all lanes. z [L, N, 4, H]: each lane's input terms x W + b in its
    reading order, the sigmoid gates' halved (HALF); it becomes the gates (o, i, f, g), in
    place. recurrent_kernel [L, H, 4H], halved alike. Returns the states h, c
    [L, B + N, H] (B zero rows, then each token's) and tanh(c) [L, N, H]."""
    (lanes_, tokens, _, units), batch = z.shape, packing.batch
    h = np.zeros((lanes_, batch + tokens, units), dtype=z.dtype)
    c = np.zeros_like(h)
    tanh_c = np.empty((lanes_, tokens, units), dtype=z.dtype)
    before = 0  # where the previous step's states start in h and c
    for lo, n in zip(packing.offsets.tolist(), packing.sizes.tolist(), strict=False):
        now = batch + lo
        z_k = z[:, lo : lo + n]
        z_k += (h[:, before : before + n] @ recurrent_kernel).reshape(lanes_, n, 4, units)
        np.tanh(z_k, out=z_k)
        sigmoid = z_k[:, :, :3]
        sigmoid *= 0.5
        sigmoid += 0.5
        o, i, f, g = (z_k[:, :, j] for j in range(4))
        c_k = c[:, now : now + n]
        np.multiply(f, c[:, before : before + n], out=c_k)
        c_k += i * g
        np.tanh(c_k, out=tanh_c[:, lo : lo + n])
        np.multiply(o, tanh_c[:, lo : lo + n], out=h[:, now : now + n])
        before = now
    return h, c, tanh_c


def scan_backward(dh, gates, c_before, tanh_c, dU_T, packing: Packing) -> np.ndarray:
    """Backpropagation through time of scan_forward: dh [L, N, H], the gradient reaching
    each step's output from above (to it, in place, the steps after it add theirs); gates
    [L, N, 4, H]; c_before [L, N, H], each step's previous c; dU_T [L, 4H, H], the
    recurrent kernels transposed. Returns dz [L, N, 4, H], the gates' pre-activations'.

    backprop.lstm_backward's equations, the factors that need no recurrence first, for
    all steps at once:
        dc = dh o (1 - tanh(c)^2) + dc' f'      (dc', f': the next step's)
        dz = [dh tanh(c) o (1 - o), dc g i (1 - i), dc c_before f (1 - f), dc i (1 - g^2)]
    """
    o, i, f, g = (gates[:, :, j] for j in range(4))
    to_c = o * (1 - tanh_c**2)
    factors = np.empty_like(gates)
    np.multiply(tanh_c, o * (1 - o), out=factors[:, :, 0])
    np.multiply(g, i * (1 - i), out=factors[:, :, 1])
    np.multiply(c_before, f * (1 - f), out=factors[:, :, 2])
    np.multiply(i, 1 - g**2, out=factors[:, :, 3])
    (lanes_, _, _, units), dz, dc = gates.shape, np.empty_like(gates), np.empty_like(dh)
    offsets, sizes = packing.offsets.tolist(), packing.sizes.tolist()
    for k in reversed(range(len(sizes))):
        lo, n = offsets[k], sizes[k]
        dh_k, dc_k = dh[:, lo : lo + n], dc[:, lo : lo + n]
        if k + 1 < len(sizes):  # texts that go on: what comes back from their next step
            after, m = offsets[k + 1], sizes[k + 1]
            dh_k[:, :m] += dz[:, after : after + m].reshape(lanes_, m, 4 * units) @ dU_T
        np.multiply(dh_k, to_c[:, lo : lo + n], out=dc_k)
        if k + 1 < len(sizes):
            dc_k[:, :m] += dc[:, after : after + m] * f[:, after : after + m]
        np.multiply(dh_k, factors[:, lo : lo + n, 0], out=dz[:, lo : lo + n, 0])
        np.multiply(dc_k[:, :, None], factors[:, lo : lo + n, 1:], out=dz[:, lo : lo + n, 1:])
    return dz


def recurrent_forward(layer: Recurrent, x: np.ndarray, packing: Packing, sequences: bool):
    """Packed x [N, D] -> each lane's outputs [L, N, H] (packed order) if `sequences`, else
    its final states [L, B, H] (original row order); and what recurrent_backward needs."""
    (tokens, features), (lanes_, units, _, _) = x.shape, layer.recurrent_kernel.shape
    half = HALF.astype(x.dtype)
    kernel = (layer.kernel * half).reshape(features, -1)  # [D, L 4H]: one matmul, all lanes
    z = (x @ kernel).reshape(tokens, lanes_, 4, units).transpose(1, 0, 2, 3)
    z = layer.in_reading_order(z) + layer.bias[:, None] * half
    recurrent_kernel = (layer.recurrent_kernel * half).reshape(lanes_, units, -1)
    h, c, tanh_c = scan_forward(z, recurrent_kernel, packing)
    if sequences:
        out = layer.in_reading_order(h[:, packing.batch :])
    else:
        out = h[:, final(packing)]
    return out, (z, h, c, tanh_c, sequences)


def recurrent_backward(layer: Recurrent, x, saved, dout, packing, grads: dict) -> np.ndarray:
    """dout [L, N, H] or [L, B, H] (of recurrent_forward's output) -> dx [N, D]; each lane's
    weight gradients go into grads."""
    gates, h, c, tanh_c, sequences = saved
    (tokens, features), (lanes_, units, _, _) = x.shape, layer.recurrent_kernel.shape
    dh = np.zeros_like(h)  # [L, B + N, H]: the gradient reaching each state from above
    if sequences:
        dh[:, packing.batch :] = layer.in_reading_order(dout)
    else:
        dh[:, final(packing)] = dout
    before = previous(packing)
    dU_T = layer.recurrent_kernel.reshape(lanes_, units, -1).transpose(0, 2, 1)
    dz = scan_backward(dh[:, packing.batch :], gates, c[:, before], tanh_c, dU_T, packing)
    dz = dz.reshape(lanes_, tokens, 4 * units)
    dU = h[:, before].transpose(0, 2, 1) @ dz  # [L, H, 4H]
    dz = (
        layer.in_reading_order(dz).transpose(1, 0, 2).reshape(tokens, 4 * lanes_ * units)
    )  # [N, L 4H]
    dW = (x.T @ dz).reshape(features, lanes_, 4, units)
    db = dz.sum(axis=0).reshape(lanes_, 4, units)
    for lane, prefix in enumerate(layer.prefixes):
        grads[f"{prefix}/kernel"] = keras_columns(dW[:, lane])
        grads[f"{prefix}/recurrent_kernel"] = keras_columns(dU[lane].reshape(units, 4, units))
        grads[f"{prefix}/bias"] = keras_columns(db[lane])
    return dz @ layer.kernel.reshape(features, -1).T


def merge(spec: dict, out: np.ndarray) -> np.ndarray:
    """Lane outputs [L, ..., H] -> the layer's output [..., H] or [..., 2H] (merge_mode)."""
    return out[0] if len(out) == 1 else MERGE[spec["merge_mode"]](*out)


def merge_backward(spec: dict, out: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """d merged -> d lane outputs [L, ..., H]."""
    return dy[None] if len(out) == 1 else np.stack(MERGE_BACKWARD[spec["merge_mode"]](dy, *out))


def embedding_backward(tokens: np.ndarray, dx: np.ndarray, vocab: int) -> np.ndarray:
    """Packed token ids [N] and dx [N, D] -> the table's gradient [V, D]: a row's gradient
    is the sum over the places its id was read."""
    dtable = np.zeros((vocab, dx.shape[1]), dtype=dx.dtype)
    np.add.at(dtable, tokens, dx)
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
    layers, dropout = architecture["layers"], dropout or {}
    table = arrays[f"{layers[0]['name']}/embeddings"]
    mask = ids != 0 if layers[0]["mask_zero"] else np.ones(ids.shape, dtype=bool)
    packing = Packing.from_mask(mask)
    tokens = packing.pack(ids)  # [N]
    x, sequences = table[tokens], True  # packed [N, F] while sequences, then [B, F]
    tape = []  # per layer: (spec, its input, what its backward needs)
    for spec in layers[1:]:
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
    probs = softmax(x)

    grads: dict = {}
    dy = softmax_cross_entropy_backward(probs, labels)
    for spec, x_in, saved in reversed(tape):
        name, kind = spec["name"], spec["type"]
        if kind == "Dense":
            kernel = arrays[f"{name}/kernel"]
            dy, grads[f"{name}/kernel"], grads[f"{name}/bias"] = dense_backward(x_in, kernel, dy)
        elif kind == "Dropout":
            dy = dy if saved is None else dy * saved
        else:
            layer, out, saved = saved
            dout = merge_backward(spec, out, dy)
            dy = recurrent_backward(layer, x_in, saved, dout, packing, grads)
    grads[f"{layers[0]['name']}/embeddings"] = embedding_backward(tokens, dy, len(table))
    return cross_entropy(probs, labels), grads, probs
