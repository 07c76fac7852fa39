"""Dropout: while training, each unit zeroed with probability `rate` and the others
scaled by 1 / (1 - rate) (inverted dropout); the identity at inference. With `drops`
"tokens" (word dropout, Keras's noise_shape (batch, steps, 1)) a token's whole vector is
dropped or kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .base import Layer, Rate, register

NOISE_SHAPES = {None: "units", (None, None, 1): "tokens"}  # Keras's noise_shape -> drops


@register
@dataclass
class Dropout(Layer):
    type = "Dropout"
    rate: Rate
    drops: Literal["units", "tokens"] = "units"

    @classmethod
    def from_keras(cls, layer):
        shape = None if layer.noise_shape is None else tuple(layer.noise_shape)
        if shape not in NOISE_SHAPES:
            raise ValueError(f"{layer.name}: Dropout with noise_shape {shape} cannot be exported")
        return cls(layer.name, float(layer.rate), NOISE_SHAPES[shape]), {}

    def noise_shape(self, shape: tuple) -> tuple:
        """The shape of its mask for an input of `shape`: one draw per token for "tokens"."""
        return (*shape[:-1], 1) if self.drops == "tokens" else shape

    def train_forward(self, arrays, x, flow):
        mask = flow.dropout.get(self.name)
        if mask is None:
            return x, None
        mask = flow.packing.pack(mask) if flow.sequences else mask
        return x * mask, mask

    def train_backward(self, mask, dy, flow):
        return (dy if mask is None else dy * mask), {}
