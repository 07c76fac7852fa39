"""Embedding: token ids -> vectors, a row of its table each; with `mask_zero`, id 0 is
padding, and the recurrent layers after it skip the steps that hold it."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Layer, Positive, register


@register
@dataclass
class Embedding(Layer):
    type = "Embedding"
    takes_ids = True
    input_dim: Positive  # V, the vocabulary's size
    output_dim: Positive  # D
    mask_zero: bool

    arrays_order = ("embeddings",)

    @classmethod
    def from_keras(cls, layer):
        spec = cls(layer.name, layer.input_dim, layer.output_dim, bool(layer.mask_zero))
        return spec, dict(zip(cls.arrays_order, layer.get_weights(), strict=True))

    def shapes(self, width):
        return {"embeddings": (self.input_dim, self.output_dim)}

    def width(self, width):
        return self.output_dim

    def initial(self, width, rng):
        return {"embeddings": rng.uniform(-0.05, 0.05, (self.input_dim, self.output_dim))}

    @property
    def embeddings(self):
        return self.arrays["embeddings"]

    def __call__(self, ids, packing):
        """Packed token ids [N] -> vectors [N, D]."""
        return self.embeddings[ids]

    def output_shape(self, shape):
        return (*shape, self.output_dim)
