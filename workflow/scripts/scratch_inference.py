"""Predict the test split with the from-scratch NumPy engine (no TensorFlow here), from
its texts through the export folder, as `nusax-lstm predict` does."""

import csv
import os

from nusax_lstm import LABELS
from nusax_lstm.data.nusax import parse_csv
from nusax_lstm.fileio import atomic_path, save_npy
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.scratch.loader import load_export

with logged(snakemake):
    export = load_export(os.path.dirname(snakemake.input.weights))
    print(export.model.summary())
    rows = parse_csv(open(snakemake.input.test, "rb").read(), snakemake.input.test)
    inputs = export.vectorizer([text for _, text, _ in rows])
    probs = export.model.predict_proba(inputs, threads=snakemake.threads)
    save_npy(snakemake.output.probs, probs)
    with atomic_path(snakemake.output.predictions) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", "label", *(f"p_{label}" for label in LABELS)])
        for (row_id, _, _), p in zip(rows, probs, strict=True):
            writer.writerow([row_id, LABELS[int(p.argmax())], *(f"{v:.8f}" for v in p)])
