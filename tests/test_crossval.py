"""Cross-validated selection (nusax_lstm.data.crossval): stratified folds, and the scores
against cases worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nusax_lstm import UserError
from nusax_lstm.data.crossval import cv_scores, fold_of
from nusax_lstm.data.multilingual import sentence_id

LABELS = np.array([0] * 7 + [1] * 5 + [2] * 9)


@pytest.mark.parametrize("folds", [2, 3, 5])
def test_folds_partition_the_texts_with_every_class_in_every_fold(folds):
    assignment = fold_of(LABELS, folds, seed=0)
    sizes = np.bincount(assignment, minlength=folds)
    assert len(sizes) == folds and sizes.max() - sizes.min() <= 1
    for label in range(3):
        per_fold = np.bincount(assignment[LABELS == label], minlength=folds)
        assert per_fold.max() - per_fold.min() <= 1, label
    assert np.array_equal(assignment, fold_of(LABELS, folds, seed=0))
    assert not np.array_equal(assignment, fold_of(LABELS, folds, seed=1))


@pytest.mark.parametrize("folds", [2, 3])
def test_a_sentences_translations_share_a_fold_and_single_texts_deal_as_before(folds):
    """The multilingual data: each sentence in three languages, rows language by language
    (as download_multilingual writes them), ids `<language>-<sentence>`."""
    rows = [f"{lang}-{k}" for lang in ("ace", "ind", "jav") for k in range(len(LABELS))]
    sentences = np.array([sentence_id(row) for row in rows])
    labels = np.tile(LABELS, 3)
    assignment = fold_of(labels, folds, seed=0, groups=sentences)
    assert (assignment.reshape(3, -1) == assignment[: len(LABELS)]).all()
    assert np.array_equal(assignment[: len(LABELS)], fold_of(LABELS, folds, seed=0))
    unique = np.arange(len(LABELS)).astype(str)
    assert np.array_equal(fold_of(LABELS, folds, 0, unique), fold_of(LABELS, folds, 0))


def test_more_folds_than_a_class_has_texts_is_a_clear_error():
    with pytest.raises(UserError, match="6 folds, but a class has only 5 texts"):
        fold_of(LABELS, 6, seed=0)


def one_hot(predicted: list[int]) -> np.ndarray:
    return np.eye(3, dtype="float32")[predicted]


def test_scores_are_means_over_folds_then_seeds_and_ensembles_average_within_folds():
    labels = [np.array([0, 1, 2]), np.array([2, 1, 0])]  # held out by folds 0 and 1
    seed_a = [one_hot([0, 1, 2]), one_hot([2, 1, 0])]  # both folds right: F1 1, 1
    # Seed b, less sure (0.6 on its class): fold 0 predicts [0, 0, 2], class F1 2/3, 0,
    # 1 -> 5/9; fold 1 [0, 0, 0], class F1 1/2, 0, 0 -> 1/6.
    seed_b = [0.2 + 0.4 * one_hot([0, 0, 2]), 0.2 + 0.4 * one_hot([0, 0, 0])]
    scores = cv_scores(labels, {"m": {1: seed_a, 2: seed_b}}, "-ensemble")
    assert scores["m"]["seeds"][1]["folds"] == pytest.approx([1, 1])
    assert scores["m"]["seeds"][2]["folds"] == pytest.approx([5 / 9, 1 / 6])
    assert scores["m"]["cv_macro_f1"] == pytest.approx((1 + (5 / 9 + 1 / 6) / 2) / 2)
    # averaged within each fold, seed a's sure votes (1 against 0.2) win every row
    assert scores["m-ensemble"]["folds"] == pytest.approx([1, 1])
    assert "m-ensemble" not in cv_scores(labels, {"m": {1: seed_a}}, "-ensemble")
