"""Every model's cross-validated macro F1: each fold run scored on its held-out fold."""

import numpy as np

from nusax_lstm.data.crossval import cv_scores
from nusax_lstm.fileio import write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    inputs, p = snakemake.input, snakemake.params
    labels = []
    for path in inputs.sequences:
        with np.load(path) as data:
            labels.append(data["y_valid"])
    folds = iter(map(np.load, inputs.probs))  # per config, per seed, per fold
    probs = {
        config_id: {seed: [next(folds) for _ in labels] for seed in p.seeds}
        for config_id in p.configs
    }
    write_json(snakemake.output.scores, cv_scores(labels, probs, p.ensemble))
