"""The classifier's layers in NumPy. Sequences travel packed (see packing.py): [N, F]
for the N real tokens of a batch, with the Packing that places them.

Keras semantics (keras/src/backend/tensorflow/rnn.py, layers/rnn/bidirectional.py):
a masked step leaves the LSTM state unchanged, and the backward LSTM of a
Bidirectional reads each row from its last step to its first. Outputs at masked
steps only matter when a padded sequence leaves the model (Packing.unpack).
"""

from __future__ import annotations

import numpy as np

from .packing import Packing


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum for stability."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def lstm_gates(w: np.ndarray) -> np.ndarray:
    """Keras' gate columns (i, f, c, o) [..., 4H] -> gate-major (i, f, o, c) [4, ..., H].

    Gate-major, each gate of a step is one contiguous block, so every elementwise
    operation runs as one flat loop. The sigmoid gates come halved: sigmoid(z) =
    (1 + tanh(z / 2)) / 2, and with the halving (exact in binary floating point) one
    tanh over all gates serves them all.
    """
    i, f, c, o = np.split(w, 4, axis=-1)
    return np.stack([i / 2, f / 2, o / 2, c])


def lstm_scan(inputs: list[tuple], recurrent: np.ndarray, packing: Packing, sequences: bool):
    """Run D stacked LSTM directions over packed inputs.

    inputs: per direction (rows, index): the gate-major input projections of its packed
    steps, in its reading order, are rows[:, lo:hi] or, with an index, rows[:, index[lo:hi]]
    (token table [4, V, H] gathered a step at a time: no [4, N, H] array).
    recurrent: [4, D, H, H]. Returns outputs [D, N, H] when `sequences`, else the final
    states [D, B, H]. Step k updates rows :n in place, in preallocated buffers.
    """
    d, size, batch = len(inputs), len(packing.rows), packing.batch
    units, dtype = recurrent.shape[-1], recurrent.dtype
    h = np.zeros((d, batch, units), dtype=dtype)
    c = np.zeros_like(h)
    z_work, x_work = np.empty((2, 4 * d * batch * units), dtype=dtype)
    out = np.empty((d, size, units), dtype=dtype) if sequences else None
    offsets, views = packing.offsets.tolist(), (0,)
    for k, n in enumerate(packing.sizes.tolist()):
        if views[0] != n:  # new views only when the number of running rows changes
            z = z_work[: 4 * d * n * units].reshape(4, d, n, units)  # gates [4, D, n, H]
            x = x_work[: 4 * d * n * units].reshape(d, 4, n, units)
            views = (n, z, x, z[:3], *z, c[:, :n], h[:, :n])
        _, z, x, sigmoid, i, f, o, g, c_n, h_n = views
        lo, hi = offsets[k], offsets[k + 1]
        np.matmul(h_n, recurrent, out=z)
        for j, (rows, index) in enumerate(inputs):
            if index is None:
                z[:, j] += rows[:, lo:hi]
            else:  # mode="clip": no bounds check (ids were checked), no buffered copy
                np.take(rows, index[lo:hi], axis=1, out=x[j], mode="clip")
                z[:, j] += x[j]
        np.tanh(z, out=z)
        sigmoid *= 0.5
        sigmoid += 0.5
        c_n *= f
        g *= i
        c_n += g
        np.tanh(c_n, out=h_n)
        h_n *= o
        if out is not None:
            out[:, lo:hi] = h_n
    return out if sequences else h


class Embedding:
    """token ids [N] -> vectors [N, D]; with `mask_zero`, id 0 is padding."""

    def __init__(self, embeddings: np.ndarray, mask_zero: bool, name: str = "embedding"):
        self.embeddings, self.mask_zero, self.name = embeddings, mask_zero, name

    def __call__(self, ids: np.ndarray, packing: Packing) -> np.ndarray:
        return self.embeddings[ids]

    def params(self) -> int:
        return self.embeddings.size

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape, self.embeddings.shape[1])


class LSTM:
    """Packed x [N, D] -> outputs [N, H] (return_sequences) or final states [B, H]."""

    def __init__(self, kernel, recurrent_kernel, bias, return_sequences=False, name="lstm"):
        self.units = recurrent_kernel.shape[0]
        self.kernel = lstm_gates(kernel)  # [4, D, H]
        self.recurrent_kernel = lstm_gates(recurrent_kernel)  # [4, H, H]
        self.bias = lstm_gates(bias)[:, None]  # [4, 1, H]
        self.return_sequences, self.name = return_sequences, name
        self.token_table = None

    def fuse_embedding(self, embeddings: np.ndarray) -> None:
        """Precompute every token's input projection [4, V, H]; the layer then reads token ids."""
        self.token_table = embeddings @ self.kernel + self.bias

    def inputs(self, x: np.ndarray) -> tuple:
        """What the scan reads (see lstm_scan) for packed inputs, or token ids once fused."""
        if self.token_table is not None:
            return self.token_table, x
        xw = x @ self.kernel
        xw += self.bias
        return xw, None

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        inputs = [self.inputs(x)]
        recurrent = self.recurrent_kernel[:, None]
        return lstm_scan(inputs, recurrent, packing, self.return_sequences)[0]

    def params(self) -> int:
        return self.kernel.size + self.recurrent_kernel.size + self.bias.size

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape[:-1], self.units) if self.return_sequences else (shape[0], self.units)


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
}


class Bidirectional:
    """A forward and a backward LSTM over the same input, run together, merged per step."""

    def __init__(self, forward: LSTM, backward: LSTM, merge_mode="concat", name="bidirectional"):
        if merge_mode not in MERGES:
            raise ValueError(f"{name}: merge_mode {merge_mode!r} not in {sorted(MERGES)}")
        self.forward, self.backward, self.merge_mode, self.name = (
            forward,
            backward,
            merge_mode,
            name,
        )
        self.return_sequences = forward.return_sequences

    def fuse_embedding(self, embeddings: np.ndarray) -> None:
        self.forward.fuse_embedding(embeddings)
        self.backward.fuse_embedding(embeddings)

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        # The backward direction reads its inputs in backward order ...
        inputs = [self.forward.inputs(x), self.backward.inputs(x[packing.backward])]
        recurrent = np.stack([self.forward.recurrent_kernel, self.backward.recurrent_kernel], 1)
        y, y_rev = lstm_scan(inputs, recurrent, packing, self.return_sequences)
        if self.return_sequences:  # ... and its outputs go back to forward order.
            y_rev = y_rev[np.argsort(packing.backward)]
        return MERGES[self.merge_mode](y, y_rev)

    def params(self) -> int:
        return self.forward.params() + self.backward.params()

    def output_shape(self, shape: tuple) -> tuple:
        out = self.forward.output_shape(shape)
        return (*out[:-1], 2 * out[-1]) if self.merge_mode == "concat" else out


class Dropout:
    """Identity at inference."""

    def __init__(self, rate: float, name="dropout"):
        self.rate, self.name = rate, name

    def __call__(self, x, packing):
        return x

    def params(self) -> int:
        return 0

    def output_shape(self, shape: tuple) -> tuple:
        return shape


class Dense:
    """x [..., D] -> x @ W + b [..., U]."""

    def __init__(self, kernel, bias, name="dense"):
        self.kernel, self.bias, self.name = kernel, bias, name

    def __call__(self, x, packing):
        return x @ self.kernel + self.bias

    def params(self) -> int:
        return self.kernel.size + self.bias.size

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape[:-1], self.kernel.shape[1])


class Softmax:
    """Class probabilities over the last axis."""

    def __init__(self, name="softmax"):
        self.name = name

    def __call__(self, x, packing):
        return softmax(x)

    def params(self) -> int:
        return 0

    def output_shape(self, shape: tuple) -> tuple:
        return shape
