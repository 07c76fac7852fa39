"""The chosen model's export folder, from its training's files: no Keras needed.

A model is one trained run, or a seed ensemble: several runs of one config whose class
probabilities are averaged. An ensemble's weights.npz holds each member's arrays under
`<member>/`, and its architecture.json lists the members.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np

from .. import UserError
from ..data.text import write_vocabulary
from ..fileio import atomic_path, read_json, save_npz, write_json


def export_model(runs: dict[str, dict], vocabulary: list[str], meta: dict, out: dict) -> None:
    """Copy the runs' files into an export folder, with the vocabulary and what was chosen.

    `runs` maps member names (seed42, ...) to the paths of a training's model
    (model.keras), weights (weights.npz) and architecture (architecture.json): one run,
    or the members of a seed ensemble, which must share one architecture. `meta` goes
    into the architecture as it is; `out` holds the paths keras (a folder: each member's
    Keras weights file, `<member>.weights.h5`, taken out of its model.keras), weights,
    architecture and vocabulary.
    """
    architectures = {name: read_json(run["architecture"]) for name, run in runs.items()}
    architecture = next(iter(architectures.values()))
    for name, other in architectures.items():
        if other != architecture:
            raise UserError(f"{runs[name]['architecture']}: differs from the other members'")
    embedding = architecture["layers"][0]
    if embedding.get("input_dim") != len(vocabulary):
        raise UserError(
            f"{next(iter(runs.values()))['architecture']}: the embedding does not match the "
            f"{len(vocabulary)}-token vocabulary"
        )
    keras = Path(out["keras"])
    keras.mkdir(parents=True, exist_ok=True)
    for name, run in runs.items():
        with zipfile.ZipFile(run["model"]) as archive:
            with atomic_path(keras / f"{name}.weights.h5") as tmp:
                tmp.write_bytes(archive.read("model.weights.h5"))
    members = {}
    if len(runs) == 1:
        with atomic_path(out["weights"]) as tmp:
            shutil.copyfile(next(iter(runs.values()))["weights"], tmp)
    else:
        arrays = {}
        for name, run in runs.items():
            with np.load(run["weights"]) as weights:
                arrays |= {f"{name}/{key}": weights[key] for key in weights.files}
        save_npz(out["weights"], **arrays)
        members = {"members": list(runs)}
    write_vocabulary(out["vocabulary"], vocabulary)
    fields = {"vocabulary": Path(out["vocabulary"]).name}
    write_json(out["architecture"], {"format": 1, **meta, **fields} | architecture | members)
