"""One worker of a search: trials added to the search's shared study until it has its
budget (all workers together), each scored by cross-validation on train + valid."""

from pathlib import Path

from nusax_lstm.data.crossval import pooled
from nusax_lstm.fileio import write_json
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.tuning.objective import Settings, Task, objective
from nusax_lstm.tuning.study import counted, open_study, work

with logged(snakemake):
    study = snakemake.params.study
    tasks = []
    for lang in study["languages"]:
        splits = [snakemake.input[f"{lang}_{split}"] for split in ("train", "valid")]
        tasks.append(Task(lang, *pooled(splits)))
    journal = Path(snakemake.params.journal.format(search=snakemake.wildcards.search))
    # pruned only with a score on every language (steps, from 0, go fold by fold over them)
    shared = open_study(study["name"], journal, snakemake.params.seed, warmup=len(tasks) - 1)
    print(f"{study['name']}: {counted(shared)} of {study['trials']} trials stored")
    ran = work(shared, objective(tasks, Settings(**study["settings"])), study["trials"])
    done = counted(shared)
    print(f"this worker ran trials {ran}; {done} of {study['trials']} stored")
    write_json(snakemake.output.worker, {"study": study["name"], "ran": ran, "stored": done})
