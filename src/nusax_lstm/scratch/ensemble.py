"""A seed ensemble in the scratch engine: several models of one architecture, their class
probabilities averaged as the pipeline averages Keras's (evaluation/seed_ensembles.py)."""

from __future__ import annotations

import numpy as np

from ..evaluation.seed_ensembles import average
from .model import Sequential


class Ensemble:
    """Members (Sequential models, one per seed) -> the mean of their probabilities."""

    def __init__(self, members: list[Sequential]):
        self.members = members

    def predict_proba(
        self, ids: np.ndarray, batch_size: int | None = None, threads: int | None = None
    ) -> np.ndarray:
        return average([m.predict_proba(ids, batch_size, threads) for m in self.members])

    def predict(
        self, ids: np.ndarray, batch_size: int | None = None, threads: int | None = None
    ) -> np.ndarray:
        return self.predict_proba(ids, batch_size, threads).argmax(axis=-1)

    def count_params(self) -> int:
        return sum(m.count_params() for m in self.members)

    def summary(self) -> str:
        return (
            f"Seed ensemble of {len(self.members)} members, probabilities averaged; each:\n"
            + self.members[0].summary()
        )
