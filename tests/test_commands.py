"""Every command the README offers, run as a user runs it on what a run leaves: the predict
forms on the pipeline's own export, and each benchmark script in a quick mode."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pytest
from conftest import REPO, snakemake

pytestmark = pytest.mark.slow

BENCHMARKS = REPO / "benchmarks"


def run(*args, stdin: str = "", cwd=REPO, timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*map(str, args)], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=timeout
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stderr[-3000:]}"
    return result


def predict(*args, stdin: str = "") -> list[dict]:
    result = run(sys.executable, "-m", "nusax_lstm.cli", "predict", *args, "--json", stdin=stdin)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_predict_gives_the_same_labels_in_every_input_form(tiny_run, tmp_path):
    """Arguments, a text file, a CSV column, stdin, and the table form, on the exported
    model of a real run (an exported model is what users predict with)."""
    export = tiny_run / "results" / "ind" / "best" / "export"
    texts = ["Makanannya enak sekali", "Pelayanan buruk, tidak akan kembali", "biasa saja"]
    (tmp_path / "texts.txt").write_text("\n".join(texts) + "\n")
    (tmp_path / "texts.csv").write_text(
        "id,text\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(texts))
    )
    forms = [
        predict(export, *texts),
        predict(export, "--file", tmp_path / "texts.txt"),
        predict(export, "--file", tmp_path / "texts.csv", "--column", "text"),
        predict(export, stdin="\n".join(texts)),
        predict(export, *texts, "--threads", "1"),
    ]
    assert all(form == forms[0] for form in forms) and [r["text"] for r in forms[0]] == texts
    table = run(sys.executable, "-m", "nusax_lstm.cli", "predict", export, *texts).stdout
    assert [line.split()[0] for line in table.splitlines()] == [r["label"] for r in forms[0]]


def test_explain_agrees_with_predict_and_draws_on_a_real_export(tiny_run, tmp_path):
    """The README's explain commands on the exported model of a real run: the label is
    predict's, every token has an attribution, the figure is a PNG."""
    export = tiny_run / "results" / "ind" / "best" / "export"
    texts = ["Makanannya tidak enak", "Pelayanan buruk, tidak akan kembali"]
    labels = [row["label"] for row in predict(export, *texts)]
    result = run(sys.executable, "-m", "nusax_lstm.cli", "explain", export, *texts, "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["label"] for row in rows] == labels
    assert [[t["token"] for t in row["tokens"]] for row in rows] == [
        ["makanannya", "tidak", "enak"],
        ["pelayanan", "buruk", "tidak", "akan", "kembali"],
    ]
    figure = tmp_path / "why.png"
    run(sys.executable, "-m", "nusax_lstm.cli", "explain", export, texts[0], "--figure", figure)
    assert figure.read_bytes()[:4] == b"\x89PNG"


def readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text()
    start = text.index(f"## {title}\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_readmes_rerun_commands_work_on_a_finished_run(tiny_run):
    """Every `snakemake ...` the README's rerunning section shows, as a dry run (but
    --unlock) on the tiny study, its default-study paths mapped onto the tiny one's."""
    commands = re.findall(r"`(snakemake [^`]+)`", readme_section("Rerunning part of it"))
    assert len(commands) >= 6, commands
    tiny = {"bilstm-64-32": "lstm-8", "seed42": "seed7"}
    for command in commands:
        args = [re.sub("|".join(tiny), lambda m: tiny[m[0]], a) for a in shlex.split(command)[1:]]
        dry = [] if "--unlock" in args else ["-n"]
        result = snakemake(tiny_run, *args, *dry)
        assert result.returncode == 0, f"{command}:\n{result.stderr[-3000:]}"


def test_a_stage_the_study_does_not_run_has_no_rules_until_a_config_enables_it(tiny_run, tmp_path):
    """The README's troubleshooting row: the table's rules exist only where it is enabled."""
    target = "results/ind/paper_baselines.json"
    outside = snakemake(tiny_run, "-n", target)
    assert outside.returncode != 0
    assert f"No rule to produce {target}" in outside.stdout + outside.stderr
    table = tmp_path / "table.yaml"
    table.write_text("table:\n  enabled: true\n")
    inside = snakemake(tiny_run, "-n", target, "--configfile", str(table))
    assert inside.returncode == 0, inside.stderr[-3000:]
    assert "rule paper_baselines:" in inside.stdout


def test_inference_benchmark_runs_on_what_a_run_leaves(tiny_run):
    """One row per config (first seed; a masked one twice: as trained and its unmasked
    twin) and, where a seed ensemble was selected, one for the export."""
    out = run(
        sys.executable,
        BENCHMARKS / "inference.py",
        "--results",
        tiny_run / "results",
        "--lang",
        "jav",
        "--repeats",
        "1",
    ).stdout
    assert re.search(r"\d+ cores", out.splitlines()[0])
    rows = [line for line in out.splitlines() if re.match(r"\| [a-z0-9-]+/seed\d+", line)]
    configs = {c.name for c in (tiny_run / "results" / "jav" / "models").iterdir()}
    assert {row.split()[1].split("/")[0] for row in rows} == configs
    assert all(float(row.split("|")[10]) < 1e-4 for row in rows)  # max |Δp|: the same model


def engine_ab(tiny_run, *args) -> list:
    """benchmarks/engine_ab.py, this checkout against itself (an A/A run), on the tiny run."""
    script = BENCHMARKS / "engine_ab.py"
    return [sys.executable, script, "--against", REPO, "--results", tiny_run / "results", *args]


def test_engine_benchmark_runs_on_what_a_run_leaves(tiny_run):
    """On the tiny run's two masked models."""
    configs = ["--configs", "bilstm-8-4-es", "lstm-8"]
    out = run(*engine_ab(tiny_run, "--lang", "jav", *configs, "--rounds", "2")).stdout
    assert re.search(r"\d+ cores", out.splitlines()[0])
    for workload in ("masked", "unmasked", "epoch"):
        assert re.search(rf"^{workload} +[\d.]+ +[\d.]+ +[\d.]+ \([\d.]+-[\d.]+\)$", out, re.M), out


def test_engine_benchmark_names_a_model_it_cannot_find(tiny_run):
    result = subprocess.run(
        engine_ab(tiny_run, "--configs", "lstm-1024"),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"engine_ab.py: no lstm-1024/seed* under {tiny_run / 'results' / 'ind' / 'models'}:"
        " run the study"
    ]


def test_explain_benchmark_runs_on_what_a_run_leaves(tiny_run):
    results = tiny_run / "results" / "ind"
    out = run(
        sys.executable,
        BENCHMARKS / "explain.py",
        "--export",
        results / "best" / "export",
        "--test",
        results / "data" / "test.csv",
        "--texts",
        "3",
    ).stdout
    assert re.search(r"\d+ cores", out.splitlines()[0])
    for method in ("integrated-gradients", "gradient-x-input"):
        assert re.search(rf"^{method}: ms per text median [\d.]+", out, re.MULTILINE), out
    assert re.search(r"within 1 %: (\d)/\1$", out, re.MULTILINE), out
    assert re.search(r"^the command on one text \(\d+ tokens\): [\d.]+ s", out, re.MULTILINE), out


def test_training_benchmark_runs():
    out = run(
        sys.executable,
        BENCHMARKS / "training.py",
        "--epochs",
        "2",
        "--threads",
        "1",
        "--only",
        "numpy-packed",
        "keras-jax",
    ).stdout
    assert re.search(r"\d+ cores", out.splitlines()[0])
    assert re.search(r"^\| numpy-packed \| 1 \| [\d.]+ \| [\d.]+ \(1\) \|", out, re.MULTILINE), out
    assert "Keras epoch / NumPy packed epoch" in out


def test_pipeline_benchmark_runs_in_its_quick_mode():
    out = run(sys.executable, BENCHMARKS / "pipeline.py", "--quick", "--cores", "2").stdout
    for stage in ("(a) notebook script", "(b) study", "ratio (b)/(a)", "(c) full", "no-op rerun"):
        assert stage in out, out


def test_every_benchmark_script_is_run_here():
    """A script added to benchmarks/ gets its smoke test in this file."""
    scripts = {p.name for p in BENCHMARKS.glob("*.py")}
    here = set(
        re.findall(r'BENCHMARKS / "(\w+\.py)"', (REPO / "tests" / "test_commands.py").read_text())
    )
    assert scripts - {"notebook.py"} <= here  # notebook.py runs inside pipeline.py
    assert "notebook.py" in (BENCHMARKS / "pipeline.py").read_text()
