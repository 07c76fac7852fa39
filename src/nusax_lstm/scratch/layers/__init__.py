"""The engine's layers, one file each, and the model format: architecture.json written
(architecture, write_layers) and read (read_layers) here, its layers initialised and
built here for every layer type alike. A new layer type is a file in this folder
(base.Layer explains what it holds) and its module's name in the import line below,
which registers it."""

from __future__ import annotations

import numpy as np

from ... import LABELS, UserError
from . import (  # noqa: F401  (registers each)
    bidirectional,
    dense,
    dropout,
    embedding,
    gru,
    lstm,
    subword_embedding,
)
from .base import LAYERS, Layer, fail, field
from .bidirectional import Bidirectional
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .lstm import LSTM

__all__ = ["LAYERS", "LSTM", "Bidirectional", "Dense", "Dropout", "Embedding", "Layer"]

WEIGHTS = "weights.npz"


def architecture(layers: list[dict], sequence_length: int, padding: str) -> dict:
    """architecture.json: the ordered layers (an Embedding first), the input length, the
    labels, masking, and where inputs are padded."""
    return {
        "format": 1,
        "sequence_length": sequence_length,
        "labels": list(LABELS),
        "mask_zero": layers[0]["mask_zero"],
        "padding": padding,
        "layers": layers,
    }


def read_layers(architecture: dict) -> list[Layer]:
    """The layers an architecture lists, each entry checked (one UserError naming the
    file, the layer and the field); token ids go into the first, and only there."""
    layers: list[Layer] = []
    for entry in field(architecture, "layers", list, "architecture"):
        name = field(entry, "name", str, "layer")
        kind = field(entry, "type", str, f"layer {name}")
        if kind not in LAYERS:
            fail(f"layer {name}", f"unsupported layer type {kind!r}")
        layer = LAYERS[kind].read(entry, name)
        if layer.takes_ids != (not layers):
            fail(f"layer {name}", "an Embedding comes first, and only there")
        layers.append(layer)
    return layers


def write_layers(layers: list[Layer]) -> list[dict]:
    """read_layers' inverse: each layer's entry, given the width its input has."""
    entries, width = [], None
    for layer in layers:
        entries.append(layer.entry(width))
        width = layer.width(width)
    return entries


def initial_arrays(layers: list[Layer], seed: int, dtype=np.float32) -> dict[str, np.ndarray]:
    """Every layer's arrays (`layer/array` keys) as Keras initialises them, drawn from one
    generator seeded by `seed`, layer after layer."""
    rng, arrays, width = np.random.default_rng(seed), {}, None
    for layer in layers:
        for key, value in layer.initial(width, rng).items():
            arrays[f"{layer.name}/{key}"] = value.astype(dtype)
        width = layer.width(width)
    return arrays


def build_layers(layers: list[Layer], arrays, dtype) -> list[Layer]:
    """Each layer built with its arrays (`layer/array` keys in `arrays`), each checked for
    presence, shape, a floating type and finite values (one UserError naming the array)."""
    built, width = [], None
    for layer in layers:
        own = {
            key: checked(arrays, f"{layer.name}/{key}", shape, layer.name, dtype)
            for key, shape in layer.shapes(width).items()
        }
        built.append(layer.build(own))
        width = layer.width(width)
    return built


def checked(arrays, key: str, shape: tuple, layer: str, dtype) -> np.ndarray:
    where = f"{WEIGHTS}: layer {layer}: array {key!r}"
    if key not in arrays:
        raise UserError(f"{where} missing from the weights")
    value = np.asarray(arrays[key])
    if tuple(value.shape) != tuple(shape):
        raise UserError(
            f"{where} has shape {tuple(value.shape)}, the architecture needs {tuple(shape)}"
        )
    if not np.issubdtype(value.dtype, np.floating):
        raise UserError(f"{where} has dtype {value.dtype}, expected floating point")
    if not np.isfinite(value).all():
        raise UserError(f"{where} holds NaN or infinite values")
    return value.astype(dtype)
