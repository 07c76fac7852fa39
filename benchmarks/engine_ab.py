"""The scratch engine of this checkout against another checkout's, side by side.

    python benchmarks/engine_ab.py --against DIR [--results results] [--lang ind]
                                   [--configs bilstm-64-32 lstm-64-32] [--rounds 9]

For a change to the engine: is it slower? Workloads, on a finished run's models (each of
CONFIGS, masked, its first seed's run under RESULTS/LANG/models) and that language's
splits:
- masked: predict_proba of each config as trained on the test texts, five times;
- unmasked: the same for each config's unmasked twin (its weights, mask_zero off), under
  end padding and under start padding;
- epoch: one training epoch's gradients of the first config (packed_backprop's
  forward_backward on the training texts in batches of 32, each cut after its longest
  text), as the NumPy training computes them, with dropout masks drawn once here.
This process prepares the inputs; each checkout's engine runs them in a process of its
own (PYTHONPATH=its src, one BLAS thread, the engine's own threads as it chooses them).
The two take turns, workload by workload, round by round, the first to go alternating,
so that each round gives a paired ratio whatever the machine's load. Prints the medians
and the ratios this / other (median, min-max over the rounds) with the CPU model and core
count.
"""

from __future__ import annotations

import argparse
import copy
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from pipeline import cpu_model  # benchmarks/pipeline.py, next to this script

from nusax_lstm.data.text import pad
from nusax_lstm.fileio import read_json
from nusax_lstm.scratch.train import dropout_masks

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = ["masked", "unmasked", "epoch"]
BATCH = 32
REPEATS = 5  # predict_proba calls per config and inference round: long enough to time

# Runs in each checkout's process: builds the engines, then times one workload per line read.
CHILD = r"""
import pickle, sys, time
from nusax_lstm.scratch import packed_backprop
from nusax_lstm.scratch.loader import from_export

with open(sys.argv[1], "rb") as fh:
    work = pickle.load(fh)
engines = {
    name: [(from_export(architecture, arrays), ids) for architecture, arrays, ids in models]
    for name, models in work["inference"].items()
}

def run(workload):
    if workload == "epoch":
        architecture, arrays, batches = work["epoch"]
        for ids, labels, masks in batches:
            packed_backprop.forward_backward(architecture, arrays, ids, labels, masks)
    else:
        for _ in range(work["repeats"]):
            for engine, ids in engines[workload]:
                engine.predict_proba(ids)

for workload in work["workloads"]:
    run(workload)  # warm-up
print("READY", flush=True)
for line in sys.stdin:
    begin = time.perf_counter()
    run(line.strip())
    print(time.perf_counter() - begin, flush=True)
"""


def first_run(models: Path, config_id: str) -> Path:
    """The config's first seed's run folder; exits with one line when there is none."""
    seeds = sorted((models / config_id).glob("seed*"), key=lambda p: int(p.name[4:]))
    if not seeds:
        sys.exit(f"engine_ab.py: no {config_id}/seed* under {models}: run the study")
    return seeds[0]


def load_run(folder: Path) -> tuple[dict, dict]:
    with np.load(folder / "weights.npz") as saved:
        return read_json(folder / "architecture.json"), dict(saved)


def twin(architecture: dict) -> dict:
    """The same network with its mask off: every step counts."""
    unmasked = copy.deepcopy(architecture)
    unmasked["layers"][0]["mask_zero"] = False
    return unmasked


def epoch_batches(architecture: dict, x: np.ndarray, y: np.ndarray) -> list[tuple]:
    """An epoch's batches in order, each cut after its longest text, with dropout masks."""
    rng, batches = np.random.default_rng(0), []
    for lo in range(0, len(x), BATCH):
        ids = x[lo : lo + BATCH]
        ids = ids[:, : max(int((ids != 0).sum(axis=1).max()), 1)]
        masks = dropout_masks(architecture, ids, rng, np.float32)
        batches.append((ids, y[lo : lo + BATCH], masks))
    return batches


def prepare(results: Path, lang: str, config_ids: list[str]) -> dict:
    """What both engines run, from the run's files: the workloads' models and inputs."""
    runs = [load_run(first_run(results / lang / "models", c)) for c in config_ids]
    for config_id, (architecture, _) in zip(config_ids, runs, strict=True):
        if not architecture["layers"][0]["mask_zero"]:
            sys.exit(f"engine_ab.py: {config_id} is not masked: name masked configs")
    with np.load(results / lang / "vectorized" / "sequences.npz") as data:
        x_test, x_train, y_train = data["x_test"], data["x_train"], data["y_train"]
    unmasked = [
        (twin(architecture), arrays, pad(x_test, padding))
        for architecture, arrays in runs
        for padding in ("post", "pre")
    ]
    architecture, arrays = runs[0]
    return {
        "workloads": WORKLOADS,
        "repeats": REPEATS,
        "inference": {
            "masked": [(architecture, arrays, x_test) for architecture, arrays in runs],
            "unmasked": unmasked,
        },
        "epoch": (architecture, arrays, epoch_batches(architecture, x_train, y_train)),
    }


def start(src: Path, work: Path) -> subprocess.Popen:
    # one BLAS thread: an idle process's spinning BLAS threads would slow the other's turn
    env = os.environ | {"PYTHONPATH": str(src), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(work)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if child.stdout.readline().strip() != "READY":
        sys.exit(f"engine_ab.py: the engine of {src} did not start")
    return child


def timed(child: subprocess.Popen, workload: str) -> float:
    child.stdin.write(workload + "\n")
    child.stdin.flush()
    return float(child.stdout.readline())


def compare(this: subprocess.Popen, other: subprocess.Popen, rounds: int) -> dict:
    """workload -> {"this": seconds per round, "other": ...}, the two taking turns."""
    times = {w: {"this": [], "other": []} for w in WORKLOADS}
    for r in range(rounds):
        for workload in WORKLOADS:
            pair = [("this", this), ("other", other)]
            for name, child in pair if r % 2 == 0 else pair[::-1]:
                times[workload][name].append(timed(child, workload))
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", type=Path, required=True, help="the other checkout")
    p.add_argument("--results", type=Path, default=REPO / "results", help="a finished run's")
    p.add_argument("--lang", default="ind")
    p.add_argument("--configs", nargs="+", default=["bilstm-64-32", "lstm-64-32"])
    p.add_argument("--rounds", type=int, default=9)
    args = p.parse_args()
    if not (args.against / "src" / "nusax_lstm").is_dir():
        sys.exit(f"engine_ab.py: {args.against} is not a checkout of this project")
    print(f"{cpu_model()}, {os.cpu_count()} cores, {args.rounds} rounds")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work.pickle"
        work.write_bytes(pickle.dumps(prepare(args.results, args.lang, args.configs)))
        this, other = start(REPO / "src", work), start(args.against / "src", work)
        times = compare(this, other, args.rounds)
    for child in (this, other):
        child.stdin.close()
        child.wait()
    print(f"{'workload':<10}{'this s':>9}{'other s':>9}   this / other: median (min-max)")
    for workload, runs in times.items():
        ratios = [a / b for a, b in zip(runs["this"], runs["other"], strict=True)]
        print(
            f"{workload:<10}{statistics.median(runs['this']):9.3f}"
            f"{statistics.median(runs['other']):9.3f}   {statistics.median(ratios):.3f}"
            f" ({min(ratios):.3f}-{max(ratios):.3f})"
        )


if __name__ == "__main__":
    main()
