"""GRU: the recurrent layer of Keras's GRU with its default reset_after=True (cell:
reference.gru_step, backward: backprop.gru_backward), over packed sequences.

Arrays as Keras keeps them: kernel [D, 3H], recurrent_kernel [H, 3H], the gates z
(update), r (reset) and hh (candidate) side by side, and bias [2, 3H] (the input's, the
recurrent term's). Initialised as Keras does: Glorot-uniform kernel, orthogonal
recurrent kernel, zero bias.

The fast pass runs one or more lanes side by side (a layer, or a Bidirectional's two
directions), each lane reading the packed tokens in its own order; what needs no
recurrence (x W, and dW, dU, dx) runs once over all tokens, outside the time loop.
Shapes: B texts, N real tokens (packed), D input features, H units, L lanes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..packing import Packing, final, in_reading_order, previous
from ..reference import sigmoid
from .base import Recurrent, glorot_uniform, orthogonal, register


def lanes_forward(lanes: list[dict], orders: list, x: np.ndarray, packing: Packing, sequences):
    """Packed x [N, D] -> each lane's outputs [L, N, H] (packed order) if `sequences`, else
    its final states [L, B, H] (original row order); and what lanes_backward needs."""
    kernel = np.stack([w["kernel"] for w in lanes])  # [L, D, 3H]
    recurrent_kernel = np.stack([w["recurrent_kernel"] for w in lanes])  # [L, H, 3H]
    bias = np.stack([w["bias"] for w in lanes])[:, :, None]  # [L, 2, 1, 3H]
    xs = in_reading_order(np.broadcast_to(x, (len(lanes), *x.shape)), orders)  # [L, N, D]
    x_terms = xs @ kernel + bias[:, 0]  # [L, N, 3H]: all tokens at once
    (n_lanes, tokens, _), units, batch = xs.shape, recurrent_kernel.shape[1], packing.batch
    h = np.zeros((n_lanes, batch + tokens, units), dtype=x_terms.dtype)  # B zero rows first
    gates = np.empty((4, n_lanes, tokens, units), dtype=x_terms.dtype)  # z, r, hh, u_h
    before = 0  # where the previous step's states start in h
    for lo, n in zip(packing.offsets.tolist(), packing.sizes.tolist(), strict=False):
        rows, h_before = slice(lo, lo + n), h[:, before : before + n]
        u_z, u_r, u_h = np.split(h_before @ recurrent_kernel + bias[:, 1], 3, axis=-1)
        x_z, x_r, x_h = np.split(x_terms[:, rows], 3, axis=-1)
        z, r = sigmoid(x_z + u_z), sigmoid(x_r + u_r)
        hh = np.tanh(x_h + r * u_h)
        h[:, batch + lo : batch + lo + n] = z * h_before + (1 - z) * hh
        gates[:, :, rows] = z, r, hh, u_h
        before = batch + lo
    if sequences:
        out = in_reading_order(h[:, batch:], orders)
    else:
        out = h[:, final(packing)]
    return out, (orders, kernel, recurrent_kernel, xs, gates, h, sequences)


def lanes_backward(saved, dout: np.ndarray, packing: Packing) -> tuple[np.ndarray, list]:
    """dout [L, N, H] or [L, B, H] (of lanes_forward's output) -> dx [N, D] and each
    lane's gradients (Keras's layout); backprop.gru_backward's equations."""
    orders, kernel, recurrent_kernel, xs, gates, h, sequences = saved
    batch = packing.batch
    dh = np.zeros_like(h)  # [L, B + N, H]: the gradient reaching each state
    if sequences:
        dh[:, batch:] = in_reading_order(dout, orders)
    else:
        dh[:, final(packing)] = dout
    before = previous(packing)
    h_before = h[:, before]  # [L, N, H]
    z, r, hh, u_h = gates
    d_input, d_recurrent = np.empty_like(gates[:3]), np.empty_like(gates[:3])  # [3, L, N, H]
    recurrent_T = recurrent_kernel.transpose(0, 2, 1)  # [L, 3H, H]
    offsets, sizes = packing.offsets.tolist(), packing.sizes.tolist()
    for k in reversed(range(len(sizes))):  # a step's states take what its next step sends
        rows = slice(offsets[k], offsets[k] + sizes[k])
        dh_k = dh[:, batch + offsets[k] : batch + offsets[k] + sizes[k]]
        da_h = dh_k * (1 - z[:, rows]) * (1 - hh[:, rows] ** 2)
        d_input[0, :, rows] = d_recurrent[0, :, rows] = (
            dh_k * (h_before[:, rows] - hh[:, rows]) * z[:, rows] * (1 - z[:, rows])
        )
        d_input[1, :, rows] = d_recurrent[1, :, rows] = (
            da_h * u_h[:, rows] * r[:, rows] * (1 - r[:, rows])
        )
        d_input[2, :, rows], d_recurrent[2, :, rows] = da_h, da_h * r[:, rows]
        back = dh_k * z[:, rows] + np.concatenate(d_recurrent[:, :, rows], axis=-1) @ recurrent_T
        dh[:, before[rows]] += back
    d_in = np.concatenate(d_input, axis=-1)  # [L, N, 3H]
    d_rec = np.concatenate(d_recurrent, axis=-1)
    dW = xs.transpose(0, 2, 1) @ d_in  # [L, D, 3H]
    dU = h_before.transpose(0, 2, 1) @ d_rec  # [L, H, 3H]
    db = np.stack([d_in.sum(axis=1), d_rec.sum(axis=1)], axis=1)  # [L, 2, 3H]
    dxs = d_in @ kernel.transpose(0, 2, 1)  # [L, N, D]
    grads = [
        {"kernel": dW[lane], "recurrent_kernel": dU[lane], "bias": db[lane]}
        for lane in range(len(orders))
    ]
    return in_reading_order(dxs, orders).sum(axis=0), grads


def lanes_recorded(saved) -> dict[str, np.ndarray]:
    """What lanes_forward kept, as the gate traces show it: the update and reset gates,
    the candidate and the state, each [L, N, H] in packed order."""
    orders, _, _, _, gates, h, _ = saved
    z, r, hh, _ = gates
    shown = {"update": z, "reset": r, "candidate": hh, "state": h[:, h.shape[1] - z.shape[1] :]}
    return {name: in_reading_order(values, orders) for name, values in shown.items()}


@register
@dataclass
class GRU(Recurrent):
    type = "GRU"
    activation: Literal["tanh"] = "tanh"
    recurrent_activation: Literal["sigmoid"] = "sigmoid"
    reset_after: Literal[True] = True

    arrays_order = ("kernel", "recurrent_kernel", "bias")
    lanes_forward = staticmethod(lanes_forward)
    lanes_backward = staticmethod(lanes_backward)
    lanes_recorded = staticmethod(lanes_recorded)
    shown = ("update", "reset", "candidate", "state")  # its gate traces, lanes_recorded's keys

    def shapes(self, width):
        h = self.units
        return {"kernel": (width, 3 * h), "recurrent_kernel": (h, 3 * h), "bias": (2, 3 * h)}

    def initial(self, width, rng):
        return {
            "kernel": glorot_uniform((width, 3 * self.units), rng),
            "recurrent_kernel": orthogonal((self.units, 3 * self.units), rng),
            "bias": np.zeros((2, 3 * self.units)),
        }

    def __call__(self, x, packing):
        """Packed x [N, D] -> outputs [N, H] (return_sequences) or final states [B, H], in
        sorted row order as inference keeps them (Packing.order)."""
        out, _ = lanes_forward([self.arrays], [None], x, packing, self.return_sequences)
        return out[0] if self.return_sequences else out[0, packing.order]
