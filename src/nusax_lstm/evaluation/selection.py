"""Pick the best model: highest mean metric over seeds, then fewer parameters, then id.

A model is a config (its seeds' runs) or a config's seed ensemble (one record, seed None,
its `members` the seeds it averages)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

SELECTION_METRICS = ("val_macro_f1", "test_macro_f1", "cv_macro_f1")


def model_scores(
    configs: Iterable[dict], kinds: Iterable[str] = ("configs", "ensembles")
) -> list[dict]:
    """Every model's scores, from the configs' scores files (evaluate.py writes one per
    config: each seed's run, and its seed ensemble, the one with members): every config's
    runs, then every config's ensemble, of the kinds named (configs: single runs)."""
    models = [model for config in configs for model in config.values()]
    runs = [m for m in models if "members" not in m] if "configs" in kinds else []
    return runs + [m for m in models if "members" in m and "ensembles" in kinds]


def by_config(records: Iterable[dict]) -> dict[str, list[dict]]:
    """config id -> its records (one per seed), in input order."""
    grouped: dict[str, list[dict]] = {}
    for record in records:
        grouped.setdefault(record["config_id"], []).append(record)
    return grouped


def cv_score(scores: dict, model_id: str, seed: int | None) -> dict:
    """{"cv_macro_f1": ...} of one run (seed) or seed ensemble (seed None) from
    crossval.cv_scores's output as read from JSON; {} without cross-validation."""
    if not scores:
        return {}
    model = scores[model_id] if seed is None else scores[model_id]["seeds"][str(seed)]
    return {"cv_macro_f1": model["cv_macro_f1"]}


def rank(runs: list[dict], metric: str) -> list[dict]:
    """Per config id (best first): mean metric over its seeds, parameter count, seeds."""
    table = [
        {
            "config_id": config_id,
            "mean": statistics.fmean(r[metric] for r in group),
            "params": group[0]["params"],
            "runs": sorted(group, key=lambda r: r["seed"]),
        }
        for config_id, group in by_config(runs).items()
    ]
    return sorted(table, key=lambda row: (-row["mean"], row["params"], row["config_id"]))


def median_run(runs: list[dict]) -> dict:
    """The run with the median validation macro F1 (the lower one of two middles; ties by seed)."""
    ordered = sorted(runs, key=lambda r: (r["val_macro_f1"], r["seed"]))
    return ordered[(len(ordered) - 1) // 2]


def select_best(runs: list[dict], metric: str, names: dict[str, list[str]]) -> dict:
    """`best.json`: the winning model, the seed whose model is exported (None for an
    ensemble, which is exported whole), and why."""
    if metric not in SELECTION_METRICS:
        raise ValueError(f"selection.metric: {metric!r} not in {SELECTION_METRICS}")
    ranking = rank(runs, metric)
    best = ranking[0]
    run = median_run(best["runs"])
    reason = f"highest mean {metric} over {len(best['runs'])} seed(s)"
    if len(ranking) > 1 and ranking[1]["mean"] == best["mean"]:
        reason += "; tied, so fewer parameters, then config id, decided"
    return {
        "config_id": best["config_id"],
        "names": names[best["config_id"]],
        "seed": run["seed"],
        "members": run.get("members") or [run["seed"]],  # the runs the exported model holds
        "metric": metric,
        "value": best["mean"],
        "val_macro_f1": run["val_macro_f1"],
        "test_macro_f1": run["test_macro_f1"],
        "params": best["params"],
        "reason": reason
        + ("; exported seed has the median val_macro_f1" if run["seed"] is not None else ""),
        "ranking": [
            {"config_id": r["config_id"], "mean": r["mean"], "params": r["params"]} for r in ranking
        ],
    }
