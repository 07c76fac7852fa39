"""A search as an Optuna study that parallel workers share: its trials live in a journal
file (Optuna's JournalStorage), which each worker, a Snakemake job here or under Slurm,
opens, adds its trials to and reads the others' from; a killed search resumes from the
trials stored (the trials it was running stay RUNNING there, and do not count). TPE
samples (seeded per worker), a median pruner stops trials whose running score trails the
median of earlier trials at the same step, once they have a score on every data set.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.study import MaxTrialsCallback
from optuna.trial import TrialState

from ..fileio import atomic_path

COUNTED = ("COMPLETE", "PRUNED")  # the trials that count towards a search's budget
STARTUP = 5  # trials sampled at random, and run unpruned, before TPE and the pruner start


def open_study(name: str, journal: Path, seed: int, warmup: int = 0) -> optuna.Study:
    """The search `name` stored in `journal` (made if new), sampling with `seed`, pruning
    from step `warmup` on (a trial's running mean over fewer steps, one language's fold,
    is too noisy to stop it on)."""
    journal.parent.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        study_name=name,
        storage=JournalStorage(JournalFileBackend(str(journal))),
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=STARTUP),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=STARTUP, n_warmup_steps=warmup),
        load_if_exists=True,
    )


def counted(study: optuna.Study) -> int:
    """How many of the study's trials count towards its budget (finished or pruned)."""
    return sum(t.state.name in COUNTED for t in study.trials)


def work(study: optuna.Study, objective: Callable, trials: int) -> list[int]:
    """Run trials until the study (all workers together) has `trials` counted ones; the
    numbers of the trials this worker ran."""
    ran: list[int] = []
    if counted(study) >= trials:
        return ran
    states = tuple(TrialState[state] for state in COUNTED)
    study.optimize(
        objective,
        callbacks=[MaxTrialsCallback(trials, states=states), lambda _, t: ran.append(t.number)],
        gc_after_trial=True,
    )
    return ran


def write_trials(study: optuna.Study, path: Path) -> None:
    """The trials table: number, state, score, seconds, then every parameter."""
    names = sorted({name for t in study.trials for name in t.params})
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["number", "state", "value", "seconds", *names])
        for t in study.trials:
            seconds = t.duration.total_seconds() if t.duration else ""
            values = [t.params.get(name, "") for name in names]
            writer.writerow([t.number, t.state.name, t.value, seconds, *values])


def importances(study: optuna.Study) -> dict[str, float]:
    """Each parameter's share of the score's variance over the finished trials (fANOVA);
    empty with fewer than two finished trials."""
    finished = [t for t in study.trials if t.state.name == "COMPLETE"]
    if len(finished) < 2:
        return {}
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
    return optuna.importance.get_param_importances(study, evaluator=evaluator)
