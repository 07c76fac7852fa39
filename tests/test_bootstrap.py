"""Bootstrap intervals and paired tests (evaluation/bootstrap.py), against cases worked by
hand."""

from __future__ import annotations

import numpy as np
import pytest

from nusax_lstm.evaluation.bootstrap import (
    average_ranks,
    interval,
    paired_test,
    pooled_macro_f1,
    ranking_agreement,
    resample_weights,
    resampled_macro_f1,
    study_statistics,
)
from nusax_lstm.evaluation.metrics import macro_f1

Y = np.array([0, 1, 2])
A = np.array([0, 1, 1])  # right, right, wrong
# Three resamples of the three texts: each text once; text 0 twice and text 1;
# text 2 three times.
WEIGHTS = np.array([[1, 1, 1], [2, 1, 0], [0, 0, 3]])


def test_macro_f1_on_resamples_worked_by_hand():
    # Resample 1 (all texts): F1 negative 1, neutral 2/3 (P 1/2, R 1), positive 0 -> 5/9.
    # Resample 2: every drawn text right; positive neither true nor predicted: F1 0
    # (scikit-learn's zero_division=0) -> (1 + 1 + 0) / 3.
    # Resample 3: three positives predicted neutral: every F1 0.
    got = resampled_macro_f1(Y, A, WEIGHTS)
    assert got == pytest.approx([5 / 9, 2 / 3, 0])


def test_the_resample_that_draws_every_text_once_is_the_plain_macro_f1():
    rng = np.random.default_rng(0)
    y, pred = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    assert resampled_macro_f1(y, pred, np.ones((1, 50)))[0] == pytest.approx(macro_f1(y, pred))


def test_seeds_pool_as_the_mean_of_their_scores():
    b = np.array([0, 0, 2])
    # b on resample 1: negative P 1/2 R 1 -> 2/3, neutral 0, positive 1 -> 5/9
    # b on resample 2 (texts 0, 0, 1): negative P 2/3 R 1 -> 4/5, neutral 0, positive 0 -> 4/15
    # b on resample 3 (text 2 three times): positive right: 1 -> 1/3
    assert resampled_macro_f1(Y, b, WEIGHTS) == pytest.approx([5 / 9, 4 / 15, 1 / 3])
    pooled = pooled_macro_f1(Y, np.stack([A, b]), WEIGHTS)
    assert pooled == pytest.approx([5 / 9, (2 / 3 + 4 / 15) / 2, 1 / 6])


def test_percentile_interval_worked_by_hand():
    # sorted 0, 5/9, 2/3: the 2.5th percentile lies 0.05 of the way from the first to the
    # second, the 97.5th 0.95 of the way from the second to the third
    low, high = interval(np.array([5 / 9, 2 / 3, 0]), 0.95)
    assert low == pytest.approx(0.05 * 5 / 9)
    assert high == pytest.approx(5 / 9 + 0.95 * (2 / 3 - 5 / 9))


def test_paired_test_worked_by_hand():
    # Differences on 4 resamples: 0.1, 0.3, -0.1, 0.1, observed 0.1: |d - 0.1| = 0, 0.2,
    # 0.2, 0 -> two at least 0.1 away: p = (1 + 2) / (1 + 4).
    a, b = np.array([0.6, 0.8, 0.4, 0.5]), np.array([0.5, 0.5, 0.5, 0.4])
    got = paired_test(a, b, 0.1, 0.5)
    assert got["p"] == pytest.approx(3 / 5)
    assert got["difference"] == 0.1
    assert got["interval"] == pytest.approx(list(np.percentile(a - b, [25, 75])))


def test_resamples_are_seeded_draws_of_n_texts():
    w = resample_weights(7, 40, seed=3)
    assert w.shape == (40, 7) and (w.sum(axis=1) == 7).all()
    assert np.array_equal(w, resample_weights(7, 40, seed=3))
    assert not np.array_equal(w, resample_weights(7, 40, seed=4))


def wrong_on(y: np.ndarray, texts: np.ndarray) -> np.ndarray:
    """Predictions right except on `texts`."""
    pred = y.copy()
    pred[texts] = (y[texts] + 1) % 3
    return pred


@pytest.mark.parametrize("case", ["identical", "errors elsewhere", "half wrong"])
def test_the_paired_test_finds_a_real_difference_and_no_false_one(case):
    """400 texts; model A errs on texts 0-39. B: the same predictions (p = 1), as many
    errors on other texts (no difference: p well above 0.05), or errs on half the texts
    (p at its floor 1 / (R + 1))."""
    y = np.random.default_rng(1).integers(0, 3, 400)
    a = wrong_on(y, np.arange(40))
    b = {
        "identical": a,
        "errors elsewhere": wrong_on(y, np.arange(40, 80)),
        "half wrong": wrong_on(y, np.arange(0, 400, 2)),
    }[case]
    result = study_statistics(
        y,
        predictions={"a": a[None], "b": b[None]},
        validation={"a": 0.9, "b": 0.8},
        experiments={"e": {"A": "a", "B": "b"}},
        baselines={"base": {"val_macro_f1": 0.5, "test_predictions": b.tolist()}},
        selected="a",
        settings={"resamples": 999, "confidence": 0.95, "seed": 0},
    )
    (test,) = result["experiments"]["e"]
    assert (test["model"], test["against"]) == ("a", "b")
    if case == "identical":
        assert test["p"] == 1 and test["interval"] == [0, 0] and test["difference"] == 0
    elif case == "errors elsewhere":
        assert test["p"] > 0.2 and test["interval"][0] < 0 < test["interval"][1]
    else:
        assert test["p"] == pytest.approx(1 / 1000) and test["interval"][0] > 0
    assert result["selected_vs_baseline"] | {"against": "b"} == test  # same predictions
    low, high = result["models"]["a"]["interval"]
    score = result["models"]["a"]["test_macro_f1"]
    assert score == pytest.approx(macro_f1(y, a)) and low < score < high


def test_each_experiment_tests_its_best_on_validation_against_the_others():
    y = np.array([0, 1, 2, 0, 1, 2])
    result = study_statistics(
        y,
        predictions={"a": y[None], "b": y[None], "c": y[None]},
        validation={"a": 0.5, "b": 0.7, "c": 0.6},  # b best on validation
        experiments={"e": {"A": "a", "B": "b", "C": "c"}},
        baselines={
            "x": {"val_macro_f1": 0.1, "test_predictions": y.tolist()},
            "z": {"val_macro_f1": 0.2, "test_predictions": y.tolist()},
        },
        selected="b",
        settings={"resamples": 100, "confidence": 0.95, "seed": 0},
    )
    assert [(t["model"], t["against"]) for t in result["experiments"]["e"]] == [
        ("b", "a"),
        ("b", "c"),
    ]
    assert result["selected_vs_baseline"]["against"] == "z"  # best baseline on validation
    assert set(result["models"]) == {"a", "b", "c", "x", "z"}


def test_average_ranks_share_ties():
    assert average_ranks(np.array([0.5, 0.7, 0.5, 0.9])).tolist() == [1.5, 3, 1.5, 4]


def test_ranking_agreement_worked_by_hand():
    # seed 1: the same order on both splits (rho 1), best agrees; seed 2: reversed
    # (rho -1), the best on validation is the worst on test
    val = np.array([[0.6, 0.7, 0.8], [0.6, 0.7, 0.8]])
    test = np.array([[0.5, 0.6, 0.9], [0.9, 0.6, 0.5]])
    got = ranking_agreement(val, test)
    assert got["spearman"] == pytest.approx([1, -1])
    assert got["mean_spearman"] == pytest.approx(0)
    assert got["same_best"] == [True, False]
