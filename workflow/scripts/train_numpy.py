"""Train one model configuration with one seed on the NumPy engine (no Keras)."""

import numpy as np

from nusax_lstm.joblog import logged
from nusax_lstm.text import read_vocabulary
from nusax_lstm.training import train_numpy_and_save

with logged(snakemake):
    p = snakemake.params
    with np.load(snakemake.input.sequences) as data:
        sequences = dict(data)
    train_numpy_and_save(
        sequences,
        vocab_size=len(read_vocabulary(snakemake.input.vocabulary)),
        model=p.model,
        train=p.train,
        seed=int(snakemake.wildcards.seed),
        threads=snakemake.threads,
        out=snakemake.output,
    )
