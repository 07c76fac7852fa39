"""Accuracy, macro F1 and the confusion matrix (evaluation/metrics.py) against
scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from nusax_lstm.evaluation.metrics import evaluate


@pytest.mark.parametrize("seed", range(5))
def test_metrics_agree_with_scikit_learn(seed):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    y_true = rng.integers(0, 3, n)
    probs = rng.dirichlet(np.ones(3) * (0.2 if seed == 4 else 1.0), n)
    if seed == 3:
        probs[:, 1] = 0  # a class never predicted: zero division
    ours = evaluate(y_true, probs)
    y_pred = probs.argmax(axis=1)
    assert ours["macro_f1"] == pytest.approx(
        sklearn_metrics.f1_score(y_true, y_pred, average="macro", labels=[0, 1, 2], zero_division=0)
    )
    assert ours["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(y_true, y_pred))
    assert (
        ours["confusion_matrix"]
        == sklearn_metrics.confusion_matrix(y_true, y_pred, labels=[0, 1, 2]).tolist()
    )
    precision = sklearn_metrics.precision_score(
        y_true, y_pred, average=None, labels=[0, 1, 2], zero_division=0
    )
    assert [c["precision"] for c in ours["per_class"].values()] == pytest.approx(precision)
