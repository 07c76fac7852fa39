"""What every training backend shares: its inputs, cut where that is exact, and the files
a training writes (see workflow/rules/train.smk)."""

from __future__ import annotations

import numpy as np

from . import SPLITS
from .fileio import save_npy, save_npz, write_json
from .text import pad, trim


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


def train_numpy_and_save(
    sequences: dict, vocab_size: int, model: dict, train: dict, seed: int, threads: int, out: dict
) -> None:
    """train_and_save's twin on the NumPy engine: a classifier initialised as Keras would,
    trained by scratch.train.fit, saved as a Keras training saves one (no model.keras:
    the keras_twin rule builds it from the weights when something needs it), with BLAS on
    `threads` threads."""
    from .scratch.init import classifier, initial_weights
    from .scratch.model import blas_controller
    from .scratch.train import fit, predict_proba

    x, steps, _ = inputs(sequences, model, train)
    n_valid = len(sequences["y_valid"])
    architecture = classifier(
        vocab_size,
        steps,
        model["units"],
        model["bidirectional"],
        train["embedding_dim"],
        train["dropout"],
        model["mask_zero"],
        model["padding"],
    )
    arrays = initial_weights(architecture, seed)
    data = fit_data(x, sequences)
    with blas_controller().limit(limits=threads, user_api="blas"):
        history, epoch_kept = fit(
            architecture,
            arrays,
            data,
            train["epochs"],
            train["batch_size"],
            train["learning_rate"],
            seed,
            model["early_stopping"],
        )
        probs = predict_proba(architecture, arrays, x["evaluation"])
    info = {"params": sum(a.size for a in arrays.values()), "device": "CPU (NumPy)", "seed": seed}
    save_run(out, history, epoch_kept, probs, n_valid, info, model, steps)
    save_export(arrays, architecture, out)
