"""Export the selected model (one run, or a seed ensemble's runs): Keras weights,
framework-free weights.npz, architecture.json, vocabulary."""

from nusax_lstm.data.text import read_vocabulary
from nusax_lstm.fileio import read_json
from nusax_lstm.models.export_folder import export_model
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    inputs = snakemake.input
    best = read_json(inputs.best)
    # model, weights and architecture list the same members' files in the same order
    runs = {
        f"seed{seed}": {"model": model, "weights": weights, "architecture": architecture}
        for seed, model, weights, architecture in zip(
            best["members"], inputs.model, inputs.weights, inputs.architecture, strict=True
        )
    }
    meta = {k: best[k] for k in ("config_id", "seed", "names")}
    export_model(runs, read_vocabulary(inputs.vocabulary), meta, snakemake.output)
    print("exported", ", ".join(inputs.model))
