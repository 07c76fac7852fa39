"""The LSTM time loop. Sequences travel packed (see packing.py).

Layout, chosen so that every elementwise operation of a step is one flat loop:
- gates are gate-major, (i, f, o, c) [4, ...], and the sigmoid gates' weights come
  halved: sigmoid(z) = (1 + tanh(z / 2)) / 2, so one tanh serves all four gates;
- a stack of unidirectional layers shares one state: layer j owns columns of it and
  runs one step behind layer j-1 (a wavefront), so a step is one set of operations for
  all layers and layer j's matmul reads layer j-1's fresh output straight from the state;
- lanes (the two directions of a Bidirectional) run side by side on a leading axis;
- the state holds 2h, not h: the halves of i, f and o then cost one pass instead of
  two, and the 2 is folded into the weights that read h (exact in binary floating point).
"""

from __future__ import annotations

import numpy as np

from .packing import Packing


def lstm_gates(w: np.ndarray) -> np.ndarray:
    """Keras' gate columns (i, f, c, o) [..., 4H] -> (i, f, o, c) [4, ..., H], i, f, o halved."""
    i, f, c, o = np.split(w, 4, axis=-1)
    return np.stack([i / 2, f / 2, o / 2, c])


class LSTMStack:
    """Consecutive unidirectional LSTM layers, each feeding the next, run as one scan.

    layers: objects with units, kernel [4, D, H], recurrent_kernel [4, H, H], bias [4, H]
    and return_sequences (scratch LSTM layers).
    """

    def __init__(self, layers: list):
        self.layers = layers
        ends = np.cumsum([layer.units for layer in layers]).tolist()
        starts = [0, *ends[:-1]]
        self.width = ends[-1]  # W, the joint state's columns
        self.columns = [slice(a, b) for a, b in zip(starts, ends, strict=True)]
        # Layer j reads [its input's columns, its own] = [layer j-1 | layer j] from the state.
        self.sources = [slice(starts[max(j - 1, 0)], end) for j, end in enumerate(ends)]
        self.weights = [  # [4, S, H], halved: the state holds 2h
            np.concatenate(([layer.kernel] if j else []) + [layer.recurrent_kernel], axis=1) / 2
            for j, layer in enumerate(layers)
        ]
        first = layers[0]
        self.kernel = np.zeros((4, first.kernel.shape[1], self.width), dtype=first.kernel.dtype)
        self.kernel[..., self.columns[0]] = first.kernel  # [4, D, W]
        self.bias = np.concatenate([layer.bias for layer in layers], axis=-1)  # [4, W]
        self.return_sequences = layers[-1].return_sequences
        self.table = None

    def project(self, x: np.ndarray) -> np.ndarray:
        """x [N, D] -> the input term of every layer's gates [4, N, W] (deeper layers: bias)."""
        xw = x @ self.kernel
        xw += self.bias[:, None]
        return xw

    def fuse_embedding(self, embeddings: np.ndarray) -> None:
        """Precompute every token's input term [4, V, W]; the stack then reads token ids."""
        self.table = self.project(embeddings)

    def inputs(self, x: np.ndarray) -> tuple:
        """(rows, index) for lstm_scan: packed inputs, or token ids once fused."""
        return (self.table, x) if self.table is not None else (self.project(x), None)

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        return lstm_scan([self], [self.inputs(x)], packing)[0]


class Feed:
    """Writes a lane's input terms for packed step k into its slot [4, B, W] of the input buffer.

    From a token table (index given): rows past the step's last non-padding id keep the
    padding id's row, written once, so end- or start-padded rows without a mask cost no
    gather while they read padding. Otherwise rows[:, lo:hi] are copied.
    """

    def __init__(self, rows: np.ndarray, index: np.ndarray | None, bias, packing, slot):
        self.rows, self.index, self.slot = rows, index, slot
        self.offsets = packing.offsets.tolist()
        if index is None:
            slot[:] = bias[:, None]  # rows past a step's last (masked steps, deeper layers)
            return
        slot[:] = rows[:, :1]  # every row starts on the padding id (0), bias included
        self.padded_from = 0  # rows from here on hold the padding id's row
        starts = packing.offsets[:-1]
        row = np.arange(len(index)) - np.repeat(starts, packing.sizes)  # within its step
        last = np.maximum.reduceat(np.where(index != 0, row, -1), starts)
        self.ends = (last + 1).tolist()  # per step: 1 + its last non-padding row

    def __call__(self, k: int) -> None:
        lo, hi = self.offsets[k], self.offsets[k + 1]
        if self.index is None:
            self.slot[:, : hi - lo] = self.rows[:, lo:hi]
            return
        end = self.ends[k]
        # mode="clip": no bounds check (ids were checked), no buffered copy
        np.take(self.rows, self.index[lo : lo + end], axis=1, out=self.slot[:, :end], mode="clip")
        if end < self.padded_from:
            self.slot[:, end : self.padded_from] = self.rows[:, :1]
        self.padded_from = end


def lstm_scan(lanes: list[LSTMStack], inputs: list[tuple], packing: Packing) -> np.ndarray:
    """Run D lanes of equal shape over packed inputs.

    inputs: per lane (rows, index): the input terms [4, n, W] of its packed step k, in its
    reading order, are rows[:, lo:hi] or, with an index, rows[:, index[lo:hi]] (a token
    table gathered a step at a time: no [4, N, W] array).
    Returns the last layer's outputs [D, N, H] if it returns sequences, else its final
    states [D, B, H]. Step k updates rows :n in place, in preallocated buffers.
    """
    stack, d, batch = lanes[0], len(lanes), packing.batch
    depth, width, last = len(stack.layers), stack.width, stack.columns[-1]
    weights = [np.stack([lane.weights[j] for lane in lanes], axis=1) for j in range(depth)]
    dtype = weights[0].dtype
    h2 = np.zeros((d, batch, width), dtype=dtype)  # 2h
    c = np.zeros_like(h2)
    z_work = np.empty(4 * d * batch * width, dtype=dtype)
    x_in = np.empty((d, 4, batch, width), dtype=dtype)
    feeds = [
        Feed(rows, index, lane.bias, packing, slot)
        for lane, (rows, index), slot in zip(lanes, inputs, x_in, strict=True)
    ]
    sizes, offsets = packing.sizes.tolist(), packing.offsets.tolist()
    steps = len(sizes)
    sequences, units = stack.return_sequences, last.stop - last.start
    out = np.empty((d, len(packing.rows), units), dtype=dtype) if sequences else None
    views = (0,)
    for k in range(steps + depth - 1 if steps else 0):
        t = k - depth + 1  # the last layer's step; layer j is at step k - j
        n = sizes[max(t, 0)]  # its running rows: the most of any layer's (rows run longest first)
        if views[0] != n:  # new views only when the number of running rows changes
            z = z_work[: 4 * d * n * width].reshape(4, d, n, width)
            x_n = x_in[:, :, :n].transpose(1, 0, 2, 3)
            views = (n, z, x_n, z[:3], *z, c[:, :n], h2[:, :n])
        _, z, x_n, sigmoid, i, f, o, g, c_n, h_n = views
        for w, source, columns in zip(weights, stack.sources, stack.columns, strict=True):
            np.matmul(h_n[..., source], w, out=z[..., columns])
        if k < steps:  # the first layer's input; after the last step it is not read
            for feed in feeds:
                feed(k)
        z += x_n
        np.tanh(z, out=z)
        sigmoid += 1  # 2 sigmoid
        c_n *= f
        g *= i
        c_n += g
        c_n *= 0.5  # c' = (2f c + 2i g) / 2
        np.tanh(c_n, out=h_n)
        h_n *= o  # 2h = 2o tanh(c')
        for j in range(k + 1, depth):  # layers not started yet stay at the zero state
            h_n[..., stack.columns[j]] = 0
            c_n[..., stack.columns[j]] = 0
        if out is not None and t >= 0:
            lo, hi = offsets[t], offsets[t + 1]
            np.multiply(h_n[:, : hi - lo, last], 0.5, out=out[:, lo:hi])
    return out if sequences else h2[..., last] * 0.5
