"""results/summary.json: every config's scores, the selected model, the Keras-vs-scratch check."""

from nusax_lstm.fileio import read_json, write_json
from nusax_lstm.jobs import logged
from nusax_lstm.report import summary

with logged(snakemake):
    metrics = {}
    for m in map(read_json, snakemake.input.metrics):
        metrics.setdefault(m["config_id"], []).append(m)
    result = summary(
        snakemake.params.experiments,
        metrics,
        read_json(snakemake.input.best[0]),
        read_json(snakemake.input.comparison[0]),
        read_json(snakemake.input.provenance[0]),
    )
    write_json(snakemake.output[0], result)
