"""Results the workflow's start derives from files, kept between starts.

Every `snakemake` run validates the config and finds each rule's package closure; on a
no-op rerun that is the same work as last time. A result is stored under a digest of all
it depends on, so any change to those bytes is a miss and is computed again: the memo
saves time, never decides anything. Only the entries a start used are kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from ..fileio import write_text


def digest(*parts: str | bytes) -> str:
    """One hash of `parts`, each length-prefixed (no two sequences share a digest)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


class Memo:
    """A JSON file of key -> result; unreadable or missing, it starts empty."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.stored = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.stored = {}
        self.used: dict = {}

    def get(self, key: str, compute: Callable[[], object]):
        """The result stored under `key`, or compute()'s (JSON data) through a JSON round
        trip, so that a hit and a miss give equal values of equal types."""
        if key not in self.used:
            found = key in self.stored
            self.used[key] = self.stored[key] if found else json.loads(json.dumps(compute()))
        return self.used[key]

    def save(self) -> None:
        """Write the entries used, if they differ from the file's; a folder that cannot be
        written to only costs the next start its time."""
        if self.used == self.stored:
            return
        try:
            write_text(self.path, json.dumps(self.used))
        except OSError:
            pass
