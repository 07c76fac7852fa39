"""Keras models: built from a config, and their weights exported to the framework-free
form (weights.npz, architecture.json) and imported back. Set the backend up first
(keras_backend.configure_keras)."""

from __future__ import annotations

from typing import Any

import numpy as np

# config name -> Keras optimizer class
OPTIMIZERS = {
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "rmsprop": "RMSprop",
    "sgd": "SGD",
}


def build_model(
    vocab_size: int,
    sequence_length: int | None,
    units: tuple[int, ...],
    bidirectional: bool,
    embedding_dim: int,
    dropout: float,
    mask_zero: bool,
    learning_rate: float,
    optimizer: str = "adam",
    num_classes: int = 3,
) -> Any:
    """Embedding -> (Bi)LSTM + Dropout per layer -> Dense softmax, compiled with the named
    optimizer (one of OPTIMIZERS) at `learning_rate`.

    `sequence_length` None: inputs of any length (splits cut to their longest text)."""
    import keras
    from keras import layers

    from .keras_training import compile_model

    model = keras.Sequential(name="lstm_classifier")
    model.add(keras.Input(shape=(sequence_length,), dtype="int32", name="tokens"))
    model.add(layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero, name="embedding"))
    for i, n in enumerate(units, start=1):
        lstm = layers.LSTM(n, return_sequences=i < len(units), name=f"lstm_{i}")
        model.add(layers.Bidirectional(lstm, name=f"bidirectional_{i}") if bidirectional else lstm)
        model.add(layers.Dropout(dropout, name=f"dropout_{i}"))
    model.add(layers.Dense(num_classes, activation="softmax", name="dense_output"))
    compile_model(
        model, getattr(keras.optimizers, OPTIMIZERS[optimizer])(learning_rate=learning_rate)
    )
    return model


def lstm_spec(layer: Any) -> dict:
    """The fields of an LSTM layer that the scratch engine needs, refusing what it cannot run."""
    cell = layer.cell
    spec = {
        "units": int(cell.units),
        "return_sequences": bool(layer.return_sequences),
        "activation": cell.activation.__name__,
        "recurrent_activation": cell.recurrent_activation.__name__,
    }
    if not cell.use_bias or layer.stateful or layer.return_state:
        raise ValueError(f"{layer.name}: only stateless LSTMs with a bias can be exported")
    return spec


def export(model: Any) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Framework-free arrays (`layer/array` keys) and the ordered layer list describing them."""
    from keras import layers

    arrays: dict[str, np.ndarray] = {}
    specs: list[dict] = []

    def add(prefix: str, names: tuple[str, ...], values: list) -> dict:
        for name, value in zip(names, values, strict=True):
            arrays[f"{prefix}/{name}"] = np.asarray(value)
        return {name: list(np.shape(value)) for name, value in zip(names, values, strict=True)}

    lstm_arrays = ("kernel", "recurrent_kernel", "bias")
    for layer in model.layers:
        spec: dict[str, Any] = {"name": layer.name, "type": type(layer).__name__}
        if isinstance(layer, layers.Embedding):
            spec |= {
                "input_dim": layer.input_dim,
                "output_dim": layer.output_dim,
                "mask_zero": bool(layer.mask_zero),
            }
            spec["arrays"] = add(layer.name, ("embeddings",), layer.get_weights())
        elif isinstance(layer, layers.LSTM):
            if layer.go_backwards:
                raise ValueError(f"{layer.name}: a backward LSTM outside Bidirectional")
            spec |= lstm_spec(layer)
            spec["arrays"] = add(layer.name, lstm_arrays, layer.get_weights())
        elif isinstance(layer, layers.Bidirectional):
            spec["merge_mode"] = layer.merge_mode
            spec["return_sequences"] = bool(layer.return_sequences)
            for side, sub in (("forward", layer.forward_layer), ("backward", layer.backward_layer)):
                spec[side] = lstm_spec(sub) | {
                    "arrays": add(f"{layer.name}/{side}", lstm_arrays, sub.get_weights())
                }
        elif isinstance(layer, layers.Dropout):
            spec["rate"] = float(layer.rate)
        elif isinstance(layer, layers.Dense):
            spec |= {"units": int(layer.units), "activation": layer.activation.__name__}
            spec["arrays"] = add(layer.name, ("kernel", "bias"), layer.get_weights())
        else:
            raise ValueError(f"{layer.name}: layer type {type(layer).__name__} cannot be exported")
        specs.append(spec)
    return arrays, specs


def import_weights(model: Any, arrays: dict[str, np.ndarray]) -> None:
    """export's inverse: set every layer's weights from `layer/array` keys."""
    from keras import layers

    def values(prefix: str, names: tuple[str, ...]) -> list[np.ndarray]:
        return [arrays[f"{prefix}/{name}"] for name in names]

    lstm_arrays = ("kernel", "recurrent_kernel", "bias")
    for layer in model.layers:
        if isinstance(layer, layers.Embedding):
            layer.set_weights(values(layer.name, ("embeddings",)))
        elif isinstance(layer, layers.LSTM):
            layer.set_weights(values(layer.name, lstm_arrays))
        elif isinstance(layer, layers.Bidirectional):
            layer.forward_layer.set_weights(values(f"{layer.name}/forward", lstm_arrays))
            layer.backward_layer.set_weights(values(f"{layer.name}/backward", lstm_arrays))
        elif isinstance(layer, layers.Dense):
            layer.set_weights(values(layer.name, ("kernel", "bias")))


def from_architecture(architecture: dict, arrays: dict, model: dict, train: dict) -> Any:
    """The Keras model of a network trained elsewhere (the NumPy engine's architecture.json
    and arrays), compiled with `train`'s optimizer as a Keras training would be."""
    dropout = next(layer["rate"] for layer in architecture["layers"] if layer["type"] == "Dropout")
    keras_model = build_model(
        architecture["layers"][0]["input_dim"],
        architecture["sequence_length"],
        tuple(model["units"]),
        model["bidirectional"],
        architecture["layers"][0]["output_dim"],
        dropout,
        model["mask_zero"],
        train["learning_rate"],
        train["optimizer"],
    )
    import_weights(keras_model, arrays)
    return keras_model
