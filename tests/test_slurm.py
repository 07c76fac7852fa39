"""The tiny study on a real single-node Slurm (tests/slurm_cluster.py), submitted through
profiles/slurm: every training is a Slurm job that sacct lists as COMPLETED, and a failing
job ends the run with an error and its log."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import time

import numpy as np
import pytest
import yaml
from conftest import MIRROR, REPO, SNAKEMAKE, TINY_CONFIG, write_config
from slurm_cluster import Cluster, missing

pytestmark = pytest.mark.slow

CONFIG = copy.deepcopy(TINY_CONFIG) | {
    "data": {"languages": ["ind"], "mirrors": TINY_CONFIG["data"]["mirrors"]}
}
# The NusaX table study, tiny: two languages, their multilingual model and the table
TABLE_CONFIG = copy.deepcopy(TINY_CONFIG) | {
    "table": {"enabled": True, "multilingual": {"enabled": True, "max_tokens": 800}}
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = missing()
    if reason:
        pytest.skip(f"no Slurm test cluster here: {reason}")
    cluster = Cluster(tmp_path_factory.mktemp("slurm"))
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def on_slurm(cluster, workdir, *args, timeout=900):
    """snakemake --profile profiles/slurm; the process group is killed past `timeout`."""
    command = [
        *SNAKEMAKE,
        "-s",
        str(REPO / "Snakefile"),
        "-d",
        str(workdir),
        "--profile",
        str(REPO / "profiles" / "slurm"),
        "--slurm-init-seconds-before-status-checks",
        "1",
        *args,
    ]
    start = time.monotonic()
    run = subprocess.Popen(
        command,
        cwd=workdir,
        env=cluster.env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        output, _ = run.communicate()
        pytest.fail(f"snakemake on Slurm still running after {timeout} s:\n{output[-3000:]}")
    return run.returncode, output, time.monotonic() - start


def slurm_jobs(output: str) -> dict[str, list[str]]:
    """rule -> Slurm job ids, from the plugin's submission lines, whose log path names the
    rule (`.snakemake/slurm_logs/rule_<name>/...`)."""
    jobs: dict[str, list[str]] = {}
    pattern = r"submitted with SLURM jobid (\d+) \(log: \S*?/rule_(\w+?)/"
    for slurm_id, rule in re.findall(pattern, output):
        jobs.setdefault(rule, []).append(slurm_id)
    return jobs


def test_the_tiny_table_study_runs_as_slurm_jobs(cluster, tmp_path):
    """A multi-language DAG (two languages, their multilingual model, the NusaX table) on
    a real scheduler, given as a study file beside the default config.yaml: the jobs
    parse the Snakefile again, and every one runs the study, not the two merged."""
    default = yaml.safe_load((REPO / "config.yaml").read_text())
    write_config(tmp_path, default | {"data": TABLE_CONFIG["data"]})
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(TABLE_CONFIG, sort_keys=False))
    code, output, seconds = on_slurm(cluster, tmp_path, "--configfile", "study.yaml")
    assert code == 0, output[-5000:]
    jobs = slurm_jobs(output)
    assert len(jobs.get("train", [])) == 6, jobs  # two configs in ind, jav and mul
    assert len(jobs.get("paper_baselines", [])) == 2 and len(jobs.get("nusax_table", [])) == 1
    assert "download" not in jobs and "summary" not in jobs  # local rules
    ids = [i for rule_ids in jobs.values() for i in rule_ids]
    states = cluster.sacct_states(ids)
    assert states == dict.fromkeys(ids, "COMPLETED")
    assert (tmp_path / "results" / "summary.json").is_file()
    assert (tmp_path / "results" / "nusax" / "table.md").is_file()
    print(f"Slurm run: {seconds:.0f} s, {len(ids)} Slurm jobs, sacct: {set(states.values())}")


def test_a_failing_job_stops_the_run_and_shows_its_log(cluster, tmp_path):
    write_config(tmp_path, CONFIG)
    code, output, _ = on_slurm(cluster, tmp_path, "results/ind/vectorized/sequences.npz")
    assert code == 0, output[-5000:]
    # Inputs that make every training raise: newer than its outputs, so trainings run.
    np.savez(tmp_path / "results" / "ind" / "vectorized" / "sequences.npz", junk=np.zeros(3))
    code, output, seconds = on_slurm(cluster, tmp_path, timeout=600)
    assert code != 0
    assert "Error in rule train" in output
    assert "KeyError" in output  # the failed job's log, shown by show-failed-logs
    assert seconds < 600


def test_a_search_runs_as_parallel_slurm_jobs_sharing_one_study(cluster, tmp_path):
    """A tiny search (tune.searches) with two workers: two Slurm jobs, running side by
    side, add trials to one study in the shared journal, then its report."""
    from test_tune import tune_config

    write_config(tmp_path, tune_config(MIRROR, trials=4, workers=2))
    code, output, seconds = on_slurm(cluster, tmp_path)
    assert code == 0, output[-5000:]
    jobs = slurm_jobs(output)
    assert len(jobs.get("tune", [])) == 2 and len(jobs.get("tune_report", [])) == 1, jobs
    ids = [i for rule_ids in jobs.values() for i in rule_ids]
    assert cluster.sacct_states(ids) == dict.fromkeys(ids, "COMPLETED")
    folder = tmp_path / "results" / "tune" / "in_language"
    ran = [n for w in (0, 1) for n in json.loads((folder / f"worker{w}.json").read_text())["ran"]]
    assert sorted(ran) == list(range(len(ran))) and len(ran) >= 4
    print(f"Slurm search: {seconds:.0f} s, trials per worker {ran}")
