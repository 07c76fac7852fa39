"""How long `nusax-lstm explain` takes per text, and how complete its integrated gradients are.

    python benchmarks/explain.py [--export results/ind/best/export]
                                 [--test results/ind/data/test.csv] [--texts 100] [--steps 50]

On a finished run's exported model (the selected one, a seed ensemble by default) and the
first --texts test texts: the time of explain.explain per text (vectorizing, the
prediction, the attributions of every member, the gate traces), for integrated gradients
at --steps points and for gradient x input, in this process after one warm-up text; and
integrated gradients' completeness error |sum of attributions - (p(text) - p(baseline))|
/ |p(text) - p(baseline)| over the same texts; and the whole command (`nusax-lstm explain
EXPORT TEXT`, a fresh process: Python, NumPy and the model loaded) on the median-length
text, median of 5. Prints the CPU model and core count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from pipeline import cpu_model  # benchmarks/pipeline.py, next to this script

from nusax_lstm.data.nusax import read_split
from nusax_lstm.explanations.explain import explain
from nusax_lstm.scratch.loader import load_export

REPO = Path(__file__).resolve().parents[1]


def quantiles(values: list[float]) -> str:
    q = np.quantile(values, [0.5, 0.9, 1.0])
    return f"median {q[0]:.3g}, 90th percentile {q[1]:.3g}, max {q[2]:.3g}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--export", type=Path, default=REPO / "results/ind/best/export")
    p.add_argument("--test", type=Path, default=REPO / "results/ind/data/test.csv")
    p.add_argument("--texts", type=int, default=100)
    p.add_argument("--steps", type=int, default=50)
    args = p.parse_args()
    export = load_export(args.export)
    texts = read_split(args.test)[0][: args.texts]
    lengths = [len(export.vectorizer([t])[0].nonzero()[0]) for t in texts]
    print(f"{cpu_model()}, {os.cpu_count()} cores; {args.export}: {len(export.members)} member(s)")
    print(f"{len(texts)} test texts, {quantiles(lengths)} tokens")
    explain(export, texts[0], None, "integrated-gradients", args.steps)  # warm-up
    for method in ("integrated-gradients", "gradient-x-input"):
        seconds, errors = [], []
        for text in texts:
            begin = time.perf_counter()
            e = explain(export, text, None, method, args.steps)
            seconds.append(time.perf_counter() - begin)
            a = e.attribution
            if a.baseline_score is not None and a.score != a.baseline_score:
                change = a.score - a.baseline_score
                errors.append(abs(a.values.sum() - change) / abs(change))
        ms = [1000 * s for s in seconds]
        print(f"{method}: ms per text {quantiles(ms)} (mean {statistics.mean(ms):.0f})")
        if errors:
            within = sum(e <= 0.01 for e in errors)
            print(f"  completeness error {quantiles(errors)}; within 1 %: {within}/{len(errors)}")
    typical = sorted(texts, key=len)[len(texts) // 2]
    command = [sys.executable, "-m", "nusax_lstm.cli", "explain", str(args.export), typical]
    walls = []
    for _ in range(5):
        begin = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - begin)
    print(
        f"the command on one text ({lengths[texts.index(typical)]} tokens): "
        f"{statistics.median(walls):.2f} s (median of 5)"
    )


if __name__ == "__main__":
    main()
