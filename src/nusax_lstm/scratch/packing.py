"""Variable-length batches with the padding taken out (cf. PyTorch's PackedSequence).

An LSTM under a Keras mask skips masked steps (its state carries over), so each row
is its real tokens in order, forward, or in reverse order, backward. Rows are sorted
longest first and step k holds the k-th real token of rows 0 .. sizes[k]-1, stored
at offsets[k] + row: the rows still running at a step always lead the batch, and the
work is proportional to the number of real tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Packing:
    order: np.ndarray  # [B] original row of each sorted row
    lengths: np.ndarray  # [B] real tokens per sorted row (non-increasing)
    sizes: np.ndarray  # [K] rows running at step k
    offsets: np.ndarray  # [K + 1] where step k starts in packed arrays
    rows: np.ndarray  # [N] original row of each packed element
    times: np.ndarray  # [N] original time step of each packed element
    backward: np.ndarray  # [N] packed index of each element in backward reading order
    steps: int  # T, the padded length

    @property
    def batch(self) -> int:
        return len(self.order)

    @classmethod
    def from_mask(cls, mask: np.ndarray, tiebreak: np.ndarray | None = None) -> Packing:
        """mask [B, T] (True = real token) -> the packing of its rows; rows of equal length
        come by decreasing `tiebreak` [B] (e.g. non-padding ids where nothing is masked)."""
        steps = mask.shape[1]
        keys = (-mask.sum(axis=1),) if tiebreak is None else (-tiebreak, -mask.sum(axis=1))
        order = np.lexsort(keys)
        mask = mask[order]
        lengths = mask.sum(axis=1)
        rank = np.cumsum(mask, axis=1) - 1  # index of each real token within its row
        sorted_row, time = np.nonzero(mask)
        k = rank[sorted_row, time]
        sizes = np.bincount(k, minlength=int(lengths.max(initial=0)))
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        # Rows running at step k are the first sizes[k] sorted rows: k-th token of row r
        # goes to offsets[k] + r (step-major order, without a sort).
        where = offsets[k] + sorted_row
        rows, times, backward = (np.empty_like(where) for _ in range(3))
        rows[where] = order[sorted_row]
        times[where] = time
        backward[where] = offsets[lengths[sorted_row] - 1 - k] + sorted_row
        return cls(order, lengths, sizes, offsets, rows, times, backward, steps)

    def unsort(self, states: np.ndarray) -> np.ndarray:
        """[B, ...] in sorted row order -> the original row order."""
        return states[np.argsort(self.order)]

    def pack(self, padded: np.ndarray) -> np.ndarray:
        """[B, T, ...] -> [N, ...], the real steps in packed order."""
        return padded[self.rows, self.times]

    def unpack(self, packed: np.ndarray, carry: bool) -> np.ndarray:
        """[N, F] -> [B, T, F]. Masked steps hold zeros, or with `carry` the row's previous
        output (Keras' LSTM outputs at masked steps; zeros before the first real token)."""
        if not len(packed):
            return np.zeros((self.batch, self.steps, *packed.shape[1:]), dtype=packed.dtype)
        source = np.full((self.batch, self.steps), -1)
        source[self.rows, self.times] = np.arange(len(self.rows))
        if carry:
            source = np.maximum.accumulate(source, axis=1)
        padded = np.where((source >= 0)[..., None], packed[source], 0)
        return padded.astype(packed.dtype, copy=False)


def previous(packing: Packing) -> np.ndarray:
    """[N]: the row of each token's previous state in a [.., B + N, H] state buffer: the
    same text's previous token, or for a text's first token a zero row."""
    step = np.repeat(np.arange(len(packing.sizes)), packing.sizes)
    row = np.arange(len(packing.rows)) - packing.offsets[step]  # within its step
    return np.where(step > 0, packing.batch + packing.offsets[step - 1] + row, row)


def final(packing: Packing) -> np.ndarray:
    """[B]: the row of each text's final state in a [.., B + N, H] state buffer, in the
    original row order: its last token's, or for an empty text its own zero row."""
    sorted_rows = np.arange(packing.batch)
    last = packing.batch + packing.offsets[np.maximum(packing.lengths, 1) - 1] + sorted_rows
    return packing.unsort(np.where(packing.lengths > 0, last, sorted_rows))


def in_reading_order(a: np.ndarray, orders: list) -> np.ndarray:
    """[L, N, F] in packed order <-> each lane in its reading order (orders[lane]; None:
    packed order). A reading order mirrors each text: it is its own inverse. A copy."""
    a = a.copy()
    for lane, order in enumerate(orders):
        if order is not None:
            a[lane] = a[lane][order]
    return a
