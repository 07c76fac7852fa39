"""Why the model said it: a text's prediction, each token's attribution for one class
(scratch/attribution.py) and the gate traces of its LSTM layers (scratch/trace.py), as
`nusax-lstm explain` prints them and the pipeline's `explain` rule draws them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import UserError
from ..data.text import OOV, tokenize, words
from ..scratch.attribution import Attribution, attribute_members
from ..scratch.loader import ExportFolder
from ..scratch.trace import Trace, traces

BAR = 20  # characters of the largest attribution's bar


@dataclass
class Explanation:
    """One text: its tokens as the model read them, the prediction, and the explanation
    of one class's probability."""

    text: str
    tokens: list[str]  # cut to the model's sequence length
    unknown: list[bool]  # read as the out-of-vocabulary token
    labels: list[str]
    probabilities: np.ndarray  # [C]
    explained: str  # the class whose probability the attributions explain
    method: str
    steps: int | None  # integrated gradients: Gauss-Legendre points per panel
    members: int  # > 1: a seed ensemble, its members' mean
    attribution: Attribution  # values [tokens]
    traces: list[Trace]  # the first member's, values [tokens, H]

    @property
    def label(self) -> str:
        return self.labels[int(self.probabilities.argmax())]


def explain(
    export: ExportFolder, text: str, explained: str | None, method: str, steps: int
) -> Explanation:
    """Explain `explained`'s probability (default: the predicted class) on one text."""
    if explained is not None and explained not in export.labels:
        raise UserError(f"--class {explained!r}: not one of the model's classes {export.labels}")
    batch = export.vectorizer([text])
    ids, word_ids = batch[0], words(batch)[0]  # [T] (or subword inputs [T, 1 + P]), [T]
    positions = np.flatnonzero(word_ids)  # the tokens' steps, in text order
    tokens = tokenize(text)[: len(ids)]
    probs = export.model.predict_proba(ids[None])[0]
    label = export.labels[int(probs.argmax())] if explained is None else explained
    attribution = attribute_members(
        export.architecture, export.members, ids, export.labels.index(label), method, steps
    )
    attribution.values = attribution.values[positions]
    first = {k: v.astype(np.float64) for k, v in export.members[0].items()}
    found = traces(export.architecture, first, ids)
    for trace in found:
        trace.values = {gate: v[positions] for gate, v in trace.values.items()}
    return Explanation(
        text,
        tokens,
        [bool(i == OOV) for i in word_ids[positions]],
        list(export.labels),
        probs,
        label,
        method,
        steps if method == "integrated-gradients" else None,
        len(export.members),
        attribution,
        found,
    )


def shown_token(e: Explanation, k: int) -> str:
    return f"{e.tokens[k]} (unknown)" if e.unknown[k] else e.tokens[k]


def method_line(e: Explanation) -> str:
    """What the attributions are, and how completely they explain the score."""
    a = e.attribution
    whose = f", the mean over {e.members} seed ensemble members" if e.members > 1 else ""
    line = f"explaining p({e.explained}) = {a.score:.3f} by {e.method}{whose}"
    if a.baseline_score is None:
        return line
    total = float(a.values.sum())
    return (
        f"{line}, {e.steps} points: the attributions sum to {total:+.3f}, "
        f"p({e.explained}) against {a.baseline_score:.3f} with every token's vector zero "
        f"(a change of {a.score - a.baseline_score:+.3f})"
    )


def as_table(e: Explanation) -> str:
    """The explanation for a terminal: signed numbers and bars of + and -, no colour."""
    probs = "  ".join(f"{n} {p:.3f}" for n, p in zip(e.labels, e.probabilities, strict=True))
    lines = [f"text: {' '.join(e.text.split())}", f"label: {e.label}   ({probs})", method_line(e)]
    if not e.tokens:
        return "\n".join([*lines, "  (no tokens: the text is empty once standardized)"])
    largest = float(np.abs(e.attribution.values).max()) or 1.0
    width = max(len(shown_token(e, k)) for k in range(len(e.tokens)))
    for k, value in enumerate(e.attribution.values):
        bar = ("+" if value > 0 else "-") * round(BAR * abs(value) / largest)
        lines.append(f"  {shown_token(e, k):<{width}}  {value:+.4f}  {bar}")
    unread = len(tokenize(e.text)) - len(e.tokens)
    if unread:
        lines.append(f"  ({unread} more tokens after the model's {len(e.tokens)}: not read)")
    return "\n".join(lines)


def as_dict(e: Explanation) -> dict:
    """The explanation as JSON-ready data (what --json prints, a line per text)."""
    a = e.attribution
    return {
        "text": e.text,
        "label": e.label,
        "probabilities": {
            n: round(float(p), 6) for n, p in zip(e.labels, e.probabilities, strict=True)
        },
        "explained": e.explained,
        "method": e.method,
        "steps": e.steps,
        "members": e.members,
        "score": round(a.score, 9),
        "baseline_score": None if a.baseline_score is None else round(a.baseline_score, 9),
        "tokens": [
            {"token": t, "unknown": u, "attribution": round(float(v), 9)}
            for t, u, v in zip(e.tokens, e.unknown, a.values, strict=True)
        ],
    }


def choose(texts: list[str], labels: list[int], probs: np.ndarray, negations, count: int):
    """The test texts the pipeline explains, by rule: the most confident right prediction,
    the most confident wrong one, and the `count` shortest texts that hold one of the
    `negations` words (ties by position). -> (kind, row) pairs, e.g. ("negation-2", 17)."""
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    right = predicted == np.asarray(labels)
    chosen = []
    for kind, rows in (("right", np.flatnonzero(right)), ("wrong", np.flatnonzero(~right))):
        if rows.size:
            chosen.append((kind, int(rows[confidence[rows].argmax()])))
    words = {token for word in negations for token in tokenize(word)}
    negated = [k for k, text in enumerate(texts) if words & set(tokenize(text))]
    negated.sort(key=lambda k: (len(tokenize(texts[k])), k))
    chosen += [(f"negation-{n}", k) for n, k in enumerate(negated[:count], start=1)]
    return chosen
