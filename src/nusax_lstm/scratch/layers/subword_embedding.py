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


def longest_first(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Items of `lengths` [K] longest first (a stable order [K]), and per step s the count
    of items longer than s [S]: in that order, the items with an s-th element are a prefix,
    so a loop over steps adds slices where it would otherwise gather and filter."""
    order = np.argsort(-lengths, kind="stable")
    longer = np.bincount(lengths)[::-1].cumsum()[-2::-1]  # [max length] count(lengths > s)
    return order, longer


def table_backward_in_order(ids: np.ndarray, dx: np.ndarray, rows: int) -> np.ndarray:
    """table_backward with each row's reads summed one after another in reading order,
    from 0, as the plain reference's np.add.at does. N-gram buckets come in many short
    runs and a few long ones (a batch of 32 texts: 9,000 reads in 3,500 runs, the longest
    over 100): the runs go longest first, so that at step s the runs with an s-th read
    are a prefix, and each step is one slice's addition over reads gathered step by step.
    np.add.at goes read by read and np.add.reduceat makes a strided pass per column and
    run (benchmarks/README.md, subword inputs)."""
    # a stable sort; on 16-bit keys NumPy's is a radix sort, ten times faster here
    keys = ids.astype(np.uint16) if rows <= 1 << 16 else ids
    order = np.argsort(keys, kind="stable")  # [N]
    ids = ids[order]
    starts = np.flatnonzero(np.diff(ids, prepend=-1))  # [R] where each id's run begins
    lengths = np.diff(starts, append=len(ids))
    runs, active = longest_first(lengths)  # [S] runs with a read at step s
    starts = starts[runs]
    first = np.cumsum(active) - active  # [S] where step s begins among the gathered reads
    step = np.repeat(np.arange(len(active)), active)  # [N] each gathered read's step
    run = np.arange(len(step)) - first[step]  # [N] and its run
    reads = dx[order[starts[run] + step]]  # [N, D] step by step, longest run first
    total = np.zeros((len(starts), dx.shape[1]), dtype=dx.dtype)
    for begin, count in zip(first, active, strict=True):
        total[:count] += reads[begin : begin + count]
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
        """Inputs [.., 1 + P] -> vectors [.., D]: each token's n-gram rows summed in
        column order from +0, absent ones skipped (adding a row times 0, as the plain sum
        does, changes no bit: a sum from +0 is never -0). The tokens go most n-grams first
        and their n-grams to the left, so that the tokens with a j-th n-gram are a prefix:
        a step per j adds one gathered slice, and no [.., P, D] array is made
        (benchmarks/README.md, subword inputs)."""
        grams = ids[..., 1:].reshape(-1, ids.shape[-1] - 1)  # [M, P]
        table = arrays["ngram_embeddings"]
        present = grams != 0
        count = present.sum(axis=1)  # [M]
        order, having = longest_first(count)  # [P'] tokens with a j-th n-gram
        left = np.argsort(~present[order], axis=1, kind="stable")  # present columns first
        packed = np.take_along_axis(grams[order], left, axis=1)  # [M, P]: j-th n-gram in j
        total = np.zeros((len(grams), table.shape[1]), dtype=table.dtype)
        for j, tokens in enumerate(having):
            total[:tokens] += table[packed[:tokens, j]]
        sums = np.empty_like(total)
        sums[order] = total
        words = arrays["embeddings"][ids[..., 0]]
        mean = sums / np.maximum(count, 1).astype(table.dtype)[:, None]
        return words + mean.reshape(words.shape)

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
