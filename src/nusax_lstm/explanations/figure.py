"""The picture of an explanation: the text with its tokens shaded by attribution, and
beneath it the input, forget and output gates and the cell state of one LSTM layer, per
direction, token by token (Karpathy et al., 2015)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import UserError
from ..reports.plots import save
from ..scratch.layers import read_layers
from ..scratch.trace import SIGNED
from .explain import Explanation, method_line, shown_token


def recurrent_layers(architecture: dict) -> list[str]:
    return [layer.name for layer in read_layers(architecture) if layer.recurrent]


def check_figure(path: str, texts: int, architecture: dict, layer: int) -> None:
    """--figure's arguments, checked before any work: one text, a folder that exists, a
    layer the model has."""
    if texts != 1:
        raise UserError(f"--figure draws one text, got {texts}")
    if not Path(path).resolve().parent.is_dir():
        raise UserError(f"--figure {path}: folder {Path(path).parent} not found")
    names = recurrent_layers(architecture)
    if not 1 <= layer <= len(names):
        raise UserError(f"--layer {layer}: the model has recurrent layers 1 to {len(names)}")


def layer_traces(e: Explanation, layer: int) -> list:
    """The traces of recurrent layer `layer` (1 = the first), one per direction."""
    name = list(dict.fromkeys(t.layer for t in e.traces))[layer - 1]
    return [t for t in e.traces if t.layer == name]


def explanation(e: Explanation, layer: int, path) -> None:
    """Write the figure of `e` with recurrent layer `layer`'s gates as a PNG."""
    shown = layer_traces(e, layer)
    count = max(len(e.tokens), 1)
    fig = Figure(figsize=(max(7.0, 0.42 * count + 2.5), 2.2 + 1.3 * 4 * len(shown)))
    fig.set_layout_engine("constrained")
    heights = [2.0 if count > 12 else 1.0] + [1.0] * 4 * len(shown)  # room for long tokens
    axes = fig.subplots(len(heights), 1, sharex=True, height_ratios=heights, squeeze=False)[:, 0]
    probs = ", ".join(f"{n} {p:.2f}" for n, p in zip(e.labels, e.probabilities, strict=True))
    title = f"{e.label} ({probs}): {e.text}"
    fig.suptitle(textwrap.shorten(title, 110), fontsize=11)
    strip(axes[0], e)
    for k, (trace, gate) in enumerate((t, g) for t in shown for g in t.values):
        ax = axes[1 + k]
        values = trace.values[gate].T  # [H, tokens]
        if gate in SIGNED:
            top = float(np.nanmax(np.abs(values), initial=0.0)) or 1.0
            image = ax.imshow(values, aspect="auto", cmap="RdBu", vmin=-top, vmax=top)
        else:
            image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_ylabel("unit", fontsize=8)
        ax.set_title(f"{trace.layer}, {trace.direction}: {gate}", fontsize=9, loc="left")
        fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
    axes[-1].set_xticks(range(len(e.tokens)), [shown_token(e, k) for k in range(len(e.tokens))])
    axes[-1].tick_params(axis="x", labelrotation=90)
    save(fig, path)


def strip(ax, e: Explanation) -> None:
    """One row of cells, a token each, shaded by its attribution (blue for, red against)."""
    values = e.attribution.values
    top = float(np.abs(values).max(initial=0.0)) or 1.0
    image = ax.imshow(values[None], aspect="auto", cmap="RdBu", vmin=-top, vmax=top)
    for k, value in enumerate(values):
        ax.text(
            k,
            0,
            f"{shown_token(e, k)}\n{value:+.2f}",
            ha="center",
            va="center",
            fontsize=7,
            rotation=90 if len(values) > 12 else 0,
            color="white" if abs(value) > 0.6 * top else "black",  # readable on dark cells
        )
    ax.set_yticks([])
    ax.set_title(textwrap.fill(method_line(e), 120), fontsize=8, loc="left")
    ax.figure.colorbar(image, ax=ax, pad=0.01, fraction=0.03, label="attribution")
