"""Data loading: the mirror and its checksums, canonical CSVs, the Hugging Face conversion."""

from __future__ import annotations

import hashlib
import sys

import pytest
from conftest import spreadsheet_saved

from nusax_lstm import UserError
from nusax_lstm.data.nusax import (
    LANGUAGES,
    fetch,
    find_mirror,
    from_hf,
    known_sha256,
    parse_csv,
    read_folder,
    read_split,
    write_split,
)

HEADER = b"id,text,label\n"


def test_project_checksums_match_the_mirror(mirror):
    listed = dict(line.split()[::-1] for line in (mirror / "SHA256SUMS").read_text().splitlines())
    assert known_sha256() == listed
    assert len(listed) == 3 * len(LANGUAGES)


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_loads_from_the_mirror(mirror, code):
    splits, provenance = fetch(code, "huggingface", None, [str(mirror)])
    assert provenance["source"] == "mirror"
    assert {s: len(rows) for s, rows in splits.items()} == {"train": 500, "valid": 100, "test": 400}


def test_canonical_csv_round_trip(mirror, tmp_path):
    splits, _ = fetch("ind", "url", None, ["/nonexistent", str(mirror)])
    info = write_split(tmp_path / "train.csv", splits["train"])
    assert info["rows"] == 500
    assert info["labels"] == {"negative": 192, "neutral": 119, "positive": 189}
    assert info["sha256"] == hashlib.sha256((tmp_path / "train.csv").read_bytes()).hexdigest()
    texts, labels = read_split(tmp_path / "train.csv")
    assert texts == [t for _, t, _ in splits["train"]]
    assert sorted(set(labels)) == [0, 1, 2]


def test_local_source_reads_a_folder_without_known_sums(mirror, tmp_path):
    folder = tmp_path / "indonesian"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        text = (mirror / "indonesian" / f"{split}.csv").read_text()
        (folder / f"{split}.csv").write_text(text.replace("bagus", "Bagus"))
    splits, provenance = fetch("ind", "local", str(tmp_path), mirrors=[])
    assert provenance["source"] == "local"
    assert not provenance["files"]["train"]["verified"]
    assert len(splits["test"]) == 400


def test_a_split_saved_by_a_spreadsheet_reads_as_its_text(mirror, tmp_path):
    """A local folder saved with a byte-order mark and CRLF line ends gives the very rows of
    the original; in a checksummed mirror the same bytes are refused (not upstream's)."""
    folder = tmp_path / "indonesian"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        original = (mirror / "indonesian" / f"{split}.csv").read_bytes()
        (folder / f"{split}.csv").write_bytes(spreadsheet_saved(original))
    splits, _ = fetch("ind", "local", str(tmp_path), mirrors=[])
    expected, _ = fetch("ind", "url", None, [str(mirror)])
    assert splits == expected
    with pytest.raises(UserError, match=r"train\.csv: sha256 .* does not match"):
        read_folder(folder, "ind", verify=True)


def test_mirror_file_with_a_wrong_checksum_is_refused(mirror, tmp_path):
    folder = tmp_path / "indonesian"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        (folder / f"{split}.csv").write_bytes((mirror / "indonesian" / f"{split}.csv").read_bytes())
    with open(folder / "valid.csv", "ab") as fh:
        fh.write(b"9999,extra row,neutral\n")
    assert find_mirror([str(tmp_path)], "ind") == folder
    with pytest.raises(UserError, match=r"valid\.csv: sha256 .* does not match"):
        read_folder(folder, "ind", verify=True)


def test_hugging_face_conversion_from_a_local_dataset_dict(mirror):
    datasets = pytest.importorskip("datasets")
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "text": datasets.Value("string"),
            "lang": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["negative", "neutral", "positive"]),
        }
    )
    expected, _ = read_folder(mirror / "indonesian", "ind", verify=True)
    names = {"train": "train", "valid": "validation", "test": "test"}
    dataset_dict = datasets.DatasetDict(
        {
            names[split]: datasets.Dataset.from_dict(
                {
                    "id": [r[0] for r in rows],
                    "text": [r[1] for r in rows],
                    "lang": ["ind"] * len(rows),
                    "label": [features["label"].str2int(r[2]) for r in rows],
                },
                features=features,
            )
            for split, rows in expected.items()
        }
    )
    assert from_hf(dataset_dict) == expected


BAD_FILES = [
    ("empty file", b"", "empty file"),
    ("header only", HEADER, "header only"),
    ("missing text column", b"id,label\n1,neutral\n", "missing column(s) text"),
    ("missing label column", b"id,text\n1,hello\n", "missing column(s) label"),
    ("unknown label", HEADER + b"1,hello,happy\n", "line 2: unknown label 'happy'"),
    ("empty text", HEADER + b"1,hello,neutral\n2,  ,neutral\n", "line 3: empty text"),
    ("duplicate ids", HEADER + b"1,hello,neutral\n1,again,neutral\n", "line 3: duplicate id '1'"),
    (
        "not utf-8",
        HEADER + b"1,ok,neutral\n2,caf\xe9,neutral\n",
        "line 3: bytes that are not UTF-8",
    ),
    ("ragged row", HEADER + b"1,hello,neutral,extra\n", "line 2: 4 fields"),
    ("short row after a blank line", HEADER + b"1,hi,neutral\n\n2,hello\n", "line 4: 2 fields"),
    ("blank lines only", HEADER + b"\n\n", "header only"),
    ("a line of spaces", HEADER + b"1,hi,neutral\n  \n", "line 3: 1 fields"),
]


@pytest.mark.parametrize(
    "data",
    [
        HEADER + b"1,hello,neutral\n2,bye,negative\n\n\n",
        b"\n" + HEADER + b"1,hello,neutral\n\n\n2,bye,negative\n",
        HEADER + b"1,hello,neutral\r\n\r\n2,bye,negative\r\n\r\n",
    ],
    ids=["at the end", "before the header and between rows", "CRLF"],
)
def test_blank_lines_are_skipped(data):
    assert parse_csv(data, "x.csv") == [("1", "hello", "neutral"), ("2", "bye", "negative")]


@pytest.mark.parametrize(("case", "data", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_split_file_names_file_and_line(case, data, message):
    with pytest.raises(UserError) as err:
        parse_csv(data, "train.csv")
    assert str(err.value).startswith("train.csv: ")
    assert message in str(err.value)


def test_unknown_language_is_refused():
    with pytest.raises(UserError, match="unknown NusaX language 'xx'"):
        fetch("xx", "huggingface", None, [])


def test_huggingface_without_datasets_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)  # import datasets -> ImportError
    with pytest.raises(UserError, match=r"needs the `datasets` package: pip install"):
        fetch("ind", "huggingface", None, [])


def test_missing_split_file(tmp_path):
    for split in ("train", "valid"):
        (tmp_path / f"{split}.csv").write_bytes(HEADER + b"1,hello,neutral\n")
    with pytest.raises(UserError, match=r"test\.csv: split file missing"):
        read_folder(tmp_path, "ind", verify=False)
