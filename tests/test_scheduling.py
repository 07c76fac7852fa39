"""How trainings are scheduled (nusax_lstm.pipeline.scheduling): the local GPU cap from what the
machine shows, and the training cost that orders them."""

from __future__ import annotations

import os
import re

import pytest
from conftest import MIRROR, TINY_CONFIG, snakemake, write_config

from nusax_lstm.pipeline import scheduling
from nusax_lstm.pipeline.configs import ModelConfig

TWO_GPUS = ["GPU 0: A (UUID: GPU-a)", "GPU 1: B (UUID: GPU-b)"]
GPU_CAPS = [
    ("no GPU", None, [], None),
    ("two GPUs", None, TWO_GPUS, 2),
    ("one of them visible", "1", TWO_GPUS, 1),
    ("two visible, by uuid", "GPU-a,GPU-b", TWO_GPUS, 2),
    ("all hidden", "-1", TWO_GPUS, None),
    ("none visible", "", TWO_GPUS, None),
    ("visible but no nvidia-smi", "0", [], 1),
]


def machine_with(tmp_path, gpus: list[str], visible: str | None) -> dict:
    """An environment whose PATH starts with a stand-in nvidia-smi listing `gpus` (none:
    no nvidia-smi there), and CUDA_VISIBLE_DEVICES set to `visible` (None: unset)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if gpus:
        listing = "".join(f"echo '{line}'\n" for line in gpus)
        (bin_dir / "nvidia-smi").write_text(f"#!/bin/sh\n{listing}")
        (bin_dir / "nvidia-smi").chmod(0o755)
    # a PATH without any real nvidia-smi of this machine
    kept = [
        p
        for p in os.environ["PATH"].split(os.pathsep)
        if p and not os.path.exists(os.path.join(p, "nvidia-smi"))
    ]
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    env["PATH"] = os.pathsep.join([str(bin_dir), *kept])
    if visible is not None:
        env["CUDA_VISIBLE_DEVICES"] = visible
    return env


@pytest.mark.parametrize(("case", "visible", "gpus", "cap"), GPU_CAPS, ids=[c[0] for c in GPU_CAPS])
def test_the_cap_is_the_gpu_count_the_machine_shows(
    tmp_path, monkeypatch, case, visible, gpus, cap
):
    for key, value in machine_with(tmp_path, gpus, visible).items():
        monkeypatch.setenv(key, value)
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert scheduling.local_gpu_count() == (cap or 0)
    assert scheduling.gpu_cap({}) == cap
    assert scheduling.gpu_cap({"gpu": 3, "_cores": 2}) is None  # the command line's wins


def test_a_failing_nvidia_smi_counts_no_gpu(tmp_path, monkeypatch):
    for key, value in machine_with(tmp_path, [], None).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: A'\nexit 9\n")
    smi.chmod(0o755)
    assert scheduling.local_gpu_count() == 0


@pytest.mark.parametrize("override", [None, 3])
def test_snakemake_runs_under_the_cap(tmp_path, mirror, override):
    """The Snakefile's wiring: two GPUs shown cap gpu at 2; --resources gpu=3 sets 3."""
    env = machine_with(tmp_path, TWO_GPUS, None)
    workdir = tmp_path / "run"
    write_config(workdir, TINY_CONFIG | {"data": {"languages": ["ind"], "mirrors": [str(MIRROR)]}})
    extra = ["--resources", f"gpu={override}"] if override else []
    target = "results/ind/data/provenance.json"
    result = snakemake(workdir, target, "--cores", "2", *extra, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    provided = re.search(r'gpu=Resource\("gpu", (\d+)\)', result.stdout + result.stderr)
    assert provided and int(provided.group(1)) == (override or 2)


def model(units: list[int], bidirectional: bool = False) -> ModelConfig:
    return ModelConfig(units=tuple(units), bidirectional=bidirectional)


@pytest.mark.parametrize(
    ("cheaper", "costlier"),
    [
        (model([64]), model([128])),  # wider
        (model([64]), model([64], bidirectional=True)),  # both directions
        (model([64]), model([64, 64])),  # deeper
        (model([32]), model([16, 16, 16])),  # three short scans cost more than one
    ],
)
def test_costlier_trainings_start_first(cheaper, costlier):
    cost = scheduling.training_cost
    assert cost(cheaper, 128) < cost(costlier, 128)
    assert cost(cheaper, 64) < cost(cheaper, 128)  # a wider input


def test_the_training_cost_by_hand():
    """Uni[64] on 128-d embeddings: one scan, 4 * 64 * (128 + 64) = 49,152 multiply-adds;
    on twelve languages' texts, twelve times that."""
    assert scheduling.training_cost(model([64]), 128) == pytest.approx(1 + 49_152 / 50_000)
    assert scheduling.training_cost(model([64]), 128, 12) == pytest.approx(
        12 * (1 + 49_152 / 50_000)
    )
