"""The hyperparameter search (workflow/rules/tune.smk, nusax_lstm.tuning): a trial's
choices reach training as the study file says them, parallel workers share one study, a
stopped search resumes from its stored trials, and the test split is no input."""

from __future__ import annotations

import copy
import csv
import json

import optuna
import pytest
import yaml
from conftest import REPO, TINY_CONFIG, files_outside_the_dag, job_counts, snakemake, write_config

from nusax_lstm import UserError
from nusax_lstm.models.training_config import TrainingConfig
from nusax_lstm.pipeline.configs import model_params, parse_config, train_params
from nusax_lstm.pipeline.studyfile import validated
from nusax_lstm.tuning.space import (
    SPACE,
    check_searches,
    space,
    study_entry,
    suggest,
    training_config,
    winners,
)
from nusax_lstm.tuning.study import STARTUP, open_study

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
SUBWORDS = {"buckets": 32768, "min_n": 3, "max_n": 5, "per_token": 24}
# A search that trains in seconds: small networks, few epochs, word or subword inputs
TINY_SPACE = {
    "units": [4, 8],
    "embedding_dim": [8],
    "epochs": [1, 2],
    "batch_size": [64],
    "buckets": [512],
}


@pytest.mark.parametrize("index", range(6))
def test_a_trials_choices_reach_training_as_the_study_file_writes_them(index):
    """study_entry (the study file's config) read by the pipeline trains the network
    training_config made for the trial."""
    fixed = {
        name: args[0][index % len(args[0])] if kind == "categorical" else args[index % 2]
        for name, (kind, *args) in SPACE.items()
    }
    params = suggest(optuna.trial.FixedTrial(fixed), SPACE)
    train = validated(copy.deepcopy(TINY_CONFIG), SCHEMA)["train"]
    config = parse_config(study_entry("searched", params), train, "experiments.searched[0]")
    model = model_params(config, train, SUBWORDS)
    assert TrainingConfig.of(model, train_params(train)) == training_config(params, SUBWORDS)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"depth": [1]}, "not among"), ({"dropout": [0.5, 0.1]}, r"expected \[low, high\]")],
)
def test_a_space_override_that_cannot_be_searched_is_one_line(overrides, message):
    with pytest.raises(UserError, match=message):
        space(overrides)


def test_a_searchs_own_space_override_is_checked_where_it_is_written():
    search = {"languages": ["ind"], "trials": 1, "space": {"depth": [1]}}
    tune = {"space": {}, "searches": {"sub": search}}
    with pytest.raises(UserError, match=r"^tune\.searches\.sub\.space: \['depth'\] not among"):
        check_searches(tune, ["ind"])


def best(languages: list[str], score: float) -> dict:
    return {"languages": languages, "cv_macro_f1": score}


@pytest.mark.parametrize(
    ("scores", "kept"),
    [((0.70, 0.72, 0.69), ["subwords", "mul"]), ((0.72, 0.70, 0.69), ["words", "mul"])],
)
def test_of_searches_over_the_same_data_the_best_scoring_is_kept(scores, kept):
    """Searches on the same languages (in any order) compete; another data set's does not."""
    bests = {
        "subwords": best(["ind", "jav"], scores[1]),
        "words": best(["jav", "ind"], scores[0]),
        "mul": best(["mul"], scores[2]),
    }
    assert sorted(winners(bests)) == sorted(kept)


def tune_config(mirror, trials: int, workers: int) -> dict:
    config = copy.deepcopy(TINY_CONFIG)
    config["data"] = {"languages": ["ind", "jav"], "mirrors": [str(mirror)]}
    config["experiments"] = {}
    config["tune"] = {
        "searches": {
            "in_language": {
                "languages": ["ind", "jav"],
                "trials": trials,
                "space": {"cell": ["gru"]},  # over tune.space's
            }
        },
        "folds": 2,
        "workers": workers,
        "space": TINY_SPACE,
    }
    return config


def stored(workdir) -> dict:
    return json.loads((workdir / "results" / "tune" / "in_language" / "best.json").read_text())


def test_workers_share_one_study_which_resumes_and_never_reads_the_test_split(tmp_path, mirror):
    """Two workers add trials to one journal until the search has its three; asked for
    five, the search adds two more to the stored ones. The test split's files hold no CSV
    once downloaded: a search that read them would fail."""
    write_config(tmp_path, tune_config(mirror, trials=3, workers=2))
    tests = [f"results/{lang}/data/test.csv" for lang in ("ind", "jav")]
    data = snakemake(tmp_path, "--cores", "2", *tests)
    assert data.returncode == 0, data.stderr[-3000:]
    for path in tests:
        (tmp_path / path).write_bytes(b"\x00 not a csv \xff")

    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-5000:]
    counts = job_counts(result.stderr)  # a run's job stats: on stderr
    assert (counts["tune"], counts["tune_report"], counts["tune_study"]) == (2, 1, 1)
    assert not {"train", "train_numpy", "vectorize"} & set(counts)  # a search, no study
    folder = tmp_path / "results" / "tune" / "in_language"
    workers = [json.loads((folder / f"worker{w}.json").read_text()) for w in (0, 1)]
    ran = [number for worker in workers for number in worker["ran"]]
    assert sorted(ran) == list(range(len(ran))) and len(ran) >= 3  # one study, shared
    best = stored(tmp_path)
    assert sum(best["trials"].values()) == len(ran) and 0 < best["cv_macro_f1"] <= 1
    assert set(best["importances"]) <= set(SPACE)
    for name in ("trials.csv", "history.png", "importance.png"):
        assert (folder / name).stat().st_size > 0
    cells = {row["cell"] for row in csv.DictReader(open(folder / "trials.csv"))}
    assert cells == {"gru"}  # the search's own space over tune.space's

    config = tune_config(mirror, trials=5, workers=2)
    write_config(tmp_path, config)
    again = snakemake(tmp_path, "--cores", "2")
    assert again.returncode == 0, again.stderr[-5000:]
    resumed = stored(tmp_path)
    assert resumed["study"] == best["study"]  # the same search, its trials kept
    counted = resumed["trials"]["COMPLETE"] + resumed["trials"]["PRUNED"]
    assert counted >= 5 and sum(resumed["trials"].values()) < len(ran) + 5
    # the journal, which every worker of the search adds to, is no one job's output
    assert files_outside_the_dag(tmp_path) == ["results/tune/in_language/journal.log"]

    study = yaml.safe_load((tmp_path / "results" / "tune" / "study.yaml").read_text())
    (entry,) = study["experiments"]["searched"]
    assert entry["name"] == "searched: in_language" and entry["engine"] == "numpy"
    dry = snakemake(tmp_path, "-n", "--cores", "2", "--configfile", "results/tune/study.yaml")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert job_counts(dry.stdout)["train_numpy"] == 5 * 3  # five seeds, ind, jav and mul


def test_a_trial_is_pruned_only_once_it_has_a_score_on_every_data_set(tmp_path):
    """Three data sets: steps 0-2 are the first fold's; a trial far below the median is
    not stopped before step 2 (warmup 2), then it is."""
    study = open_study("s", tmp_path / "journal.log", seed=0, warmup=2)
    for _ in range(STARTUP):
        done = study.ask()
        for step in range(3):
            done.report(0.7, step)
        study.tell(done, 0.7)
    trial = study.ask()
    pruned = []
    for step in range(3):
        trial.report(0.2, step)
        pruned.append(trial.should_prune())
    assert pruned == [False, False, True]
