"""Subword inputs as fastText builds them (Bojanowski et al., "Enriching Word Vectors with
Subword Information", 2017): a token is its word id and the buckets of its character
n-grams. The one definition that training, export, `nusax-lstm predict` and `explain`
use.

A token's n-grams are the substrings of n = min_n .. max_n characters of the token
wrapped in boundary marks, `<token>`, shortest n first, each n in reading order; the
first `per_token` are kept. An n-gram's bucket is 1 + the CRC-32 of its UTF-8 bytes
modulo `buckets` (HASH); bucket 0 means none. Unlike the word id, the buckets need no
vocabulary: a word never seen in training still has them, and so has its cognate in
another language (`makanan`, `makanannya` share `<ma`, `mak`, `kan`, ...).

A model's inputs are then [N, T, 1 + per_token] int32: per token its word id (0:
padding), then its buckets, zero-filled.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

HASH = "crc32"  # architecture.json records it: another hash would be another model


@dataclass(frozen=True)
class Subwords:
    buckets: int  # n-gram buckets, 1 .. buckets (0: none)
    min_n: int
    max_n: int
    per_token: int  # n-grams kept per token, P

    def ngrams(self, token: str) -> list[str]:
        """The n-grams of `<token>` that the token keeps, in order."""
        marked = f"<{token}>"
        grams = [
            marked[i : i + n]
            for n in range(self.min_n, self.max_n + 1)
            for i in range(len(marked) - n + 1)
        ]
        return grams[: self.per_token]

    def token_buckets(self, token: str) -> list[int]:
        return [1 + zlib.crc32(gram.encode("utf-8")) % self.buckets for gram in self.ngrams(token)]

    def encode(self, texts: list[list[str]], steps: int) -> np.ndarray:
        """Each text's tokens (the first `steps`) -> their buckets [N, steps, P], int32,
        end-padded with zeros as TextVectorization pads the word ids."""
        out = np.zeros((len(texts), steps, self.per_token), dtype=np.int32)
        known: dict[str, list[int]] = {}
        for row, tokens in enumerate(texts):
            for t, token in enumerate(tokens[:steps]):
                if token not in known:
                    known[token] = self.token_buckets(token)
                out[row, t, : len(known[token])] = known[token]
        return out


def with_subwords(ids: np.ndarray, buckets: np.ndarray) -> np.ndarray:
    """Word ids [N, T] and their tokens' buckets [N, T, P] -> inputs [N, T, 1 + P]."""
    return np.concatenate([ids[..., None], buckets], axis=-1).astype(np.int32)
