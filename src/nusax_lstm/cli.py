"""`nusax-lstm predict`: label texts with an exported model, without TensorFlow."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from . import UserError
from .scratch.loader import load_export


def read_texts(args: argparse.Namespace) -> list[str]:
    """Texts from the arguments, else a file (or '-' for stdin): plain lines or a CSV column."""
    if args.texts:
        return args.texts
    where = "stdin" if args.file == "-" else args.file
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as err:
        raise UserError(f"{where}: cannot read ({err.strerror})") from None
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is no text
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UserError(f"{where}: line {line}: bytes that are not UTF-8") from None
    if "\0" in text:
        raise UserError(f"{where}: binary data (NUL bytes), expected text")
    if args.column is None:
        return [line for line in text.splitlines() if line.strip()]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if args.column not in (reader.fieldnames or []):
        raise UserError(f"{where}: no column {args.column!r} (columns: {reader.fieldnames})")
    return [row[args.column] for row in reader]


def predict(args: argparse.Namespace) -> None:
    export = load_export(args.model)  # the whole folder checked before any text is read
    texts = read_texts(args)
    if not texts:
        raise UserError("no texts given: pass them as arguments, with --file, or on stdin")
    labels = export.labels
    probs = export.model.predict_proba(export.vectorizer(texts), threads=args.threads)
    for text, p in zip(texts, probs, strict=True):
        label = labels[int(p.argmax())]
        if args.json:
            scores = {name: round(float(v), 6) for name, v in zip(labels, p, strict=True)}
            print(json.dumps({"text": text, "label": label, "probabilities": scores}))
        else:
            shown = " ".join(text.split())
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            print(f"{label:<9} " + " ".join(f"{v:.3f}" for v in p) + f"  {shown}")


def positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="nusax-lstm", description=__doc__)
    p.add_argument("command", choices=["predict"], help="predict: label texts with a model")
    p.add_argument("model", help="exported model folder, e.g. results/ind/best/export")
    p.add_argument("texts", nargs="*", help="texts to label (else --file, else stdin)")
    p.add_argument("--file", default="-", help="text file, one text per line, or CSV; - = stdin")
    p.add_argument("--column", help="read --file as CSV and take this column")
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p.add_argument(
        "--threads", type=positive_int, help="most threads to use (default: one per usable CPU)"
    )
    args = p.parse_intermixed_args(argv)
    try:
        predict(args)
    except UserError as err:
        print(f"nusax-lstm: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
