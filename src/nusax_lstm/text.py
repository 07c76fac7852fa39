"""The vocabulary file: one token per line, line i holding the token of index i."""

from __future__ import annotations

from pathlib import Path

from . import UserError
from .fileio import write_text


def write_vocabulary(path: str | Path, tokens: list[str]) -> None:
    bad = [i for i, t in enumerate(tokens) if "\n" in t]
    if bad:
        raise ValueError(f"vocabulary tokens {bad[:5]} contain a newline")
    write_text(path, "\n".join(tokens) + "\n")


def read_vocabulary(path: str | Path) -> list[str]:
    """Tokens by index; index 0 is padding (''), index 1 the OOV token."""
    text = Path(path).read_text(encoding="utf-8")
    if not text.endswith("\n"):
        raise UserError(f"{path}: truncated vocabulary file (no final newline)")
    return text[:-1].split("\n")
