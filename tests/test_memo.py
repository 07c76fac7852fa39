"""What the workflow's start keeps between starts (nusax_lstm.pipeline.memo): a hit is the value a
miss computed, a change to the bytes behind a key is a miss, and a bad file costs time
only."""

from __future__ import annotations

import json
import shutil

import pytest

from nusax_lstm.pipeline import closure
from nusax_lstm.pipeline.memo import Memo, digest


def test_a_hit_is_what_the_miss_computed_and_only_used_entries_are_kept(tmp_path):
    path = tmp_path / ".snakemake" / "memo.json"
    first = Memo(path)
    assert first.get("a", lambda: {"x": (1, 2.5)}) == {"x": [1, 2.5]}  # JSON's types, always
    first.get("b", lambda: None)
    first.save()
    calls = []
    second = Memo(path)
    assert second.get("a", lambda: calls.append(1)) == {"x": [1, 2.5]} and not calls
    second.save()
    assert json.loads(path.read_text()) == {"a": {"x": [1, 2.5]}}


@pytest.mark.parametrize(
    "content", [b"{not json", b"\xff\xfe", None], ids=["junk", "bytes", "a folder"]
)
def test_a_bad_memo_file_is_an_empty_memo(tmp_path, content):
    path = tmp_path / "memo.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    memo = Memo(path)
    assert memo.get("k", lambda: 3) == 3
    memo.save()  # cannot replace a folder: no error


def test_digest_tells_the_parts_apart():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a", b"b") == digest(b"a", "b")


def test_the_closures_key_is_the_packages_bytes_wherever_it_lies(tmp_path, monkeypatch):
    """A copy elsewhere has the package's key; any edited byte, of a module or of a data
    file, gives another."""
    closure.package_digest.cache_clear()
    original = closure.package_digest()
    package = tmp_path / "nusax_lstm"
    shutil.copytree(closure.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(closure, "PACKAGE", package)
    keys = []
    for edit in (None, "scratch/model.py", "reports/published.json"):
        if edit:
            (package / edit).write_bytes((package / edit).read_bytes() + b"\n")
        closure.package_digest.cache_clear()
        keys.append(closure.package_digest())
    closure.package_digest.cache_clear()
    assert keys[0] == original and len(set(keys)) == 3
