"""A NumPy-trained config's runs as Keras models (one model built, each seed's weights set
in turn: one compilation), with Keras's probabilities on the test split."""

import numpy as np

from nusax_lstm.data.text import pad
from nusax_lstm.fileio import atomic_path, read_json, save_npy
from nusax_lstm.models.keras_backend import configure_keras, skip_unused_imports
from nusax_lstm.models.training_config import TrainingConfig
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    inputs, outputs, p = snakemake.input, snakemake.output, snakemake.params
    config = TrainingConfig.of(p.model, p.train)
    with np.load(inputs.sequences) as data:
        x_test = pad(data["x_test"], config.padding)
    skip_unused_imports()
    configure_keras(p.keras_backend, 1, 0)
    from nusax_lstm.models.keras_model import from_architecture, import_weights
    from nusax_lstm.models.keras_training import predict

    model = None
    runs = zip(inputs.weights, inputs.architecture, outputs.model, outputs.probs_test, strict=True)
    for weights, architecture, model_out, probs_out in runs:
        with np.load(weights) as saved:
            arrays = dict(saved)
        if model is None:
            model = from_architecture(read_json(architecture), arrays, config)
        else:  # the seeds share an architecture: the same model, its weights replaced
            import_weights(model, arrays)
        save_npy(probs_out, predict(model, x_test, config.batch_size))
        with atomic_path(model_out) as tmp:
            model.save(tmp)
        print(f"{model_out}: Keras twin saved")
