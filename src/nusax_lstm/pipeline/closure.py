"""The package's files that a workflow script runs, found from its source: the modules it
imports, at any depth (an import inside a function counts), theirs in turn, and the data
files they name. Hashed, they are each rule's `package` param: an edit to one reruns
exactly the rules whose scripts reach it (workflow/rules/common.smk)."""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

from .memo import digest

PACKAGE = Path(__file__).resolve().parents[1]
NAME = PACKAGE.name


def module_file(dotted: str) -> Path | None:
    """The file of a module of this package (`nusax_lstm.scratch.model`), or None."""
    parts = dotted.split(".")
    if parts[0] != NAME:
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def dotted_name(path: Path) -> str:
    """`nusax_lstm.scratch.model` for .../nusax_lstm/scratch/model.py (a package: its
    __init__.py's folder)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(node: ast.Import | ast.ImportFrom, path: Path) -> list[str]:
    """The dotted names an import statement in `path` may load: the module, and for
    `from m import x` also `m.x` (x may be a submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the package that holds `path`
        package = dotted_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


@functools.cache
def data_files(folder: Path) -> frozenset[str]:
    """The names of the files in `folder` that are not Python sources."""
    return frozenset(f.name for f in folder.iterdir() if f.is_file() and f.suffix != ".py")


@functools.cache
def direct(path: Path) -> frozenset[Path]:
    """The package files that `path` (a module or script) loads or reads directly: each
    imported module with the __init__.py of every package above it, and every file of
    its own folder that it names in a string (data files such as published.json)."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in imported(node, path):
                parts = name.split(".")
                for depth in range(1, len(parts) + 1):
                    found.add(module_file(".".join(parts[:depth])))
        elif isinstance(node, ast.Constant) and node.value in data_files(path.parent):
            found.add(path.parent / node.value)
    return frozenset(f for f in found if f is not None and f != path)


def package_files(script: str | Path) -> list[Path]:
    """Every package file `script` reaches through direct(), sorted."""
    seen: set[Path] = set()
    todo = list(direct(Path(script).resolve()))
    while todo:
        path = todo.pop()
        if path not in seen and path.is_relative_to(PACKAGE):
            seen.add(path)
            if path.suffix == ".py":
                todo.extend(direct(path))
    return sorted(seen)


@functools.cache
def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def package_code(script: str | Path) -> dict[str, str]:
    """The script (as `scripts/<name>`) and package_files(script) by their path in the
    package, each with a hash of its bytes: an edit reruns, a move of the project or a
    checkout that keeps the bytes does not (the profiles turn off Snakemake's own trigger
    for scripts, their file times, which a fresh clone renews)."""
    script = Path(script)
    code = {f"scripts/{script.name}": file_hash(script)}
    return code | {str(f.relative_to(PACKAGE)): file_hash(f) for f in package_files(script)}


@functools.cache
def package_digest() -> str:
    """One hash of every file of the package, names and bytes: all a closure depends on
    besides its script (the key of a memoised closure)."""
    files = sorted(f for f in PACKAGE.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    return digest(*(part for f in files for part in (str(f.relative_to(PACKAGE)), f.read_bytes())))
