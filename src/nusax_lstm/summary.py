"""The study summary: every config's scores over seeds, the selected model, baselines and
the computed conclusions, as JSON and Markdown."""

from __future__ import annotations

import numpy as np


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


def language_summary(
    experiments: dict,
    metrics: dict[str, list[dict]],
    best: dict,
    comparison: dict,
    provenance: dict,
    baselines: dict,
) -> dict:
    """One language's results.

    `experiments` maps experiment -> name -> config id;
    `metrics` maps config id -> the metrics of each seed.
    """
    return {
        "language": provenance["language"],
        "data_source": provenance["source"],
        "experiments": {
            experiment: {
                name: config_scores(metrics[config_id]) for name, config_id in named.items()
            }
            for experiment, named in experiments.items()
        },
        "best": {
            "name": best["names"][0],
            "config_id": best["config_id"],
            "seed": best["seed"],
            "metric": best["metric"],
            "value": best["value"],
            "test_macro_f1": best["test_macro_f1"],
        },
        "comparison": {
            key: comparison[key]
            for key in ("keras_macro_f1", "scratch_macro_f1", "agreement", "max_abs_prob_diff")
        },
        "baselines": {
            name: {k: b[k] for k in ("param", "value", "val_macro_f1", "test_macro_f1")}
            for name, b in baselines.items()
        },
    }


def study_summary(languages: dict[str, dict]) -> dict:
    """`summary.json`: the first language's results at the top (so that a one-language
    study reads as before languages existed), every language's under `languages`."""
    first = next(iter(languages.values()))
    return {**first, "languages": languages}


def _pm(stats: dict) -> str:
    return f"{stats['mean']:.3f} ± {stats['std']:.3f}"


def seed_spread(a: dict, b: dict) -> float | None:
    """The larger validation F1 standard deviation of two configs; None with one seed."""
    return max(a["val"]["std"], b["val"]["std"]) if len(a["seeds"]) > 1 else None


def against_spread(gap: float, spread: float | None) -> str:
    if spread is None:
        return "one seed only, so the seed spread is unknown"
    return f"{'more than' if gap > spread else 'within'} the seed spread ({spread:.3f})"


def conclusion(experiment: str, rows: dict[str, dict]) -> str:
    """Which config of an experiment is best on validation, by how much over the runner-up
    and the weakest, and whether those gaps exceed the seed spread; the test split's best."""
    ranked = sorted(rows.items(), key=lambda kv: -kv[1]["val"]["mean"])
    name, top = ranked[0]
    if len(ranked) == 1:
        return f"{experiment}: one config only ({name}), nothing to compare."
    second_name, second = ranked[1]
    lead, spread = top["val"]["mean"] - second["val"]["mean"], seed_spread(top, second)
    unclear = ": no clear winner" if spread is not None and lead <= spread else ""
    test_best = max(rows, key=lambda n: rows[n]["test"]["mean"])
    on_test = f"{name} is also best" if test_best == name else f"{test_best} is best"
    text = (
        f"{experiment}: {name} has the best mean validation macro F1, {lead:.3f} above "
        f"{second_name}, {against_spread(lead, spread)}{unclear}. On the test split "
        f"{on_test} ({rows[test_best]['test']['mean']:.3f})."
    )
    if len(ranked) > 2:
        worst_name, worst = ranked[-1]
        gap = top["val"]["mean"] - worst["val"]["mean"]
        text += (
            f" The weakest, {worst_name}, trails it by {gap:.3f}, "
            f"{against_spread(gap, seed_spread(top, worst))}."
        )
    return text


def summary_markdown(summary: dict) -> str:
    lines = ["# NusaX-Senti LSTM study", ""]
    for lang, result in summary["languages"].items():
        lines += [f"## Language: {lang} (data from {result['data_source']})", ""]
        for experiment, rows in result["experiments"].items():
            lines += [
                f"### {experiment}",
                "",
                "| config | id | val macro F1 | test macro F1 | test min to max | params |",
                "|---|---|---|---|---|---|",
            ]
            for name, r in rows.items():
                lines.append(
                    f"| {name} | {r['config_id']} | {_pm(r['val'])} | {_pm(r['test'])} "
                    f"| {r['test']['min']:.3f} to {r['test']['max']:.3f} | {r['params']:,} |"
                )
            lines += ["", conclusion(experiment, rows), ""]
        b = result["best"]
        c = result["comparison"]
        lines += [
            "### Baselines (TF-IDF word 1-2-grams, tuned on validation)",
            "",
            "| model | hyperparameter | val macro F1 | test macro F1 |",
            "|---|---|---|---|",
            *(
                f"| {n} | {r['param']}={r['value']} | {r['val_macro_f1']:.3f} | "
                f"{r['test_macro_f1']:.3f} |"
                for n, r in result["baselines"].items()
            ),
            "",
            "### Selected model",
            "",
            f"{b['name']} (`{b['config_id']}`, seed {b['seed']}): mean {b['metric']} "
            f"{b['value']:.3f}, test macro F1 of the exported seed {b['test_macro_f1']:.3f}. "
            f"Keras and the NumPy engine agree on {100 * c['agreement']:.2f} % of the test texts "
            f"(max |Δp| {c['max_abs_prob_diff']:.1e}).",
            "",
        ]
    return "\n".join(lines)
