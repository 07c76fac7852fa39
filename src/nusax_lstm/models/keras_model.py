"""Keras models: built from a config, and their weights exported to the framework-free
form (weights.npz, architecture.json) and imported back. Set the backend up first
(keras_backend.configure_keras)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import numpy as np

from ..scratch.layers import LAYERS, read_layers, write_layers
from ..scratch.layers.base import under
from .training_config import TrainingConfig

WORDS = "word_dropout"  # the layer's name
# config name -> Keras optimizer class
OPTIMIZERS = {
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "rmsprop": "RMSprop",
    "sgd": "SGD",
}


def build_model(
    config: TrainingConfig, vocab_size: int, sequence_length: int | None, num_classes: int = 3
) -> Any:
    """Embedding (SubwordEmbedding with the config's subwords) -> (Bi)LSTM (or GRU: the
    config's cell) + Dropout per layer -> Dense softmax, compiled with the config's
    optimizer (one of OPTIMIZERS), learning rate and weight decay (None: the optimizer's
    default).

    `sequence_length` None: inputs of any length (splits cut to their longest text)."""
    import keras
    from keras import layers

    model = keras.Sequential(name="lstm_classifier")
    subwords = config.subwords
    if subwords:  # each token its word id and its n-grams' buckets (data.subword)
        from .keras_layers import SubwordEmbedding

        shape = (sequence_length, 1 + subwords.per_token)
        model.add(keras.Input(shape=shape, dtype="int32", name="tokens"))
        model.add(
            SubwordEmbedding(
                vocab_size,
                config.embedding_dim,
                **asdict(subwords),
                mask_zero=config.mask_zero,
                name="embedding",
            )
        )
    else:
        model.add(keras.Input(shape=(sequence_length,), dtype="int32", name="tokens"))
        model.add(
            layers.Embedding(
                vocab_size, config.embedding_dim, mask_zero=config.mask_zero, name="embedding"
            )
        )
    if config.word_dropout:  # whole tokens: one draw per text and step, for every feature
        model.add(layers.Dropout(config.word_dropout, noise_shape=(None, None, 1), name=WORDS))
    cell, units = config.cell, config.units
    for i, n in enumerate(units, start=1):
        kind = {"lstm": layers.LSTM, "gru": layers.GRU}[cell]
        recurrent = kind(n, return_sequences=i < len(units), name=f"{cell}_{i}")
        model.add(
            layers.Bidirectional(recurrent, name=f"bidirectional_{i}")
            if config.bidirectional
            else recurrent
        )
        model.add(layers.Dropout(config.dropout, name=f"dropout_{i}"))
    model.add(layers.Dense(num_classes, activation="softmax", name="dense_output"))
    optimizer = getattr(keras.optimizers, OPTIMIZERS[config.optimizer])
    decay = {} if config.weight_decay is None else {"weight_decay": config.weight_decay}
    compile_model(model, optimizer(learning_rate=config.learning_rate, **decay))
    return model


def compile_model(model: Any, optimizer: Any) -> None:
    """Sparse categorical cross-entropy averaged over the real rows of each batch; the
    epoch's loss and accuracy as means over texts (Keras's own loss tracker would count
    a filled batch as `batch_size` texts)."""
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight")
    model.compile(
        optimizer=optimizer,
        loss=loss,
        weighted_metrics=[
            keras.metrics.SparseCategoricalCrossentropy(name="text_loss"),
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
        ],
    )


def to_engine(model: Any) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Framework-free arrays (`layer/array` keys) and the ordered layer list describing
    them: each Keras layer read by the engine's layer of its class's name (from_keras)."""
    arrays: dict[str, np.ndarray] = {}
    layers = []
    for keras_layer in model.layers:
        kind = LAYERS.get(type(keras_layer).__name__)
        if kind is None:
            raise ValueError(
                f"{keras_layer.name}: layer type {type(keras_layer).__name__} cannot be exported"
            )
        if getattr(keras_layer, "go_backwards", False):
            raise ValueError(f"{keras_layer.name}: a backward LSTM outside Bidirectional")
        layer, own = kind.from_keras(keras_layer)
        layers.append(layer)
        arrays |= {f"{layer.name}/{key}": np.asarray(value) for key, value in own.items()}
    return arrays, write_layers(layers)


def import_weights(model: Any, arrays: dict[str, np.ndarray]) -> None:
    """export's inverse: set every layer's weights from `layer/array` keys."""
    for keras_layer in model.layers:
        layer, _ = LAYERS[type(keras_layer).__name__].from_keras(keras_layer)
        layer.set_keras(keras_layer, under(arrays, layer.name))


def from_architecture(architecture: dict, arrays: dict, config: TrainingConfig) -> Any:
    """The Keras model of a network trained elsewhere (the NumPy engine's architecture.json
    and arrays), compiled as a Keras training with `config` would be; the input layer
    (its size, its subwords) and the dropout rate are the architecture's."""
    layers = architecture["layers"]
    first = read_layers(architecture)[0]
    dropout = next(
        layer["rate"]
        for layer in layers
        if layer["type"] == "Dropout" and layer.get("drops", "units") == "units"
    )
    network = replace(
        config,
        embedding_dim=first.output_dim,
        dropout=dropout,
        subwords=getattr(first, "subwords", None),
    )
    keras_model = build_model(network, first.input_dim, architecture["sequence_length"])
    import_weights(keras_model, arrays)
    return keras_model
