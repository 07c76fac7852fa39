"""`nusax-lstm predict`: label texts with an exported model; `nusax-lstm explain`: which
tokens the label went by, and what the gates did. Without TensorFlow."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import UserError
from .data.nusax import csv_records, decode
from .scratch.attribution import METHODS
from .scratch.loader import load_export
from .scratch.model import blas_controller, usable_cpus


def read_texts(args: argparse.Namespace) -> list[str]:
    """Texts from the arguments, else a file (or '-' for stdin): plain lines or a CSV column."""
    if args.texts:
        return args.texts
    where = "stdin" if args.file == "-" else args.file
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as err:
        raise UserError(f"{where}: cannot read ({err.strerror})") from None
    text = decode(data, where)
    if "\0" in text:
        raise UserError(f"{where}: binary data (NUL bytes), expected text")
    if args.column is None:
        return [line for line in text.splitlines() if line.strip()]
    header, records = csv_records(text, where)
    if args.column not in header:
        raise UserError(f"{where}: no column {args.column!r} (columns: {header})")
    index = header.index(args.column)
    return [record[index] for _, record in records]


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


def explain(args: argparse.Namespace) -> None:
    from .explanations.explain import as_dict, as_table, explain

    export = load_export(args.model)
    texts = read_texts(args)
    if not texts:
        raise UserError("no texts given: pass them as arguments, with --file, or on stdin")
    if args.figure:
        from .explanations.figure import check_figure, explanation

        check_figure(args.figure, len(texts), export.architecture, args.layer)
    for k, text in enumerate(texts):
        # the attributions' matmuls on at most --threads BLAS threads
        with blas_controller().limit(limits=args.threads or usable_cpus(), user_api="blas"):
            e = explain(export, text, args.label, args.method, args.steps)
        if args.figure:
            explanation(e, args.layer, args.figure)
        print(json.dumps(as_dict(e)) if args.json else ("\n" if k else "") + as_table(e))


EXPLAIN_ONLY = {
    "label": "--class",
    "method": "--method",
    "steps": "--steps",
    "figure": "--figure",
    "layer": "--layer",
}


def positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="nusax-lstm", description=__doc__)
    p.add_argument(
        "command",
        choices=["predict", "explain"],
        help="predict: label texts with a model; explain: attributions and gate traces",
    )
    p.add_argument("model", help="exported model folder, e.g. results/ind/best/export")
    p.add_argument("texts", nargs="*", help="texts to label (else --file, else stdin)")
    p.add_argument("--file", default="-", help="text file, one text per line, or CSV; - = stdin")
    p.add_argument("--column", help="read --file as CSV and take this column")
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p.add_argument(
        "--threads", type=positive_int, help="most threads to use (default: one per usable CPU)"
    )
    explaining = p.add_argument_group("explain")
    explaining.add_argument(
        "--class", dest="label", help="the class to explain (default: the predicted one)"
    )
    explaining.add_argument(
        "--method", choices=METHODS, help=f"how to attribute (default: {METHODS[0]})"
    )
    explaining.add_argument(
        "--steps", type=positive_int, help="integrated gradients' steps (default: 50)"
    )
    explaining.add_argument("--figure", help="write the text's figure to this PNG file")
    explaining.add_argument(
        "--layer", type=positive_int, help="the recurrent layer whose gates the figure shows"
    )
    args = p.parse_intermixed_args(argv)
    if args.command == "predict":
        given = [flag for key, flag in EXPLAIN_ONLY.items() if getattr(args, key) is not None]
        if given:
            p.error(f"{given[0]} goes with explain, not predict")
    if args.layer is not None and args.figure is None:
        p.error("--layer goes with --figure (the layer whose gates the figure shows)")
    args.method, args.steps, args.layer = (
        args.method or METHODS[0],
        args.steps or 50,
        args.layer or 1,
    )
    try:
        (predict if args.command == "predict" else explain)(args)
    except UserError as err:
        print(f"nusax-lstm: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
