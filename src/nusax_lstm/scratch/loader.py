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
from ..data.text import PADDINGS, Vectorizer, read_vocabulary
from .ensemble import Ensemble
from .layers import WEIGHTS, build_layers, read_layers
from .layers.base import ARCHITECTURE, Positive, field, under
from .model import Sequential


def from_export(architecture: dict, arrays, dtype=np.float32) -> Sequential:
    """Build the model from an architecture dict and a mapping of named arrays, both
    checked (layers.read_layers, layers.build_layers)."""
    layers = build_layers(read_layers(architecture), arrays, dtype)
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
    for member in field(architecture, "members", list, "architecture"):
        own = under(arrays, member)
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
class ExportFolder:
    """An export folder, checked as a whole: the model, its labels and its vectorizer."""

    model: Sequential | Ensemble
    labels: list[str]
    vectorizer: Vectorizer
    architecture: dict
    members: list[dict]  # each member's arrays (one, or a seed ensemble's)


def load_export(folder: str | Path) -> ExportFolder:
    """Load and check every file an export folder holds, before any text is read."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: model folder not found")
    architecture, members, model = read_model(folder)
    where = str(folder / ARCHITECTURE)

    def top(key: str, kind):
        try:
            return field(architecture, key, kind, "top level")
        except UserError as err:
            raise UserError(f"{where}{str(err).removeprefix(ARCHITECTURE)}") from None

    length = top("sequence_length", Positive)
    padding = top("padding", str)
    if padding not in PADDINGS:
        raise UserError(f"{where}: padding {padding!r} is not one of {list(PADDINGS)}")
    labels = top("labels", list)
    classes = architecture["layers"][-1].get("units")
    if not all(isinstance(x, str) for x in labels) or len(labels) != classes:
        raise UserError(f"{where}: labels {labels!r}: expected {classes} names, one per class")
    name = top("vocabulary", str)
    path = folder / name
    if Path(name).name != name or not path.is_file():
        raise UserError(f"{path}: vocabulary file not found")
    vocabulary = read_vocabulary(path)
    first = read_layers(architecture)[0]
    if len(vocabulary) != first.input_dim:
        raise UserError(f"{path}: {len(vocabulary)} tokens, the embedding has {first.input_dim}")
    # inputs as the input layer reads them: word ids, or with them their n-grams
    vectorizer = Vectorizer(vocabulary, length, padding, getattr(first, "subwords", None))
    return ExportFolder(model, labels, vectorizer, architecture, members)
