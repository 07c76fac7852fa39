"""TextVectorization without TensorFlow: adapting a vocabulary, vectorizing, the vocabulary file.

Keras' defaults, as in `keras/src/layers/preprocessing/text_vectorization.py`:
`tf.strings.lower` (ASCII letters only), the punctuation regex below removed,
split on ASCII whitespace, index 0 for padding, 1 for out-of-vocabulary tokens,
padded with zeros or truncated at the end to the sequence length. `adapt` orders
tokens as `index_lookup.py`'s `finalize_state` does.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from pathlib import Path

import numpy as np

from .. import UserError
from ..fileio import write_text
from .subword import Subwords, with_subwords

PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
PAD, OOV = 0, 1
PADDINGS = ("post", "pre")  # where padding goes: after a text's tokens, or before
RESERVED = ("", "[UNK]")  # the tokens of indices PAD and OOV


def tokenize(text: str) -> list[str]:
    """Keras' "lower_and_strip_punctuation" standardization, then a whitespace split."""
    standardized = PUNCTUATION.sub("", text.translate(ASCII_LOWER))
    return [token for token in WHITESPACE.split(standardized) if token]


def adapt(texts: list[str], max_tokens: int) -> list[str]:
    """The vocabulary Keras' `TextVectorization(max_tokens).adapt(texts)` learns: the reserved
    tokens, then by count, most frequent first, ties broken by the token's UTF-8 bytes,
    greatest first (Keras' `np.lexsort((tokens, counts))[::-1]`)."""
    counts = Counter(token for text in texts for token in tokenize(text))
    for token in RESERVED:
        counts.pop(token, None)
    ranked = sorted(counts, key=lambda t: (counts[t], t.encode("utf-8")), reverse=True)
    return [*RESERVED, *ranked[: max_tokens - len(RESERVED)]]


def words(ids: np.ndarray) -> np.ndarray:
    """The word ids [N, T] of inputs [N, T], or of subword inputs [N, T, 1 + P]
    (data.subword: the word id first)."""
    return ids if ids.ndim == 2 else ids[..., 0]


def pad(ids: np.ndarray, padding: str) -> np.ndarray:
    """End-padded ids [N, T] (TextVectorization's output; or subword inputs [N, T, 1 + P])
    as they are ("post") or with the padding moved to the start ("pre"), tokens kept in
    order."""
    if padding == "post":
        return ids
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    steps = ids.shape[1]
    shift = steps - np.count_nonzero(words(ids), axis=1)
    order = (np.arange(steps) - shift[:, None]) % steps
    return np.take_along_axis(ids, order.reshape(order.shape + (1,) * (ids.ndim - 2)), axis=1)


def trim(ids: np.ndarray) -> np.ndarray:
    """End-padded ids [N, T] (or subword inputs [N, T, 1 + P]) without the trailing steps
    that are padding in every row.

    Exact under a mask: a masked step leaves an LSTM's state (either direction) unchanged.
    Keras training cuts whole splits, not batches: every batch then has one shape, compiled
    once (per-batch cuts measured slower on CPU, each new shape costing about 4 s to compile).
    """
    used = np.flatnonzero(words(ids).any(axis=0))
    return ids[:, : int(used[-1]) + 1 if used.size else 1]


class Vectorizer:
    """texts -> token ids [N, sequence_length] (int32), from a saved vocabulary; with
    `subwords`, inputs [N, sequence_length, 1 + P] (data.subword)."""

    def __init__(
        self,
        vocabulary: list[str],
        sequence_length: int,
        padding: str = "post",
        subwords: Subwords | None = None,
    ):
        self.index = {token: i for i, token in enumerate(vocabulary) if i > OOV}
        self.sequence_length, self.padding, self.subwords = sequence_length, padding, subwords

    def __call__(self, texts: list[str]) -> np.ndarray:
        tokens = [tokenize(text)[: self.sequence_length] for text in texts]
        ids = np.zeros((len(texts), self.sequence_length), dtype=np.int32)
        for row, kept in enumerate(tokens):
            ids[row, : len(kept)] = [self.index.get(t, OOV) for t in kept]
        if self.subwords:
            ids = with_subwords(ids, self.subwords.encode(tokens, self.sequence_length))
        return pad(ids, self.padding)


def vectorize_splits(
    texts: dict[str, list[str]], max_tokens: int, sequence_length: int
) -> tuple[list[str], dict[str, np.ndarray]]:
    """The vocabulary adapted on texts["train"] only, and each split's ids [N, T] as
    `x_<split>`."""
    vocabulary = adapt(texts["train"], max_tokens)
    vectorize = Vectorizer(vocabulary, sequence_length)
    return vocabulary, {f"x_{split}": vectorize(t) for split, t in texts.items()}


def write_vocabulary(path: str | Path, tokens: list[str]) -> None:
    bad = [i for i, t in enumerate(tokens) if "\n" in t]
    if bad:
        raise ValueError(f"vocabulary tokens {bad[:5]} contain a newline")
    write_text(path, "\n".join(tokens) + "\n")


def read_vocabulary(path: str | Path) -> list[str]:
    """Tokens by index, one per line; index 0 is padding (''), index 1 the OOV token."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: bytes that are not UTF-8 (at byte {err.start})") from None
    if not text.endswith("\n"):
        raise UserError(f"{path}: truncated vocabulary file (no final newline)")
    tokens = text[:-1].split("\n")
    if len(tokens) < 2 or tokens[0] != "":
        raise UserError(f"{path}: not a vocabulary (line 1 must be empty: the padding token)")
    if len(set(tokens)) != len(tokens):
        raise UserError(f"{path}: a token appears twice")
    return tokens
