"""Each rule's `package` param: its script's import closure (nusax_lstm.pipeline.closure), checked
against the standard library's modulefinder and against the rules as written."""

from __future__ import annotations

import ast
import re

import pytest
from conftest import REPO, modulefinder_closure, rule_blocks, rule_script

from nusax_lstm.pipeline import closure

SCRIPTS = sorted((REPO / "workflow" / "scripts").glob("*.py"))
SRC = REPO / "src"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_the_closure_is_what_modulefinder_finds(script):
    found = closure.package_files(script)
    assert {f for f in found if f.suffix == ".py"} == modulefinder_closure(script, closure.PACKAGE)


def test_a_data_file_a_module_names_is_in_its_closure():
    """The published NusaX numbers are read by name, not imported: they count too."""
    published = closure.PACKAGE / "reports" / "published.json"
    assert published.is_file()
    assert published in closure.package_files(REPO / "workflow" / "scripts" / "nusax_table.py")
    assert published not in closure.package_files(REPO / "workflow" / "scripts" / "train_keras.py")


def test_relative_imports_and_imports_inside_functions_count(tmp_path, monkeypatch):
    """A hand-made package: `from . import b` in a function, `from .sub import c` at the
    top, and a module nobody imports."""
    package = tmp_path / "toy"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from .sub import c\n\ndef f():\n    from . import b\n    return b\n",
        "b.py": "import json\n",
        "sub/__init__.py": "",
        "sub/c.py": "X = 'table.csv'\n",
        "sub/table.csv": "x\n",
        "unused.py": "",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    script = tmp_path / "script.py"
    script.write_text("def main():\n    from toy.a import f\n")
    monkeypatch.setattr(closure, "PACKAGE", package)
    monkeypatch.setattr(closure, "NAME", "toy")
    for cached in (closure.direct, closure.data_files):
        cached.cache_clear()
    try:
        found = closure.package_files(script)
    finally:
        for cached in (closure.direct, closure.data_files):
            cached.cache_clear()
    expected = ["__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/c.py", "sub/table.csv"]
    assert found == sorted(package / name for name in expected)


def test_package_code_keys_files_by_package_path_and_hashes_their_bytes():
    code = closure.package_code(REPO / "workflow" / "scripts" / "scratch_inference.py")
    assert "scratch/model.py" in code and "__init__.py" in code
    assert all(re.fullmatch(r"[0-9a-f]{16}", digest) for digest in code.values())


def test_each_rule_hashes_the_closure_of_its_own_script():
    """`package=package_code("x.py")` beside `script: "../scripts/x.py"`, in every rule
    that runs a script (a rule made by `use rule` inherits both)."""
    used = set()
    for name, block in rule_blocks().items():
        script = rule_script(block)
        package = re.search(r'package=package_code\("([\w.]+)"\)', block)
        if not script and not package:  # `rule all`, or one made by `use rule`
            continue
        assert script and package, f"rule {name}: a script and its package_code"
        assert package.group(1) == script, f"rule {name}"
        used.add(script)
    assert used == {s.name for s in SCRIPTS}  # every script is some rule's


def import_graph() -> dict:
    """Each package module -> the package modules its import statements name (at any
    depth in its source), by the same reading as the closure."""
    graph = {}
    for path in sorted(closure.PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_bytes())
        names = [
            name
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for name in closure.imported(node, path)
        ]
        found = {closure.module_file(name) for name in names} - {None, path}
        graph[path] = found
    return graph


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    state: dict = {}  # path -> "open" while on the current path, "done" after

    def visit(path, trail):
        state[path] = "open"
        for target in sorted(graph[path]):
            if state.get(target) == "open":
                cycle = [*trail[trail.index(target) :], target]
                names = [str(p.relative_to(closure.PACKAGE)) for p in cycle]
                pytest.fail(f"import cycle: {' -> '.join(names)}")
            if target not in state:
                visit(target, [*trail, target])
        state[path] = "done"

    for path in graph:
        if path not in state:
            visit(path, [path])
    assert len(graph) > 40
