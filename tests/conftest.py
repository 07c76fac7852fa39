"""Shared fixtures: the repository, the data mirror in ../shared, and workflow runners."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from modulefinder import ModuleFinder
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO.parent / "shared" / "data" / "nusax-senti"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
CACHE = REPO / ".cache" / "jax-tests"
VOCAB = 37  # token ids of the random test models

# The tiny study of .test/config.yaml, reading the mirror by its absolute path and sharing
# one JAX compilation cache across every test run (results do not depend on it).
TINY_CONFIG = yaml.safe_load((REPO / ".test" / "config.yaml").read_text())
TINY_CONFIG["data"]["mirrors"] = [str(MIRROR)]
TINY_CONFIG["train"]["compile_cache"] = str(CACHE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that hold slow tests first: pytest-xdist's workers take whole files, and a
    slow file started last would leave the other workers idle at the end."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # stable: files stay in order


@pytest.fixture(scope="session")
def mirror() -> Path:
    if not (MIRROR / "indonesian" / "train.csv").is_file():
        pytest.fail(f"the NusaX mirror is missing at {MIRROR}: tests read the data from there")
    return MIRROR


def write_config(workdir: Path, config: dict) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def spreadsheet_saved(data: bytes) -> bytes:
    """The bytes a spreadsheet program or an editor may write for a CSV: a UTF-8
    byte-order mark, CRLF, blank lines at the end."""
    return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n") + b"\r\n\r\n"


def snakemake(
    workdir: Path,
    *args: str,
    timeout: int = 900,
    env: dict | None = None,
    project: Path = REPO,
) -> subprocess.CompletedProcess:
    """The real snakemake on the Snakefile of `project` (the repository), in `workdir`
    (which holds config.yaml)."""
    return subprocess.run(
        [*SNAKEMAKE, "-s", str(project / "Snakefile"), "-d", str(workdir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
        env=env,
    )


def files_outside_the_dag(workdir: Path, *args: str) -> list[str]:
    """The files a finished run left under results/ (logs and benchmarks aside) that no
    job of the DAG a plain rerun builds makes: the default target asks for the files
    nothing reads and so must reach every job through them (`snakemake --summary` lists
    the outputs of every job of that DAG)."""
    result = snakemake(workdir, "--summary", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    made = {line.split("\t")[0] for line in result.stdout.splitlines()[1:] if line.strip()}
    left = [
        path.relative_to(workdir).as_posix()
        for path in (workdir / "results").rglob("*")
        if path.is_file()
    ]
    return [
        path
        for path in left
        if not path.startswith(("results/logs/", "results/benchmarks/"))
        and not any(path == p or path.startswith(f"{p}/") for p in made)
    ]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, mirror) -> Path:
    """The tiny study, run once per test module that asks (modules run on separate
    workers)."""
    workdir = tmp_path_factory.mktemp("tiny")
    write_config(workdir, TINY_CONFIG)
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


def job_counts(dry_run_output: str) -> dict[str, int]:
    """rule -> job count from the 'Job stats' table of a dry run ({} when nothing to do)."""
    counts, in_table = {}, False
    for line in dry_run_output.splitlines():
        if line.startswith("Job stats:"):
            in_table = True
        elif in_table:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
                counts[parts[0]] = int(parts[1])
            elif parts and parts[0] == "total":
                break
    return counts


RULE = re.compile(r"^(?:use rule|rule|checkpoint) (\w+)", re.MULTILINE)


def cli(*args, stdin=b"") -> subprocess.CompletedProcess:
    """The nusax-lstm command in a fresh interpreter, which must not import TensorFlow."""
    code = (
        "import sys; from nusax_lstm.cli import main; code = main(sys.argv[1:]); "
        "assert not any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules); "
        "sys.exit(code)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        timeout=120,
    )


def rule_blocks() -> dict[str, str]:
    """rule name -> its text, from every stage file in workflow/rules."""
    blocks = {}
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        text = smk.read_text()
        starts = [m.start() for m in RULE.finditer(text)] + [len(text)]
        for start, end in itertools.pairwise(starts):
            block = text[start:end]
            blocks[RULE.match(block).group(1)] = block
    return blocks


def rule_script(block: str) -> str | None:
    """The workflow script a rule's text names (`script: "../scripts/x.py"`), or None."""
    script = re.search(r'script:\s*"\.\./scripts/([\w.]+)"', block)
    return script and script.group(1)


def modulefinder_closure(script: Path, package: Path) -> set[Path]:
    """The files of `package` (a package folder) that `script` loads, by the standard
    library's bytecode scan (imports inside functions too), with only the folder above
    `package` on its path."""
    finder = ModuleFinder(path=[str(package.parent)])
    finder.run_script(str(script))
    files = (Path(m.__file__).resolve() for m in finder.modules.values() if m.__file__)
    return {f for f in files if f.is_relative_to(package)}


def token_ids(
    batch: int, steps: int, padding: str, seed: int = 0, vocab: int = VOCAB
) -> np.ndarray:
    """Random ids in [1, vocab); padding: none, end, start, all, mixed (end, some rows full and
    some empty) or holes (zeros anywhere)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, (batch, steps), dtype=np.int32)
    lengths = rng.integers(0, steps + 1, batch)
    if padding == "mixed":
        lengths[::3] = steps
        lengths[1::5] = 0
    for row, n in enumerate(lengths):
        if padding in ("end", "mixed"):
            ids[row, n:] = 0
        elif padding == "start":
            ids[row, : steps - n] = 0
    if padding == "all":
        ids[:] = 0
    if padding == "holes":
        ids[rng.random(ids.shape) < 0.4] = 0
    return ids
