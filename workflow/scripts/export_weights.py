"""Export the selected model: Keras weights, framework-free weights.npz, architecture.json."""

from nusax_lstm.export import export_run
from nusax_lstm.fileio import read_json
from nusax_lstm.jobs import logged
from nusax_lstm.selection import best_run_file
from nusax_lstm.text import read_vocabulary

with logged(snakemake):
    best = read_json(snakemake.input.best)
    files = {
        "model": ("models", "model.keras"),
        "weights": ("weights", "weights.npz"),
        "architecture": ("architectures", "architecture.json"),
    }
    run = {key: best_run_file(snakemake.input[i], best, name) for key, (i, name) in files.items()}
    meta = {"config_id": best["config_id"], "seed": best["seed"], "names": best["names"]}
    export_run(run, read_vocabulary(snakemake.input.vocabulary), meta, snakemake.output)
    print("exported", run["model"])
