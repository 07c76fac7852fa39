"""Per language: every config and baseline at a glance, the selected model's confusion
matrix and training history, and the Keras-vs-scratch probability scatter."""

import numpy as np

from nusax_lstm.evaluation.selection import model_scores
from nusax_lstm.fileio import read_json
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.reports.plots import confusion, history, model_label, overview, scatter

with logged(snakemake):
    inputs, out, lang = snakemake.input, snakemake.output, snakemake.wildcards.lang
    best = read_json(inputs.best)
    seeds = ", ".join(map(str, best["members"]))
    title = f"{best['names'][0]} ({best['config_id']}, seed {seeds}), {lang}"
    statistics = read_json(inputs.statistics)
    rows = []
    for name, model in statistics["models"].items():
        score, bounds = model["test_macro_f1"], model["interval"]
        if name in snakemake.params.names:  # a config id, or a config's ensemble
            label = model_label(name, snakemake.params.names[name])
            kind = "ensemble" if name in snakemake.params.ensembles else "lstm"
            rows.append((label, score, bounds, kind))
        else:
            rows.append((f"TF-IDF + {name}", score, bounds, "baseline"))
    level = f"{100 * statistics['confidence']:g} % bootstrap interval"
    overview(rows, f"Test macro F1 of every config and baseline ({lang})", level, out.overview)
    (scores,) = [
        m
        for m in model_scores([read_json(inputs.best_metrics)])
        if (m["config_id"], m["seed"]) == (best["config_id"], best["seed"])
    ]
    matrix = scores["test"]["confusion_matrix"]
    confusion(matrix, f"Test confusion: {title}", out.confusion)
    kept = [read_json(info)["epoch_kept"] for info in inputs.best_infos]
    history([read_json(h) for h in inputs.best_histories], kept, title, out.history)
    scatter(np.load(inputs.keras_probs), np.load(inputs.scratch_probs), title, out.scatter)
