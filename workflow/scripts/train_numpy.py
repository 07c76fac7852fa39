"""Train one model configuration with one seed on the NumPy engine."""

from nusax_lstm.joblog import logged
from nusax_lstm.scratch.model import blas_controller
from nusax_lstm.scratch.train import train
from nusax_lstm.training_io import train_job

with logged(snakemake), blas_controller().limit(limits=snakemake.threads, user_api="blas"):
    train_job(snakemake, train, device="CPU (NumPy)")
