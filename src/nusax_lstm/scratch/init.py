"""A new classifier in the export format: its architecture.json, as Keras's export of
keras_model.build_model writes it, and weights drawn as Keras's initialisers draw them
(each layer's `initial`, layers/), from a NumPy generator."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from .. import LABELS
from ..data.subword import HASH
from ..models.training_config import TrainingConfig
from .layers import (
    LAYERS,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    architecture,
    initial_arrays,
    read_layers,
    write_layers,
)
from .layers.subword_embedding import SubwordEmbedding


def classifier(config: TrainingConfig, vocab_size: int, sequence_length: int) -> dict:
    """architecture.json of Embedding (SubwordEmbedding with the config's subwords; then
    word dropout, where the config has it) ->
    (Bi)LSTM (or GRU: the config's cell) + Dropout per layer -> Dense softmax."""
    cell, units = config.cell, config.units
    recurrent = LAYERS[cell.upper()]
    embedding = ("embedding", vocab_size, config.embedding_dim, config.mask_zero)
    subwords = config.subwords
    layers: list = [
        SubwordEmbedding(*embedding, **asdict(subwords), hash=HASH)
        if subwords
        else Embedding(*embedding)
    ]
    if config.word_dropout:
        layers.append(Dropout("word_dropout", config.word_dropout, "tokens"))
    for i, n in enumerate(units, start=1):
        sequences = i < len(units)
        if config.bidirectional:
            name = f"bidirectional_{i}"
            sides = {
                side: recurrent(f"{name}/{side}", n, sequences) for side in ("forward", "backward")
            }
            layers.append(Bidirectional(name, "concat", sequences, **sides))
        else:
            layers.append(recurrent(f"{cell}_{i}", n, sequences))
        layers.append(Dropout(f"dropout_{i}", config.dropout))
    layers.append(Dense("dense_output", len(LABELS), "softmax"))
    return architecture(write_layers(layers), sequence_length, config.padding)


def initial_weights(architecture: dict, seed: int, dtype=np.float32) -> dict[str, np.ndarray]:
    """Every array the architecture lists (`layer/array` keys), drawn in layer order."""
    return initial_arrays(read_layers(architecture), seed, dtype)
