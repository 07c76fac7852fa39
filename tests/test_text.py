"""Padding of token ids (nusax_lstm.data.text)."""

from __future__ import annotations

import numpy as np
import pytest

from nusax_lstm.data.text import pad


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([[5, 6, 7, 0, 0]], [[0, 0, 5, 6, 7]]),
        ([[1, 0, 0, 0, 0]], [[0, 0, 0, 0, 1]]),
        ([[0, 0, 0, 0, 0]], [[0, 0, 0, 0, 0]]),
        ([[1, 2, 3, 4, 5]], [[1, 2, 3, 4, 5]]),
    ],
)
def test_start_padding_moves_tokens_to_the_end(ids, expected):
    ids = np.array(ids, dtype=np.int32)
    assert pad(ids, "pre").tolist() == expected
    assert pad(ids, "post") is ids
