"""The scratch engine of this checkout against another checkout's, side by side.

    python benchmarks/engine_ab.py --against DIR [--results results] [--rounds 9]

For a change to the engine: is it slower? Workloads, on a default run's models (the
seed-42 runs under RESULTS/ind/models) and its Indonesian splits:
- masked: predict_proba of the masked BiLSTM [64, 32] and LSTM [64, 32] on the 400 test
  texts, five times;
- unmasked: the same for the unmasked LSTM [64, 32], end padding and start padding;
- epoch: one training epoch's gradients of the BiLSTM [64, 32] (packed_backprop's
  loss_and_gradients on the 500 training texts in batches of 32, each cut after its
  longest text, fixed dropout masks), as the NumPy training computes them.
Each checkout's engine runs in its own process (PYTHONPATH=its src, one BLAS thread, the
engine's own threads as it chooses them); the two take turns,
workload by workload, round by round, the first to go alternating, so that each round
gives a paired ratio whatever the machine's load. Prints the medians and the ratios
this / other (median, min-max over the rounds) with the CPU model and core count.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MASKED = ["bilstm-64-32", "lstm-64-32"]
UNMASKED = ["lstm-64-32-nomask", "lstm-64-32-nomask-pre"]
WORKLOADS = ["masked", "unmasked", "epoch"]

# Runs in each checkout's process: loads the workloads, then times one per line read.
CHILD = r"""
import json, sys, time
import numpy as np
from nusax_lstm.scratch import from_export, packed_backprop
from nusax_lstm.text import pad

results, masked, unmasked = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
REPEATS = 5
models = f"{results}/ind/models"

def load(config_id):
    run = f"{models}/{config_id}/seed42"
    with np.load(f"{run}/weights.npz") as saved:
        arrays = dict(saved)
    return json.load(open(f"{run}/architecture.json")), arrays

with np.load(f"{results}/ind/vectorized/sequences.npz") as data:
    x_test, x_train, y_train = data["x_test"], data["x_train"], data["y_train"]
engines = {c: from_export(*load(c)) for c in masked + unmasked}
inputs = {c: pad(x_test, "pre" if c.endswith("-pre") else "post") for c in engines}
architecture, arrays = load("bilstm-64-32")
rng = np.random.default_rng(0)
batches = []
for lo in range(0, len(x_train), 32):
    ids, labels = x_train[lo : lo + 32], y_train[lo : lo + 32]
    ids = ids[:, : max(int((ids != 0).sum(axis=1).max()), 1)]
    masks = {}  # the BiLSTM [64, 32]'s: after the first layer [B, T, 128], the second [B, 64]
    for layer in architecture["layers"]:
        if layer["type"] == "Dropout":
            shape = (len(ids), 64) if masks else (*ids.shape, 128)
            masks[layer["name"]] = (rng.random(shape) >= 0.3) / 0.7
    batches.append((ids, labels, {k: v.astype(np.float32) for k, v in masks.items()}))

def run(workload):
    if workload == "epoch":
        for ids, labels, masks in batches:
            packed_backprop.loss_and_gradients(architecture, arrays, ids, labels, masks)
    else:
        for _ in range(REPEATS):  # long enough to time
            for config_id in masked if workload == "masked" else unmasked:
                engines[config_id].predict_proba(inputs[config_id])

for workload in ("masked", "unmasked", "epoch"):
    run(workload)  # warm-up
print("READY", flush=True)
for line in sys.stdin:
    begin = time.perf_counter()
    run(line.strip())
    print(time.perf_counter() - begin, flush=True)
"""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def start(src: Path, results: Path) -> subprocess.Popen:
    # one BLAS thread: an idle process's spinning BLAS threads would slow the other's turn
    env = os.environ | {"PYTHONPATH": str(src), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-c", CHILD, str(results), ",".join(MASKED), ",".join(UNMASKED)]
    child = subprocess.Popen(
        args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    if child.stdout.readline().strip() != "READY":
        sys.exit(f"engine_ab.py: the engine of {src} did not start")
    return child


def timed(child: subprocess.Popen, workload: str) -> float:
    child.stdin.write(workload + "\n")
    child.stdin.flush()
    return float(child.stdout.readline())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", type=Path, required=True, help="the other checkout")
    p.add_argument("--results", type=Path, default=REPO / "results", help="a default run's")
    p.add_argument("--rounds", type=int, default=9)
    args = p.parse_args()
    for config_id in MASKED + UNMASKED:
        if not (args.results / "ind" / "models" / config_id / "seed42").is_dir():
            sys.exit(f"engine_ab.py: no {config_id}/seed42 under {args.results}: run the study")
    print(f"{cpu_model()}, {os.cpu_count()} cores, {args.rounds} rounds")
    this, other = start(REPO / "src", args.results), start(args.against / "src", args.results)
    times = {w: {"this": [], "other": []} for w in WORKLOADS}
    for r in range(args.rounds):
        for workload in WORKLOADS:
            pair = [("this", this), ("other", other)]
            for name, child in pair if r % 2 == 0 else pair[::-1]:
                times[workload][name].append(timed(child, workload))
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
