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

from ..cell import gate_major, halved
from ..scan import LSTMStack
from .base import Layer, Positive, glorot_uniform, orthogonal, register


@register
@dataclass
class LSTM(Layer):
    type = "LSTM"
    recurrent = True
    units: Positive  # H
    return_sequences: bool  # every step's output, or only the final state
    activation: Literal["tanh"] = "tanh"
    recurrent_activation: Literal["sigmoid"] = "sigmoid"

    arrays_order = ("kernel", "recurrent_kernel", "bias")

    @classmethod
    def from_keras(cls, layer):
        """Refusing what the engine cannot run: no bias, state kept or returned, or a
        backward LSTM outside a Bidirectional."""
        cell = layer.cell
        if not cell.use_bias or layer.stateful or layer.return_state:
            raise ValueError(f"{layer.name}: only stateless LSTMs with a bias can be exported")
        spec = cls(
            layer.name,
            int(cell.units),
            bool(layer.return_sequences),
            cell.activation.__name__,
            cell.recurrent_activation.__name__,
        )
        return spec, dict(zip(cls.arrays_order, layer.get_weights(), strict=True))

    def shapes(self, width):
        h = self.units
        return {"kernel": (width, 4 * h), "recurrent_kernel": (h, 4 * h), "bias": (4 * h,)}

    def width(self, width):
        return self.units

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

    def __call__(self, x, packing):
        """Packed x [N, D] -> outputs [N, H] (return_sequences) or final states [B, H]."""
        return LSTMStack([self])(x, packing)

    def output_shape(self, shape):
        return (*shape[:-1], self.units) if self.return_sequences else (shape[0], self.units)
