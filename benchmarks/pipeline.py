"""The study's speed: the seed notebook against the pipeline, side by side in one run.

    python benchmarks/pipeline.py [--data ../shared/data/nusax-senti] [--cores 2] [--no-full]
                                  [--levers] [--noop-runs 11] [--quick]
    python benchmarks/pipeline.py --noop DIR [--noop-runs 11]
    python benchmarks/pipeline.py --study studies/nusax.yaml

Runs, one after another on this machine: (a) the notebook's training as written
(`benchmarks/notebook.py`: TensorFlow, no mask, 8 trainings in one process), (b) the
study at the notebook's size (config.yaml with `train.seeds: [42]` and the experiments in
NOTEBOOK_SIZE: 8 trainings) in a fresh working directory (no results, no compilation
cache), then no-op reruns of it, and (c) unless --no-full, the full default study
(config.yaml as it is) in another fresh directory, then no-op reruns of it. Each no-op
rerun is followed by one of a one-rule workflow: Snakemake's own start, the floor that
any workflow pays, so that the workflow's share comes out paired, run by run, whatever
the machine's load. Prints the walls, the ratio (b)/(a), the peak memory of each run (all
its processes together, sampled), and per rule the jobs' summed seconds and largest
memory from Snakemake's benchmark files. With --levers, (b) runs again with one lever
undone at a time: trainings one at a time (--resources gpu=1), TensorFlow instead of JAX,
no trimmed padding; and with the compilation cache warm (the trainings of (b) forced
again). With --noop DIR, only the no-op reruns of the study already run in DIR (`.` after
`snakemake --cores all` here): this needs only the pipeline's install. With --study FILE,
only that study file (in place of config.yaml) in a fresh directory: its wall, peak
memory and per-rule seconds. --quick checks that
all of it runs, in a minute or two, with figures that mean nothing: the notebook for one
epoch, the tiny study of .test/config.yaml in place of both studies, one no-op rerun.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path
from statistics import median

import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
# The notebook's three experiments, and the padding study that fixes its unmasked models
NOTEBOOK_SIZE = ("layers", "units", "direction", "padding")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run `command`; its wall seconds and the peak summed RSS (MiB) of its process tree."""
    peak, done = [0.0], threading.Event()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        root = psutil.Process(process.pid)
        while not done.wait(0.2):
            try:
                tree = [root, *root.children(recursive=True)]
                rss = 0
                for p in tree:
                    try:
                        rss += p.memory_info().rss
                    except psutil.NoSuchProcess:
                        pass
                peak[0] = max(peak[0], rss / 2**20)
            except psutil.NoSuchProcess:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{stderr.decode()[-3000:]}")
    return wall, peak[0]


def snakemake(workdir: Path, cores: int, *args: str) -> list[str]:
    return [
        *(sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")),
        *("-d", str(workdir), "--cores", str(cores), *args),
    ]


# Snakemake's floor: a workflow of one rule, whose output is already there
ONE_RULE = 'rule done:\n    output: "done"\n    shell: "touch {output}"\n'


def noop_reruns(workdir: Path, cores: int, runs: int) -> None:
    """Time `runs` no-op reruns of the study in `workdir`, each followed by a no-op rerun of
    the one-rule workflow, and print the medians and ranges of both, of the difference and
    of the ratio."""
    dry_run = subprocess.run(snakemake(workdir, cores, "-n"), capture_output=True, text=True)
    if "Nothing to be done" not in dry_run.stdout + dry_run.stderr:
        sys.exit(f"{workdir}: the study has jobs to run (snakemake -n): run it, then time it")
    floor = Path(tempfile.mkdtemp(prefix="one-rule-"))
    (floor / "Snakefile").write_text(ONE_RULE)
    one_rule = [sys.executable, "-m", "snakemake", "-s", str(floor / "Snakefile")]
    one_rule += ["-d", str(floor), "--cores", str(cores)]
    timed(one_rule, floor)  # makes its output
    pairs = [
        (timed(snakemake(workdir, cores), workdir)[0], timed(one_rule, floor)[0])
        for _ in range(runs)
    ]
    study_walls, floor_walls = zip(*pairs, strict=True)
    print(f"    no-op rerun, {runs} runs, median (fastest-slowest):")
    for name, walls in (
        ("the study", study_walls),
        ("a one-rule workflow", floor_walls),
        ("the study's share (paired)", [s - f for s, f in pairs]),
    ):
        print(f"      {name:<28} {median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f})")
    ratios = [s / f for s, f in pairs]
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    print(f"      {'the study / one rule':<28} {median(ratios):.2f}x ({spread})")


def study(
    size: str, data: Path, cores: int, train: dict | None = None, *args: str
) -> tuple[Path, float, float]:
    """The pipeline in a fresh directory, at the notebook's size ("notebook"), as
    config.yaml says ("full") or as the tiny study ("tiny"); `train` overrides the config's
    section, `args` go to snakemake. Returns that directory, its wall and peak memory."""
    workdir = Path(tempfile.mkdtemp(prefix="study-"))
    source = REPO / (".test/config.yaml" if size == "tiny" else "config.yaml")
    config = yaml.safe_load(source.read_text())
    config["data"]["mirrors"] = [str(data)]
    config["train"] |= train or {}
    if size == "notebook":
        config["train"]["seeds"] = [42]
        config["experiments"] = {e: config["experiments"][e] for e in NOTEBOOK_SIZE}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    wall, peak = timed(snakemake(workdir, cores, *args), workdir)
    return workdir, wall, peak


def study_file(path: Path, data: Path, cores: int) -> None:
    """A study file run in place of config.yaml in a fresh directory, the data mirror
    `data`: its wall, peak memory and per-rule seconds."""
    workdir = Path(tempfile.mkdtemp(prefix="study-"))
    config = yaml.safe_load(path.read_text())
    config.setdefault("data", {})["mirrors"] = [str(data)]
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    wall, peak = timed(snakemake(workdir, cores), workdir)  # its config.yaml: the study's
    print(f"{path.name}: {wall:7.1f} s ({wall / 60:.1f} min), peak {peak:5.0f} MiB in {workdir}")
    show_rules(workdir)


def per_rule(workdir: Path) -> dict[str, tuple[int, float, float]]:
    """rule -> (jobs, summed seconds, largest max_rss MiB) from the benchmark files."""
    rules: dict = defaultdict(lambda: [0, 0.0, 0.0])
    root = workdir / "results" / "benchmarks"
    for path in root.rglob("*.tsv"):
        parts = path.relative_to(root).parts
        rule = Path(parts[0] if len(parts) == 1 else parts[1]).stem
        with open(path) as fh:
            row = list(csv.DictReader(fh, delimiter="\t"))[-1]
        entry = rules[rule]
        entry[0] += 1
        entry[1] += float(row["s"])
        rss = row["max_rss"]
        entry[2] = max(entry[2], float(rss) if rss not in ("", "NA", "-") else 0.0)
    return dict(sorted(rules.items(), key=lambda kv: -kv[1][1]))


def show_rules(workdir: Path) -> None:
    print(f"  {'rule':<18} {'jobs':>4} {'sum s':>8} {'max MiB':>8}")
    for rule, (jobs, seconds, rss) in per_rule(workdir).items():
        print(f"  {rule:<18} {jobs:>4} {seconds:>8.1f} {rss:>8.0f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "nusax-senti")
    p.add_argument("--cores", type=int, default=os.cpu_count())
    p.add_argument("--no-full", action="store_true", help="skip the full default study")
    p.add_argument("--levers", action="store_true", help="(b) with each lever undone")
    p.add_argument("--noop-runs", type=int, default=11, help="no-op reruns of each study")
    p.add_argument("--noop", type=Path, metavar="DIR", help="only time no-op reruns in DIR")
    p.add_argument("--study", type=Path, metavar="FILE", help="only run this study file")
    p.add_argument("--quick", action="store_true", help="check that it runs: tiny sizes")
    args = p.parse_args()
    small_size, full_size = ("tiny", "tiny") if args.quick else ("notebook", "full")
    if args.quick:
        args.noop_runs = 1
    data = args.data.resolve()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Snakemake {version('snakemake')}, "
        f"snakemake --cores {args.cores}",
        flush=True,
    )
    if args.noop:
        noop_reruns(args.noop.resolve(), args.cores, args.noop_runs)
        return
    if args.study:
        study_file(args.study.resolve(), data, args.cores)
        return

    script = [sys.executable, str(REPO / "benchmarks" / "notebook.py"), str(data)]
    notebook, notebook_peak = timed(script + (["1"] if args.quick else []), REPO)
    print(
        f"(a) notebook script, 8 trainings: {notebook:7.1f} s, peak {notebook_peak:5.0f} MiB",
        flush=True,
    )
    small, wall, peak = study(small_size, data, args.cores)
    print(
        f"(b) study, notebook's size (seed 42): {wall:7.1f} s, peak {peak:5.0f} MiB",
        flush=True,
    )
    print(f"    ratio (b)/(a): {wall / notebook:.2f}")
    noop_reruns(small, args.cores, args.noop_runs)
    show_rules(small)
    if args.levers:
        levers = [
            ("trainings one at a time", {}, ["--resources", "gpu=1"]),
            ("TensorFlow instead of JAX", {"keras_backend": "tensorflow"}, []),
            ("padding not trimmed", {"trim_padding": False}, []),
        ]
        for name, train, extra in levers:
            _, wall, _ = study(small_size, data, args.cores, train, *extra)
            print(f"    (b) with {name}: {wall:7.1f} s, ratio {wall / notebook:.2f}", flush=True)
        warm, _ = timed(snakemake(small, args.cores, "--forcerun", "train"), small)
        print(f"    (b) again, compilation cache warm: {warm:7.1f} s, ratio {warm / notebook:.2f}")
    if not args.no_full:
        full, wall, peak = study(full_size, data, args.cores)
        print(f"(c) full default study: {wall:7.1f} s ({wall / 60:.1f} min), peak {peak:5.0f} MiB")
        noop_reruns(full, args.cores, args.noop_runs)
        show_rules(full)


if __name__ == "__main__":
    main()
