"""A config's seed ensemble: its runs' class probabilities averaged, on valid and test."""

import numpy as np

from nusax_lstm.evaluation.seed_ensembles import average, ensemble_info
from nusax_lstm.fileio import read_json, save_npy, write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    inputs, out = snakemake.input, snakemake.output
    for split in ("valid", "test"):
        save_npy(out[f"probs_{split}"], average([np.load(p) for p in inputs[f"probs_{split}"]]))
    write_json(out.info, ensemble_info([read_json(p) for p in inputs.info]))
