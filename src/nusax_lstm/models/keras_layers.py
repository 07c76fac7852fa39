"""The Keras side of the engine's layers that Keras lacks: SubwordEmbedding, with the
equations of scratch/layers/subword_embedding.py (reference.subword_embedding). Saved
models name it `nusax_lstm>SubwordEmbedding`: import this module before loading one.
Set the backend up first (keras_backend.configure_keras)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="nusax_lstm")
class SubwordEmbedding(keras.layers.Layer):
    """Inputs [B, T, 1 + P] (a word id, then its n-grams' buckets, 0: none; data.subword)
    -> [B, T, D]: the word's row of `embeddings` plus the mean of its n-grams' rows of
    `ngram_embeddings`, both initialised as Keras's Embedding initialises its table. With
    `mask_zero`, word id 0 is padding (masked)."""

    def __init__(
        self, input_dim, output_dim, buckets, min_n, max_n, per_token, mask_zero=False, **kwargs
    ):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero
        self.buckets, self.min_n, self.max_n, self.per_token = buckets, min_n, max_n, per_token
        self.supports_masking = mask_zero

    def build(self, input_shape=None):
        rows = {"embeddings": self.input_dim, "ngram_embeddings": self.buckets + 1}
        for name, n in rows.items():
            weight = self.add_weight(shape=(n, self.output_dim), initializer="uniform", name=name)
            setattr(self, name, weight)

    def call(self, inputs):
        inputs = ops.cast(inputs, "int32")
        words, grams = inputs[..., 0], inputs[..., 1:]
        present = ops.cast(ops.not_equal(grams, 0), self.compute_dtype)  # [B, T, P]
        vectors = ops.take(self.ngram_embeddings, grams, axis=0)  # [B, T, P, D]
        total = ops.sum(vectors * ops.expand_dims(present, -1), axis=-2)
        count = ops.maximum(ops.sum(present, axis=-1, keepdims=True), 1)
        return ops.take(self.embeddings, words, axis=0) + total / count

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs[..., 0], 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self):
        settings = ("input_dim", "output_dim", "buckets", "min_n", "max_n", "per_token")
        own = {key: getattr(self, key) for key in (*settings, "mask_zero")}
        return super().get_config() | own
