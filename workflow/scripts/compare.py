"""Keras vs from-scratch predictions of the exported model on the test split."""

import numpy as np

from nusax_lstm.data import read_split
from nusax_lstm.fileio import read_json, write_json, write_text
from nusax_lstm.jobs import logged
from nusax_lstm.report import compare, comparison_markdown
from nusax_lstm.selection import best_run_file

with logged(snakemake):
    best = read_json(snakemake.input.best)
    keras_path = best_run_file(snakemake.input.keras_probs, best, "probs_test.npy")
    texts, labels = read_split(snakemake.input.test)
    comparison = compare(
        np.load(keras_path), np.load(snakemake.input.scratch_probs), np.asarray(labels), texts
    )
    write_json(snakemake.output.json, comparison)
    write_text(snakemake.output.md, comparison_markdown(comparison, best))
    print(comparison_markdown(comparison, best))
