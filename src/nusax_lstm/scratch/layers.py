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

from .cell import gate_major, halved
from .packing import Packing
from .reference import MERGE, softmax
from .scan import LSTMStack, lstm_scan


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
        self.kernel = halved(gate_major(kernel))  # [4, D, H], cell.py's layout
        self.recurrent_kernel = halved(gate_major(recurrent_kernel))  # [4, H, H]
        self.bias = halved(gate_major(bias))  # [4, H]
        self.return_sequences, self.name = return_sequences, name

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        return LSTMStack([self])(x, packing)

    def params(self) -> int:
        return self.kernel.size + self.recurrent_kernel.size + self.bias.size

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape[:-1], self.units) if self.return_sequences else (shape[0], self.units)


class Bidirectional:
    """A forward and a backward LSTM over the same input, run together, merged per step."""

    def __init__(self, forward: LSTM, backward: LSTM, merge_mode="concat", name="bidirectional"):
        if merge_mode not in MERGE:
            raise ValueError(f"{name}: merge_mode {merge_mode!r} not in {sorted(MERGE)}")
        self.forward, self.backward, self.merge_mode, self.name = (
            forward,
            backward,
            merge_mode,
            name,
        )
        self.return_sequences = forward.return_sequences
        self.lanes = [LSTMStack([forward]), LSTMStack([backward])]

    def read_tokens(self, embeddings: np.ndarray) -> None:
        """Read packed token ids from now on (LSTMStack.read_tokens), in both directions."""
        for lane in self.lanes:
            lane.read_tokens(embeddings)

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        """Packed x [N, D] (token ids [N] after read_tokens) -> merged outputs [N, 2H or H]
        or final states [B, 2H or H]."""
        # The backward direction reads, and writes, each row from its last step to its first.
        forward, backward = self.lanes
        lanes = [(forward, None), (backward, packing.backward)]
        y = lstm_scan(lanes, x, packing)  # [..., 2, H]: both directions
        if self.merge_mode == "concat":  # side by side already: a view, not a copy
            return y.reshape(*y.shape[:-2], 2 * y.shape[-1])
        return MERGE[self.merge_mode](y[..., 0, :], y[..., 1, :])

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
