"""The study's figures, written as PNG atomically (matplotlib Figures: no pyplot state)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import LABELS
from .fileio import atomic_path


def subplots(nrows: int, ncols: int, figsize: tuple) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=figsize, layout="tight")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def save(fig: Figure, path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")


def mean_curve(histories: list[dict], key: str) -> np.ndarray:
    return np.mean([h[key] for h in histories], axis=0)


def experiment_panel(title: str, configs: dict[str, dict], path) -> None:
    """The notebook's 2x2 panel. `configs`: name -> {"histories": [...], "test_f1": [...]},
    one entry per seed; curves are means over seeds, bars show mean ± std."""
    fig, axes = subplots(2, 2, (12, 8))
    fig.suptitle(f"Experiment: {title}", fontsize=14)
    panels = [
        ("loss", "Training loss", "Loss"),
        ("val_loss", "Validation loss", "Loss"),
        ("accuracy", "Training accuracy", "Accuracy"),
    ]
    for ax, (key, name, ylabel) in zip(axes.flat, panels, strict=False):
        for label, c in configs.items():
            curve = mean_curve(c["histories"], key)
            ax.plot(np.arange(1, len(curve) + 1), curve, marker="o", label=label)
        ax.set(title=name, xlabel="Epoch", ylabel=ylabel)
        ax.grid(True, alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    ax = axes[1, 1]
    names = list(configs)
    means = [np.mean(configs[n]["test_f1"]) for n in names]
    stds = [
        np.std(configs[n]["test_f1"], ddof=1) if len(configs[n]["test_f1"]) > 1 else 0
        for n in names
    ]
    bars = ax.bar(names, means, yerr=stds, capsize=6, color="tab:blue", alpha=0.8)
    ax.bar_label(bars, labels=[f"{m:.3f}" for m in means], padding=3, fontsize=8)
    seeds = len(next(iter(configs.values()))["test_f1"])
    ax.set(title=f"Test macro F1 (mean ± std over {seeds} seed(s))", ylabel="Macro F1", ylim=(0, 1))
    ax.tick_params(axis="x", rotation=20)
    save(fig, path)


def confusion(matrix: list[list[int]], title: str, path) -> None:
    """Counts and row-normalised (recall per true class) side by side."""
    counts = np.asarray(matrix)
    rows = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, (axes,) = subplots(1, 2, (11, 4.5))
    fig.suptitle(title)
    for ax, data, fmt, name in (
        (axes[0], counts, "d", "Counts"),
        (axes[1], rows, ".2f", "Row-normalised"),
    ):
        ax.imshow(data, cmap="Blues")
        for (i, j), v in np.ndenumerate(data):
            color = "white" if data[i, j] > data.max() / 2 else "black"
            ax.text(j, i, format(v, fmt), ha="center", va="center", color=color)
        ax.set(
            title=name,
            xlabel="Predicted",
            ylabel="True",
            xticks=range(3),
            yticks=range(3),
            xticklabels=LABELS,
            yticklabels=LABELS,
        )
    save(fig, path)


def history(run_history: dict, title: str, path) -> None:
    fig, (axes,) = subplots(1, 2, (11, 4))
    fig.suptitle(title)
    epochs = np.arange(1, len(run_history["loss"]) + 1)
    for ax, key in zip(axes, ("loss", "accuracy"), strict=True):
        ax.plot(epochs, run_history[key], marker="o", label="training")
        ax.plot(epochs, run_history[f"val_{key}"], marker="o", label="validation")
        ax.set(title=key.capitalize(), xlabel="Epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend()
    save(fig, path)


def scatter(keras_probs: np.ndarray, scratch_probs: np.ndarray, title: str, path) -> None:
    fig, ((ax,),) = subplots(1, 1, (5.5, 5.5))
    for k, label in enumerate(LABELS):
        ax.scatter(keras_probs[:, k], scratch_probs[:, k], s=8, alpha=0.6, label=label)
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
    diff = np.abs(keras_probs - scratch_probs).max()
    ax.set_title(f"Keras vs NumPy engine\n{title}\nmax |Δp| = {diff:.1e}", fontsize=10)
    ax.set(
        xlabel="Keras probability",
        ylabel="NumPy engine probability",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend()
    save(fig, path)


def overview(rows: list[tuple[str, float, float, str]], title: str, path) -> None:
    """Horizontal bars of test macro F1: rows of (label, mean, std, kind), kind 'lstm' or
    'baseline', sorted by mean."""
    rows = sorted(rows, key=lambda r: r[1])
    fig, ((ax,),) = subplots(1, 1, (9, 0.45 * len(rows) + 1.5))
    colors = ["tab:orange" if kind == "baseline" else "tab:blue" for *_, kind in rows]
    bars = ax.barh(
        [r[0] for r in rows],
        [r[1] for r in rows],
        xerr=[r[2] for r in rows],
        color=colors,
        capsize=4,
    )
    ax.bar_label(bars, labels=[f"{r[1]:.3f}" for r in rows], padding=4, fontsize=8)
    ax.set(
        title=title,
        xlabel="Test macro F1 (blue: LSTM mean ± std over seeds; orange: TF-IDF baseline)",
        xlim=(0, 1),
    )
    ax.grid(True, axis="x", alpha=0.3)
    save(fig, path)
