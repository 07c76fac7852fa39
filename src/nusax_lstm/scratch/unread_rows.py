"""Training that leaves out the n-gram rows its inputs never read, exactly.

Adam moves a row whose gradient has been zero at every step so far by exactly nothing
(m = v = 0, so w -= alpha 0 / (0 + epsilon)), and a row that no training input reads has
a zero gradient at every step. So the training steps may work on the rows read only: on
500 training texts, most buckets are never read (benchmarks/README.md, subword inputs).
For those to be one slice, the table's rows are reordered, the rows read first (bucket 0,
none, stays row 0), the inputs renumbered to match, and the order put back after
training. Weight decay moves every row, so with it nothing is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import read_layers
from .layers.subword_embedding import SubwordEmbedding


@dataclass(frozen=True)
class ReadFirst:
    """The n-gram table `key` reordered: its row i is the original row order[i], and rows
    [0, read) are those the training inputs read."""

    key: str
    order: np.ndarray  # [buckets + 1]
    read: int

    def renumber(self, x: np.ndarray) -> np.ndarray:
        """Subword inputs [.., 1 + P] with their buckets as rows of the reordered table."""
        position = np.empty_like(self.order)
        position[self.order] = np.arange(len(self.order), dtype=self.order.dtype)
        out = x.copy()
        out[..., 1:] = position[x[..., 1:]]
        return out

    def reorder(self, arrays: dict[str, np.ndarray]) -> None:
        arrays[self.key][:] = arrays[self.key][self.order]

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        """reorder's inverse, in place."""
        table = arrays[self.key].copy()
        arrays[self.key][self.order] = table

    def trained(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The arrays a training step reads and moves: the table's rows read, as a view."""
        return arrays | {self.key: arrays[self.key][: self.read]}


def read_first(architecture: dict, x_train: np.ndarray, weight_decay: float | None):
    """A ReadFirst for a model with subword inputs trained without weight decay (None
    otherwise: nothing to leave out)."""
    inputs = read_layers(architecture)[0]
    if not isinstance(inputs, SubwordEmbedding) or weight_decay is not None:
        return None
    reads = np.bincount(x_train[..., 1:].ravel(), minlength=inputs.buckets + 1)
    reads[0] = 1  # bucket 0 (none) stays row 0
    read, unread = np.flatnonzero(reads), np.flatnonzero(reads == 0)
    order = np.concatenate([read, unread]).astype(x_train.dtype)
    return ReadFirst(f"{inputs.name}/ngram_embeddings", order, len(read))
