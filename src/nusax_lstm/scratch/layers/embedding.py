"""Embedding: token ids -> vectors, a row of its table each; with `mask_zero`, id 0 is
padding, and the recurrent layers after it skip the steps that hold it.

An input layer (takes_ids) reads token inputs of any leading shape: `present` says which
steps hold a token, `lookup` gives their vectors and `lookup_backward` its arrays'
gradients from the vectors' (packed_backprop, attribution, trace)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Layer, Positive, register


def table_backward(ids: np.ndarray, dx: np.ndarray, rows: int) -> np.ndarray:
    """Ids [N] read from a table of `rows` rows and the gradient of what they read, dx
    [N, D] -> the table's gradient [rows, D]: a row's is the sum over the places its id
    was read. Each id's rows are summed pairwise (np.add.reduceat over the rows sorted by
    id), not one at a time as np.add.at does: fewer float32 roundings for frequent words,
    and the order the study's byte-stable results were trained with."""
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    starts = np.flatnonzero(np.diff(ids, prepend=-1))  # where each id's run begins
    dtable = np.zeros((rows, dx.shape[1]), dtype=dx.dtype)
    if len(ids):
        dtable[ids[starts]] = np.add.reduceat(dx[order], starts)
    return dtable


@register
@dataclass
class Embedding(Layer):
    type = "Embedding"
    takes_ids = True
    input_dim: Positive  # V, the vocabulary's size
    output_dim: Positive  # D
    mask_zero: bool

    arrays_order = ("embeddings",)

    @classmethod
    def from_keras(cls, layer):
        spec = cls(layer.name, layer.input_dim, layer.output_dim, bool(layer.mask_zero))
        return spec, dict(zip(cls.arrays_order, layer.get_weights(), strict=True))

    def shapes(self, width):
        return {"embeddings": (self.input_dim, self.output_dim)}

    def width(self, width):
        return self.output_dim

    def initial(self, width, rng):
        return {"embeddings": rng.uniform(-0.05, 0.05, (self.input_dim, self.output_dim))}

    @property
    def embeddings(self):
        return self.arrays["embeddings"]

    @property
    def table(self) -> np.ndarray | None:
        """The table whose rows are the vectors, by token id (the first LSTM folds it into
        its input projection: scan.LSTMStack.read_tokens); None where there is none."""
        return self.embeddings

    @staticmethod
    def words(ids: np.ndarray) -> np.ndarray:
        """The word ids of token inputs: here the inputs themselves."""
        return ids

    def present(self, ids: np.ndarray) -> np.ndarray:
        """Which steps of token inputs hold a token (word id not 0): [..] bool."""
        return self.words(ids) != 0

    def check(self, ids: np.ndarray) -> np.ndarray:
        """Token inputs [B, T] as an array, or a ValueError saying what is wrong."""
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"expected token ids of shape [batch, steps], got {ids.shape}")
        in_range(ids, self.input_dim, "token ids")
        return ids

    def lookup(self, arrays: dict, ids: np.ndarray) -> np.ndarray:
        """Token ids [..] -> vectors [.., D], from these arrays (Keras's layout)."""
        return arrays["embeddings"][ids]

    def lookup_backward(self, arrays: dict, ids: np.ndarray, dx: np.ndarray) -> dict:
        """Packed token ids [N] and the gradient of their vectors dx [N, D] -> the arrays'
        gradients."""
        return {"embeddings": table_backward(ids, dx, len(arrays["embeddings"]))}

    def __call__(self, ids, packing):
        """Packed token ids [N] -> vectors [N, D]."""
        return self.lookup(self.arrays, ids)

    def output_shape(self, shape):
        return (*shape[:2], self.output_dim)


def in_range(ids: np.ndarray, size: int, what: str) -> None:
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        raise ValueError(f"{what} must lie in [0, {size}), got {ids.min()}..{ids.max()}")
