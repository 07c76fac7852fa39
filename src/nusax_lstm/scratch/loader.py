"""The export format (architecture.json + weights.npz) read into a scratch model, every
field and array checked against the architecture before anything runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import UserError
from ..fileio import read_json
from .ensemble import Ensemble
from .layers import LSTM, Bidirectional, Dense, Dropout, Embedding, Softmax
from .model import Sequential

ARCHITECTURE = "architecture.json"
WEIGHTS = "weights.npz"


def _array(arrays, key: str, shape: tuple, layer: str, dtype) -> np.ndarray:
    """The array `key`, checked for presence, shape and finiteness."""
    if key not in arrays:
        raise UserError(f"layer {layer}: array {key!r} missing from the weights")
    value = arrays[key]
    if tuple(value.shape) != tuple(shape):
        raise UserError(
            f"layer {layer}: array {key!r} has shape {tuple(value.shape)}, "
            f"the architecture needs {tuple(shape)}"
        )
    if not np.isfinite(value).all():
        raise UserError(f"layer {layer}: array {key!r} holds NaN or infinite values")
    return value.astype(dtype)


def _field(spec: dict, key: str, where: str):
    if key not in spec:
        raise UserError(f"{where}: field {key!r} missing in {ARCHITECTURE}")
    return spec[key]


def _lstm(spec, prefix, d_in, arrays, dtype) -> LSTM:
    where = f"layer {prefix}"
    units = _field(spec, "units", where)
    for key, expected in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
        if _field(spec, key, where) != expected:
            raise UserError(f"{where}: {key} {spec[key]!r} is not supported (only {expected!r})")
    shapes = {
        "kernel": (d_in, 4 * units),
        "recurrent_kernel": (units, 4 * units),
        "bias": (4 * units,),
    }
    weights = {k: _array(arrays, f"{prefix}/{k}", s, prefix, dtype) for k, s in shapes.items()}
    return LSTM(**weights, return_sequences=_field(spec, "return_sequences", where), name=prefix)


def build_layer(spec: dict, d_in: int | None, arrays, dtype) -> tuple[object, int | None]:
    """One scratch layer from its architecture entry; returns it and its output width."""
    name = _field(spec, "name", "layer")
    kind = _field(spec, "type", f"layer {name}")
    where = f"layer {name}"
    if kind == "Embedding":
        shape = (_field(spec, "input_dim", where), _field(spec, "output_dim", where))
        table = _array(arrays, f"{name}/embeddings", shape, name, dtype)
        return Embedding(table, bool(_field(spec, "mask_zero", where)), name), shape[1]
    if kind == "LSTM":
        layer = _lstm(spec, name, d_in, arrays, dtype)
        return layer, layer.units
    if kind == "Bidirectional":
        sides = [
            _lstm(_field(spec, side, where), f"{name}/{side}", d_in, arrays, dtype)
            for side in ("forward", "backward")
        ]
        merge = _field(spec, "merge_mode", where)
        return Bidirectional(*sides, merge, name), sides[0].units * (2 if merge == "concat" else 1)
    if kind == "Dropout":
        return Dropout(_field(spec, "rate", where), name), d_in
    if kind == "Dense":
        units = _field(spec, "units", where)
        kernel = _array(arrays, f"{name}/kernel", (d_in, units), name, dtype)
        return Dense(kernel, _array(arrays, f"{name}/bias", (units,), name, dtype), name), units
    raise UserError(f"{where}: unsupported layer type {kind!r}")


def from_export(architecture: dict, arrays, dtype=np.float32) -> Sequential:
    """Build the model from an architecture dict and a mapping of named arrays."""
    layers, width = [], None
    for spec in _field(architecture, "layers", "architecture"):
        layer, width = build_layer(spec, width, arrays, dtype)
        layers.append(layer)
        activation = spec.get("activation") if spec["type"] == "Dense" else None
        if activation == "softmax":
            layers.append(Softmax(f"{spec['name']}_softmax"))
        elif activation not in (None, "linear"):
            raise UserError(f"layer {spec['name']}: activation {activation!r} is not supported")
    return Sequential(layers, architecture.get("sequence_length"))


def read_architecture(folder: Path, fields: tuple[str, ...] = ()) -> dict:
    """architecture.json of an export folder, with the named top-level fields required."""
    architecture = read_json(folder / ARCHITECTURE)
    for key in fields:
        _field(architecture, key, str(folder / ARCHITECTURE))
    return architecture


def load(folder: str | Path, dtype=np.float32) -> Sequential | Ensemble:
    """Load `architecture.json` + `weights.npz` from an exported model folder: one model,
    or a seed ensemble (the architecture lists `members`, each with its arrays under
    `<member>/` in the weights)."""
    folder = Path(folder)
    for name in (ARCHITECTURE, WEIGHTS):
        if not (folder / name).is_file():
            raise UserError(f"{folder / name}: not found (is {folder} an exported model folder?)")
    architecture = read_architecture(folder)
    with np.load(folder / WEIGHTS) as arrays:
        arrays = dict(arrays)
    if "members" not in architecture:
        return from_export(architecture, arrays, dtype)
    members = []
    for member in architecture["members"]:
        prefix = f"{member}/"
        own = {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}
        if not own:
            raise UserError(f"{folder / WEIGHTS}: no arrays for member {member!r}")
        members.append(from_export(architecture, own, dtype))
    return Ensemble(members)
