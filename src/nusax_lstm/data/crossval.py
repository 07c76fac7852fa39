"""k-fold cross-validation for the selection score (`selection.cv_folds`): the training and
validation texts pooled and cut into k stratified folds; each fold is held out once while
the others train. The test split never enters."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import LABELS, UserError
from ..evaluation.metrics import macro_f1
from ..evaluation.seed_ensembles import average
from .multilingual import sentence_id
from .nusax import parse_csv


def pooled(paths: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Splits' rows together (train and valid): their texts, labels [N] and the sentence
    each translates [N] (its fold's group)."""
    rows = [row for path in paths for row in parse_csv(Path(path).read_bytes(), str(path))]
    labels = np.array([LABELS.index(label) for _, _, label in rows])
    sentences = np.array([sentence_id(row_id) for row_id, _, _ in rows])
    return [text for _, text, _ in rows], labels, sentences


def fold_of(
    labels: np.ndarray, folds: int, seed: int, groups: np.ndarray | None = None
) -> np.ndarray:
    """The fold (0 .. folds-1) of each text [N]: every class's texts shuffled (seeded) and
    dealt round robin, so each fold has its share of every class (stratified).

    `groups` [N]: texts of one group share a fold (a sentence's translations in the
    multilingual data: one in training and another held out would leak its label); the
    groups, in the order they first appear, are dealt as texts are, by their first text's
    label. Groups of one text each deal exactly as no groups."""
    labels = np.asarray(labels)
    if groups is not None:
        _, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
        seen = np.argsort(first)  # the groups in the order they first appear
        rank = np.empty_like(seen)
        rank[seen] = np.arange(len(seen))
        return fold_of(labels[first[seen]], folds, seed)[rank[inverse]]
    counts = np.bincount(labels)
    if counts[counts > 0].min() < folds:
        raise UserError(
            f"selection.cv_folds: {folds} folds, but a class has only "
            f"{counts[counts > 0].min()} texts in train + valid"
        )
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(labels), dtype=np.int64)
    dealt = 0  # continue the deal across classes, so fold sizes differ by at most one
    for label in np.flatnonzero(counts):
        rows = rng.permutation(np.flatnonzero(labels == label))
        assignment[rows] = (dealt + np.arange(len(rows))) % folds
        dealt += len(rows)
    return assignment


def cv_macro_f1(labels: list[np.ndarray], probs: list[np.ndarray]) -> dict:
    """The mean macro F1 over folds of one model, from each fold's held-out labels [N_k]
    and predicted probabilities [N_k, C]; and each fold's."""
    per_fold = [macro_f1(y, p.argmax(axis=1)) for y, p in zip(labels, probs, strict=True)]
    return {"cv_macro_f1": float(np.mean(per_fold)), "folds": per_fold}


def cv_scores(
    labels: list[np.ndarray], probs: dict[str, dict[int, list[np.ndarray]]], ensemble: str
) -> dict[str, dict]:
    """Every model's cross-validated score. `labels`: per fold, the held-out labels;
    `probs`: config id -> seed -> per fold, that run's held-out probabilities. A config's
    score is the mean over its seeds (`seeds` holds each); with two seeds or more, its
    seed ensemble (id + `ensemble`) averages the seeds' probabilities within each fold."""
    scores = {}
    for config_id, runs in probs.items():
        seeds = {seed: cv_macro_f1(labels, folds) for seed, folds in runs.items()}
        mean = float(np.mean([s["cv_macro_f1"] for s in seeds.values()]))
        scores[config_id] = {"cv_macro_f1": mean, "seeds": seeds}
        if len(runs) > 1:
            averaged = [average(list(fold)) for fold in zip(*runs.values(), strict=True)]
            scores[config_id + ensemble] = cv_macro_f1(labels, averaged)
    return scores
