"""The repository stays lint-clean: ruff, snakefmt and `snakemake --lint`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SNAKEMAKE

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "snakefmt": [str(Path(sys.executable).parent / "snakefmt"), "--check", "Snakefile", "workflow"],
    "snakemake --lint": [*SNAKEMAKE, "--lint"],
}


@pytest.mark.parametrize("name", CHECKS)
def test_lint_clean(name):
    result = subprocess.run(CHECKS[name], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    if name == "snakemake --lint":
        assert "Congratulations" in result.stdout + result.stderr
