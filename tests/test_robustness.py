"""Robustness end to end: bad data stops the download cleanly, a killed training recovers,
a cut download is refused, and reruns are byte-identical."""

from __future__ import annotations

import copy
import filecmp
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import MIRROR, REPO, SNAKEMAKE, TINY_CONFIG, snakemake, write_config

from nusax_lstm import UserError
from nusax_lstm.data import nusax as data
from nusax_lstm.fileio import atomic_path
from nusax_lstm.models.keras_backend import BACKENDS

pytestmark = pytest.mark.slow

ONE_LANGUAGE = copy.deepcopy(TINY_CONFIG) | {
    "data": {"languages": ["ind"], "mirrors": [str(MIRROR)]}
}


def local_copy(tmp_path, edit=None):
    """A local NusaX folder (Indonesian) with `edit(folder)` applied, and a config reading it."""
    folder = tmp_path / "nusax" / "indonesian"
    folder.mkdir(parents=True)
    for split in ("train", "valid", "test"):
        (folder / f"{split}.csv").write_bytes((MIRROR / "indonesian" / f"{split}.csv").read_bytes())
    if edit:
        edit(folder)
    config = copy.deepcopy(ONE_LANGUAGE)
    config["data"] = {
        "languages": ["ind"],
        "source": "local",
        "mirrors": [],
        "local_dir": str(tmp_path / "nusax"),
    }
    return config


def replace_in(name, old, new):
    def edit(folder):
        path = folder / name
        path.write_bytes(path.read_bytes().replace(old, new, 1))

    return edit


BAD_DATA = [
    ("missing split", lambda f: (f / "valid.csv").unlink(), "valid.csv: split file missing"),
    ("unknown label", replace_in("train.csv", b",neutral\n", b",happy\n"), "unknown label 'happy'"),
    ("not utf-8", replace_in("test.csv", b"a", b"\xff"), "bytes that are not UTF-8"),
    (
        "missing column",
        replace_in("train.csv", b"id,text,label", b"id,txt,label"),
        "missing column(s) text",
    ),
    ("header only", lambda f: (f / "test.csv").write_text("id,text,label\n"), "header only"),
]


@pytest.mark.parametrize(("case", "edit", "message"), BAD_DATA, ids=[c[0] for c in BAD_DATA])
def test_bad_data_stops_the_run_with_a_clear_message(tmp_path, case, edit, message):
    workdir = tmp_path / "run"
    write_config(workdir, local_copy(tmp_path, edit))
    result = snakemake(workdir, "--cores", "1", "results/ind/data/provenance.json")
    assert result.returncode != 0
    log = (workdir / "results" / "logs" / "ind" / "download.log").read_text()
    assert message in log and "Traceback" not in log
    assert list((workdir / "results" / "ind").rglob("*")) == []


def test_mirror_with_a_wrong_checksum_is_refused(tmp_path):
    def tamper(folder):
        with open(folder / "train.csv", "ab") as fh:
            fh.write(b"9999,extra row,neutral\n")

    config = local_copy(tmp_path, tamper)
    config["data"]["mirrors"] = [str(tmp_path / "nusax")]
    workdir = tmp_path / "run"
    write_config(workdir, config)
    result = snakemake(workdir, "--cores", "1", "results/ind/data/provenance.json")
    assert result.returncode != 0
    log = (workdir / "results" / "logs" / "ind" / "download.log").read_text()
    assert "train.csv: sha256" in log and "does not match the known" in log
    assert list((workdir / "results" / "ind").rglob("*")) == []


def test_a_download_cut_halfway_is_refused(monkeypatch):
    full = (MIRROR / "indonesian" / "train.csv").read_bytes()

    class Cut:
        def __init__(self, url, timeout):
            self.data = full[: len(full) // 2] if "train" in url else full

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return self.data

    monkeypatch.setattr(data.urllib.request, "urlopen", Cut)
    with pytest.raises(UserError, match=r"train\.csv: sha256 .* does not match"):
        data.read_url("ind")


def test_an_interrupted_write_leaves_nothing(tmp_path):
    target = tmp_path / "out" / "model.keras"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert list((tmp_path / "out").iterdir()) == []


def wait_for(path, text, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.2)
    return False


def test_a_training_killed_mid_epoch_is_retrained(tmp_path):
    config = copy.deepcopy(ONE_LANGUAGE)
    config["train"]["epochs"] = 3
    config["experiments"] = {"one": [{"name": "Uni", "units": [32]}]}
    write_config(tmp_path, config)
    log = tmp_path / "results" / "logs" / "ind" / "train" / "lstm-32" / "seed7.log"
    command = [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--cores", "2"]
    run = subprocess.Popen(
        command,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(log, "Epoch 1/3", timeout=300), "training never started"
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    model = tmp_path / "results" / "ind" / "models" / "lstm-32" / "seed7" / "model.keras"
    assert not model.exists()
    assert snakemake(tmp_path, "--unlock").returncode == 0
    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Epoch 3/3" in log.read_text() and model.exists()
    assert list((tmp_path / "results").rglob(".partial-*")) == []


STABLE = ["probs_test.npy", "probs_valid.npy", "history.json"]
CONFIG_IDS = ("lstm-8", "bilstm-8-4-es")


@pytest.mark.parametrize("backend", BACKENDS)
def test_reruns_are_byte_identical_across_directories_and_core_counts(tmp_path, backend):
    runs = {}
    config = copy.deepcopy(ONE_LANGUAGE)
    config["train"]["keras_backend"] = backend
    for cores in ("1", "2"):
        workdir = tmp_path / f"cores{cores}"
        write_config(workdir, config)
        result = snakemake(workdir, "--cores", cores)
        assert result.returncode == 0, result.stderr[-3000:]
        runs[cores] = workdir / "results"
    files = [
        "summary.json",
        "summary.md",
        *(f"ind/models/{c}/seed7/{name}" for c in CONFIG_IDS for name in STABLE),
        *(f"ind/models/{c}/metrics.json" for c in CONFIG_IDS),
        "ind/vectorized/sequences.npz",
        "ind/vectorized/vocabulary.txt",
        "ind/best/best.json",
        "ind/best/export/weights.npz",
        "ind/scratch/probs_test.npy",
        "ind/scratch/predictions_test.csv",
        "ind/comparison.json",
        "ind/baselines.json",
        "ind/statistics.json",
        *(f"ind/data/{split}.csv" for split in ("train", "valid", "test")),
    ]
    _, mismatch, errors = filecmp.cmpfiles(runs["1"], runs["2"], files, shallow=False)
    assert (mismatch, errors) == ([], [])
    results = runs["1"] / "ind"
    assert json.loads((results / "comparison.json").read_text())["max_abs_prob_diff"] <= 1e-5
    for config_id in ("lstm-8", "bilstm-8-4-es"):
        run = results / "models" / config_id / "seed7"
        assert json.loads((run / "info.json").read_text())["keras_backend"] == backend
        other = next(b for b in BACKENDS if b != backend)
        assert loaded_elsewhere(run, results / "vectorized" / "sequences.npz", other) <= 1e-5


# The largest difference between a run's saved test probabilities and those of its
# model.keras loaded under another backend, on the full-length (untrimmed) inputs.
LOAD = """
import sys
import numpy as np
from nusax_lstm.models.keras_backend import configure_keras
run, sequences, backend = sys.argv[1:]
configure_keras(backend, threads=1, seed=0)
import keras
model = keras.models.load_model(f"{run}/model.keras")
probs = model.predict(np.load(sequences)["x_test"], verbose=0)
print(float(np.abs(probs - np.load(f"{run}/probs_test.npy")).max()))
"""


def loaded_elsewhere(run, sequences, backend):
    command = [sys.executable, "-c", LOAD, str(run), str(sequences), backend]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return float(result.stdout.splitlines()[-1])
