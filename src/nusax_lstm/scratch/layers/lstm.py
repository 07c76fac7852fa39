"""LSTM: the recurrent layer of Keras's LSTM (cell: reference.lstm_step), over packed
sequences; the time loop is scan.py's and the step cell.py's.

Arrays as Keras keeps them: kernel [D, 4H], recurrent_kernel [H, 4H], bias [4H], the
four gates side by side in the order i, f, g (Keras's "c"), o. Initialised as Keras
does: Glorot-uniform kernel, orthogonal recurrent kernel, zero bias but the forget
gate's at 1 (unit_forget_bias).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..cell import column_major, gate_major, halved, keras_columns, scan, scan_backward
from ..packing import Packing, final, in_reading_order, previous
from ..scan import LSTMStack
from .base import Recurrent, glorot_uniform, orthogonal, register

# Training's forward and backward pass of one or more LSTM lanes side by side (a layer,
# or a Bidirectional's two directions), on packed sequences; backprop.lstm_backward's
# equations (tests/test_fast_backprop.py). The layout, so that a step of the time loop is
# a few NumPy calls on contiguous blocks (each trick timed against the module without
# it, side by side: benchmarks/README.md):
# - each lane reads the packed tokens in its own order (the backward direction reads
#   each text from its last real token to its first: packing.backward), gate-major
#   [4, L, N, H] (cell.py), so that a step's slice of one gate is one block per lane
#   (1.13x over one block-diagonal recurrent matmul);
# - the states h and c of every step live in one buffer [L, B + N, H], B zero rows first;
# - what needs no recurrence runs once over all tokens, outside the time loop, as
#   per-lane, per-gate matmuls that read and write the gate-major layout as it is: the
#   input projection x W, dW = x^T dz, dU = h^T dz, dx = dz W^T (1.14x over one [N, 4LH]
#   matmul and transposed copies); the gates' derivative factors too.
# Shapes: B texts, N real tokens (packed), D input features, H units, L lanes.


def lanes_forward(lanes: list[dict], orders: list, x: np.ndarray, packing: Packing, sequences):
    """Packed x [N, D] -> each lane's outputs [L, N, H] (packed order) if `sequences`, else
    its final states [L, B, H] (original row order); and what lanes_backward needs.
    lanes: each lane's arrays (Keras's layout); orders: each lane's reading order."""
    kernel, recurrent_kernel = (
        column_major(np.stack([gate_major(w[k]) for w in lanes], axis=1))
        for k in ("kernel", "recurrent_kernel")
    )  # [4, L, D, H], [4, L, H, H]
    bias = np.stack([gate_major(w["bias"][None]) for w in lanes], axis=1)  # [4, L, 1, H]
    xs = in_reading_order(np.broadcast_to(x, (len(lanes), *x.shape)), orders)
    z = xs[None] @ halved(kernel)  # [4, L, N, H]: all tokens at once
    z += halved(bias)
    h, c = scan(z, halved(recurrent_kernel), packing)
    if sequences:
        out = in_reading_order(h[:, packing.batch :], orders)
    else:
        out = h[:, final(packing)]
    return out, (orders, kernel, recurrent_kernel, xs, z, h, c, sequences)


def lanes_backward(saved, dout: np.ndarray, packing: Packing) -> tuple[np.ndarray, list]:
    """dout [L, N, H] or [L, B, H] (of lanes_forward's output) -> dx [N, D] and each
    lane's gradients (Keras's layout)."""
    orders, kernel, recurrent_kernel, xs, gates, h, c, sequences = saved
    (lanes, tokens, _), units = xs.shape, h.shape[-1]
    dh = np.zeros_like(h)  # [L, B + N, H]: the gradient reaching each state from above
    if sequences:
        dh[:, packing.batch :] = in_reading_order(dout, orders)
    else:
        dh[:, final(packing)] = dout
    before = previous(packing)
    dU_T = recurrent_kernel.transpose(0, 1, 3, 2).copy()
    states = slice(packing.batch, None)
    dz = scan_backward(dh[:, states], gates, c[:, before], c[:, states], dU_T, packing)
    # all tokens at once, each lane in its reading order
    dW = xs.transpose(0, 2, 1)[None] @ dz  # [4, L, D, H]
    dU = h[None, :, before].transpose(0, 1, 3, 2) @ dz  # [4, L, H, H]
    db = dz.sum(axis=2)  # [4, L, H]
    dz_rows = dz.transpose(1, 2, 0, 3).reshape(lanes, tokens, 4 * units)
    dxs = dz_rows @ kernel.transpose(1, 0, 3, 2).reshape(lanes, 4 * units, -1)
    grads = [
        {
            "kernel": keras_columns(dW[:, lane]),
            "recurrent_kernel": keras_columns(dU[:, lane]),
            "bias": keras_columns(db[:, lane]),
        }
        for lane in range(lanes)
    ]
    return in_reading_order(dxs, orders).sum(axis=0), grads


def lanes_recorded(saved) -> dict[str, np.ndarray]:
    """What lanes_forward kept, as the gate traces show it: the input, forget and output
    gates and the cell state, each [L, N, H] in packed order."""
    orders, _, _, _, gates, _, c, _ = saved
    o, i, f, _ = gates  # after the scan: sigmoids, and tanh(g)
    cells = c[:, c.shape[1] - gates.shape[2] :]  # after the B zero rows
    shown = {"input": i, "forget": f, "output": o, "cell": cells}
    return {name: in_reading_order(values, orders) for name, values in shown.items()}


@register
@dataclass
class LSTM(Recurrent):
    type = "LSTM"
    activation: Literal["tanh"] = "tanh"
    recurrent_activation: Literal["sigmoid"] = "sigmoid"

    arrays_order = ("kernel", "recurrent_kernel", "bias")
    lanes_forward = staticmethod(lanes_forward)
    lanes_backward = staticmethod(lanes_backward)
    lanes_recorded = staticmethod(lanes_recorded)
    shown = ("input", "forget", "output", "cell")  # its gate traces, lanes_recorded's keys

    def shapes(self, width):
        h = self.units
        return {"kernel": (width, 4 * h), "recurrent_kernel": (h, 4 * h), "bias": (4 * h,)}

    def initial(self, width, rng):
        bias = np.zeros(4 * self.units)
        bias[self.units : 2 * self.units] = 1  # the forget gate, the second of i, f, g, o
        return {
            "kernel": glorot_uniform((width, 4 * self.units), rng),
            "recurrent_kernel": orthogonal((self.units, 4 * self.units), rng),
            "bias": bias,
        }

    def build(self, arrays):
        """With the fast layout that scan.py reads: gate-major, the sigmoid gates halved
        (cell.py): kernel [4, D, H], recurrent_kernel [4, H, H], bias [4, H]."""
        built = super().build(arrays)
        built.kernel = halved(gate_major(arrays["kernel"]))
        built.recurrent_kernel = halved(gate_major(arrays["recurrent_kernel"]))
        built.bias = halved(gate_major(arrays["bias"]))
        return built

    def stack(self) -> LSTMStack:
        """This layer as scan.py's fast inference runs it (a stack of one)."""
        return LSTMStack([self])

    def __call__(self, x, packing):
        """Packed x [N, D] -> outputs [N, H] (return_sequences) or final states [B, H]."""
        return self.stack()(x, packing)
