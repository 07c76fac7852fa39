"""Explain the selected model on a few test texts chosen by rule (explain.choose): each
one's attributions and gate traces as a figure, and all of them as JSON."""

import os
import shutil

import numpy as np

from nusax_lstm.data.nusax import read_split
from nusax_lstm.explanations.explain import as_dict, choose, explain
from nusax_lstm.explanations.figure import explanation
from nusax_lstm.fileio import atomic_path, write_json
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.scratch.loader import load_export

with logged(snakemake):
    params = snakemake.params
    export = load_export(os.path.dirname(snakemake.input.weights))
    texts, labels = read_split(snakemake.input.test)
    probs = np.load(snakemake.input.probs)
    chosen = choose(texts, labels, probs, params.negations, params.negation_texts)
    records = []
    with atomic_path(snakemake.output.figures) as folder:  # the folder appears whole
        shutil.rmtree(folder, ignore_errors=True)  # what a killed run left
        folder.mkdir()
        for kind, row in chosen:
            e = explain(export, texts[row], None, params.method, params.steps)
            explanation(e, 1, folder / f"{kind}.png")
            record = {"kind": kind, "row": row, "true_label": export.labels[labels[row]]}
            records.append(record | as_dict(e))
            print(f"{kind}: row {row}, {e.label} (true: {record['true_label']}): {e.text}")
    write_json(snakemake.output.json, records)
