"""Keras vs from-scratch predictions of the exported model on the test split."""

import numpy as np

from nusax_lstm.data.nusax import read_split
from nusax_lstm.evaluation.comparison import compare, comparison_markdown
from nusax_lstm.evaluation.seed_ensembles import average
from nusax_lstm.fileio import read_json, write_json, write_text
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    inputs = snakemake.input
    best = read_json(inputs.best)
    texts, labels = read_split(inputs.test)
    keras_probs = average([np.load(path) for path in inputs.keras_probs])
    scratch_probs = np.load(inputs.scratch_probs)
    comparison = compare(keras_probs, scratch_probs, np.asarray(labels), texts)
    write_json(snakemake.output.json, comparison)
    write_text(snakemake.output.md, comparison_markdown(comparison, best))
    print(comparison_markdown(comparison, best))
