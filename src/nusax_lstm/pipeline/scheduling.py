"""How the workflow schedules trainings: the local GPU count that caps them (one training
per GPU) and a training's rough cost, its priority."""

from __future__ import annotations

import os
import shutil
import subprocess

from .configs import ModelConfig


def local_gpu_count() -> int:
    """GPUs this machine shows (CUDA_VISIBLE_DEVICES first, then nvidia-smi); 0 if none."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [d.strip() for d in visible.split(",") if d.strip()]
        return 0 if not ids or ids[0].startswith("-") else len(ids)
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return 0
    lines = listed.stdout.splitlines() if listed.returncode == 0 else []
    return sum(line.startswith("GPU ") for line in lines)


def gpu_cap(resources: dict) -> int | None:
    """The local cap on trainings' gpu=1 (Snakefile): the GPU count, unless --resources
    set one (`resources`: the command line's); None, no cap, without a GPU, so that the
    trainings run side by side as the cores allow. Never 0: a cap also lowers each job's
    request, and would strip --gpus from Slurm jobs sent from a CPU-only login node."""
    if "gpu" in resources:
        return None
    return local_gpu_count() or None


def training_cost(config: ModelConfig, embedding_dim: int, texts: float = 1.0) -> float:
    """A training's rough cost, its priority: the costliest start first, so that none runs
    last alone. Per step, one sequential scan per layer and direction (its latency), plus
    the multiply-adds (per 50,000); times `texts`, the training split's size relative to
    one language's (the multilingual one: every language's)."""
    directions, gates = 2 if config.bidirectional else 1, 3 if config.cell == "gru" else 4
    widths = [embedding_dim, *(u * directions for u in config.units[:-1])]
    macs = sum(gates * u * (w + u) * directions for u, w in zip(config.units, widths, strict=True))
    return texts * (len(config.units) * directions + macs / 50_000)
