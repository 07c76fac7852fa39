"""Which tokens a prediction went by: attributions per token, from the backward pass that
training uses (model.Sequential's training passes), in float64. NumPy only.

The score explained is a class's probability p_c, what `predict` shows. A text's tokens
are its real steps (word id not 0); padding keeps its vectors throughout and gets no share.
With e_t the embedding vector [D] of token t:

    gradient x input:      a_t = e_t . dp_c/de_t
    integrated gradients:  a_t = e_t . the mean of dp_c/de_t along the straight path
                           from the baseline (every token's vector zero) to the text,
                           by Gauss-Legendre quadrature at `steps` points (as Captum),
                           on finer panels where that misses completeness (integrated)

Integrated gradients are complete: sum_t a_t tends to p_c(text) - p_c(baseline) as the
steps grow (Sundararajan et al., "Axiomatic Attribution for Deep Networks", 2017). A
seed ensemble's score is its members' mean, and so are its attributions.

Shapes: S path points, T steps, D embedding width, C classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import read_layers
from .model import Sequential

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
    """Token inputs [B, T, ..] with the input layer's output replaced by vectors [B, T, D]
    -> p_c [B] and dp_c / dvectors [B, T, D] (zero at the steps a mask skips)."""
    model = Sequential(read_layers(architecture))
    packing = model.packing(ids)
    probs, tape = model.train_forward(arrays, packing, packing.pack(vectors))
    p = probs[:, label]
    dlogits = -p[:, None] * probs  # dp_c/dz_k = p_c ([k = c] - p_k)
    dlogits[:, label] += p
    _, dx = model.train_backward(tape, dlogits)
    return p, packing.unpack(dx, carry=False)


def path_function(architecture: dict, arrays: dict, ids: np.ndarray, label: int):
    """on_path(alphas [S], weights [S]) -> (sum_k weights_k e_t . dp_c/de_t at alphas_k e
    per token [T], and p_c at each alpha [S]): one batched forward and backward pass.
    A token's vector e_t is its input layer's: with subwords, its word's and n-grams'
    parts together, so the token gets one attribution."""
    arrays = {k: v.astype(np.float64) for k, v in arrays.items()}
    model = Sequential(read_layers(architecture))
    vectors = model.embed(arrays, ids)  # [T, D]
    real = model.inputs.present(ids)

    def on_path(alphas: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        path = np.where(real[:, None], alphas[:, None, None] * vectors, vectors)  # [S, T, D]
        batch = np.broadcast_to(ids, (len(alphas), *ids.shape))
        p, grads = score_gradient(architecture, arrays, batch, path, label)
        return np.where(real, (vectors * np.tensordot(weights, grads, axes=1)).sum(-1), 0.0), p

    return on_path


def attribute(
    architecture: dict, arrays: dict, ids: np.ndarray, label: int, method: str, steps: int = 50
) -> Attribution:
    """One model's attributions of p_`label` on one text's token inputs [T, ..]."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    on_path = path_function(architecture, arrays, ids, label)
    if method == "integrated-gradients":
        return integrated(on_path, steps)
    values, p = on_path(np.ones(1), np.ones(1))
    return Attribution(values, p[0], None)


TOLERANCE = 0.005  # the completeness error integrated gradients refine their path to
MAX_PANELS = 32


def integrated(on_path, steps: int) -> Attribution:
    """Integrated gradients by Gauss-Legendre quadrature at `steps` points per panel of
    [0, 1], one panel first; while the attributions miss p(1) - p(0) by more than
    TOLERANCE of it, the panel that misses its own share most is halved (a saturating
    gate can make the score turn sharply somewhere on the path)."""

    def panel(lo: float, hi: float) -> tuple[np.ndarray, float]:
        """The panel's attributions [T], and how far their sum misses p(hi) - p(lo)."""
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        alphas = np.concatenate([[lo], lo + (hi - lo) * (nodes + 1) / 2, [hi]])
        values, p = on_path(alphas, np.concatenate([[0.0], weights * (hi - lo) / 2, [0.0]]))
        ends[lo], ends[hi] = p[0], p[-1]
        return values, abs(values.sum() - (p[-1] - p[0]))

    ends: dict[float, float] = {}  # p at each panel end
    panels = {(0.0, 1.0): panel(0.0, 1.0)}
    while True:
        values = sum(v for v, _ in panels.values())
        change = ends[1.0] - ends[0.0]
        if (
            abs(values.sum() - change) <= TOLERANCE * abs(change) + 1e-12
            or len(panels) >= MAX_PANELS
        ):
            return Attribution(values, ends[1.0], ends[0.0])
        lo, hi = max(panels, key=lambda k: panels[k][1])
        del panels[lo, hi]
        panels[lo, (lo + hi) / 2] = panel(lo, (lo + hi) / 2)
        panels[(lo + hi) / 2, hi] = panel((lo + hi) / 2, hi)


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
