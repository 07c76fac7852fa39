"""A NumPy-trained run as a Keras model, with Keras's probabilities on the test split."""

import numpy as np

from nusax_lstm.fileio import atomic_path, read_json, save_npy
from nusax_lstm.joblog import logged
from nusax_lstm.keras_backend import configure_keras, skip_unused_imports
from nusax_lstm.text import pad

with logged(snakemake):
    inputs, p = snakemake.input, snakemake.params
    with np.load(inputs.sequences) as data:
        x_test = pad(data["x_test"], p.model["padding"])
    with np.load(inputs.weights) as weights:
        arrays = dict(weights)
    skip_unused_imports()
    configure_keras(p.backend, 1, 0)
    from nusax_lstm.keras_model import from_architecture
    from nusax_lstm.keras_training import predict

    model = from_architecture(read_json(inputs.architecture), arrays, p.model, p.train)
    save_npy(snakemake.output.probs_test, predict(model, x_test, p.train["batch_size"]))
    with atomic_path(snakemake.output.model) as tmp:
        model.save(tmp)
