"""Dense: x [..., D] -> x W + b [..., U], then its activation (softmax: class
probabilities over the last axis)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..backprop import dense_backward
from ..reference import dense, softmax
from .base import Layer, Positive, glorot_uniform, register


@register
@dataclass
class Dense(Layer):
    type = "Dense"
    units: Positive
    activation: Literal["softmax", "linear"] = "linear"

    arrays_order = ("kernel", "bias")

    @classmethod
    def from_keras(cls, layer):
        spec = cls(layer.name, int(layer.units), layer.activation.__name__)
        return spec, dict(zip(cls.arrays_order, layer.get_weights(), strict=True))

    def shapes(self, width):
        return {"kernel": (width, self.units), "bias": (self.units,)}

    def width(self, width):
        return self.units

    def initial(self, width, rng):
        return {"kernel": glorot_uniform((width, self.units), rng), "bias": np.zeros(self.units)}

    def __call__(self, x, packing):
        y = dense(x, self.arrays["kernel"], self.arrays["bias"])
        return softmax(y) if self.activation == "softmax" else y

    def train_forward(self, arrays, x, flow):
        """x W + b: a softmax is the loss's (packed_backprop.forward_backward)."""
        return dense(x, arrays["kernel"], arrays["bias"]), (x, arrays["kernel"])

    def train_backward(self, saved, dy, flow):
        x, kernel = saved
        dx, dW, db = dense_backward(x, kernel, dy)
        return dx, {"kernel": dW, "bias": db}
