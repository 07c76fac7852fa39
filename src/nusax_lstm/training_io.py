"""What every training backend shares: a job's arguments, its inputs, cut where that is
exact, and the files a training writes (see workflow/rules/train.smk)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import SPLITS
from .fileio import save_npy, save_npz, write_json
from .text import pad, read_vocabulary, trim


def inputs(sequences: dict, model: dict, train: dict) -> tuple[dict, int, bool]:
    """The ids a training reads: `train`, and `evaluation` (valid, then test), padded as
    the config says; the padded length; and whether trailing padding was cut (only where
    it is masked: unmasked models read all of it)."""
    padded = {split: pad(sequences[f"x_{split}"], model["padding"]) for split in SPLITS}
    x = {
        "train": padded["train"],
        "evaluation": np.concatenate([padded["valid"], padded["test"]]),
    }
    trimmed = train["trim_padding"] and model["mask_zero"] and model["padding"] == "post"
    if trimmed:
        x = {name: trim(ids) for name, ids in x.items()}
    return x, padded["train"].shape[1], trimmed


def fit_data(x: dict, sequences: dict) -> dict[str, np.ndarray]:
    """What a training fits on, from inputs()'s ids: x_train, y_train, and the validation
    split it scores after each epoch, x_valid, y_valid."""
    n_valid = len(sequences["y_valid"])
    return {
        "x_train": x["train"],
        "y_train": sequences["y_train"],
        "x_valid": x["evaluation"][:n_valid],
        "y_valid": sequences["y_valid"],
    }


def save_run(
    out: dict,
    history: dict,
    epoch_kept: int,
    probs: np.ndarray,
    n_valid: int,
    info: dict,
    model: dict,
    steps: int,
) -> None:
    """A training's probabilities (valid, then test, in `probs`), history and info.json."""
    save_npy(out["probs_valid"], probs[:n_valid])
    save_npy(out["probs_test"], probs[n_valid:])
    write_json(out["history"], history)
    info = info | {
        "sequence_length": steps,
        "epochs_trained": len(history["loss"]),
        "epoch_kept": epoch_kept,
        **model,
    }
    write_json(out["info"], info)


def save_export(arrays: dict[str, np.ndarray], architecture: dict, out: dict) -> None:
    """The framework-free form of a model: out["weights"] (weights.npz: `layer/array`
    keys) and out["architecture"] (architecture.json: export.architecture's dict)."""
    save_npz(out["weights"], **arrays)
    write_json(out["architecture"], architecture)


def job(snakemake: Any) -> dict:
    """A training job's arguments from its Snakemake job: the sequences, vocabulary size,
    model and train params, seed, threads and output paths."""
    with np.load(snakemake.input.sequences) as data:
        sequences = dict(data)
    return {
        "sequences": sequences,
        "vocab_size": len(read_vocabulary(snakemake.input.vocabulary)),
        "model": snakemake.params.model,
        "train": snakemake.params.train,
        "seed": int(snakemake.wildcards.seed),
        "out": snakemake.output,
    }
