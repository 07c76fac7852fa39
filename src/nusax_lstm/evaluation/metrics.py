"""Classification metrics from arrays (NumPy only; scikit-learn's definitions)."""

from __future__ import annotations

import numpy as np

from .. import LABELS


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = len(LABELS)
) -> np.ndarray:
    """[C, C] counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0 where den is 0 (scikit-learn's zero_division=0)."""
    return np.divide(num, den, out=np.zeros(np.shape(num)), where=den > 0)


def per_class(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 [..., C] of each class from confusion matrices [..., C, C]."""
    matrix = np.asarray(matrix, dtype=float)
    tp = np.diagonal(matrix, axis1=-2, axis2=-1)
    precision = _ratio(tp, matrix.sum(axis=-2))
    recall = _ratio(tp, matrix.sum(axis=-1))
    f1 = _ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(per_class(confusion_matrix(y_true, y_pred))[2].mean())


def evaluate(y_true: np.ndarray, probs: np.ndarray) -> dict:
    """Macro F1, accuracy, per-class scores and the confusion matrix of argmax predictions."""
    y_pred = np.asarray(probs).argmax(axis=1)
    matrix = confusion_matrix(y_true, y_pred)
    precision, recall, f1 = per_class(matrix)
    return {
        "macro_f1": float(f1.mean()),
        "accuracy": float(np.mean(y_pred == np.asarray(y_true))),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(
                LABELS, precision, recall, f1, matrix.sum(axis=1), strict=True
            )
        },
        "confusion_matrix": matrix.tolist(),
    }


# Keras's clip of probabilities before the log in sparse categorical cross-entropy
# (keras.config.epsilon()).
KERAS_EPSILON = 1e-7


def loss_and_accuracy(probs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean sparse categorical cross-entropy of probabilities [N, C] (clipped as Keras
    clips them) and accuracy."""
    p = np.clip(probs / probs.sum(axis=1, keepdims=True), KERAS_EPSILON, 1 - KERAS_EPSILON)
    loss = -np.log(p[np.arange(len(labels)), labels]).mean()
    return float(loss), float((probs.argmax(axis=1) == labels).mean())
