"""The study summary's numbers (summary.json): every config's scores over seeds, the
selected model, baselines, intervals and rankings. summary_markdown.py writes them as
prose and tables."""

from __future__ import annotations

import numpy as np

from ..evaluation.bootstrap import ranking_agreement
from ..evaluation.selection import cv_score


def seed_stats(values: list[float]) -> dict:
    """Mean, sample standard deviation (0 for one seed), min and max over seeds."""
    v = np.asarray(values, dtype=float)
    std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return {"mean": float(v.mean()), "std": std, "min": float(v.min()), "max": float(v.max())}


def config_scores(runs: list[dict]) -> dict:
    """One config's scores: the means over seeds (`val_macro_f1`, `test_macro_f1`) and their
    spread."""
    val = seed_stats([r["valid"]["macro_f1"] for r in runs])
    test = seed_stats([r["test"]["macro_f1"] for r in runs])
    return {
        "config_id": runs[0]["config_id"],
        "val_macro_f1": val["mean"],
        "test_macro_f1": test["mean"],
        "params": runs[0]["params"],
        "seeds": [r["seed"] for r in runs],
        "val": val,
        "test": test,
    }


def ranking_vs_test(
    metrics: dict[str, list[dict]], configs: set[str], cv: dict | None = None
) -> dict | None:
    """Per seed, how the validation split (or, given `cv`, cross-validation: crossval's
    scores) ranks the configs against how the test split does (bootstrap.ranking_agreement);
    None with fewer than three configs."""
    runs = [sorted(metrics[c], key=lambda r: r["seed"]) for c in sorted(configs)]
    if len(runs) < 3:
        return None

    def score(run: dict, split: str) -> float:
        if split == "cv":
            return cv_score(cv, run["config_id"], run["seed"])["cv_macro_f1"]
        return run[split]["macro_f1"]

    scores = {
        split: np.array([[score(r, split) for r in config] for config in runs]).T
        for split in ("cv" if cv else "valid", "test")
    }  # [S, K]
    return {"configs": len(runs)} | ranking_agreement(*scores.values())


def language_summary(
    experiments: dict,
    metrics: dict[str, list[dict]],
    best: dict,
    comparison: dict,
    provenance: dict,
    baselines: dict,
    statistics: dict,
    cv: dict | None = None,
) -> dict:
    """One language's results.

    `experiments` maps experiment -> name -> config id;
    `metrics` maps model id -> the metrics of each of its seeds (a seed ensemble: one);
    `statistics` holds the test intervals and paired tests (bootstrap.study_statistics);
    `cv` the cross-validated scores (crossval.cv_scores), None without cross-validation.
    """
    models = statistics["models"]
    configs = {c for named in experiments.values() for c in named.values()}
    return {
        "language": provenance["language"],
        "data_source": provenance["source"],
        "statistics": {
            key: statistics[key] for key in ("resamples", "confidence", "seed", "test_texts")
        },
        "experiments": {
            experiment: {
                name: config_scores(metrics[config_id])
                | {"test_interval": models[config_id]["interval"]}
                | cv_score(cv, config_id, None)
                for name, config_id in named.items()
            }
            for experiment, named in experiments.items()
        },
        "ensembles": {
            model_id: config_scores(runs)
            | {"members": runs[0]["members"], "test_interval": models[model_id]["interval"]}
            | cv_score(cv, model_id, None)
            for model_id, runs in metrics.items()
            if model_id not in configs
        },
        "validation_vs_test": ranking_vs_test(metrics, configs),
        "cv_vs_test": ranking_vs_test(metrics, configs, cv) if cv else None,
        "tests": statistics["experiments"],
        "selected_vs_baseline": statistics["selected_vs_baseline"],
        "best": {
            "name": best["names"][0],
            "config_id": best["config_id"],
            "seed": best["seed"],
            "members": best["members"],
            "metric": best["metric"],
            "value": best["value"],
            "test_macro_f1": best["test_macro_f1"],
        },
        "comparison": {
            key: comparison[key]
            for key in ("keras_macro_f1", "scratch_macro_f1", "agreement", "max_abs_prob_diff")
        },
        "baselines": {
            name: {k: b[k] for k in ("features", "param", "value", "val_macro_f1", "test_macro_f1")}
            | {"test_interval": models[name]["interval"]}
            for name, b in baselines.items()
        },
    }


def study_summary(languages: dict[str, dict]) -> dict:
    """`summary.json`: the first language's results at the top (so that a one-language
    study reads as before languages existed), every language's under `languages`."""
    first = next(iter(languages.values()))
    return {**first, "languages": languages}


def seed_spread(a: dict, b: dict) -> float | None:
    """The larger validation F1 standard deviation of two configs; None with one seed."""
    return max(a["val"]["std"], b["val"]["std"]) if len(a["seeds"]) > 1 else None
