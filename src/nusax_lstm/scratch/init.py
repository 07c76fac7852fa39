"""A new classifier in the export format: its architecture.json, as Keras's export of
keras_model.build_model writes it, and weights drawn as Keras's initialisers draw them
(keras/src/initializers), from a NumPy generator.

Keras's defaults for these layers: Embedding uniform in [-0.05, 0.05]; kernels (LSTM's
input kernel, Dense's) Glorot uniform; LSTM recurrent kernels orthogonal; biases zero,
but an LSTM's forget gate starts at 1 (unit_forget_bias).
"""

from __future__ import annotations

import numpy as np

from .. import LABELS
from ..export import architecture


def lstm_layer(units: int, d_in: int, return_sequences: bool) -> dict:
    """An LSTM's entry (no name: a Bidirectional's sides have none)."""
    return {
        "units": units,
        "return_sequences": return_sequences,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "arrays": {
            "kernel": [d_in, 4 * units],
            "recurrent_kernel": [units, 4 * units],
            "bias": [4 * units],
        },
    }


def classifier(
    vocab_size: int,
    sequence_length: int,
    units: list[int],
    bidirectional: bool,
    embedding_dim: int,
    dropout: float,
    mask_zero: bool,
    padding: str,
) -> dict:
    """architecture.json of Embedding -> (Bi)LSTM + Dropout per layer -> Dense softmax."""
    layers: list[dict] = [
        {
            "name": "embedding",
            "type": "Embedding",
            "input_dim": vocab_size,
            "output_dim": embedding_dim,
            "mask_zero": mask_zero,
            "arrays": {"embeddings": [vocab_size, embedding_dim]},
        }
    ]
    width = embedding_dim
    for i, n in enumerate(units, start=1):
        sequences = i < len(units)
        if bidirectional:
            side = lstm_layer(n, width, sequences)
            layers.append(
                {
                    "name": f"bidirectional_{i}",
                    "type": "Bidirectional",
                    "merge_mode": "concat",
                    "return_sequences": sequences,
                    "forward": side,
                    "backward": side,
                }
            )
            width = 2 * n
        else:
            layers.append({"name": f"lstm_{i}", "type": "LSTM", **lstm_layer(n, width, sequences)})
            width = n
        layers.append({"name": f"dropout_{i}", "type": "Dropout", "rate": dropout})
    layers.append(
        {
            "name": "dense_output",
            "type": "Dense",
            "units": len(LABELS),
            "activation": "softmax",
            "arrays": {"kernel": [width, len(LABELS)], "bias": [len(LABELS)]},
        }
    )
    return architecture(layers, sequence_length, padding)


def glorot_uniform(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Uniform in +-sqrt(6 / (fan_in + fan_out)), for a kernel [fan_in, fan_out]."""
    limit = np.sqrt(6 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, shape)


def orthogonal(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """[rows, cols] with orthonormal rows (rows <= cols) or columns: the Q of a Gaussian
    matrix's QR decomposition, its signs fixed by R's diagonal (Keras's Orthogonal)."""
    rows, cols = shape
    q, r = np.linalg.qr(rng.normal(size=(max(rows, cols), min(rows, cols))))
    q *= np.sign(np.diag(r))
    return q.T if rows < cols else q


def lstm_bias(units: int) -> np.ndarray:
    """Zeros, with the forget gate's (the second of i, f, g, o) at 1."""
    bias = np.zeros(4 * units)
    bias[units : 2 * units] = 1
    return bias


def initial_weights(architecture: dict, seed: int, dtype=np.float32) -> dict[str, np.ndarray]:
    """Every array the architecture lists (`layer/array` keys), drawn in layer order."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for layer in architecture["layers"]:
        kind, name = layer["type"], layer["name"]
        if kind == "Embedding":
            arrays[f"{name}/embeddings"] = rng.uniform(-0.05, 0.05, layer["arrays"]["embeddings"])
        elif kind == "Dense":
            arrays[f"{name}/kernel"] = glorot_uniform(layer["arrays"]["kernel"], rng)
            arrays[f"{name}/bias"] = np.zeros(layer["arrays"]["bias"])
        elif kind in ("LSTM", "Bidirectional"):
            sides = (
                {name: layer}
                if kind == "LSTM"
                else {f"{name}/{side}": layer[side] for side in ("forward", "backward")}
            )
            for prefix, spec in sides.items():
                shapes = spec["arrays"]
                arrays[f"{prefix}/kernel"] = glorot_uniform(shapes["kernel"], rng)
                arrays[f"{prefix}/recurrent_kernel"] = orthogonal(shapes["recurrent_kernel"], rng)
                arrays[f"{prefix}/bias"] = lstm_bias(spec["units"])
    return {key: value.astype(dtype) for key, value in arrays.items()}
