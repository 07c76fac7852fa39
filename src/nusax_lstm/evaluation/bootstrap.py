"""How sure the study can be: bootstrap intervals of test macro F1 and paired bootstrap
tests, resampling the test texts.

A resample draws n of the n test texts with replacement; it is stored as weights [R, n],
how often each text was drawn. Every model is scored on the same resamples, so that two
models' scores on one resample are paired (same texts), and a config's seeds are pooled:
its score on a resample is the mean over its seeds.
"""

from __future__ import annotations

import numpy as np

from .. import LABELS
from .metrics import per_class


def resample_weights(n: int, resamples: int, seed: int) -> np.ndarray:
    """[R, n]: how often each of n texts is drawn in each of R resamples."""
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    rows = np.arange(resamples)[:, None] * n
    return np.bincount((rows + draws).ravel(), minlength=resamples * n).reshape(resamples, n)


def resampled_macro_f1(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Macro F1 [R] of predictions y_pred [n] of labels y_true [n] on each resample."""
    classes = len(LABELS)
    cells = np.eye(classes * classes)[np.asarray(y_true) * classes + np.asarray(y_pred)]  # [n, C*C]
    confusions = (weights @ cells).reshape(len(weights), classes, classes)  # [R, C, C]
    return per_class(confusions)[2].mean(axis=-1)


def pooled_macro_f1(y_true: np.ndarray, preds: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean over seeds of the macro F1 [R] of predictions preds [S, n] on each resample."""
    return np.mean([resampled_macro_f1(y_true, p, weights) for p in preds], axis=0)


def interval(samples: np.ndarray, confidence: float) -> list[float]:
    """The percentile interval [low, high] holding `confidence` of the samples."""
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(samples, [tail, 100 - tail])
    return [float(low), float(high)]


def paired_test(a: np.ndarray, b: np.ndarray, observed: float, confidence: float) -> dict:
    """Two-sided paired bootstrap test of A - B: `observed` the difference on the test
    split, a and b [R] the scores on the same resamples. The p-value is the share of
    resampled differences at least |observed| away from `observed` (the resampled
    differences, centred, stand for their spread when there is no difference)."""
    differences = a - b
    beyond = np.count_nonzero(np.abs(differences - observed) >= abs(observed))
    return {
        "difference": float(observed),
        "interval": interval(differences, confidence),
        "p": (1 + beyond) / (1 + len(differences)),
    }


def study_statistics(
    y_true: np.ndarray,
    predictions: dict[str, np.ndarray],
    validation: dict[str, float],
    experiments: dict[str, dict[str, str]],
    baselines: dict[str, dict],
    selected: str,
    settings: dict,
) -> dict:
    """Intervals and paired tests of one language's test split.

    predictions: config id -> test predictions [S, n], one row per seed;
    validation: config id -> mean validation macro F1 (which config of an experiment is
    best, and which baseline, is decided on validation, never on test);
    experiments: experiment -> name -> config id; baselines: name -> val_macro_f1 and
    test_predictions; selected: the selected config id;
    settings: resamples, confidence and seed.
    """
    weights = resample_weights(len(y_true), settings["resamples"], settings["seed"])
    confidence = settings["confidence"]
    models = {cid: np.asarray(p) for cid, p in predictions.items()}
    models |= {name: np.asarray([b["test_predictions"]]) for name, b in baselines.items()}
    resampled = {name: pooled_macro_f1(y_true, p, weights) for name, p in models.items()}
    everyone = np.ones((1, len(y_true)))  # the test split itself: every text drawn once
    observed = {name: float(pooled_macro_f1(y_true, p, everyone)[0]) for name, p in models.items()}

    def test(a: str, b: str) -> dict:
        return {"model": a, "against": b} | paired_test(
            resampled[a], resampled[b], observed[a] - observed[b], confidence
        )

    tests = {}
    for experiment, named in experiments.items():
        ids = list(dict.fromkeys(named.values()))
        best = max(ids, key=validation.__getitem__)
        tests[experiment] = [test(best, other) for other in ids if other != best]
    best_baseline = max(baselines, key=lambda name: baselines[name]["val_macro_f1"])
    return {
        **settings,
        "test_texts": len(y_true),
        "models": {
            name: {"test_macro_f1": observed[name], "interval": interval(r, confidence)}
            for name, r in resampled.items()
        },
        "experiments": tests,
        "selected_vs_baseline": test(selected, best_baseline),
    }


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..K of values [K], ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ordinal = np.empty(len(values))
    ordinal[order] = np.arange(1, len(values) + 1)
    _, tie, counts = np.unique(values, return_inverse=True, return_counts=True)
    return np.bincount(tie, weights=ordinal)[tie] / counts[tie]


def ranking_agreement(val: np.ndarray, test: np.ndarray) -> dict:
    """How well the validation split ranks the configs as the test split does, per seed:
    val and test [S, K], macro F1 of K configs trained with S seeds. Spearman's rho per
    seed (the correlation of the two rankings), and whether the config best on validation
    is best on test too."""
    pairs = list(zip(val, test, strict=True))
    rho = [float(np.corrcoef(average_ranks(v), average_ranks(t))[0, 1]) for v, t in pairs]
    same_best = [bool(t[np.argmax(v)] == t.max()) for v, t in pairs]
    return {"spearman": rho, "mean_spearman": float(np.mean(rho)), "same_best": same_best}
