"""The Keras-vs-scratch comparison of the exported model's test predictions."""

from __future__ import annotations

import numpy as np

from .. import LABELS
from .metrics import macro_f1

SIDE_BY_SIDE = 10


def compare(
    keras_probs: np.ndarray, scratch_probs: np.ndarray, y_true: np.ndarray, texts: list[str]
) -> dict:
    """Macro F1 of both, agreement, largest probability difference, first rows side by side."""
    keras_pred, scratch_pred = keras_probs.argmax(axis=1), scratch_probs.argmax(axis=1)
    agree = int(np.sum(keras_pred == scratch_pred))
    keras_f1, scratch_f1 = macro_f1(y_true, keras_pred), macro_f1(y_true, scratch_pred)
    return {
        "samples": len(y_true),
        "keras_macro_f1": keras_f1,
        "scratch_macro_f1": scratch_f1,
        "macro_f1_difference": scratch_f1 - keras_f1,
        "agreement_count": agree,
        "agreement": agree / len(y_true),
        "max_abs_prob_diff": float(np.abs(keras_probs - scratch_probs).max()),
        "first_samples": [
            {
                "index": i,
                "text": texts[i],
                "true": LABELS[y_true[i]],
                "keras": LABELS[keras_pred[i]],
                "scratch": LABELS[scratch_pred[i]],
                "keras_probs": keras_probs[i].tolist(),
                "scratch_probs": scratch_probs[i].tolist(),
            }
            for i in range(min(SIDE_BY_SIDE, len(y_true)))
        ],
    }


def _probs(values: list[float]) -> str:
    return " ".join(f"{v:.6f}" for v in values)


def comparison_markdown(comparison: dict, best: dict) -> str:
    c = comparison
    lines = [
        f"# Keras vs from-scratch NumPy: {best['config_id']} "
        f"(seed {', '.join(map(str, best['members']))})",
        "",
        "| | Keras | scratch |",
        "|---|---|---|",
        f"| test macro F1 | {c['keras_macro_f1']:.4f} | {c['scratch_macro_f1']:.4f} |",
        "",
        f"- macro F1 difference: {c['macro_f1_difference']:+.2e}",
        f"- agreement: {c['agreement_count']}/{c['samples']} ({100 * c['agreement']:.2f} %)",
        f"- max |Δ probability|: {c['max_abs_prob_diff']:.3e}",
        "",
        f"## First {len(c['first_samples'])} test samples",
        "",
        "| # | text | true | Keras | scratch | Keras probs | scratch probs |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in c["first_samples"]:
        text = s["text"][:60].replace("|", "\\|")
        lines.append(
            f"| {s['index']} | {text} | {s['true']} | {s['keras']} | {s['scratch']} "
            f"| {_probs(s['keras_probs'])} | {_probs(s['scratch_probs'])} |"
        )
    return "\n".join(lines) + "\n"
