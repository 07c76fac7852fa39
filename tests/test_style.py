"""The repository stays lint-clean: ruff, snakefmt and `snakemake --lint` in every study."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SNAKEMAKE

STUDIES = sorted((REPO / "studies").glob("*.yaml"))
CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "snakefmt": [str(Path(sys.executable).parent / "snakefmt"), "--check", "Snakefile", "workflow"],
}


@pytest.mark.parametrize("name", CHECKS)
def test_lint_clean(name):
    result = subprocess.run(CHECKS[name], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def assert_snakemake_lint_clean(*args: str) -> None:
    result = subprocess.run([*SNAKEMAKE, "--lint", *args], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


# Some stages' rules exist only in the studies that run them (the Snakefile's includes):
# each study is linted, and cross-validation (in no study file) on a study made here.
@pytest.mark.parametrize("study", [None, *STUDIES], ids=lambda s: s.name if s else "config.yaml")
def test_snakemake_lint_clean(study):
    assert_snakemake_lint_clean(*(["--configfile", str(study)] if study else []))


def test_snakemake_lint_clean_with_cross_validation(tmp_path):
    study = tmp_path / "cv.yaml"
    study.write_text((REPO / "studies" / "cell.yaml").read_text() + "selection:\n  cv_folds: 3\n")
    assert_snakemake_lint_clean("--configfile", str(study))
