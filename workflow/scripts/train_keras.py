"""Train one model configuration with one seed with Keras, on the Keras backend of its params."""

from nusax_lstm.models.keras_backend import configure_keras, skip_unused_imports
from nusax_lstm.models.training_job import train_job
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    skip_unused_imports()
    # The cache's folder comes from the config, not a param: where it lives changes no result.
    device = configure_keras(
        snakemake.params.model["keras_backend"],
        snakemake.threads,
        int(snakemake.wildcards.seed),
        snakemake.config["train"]["compile_cache"],
    )
    from nusax_lstm.models.keras_training import train  # keras: after its backend

    train_job(snakemake, train, device)
