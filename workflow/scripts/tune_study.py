"""The searched settings as a study file, results/tune/study.yaml: the NusaX table study
with one config per search (its best trial's choices), on this study's data; of searches
over the same data sets, only the one whose best scores highest."""

import yaml

from nusax_lstm.fileio import read_json, write_text
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.tuning.space import study_entry, winners

HEADER = """\
# Written by the tune rules (docs/tuning.md): as a config, the best settings of each data
# set's best-scoring search.
# Run with: snakemake --cores all --configfile results/tune/study.yaml
"""

with logged(snakemake):
    p = snakemake.params
    bests = {s: read_json(path) for s, path in zip(p.searches, snakemake.input.best, strict=True)}
    kept = winners(bests)
    for search, best in bests.items():
        verdict = "kept" if search in kept else "outscored by a search on the same data"
        print(f"{search}: trial {best['trial']}, cv macro F1 {best['cv_macro_f1']:.4f}, {verdict}")
    configs = [study_entry(f"searched: {s}", best["params"]) for s, best in kept.items()]
    study = {
        "study": "searched",
        "data": p.data,
        "vectorize": p.vectorize,
        "train": {"engine": "numpy", "seeds": [42, 43, 44, 45, 46]},
        "experiments": {"searched": configs},
        "table": p.table
        | {"enabled": True, "multilingual": p.table["multilingual"] | {"enabled": True}},
        "explain": {"enabled": False},
    }
    write_text(snakemake.output.study, HEADER + yaml.safe_dump(study, sort_keys=False))
