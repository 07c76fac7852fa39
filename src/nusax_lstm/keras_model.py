"""Everything that needs Keras: building, training and exporting models."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


BACKENDS = ("jax", "tensorflow")
COMPILE_CACHE_BYTES = 1 << 30  # least recently used entries go beyond this
# config name -> Keras optimizer class
OPTIMIZERS = {
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "rmsprop": "RMSprop",
    "sgd": "SGD",
}


def configure_keras(backend: str, threads: int, seed: int, compile_cache: str | None = None) -> str:
    """Select Keras's backend and set it up: thread pools, determinism, the persistent
    compilation cache (JAX), the device. Call before anything imports keras: the backend is
    fixed at import. Returns the device, in words."""
    loaded = sys.modules.get("keras")
    if loaded is not None and loaded.backend.backend() != backend:
        raise RuntimeError(f"keras is already loaded on {loaded.backend.backend()}, not {backend}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    os.environ["KERAS_BACKEND"] = backend
    if backend != "tensorflow":
        # Keras imports TensorFlow whenever it is installed, to seed tf.random and to check
        # for tf types (3-8 s, 600 MB); a None entry makes that import fail, as if absent.
        sys.modules.setdefault("tensorflow", None)
    device = (setup_jax if backend == "jax" else setup_tensorflow)(threads, compile_cache)
    import keras

    keras.utils.set_random_seed(seed)
    log.info("Keras %s on %s: %s, seed %d", keras.__version__, backend, device, seed)
    return device


def setup_jax(threads: int, compile_cache: str | None) -> str:
    """XLA's CPU thread pool of `threads` threads, the persistent compilation cache in
    `compile_cache` (None: off), GPU memory allocated as needed (not 75 % up front)."""
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    # XLA sizes its pool from the CPUs the process may use when its backend starts, and
    # has no flag for it: narrow them for the start, then free every thread again.
    # Two trainings side by side on 2 cores, one thread each, step 1.3-1.6x faster than
    # with a pool of 2 each (measured). Results depend on the pool's size, not the cores.
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, sorted(allowed)[:threads])
    import jax

    devices = jax.devices()
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that has ended since
            os.sched_setaffinity(int(task), allowed)
    if compile_cache:
        jax.config.update("jax_compilation_cache_dir", os.path.abspath(compile_cache))
        # Keep every entry: CPU compilations are quick one by one, but add up per shape.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        # A size limit makes JAX lock the folder around each read and write, so jobs side
        # by side never read an entry that another is still writing.
        jax.config.update("jax_compilation_cache_max_size", COMPILE_CACHE_BYTES)
    gpus = [d for d in devices if d.platform == "gpu"]
    return f"GPU ({gpus[0].device_kind})" if gpus else f"CPU ({threads} threads)"


def setup_tensorflow(threads: int, compile_cache: str | None) -> str:
    """Thread pools and op determinism; GPUs grow their memory. TensorFlow keeps no
    compilation cache between processes (`compile_cache` is unused)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    tf.config.experimental.enable_op_determinism()
    return f"GPU ({gpus[0].name}, memory growth on)" if gpus else f"CPU ({threads} threads)"


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


def keras_twin(
    architecture: dict, arrays: dict, model: dict, train: dict, x_test: np.ndarray, out: dict
) -> None:
    """A network trained elsewhere (the NumPy engine: its architecture.json and arrays)
    as a Keras model: saved to out["model"], its probabilities on the test ids x_test
    [N, T] (padded as in training) to out["probs_test"]."""
    from .fileio import atomic_path, save_npy

    configure_keras(model["backend"], 1, 0)
    from .keras_training import predict

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
    save_npy(out["probs_test"], predict(keras_model, x_test, train["batch_size"]))
    with atomic_path(out["model"]) as tmp:
        keras_model.save(tmp)


def train_and_save(
    sequences: dict,
    vocab_size: int,
    model: dict,
    train: dict,
    seed: int,
    threads: int,
    out: dict,
    compile_cache: str | None = None,
) -> None:
    """Build, train and save one model with its history, probabilities and parameter count.

    `model` holds backend, units, bidirectional, mask_zero, padding and early_stopping (None
    or monitor and patience); `train` the shared settings (embedding_dim, dropout,
    optimizer, learning_rate, epochs, batch_size, trim_padding); `out` the output paths
    (model, history, probs_valid, probs_test, info, and the framework-free weights and
    architecture).
    """
    from .export import architecture
    from .fileio import atomic_path
    from .training import fit_data, inputs, save_export, save_run

    # Keras imports scikit-learn and matplotlib when installed, for wrappers and plots
    # that training never uses (2 s a job): a None entry makes the import fail, as if absent.
    for unused in ("sklearn", "matplotlib"):
        sys.modules.setdefault(unused, None)
    device = configure_keras(model["backend"], threads, seed, compile_cache)
    from .keras_training import fit, predict

    # Valid and test go through one prediction program (one input shape): valid after
    # each epoch, both at the end, in batches of the valid split's size.
    x, steps, trimmed = inputs(sequences, model, train)
    n_valid = len(sequences["y_valid"])
    keras_model = build_model(
        vocab_size,
        None if trimmed else steps,
        tuple(model["units"]),
        model["bidirectional"],
        train["embedding_dim"],
        train["dropout"],
        model["mask_zero"],
        train["learning_rate"],
        train["optimizer"],
    )
    keras_model.summary(print_fn=log.info)
    log.info("steps read: %s of %d", {name: ids.shape[1] for name, ids in x.items()}, steps)
    data = fit_data(x, sequences)
    history, epoch_kept = fit(
        keras_model,
        data,
        train["epochs"],
        train["batch_size"],
        seed,
        n_valid,
        model["early_stopping"],
    )
    probs = predict(keras_model, x["evaluation"], n_valid)
    arrays, layers = export(keras_model)
    info = {"params": keras_model.count_params(), "device": device, "seed": seed}
    save_run(out, history, epoch_kept, probs, n_valid, info, model, steps)
    save_export(arrays, architecture(layers, steps, model["padding"]), out)
    with atomic_path(out["model"]) as tmp:
        keras_model.save(tmp)
