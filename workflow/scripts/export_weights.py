"""Export the selected model: Keras weights, framework-free weights.npz, architecture.json."""

from nusax_lstm.fileio import read_json
from nusax_lstm.jobs import logged
from nusax_lstm.keras_model import export_files
from nusax_lstm.selection import best_run_file
from nusax_lstm.text import read_vocabulary

with logged(snakemake):
    best = read_json(snakemake.input.best)
    model_path = best_run_file(snakemake.input.models, best, "model.keras")
    info = read_json(best_run_file(snakemake.input.infos, best, "info.json"))
    meta = {"config_id": best["config_id"], "seed": best["seed"], "names": best["names"]}
    vocabulary = read_vocabulary(snakemake.input.vocabulary)
    export_files(model_path, vocabulary, info["padding"], meta, snakemake.output)
    print("exported", model_path)
