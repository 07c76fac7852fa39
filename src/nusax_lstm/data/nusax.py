"""NusaX-Senti splits from a local mirror, the pinned upstream CSVs or the Hugging Face hub.

Every source ends in the same canonical form: per split a list of rows
`(id, text, label)` with label strings, checked before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import urllib.request
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from .. import LABELS, SPLITS, UserError
from ..fileio import atomic_path, sha256

LANGUAGES = {
    "ace": "acehnese",
    "ban": "balinese",
    "bbc": "toba_batak",
    "bjn": "banjarese",
    "bug": "buginese",
    "eng": "english",
    "ind": "indonesian",
    "jav": "javanese",
    "mad": "madurese",
    "min": "minangkabau",
    "nij": "ngaju",
    "sun": "sundanese",
}
UPSTREAM_REPOSITORY = "IndoNLP/nusax"
UPSTREAM_COMMIT = "159e7b2b8f27ddc37ab0e40db3c1480d779f7712"
UPSTREAM_URL = (
    "https://raw.githubusercontent.com/{repo}/{commit}/datasets/sentiment/{name}/{split}.csv"
)
HF_ID = "indonlp/NusaX-senti"
HF_SPLITS = {"train": "train", "valid": "validation", "test": "test"}
COLUMNS = ("id", "text", "label")

Row = tuple[str, str, str]


def known_sha256() -> dict[str, str]:
    """The upstream files' checksums, keyed `language/split.csv` (the project's own copy)."""
    text = resources.files(__package__).joinpath("nusax_sha256sums.txt").read_text()
    return {name: digest for digest, name in (line.split() for line in text.splitlines() if line)}


def language_name(code: str) -> str:
    if code not in LANGUAGES:
        raise UserError(f"unknown NusaX language {code!r}; expected one of {sorted(LANGUAGES)}")
    return LANGUAGES[code]


def decode(data: bytes, where: str) -> str:
    """UTF-8 text, a byte-order mark (spreadsheets write one) dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UserError(f"{where}: line {line}: bytes that are not UTF-8") from None


def csv_records(text: str, where: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """A CSV text's header, and (line number, fields) for each row after it. Wholly empty
    lines, which editors and spreadsheets leave, are skipped (a quoted empty field is a
    row); a row with more or fewer fields than the header is refused with its line number."""
    reader = csv.reader(io.StringIO(text, newline=""))
    filled = (record for record in reader if record)
    header = next(filled, None)
    if header is None:
        raise UserError(f"{where}: empty file, expected a header line")

    def records() -> Iterator[tuple[int, list[str]]]:
        for record in filled:
            if len(record) != len(header):
                raise UserError(
                    f"{where}: line {reader.line_num}: {len(record)} fields, "
                    f"header has {len(header)}"
                )
            yield reader.line_num, record

    return header, records()


def parse_csv(data: bytes, where: str) -> list[Row]:
    """Parse and check one split file; `where` names it in every error."""
    header, records = csv_records(decode(data, where), where)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UserError(f"{where}: missing column(s) {', '.join(missing)} in header {header}")
    index = [header.index(c) for c in COLUMNS]
    rows: list[Row] = []
    seen: set[str] = set()
    for line, record in records:
        row_id, row_text, label = (record[i] for i in index)
        rows.append(check_row(row_id, row_text, label, seen, f"{where}: line {line}"))
    if not rows:
        raise UserError(f"{where}: no data rows (header only)")
    return rows


def check_row(row_id: str, text: str, label: str, seen: set[str], where: str) -> Row:
    if label not in LABELS:
        raise UserError(f"{where}: unknown label {label!r}; expected one of {list(LABELS)}")
    if not text.strip():
        raise UserError(f"{where}: empty text")
    if row_id in seen:
        raise UserError(f"{where}: duplicate id {row_id!r}")
    seen.add(row_id)
    return (row_id, text, label)


def verify_sha256(data: bytes, name: str, where: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    expected = known_sha256().get(name)
    if expected is None:
        raise UserError(f"{where}: no known checksum for {name}")
    if digest != expected:
        raise UserError(f"{where}: sha256 {digest} does not match the known {expected}")
    return digest


def find_mirror(mirrors: list[str], language: str) -> Path | None:
    """The first mirror folder holding all three split files of `language`."""
    name = language_name(language)
    for mirror in mirrors:
        folder = Path(mirror) / name
        if all((folder / f"{split}.csv").is_file() for split in SPLITS):
            return folder
    return None


def read_folder(folder: Path, language: str, verify: bool) -> tuple[dict[str, list[Row]], dict]:
    """Split files in NusaX layout; with `verify`, each must match the known sha256."""
    splits, files = {}, {}
    for split in SPLITS:
        path = folder / f"{split}.csv"
        if not path.is_file():
            raise UserError(f"{path}: split file missing")
        data = path.read_bytes()
        name = f"{language_name(language)}/{split}.csv"
        digest = verify_sha256(data, name, str(path)) if verify else sha256(path)
        splits[split] = parse_csv(data, str(path))
        files[split] = {"source_sha256": digest, "verified": verify}
    return splits, files


def read_url(language: str) -> tuple[dict[str, list[Row]], dict]:
    """The upstream CSVs at the pinned commit, each checked against its known sha256."""
    splits, files = {}, {}
    for split in SPLITS:
        url = UPSTREAM_URL.format(
            repo=UPSTREAM_REPOSITORY,
            commit=UPSTREAM_COMMIT,
            name=language_name(language),
            split=split,
        )
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
        digest = verify_sha256(data, f"{language_name(language)}/{split}.csv", url)
        splits[split] = parse_csv(data, url)
        files[split] = {"source_sha256": digest, "verified": True, "url": url}
    return splits, files


def from_hf(dataset_dict: Any) -> dict[str, list[Row]]:
    """Canonical rows from a `datasets.DatasetDict` with a ClassLabel `label` column."""
    splits = {}
    for split, hf_split in HF_SPLITS.items():
        if hf_split not in dataset_dict:
            raise UserError(f"Hugging Face dataset: split {hf_split!r} missing")
        dataset = dataset_dict[hf_split]
        names = dataset.features["label"].names
        if list(names) != list(LABELS):
            raise UserError(f"Hugging Face dataset: label names {names}, expected {list(LABELS)}")
        seen: set[str] = set()
        splits[split] = [
            check_row(
                str(r["id"]), r["text"], names[r["label"]], seen, f"{HF_ID}[{hf_split}] row {i}"
            )
            for i, r in enumerate(dataset)
        ]
    return splits


def read_hf(language: str) -> tuple[dict[str, list[Row]], dict]:
    language_name(language)
    try:
        import datasets
    except ImportError:
        raise UserError(
            "data.source: huggingface needs the `datasets` package: "
            "pip install -e '.[pipeline,hub]', or use data.source: url"
        ) from None
    dataset_dict = datasets.load_dataset(HF_ID, language)
    splits = from_hf(dataset_dict)
    fingerprints = {s: dataset_dict[HF_SPLITS[s]]._fingerprint for s in SPLITS}
    files = {s: {"hf_fingerprint": fingerprints[s], "verified": False} for s in SPLITS}
    return splits, files


def fetch(
    language: str, source: str, local_dir: str | None, mirrors: list[str]
) -> tuple[dict, dict]:
    """Rows of every split plus a provenance record; mirrors are searched first."""
    mirror = find_mirror(mirrors, language)
    if mirror is not None:
        splits, files = read_folder(mirror, language, verify=True)
        origin = {"source": "mirror", "location": str(mirror.resolve()), "commit": UPSTREAM_COMMIT}
    elif source == "local":
        if not local_dir:
            raise UserError("data.local_dir: required when data.source is 'local'")
        folder = Path(local_dir) / language_name(language)
        splits, files = read_folder(folder, language, verify=False)
        origin = {"source": "local", "location": str(folder.resolve())}
    elif source == "url":
        splits, files = read_url(language)
        origin = {"source": "url", "location": UPSTREAM_REPOSITORY, "commit": UPSTREAM_COMMIT}
    elif source == "huggingface":
        splits, files = read_hf(language)
        origin = {"source": "huggingface", "location": HF_ID, "config": language}
    else:
        raise UserError(f"data.source: unknown source {source!r}")
    return splits, {"language": language, **origin, "files": files}


def write_split(path: str | Path, rows: list[Row]) -> dict:
    """Write the canonical CSV atomically; return its sha256, row and label counts."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    counts = Counter(label for _, _, label in rows)
    return {"sha256": sha256(path), "rows": len(rows), "labels": {k: counts[k] for k in LABELS}}


def read_split(path: str | Path) -> tuple[list[str], list[int]]:
    """Texts and integer labels (negative/neutral/positive = 0/1/2) of a canonical CSV."""
    rows = parse_csv(Path(path).read_bytes(), str(path))
    return [text for _, text, _ in rows], [LABELS.index(label) for _, _, label in rows]
