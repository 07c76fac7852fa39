"""The layers of the classifier in NumPy, time-major: sequences are [T, B, F], masks [T, B].

Keras semantics, as in `keras/src/backend/tensorflow/rnn.py`:
- a masked step leaves the LSTM state unchanged; its output repeats the previous
  output, or is zero when `zero_masked_output` (what Bidirectional sets on its
  layers when they return sequences);
- the backward LSTM reads the sequence from its last step to its first, padding
  included, and its outputs are returned in the original time order.
Only rows with a real token at step t are computed at step t.
"""

from __future__ import annotations

import numpy as np

# Gate order i, f, c, o. sigmoid(z) = (1 + tanh(z / 2)) / 2, so the sigmoid gates'
# columns of kernel, recurrent kernel and bias are halved once (exactly, in binary
# floating point) and one tanh over all 4H columns serves every gate.
_GATE_SCALE = (0.5, 0.5, 1.0, 0.5)


def gate_scale(units: int, dtype: np.dtype) -> np.ndarray:
    """[4H]: 0.5 on the sigmoid gates' columns, 1 on the candidate's."""
    return np.repeat(np.asarray(_GATE_SCALE, dtype=dtype), units)


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum for stability."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def active_rows(mask_t: np.ndarray | None, batch: int) -> slice | np.ndarray | None:
    """Rows that hold a token at this step: a slice when they lead the batch, None when none do."""
    if mask_t is None:
        return slice(0, batch)
    n = int(np.count_nonzero(mask_t))
    if n == 0:
        return None
    return slice(0, n) if mask_t[:n].all() else np.flatnonzero(mask_t)


class Embedding:
    """ids [T, B] -> vectors [T, B, D]; with `mask_zero`, id 0 is padding."""

    def __init__(self, embeddings: np.ndarray, mask_zero: bool, name: str = "embedding"):
        self.embeddings, self.mask_zero, self.name = embeddings, mask_zero, name

    def compute_mask(self, ids: np.ndarray) -> np.ndarray | None:
        return ids != 0 if self.mask_zero else None

    def __call__(self, ids, mask):
        return self.embeddings[ids], self.compute_mask(ids)

    def params(self) -> int:
        return self.embeddings.size

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape, self.embeddings.shape[1])


class LSTM:
    """x [T, B, D] -> [T, B, H] (return_sequences) or the last state [B, H]."""

    def __init__(
        self,
        kernel,
        recurrent_kernel,
        bias,
        return_sequences=False,
        go_backwards=False,
        zero_masked_output=False,
        name="lstm",
    ):
        self.units = recurrent_kernel.shape[0]
        scale = gate_scale(self.units, kernel.dtype)
        self.kernel, self.recurrent_kernel, self.bias = (
            kernel * scale,
            recurrent_kernel * scale,
            bias * scale,
        )
        self.return_sequences, self.go_backwards = return_sequences, go_backwards
        self.zero_masked_output, self.name = zero_masked_output, name
        self.token_table = None

    def fuse_embedding(self, embeddings: np.ndarray) -> None:
        """Precompute each token's input projection [V, 4H]: the layer then reads token ids."""
        self.token_table = embeddings @ self.kernel + self.bias

    def project(self, x: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Input projections [T, B, 4H], computed at unmasked steps only (zero elsewhere)."""

        def proj(v):
            return (
                self.token_table[v] if self.token_table is not None else v @ self.kernel + self.bias
            )

        if mask is None:
            return proj(x)
        xw = np.zeros((*mask.shape, 4 * self.units), dtype=self.kernel.dtype)
        xw[mask] = proj(x[mask])
        return xw

    def scan(self, xw: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        steps, batch, _ = xw.shape
        h = np.zeros((batch, self.units), dtype=xw.dtype)
        c = np.zeros_like(h)
        out = (
            np.zeros((steps, batch, self.units), dtype=xw.dtype) if self.return_sequences else None
        )
        for t in reversed(range(steps)) if self.go_backwards else range(steps):
            rows = active_rows(None if mask is None else mask[t], batch)
            if rows is not None:
                h[rows], c[rows] = self.step(xw[t, rows], h[rows], c[rows])
            if out is not None and not self.zero_masked_output:
                out[t] = h
            elif out is not None and rows is not None:
                out[t, rows] = h[rows]
        return out if out is not None else h

    def step(self, xw_t, h, c):
        """One LSTM step for [n, 4H] input projections and [n, H] states."""
        a = np.tanh(xw_t + h @ self.recurrent_kernel)
        i, f, g, o = np.split(a, 4, axis=1)
        c = (f + 1) * 0.5 * c + (i + 1) * 0.5 * g
        return (o + 1) * 0.5 * np.tanh(c), c

    def __call__(self, x, mask):
        y = self.scan(self.project(x, mask), mask)
        return y, mask if self.return_sequences else None

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
    """A forward and a backward LSTM over the same input, merged per step."""

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

    def __call__(self, x, mask):
        y, _ = self.forward(x, mask)
        y_rev, out_mask = self.backward(x, mask)
        return MERGES[self.merge_mode](y, y_rev), out_mask

    def params(self) -> int:
        return self.forward.params() + self.backward.params()

    def output_shape(self, shape: tuple) -> tuple:
        out = self.forward.output_shape(shape)
        return (*out[:-1], 2 * out[-1]) if self.merge_mode == "concat" else out


class Dropout:
    """Identity at inference."""

    def __init__(self, rate: float, name="dropout"):
        self.rate, self.name = rate, name

    def __call__(self, x, mask):
        return x, mask

    def params(self) -> int:
        return 0

    def output_shape(self, shape: tuple) -> tuple:
        return shape


class Dense:
    """x [..., D] -> x @ W + b [..., U]."""

    def __init__(self, kernel, bias, name="dense"):
        self.kernel, self.bias, self.name = kernel, bias, name

    def __call__(self, x, mask):
        return x @ self.kernel + self.bias, mask

    def params(self) -> int:
        return self.kernel.size + self.bias.size

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape[:-1], self.kernel.shape[1])


class Softmax:
    """Class probabilities over the last axis."""

    def __init__(self, name="softmax"):
        self.name = name

    def __call__(self, x, mask):
        return softmax(x), mask

    def params(self) -> int:
        return 0

    def output_shape(self, shape: tuple) -> tuple:
        return shape
