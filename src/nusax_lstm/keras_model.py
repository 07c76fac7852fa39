"""Everything that needs Keras: building, training and exporting models."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def configure_tensorflow(threads: int, seed: int) -> str:
    """Thread pools, determinism and device; call before any TensorFlow op. Returns the device."""
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    device = f"GPU ({gpus[0].name}, memory growth on)" if gpus else f"CPU ({threads} threads)"
    log.info("TensorFlow %s on %s, seed %d", tf.__version__, device, seed)
    return device


def build_model(
    vocab_size: int,
    sequence_length: int,
    units: tuple[int, ...],
    bidirectional: bool,
    embedding_dim: int,
    dropout: float,
    mask_zero: bool,
    learning_rate: float,
    num_classes: int = 3,
) -> Any:
    """Embedding -> (Bi)LSTM + Dropout per layer -> Dense softmax, compiled with Adam."""
    import keras
    from keras import layers

    model = keras.Sequential(name="lstm_classifier")
    model.add(keras.Input(shape=(sequence_length,), dtype="int32", name="tokens"))
    model.add(layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero, name="embedding"))
    for i, n in enumerate(units, start=1):
        lstm = layers.LSTM(n, return_sequences=i < len(units), name=f"lstm_{i}")
        model.add(layers.Bidirectional(lstm, name=f"bidirectional_{i}") if bidirectional else lstm)
        model.add(layers.Dropout(dropout, name=f"dropout_{i}"))
    model.add(layers.Dense(num_classes, activation="softmax", name="dense_output"))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def fit(model: Any, data: dict[str, np.ndarray], epochs: int, batch_size: int) -> dict[str, list]:
    """Train with the validation split monitored; the per-epoch history as plain floats."""
    history = model.fit(
        data["x_train"],
        data["y_train"],
        validation_data=(data["x_valid"], data["y_valid"]),
        epochs=epochs,
        batch_size=batch_size,
        verbose=2,
    )
    return {key: [float(v) for v in values] for key, values in history.history.items()}


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


def train_and_save(
    sequences: dict, vocab_size: int, model: dict, train: dict, seed: int, threads: int, out: dict
) -> None:
    """Build, train and save one model with its history, probabilities and parameter count.

    `model` holds units, bidirectional, mask_zero and padding; `train` the shared settings
    (embedding_dim, dropout, learning_rate, epochs, batch_size); `out` the output paths
    (model, history, probs_valid, probs_test, info).
    """
    from .fileio import atomic_path, save_npy, write_json
    from .text import pad

    device = configure_tensorflow(threads, seed)
    data = {k: pad(v, model["padding"]) if k.startswith("x_") else v for k, v in sequences.items()}
    keras_model = build_model(
        vocab_size,
        data["x_train"].shape[1],
        tuple(model["units"]),
        model["bidirectional"],
        train["embedding_dim"],
        train["dropout"],
        model["mask_zero"],
        train["learning_rate"],
    )
    keras_model.summary(print_fn=log.info)
    history = fit(keras_model, data, train["epochs"], train["batch_size"])
    for split in ("valid", "test"):
        save_npy(out[f"probs_{split}"], keras_model.predict(data[f"x_{split}"], verbose=0))
    write_json(out["history"], history)
    info = {"params": keras_model.count_params(), "device": device, "seed": seed, **model}
    write_json(out["info"], info)
    with atomic_path(out["model"]) as tmp:
        keras_model.save(tmp)


def export_files(
    model_path: str, vocabulary: list[str], padding: str, meta: dict, out: dict
) -> None:
    """Write the Keras weights, framework-free arrays, architecture and vocabulary of a model.

    `padding` is where the model's inputs were padded ("post" or "pre"); `meta` goes into
    the architecture as it is; `out` holds the paths keras_weights, weights, architecture
    and vocabulary.
    """
    import os

    import keras

    from . import LABELS
    from .fileio import atomic_path, save_npz, write_json
    from .text import write_vocabulary

    model = keras.models.load_model(model_path)
    with atomic_path(out["keras_weights"]) as tmp:
        model.save_weights(tmp)
    arrays, layers = export(model)
    embedding = layers[0]
    if embedding["type"] != "Embedding" or embedding["input_dim"] != len(vocabulary):
        raise ValueError(
            f"{model_path}: the embedding does not match the {len(vocabulary)}-token vocabulary"
        )
    save_npz(out["weights"], **arrays)
    write_vocabulary(out["vocabulary"], vocabulary)
    write_json(
        out["architecture"],
        {
            "format": 1,
            **meta,
            "sequence_length": int(model.inputs[0].shape[1]),
            "vocabulary": os.path.basename(out["vocabulary"]),
            "labels": list(LABELS),
            "mask_zero": embedding["mask_zero"],
            "padding": padding,
            "layers": layers,
        },
    )
