"""The searched settings as a study file, results/tune/study.yaml: the NusaX table study
with one config per search (its best trial's choices), on this study's data."""

import yaml

from nusax_lstm.fileio import read_json, write_text
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.tuning.space import study_entry

HEADER = """\
# Written by the tune rules (docs/tuning.md): each search's best settings as a config.
# Run with: snakemake --cores all --configfile results/tune/study.yaml
"""

with logged(snakemake):
    p = snakemake.params
    configs = []
    for search, path in zip(p.searches, snakemake.input.best, strict=True):
        best = read_json(path)
        configs.append(study_entry(f"searched: {search}", best["params"]))
        print(f"{search}: trial {best['trial']}, cv macro F1 {best['cv_macro_f1']:.4f}")
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
