"""Export the selected model: Keras weights, framework-free weights.npz, architecture.json."""

from nusax_lstm.export import export_run
from nusax_lstm.fileio import read_json
from nusax_lstm.joblog import logged
from nusax_lstm.text import read_vocabulary

with logged(snakemake):
    inputs = snakemake.input
    best = read_json(inputs.best)
    run = {"model": inputs.model, "weights": inputs.weights, "architecture": inputs.architecture}
    meta = {"config_id": best["config_id"], "seed": best["seed"], "names": best["names"]}
    export_run(run, read_vocabulary(inputs.vocabulary), meta, snakemake.output)
    print("exported", inputs.model)
