"""Predict the test split with the from-scratch NumPy engine (no TensorFlow here)."""

import csv
import os

import numpy as np

from nusax_lstm import LABELS
from nusax_lstm.data.nusax import parse_csv
from nusax_lstm.data.text import pad
from nusax_lstm.fileio import atomic_path, read_json, save_npy
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.scratch.loader import load

with logged(snakemake):
    model = load(os.path.dirname(snakemake.input.weights))
    print(model.summary())
    padding = read_json(snakemake.input.architecture)["padding"]
    with np.load(snakemake.input.sequences) as data:
        probs = model.predict_proba(pad(data["x_test"], padding), threads=snakemake.threads)
    save_npy(snakemake.output.probs, probs)
    rows = parse_csv(open(snakemake.input.test, "rb").read(), snakemake.input.test)
    with atomic_path(snakemake.output.predictions) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", "label", *(f"p_{label}" for label in LABELS)])
        for (row_id, _, _), p in zip(rows, probs, strict=True):
            writer.writerow([row_id, LABELS[int(p.argmax())], *(f"{v:.8f}" for v in p)])
