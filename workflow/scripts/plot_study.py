"""Per language: every config and baseline at a glance, the selected model's confusion
matrix and training history, and the Keras-vs-scratch probability scatter."""

import numpy as np

from nusax_lstm.fileio import read_json
from nusax_lstm.joblog import logged
from nusax_lstm.plots import confusion, history, overview, scatter
from nusax_lstm.selection import by_config
from nusax_lstm.summary import config_scores

with logged(snakemake):
    inputs, out, lang = snakemake.input, snakemake.output, snakemake.wildcards.lang
    best = read_json(inputs.best)
    title = f"{best['names'][0]} ({best['config_id']}, seed {best['seed']}), {lang}"
    rows = []
    for config_id, runs in by_config(map(read_json, inputs.metrics)).items():
        stats = config_scores(runs)["test"]
        label = f"{' / '.join(snakemake.params.names[config_id])} ({config_id})"
        rows.append((label, stats["mean"], stats["std"], "lstm"))
    for name, b in read_json(inputs.baselines).items():
        rows.append((f"TF-IDF + {name}", b["test_macro_f1"], 0.0, "baseline"))
    overview(rows, f"Test macro F1 of every config and baseline ({lang})", out.overview)
    matrix = read_json(inputs.best_metrics)["test"]["confusion_matrix"]
    confusion(matrix, f"Test confusion: {title}", out.confusion)
    history(read_json(inputs.best_history), title, out.history)
    scatter(np.load(inputs.keras_probs), np.load(inputs.scratch_probs), title, out.scatter)
