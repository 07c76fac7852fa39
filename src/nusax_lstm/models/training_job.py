"""The training job, whatever the engine: its inputs (cut where that is exact), one
engine's `train`, and the files a training leaves (see workflow/rules/train.smk)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import SPLITS
from ..data.text import pad, read_vocabulary, trim
from ..fileio import atomic_path, save_npy, save_npz, write_json
from .training_config import TrainingConfig


@dataclass(frozen=True)
class Inputs:
    """What a training reads. `x`: the ids of `train`, and of `evaluation` (valid, then
    test), padded as the config says and cut after the longest text where `trimmed`;
    `steps`: the padded length."""

    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    vocab_size: int
    steps: int
    trimmed: bool

    @property
    def n_valid(self) -> int:
        return len(self.y["valid"])

    def fit_data(self) -> dict[str, np.ndarray]:
        """x_train, y_train, and the validation split scored after each epoch."""
        return {
            "x_train": self.x["train"],
            "y_train": self.y["train"],
            "x_valid": self.x["evaluation"][: self.n_valid],
            "y_valid": self.y["valid"],
        }


def inputs(sequences: dict, vocab_size: int, config: TrainingConfig) -> Inputs:
    """A training's Inputs from sequences.npz's arrays: trailing padding is cut only where
    it is masked (unmasked models read all of it) and train.trim_padding says so."""
    padded = {split: pad(sequences[f"x_{split}"], config.padding) for split in SPLITS}
    x = {
        "train": padded["train"],
        "evaluation": np.concatenate([padded["valid"], padded["test"]]),
    }
    trimmed = config.trim_padding and config.mask_zero and config.padding == "post"
    if trimmed:
        x = {name: trim(ids) for name, ids in x.items()}
    y = {split: sequences[f"y_{split}"] for split in SPLITS}
    return Inputs(x, y, vocab_size, padded["train"].shape[1], trimmed)


@dataclass
class Trained:
    """An engine's trained network: its history (Keras's keys), the epoch whose weights
    it holds (1-based), its probabilities on `evaluation`, its framework-free arrays and
    architecture.json, its parameter count, and its Keras model where Keras trained it."""

    history: dict[str, list]
    epoch_kept: int
    probs: np.ndarray
    arrays: dict[str, np.ndarray]
    architecture: dict
    params: int
    keras_model: Any = None


# An engine's training: (config, inputs, seed) -> Trained; it writes no file.
Train = Callable[[TrainingConfig, Inputs, int], Trained]


def train_job(snakemake: Any, train: Train, device: str) -> None:
    """A training rule's job: its params as one TrainingConfig, its inputs, `train` (one
    engine's, running on `device`, in words), then the run's files."""
    with np.load(snakemake.input.sequences) as data:
        sequences = dict(data)
    vocab_size = len(read_vocabulary(snakemake.input.vocabulary))
    model = snakemake.params.model
    config = TrainingConfig.of(model, snakemake.params.train)
    seed = int(snakemake.wildcards.seed)
    data = inputs(sequences, vocab_size, config)
    trained = train(config, data, seed)
    info = {
        "params": trained.params,
        "device": device,
        "seed": seed,
        "sequence_length": data.steps,
        "epochs_trained": len(trained.history["loss"]),
        "epoch_kept": trained.epoch_kept,
        **model,
    }
    save_run(snakemake.output, trained, data.n_valid, info)


def save_run(out: Any, trained: Trained, n_valid: int, info: dict) -> None:
    """A training's files: probabilities (valid, test), history, info.json, the
    framework-free weights.npz and architecture.json, and model.keras where Keras trained
    it (a NumPy training leaves that to the keras_twin rule)."""
    save_npy(out["probs_valid"], trained.probs[:n_valid])
    save_npy(out["probs_test"], trained.probs[n_valid:])
    write_json(out["history"], trained.history)
    write_json(out["info"], info)
    save_export(trained.arrays, trained.architecture, out)
    if trained.keras_model is not None:
        with atomic_path(out["model"]) as tmp:
            trained.keras_model.save(tmp)


def save_export(arrays: dict[str, np.ndarray], architecture: dict, out: dict) -> None:
    """The framework-free form of a model: out["weights"] (weights.npz: `layer/array`
    keys) and out["architecture"] (architecture.json: layers.architecture's dict)."""
    save_npz(out["weights"], **arrays)
    write_json(out["architecture"], architecture)
