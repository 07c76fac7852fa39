"""The classifier's layers in NumPy. Sequences travel packed (see packing.py): [N, F]
for the N real tokens of a batch, with the Packing that places them; the time loop of
LSTM and Bidirectional is in scan.py.

Keras semantics (keras/src/backend/tensorflow/rnn.py, layers/rnn/bidirectional.py):
a masked step leaves the LSTM state unchanged, and the backward LSTM of a
Bidirectional reads each row from its last step to its first. Outputs at masked
steps only matter when a padded sequence leaves the model (Packing.unpack).
"""

from __future__ import annotations

import numpy as np

from .packing import Packing
from .scan import LSTMStack, lstm_gates, lstm_scan


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum for stability."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


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
        self.bias = lstm_gates(bias)  # [4, H]
        self.return_sequences, self.name = return_sequences, name

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        return LSTMStack([self])(x, packing)

    def params(self) -> int:
        return self.kernel.size + self.recurrent_kernel.size + self.bias.size

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape[:-1], self.units) if self.return_sequences else (shape[0], self.units)


MERGES = {  # outputs of the two directions y [..., 2, H]
    "concat": lambda y: y.reshape(*y.shape[:-2], 2 * y.shape[-1]),
    "sum": lambda y: y[..., 0, :] + y[..., 1, :],
    "mul": lambda y: y[..., 0, :] * y[..., 1, :],
    "ave": lambda y: (y[..., 0, :] + y[..., 1, :]) / 2,
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
        self.lanes = [LSTMStack([forward]), LSTMStack([backward])]

    def __call__(self, x: np.ndarray, packing: Packing, tables=(None, None)) -> np.ndarray:
        """Packed x [N, D] -> merged outputs [N, 2H or H] or final states [B, 2H or H]; with
        tables = each lane's token_table, packed token ids [N] instead of x."""
        # The backward direction reads, and writes, each row from its last step to its first.
        (forward, backward), (table_f, table_b) = self.lanes, tables
        lanes = [(forward, None, table_f), (backward, packing.backward, table_b)]
        return MERGES[self.merge_mode](lstm_scan(lanes, x, packing))

    def params(self) -> int:
        return self.forward.params() + self.backward.params()

    def output_shape(self, shape: tuple) -> tuple:
        out = self.forward.output_shape(shape)
        return (*out[:-1], 2 * out[-1]) if self.merge_mode == "concat" else out


class EmbeddedLSTM:
    """An Embedding and the recurrent stage after it (an LSTMStack or a Bidirectional) as
    one stage: packed token ids [N] -> that stage's outputs [N, F] or final states [B, F].

    The embedding is folded into each lane's first input projection: a table [4, V, W]
    per lane (row v: embeddings[v] @ kernel + all layers' biases), so a step looks up its
    tokens' rows instead of multiplying their vectors.
    """

    def __init__(self, embedding: Embedding, recurrent: LSTMStack | Bidirectional):
        self.recurrent, self.return_sequences = recurrent, recurrent.return_sequences
        lanes = recurrent.lanes if isinstance(recurrent, Bidirectional) else [recurrent]
        self.tables = [lane.token_table(embedding.embeddings) for lane in lanes]

    def __call__(self, ids: np.ndarray, packing: Packing) -> np.ndarray:
        return self.recurrent(ids, packing, self.tables)


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
