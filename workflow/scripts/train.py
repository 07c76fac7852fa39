"""Train one model configuration with one seed."""

import numpy as np

from nusax_lstm.joblog import logged
from nusax_lstm.keras_model import train_and_save
from nusax_lstm.text import read_vocabulary

with logged(snakemake):
    p = snakemake.params
    with np.load(snakemake.input.sequences) as data:
        sequences = dict(data)
    train_and_save(
        sequences,
        vocab_size=len(read_vocabulary(snakemake.input.vocabulary)),
        model=p.model,
        train=p.train,
        seed=int(snakemake.wildcards.seed),
        threads=snakemake.threads,
        out=snakemake.output,
        # From the config, not a param: where the cache lives changes no result.
        compile_cache=snakemake.config["train"]["compile_cache"],
    )
