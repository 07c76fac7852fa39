"""SubwordEmbedding: fastText's token vectors. A token comes as its word id and its
character n-grams' buckets (data.subword); its vector is its word's row of E plus the
mean of its n-grams' rows of G (reference.subword_embedding). With `mask_zero`, word id 0
is padding, as for an Embedding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ...data.subword import HASH, Subwords
from .base import Positive, fail, register
from .embedding import Embedding, in_range, table_backward


def table_backward_in_order(ids: np.ndarray, dx: np.ndarray, rows: int) -> np.ndarray:
    """table_backward with each row's reads summed one after another in reading order,
    from 0, as the plain reference's np.add.at does: a vectorised step per position in
    the runs of equal ids, where np.add.at goes read by read and np.add.reduceat makes a
    strided pass per column and run. N-gram buckets come in many short runs (a batch of
    32 texts: 10,000 reads in 3,900 runs), where this is the fastest of the three
    (benchmarks/README.md, subword inputs)."""
    order = np.argsort(ids, kind="stable")
    ids, dx = ids[order], dx[order]
    starts = np.flatnonzero(np.diff(ids, prepend=-1))  # where each id's run begins
    lengths = np.diff(starts, append=len(ids))
    total = dx[starts] + dx.dtype.type(0)  # 0 + the first read: -0.0 becomes 0.0
    longer, step = np.flatnonzero(lengths > 1), 1
    while longer.size:  # the runs that have a read at this position
        total[longer] += dx[starts[longer] + step]
        step += 1
        longer = longer[lengths[longer] > step]
    dtable = np.zeros((rows, dx.shape[1]), dtype=dx.dtype)
    dtable[ids[starts]] = total
    return dtable


@register
@dataclass
class SubwordEmbedding(Embedding):
    type = "SubwordEmbedding"
    # data.subword's settings: the model's inputs must be made with these
    buckets: Positive
    min_n: Positive
    max_n: Positive
    per_token: Positive  # P
    hash: Literal["crc32"]

    arrays_order = ("embeddings", "ngram_embeddings")

    @classmethod
    def read(cls, entry, name):
        layer = super().read(entry, name)
        if layer.min_n > layer.max_n:
            fail(f"layer {name}", f"min_n {layer.min_n} is above max_n {layer.max_n}")
        return layer

    @classmethod
    def from_keras(cls, layer):
        spec = cls(
            layer.name,
            layer.input_dim,
            layer.output_dim,
            bool(layer.mask_zero),
            *(getattr(layer, key) for key in ("buckets", "min_n", "max_n", "per_token")),
            HASH,
        )
        return spec, dict(zip(cls.arrays_order, layer.get_weights(), strict=True))

    @property
    def subwords(self) -> Subwords:
        """How inputs for this layer are made from tokens."""
        return Subwords(self.buckets, self.min_n, self.max_n, self.per_token)

    def shapes(self, width):
        return super().shapes(width) | {"ngram_embeddings": (self.buckets + 1, self.output_dim)}

    def initial(self, width, rng):
        shape = (self.buckets + 1, self.output_dim)
        return super().initial(width, rng) | {"ngram_embeddings": rng.uniform(-0.05, 0.05, shape)}

    @property
    def table(self):
        return None  # a token's vector depends on its n-grams, not only on its word id

    @staticmethod
    def words(ids):
        return ids[..., 0]

    def check(self, ids):
        ids = np.asarray(ids)
        if ids.ndim != 3 or ids.shape[2] != 1 + self.per_token:
            raise ValueError(
                f"expected subword inputs of shape [batch, steps, {1 + self.per_token}], "
                f"got {ids.shape}"
            )
        in_range(ids[..., 0], self.input_dim, "word ids")
        in_range(ids[..., 1:], self.buckets + 1, "n-gram buckets")
        return ids

    def lookup(self, arrays, ids):
        """Inputs [.., 1 + P] -> vectors [.., D]: one n-gram column at a time, so no
        [.., P, D] array is made, each over the tokens that have an n-gram there. Adding
        an absent n-gram's row times 0, as the plain sum does, changes no bit (a sum
        from +0 is never -0), so those are skipped: faster, most on inference
        (benchmarks/README.md, subword inputs)."""
        grams = ids[..., 1:].reshape(-1, ids.shape[-1] - 1)  # [M, P]
        table = arrays["ngram_embeddings"]
        total = np.zeros((len(grams), table.shape[1]), dtype=table.dtype)
        for k in range(grams.shape[1]):
            has = np.flatnonzero(grams[:, k])
            total[has] += table[grams[has, k]]
        count = np.maximum((grams != 0).sum(axis=1), 1).astype(table.dtype)
        words = arrays["embeddings"][ids[..., 0]]
        return words + (total / count[:, None]).reshape(words.shape)

    def lookup_backward(self, arrays, ids, dx):
        """Packed inputs [N, 1 + P] and dx [N, D] -> E's gradient (from the word ids) and
        G's: each present n-gram's row receives dx / max(n, 1) of its token."""
        grams = ids[:, 1:]
        present = grams != 0
        count = np.maximum(present.sum(axis=1), 1).astype(dx.dtype)
        token, _ = np.nonzero(present)  # row-major: each token's n-grams in order
        share = (dx / count[:, None])[token]
        rows = len(arrays["ngram_embeddings"])
        return {
            "embeddings": table_backward(ids[:, 0], dx, len(arrays["embeddings"])),
            "ngram_embeddings": table_backward_in_order(grams[present], share, rows),
        }
