"""summary.md: the study summary's numbers (summary.py) as tables and the computed
conclusions, in words."""

from __future__ import annotations

from .summary import seed_spread


def _pm(stats: dict) -> str:
    return f"{stats['mean']:.3f} ± {stats['std']:.3f}"


def against_spread(gap: float, spread: float | None) -> str:
    if spread is None:
        return "one seed only, so the seed spread is unknown"
    return f"{'more than' if gap > spread else 'within'} the seed spread ({spread:.3f})"


def _interval(bounds: list[float]) -> str:
    return f"{bounds[0]:.3f} to {bounds[1]:.3f}"


def paired_sentence(test: dict, names: dict[str, str], confidence: float) -> str:
    """'A beats B on test: ..., p = ...' or '... no difference detectable', from a paired
    test (bootstrap.paired_test) at the level 1 - confidence; names: model id -> name."""
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
        f"{second_name}, {against_spread(lead, spread)}{unclear}."
    )
    if len(ranked) > 2:
        worst_name, worst = ranked[-1]
        gap = top["val"]["mean"] - worst["val"]["mean"]
        text += (
            f" On validation the weakest, {worst_name}, trails it by {gap:.3f}, "
            f"{against_spread(gap, seed_spread(top, worst))}."
        )
    return f"{text} On the test split {on_test} ({rows[test_best]['test']['mean']:.3f})."


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
            "### Baselines (each tuned on validation)",
            "",
            "| model | features | hyperparameter | val macro F1 | test macro F1 | "
            f"test {level} interval |",
            "|---|---|---|---|---|---|",
            *(
                f"| {n} | {r['features']} | {r['param']}={r['value']} | {r['val_macro_f1']:.3f} | "
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
