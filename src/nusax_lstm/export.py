"""The chosen model's export folder, from its training's files: no Keras needed."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from . import UserError
from .fileio import atomic_path, read_json, write_json
from .text import write_vocabulary


def export_run(run: dict, vocabulary: list[str], meta: dict, out: dict) -> None:
    """Copy a run's files into an export folder, with its vocabulary and what was chosen.

    `run` holds the paths of the training's model (model.keras), weights (weights.npz)
    and architecture (architecture.json); `meta` goes into the architecture as it is; `out`
    holds the paths keras_weights (the Keras weights file inside model.keras), weights,
    architecture and vocabulary.
    """
    architecture = read_json(run["architecture"])
    embedding = architecture["layers"][0]
    if embedding["type"] != "Embedding" or embedding["input_dim"] != len(vocabulary):
        raise UserError(
            f"{run['architecture']}: the embedding does not match the "
            f"{len(vocabulary)}-token vocabulary"
        )
    with zipfile.ZipFile(run["model"]) as archive, atomic_path(out["keras_weights"]) as tmp:
        tmp.write_bytes(archive.read("model.weights.h5"))
    with atomic_path(out["weights"]) as tmp:
        shutil.copyfile(run["weights"], tmp)
    write_vocabulary(out["vocabulary"], vocabulary)
    fields = {"vocabulary": Path(out["vocabulary"]).name}
    write_json(out["architecture"], {"format": 1, **meta, **fields} | architecture)
