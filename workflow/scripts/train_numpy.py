"""Train one model configuration with one seed on the NumPy engine."""

from nusax_lstm.models.training_job import train_job
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.scratch.model import blas_controller
from nusax_lstm.scratch.train import train

with logged(snakemake), blas_controller().limit(limits=snakemake.threads, user_api="blas"):
    train_job(snakemake, train, device="CPU (NumPy)")
