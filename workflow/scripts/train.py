"""Train one model configuration with one seed: with Keras, or on the NumPy engine."""

import numpy as np

from nusax_lstm.joblog import logged
from nusax_lstm.text import read_vocabulary

with logged(snakemake):
    p = snakemake.params
    with np.load(snakemake.input.sequences) as data:
        sequences = dict(data)
    job = {
        "sequences": sequences,
        "vocab_size": len(read_vocabulary(snakemake.input.vocabulary)),
        "model": p.model,
        "train": p.train,
        "seed": int(snakemake.wildcards.seed),
        "threads": snakemake.threads,
        "out": snakemake.output,
    }
    if p.model["backend"] == "numpy":  # imports only the modules of the rule's package param
        from nusax_lstm.training import train_numpy_and_save

        train_numpy_and_save(**job)
    else:
        from nusax_lstm.keras_model import train_and_save

        # From the config, not a param: where the cache lives changes no result.
        train_and_save(**job, compile_cache=snakemake.config["train"]["compile_cache"])
