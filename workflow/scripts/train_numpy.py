"""Train one model configuration with one seed on the NumPy engine."""

from nusax_lstm.joblog import logged
from nusax_lstm.scratch.train import train_and_save
from nusax_lstm.training_io import job

with logged(snakemake):
    train_and_save(**job(snakemake), threads=snakemake.threads)
