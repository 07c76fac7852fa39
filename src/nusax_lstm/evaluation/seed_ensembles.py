"""Seed ensembles: a config's runs as one model, their class probabilities averaged."""

from __future__ import annotations

import numpy as np


def average(probs: list[np.ndarray]) -> np.ndarray:
    """The members' class probabilities [N, C] averaged, in member order (float32 in,
    float32 out: the scratch engine averages its members the same way)."""
    return np.mean(np.stack(probs), axis=0, dtype=probs[0].dtype)


def ensemble_info(infos: list[dict]) -> dict:
    """An ensemble's info from its members': the seeds, their summed parameters."""
    return {
        "seed": None,
        "members": [info["seed"] for info in infos],
        "params": sum(info["params"] for info in infos),
    }
