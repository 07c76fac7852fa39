"""Which tokens a prediction went by: attributions per token, from the backward pass that
training uses (packed_backprop.py), in float64. NumPy only.

The score explained is a class's probability p_c, what `predict` shows. A text's tokens
are its real steps (ids != 0); padding keeps its vectors throughout and gets no share.
With e_t the embedding vector [D] of token t:

    gradient x input:      a_t = e_t . dp_c/de_t
    integrated gradients:  a_t = e_t . the mean of dp_c/de_t along the straight path
                           from the baseline (every token's vector zero) to the text,
                           by the trapezoid rule over `steps` intervals

Integrated gradients are complete: sum_t a_t tends to p_c(text) - p_c(baseline) as the
steps grow (Sundararajan et al., "Axiomatic Attribution for Deep Networks", 2017). A
seed ensemble's score is its members' mean, and so are its attributions.

Shapes: S path points, T steps, D embedding width, C classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .packed_backprop import backward_packed, forward, packing_of

METHODS = ("integrated-gradients", "gradient-x-input")


@dataclass
class Attribution:
    """One text's attributions [T] (zero at padding) for one class, and the score they
    explain: p_c of the text and of the baseline (integrated gradients only)."""

    values: np.ndarray
    score: float
    baseline_score: float | None


def score_gradient(
    architecture: dict, arrays: dict, ids: np.ndarray, vectors: np.ndarray, label: int
) -> tuple[np.ndarray, np.ndarray]:
    """ids [B, T] with the embedding's output replaced by vectors [B, T, D] -> p_c [B] and
    dp_c / dvectors [B, T, D] (zero at the steps a mask skips)."""
    packing = packing_of(architecture, ids)
    probs, tape = forward(architecture, arrays, packing, packing.pack(vectors))
    p = probs[:, label]
    dlogits = -p[:, None] * probs  # dp_c/dz_k = p_c ([k = c] - p_k)
    dlogits[:, label] += p
    _, dx = backward_packed(tape, arrays, packing, dlogits)
    return p, packing.unpack(dx, carry=False)


def attribute(
    architecture: dict, arrays: dict, ids: np.ndarray, label: int, method: str, steps: int = 50
) -> Attribution:
    """One model's attributions of p_`label` on one text's ids [T]."""
    arrays = {k: v.astype(np.float64) for k, v in arrays.items()}
    vectors = arrays[f"{architecture['layers'][0]['name']}/embeddings"][ids]  # [T, D]
    real = ids != 0
    if method == "gradient-x-input":
        p, grads = score_gradient(architecture, arrays, ids[None], vectors[None], label)
        return Attribution(np.where(real, (vectors * grads[0]).sum(-1), 0.0), p[0], None)
    if method != "integrated-gradients":
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    alphas = np.linspace(0.0, 1.0, steps + 1)
    path = np.where(real[:, None], alphas[:, None, None] * vectors, vectors)  # [S + 1, T, D]
    p, grads = score_gradient(architecture, arrays, np.tile(ids, (steps + 1, 1)), path, label)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2  # the trapezoid rule
    mean = np.tensordot(weights, grads, axes=1)  # [T, D]
    return Attribution(np.where(real, (vectors * mean).sum(-1), 0.0), p[-1], p[0])


def attribute_members(
    architecture: dict, members: list[dict], ids: np.ndarray, label: int, method: str, steps=50
) -> Attribution:
    """A model's attributions (one member), or a seed ensemble's: the members' mean."""
    each = [attribute(architecture, arrays, ids, label, method, steps) for arrays in members]
    baselines = [a.baseline_score for a in each]
    return Attribution(
        np.mean([a.values for a in each], axis=0),
        float(np.mean([a.score for a in each])),
        None if None in baselines else float(np.mean(baselines)),
    )
