"""The study summary: every config's scores over seeds, the selected model, baselines and
the computed conclusions, as JSON and Markdown."""

from __future__ import annotations

import numpy as np

from .selection import cv_score
from .stats import ranking_agreement


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
    scores) ranks the configs against how the test split does (stats.ranking_agreement);
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
    `statistics` holds the test intervals and paired tests (stats.study_statistics);
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
            name: {k: b[k] for k in ("param", "value", "val_macro_f1", "test_macro_f1")}
            | {"test_interval": models[name]["interval"]}
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


def _interval(bounds: list[float]) -> str:
    return f"{bounds[0]:.3f} to {bounds[1]:.3f}"


def paired_sentence(test: dict, names: dict[str, str], confidence: float) -> str:
    """'A beats B on test: ..., p = ...' or '... no difference detectable', from a paired
    test (stats.paired_test) at the level 1 - confidence; names: model id -> name."""
    a, b, diff = names[test["model"]], names[test["against"]], test["difference"]
    detail = (
        f"test macro F1 {diff:+.3f} ({100 * confidence:g} % interval "
        f"{_interval(test['interval'])}), p = {test['p']:.3f}"
    )
    if test["p"] >= 1 - confidence:
        return f"{a} vs {b}: {detail}: no difference detectable."
    winner, loser = (a, b) if diff > 0 else (b, a)
    return f"{winner} beats {loser}: {detail}."


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


def ranking_sentence(agreement: dict, score: str) -> str:
    """How well `score` ranked the configs as test did (ranking_vs_test's result)."""
    per_seed = ", ".join(f"{rho:.2f}" for rho in agreement["spearman"])
    return (
        f"Does {score} rank the configs as test does? Per seed, Spearman's rho between the "
        f"two rankings of the {agreement['configs']} configs: "
        f"{agreement['mean_spearman']:.2f} on average ({per_seed}); the config best on "
        f"{score} is best on test for {sum(agreement['same_best'])} of "
        f"{len(agreement['same_best'])} seed(s)."
    )


def cv_cell(row: dict) -> str:
    """The cross-validated score as a table cell ("" without cross-validation)."""
    return f" {row['cv_macro_f1']:.3f} |" if "cv_macro_f1" in row else ""


def summary_markdown(summary: dict) -> str:
    lines = ["# NusaX-Senti LSTM study", ""]
    for lang, result in summary["languages"].items():
        st = result["statistics"]
        level = f"{100 * st['confidence']:g} %"
        lines += [
            f"## Language: {lang} (data from {result['data_source']})",
            "",
            f"Test intervals: {level} bootstrap percentile intervals over the "
            f"{st['test_texts']} test texts ({st['resamples']} resamples, seed {st['seed']}), "
            "a config's seeds pooled (its score on a resample is the mean over seeds). "
            "Paired tests score both models on the same resamples (two-sided).",
            "",
        ]
        cv = result["cv_vs_test"] is not None
        cv_head, cv_rule = (" cv macro F1 |", "---|") if cv else ("", "")
        for experiment, rows in result["experiments"].items():
            lines += [
                f"### {experiment}",
                "",
                f"| config | id | val macro F1 |{cv_head} test macro F1 | test {level} interval "
                "| test min to max | params |",
                f"|---|---|---|{cv_rule}---|---|---|---|",
            ]
            for name, r in rows.items():
                lines.append(
                    f"| {name} | {r['config_id']} | {_pm(r['val'])} |{cv_cell(r)} {_pm(r['test'])} "
                    f"| {_interval(r['test_interval'])} "
                    f"| {r['test']['min']:.3f} to {r['test']['max']:.3f} | {r['params']:,} |"
                )
            names = {r["config_id"]: name for name, r in rows.items()}
            tests = [
                paired_sentence(t, names, st["confidence"]) for t in result["tests"][experiment]
            ]
            lines += ["", conclusion(experiment, rows), *(f"- {t}" for t in tests), ""]
        if result["ensembles"]:
            lines += [
                "### Seed ensembles (each config's runs, class probabilities averaged)",
                "",
                f"| ensemble | seeds | val macro F1 |{cv_head} test macro F1 "
                f"| test {level} interval |",
                f"|---|---|---|{cv_rule}---|---|",
                *(
                    f"| {model_id} | {', '.join(map(str, e['members']))} "
                    f"| {e['val_macro_f1']:.3f} |{cv_cell(e)} {e['test_macro_f1']:.3f} "
                    f"| {_interval(e['test_interval'])} |"
                    for model_id, e in result["ensembles"].items()
                ),
                "",
            ]
        b = result["best"]
        c = result["comparison"]
        versus = result["selected_vs_baseline"]
        exported = (
            f"seed {b['seed']}"
            if b["seed"] is not None
            else f"seeds {', '.join(map(str, b['members']))}, averaged"
        )
        names = {versus["model"]: b["name"], versus["against"]: f"TF-IDF + {versus['against']}"}
        lines += [
            "### Baselines (TF-IDF word 1-2-grams, tuned on validation)",
            "",
            f"| model | hyperparameter | val macro F1 | test macro F1 | test {level} interval |",
            "|---|---|---|---|---|",
            *(
                f"| {n} | {r['param']}={r['value']} | {r['val_macro_f1']:.3f} | "
                f"{r['test_macro_f1']:.3f} | {_interval(r['test_interval'])} |"
                for n, r in result["baselines"].items()
            ),
            "",
            "### Selected model",
            "",
            f"{b['name']} (`{b['config_id']}`, {exported}): mean {b['metric']} "
            f"{b['value']:.3f}, test macro F1 of the exported model {b['test_macro_f1']:.3f}. "
            f"Keras and the NumPy engine agree on {100 * c['agreement']:.2f} % of the test texts "
            f"(max |Δp| {c['max_abs_prob_diff']:.1e}).",
            "",
            "Against the baseline best on validation, seeds pooled: "
            + paired_sentence(versus, names, st["confidence"]),
            "",
        ]
        for agreement, score in (
            (result["validation_vs_test"], "validation"),
            (result["cv_vs_test"], "cross-validation (train + valid)"),
        ):
            if agreement:
                lines += [ranking_sentence(agreement, score), ""]
    return "\n".join(lines)
