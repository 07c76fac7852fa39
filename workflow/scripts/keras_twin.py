"""A NumPy-trained run as a Keras model, with Keras's probabilities on the test split."""

import numpy as np

from nusax_lstm.fileio import read_json
from nusax_lstm.joblog import logged
from nusax_lstm.keras_model import keras_twin
from nusax_lstm.text import pad

with logged(snakemake):
    inputs, p = snakemake.input, snakemake.params
    with np.load(inputs.sequences) as data:
        x_test = pad(data["x_test"], p.model["padding"])
    with np.load(inputs.weights) as weights:
        arrays = dict(weights)
    model = p.model | {"backend": p.backend}
    keras_twin(read_json(inputs.architecture), arrays, model, p.train, x_test, snakemake.output)
