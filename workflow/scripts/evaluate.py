"""Scores of a config's models on the validation and test splits, from their saved
probabilities: each seed's run, and (with two seeds or more) its seed ensemble, the runs'
class probabilities averaged, saved as a model of its own."""

import numpy as np

from nusax_lstm.evaluation.metrics import evaluate
from nusax_lstm.evaluation.seed_ensembles import average, ensemble_info
from nusax_lstm.fileio import read_json, save_npy, write_json
from nusax_lstm.pipeline.joblog import logged

SPLITS = ("valid", "test")


def scores(model_id: str, info: dict, probs: dict, labels: dict) -> dict:
    """The scores of one model: its id, seed, size (and members), and per split."""
    model = {"config_id": model_id, "seed": info["seed"], "params": info["params"]}
    if "members" in info:
        model["members"] = info["members"]
    return model | {split: evaluate(labels[split], probs[split]) for split in SPLITS}


with logged(snakemake):
    inputs, out = snakemake.input, snakemake.output
    config_id = snakemake.wildcards.config_id
    with np.load(inputs.sequences) as data:
        labels = {split: data[f"y_{split}"] for split in SPLITS}
    infos = [read_json(path) for path in inputs.info]
    runs = [
        {split: np.load(inputs[f"probs_{split}"][k]) for split in SPLITS} for k in range(len(infos))
    ]
    models = {
        f"seed{info['seed']}": scores(config_id, info, probs, labels)
        for info, probs in zip(infos, runs, strict=True)
    }
    if hasattr(out, "ensemble_probs_test"):  # its seeds, members and size are in its scores
        probs = {split: average([run[split] for run in runs]) for split in SPLITS}
        for split in SPLITS:
            save_npy(out[f"ensemble_probs_{split}"], probs[split])
        model_id = f"{config_id}{snakemake.params.ensemble}"
        models["ensemble"] = scores(model_id, ensemble_info(infos), probs, labels)
    write_json(out.metrics, models)
