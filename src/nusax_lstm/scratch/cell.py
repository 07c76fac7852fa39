"""The fast LSTM core that inference (scan.py) and training (packed_backprop.py) share:
the gate layout, the step, and the scan over packed tokens with its backward pass. The
equations are reference.py's lstm_step and backprop.py's lstm_backward; read those first.
A change to what an LSTM step computes goes here and there, nowhere else.

Layout: gate-major, [4, ..., H], in the order (o, i, f, g): the sigmoid gates (o, i, f)
are one block, and so are the gates that the cell's gradient reaches (i, f, g). The
sigmoid gates' weights come halved (halved): sigmoid(z) = (1 + tanh(z / 2)) / 2, so one
tanh serves all four gates (1.12-1.15x, benchmarks/README.md).

Shapes: B texts, N real tokens (packed, packing.py), R input rows of a weight, H units,
L lanes (a layer, or a Bidirectional's two directions, side by side).
"""

from __future__ import annotations

import numpy as np

from .packing import Packing

GATE_MAJOR = [3, 0, 1, 2]  # Keras's gate blocks (i, f, g, o) -> (o, i, f, g)
KERAS_ORDER = np.argsort(GATE_MAJOR).tolist()  # and back


def gate_major(w: np.ndarray) -> np.ndarray:
    """Keras's gate columns [R, 4H] (or a bias [4H]) -> [4, R, H] ([4, H]), (o, i, f, g)."""
    return np.moveaxis(w.reshape(*w.shape[:-1], 4, -1), -2, 0)[GATE_MAJOR]


def keras_columns(w: np.ndarray) -> np.ndarray:
    """gate_major's inverse: [4, R, H] ([4, H]) -> Keras's gate columns [R, 4H] ([4H])."""
    moved = np.moveaxis(w[KERAS_ORDER], 0, -2)
    return moved.reshape(*moved.shape[:-2], -1)


def halved(w: np.ndarray) -> np.ndarray:
    """Gate-major weights [4, ...] with the sigmoid gates' (o, i, f) halved, a copy: what
    step() reads."""
    out = w.copy(order="K")  # in w's memory layout
    out[:3] *= 0.5
    return out


def column_major(w: np.ndarray) -> np.ndarray:
    """w [..., R, H] with each [R, H] block stored column by column: training's layout of
    the weights. BLAS rounds a product of a few rows (a step's last texts) differently by
    its operands' layout; this is the layout the default study's NumPy-trained files were
    made with."""
    return np.ascontiguousarray(w.swapaxes(-1, -2)).swapaxes(-1, -2)


def step(z: np.ndarray, c_before: np.ndarray, c: np.ndarray, h: np.ndarray, ig: np.ndarray):
    """One step for a block of rows, in place. z [4, ..., H]: the gates' pre-activations,
    (o, i, f) halved; it becomes tanh(z), then 2 sigmoid for o, i, f. Writes
        c = f c_before + i g,   h = o tanh(c)
    into c and h; c may be c_before, and ig (which receives i g) may be g's block."""
    np.tanh(z, out=z)
    z[:3] += 1  # 2 sigmoid(o, i, f)
    o, i, f, g = z
    np.multiply(f, c_before, out=c)
    np.multiply(i, g, out=ig)
    c += ig
    c *= 0.5  # (2f c + 2i g) / 2
    np.tanh(c, out=h)
    h *= o
    h *= 0.5  # 2o tanh(c) / 2


def scan(z: np.ndarray, recurrent_kernel: np.ndarray, packing: Packing) -> tuple:
    """Every lane's recurrence over packed tokens, all states kept (what training's
    backward pass reads). z [4, L, N, H]: each lane's input terms x W + b in its reading
    order, halved; it becomes the gates, sigmoids and tanh. recurrent_kernel [4, L, H, H],
    halved. Returns h, c [L, B + N, H]: B zero rows (the state before a text's first
    token), then each token's state, so that a step reads its predecessor as a slice."""
    (_, lanes, tokens, units), batch = z.shape, packing.batch
    h = np.zeros((lanes, batch + tokens, units), dtype=z.dtype)
    c = np.zeros_like(h)
    ig = np.empty((lanes, batch, units), dtype=z.dtype)
    before = 0  # where the previous step's states start in h and c
    for lo, n in zip(packing.offsets.tolist(), packing.sizes.tolist(), strict=False):
        now, z_k = batch + lo, z[:, :, lo : lo + n]
        z_k += h[None, :, before : before + n] @ recurrent_kernel
        step(z_k, c[:, before : before + n], c[:, now : now + n], h[:, now : now + n], ig[:, :n])
        before = now
    z[:3] *= 0.5  # 2 sigmoid -> sigmoid
    return h, c


def scan_backward(dh, gates, c_before, c, dU_T, packing: Packing) -> np.ndarray:
    """Backpropagation through time of scan: dh [L, N, H], the gradient reaching each
    step's output from above (to it, in place, the steps after it add theirs); gates
    [4, L, N, H]; c_before, c [L, N, H], each step's previous and new cell state; dU_T
    [4, L, H, H], the recurrent kernels' gate blocks transposed (not halved). Returns dz
    [4, L, N, H], the gradient of the gates' pre-activations (not halved).

    backprop.lstm_backward's equations, the factors that need no recurrence first, for
    all steps at once:
        dc = dh o (1 - tanh(c)^2) + dc' f'      (dc', f': the next step's)
        dz = [dh tanh(c) o (1 - o), dc g i (1 - i), dc c_before f (1 - f), dc i (1 - g^2)]
        dh = dh from above + sum over gates j of dz'_j U_j^T
    """
    o, i, f, g = gates
    tanh_c = np.tanh(c)
    to_c = o * (1 - tanh_c**2)
    factors = np.empty_like(gates)
    np.multiply(tanh_c, o * (1 - o), out=factors[0])
    np.multiply(g, i * (1 - i), out=factors[1])
    np.multiply(c_before, f * (1 - f), out=factors[2])
    np.multiply(i, 1 - g**2, out=factors[3])
    dz, dc = np.empty_like(gates), np.empty_like(dh)
    offsets, sizes = packing.offsets.tolist(), packing.sizes.tolist()
    for k in reversed(range(len(sizes))):
        lo, n = offsets[k], sizes[k]
        rows = slice(lo, lo + n)
        dh_k, dc_k = dh[:, rows], dc[:, rows]
        if k + 1 < len(sizes):  # texts that go on: what comes back from their next step
            after = slice(offsets[k + 1], offsets[k + 1] + sizes[k + 1])
            dh_k[:, : sizes[k + 1]] += (dz[:, :, after] @ dU_T).sum(axis=0)
        np.multiply(dh_k, to_c[:, rows], out=dc_k)
        if k + 1 < len(sizes):
            dc_k[:, : sizes[k + 1]] += dc[:, after] * f[:, after]
        np.multiply(dh_k, factors[0, :, rows], out=dz[0, :, rows])
        np.multiply(dc_k[None], factors[1:, :, rows], out=dz[1:, :, rows])
    return dz
