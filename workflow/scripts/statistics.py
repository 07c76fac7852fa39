"""Bootstrap intervals of every model's test macro F1, and paired tests: within each
experiment, and the selected config against the best baseline (evaluation/bootstrap.py)."""

import numpy as np

from nusax_lstm.evaluation.bootstrap import study_statistics
from nusax_lstm.evaluation.selection import by_config, model_scores
from nusax_lstm.fileio import read_json, write_json
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.reports.summary import config_scores

with logged(snakemake):
    inputs, params = snakemake.input, snakemake.params
    # probs_test lists every model in model_scores' order
    runs = [
        scores | {"test_predictions": np.load(probs).argmax(axis=1)}
        for scores, probs in zip(
            model_scores(map(read_json, inputs.metrics)), inputs.probs_test, strict=True
        )
    ]
    configs = by_config(runs)
    with np.load(inputs.sequences) as data:
        y_test = data["y_test"]
    result = study_statistics(
        y_test,
        predictions={c: np.stack([r["test_predictions"] for r in g]) for c, g in configs.items()},
        validation={c: config_scores(g)["val_macro_f1"] for c, g in configs.items()},
        experiments=params.experiments,
        baselines=read_json(inputs.baselines),
        selected=read_json(inputs.best)["config_id"],
        settings=dict(params.settings),
    )
    write_json(snakemake.output.statistics, result)
