"""A trial's score: the mean held-out macro F1 over k stratified folds of train + valid
(data.crossval.fold_of), on each data set the search covers (its languages, or the
multilingual one), trained by the NumPy engine. The test split is no input of a search:
nothing here can read it.

A trial reports the running mean after each (fold, data set), folds outermost, so that a
pruner compares trials on the same steps and stops hopeless ones early.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import optuna

from ..data.crossval import fold_of
from ..data.text import Vectorizer, adapt
from ..evaluation.metrics import macro_f1
from ..models.training_config import TrainingConfig
from ..models.training_job import inputs
from ..scratch.train import train
from .space import suggest, training_config


@dataclass(frozen=True)
class Task:
    """A data set a trial is scored on: the texts and labels of train + valid, and the
    sentence each translates (data.nusax.sentence_id: its translations share a fold)."""

    name: str
    texts: list[str]
    labels: np.ndarray
    sentences: np.ndarray


@dataclass(frozen=True)
class Settings:
    """What every trial shares: the space searched (space.space's), k folds (their seed),
    each task's vocabulary size, the n-grams (but their buckets, which are searched), the
    training seed."""

    space: dict
    folds: int
    fold_seed: int
    max_tokens: dict[str, int]
    sequence_length: int
    subwords: dict
    seed: int


def fold_score(task: Task, folds: np.ndarray, fold: int, config: TrainingConfig, s: Settings):
    """Macro F1 on fold `fold` of a network trained on the others, whose vocabulary is
    adapted on them only."""
    held_out = folds == fold
    train_texts = [t for t, out in zip(task.texts, held_out, strict=True) if not out]
    valid_texts = [t for t, out in zip(task.texts, held_out, strict=True) if out]
    vocabulary = adapt(train_texts, s.max_tokens[task.name])
    vectorize = Vectorizer(vocabulary, s.sequence_length, "post", config.subwords)
    arrays = {
        "x_train": vectorize(train_texts),
        "x_valid": vectorize(valid_texts),
        "x_test": vectorize([]),
        "y_train": task.labels[~held_out],
        "y_valid": task.labels[held_out],
        "y_test": task.labels[:0],
    }
    data = inputs(arrays, len(vocabulary), config)
    probs = train(config, data, s.seed).probs
    return macro_f1(task.labels[held_out], probs.argmax(axis=1))


def objective(tasks: list[Task], settings: Settings):
    """The function a study optimises: a trial's mean score over folds and tasks."""
    folds = {
        task.name: fold_of(task.labels, settings.folds, settings.fold_seed, task.sentences)
        for task in tasks
    }

    def score(trial: optuna.Trial) -> float:
        config = training_config(suggest(trial, settings.space), settings.subwords)
        scores = []
        for fold in range(settings.folds):
            for task in tasks:
                scores.append(fold_score(task, folds[task.name], fold, config, settings))
                trial.report(float(np.mean(scores)), len(scores) - 1)
                if trial.should_prune():
                    raise optuna.TrialPruned()
        return float(np.mean(scores))

    return score
