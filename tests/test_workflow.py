"""The real Snakemake on the tiny study: outputs, caching, targeted reruns, config errors."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml
from conftest import (
    REPO,
    TINY_CONFIG,
    cli,
    files_outside_the_dag,
    job_counts,
    modulefinder_closure,
    rule_blocks,
    rule_script,
    snakemake,
    write_config,
)
from test_configs import CONFIG_ERRORS

from nusax_lstm import LABELS
from nusax_lstm.data.nusax import read_split
from nusax_lstm.evaluation.metrics import macro_f1
from nusax_lstm.pipeline.configs import expand
from nusax_lstm.scratch.loader import from_export

pytestmark = pytest.mark.slow


def read(workdir, path):
    return json.loads((workdir / path).read_text())


def test_every_declared_output_exists(tiny_run):
    result = snakemake(tiny_run, "--summary")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:] if line.strip()]
    assert len(rows) > 20
    missing = [
        row[0] for row in rows if row[0].startswith("results/") and not (tiny_run / row[0]).exists()
    ]
    assert missing == []
    assert files_outside_the_dag(tiny_run) == []


@pytest.mark.parametrize("lang", ["ind", "jav"])
def test_summary_is_sane(tiny_run, lang):
    summary = read(tiny_run, "results/summary.json")["languages"][lang]
    assert summary["language"] == lang
    configs = summary["experiments"]["tiny"]
    assert set(configs) == {"Uni", "Bi"}
    assert {c["config_id"] for c in configs.values()} == {"lstm-8", "bilstm-8-4-es"}
    for c in configs.values():
        assert 0 <= c["val_macro_f1"] <= 1 and 0 <= c["test_macro_f1"] <= 1
        assert c["params"] > 0
    best = summary["best"]
    assert best["config_id"] in {"lstm-8", "bilstm-8-4-es"} and best["metric"] == "val_macro_f1"
    assert best["value"] == max(c["val_macro_f1"] for c in configs.values())
    comparison = summary["comparison"]
    assert comparison["agreement"] == 1.0
    assert comparison["max_abs_prob_diff"] <= 1e-5
    assert comparison["keras_macro_f1"] == comparison["scratch_macro_f1"] == best["test_macro_f1"]
    linear = {"LinearSVC", "LogisticRegression", "MultinomialNB"}  # on word 1-2-grams
    assert set(summary["baselines"]) == linear | {"LogisticRegression, word + char n-grams"}
    assert all(0 <= b["test_macro_f1"] <= 1 for b in summary["baselines"].values())
    # intervals hold their score (one seed: the config's mean is that seed's F1)
    for r in [*configs.values(), *summary["baselines"].values()]:
        low, high = r["test_interval"]
        assert low <= r["test_macro_f1"] <= high
    (test,) = summary["tests"]["tiny"]  # the best on validation against the other
    assert test["model"] == best["config_id"] and 0 < test["p"] <= 1
    versus = summary["selected_vs_baseline"]
    assert versus["model"] == best["config_id"]
    assert versus["against"] == max(
        summary["baselines"], key=lambda n: summary["baselines"][n]["val_macro_f1"]
    )


def test_summary_keeps_the_single_language_contract_at_the_top(tiny_run):
    summary = read(tiny_run, "results/summary.json")
    first = summary["languages"]["ind"]
    assert {k: summary[k] for k in first} == first
    markdown = (tiny_run / "results" / "summary.md").read_text()
    assert "## Language: ind" in markdown and "## Language: jav" in markdown
    assert "tiny: " in markdown and "one seed only" in markdown
    assert "95 % interval" in markdown and "Against the baseline best on validation" in markdown


def test_probabilities_and_provenance(tiny_run):
    lang = tiny_run / "results" / "ind"
    for probs in [*lang.glob("models/*/seed7/probs_*.npy"), lang / "scratch" / "probs_test.npy"]:
        p = np.load(probs)
        assert p.shape[1] == 3 and np.allclose(p.sum(axis=1), 1, atol=1e-5), probs
    provenance = read(tiny_run, "results/ind/data/provenance.json")
    assert provenance["source"] == "mirror" and provenance["language"] == "ind"
    assert {s: f["rows"] for s, f in provenance["files"].items()} == {
        "train": 500,
        "valid": 100,
        "test": 400,
    }
    assert provenance["files"]["train"]["labels"] == {
        "negative": 192,
        "neutral": 119,
        "positive": 189,
    }
    assert all(f["verified"] for f in provenance["files"].values())
    history = read(tiny_run, "results/ind/models/lstm-8/seed7/history.json")
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 1 for v in history.values())
    info = read(tiny_run, "results/ind/models/bilstm-8-4-es/seed7/info.json")
    assert info["early_stopping"] == {"monitor": "val_loss", "patience": 3}
    assert info["epochs_trained"] == info["epoch_kept"] == 1
    architecture = read(tiny_run, "results/ind/best/export/architecture.json")
    assert architecture["mask_zero"] is True and architecture["sequence_length"] == 40
    assert (lang / "best" / "export" / "keras" / "seed7.weights.h5").stat().st_size > 0
    comparison = (lang / "comparison.md").read_text()
    assert "agreement: 400/400 (100.00 %)" in comparison


FIGURES = [
    "experiment_tiny.png",
    "overview.png",
    "best_confusion.png",
    "best_history.png",
    "keras_vs_scratch.png",
]


@pytest.mark.parametrize("lang", ["ind", "jav"])
def test_figures_are_pngs(tiny_run, lang):
    for name in FIGURES:
        data = (tiny_run / "results" / lang / "figures" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name


def test_report_names_every_figure(tiny_run, tmp_path):
    report = tmp_path / "report.html"
    result = snakemake(tiny_run, "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    html = report.read_text(errors="replace")
    for name in [*FIGURES, "summary.md", "summary.json", "comparison.md", "negation-1.png"]:
        assert name in html, name


@pytest.mark.parametrize("lang", ["ind", "jav"])
def test_the_explain_rule_explains_texts_chosen_by_rule(tiny_run, lang):
    """The selected model's most confident right and wrong test predictions and, in
    Indonesian (whose negation words the default config lists), the three shortest test
    texts holding one; a figure each, attributions complete within 1 %."""
    records = read(tiny_run, f"results/{lang}/explanations.json")
    kinds = [r["kind"] for r in records]
    negations = ["negation-1", "negation-2", "negation-3"] if lang == "ind" else []
    assert "right" in kinds and kinds == [k for k in ("right", "wrong") if k in kinds] + negations
    texts, labels = read_split(tiny_run / "results" / lang / "data" / "test.csv")
    for r in records:
        assert r["text"] == texts[r["row"]] and r["true_label"] == LABELS[labels[r["row"]]]
        if not r["kind"].startswith("negation"):
            assert (r["label"] == r["true_label"]) == (r["kind"] == "right")
        total = sum(t["attribution"] for t in r["tokens"])
        assert total == pytest.approx(r["score"] - r["baseline_score"], rel=0.01, abs=1e-9)
    figures = tiny_run / "results" / lang / "figures" / "explanations"
    assert sorted(p.stem for p in figures.glob("*.png")) == sorted(kinds)


def test_second_invocation_has_nothing_to_do(tiny_run):
    result = snakemake(tiny_run, "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr
    assert job_counts(result.stdout) == {}
    assert "Nothing to be done" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "deleted",
    [
        "results/ind/models/lstm-8/seed7/probs_test.npy",
        "results/jav/models/bilstm-8-4-es/seed7/history.json",
        "results/ind/data/provenance.json",
        "results/jav/scratch/predictions_test.csv",
        "results/ind/best/export/vocabulary.txt",
        "results/jav/figures/best_history.png",
    ],
)
def test_a_deleted_result_is_remade_by_a_plain_rerun(tiny_run, tmp_path, deleted):
    """Files that nothing after them reads still count: the default target asks for every
    output a run leaves that is missing, so a plain rerun plans the job that makes the
    deleted one."""
    workdir = tmp_path / "copy"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    (workdir / deleted).unlink()
    result = snakemake(workdir, "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    planned = re.findall(r"^ +output: (.*)$", result.stdout, re.MULTILINE)
    assert any(deleted in line.split(", ") for line in planned), result.stdout[-3000:]


def test_changing_units_reruns_that_config_and_downstream_only(tiny_run, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    config = copy.deepcopy(TINY_CONFIG)
    config["experiments"]["tiny"][0]["units"] = [6]
    write_config(workdir, config)
    result = snakemake(workdir, "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr
    assert job_counts(result.stdout) == UNITS_CHANGED
    for lang in ("ind", "jav"):
        assert f"results/{lang}/models/lstm-6/seed7/model.keras" in result.stdout


def reversed_keys(value):
    """`value` with the keys of every mapping in it in reverse order (lists kept)."""
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(value)}
    return [reversed_keys(v) for v in value] if isinstance(value, list) else value


def test_key_order_reruns_nothing_and_a_changed_value_only_its_networks(tiny_run, tmp_path):
    """Params compare by values: the config with every section and key in reverse order
    plans no job; with one config's units changed too, that config's jobs and no others."""
    workdir = tmp_path / "copy"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    config = reversed_keys(TINY_CONFIG)
    assert list(config) != list(TINY_CONFIG)
    write_config(workdir, config)
    result = snakemake(workdir, "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr
    assert job_counts(result.stdout) == {}, result.stdout[-3000:]

    config["experiments"]["tiny"][0]["units"] = [6]
    write_config(workdir, config)
    result = snakemake(workdir, "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr
    assert job_counts(result.stdout) == UNITS_CHANGED


# What a changed `units` of the tiny study's first config reruns.
UNITS_CHANGED = dict.fromkeys(
    [
        "train",
        "evaluate",
        "select_best",
        "statistics",
        "export_weights",
        "scratch_inference",
        "compare",
        "explain",
        "plot_experiment",
        "plot_study",
    ],
    2,
) | {"summary": 1, "all": 1}


@pytest.mark.parametrize(
    "form",
    [[], ["--replace-workflow-config"], ["--profile", str(REPO / "profiles" / "slurm")]],
    ids=["configfile", "replace-workflow-config", "slurm profile"],
)
@pytest.mark.parametrize("study", sorted((REPO / "studies").glob("*.yaml")), ids=lambda p: p.name)
def test_a_study_file_runs_as_itself_in_every_form_of_the_command(tmp_path, study, form):
    """`--configfile studies/X.yaml` beside the default config.yaml plans study X's jobs,
    no more: the ones it plans as the only config file."""
    alone, beside = tmp_path / "alone", tmp_path / "beside"
    write_config(alone, yaml.safe_load(study.read_text()))
    write_config(beside, yaml.safe_load((REPO / "config.yaml").read_text()))
    expected = job_counts(snakemake(alone, "-n").stdout)
    assert sum(expected.get(rule, 0) for rule in ("train", "train_numpy", "tune")) > 0
    result = snakemake(beside, "-n", "--configfile", str(study), *form)
    assert result.returncode == 0, result.stderr[-3000:]
    assert job_counts(result.stdout) == expected


def copy_project(tiny_run, tmp_path):
    """The project and the tiny study's results, each copied elsewhere (times kept)."""
    project, workdir = tmp_path / "project", tmp_path / "work"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    for part in ("workflow", "src", "envs", "profiles"):
        shutil.copytree(REPO / part, project / part, ignore=shutil.ignore_patterns("*.egg-info"))
    shutil.copy2(REPO / "Snakefile", project / "Snakefile")
    return project, workdir


def output_status(workdir, project) -> dict[str, set[str]]:
    """rule -> the statuses of its outputs (`snakemake --summary`: ok, params changed...)."""
    result = snakemake(workdir, "--summary", project=project)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    header = next(row for row in rows if row[0] == "output_file")
    rule, status = header.index("rule"), header.index("status")
    statuses = {}
    for row in rows[rows.index(header) + 1 :]:
        statuses.setdefault(row[rule], set()).add(row[status])
    return statuses


def test_a_moved_project_reruns_nothing_and_an_edited_module_only_its_rules(tiny_run, tmp_path):
    """The package's code counts by its bytes (a param of each rule), not by its path or
    times: the project and its results moved elsewhere have nothing to do, and an edit to
    the engine reruns the scratch inference and what reads its output, nothing else."""
    project, workdir = copy_project(tiny_run, tmp_path)
    result = snakemake(workdir, "-n", "--cores", "2", project=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert job_counts(result.stdout) == {}

    engine = project / "src" / "nusax_lstm" / "scratch" / "model.py"
    engine.write_text(engine.read_text() + "\n# an edit\n")
    result = snakemake(workdir, "-n", "--cores", "2", project=project)
    assert result.returncode == 0, result.stderr[-3000:]
    after = dict.fromkeys(["scratch_inference", "compare", "explain", "plot_study"], 2)
    assert job_counts(result.stdout) == after | {"summary": 1, "all": 1}


def test_a_fresh_checkout_reruns_nothing_and_an_edited_script_only_its_rule(tiny_run, tmp_path):
    """A workflow script counts by its bytes too: files as a fresh clone leaves them (every
    time newer than the results) have nothing to do, and an edit to one script reruns its
    rule and what reads its output."""
    project, workdir = copy_project(tiny_run, tmp_path)
    later = time.time() + 60
    for path in project.rglob("*"):
        os.utime(path, (later, later))
    result = snakemake(workdir, "-n", "--cores", "2", project=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert job_counts(result.stdout) == {}

    script = project / "workflow" / "scripts" / "compare.py"
    script.write_text(script.read_text() + "\n# an edit\n")
    result = snakemake(workdir, "-n", "--cores", "2", project=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert job_counts(result.stdout) == {"compare": 2, "summary": 1, "all": 1}  # 2 languages


# Modules downstream of select_best's checkpoint, or upstream of nothing that reruns it:
# a changed checkpoint input hides what --summary reports for the rules after it.
EDITED = [
    "evaluation/bootstrap.py",
    "scratch/ensemble.py",
    "models/keras_backend.py",
    "evaluation/comparison.py",
    "evaluation/baselines.py",
    "reports/nusax_table.py",
]


@pytest.mark.parametrize("module", EDITED)
def test_an_edited_module_changes_the_params_of_exactly_the_rules_that_load_it(
    tiny_run, tmp_path, module
):
    """The rules whose `package` param changes are those whose script loads the edited
    file by the standard library's modulefinder (a data file: those that name it), among
    the rules the tiny study runs; no other rule's."""
    project, workdir = copy_project(tiny_run, tmp_path)
    package = project / "src" / "nusax_lstm"
    edited = package / module
    edited.write_bytes(edited.read_bytes() + b"\n")
    scripts = project / "workflow" / "scripts"
    loads = {
        rule
        for rule, block in rule_blocks().items()
        if rule_script(block)
        and edited in modulefinder_closure(scripts / rule_script(block), package)
    }
    statuses = output_status(workdir, project)
    changed = {rule for rule, status in statuses.items() if "params changed" in status}
    assert changed == loads & set(statuses)
    assert (
        changed or module == "reports/nusax_table.py"
    )  # a module the tiny study's rules never load


def test_the_pipeline_benchmark_pairs_no_op_reruns_with_a_one_rule_workflow(tiny_run, tmp_path):
    """`benchmarks/pipeline.py --noop DIR`: a study with jobs to run is refused; on a study
    that is done, the printed share is the paired difference (two pairs: each median is a
    mean, so the share's equals the study's minus the one-rule workflow's)."""
    benchmark = [sys.executable, str(REPO / "benchmarks" / "pipeline.py"), "--cores", "2"]
    write_config(tmp_path, TINY_CONFIG)
    result = subprocess.run([*benchmark, "--noop", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0 and "has jobs to run" in result.stderr

    result = subprocess.run(
        [*benchmark, "--noop", str(tiny_run), "--noop-runs", "2"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    medians = dict(re.findall(r"^ +(\S.*?) +(-?[\d.]+) s \(", result.stdout, re.MULTILINE))
    study, floor = float(medians["the study"]), float(medians["a one-rule workflow"])
    assert float(medians["the study's share (paired)"]) == pytest.approx(study - floor, abs=0.02)
    assert floor > 0
    ratio = re.search(r"the study / one rule +([\d.]+)x \(([\d.]+)-([\d.]+)\)", result.stdout)
    assert ratio and float(ratio[2]) <= float(ratio[1]) <= float(ratio[3])


def test_a_seed_ensemble_is_selected_exported_and_run_from_scratch(tmp_path, mirror):
    """Two seeds, ensembles only as candidates: the ensemble's probabilities are its runs'
    mean, it is exported whole, and the NumPy engine (and `nusax-lstm predict`) runs it as
    Keras's members do on average."""
    config = copy.deepcopy(TINY_CONFIG)
    config["data"] = {"languages": ["ind"], "mirrors": [str(mirror)]}
    config["train"]["seeds"] = [7, 8]
    config["experiments"] = {"tiny": config["experiments"]["tiny"][:1]}
    config["selection"] = {"candidates": ["ensembles"], "cv_folds": 2}
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-5000:]
    best = read(tmp_path, "results/ind/best/best.json")
    assert (best["config_id"], best["seed"], best["members"]) == ("lstm-8-ensemble", None, [7, 8])
    # selected on 2-fold cross-validation over train + valid: the folds hold out each of
    # those 600 texts once and no test text; the score is the ensemble's, recomputed
    cv = tmp_path / "results" / "ind" / "cv"
    folds = [dict(np.load(cv / f"fold{f}" / "sequences.npz")) for f in (0, 1)]
    assert [len(f["y_valid"]) + len(f["y_train"]) for f in folds] == [600, 600]
    assert sum(len(f["y_valid"]) for f in folds) == 600
    assert all(len(f["x_test"]) == 0 for f in folds)
    averaged = [
        np.mean([np.load(cv / f"fold{f}/models/lstm-8/seed{s}/probs_valid.npy") for s in (7, 8)], 0)
        for f in (0, 1)
    ]
    scores = [macro_f1(f["y_valid"], p.argmax(1)) for f, p in zip(folds, averaged, strict=True)]
    assert best["metric"] == "cv_macro_f1" and best["value"] == pytest.approx(np.mean(scores))
    assert files_outside_the_dag(tmp_path) == []  # fold runs and ensembles included
    models = tmp_path / "results" / "ind" / "models" / "lstm-8"
    runs = [np.load(models / f"seed{s}" / "probs_test.npy") for s in (7, 8)]
    assert np.allclose(np.load(models / "ensemble" / "probs_test.npy"), np.mean(runs, axis=0))
    export = tmp_path / "results" / "ind" / "best" / "export"
    assert read(tmp_path, "results/ind/best/export/architecture.json")["members"] == [
        "seed7",
        "seed8",
    ]
    assert sorted(p.name for p in (export / "keras").glob("*.h5")) == [
        "seed7.weights.h5",
        "seed8.weights.h5",
    ]
    comparison = read(tmp_path, "results/ind/comparison.json")
    assert comparison["agreement"] == 1.0 and comparison["max_abs_prob_diff"] <= 1e-5
    summary = read(tmp_path, "results/summary.json")
    assert summary["ensembles"]["lstm-8-ensemble"]["members"] == [7, 8]
    assert "lstm-8-ensemble" in (tmp_path / "results" / "summary.md").read_text()
    predicted = subprocess.run(
        [sys.executable, "-m", "nusax_lstm.cli", "predict", str(export), "Enak sekali!"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert predicted.returncode == 0, predicted.stderr


def test_train_engine_numpy_trains_exports_and_matches_its_keras_twin(tmp_path, mirror):
    """train.engine: numpy: the NumPy engine trains; each seed's Keras twin (its weights
    in a Keras model, all seeds in one job) predicts the test split as the engine did."""
    config = copy.deepcopy(TINY_CONFIG)
    config["data"] = {"languages": ["ind"], "mirrors": [str(mirror)]}
    config["train"] |= {"engine": "numpy", "seeds": [7, 8]}
    config["experiments"] = {"tiny": config["experiments"]["tiny"][1:]}  # Bi [8, 4], stopping
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-5000:]
    best = read(tmp_path, "results/ind/best/best.json")
    assert best["config_id"].startswith("bilstm-8-4-es-numpy")
    assert result.stderr.count("rule keras_twin:") == 1  # after the checkpoint: no Job stats
    for seed in (7, 8):
        run = tmp_path / "results" / "ind" / "models" / "bilstm-8-4-es-numpy" / f"seed{seed}"
        assert read(tmp_path, f"{run.relative_to(tmp_path)}/info.json")["engine"] == "numpy"
        twin = np.load(run / "keras_probs_test.npy")
        assert np.abs(twin - np.load(run / "probs_test.npy")).max() <= 1e-5
    comparison = read(tmp_path, "results/ind/comparison.json")
    assert comparison["agreement"] == 1.0 and comparison["max_abs_prob_diff"] <= 1e-5
    export = tmp_path / "results" / "ind" / "best" / "export" / "keras"
    assert {f.name for f in export.glob("*.h5")} == {f"seed{s}.weights.h5" for s in best["members"]}


def keras_and_numpy_pair(tmp_path, mirror, variant: dict, inputs="sequences.npz", vectorize=None):
    """An experiment of two configs with `variant`'s settings: Keras trains one, [8], the
    NumPy engine the other, Bi [8, 4], whose Keras twin is made too. The engine predicts
    the Keras-trained run's test split (its inputs: `inputs` of the language's
    vectorized/) as Keras did, the twin predicts the NumPy-trained run's as the engine
    did, and the selected model goes through export, scratch inference and explain. The
    language's results folder, and the two runs' folders."""
    config = copy.deepcopy(TINY_CONFIG)
    config["data"] = {"languages": ["ind"], "mirrors": [str(mirror)]}
    config["vectorize"] |= vectorize or {}
    pair = [
        {"name": "Keras", "units": [8]} | variant,
        {"name": "NumPy", "units": [8, 4], "bidirectional": True, "engine": "numpy"} | variant,
    ]
    config["experiments"] = {"pair": pair}
    named = expand(config["experiments"], config["train"])["pair"]
    keras_id, numpy_id = (named[c["name"]].id for c in pair)
    write_config(tmp_path, config)
    twin = f"results/ind/models/{numpy_id}/seed7/keras_probs_test.npy"  # made on request
    result = snakemake(tmp_path, "--cores", "2", "all", twin)
    assert result.returncode == 0, result.stderr[-5000:]
    results = tmp_path / "results" / "ind"
    assert {p.name for p in (results / "models").iterdir()} == {keras_id, numpy_id}
    keras_run, numpy_run = (results / "models" / i / "seed7" for i in (keras_id, numpy_id))
    x_test = np.load(results / "vectorized" / inputs)["x_test"]
    engine = from_export(read(keras_run, "architecture.json"), np.load(keras_run / "weights.npz"))
    probs = engine.predict_proba(x_test)
    assert np.abs(probs - np.load(keras_run / "probs_test.npy")).max() <= 1e-5
    twin_probs = np.load(tmp_path / twin)
    assert np.abs(twin_probs - np.load(numpy_run / "probs_test.npy")).max() <= 1e-5
    comparison = read(tmp_path, "results/ind/comparison.json")
    assert comparison["agreement"] == 1.0 and comparison["max_abs_prob_diff"] <= 1e-5
    assert (results / "explanations.json").is_file()
    return results, keras_run, numpy_run


def test_gru_configs_train_with_keras_and_numpy_and_run_from_scratch(tmp_path, mirror):
    """`cell: gru` (Keras's GRU, reset_after) through training, export and scratch."""
    _, keras_run, numpy_run = keras_and_numpy_pair(tmp_path, mirror, {"cell": "gru"})
    assert read(keras_run, "architecture.json")["layers"][1]["type"] == "GRU"
    assert read(numpy_run, "architecture.json")["layers"][1]["forward"]["type"] == "GRU"


def test_subword_configs_train_with_keras_and_numpy_and_run_from_scratch(tmp_path, mirror):
    """`input: subword`: each token's word id and character n-grams (subwords-300.npz)
    through Keras (on JAX) and NumPy training, export, scratch inference from the texts
    and `nusax-lstm predict`, which make the same inputs."""
    settings = {"subwords": {"buckets": 300, "per_token": 8}}
    results, keras_run, _ = keras_and_numpy_pair(
        tmp_path, mirror, {"input": "subword"}, "subwords-300.npz", settings
    )
    inputs = np.load(results / "vectorized" / "subwords-300.npz")["x_test"]
    words = np.load(results / "vectorized" / "sequences.npz")["x_test"]
    assert inputs.shape == (*words.shape, 9)
    np.testing.assert_array_equal(inputs[..., 0], words)
    first = read(keras_run, "architecture.json")["layers"][0]
    settings = {"buckets": 300, "min_n": 3, "max_n": 5, "per_token": 8, "hash": "crc32"}
    assert first["type"] == "SubwordEmbedding" and first | settings == first
    texts, _ = read_split(results / "data" / "test.csv")
    predicted = cli("predict", results / "best" / "export", "--json", *texts[:3])
    assert predicted.returncode == 0, predicted.stderr
    scratch = np.load(results / "scratch" / "probs_test.npy")[:3]
    rows = [json.loads(line) for line in predicted.stdout.splitlines()]
    shown = [[row["probabilities"][label] for label in LABELS] for row in rows]
    assert np.abs(np.array(shown) - scratch).max() <= 1e-6


def test_jobs_import_the_package_of_the_checkout_they_run_from(tmp_path, mirror):
    """A copy of the package earlier on the path (here PYTHONPATH; an install from another
    checkout alike) is not what the Snakefile or its jobs import."""
    shadow = tmp_path / "elsewhere" / "nusax_lstm"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('the shadowing copy was imported')\n")
    workdir = tmp_path / "run"
    write_config(workdir, TINY_CONFIG | {"data": {"languages": ["ind"], "mirrors": [str(mirror)]}})
    env = os.environ | {"PYTHONPATH": str(shadow.parent)}
    result = snakemake(workdir, "results/ind/vectorized/sequences.npz", "--cores", "1", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (workdir / "results" / "ind" / "vectorized" / "sequences.npz").is_file()


def test_the_tiny_study_runs_by_hand_in_dot_test(mirror):
    result = snakemake(REPO / ".test", "-n", "--forceall", "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert job_counts(result.stdout)["train"] == 4  # 2 languages x 2 configs x 1 seed


def test_default_config_dry_run_trains_each_network_once_per_seed(tmp_path, mirror):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["data"]["mirrors"] = [str(mirror)]
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr
    named = [c for configs in config["experiments"].values() for c in configs]
    networks = {
        (
            tuple(c["units"]),
            c.get("bidirectional", False),
            c.get("mask_zero", True),
            c.get("padding", "post"),
            c.get("early_stopping", False),
            c.get("input", "word"),
            c.get("engine", "keras"),
        )
        for c in named
    }
    seeds = len(config["train"]["seeds"])
    counts = job_counts(result.stdout)
    trainings = counts["train"] + counts["train_numpy"]
    assert trainings == len(networks) * seeds < len(named) * seeds  # names share runs
    assert counts["train_numpy"] == seeds * sum(n[-1] == "numpy" for n in networks) > 0
    assert counts["plot_experiment"] == len(config["experiments"])
    assert counts["evaluate"] == len(networks)  # per network its seeds' scores, its ensemble


# one error of each check: the schema, config expansion, the study's cross-checks
WIRED = [c for c in CONFIG_ERRORS if c[0] in ("unknown key", "duplicate names", "cv_folds on test")]


@pytest.mark.parametrize(("case", "mutate", "needle"), WIRED, ids=[c[0] for c in WIRED])
def test_config_error_stops_before_any_job(tmp_path, case, mutate, needle):
    """The Snakefile's checks, as tests/test_configs.py runs them, stop a real run."""
    config = copy.deepcopy(TINY_CONFIG)
    mutate(config)
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "--cores", "1")
    assert result.returncode != 0
    assert needle in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()
