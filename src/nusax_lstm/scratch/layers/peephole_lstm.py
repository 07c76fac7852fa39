"""PeepholeLSTM: an LSTM whose gates also see the cell state (Gers, Schraudolph and
Schmidhuber 2002; TensorFlow 1's LSTMCell(use_peepholes=True)): the input and forget
gates the previous cell state, the output gate the new one, each through a diagonal
weight (cell: reference.peephole_lstm_step, backward: backprop.peephole_lstm_backward),
over packed sequences. Keras has no such layer: the engine trains and runs it, the
plain pass is its oracle.

Arrays: an LSTM's (kernel [D, 4H], recurrent_kernel [H, 4H], bias [4H], gates i, f, g,
o side by side) and peepholes [3, H] (p_i, p_f, p_o), initialised at zero: it starts as
the LSTM it extends. Shapes: B texts, N real tokens (packed), D input features, H
units, L lanes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..packing import Packing, final, in_reading_order, previous
from ..reference import sigmoid
from .base import Recurrent, register
from .lstm import LSTM


def lanes_forward(lanes: list[dict], orders: list, x: np.ndarray, packing: Packing, sequences):
    """Packed x [N, D] -> each lane's outputs [L, N, H] (packed order) if `sequences`, else
    its final states [L, B, H] (original row order); and what lanes_backward needs."""
    kernel = np.stack([w["kernel"] for w in lanes])  # [L, D, 4H]
    recurrent_kernel = np.stack([w["recurrent_kernel"] for w in lanes])  # [L, H, 4H]
    bias = np.stack([w["bias"] for w in lanes])[:, None]  # [L, 1, 4H]
    peepholes = np.stack([w["peepholes"] for w in lanes])[:, :, None]  # [L, 3, 1, H]
    xs = in_reading_order(np.broadcast_to(x, (len(lanes), *x.shape)), orders)  # [L, N, D]
    x_terms = xs @ kernel + bias  # [L, N, 4H]: all tokens at once
    (n_lanes, tokens, _), units, batch = xs.shape, recurrent_kernel.shape[1], packing.batch
    h = np.zeros((n_lanes, batch + tokens, units), dtype=x_terms.dtype)  # B zero rows first
    c = np.zeros_like(h)
    gates = np.empty((4, n_lanes, tokens, units), dtype=x_terms.dtype)  # i, f, g, o
    before = 0  # where the previous step's states start in h and c
    for lo, n in zip(packing.offsets.tolist(), packing.sizes.tolist(), strict=False):
        rows, now = slice(lo, lo + n), slice(batch + lo, batch + lo + n)
        h_before, c_before = h[:, before : before + n], c[:, before : before + n]
        z = x_terms[:, rows] + h_before @ recurrent_kernel
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
        i = sigmoid(z_i + peepholes[:, 0] * c_before)
        f = sigmoid(z_f + peepholes[:, 1] * c_before)
        g = np.tanh(z_g)
        c[:, now] = f * c_before + i * g
        o = sigmoid(z_o + peepholes[:, 2] * c[:, now])
        h[:, now] = o * np.tanh(c[:, now])
        gates[:, :, rows] = i, f, g, o
        before = batch + lo
    out = in_reading_order(h[:, batch:], orders) if sequences else h[:, final(packing)]
    return out, (orders, kernel, recurrent_kernel, peepholes, xs, gates, h, c, sequences)


def lanes_backward(saved, dout: np.ndarray, packing: Packing) -> tuple[np.ndarray, list]:
    """dout [L, N, H] or [L, B, H] (of lanes_forward's output) -> dx [N, D] and each
    lane's gradients; backprop.peephole_lstm_backward's equations."""
    orders, kernel, recurrent_kernel, peepholes, xs, gates, h, c, sequences = saved
    batch = packing.batch
    dh, dc = np.zeros_like(h), np.zeros_like(c)  # [L, B + N, H]: reaching each state
    if sequences:
        dh[:, batch:] = in_reading_order(dout, orders)
    else:
        dh[:, final(packing)] = dout
    before = previous(packing)
    h_before, c_before, c_new = h[:, before], c[:, before], c[:, batch:]  # [L, N, H]
    i, f, g, o = gates
    p_i, p_f, p_o = peepholes[:, 0], peepholes[:, 1], peepholes[:, 2]  # [L, 1, H]
    dz = np.empty_like(gates)  # [4, L, N, H]: the gates' pre-activations
    recurrent_T = recurrent_kernel.transpose(0, 2, 1)  # [L, 4H, H]
    offsets, sizes = packing.offsets.tolist(), packing.sizes.tolist()
    for k in reversed(range(len(sizes))):  # a step's states take what its next step sends
        rows = slice(offsets[k], offsets[k] + sizes[k])
        now = slice(batch + offsets[k], batch + offsets[k] + sizes[k])
        tanh_c = np.tanh(c_new[:, rows])
        dz[3, :, rows] = dh[:, now] * tanh_c * o[:, rows] * (1 - o[:, rows])
        dc_k = dc[:, now] + dh[:, now] * o[:, rows] * (1 - tanh_c**2) + dz[3, :, rows] * p_o
        dz[0, :, rows] = dc_k * g[:, rows] * i[:, rows] * (1 - i[:, rows])
        dz[1, :, rows] = dc_k * c_before[:, rows] * f[:, rows] * (1 - f[:, rows])
        dz[2, :, rows] = dc_k * i[:, rows] * (1 - g[:, rows] ** 2)
        dh[:, before[rows]] += np.concatenate(dz[:, :, rows], axis=-1) @ recurrent_T
        dc[:, before[rows]] += dc_k * f[:, rows] + dz[0, :, rows] * p_i + dz[1, :, rows] * p_f
    d_all = np.concatenate(dz, axis=-1)  # [L, N, 4H]
    dW = xs.transpose(0, 2, 1) @ d_all  # [L, D, 4H]
    dU = h_before.transpose(0, 2, 1) @ d_all  # [L, H, 4H]
    db = d_all.sum(axis=1)  # [L, 4H]
    dP = np.stack([(dz[0] * c_before).sum(1), (dz[1] * c_before).sum(1), (dz[3] * c_new).sum(1)], 1)
    dxs = d_all @ kernel.transpose(0, 2, 1)  # [L, N, D]
    grads = [
        {"kernel": dW[k], "recurrent_kernel": dU[k], "bias": db[k], "peepholes": dP[k]}
        for k in range(len(orders))
    ]
    return in_reading_order(dxs, orders).sum(axis=0), grads


@register
@dataclass
class PeepholeLSTM(Recurrent):
    type = "PeepholeLSTM"
    activation: Literal["tanh"] = "tanh"
    recurrent_activation: Literal["sigmoid"] = "sigmoid"

    arrays_order = ("kernel", "recurrent_kernel", "bias", "peepholes")
    lanes_forward = staticmethod(lanes_forward)
    lanes_backward = staticmethod(lanes_backward)

    def shapes(self, width):
        return LSTM.shapes(self, width) | {"peepholes": (3, self.units)}

    def initial(self, width, rng):
        return LSTM.initial(self, width, rng) | {"peepholes": np.zeros((3, self.units))}

    def __call__(self, x, packing):
        """Packed x [N, D] -> outputs [N, H] (return_sequences) or final states [B, H], in
        sorted row order as inference keeps them (Packing.order)."""
        out, _ = lanes_forward([self.arrays], [None], x, packing, self.return_sequences)
        return out[0] if self.return_sequences else out[0, packing.order]
