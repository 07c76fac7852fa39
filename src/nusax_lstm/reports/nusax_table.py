"""The NusaX table: every language of the study beside the NusaX paper's published test
macro F1 (published.json); our cells with bootstrap intervals.

NusaX is parallel: the test splits hold the same texts in the same order in every
language, so one set of resamples (bootstrap.resample_weights) serves all of them, and a
row's average over the languages gets its interval from those same resamples.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from ..evaluation.baselines import STRONGEST
from ..evaluation.bootstrap import interval, paired_test, resample_weights, resampled_macro_f1
from ..evaluation.metrics import macro_f1
from ..evaluation.paper_baselines import FEATURES, NAMES


def published() -> dict:
    """The paper's numbers and their source (the package's published.json)."""
    return json.loads(resources.files(__package__).joinpath("published.json").read_text())


def our_row(name: str, labels: dict, predictions: dict, weights: np.ndarray, confidence: float):
    """A row of ours: per language of `predictions` (lang -> [n]) the test macro F1 (%) and
    its interval; the average over those languages, its interval on the same resamples."""
    cells, resampled = {}, []
    for lang, y_pred in predictions.items():
        samples = 100 * resampled_macro_f1(labels[lang], y_pred, weights)
        f1 = 100 * macro_f1(np.asarray(labels[lang]), np.asarray(y_pred))
        cells[lang] = {"f1": f1, "interval": interval(samples, confidence)}
        resampled.append(samples)
    average = float(np.mean([c["f1"] for c in cells.values()]))
    spread = interval(np.mean(resampled, axis=0), confidence)
    return {
        "name": name,
        "source": "ours",
        "cells": cells,
        "average": {"f1": average, "interval": spread},
    }


def published_rows(languages: list[str]) -> list[dict]:
    """The paper's rows on the study's languages; the average over those languages."""
    paper = published()
    rows = []
    for model in paper["models"].values():
        scores = dict(zip(paper["languages"], model["scores"], strict=True))
        cells = {lang: {"f1": scores[lang]} for lang in languages}
        average = float(np.mean([scores[lang] for lang in languages]))
        rows.append(
            {
                "name": model["name"],
                "source": "published",
                "cells": cells,
                "average": {"f1": average},
            }
        )
    return rows


def baseline_match(baselines: dict, languages: list[str]) -> dict:
    """Our run of the paper's recipe against its cells: per classifier and language the
    better feature type on test (what the paper reports, by independent re-runs), its
    distance to the published cell, and the counts within 1.0 and 0.1 points."""
    paper = published()
    cells, distances = {}, []
    for key in NAMES:
        scores = dict(zip(paper["languages"], paper["models"][key]["scores"], strict=True))
        for lang in languages:
            ours = max(100 * baselines[lang][key][f]["test_macro_f1"] for f in FEATURES)
            distance = round(abs(ours - scores[lang]), 6)
            cells[f"{key}/{lang}"] = {
                "ours_best": ours,
                "published": scores[lang],
                "distance": distance,
            }
            distances.append(distance)
    averages = {
        key: {
            "ours_best": float(
                np.mean([cells[f"{key}/{lang}"]["ours_best"] for lang in languages])
            ),
            "published": float(
                np.mean([cells[f"{key}/{lang}"]["published"] for lang in languages])
            ),
        }
        for key in NAMES
    }
    return {
        "cells": cells,
        "within_1.0": sum(d <= 1.0 + 1e-9 for d in distances),
        "within_0.1": sum(d <= 0.1 + 1e-9 for d in distances),
        "of": len(distances),
        "averages": averages,
    }


def paired(labels: dict, a: dict, b: dict, weights: np.ndarray, confidence: float) -> dict:
    """Per language both rows cover, the paired bootstrap test of A - B (in points)."""
    tests = {}
    for lang in a.keys() & b.keys():
        y = np.asarray(labels[lang])
        scores = [100 * resampled_macro_f1(y, p[lang], weights) for p in (a, b)]
        observed = 100 * (macro_f1(y, np.asarray(a[lang])) - macro_f1(y, np.asarray(b[lang])))
        tests[lang] = paired_test(*scores, observed, confidence)
    return dict(sorted(tests.items()))


def build(
    languages: list[str],
    labels: dict,
    baselines: dict,
    ours: dict[str, dict],
    settings: dict,
    pairs: list[tuple[str, str]] = (),
) -> dict:
    """The whole table: published rows, then ours (the paper's recipe with validation's
    feature type and with each feature type, then each row of `ours`: name -> {lang: test
    predictions}, the strongest simple baseline's and the LSTM's), and the paired tests of
    each (A, B) of `pairs` of those."""
    n = {len(labels[lang]) for lang in languages}
    if len(n) != 1:
        raise ValueError(f"test splits of unequal length {sorted(n)}: NusaX's are parallel")
    weights = resample_weights(n.pop(), settings["resamples"], settings["seed"])
    confidence = settings["confidence"]

    def row(name, predictions):
        return our_row(name, labels, predictions, weights, confidence)

    rows = published_rows(languages)
    for key, name in NAMES.items():
        chosen = {lang: baselines[lang][key][baselines[lang][key]["chosen"]] for lang in languages}
        rows.append(
            row(
                f"{name} (ours, features chosen on valid)",
                {lang: cell["test_predictions"] for lang, cell in chosen.items()},
            )
        )
        for feature in FEATURES:
            rows.append(
                row(
                    f"{name} (ours, {feature})",
                    {lang: baselines[lang][key][feature]["test_predictions"] for lang in languages},
                )
            )
    rows += [row(name, predictions) for name, predictions in ours.items()]
    return {
        "metric": "test macro F1, %",
        "confidence": confidence,
        "resamples": settings["resamples"],
        "languages": languages,
        "source": published()["source"],
        "rows": rows,
        "baseline_match": baseline_match(baselines, languages),
        "paired_tests": [
            {
                "model": a,
                "against": b,
                "tests": paired(labels, ours[a], ours[b], weights, confidence),
            }
            for a, b in pairs
        ],
    }


def _cell_text(cell: dict | None) -> str:
    if cell is None:
        return "-"
    if "interval" not in cell:
        return f"{cell['f1']:.1f}"
    low, high = cell["interval"]
    return f"{cell['f1']:.1f} ({low:.1f}-{high:.1f})"


def cells_above(row: dict, target: dict) -> str:
    """In how many languages a row's cell is above the target row's, as the table shows
    them (to one decimal)."""
    both = [lang for lang in row["cells"] if lang in target["cells"]]
    shown = {lang: [round(r["cells"][lang]["f1"], 1) for r in (row, target)] for lang in both}
    above = sum(ours > theirs for ours, theirs in shown.values())
    return f"above its cell in {above} of {len(both)} languages"


def against_classical(rows: list[dict]) -> list[str]:
    """Lines that set each LSTM row's average beside the best published classical one,
    and beside the best of our simple baselines' rows (STRONGEST's), and count the
    languages where its cell is above that row's."""
    classical = [r for r in rows if r["source"] == "published" and r["name"] in NAMES.values()]
    simple = [r for r in rows if r["name"].startswith(STRONGEST)]
    lines = []
    for targets, what in ((classical, "published classical"), (simple, "simple baseline")):
        if not targets:
            continue
        best = max(targets, key=lambda r: r["average"]["f1"])
        target = best["average"]["f1"]
        lines += ["", f"Against the best {what} average ({best['name']}, {target:.1f}):", ""]
        for row in rows:
            if row["name"].startswith("LSTM"):
                gap = row["average"]["f1"] - target
                verdict = "reaches it" if gap >= 0 else "falls short"
                average = row["average"]["f1"]
                above = cells_above(row, best)
                lines.append(f"- {row['name']}: {average:.1f}, {verdict} ({gap:+.1f}); {above}")
    return lines


def markdown(table: dict) -> str:
    """table.md: the rows with their cells, then how our baselines meet the paper's."""
    languages = table["languages"]
    pct = round(100 * table["confidence"])
    lines = [
        "# NusaX-Senti: test macro F1 (%) per language",
        "",
        f"Ours with their {pct} % bootstrap interval ({table['resamples']} resamples of the "
        "test texts, the same in every language); a row's average is over its cells ('-': "
        "none, e.g. the zero-shot source's own language). Published: " + table["source"] + ".",
        "",
        "| model | source | " + " | ".join(languages) + " | average |",
        "|---|---|" + "---|" * (len(languages) + 1),
    ]
    for row in table["rows"]:
        cells = [_cell_text(row["cells"].get(lang)) for lang in languages]
        lines.append(
            f"| {row['name']} | {row['source']} | "
            + " | ".join(cells)
            + f" | {_cell_text(row['average'])} |"
        )
    lines += against_classical(table["rows"])
    match = table["baseline_match"]
    lines += [
        "",
        "## The paper's recipe, re-run",
        "",
        f"The better feature type on test is within 1.0 point of the published cell in "
        f"{match['within_1.0']} of {match['of']} cells and within 0.1 in {match['within_0.1']}.",
        "",
        "| classifier | ours, better on test | published | difference |",
        "|---|---|---|---|",
    ]
    for key, name in NAMES.items():
        ours, paper = match["averages"][key]["ours_best"], match["averages"][key]["published"]
        lines.append(f"| {name} (average) | {ours:.2f} | {paper:.2f} | {ours - paper:+.2f} |")
    misses = {k: c for k, c in match["cells"].items() if c["distance"] > 0.1 + 1e-9}
    if misses:
        lines += [
            "",
            "Cells more than 0.1 away: "
            + ", ".join(
                f"{k} (ours {c['ours_best']:.1f}, published {c['published']:.1f})"
                for k, c in misses.items()
            )
            + ".",
        ]
    for pair in table["paired_tests"]:
        lines += [
            "",
            f"## {pair['model']} against {pair['against']}",
            "",
            "Paired bootstrap test per language: the difference in points, its interval, p.",
            "",
            "| language | difference | interval | p |",
            "|---|---|---|---|",
        ]
        for lang, t in pair["tests"].items():
            low, high = t["interval"]
            lines.append(
                f"| {lang} | {t['difference']:+.1f} | {low:+.1f} to {high:+.1f} | {t['p']:.3f} |"
            )
    return "\n".join(lines) + "\n"
