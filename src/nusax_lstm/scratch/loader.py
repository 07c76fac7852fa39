"""The export format (architecture.json + weights.npz + vocabulary.txt) read into a scratch
model. The folder is checked as a whole before any text is read: every file exists and
parses, every field has its type, every array its shape, and the vocabulary fits the
embedding. Each fault is one UserError naming the file."""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import UserError
from ..text import Vectorizer, read_vocabulary
from .ensemble import Ensemble
from .layers import LSTM, Bidirectional, Dense, Dropout, Embedding, Softmax
from .model import Sequential
from .reference import MERGE

ARCHITECTURE = "architecture.json"
WEIGHTS = "weights.npz"
PADDINGS = ("post", "pre")


def _array(arrays, key: str, shape: tuple, layer: str, dtype) -> np.ndarray:
    """The array `key`, checked for presence, shape, a numeric type and finiteness."""
    where = f"{WEIGHTS}: layer {layer}: array {key!r}"
    if key not in arrays:
        raise UserError(f"{WEIGHTS}: layer {layer}: array {key!r} missing from the weights")
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


KINDS = {  # a field's expected kind: (check, what the message calls it)
    "int": (lambda v: type(v) is int and v >= 1, "a whole number >= 1"),
    "bool": (lambda v: type(v) is bool, "true or false"),
    "str": (lambda v: isinstance(v, str) and v != "", "a non-empty string"),
    "rate": (lambda v: type(v) in (int, float) and 0 <= v < 1, "a number in [0, 1)"),
    "list": (lambda v: isinstance(v, list) and len(v) > 0, "a non-empty list"),
    "dict": (lambda v: isinstance(v, dict), "an object"),
}


def _field(spec, key: str, where: str, kind: str | None = None):
    """spec[key], required, and of `kind` (a KINDS key) where one is named."""
    if not isinstance(spec, dict):
        raise UserError(f"{ARCHITECTURE}: {where}: expected an object, got {type(spec).__name__}")
    if key not in spec:
        raise UserError(f"{ARCHITECTURE}: {where}: field {key!r} missing")
    value = spec[key]
    if kind is not None and not KINDS[kind][0](value):
        raise UserError(
            f"{ARCHITECTURE}: {where}: field {key!r} is {value!r}, expected {KINDS[kind][1]}"
        )
    return value


def _lstm(spec, prefix, d_in, arrays, dtype) -> LSTM:
    where = f"layer {prefix}"
    units = _field(spec, "units", where, "int")
    for key, expected in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
        if _field(spec, key, where) != expected:
            raise UserError(
                f"{ARCHITECTURE}: {where}: {key} {spec[key]!r} is not supported (only {expected!r})"
            )
    shapes = {
        "kernel": (d_in, 4 * units),
        "recurrent_kernel": (units, 4 * units),
        "bias": (4 * units,),
    }
    weights = {k: _array(arrays, f"{prefix}/{k}", s, prefix, dtype) for k, s in shapes.items()}
    sequences = _field(spec, "return_sequences", where, "bool")
    return LSTM(**weights, return_sequences=sequences, name=prefix)


def build_layer(spec: dict, d_in: int | None, arrays, dtype) -> tuple[object, int | None]:
    """One scratch layer from its architecture entry; returns it and its output width."""
    name = _field(spec, "name", "layer", "str")
    where = f"layer {name}"
    kind = _field(spec, "type", where, "str")
    if (kind == "Embedding") != (d_in is None):
        raise UserError(f"{ARCHITECTURE}: {where}: an Embedding comes first, and only there")
    if kind == "Embedding":
        shape = (_field(spec, "input_dim", where, "int"), _field(spec, "output_dim", where, "int"))
        table = _array(arrays, f"{name}/embeddings", shape, name, dtype)
        return Embedding(table, _field(spec, "mask_zero", where, "bool"), name), shape[1]
    if kind == "LSTM":
        layer = _lstm(spec, name, d_in, arrays, dtype)
        return layer, layer.units
    if kind == "Bidirectional":
        sides = [
            _lstm(_field(spec, side, where, "dict"), f"{name}/{side}", d_in, arrays, dtype)
            for side in ("forward", "backward")
        ]
        merge = _field(spec, "merge_mode", where)
        if merge not in MERGE:
            raise UserError(f"{ARCHITECTURE}: {where}: merge_mode {merge!r} not in {sorted(MERGE)}")
        return Bidirectional(*sides, merge, name), sides[0].units * (2 if merge == "concat" else 1)
    if kind == "Dropout":
        return Dropout(_field(spec, "rate", where, "rate"), name), d_in
    if kind == "Dense":
        units = _field(spec, "units", where, "int")
        kernel = _array(arrays, f"{name}/kernel", (d_in, units), name, dtype)
        return Dense(kernel, _array(arrays, f"{name}/bias", (units,), name, dtype), name), units
    raise UserError(f"{ARCHITECTURE}: {where}: unsupported layer type {kind!r}")


def from_export(architecture: dict, arrays, dtype=np.float32) -> Sequential:
    """Build the model from an architecture dict and a mapping of named arrays."""
    layers, width = [], None
    for spec in _field(architecture, "layers", "architecture", "list"):
        layer, width = build_layer(spec, width, arrays, dtype)
        layers.append(layer)
        activation = spec.get("activation") if spec["type"] == "Dense" else None
        if activation == "softmax":
            layers.append(Softmax(f"{spec['name']}_softmax"))
        elif activation not in (None, "linear"):
            raise UserError(
                f"{ARCHITECTURE}: layer {spec['name']}: activation {activation!r} is not supported"
            )
    return Sequential(layers, architecture.get("sequence_length"))


def read_architecture(path: Path) -> dict:
    """An architecture.json's object, or one UserError saying why it is none."""
    try:
        architecture = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: bytes that are not UTF-8") from None
    except json.JSONDecodeError as err:
        raise UserError(f"{path}: not valid JSON (line {err.lineno}: {err.msg})") from None
    if not isinstance(architecture, dict):
        raise UserError(f"{path}: expected a JSON object, got {type(architecture).__name__}")
    return architecture


def read_weights(path: Path) -> dict[str, np.ndarray]:
    """Every array of a weights.npz, or one UserError for a damaged archive."""
    if not zipfile.is_zipfile(path):  # np.load would take other bytes for a pickle
        raise UserError(f"{path}: not a weights archive (no zip structure: truncated or garbled?)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise UserError(f"{path}: not a readable weights archive ({err})") from None


def member_arrays(architecture: dict, arrays: dict) -> list[dict]:
    """Each member's arrays: the model's own, or a seed ensemble's (the architecture lists
    `members`, each with its arrays under `<member>/` in the weights)."""
    if "members" not in architecture:
        return [arrays]
    members = []
    for member in _field(architecture, "members", "architecture", "list"):
        prefix = f"{member}/"
        own = {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}
        if not own:
            raise UserError(f"{WEIGHTS}: no arrays for member {member!r}")
        members.append(own)
    return members


def read_model(folder: Path, dtype=np.float32) -> tuple[dict, list[dict], Sequential | Ensemble]:
    """An exported folder's architecture, each member's arrays, and its model (one, or a
    seed ensemble), every array checked against the architecture; errors name the file."""
    for name in (ARCHITECTURE, WEIGHTS):
        if not (folder / name).is_file():
            raise UserError(f"{folder / name}: not found (is {folder} an exported model folder?)")
    architecture = read_architecture(folder / ARCHITECTURE)
    arrays = read_weights(folder / WEIGHTS)
    try:
        members = member_arrays(architecture, arrays)
        models = [from_export(architecture, own, dtype) for own in members]
    except UserError as err:  # messages start with the file's name: give its folder too
        raise UserError(f"{folder}/{err}") from None
    return architecture, members, models[0] if "members" not in architecture else Ensemble(models)


def load(folder: str | Path, dtype=np.float32) -> Sequential | Ensemble:
    """The model of an exported folder (architecture.json + weights.npz), checked."""
    return read_model(Path(folder), dtype)[2]


@dataclass
class Export:
    """An export folder, checked as a whole: the model, its labels and its vectorizer."""

    model: Sequential | Ensemble
    labels: list[str]
    vectorizer: Vectorizer
    architecture: dict
    members: list[dict]  # each member's arrays (one, or a seed ensemble's)


def load_export(folder: str | Path) -> Export:
    """Load and check every file an export folder holds, before any text is read."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: model folder not found")
    architecture, members, model = read_model(folder)
    where = str(folder / ARCHITECTURE)

    def field(key: str, kind: str):
        try:
            return _field(architecture, key, "top level", kind)
        except UserError as err:
            raise UserError(f"{where}{str(err).removeprefix(ARCHITECTURE)}") from None

    length = field("sequence_length", "int")
    padding = field("padding", "str")
    if padding not in PADDINGS:
        raise UserError(f"{where}: padding {padding!r} is not one of {list(PADDINGS)}")
    labels = field("labels", "list")
    classes = architecture["layers"][-1].get("units")
    if not all(isinstance(x, str) for x in labels) or len(labels) != classes:
        raise UserError(f"{where}: labels {labels!r}: expected {classes} names, one per class")
    name = field("vocabulary", "str")
    path = folder / name
    if Path(name).name != name or not path.is_file():
        raise UserError(f"{path}: vocabulary file not found")
    vocabulary = read_vocabulary(path)
    embedded = architecture["layers"][0]["input_dim"]
    if len(vocabulary) != embedded:
        raise UserError(f"{path}: {len(vocabulary)} tokens, the embedding has {embedded}")
    vectorizer = Vectorizer(vocabulary, length, padding)
    return Export(model, labels, vectorizer, architecture, members)
