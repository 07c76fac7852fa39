"""Dropout: while training, each unit zeroed with probability `rate` and the others
scaled by 1 / (1 - rate) (inverted dropout); the identity at inference."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Layer, Rate, register


@register
@dataclass
class Dropout(Layer):
    type = "Dropout"
    rate: Rate

    @classmethod
    def from_keras(cls, layer):
        return cls(layer.name, float(layer.rate)), {}

    def train_forward(self, arrays, x, flow):
        mask = flow.dropout.get(self.name)
        if mask is None:
            return x, None
        mask = flow.packing.pack(mask) if flow.sequences else mask
        return x * mask, mask

    def train_backward(self, mask, dy, flow):
        return (dy if mask is None else dy * mask), {}
