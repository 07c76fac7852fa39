"""A search's report: its trials table, its best trial's settings and score, the
optimisation history and the parameter importances."""

from pathlib import Path

from nusax_lstm.fileio import write_json
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.reports import plots
from nusax_lstm.tuning.study import importances, open_study, write_trials

with logged(snakemake):
    out, study = snakemake.output, snakemake.params.study
    journal = Path(snakemake.params.journal.format(search=snakemake.wildcards.search))
    shared = open_study(study["name"], journal, seed=0)
    write_trials(shared, Path(out.trials))
    best, shares = shared.best_trial, importances(shared)
    states = [t.state.name for t in shared.trials]
    finished = [t for t in shared.trials if t.state.name == "COMPLETE"]
    write_json(
        out.best,
        {
            "study": study["name"],
            "languages": study["languages"],
            "trial": best.number,
            "cv_macro_f1": best.value,
            "params": best.params,
            "trials": {s: states.count(s) for s in ("COMPLETE", "PRUNED", "FAIL")},
            "importances": shares,
        },
    )
    title = f"search {snakemake.wildcards.search}"
    plots.search_history([(t.number, t.value) for t in finished], title, out.history)
    plots.importances(shares, title, out.importance)
    print(f"best: trial {best.number}, cv macro F1 {best.value:.4f}, {best.params}")
