"""One experiment's 2x2 panel: loss and accuracy curves, test macro F1 bars over seeds."""

from pathlib import Path

from nusax_lstm.fileio import read_json
from nusax_lstm.jobs import logged
from nusax_lstm.plots import experiment_panel


def by_config(paths):
    """config id -> the files of its seeds (run folders are models/<id>/seed<n>/)."""
    grouped = {}
    for path in paths:
        grouped.setdefault(Path(path).parent.parent.name, []).append(read_json(path))
    return grouped


with logged(snakemake):
    histories, metrics = by_config(snakemake.input.histories), by_config(snakemake.input.metrics)
    configs = {
        name: {
            "histories": histories[config_id],
            "test_f1": [m["test"]["macro_f1"] for m in metrics[config_id]],
        }
        for name, config_id in snakemake.params.names.items()
    }
    experiment_panel(snakemake.wildcards.experiment, configs, snakemake.output[0])
