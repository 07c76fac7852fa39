"""Metrics of one model (a run or a seed ensemble) on the validation and test splits, from
its saved probabilities."""

import numpy as np

from nusax_lstm.evaluation.metrics import evaluate
from nusax_lstm.fileio import read_json, write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    info = read_json(snakemake.input.info)
    with np.load(snakemake.input.sequences) as data:
        metrics = {
            split: evaluate(data[f"y_{split}"], np.load(snakemake.input[f"probs_{split}"]))
            for split in ("valid", "test")
        }
    model = {"config_id": snakemake.params.model_id, "seed": info["seed"], "params": info["params"]}
    if "members" in info:
        model["members"] = info["members"]
    write_json(snakemake.output.metrics, model | metrics)
