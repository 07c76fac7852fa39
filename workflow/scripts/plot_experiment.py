"""One experiment's 2x2 panel: loss and accuracy curves, test macro F1 bars over seeds."""

from nusax_lstm.evaluation.selection import model_scores
from nusax_lstm.fileio import read_json
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.reports.plots import experiment_panel

with logged(snakemake):
    configs = {}  # config id -> its seeds' histories and test F1
    # the histories and the configs' runs come in the same order; a run's scores name its config
    for history, metrics in zip(
        map(read_json, snakemake.input.histories),
        model_scores(map(read_json, snakemake.input.metrics), ["configs"]),
        strict=True,
    ):
        runs = configs.setdefault(metrics["config_id"], {"histories": [], "test_f1": []})
        runs["histories"].append(history)
        runs["test_f1"].append(metrics["test"]["macro_f1"])
    named = {name: configs[config_id] for name, config_id in snakemake.params.names.items()}
    experiment_panel(snakemake.wildcards.experiment, named, snakemake.output[0])
