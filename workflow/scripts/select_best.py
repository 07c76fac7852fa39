"""Choose the best configuration by the configured metric; best.json says what won and why."""

from nusax_lstm.evaluation.selection import cv_score, model_scores, select_best
from nusax_lstm.fileio import read_json, write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    # cross-validated scores (selection.cv_folds): config id -> cv_macro_f1, and per seed
    cv = read_json(snakemake.input.cv_scores[0]) if snakemake.input.cv_scores else {}
    runs = [
        {
            "config_id": m["config_id"],
            "seed": m["seed"],
            "params": m["params"],
            "val_macro_f1": m["valid"]["macro_f1"],
            "test_macro_f1": m["test"]["macro_f1"],
            "members": m.get("members"),
        }
        | cv_score(cv, m["config_id"], m["seed"])
        for m in model_scores(map(read_json, snakemake.input.metrics), snakemake.params.candidates)
    ]
    best = select_best(runs, snakemake.params.metric, snakemake.params.names)
    print(best["config_id"], "members", best["members"], ":", best["reason"])
    write_json(snakemake.output.best, best)
