"""backprop.py's loss and gradients, computed on packed sequences (packing.py): only the
real tokens run, so the work is proportional to them, not to B x T. Read backprop.py
first: the equations are the same, and tests/test_fast_backprop.py checks that the
numbers are too.

What differs is the layout, so that a step of the time loop is a few NumPy calls on
contiguous blocks. Each trick was timed against the module without it, side by side
(benchmarks/training.py's model and batches, one epoch's gradients, median of 9, one
BLAS thread, 2026-11-29, 2-core Xeon, a busy host: +-5 %):
- a recurrent layer's lanes (itself, or a Bidirectional's two directions) run side by
  side on a leading axis, each lane reading the packed tokens in its own order (the
  backward direction reads each text from its last real token to its first:
  packing.backward), and gates are the next axis, [L, 4, N, H], so that a step's slice
  of one gate is one block per lane (1.13x over one block-diagonal [LH, 4LH] recurrent
  matmul on a [N, 4, LH] layout: the per-lane matmuls do half its work);
- gates in the order (o, i, f, g): the forward's sigmoids are one block (o, i, f), and
  so are the gates that the cell's gradient reaches (i, f, g); one tanh for all four
  gates (HALF: 1.04x);
- the states h and c of every step live in one buffer [L, B + N, H], B zero rows first
  (the state before the first step), so that a step reads its predecessor as a slice;
- what needs no recurrence runs once over all tokens, outside the time loop, as
  per-lane, per-gate matmuls that read and write the [L, 4, N, H] layout as it is: the
  input projection x W, dW = x^T dz, dU = h^T dz, dx = dz W^T (1.14x over one [N, 4LH]
  matmul and transposed copies); the gates' derivative factors too.

Shapes: B texts, N real tokens (packed), D input features, H units, L lanes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import MERGE_BACKWARD, backward, cross_entropy, lanes
from .packing import Packing
from .reference import MERGE, dense, lstm_weights, softmax

GATES = [3, 0, 1, 2]  # Keras's gate blocks (i, f, g, o) -> (o, i, f, g)
KERAS = np.argsort(GATES).tolist()  # and back
# sigmoid(z) = (1 + tanh(z / 2)) / 2: with the sigmoid gates' weights halved, one tanh
# serves all four gates (1.04x over exp for the sigmoids, 2026-11-29, 2-core Xeon)
HALF = np.array([0.5, 0.5, 0.5, 1.0])[:, None, None]


def gate_major(w: np.ndarray) -> np.ndarray:
    """Keras's gate columns [R, 4H] -> [4, R, H] in the order (o, i, f, g)."""
    return w.reshape(len(w), 4, -1)[:, GATES].transpose(1, 0, 2)


def keras_columns(w: np.ndarray) -> np.ndarray:
    """[4, R, H] in the order (o, i, f, g) -> Keras's gate columns [R, 4H]."""
    return w[KERAS].transpose(1, 0, 2).reshape(w.shape[1], -1)


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
    """One recurrent layer's lanes side by side, gate-major."""

    prefixes: list[str]  # each lane's weight prefix
    orders: list  # each lane's reading order of packed tokens (None: packed order)
    kernel: np.ndarray  # [L, 4, D, H]
    recurrent_kernel: np.ndarray  # [L, 4, H, H]
    bias: np.ndarray  # [L, 4, 1, H]

    @classmethod
    def from_arrays(cls, spec: dict, arrays: dict, packing: Packing) -> Recurrent:
        prefixes = lanes(spec)
        weights = [lstm_weights(arrays, prefix) for prefix in prefixes]
        return cls(
            prefixes,
            [None, packing.backward][: len(prefixes)],
            *(
                np.stack([gate_major(w[k]) for w in weights])
                for k in ("kernel", "recurrent_kernel")
            ),
            np.stack([gate_major(w["bias"][None]) for w in weights]),
        )

    def in_reading_order(self, a: np.ndarray) -> np.ndarray:
        """[L, ..., N, F] in packed order <-> each lane in its reading order (a reading
        order mirrors each text: it is its own inverse). A copy."""
        a = a.copy()
        for lane, order in enumerate(self.orders):
            if order is not None:
                a[lane] = a[lane][..., order, :]
        return a


def scan_forward(z: np.ndarray, recurrent_kernel: np.ndarray, packing: Packing) -> tuple:
    """The recurrence of all lanes. z [L, 4, N, H]: each lane's input terms x W + b in its
    reading order, the sigmoid gates' halved (HALF); it becomes the gates (o, i, f, g), in
    place. recurrent_kernel [L, 4, H, H], halved alike. Returns the states h, c
    [L, B + N, H] (B zero rows, then each token's) and tanh(c) [L, N, H]."""
    (lanes_, _, tokens, units), batch = z.shape, packing.batch
    h = np.zeros((lanes_, batch + tokens, units), dtype=z.dtype)
    c = np.zeros_like(h)
    tanh_c = np.empty((lanes_, tokens, units), dtype=z.dtype)
    o, i, f, g = (z[:, j] for j in range(4))  # [L, N, H] each
    before = 0  # where the previous step's states start in h and c
    for lo, n in zip(packing.offsets.tolist(), packing.sizes.tolist(), strict=False):
        now, rows = batch + lo, slice(lo, lo + n)
        z[:, :, rows] += h[:, None, before : before + n] @ recurrent_kernel
        np.tanh(z[:, :, rows], out=z[:, :, rows])
        sigmoid = z[:, :3, rows]
        sigmoid *= 0.5
        sigmoid += 0.5
        c_k = c[:, now : now + n]
        np.multiply(f[:, rows], c[:, before : before + n], out=c_k)
        c_k += i[:, rows] * g[:, rows]
        np.tanh(c_k, out=tanh_c[:, rows])
        np.multiply(o[:, rows], tanh_c[:, rows], out=h[:, now : now + n])
        before = now
    return h, c, tanh_c


def scan_backward(dh, gates, c_before, tanh_c, dU_T, packing: Packing) -> np.ndarray:
    """Backpropagation through time of scan_forward: dh [L, N, H], the gradient reaching
    each step's output from above (to it, in place, the steps after it add theirs); gates
    [L, 4, N, H]; c_before [L, N, H], each step's previous c; dU_T [L, 4, H, H], the
    recurrent kernels' gate blocks transposed. Returns dz [L, 4, N, H], the gradient of
    the gates' pre-activations.

    backprop.lstm_backward's equations, the factors that need no recurrence first, for
    all steps at once:
        dc = dh o (1 - tanh(c)^2) + dc' f'      (dc', f': the next step's)
        dz = [dh tanh(c) o (1 - o), dc g i (1 - i), dc c_before f (1 - f), dc i (1 - g^2)]
        dh = dh from above + sum over gates j of dz'_j U_j^T
    """
    o, i, f, g = (gates[:, j] for j in range(4))
    to_c = o * (1 - tanh_c**2)
    factors = np.empty_like(gates)
    np.multiply(tanh_c, o * (1 - o), out=factors[:, 0])
    np.multiply(g, i * (1 - i), out=factors[:, 1])
    np.multiply(c_before, f * (1 - f), out=factors[:, 2])
    np.multiply(i, 1 - g**2, out=factors[:, 3])
    dz, dc = np.empty_like(gates), np.empty_like(dh)
    offsets, sizes = packing.offsets.tolist(), packing.sizes.tolist()
    for k in reversed(range(len(sizes))):
        lo, n = offsets[k], sizes[k]
        rows = slice(lo, lo + n)
        dh_k, dc_k = dh[:, rows], dc[:, rows]
        if k + 1 < len(sizes):  # texts that go on: what comes back from their next step
            after = slice(offsets[k + 1], offsets[k + 1] + sizes[k + 1])
            dh_k[:, : sizes[k + 1]] += (dz[:, :, after] @ dU_T).sum(axis=1)
        np.multiply(dh_k, to_c[:, rows], out=dc_k)
        if k + 1 < len(sizes):
            dc_k[:, : sizes[k + 1]] += dc[:, after] * f[:, after]
        np.multiply(dh_k, factors[:, 0, rows], out=dz[:, 0, rows])
        np.multiply(dc_k[:, None], factors[:, 1:, rows], out=dz[:, 1:, rows])
    return dz


def recurrent_forward(layer: Recurrent, x: np.ndarray, packing: Packing, sequences: bool):
    """Packed x [N, D] -> each lane's outputs [L, N, H] (packed order) if `sequences`, else
    its final states [L, B, H] (original row order); and what recurrent_backward needs."""
    xs = layer.in_reading_order(np.broadcast_to(x, (len(layer.prefixes), *x.shape)))
    half = HALF.astype(x.dtype)
    z = xs[:, None] @ (layer.kernel * half)  # [L, 4, N, H]: all tokens at once
    z += layer.bias * half
    h, c, tanh_c = scan_forward(z, layer.recurrent_kernel * half, packing)
    if sequences:
        out = layer.in_reading_order(h[:, packing.batch :])
    else:
        out = h[:, final(packing)]
    return out, (xs, z, h, c, tanh_c, sequences)


def recurrent_backward(layer: Recurrent, saved, dout, packing, grads: dict) -> np.ndarray:
    """dout [L, N, H] or [L, B, H] (of recurrent_forward's output) -> dx [N, D]; each lane's
    weight gradients go into grads."""
    xs, gates, h, c, tanh_c, sequences = saved
    (lanes_, tokens, _), units = xs.shape, h.shape[-1]
    dh = np.zeros_like(h)  # [L, B + N, H]: the gradient reaching each state from above
    if sequences:
        dh[:, packing.batch :] = layer.in_reading_order(dout)
    else:
        dh[:, final(packing)] = dout
    before = previous(packing)
    dU_T = layer.recurrent_kernel.transpose(0, 1, 3, 2).copy()
    dz = scan_backward(dh[:, packing.batch :], gates, c[:, before], tanh_c, dU_T, packing)
    # all tokens at once, each lane in its reading order
    dW = xs.transpose(0, 2, 1)[:, None] @ dz  # [L, 4, D, H]
    dU = h[:, None, before].transpose(0, 1, 3, 2) @ dz  # [L, 4, H, H]
    db = dz.sum(axis=2, keepdims=True)  # [L, 4, 1, H]
    dz_rows = dz.transpose(0, 2, 1, 3).reshape(lanes_, tokens, 4 * units)
    dxs = dz_rows @ layer.kernel.transpose(0, 1, 3, 2).reshape(lanes_, 4 * units, -1)
    for lane, prefix in enumerate(layer.prefixes):
        grads[f"{prefix}/kernel"] = keras_columns(dW[lane])
        grads[f"{prefix}/recurrent_kernel"] = keras_columns(dU[lane])
        grads[f"{prefix}/bias"] = keras_columns(db[lane])[0]
    return layer.in_reading_order(dxs).sum(axis=0)


def merge(spec: dict, out: np.ndarray) -> np.ndarray:
    """Lane outputs [L, ..., H] -> the layer's output [..., H] or [..., 2H] (merge_mode)."""
    return out[0] if len(out) == 1 else MERGE[spec["merge_mode"]](*out)


def merge_backward(spec: dict, out: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """d merged -> d lane outputs [L, ..., H]."""
    return dy[None] if len(out) == 1 else np.stack(MERGE_BACKWARD[spec["merge_mode"]](dy, *out))


def embedding_backward(tokens: np.ndarray, dx: np.ndarray, vocab: int) -> np.ndarray:
    """Packed token ids [N] and dx [N, D] -> the table's gradient [V, D]: a row's gradient
    is the sum over the places its id was read. Sorted by id, each id's run summed: 1.85x
    over np.add.at on a batch of 740 tokens (1.01x on the epoch), 2026-11-29, 2-core Xeon."""
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

    def through_recurrent(spec, x_in, saved, dy, grads) -> np.ndarray:
        layer, out, saved = saved
        return recurrent_backward(layer, saved, merge_backward(spec, out, dy), packing, grads)

    grads, dy = backward(tape, arrays, probs, labels, through_recurrent)
    grads[f"{layers[0]['name']}/embeddings"] = embedding_backward(tokens, dy, len(table))
    return cross_entropy(probs, labels), grads, probs
