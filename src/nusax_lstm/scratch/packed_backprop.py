"""backprop.py's loss and gradients, computed on packed sequences (packing.py): only the
real tokens run, so the work is proportional to them, not to B x T. Read backprop.py
first: the equations are the same, and tests/test_fast_backprop.py checks that the
numbers are too.

What differs is the layout, so that a step of the time loop is a few NumPy calls:
- a recurrent layer's lanes (itself, or a Bidirectional's two directions) run side by
  side as one state of S = L H columns, their recurrent kernels as one block-diagonal
  [S, 4S] matrix; lane l reads packed positions in its own order (the backward direction
  reads each row from its last real token to its first: packing.backward);
- gates are gate-major in the order (o, i, f, g): the forward's sigmoids are one block
  (o, i, f), and so are the gates that the cell's gradient reaches (i, f, g);
- the states h and c of every step live in one buffer [B + N, S], B zero rows first (the
  state before the first step), so that a step reads its predecessor as a slice;
- what needs no recurrence runs once over all tokens, outside the time loop: the input
  projection x W, the gates' derivative factors, dW = x^T dz, dU = h^T dz, dx = dz W^T.

Shapes: B texts, N real tokens (packed), K steps (the longest text), D input features,
H units, L lanes, S = L H.
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


def gate_major(w: np.ndarray) -> np.ndarray:
    """Keras's gate columns [..., 4H] -> [..., 4, H] in the order (o, i, f, g)."""
    return w.reshape(*w.shape[:-1], 4, -1)[..., GATES, :]


def keras_columns(w: np.ndarray) -> np.ndarray:
    """[..., 4, H] in the order (o, i, f, g) -> Keras's gate columns [..., 4H]."""
    return w[..., KERAS, :].reshape(*w.shape[:-2], -1)


def sigmoid_(z: np.ndarray) -> None:
    """z <- sigmoid(z) = 1 / (1 + exp(-z)), in place."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    np.reciprocal(z, out=z)


def previous(packing: Packing) -> np.ndarray:
    """[N] -> the row of each token's previous state in a [B + N, S] state buffer: the
    same text's previous token, or for a text's first token a zero row."""
    step = np.repeat(np.arange(len(packing.sizes)), packing.sizes)
    row = np.arange(len(packing.rows)) - packing.offsets[step]  # within its step
    return np.where(step > 0, packing.batch + packing.offsets[step - 1] + row, row)


def final(packing: Packing) -> np.ndarray:
    """[B] -> the row of each text's final state in a [B + N, S] state buffer, in the
    original row order: its last token's, or for an empty text its own zero row."""
    sorted_rows = np.arange(packing.batch)
    last = packing.batch + packing.offsets[np.maximum(packing.lengths, 1) - 1] + sorted_rows
    return packing.unsort(np.where(packing.lengths > 0, last, sorted_rows))


@dataclass
class Recurrent:
    """One recurrent layer's lanes side by side, in the scan's layout."""

    prefixes: list[str]  # each lane's weight prefix
    orders: list  # each lane's reading order of packed positions (None: packed order)
    kernel: np.ndarray  # [D, 4, L, H]
    recurrent_kernel: np.ndarray  # [S, 4, L, H], lane l's U at rows l H : (l + 1) H
    bias: np.ndarray  # [4, L, H]

    @classmethod
    def from_arrays(cls, spec: dict, arrays: dict, packing: Packing) -> Recurrent:
        prefixes = lanes(spec)
        weights = [{k: gate_major(a) for k, a in lstm_weights(arrays, p).items()} for p in prefixes]
        units, dtype = weights[0]["bias"].shape[-1], weights[0]["bias"].dtype
        recurrent = np.zeros((len(prefixes) * units, 4, len(prefixes), units), dtype)
        for lane, w in enumerate(weights):
            recurrent[lane * units : (lane + 1) * units, :, lane] = w["recurrent_kernel"]
        return cls(
            prefixes,
            [None, packing.backward][: len(prefixes)],
            np.stack([w["kernel"] for w in weights], axis=-2),
            recurrent,
            np.stack([w["bias"] for w in weights], axis=-2),
        )

    def reordered(self, a: np.ndarray) -> np.ndarray:
        """[N, ..., L, F] in packed order <-> each lane in its reading order (a reading
        order mirrors each text: it is its own inverse). A copy."""
        a = a.copy()
        for lane, order in enumerate(self.orders):
            if order is not None:
                a[..., lane, :] = a[order, ..., lane, :]
        return a


def scan_forward(z: np.ndarray, recurrent_kernel: np.ndarray, packing: Packing) -> tuple:
    """The LSTM recurrence of all lanes: z [N, 4, S] holds the input terms x W + b (each
    lane's rows in its reading order) and becomes the gates (o, i, f, g), in place;
    recurrent_kernel [S, 4S]. Returns the states h, c [B + N, S] (B zero rows, then each
    token's, packed) and tanh(c) [N, S]."""
    (tokens, _, width), batch = z.shape, packing.batch
    h = np.zeros((batch + tokens, width), dtype=z.dtype)
    c = np.zeros_like(h)
    tanh_c = np.empty((tokens, width), dtype=z.dtype)
    before = 0  # where the previous step's states start in h and c
    for lo, n in zip(packing.offsets.tolist(), packing.sizes.tolist(), strict=False):
        now = batch + lo
        z_k = z[lo : lo + n]
        z_k += (h[before : before + n] @ recurrent_kernel).reshape(n, 4, width)
        sigmoid_(z_k[:, :3])
        np.tanh(z_k[:, 3], out=z_k[:, 3])
        o, i, f, g = z_k.transpose(1, 0, 2)
        c_k = c[now : now + n]
        np.multiply(f, c[before : before + n], out=c_k)
        c_k += i * g
        np.tanh(c_k, out=tanh_c[lo : lo + n])
        np.multiply(o, tanh_c[lo : lo + n], out=h[now : now + n])
        before = now
    return h, c, tanh_c


def scan_backward(
    dh: np.ndarray, gates: np.ndarray, c_before: np.ndarray, tanh_c: np.ndarray, packing, dU_T
) -> np.ndarray:
    """Backpropagation through time of scan_forward: dh [N, S], the gradient reaching each
    step's output h from above (added to, in place, what comes back from later steps);
    gates [N, 4, S]; c_before [N, S] each step's previous c; dU_T [4S, S], the recurrent
    kernel transposed. Returns dz [N, 4, S], the gradient of the gates' pre-activations.

    The equations of backprop.lstm_backward; the factors that need no recurrence come
    first, for all steps at once:
        dc = dh o (1 - tanh(c)^2) + dc' f'      (f', dc': the next step's)
        dz = [dh tanh(c) o (1 - o), dc g i (1 - i), dc c_before f (1 - f), dc i (1 - g^2)]
    """
    o, i, f, g = gates.transpose(1, 0, 2)
    to_c = o * (1 - tanh_c**2)
    factors = np.empty_like(gates)
    np.multiply(tanh_c, o * (1 - o), out=factors[:, 0])
    np.multiply(g, i * (1 - i), out=factors[:, 1])
    np.multiply(c_before, f * (1 - f), out=factors[:, 2])
    np.multiply(i, 1 - g**2, out=factors[:, 3])
    dz, dc = np.empty_like(gates), np.empty_like(dh)
    width = dh.shape[1]
    offsets, sizes = packing.offsets.tolist(), packing.sizes.tolist()
    for k in reversed(range(len(sizes))):
        lo, n = offsets[k], sizes[k]
        dh_k, dc_k = dh[lo : lo + n], dc[lo : lo + n]
        if k + 1 < len(sizes):  # rows that ran on: what came back from their next step
            after, m = offsets[k + 1], sizes[k + 1]
            dh_k[:m] += dz[after : after + m].reshape(m, 4 * width) @ dU_T
        np.multiply(dh_k, to_c[lo : lo + n], out=dc_k)
        if k + 1 < len(sizes):
            dc_k[:m] += dc[after : after + m] * f[after : after + m]
        np.multiply(dh_k, factors[lo : lo + n, 0], out=dz[lo : lo + n, 0])
        np.multiply(dc_k[:, None], factors[lo : lo + n, 1:], out=dz[lo : lo + n, 1:])
    return dz


def recurrent_forward(layer: Recurrent, x: np.ndarray, packing: Packing, sequences: bool):
    """Packed x [N, D] -> each lane's outputs [N, L, H] (packed order) if `sequences`, else
    final states [B, L, H] (original row order); and what recurrent_backward needs."""
    (tokens, features), (width, _, lanes_, units) = x.shape, layer.recurrent_kernel.shape
    z = (x @ layer.kernel.reshape(features, -1)).reshape(tokens, 4, lanes_, units)
    z = layer.reordered(z)  # each lane's rows in its reading order
    z += layer.bias
    z = z.reshape(tokens, 4, width)
    h, c, tanh_c = scan_forward(z, layer.recurrent_kernel.reshape(width, -1), packing)
    if sequences:
        out = layer.reordered(h[packing.batch :].reshape(tokens, lanes_, units))
    else:
        out = h[final(packing)].reshape(-1, lanes_, units)
    return out, (z, h, c, tanh_c, sequences)


def recurrent_backward(layer: Recurrent, x, saved, dout, packing, grads: dict) -> np.ndarray:
    """dout [N, L, H] or [B, L, H] (of recurrent_forward's output) -> dx [N, D]; each lane's
    weight gradients go into grads."""
    gates, h, c, tanh_c, sequences = saved
    (tokens, features), (width, _, lanes_, units) = x.shape, layer.recurrent_kernel.shape
    dh = np.zeros_like(h)  # [B + N, S]: the gradient reaching each state from above
    if sequences:
        dh[packing.batch :] = layer.reordered(dout).reshape(tokens, width)
    else:
        dh[final(packing)] = dout.reshape(-1, width)
    before = previous(packing)
    dU_T = layer.recurrent_kernel.reshape(width, -1).T
    dz = scan_backward(dh[packing.batch :], gates, c[before], tanh_c, packing, dU_T)
    dU = (h[before].T @ dz.reshape(tokens, 4 * width)).reshape(width, 4, lanes_, units)
    dz = layer.reordered(dz.reshape(tokens, 4, lanes_, units)).reshape(tokens, 4 * width)
    dW = (x.T @ dz).reshape(features, 4, lanes_, units)
    db = dz.sum(axis=0).reshape(4, lanes_, units)
    for lane, prefix in enumerate(layer.prefixes):
        rows = slice(lane * units, (lane + 1) * units)
        grads[f"{prefix}/kernel"] = keras_columns(dW[:, :, lane])
        grads[f"{prefix}/recurrent_kernel"] = keras_columns(dU[rows, :, lane])
        grads[f"{prefix}/bias"] = keras_columns(db[:, lane])
    return dz @ layer.kernel.reshape(features, -1).T


def merge(spec: dict, out: np.ndarray) -> np.ndarray:
    """Lane outputs [..., L, H] -> the layer's output [..., H] or [..., 2H] (merge_mode)."""
    return (
        out[..., 0, :]
        if out.shape[-2] == 1
        else MERGE[spec["merge_mode"]](*np.moveaxis(out, -2, 0))
    )


def merge_backward(spec: dict, out: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """d merged -> d lane outputs [..., L, H]."""
    if out.shape[-2] == 1:
        return dy[..., None, :]
    return np.stack(MERGE_BACKWARD[spec["merge_mode"]](dy, *np.moveaxis(out, -2, 0)), axis=-2)


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
    (same keys as `arrays`), in the arrays' dtype.

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
    return cross_entropy(probs, labels), grads
