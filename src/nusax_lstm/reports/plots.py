"""The study's figures, written as PNG atomically (matplotlib Figures: no pyplot state)."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .. import LABELS
from ..fileio import atomic_path


def subplots(nrows: int, ncols: int, figsize: tuple) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def save(fig: Figure, path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")


def mean_curve(histories: list[dict], key: str) -> np.ndarray:
    """Per epoch, the mean over the runs that trained that long (early stopping ends runs
    at different epochs)."""
    longest = max(len(h[key]) for h in histories)
    return np.array(
        [np.mean([h[key][e] for h in histories if e < len(h[key])]) for e in range(longest)]
    )


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


def history(histories: list[dict], epochs_kept: list[int], title: str, path) -> None:
    """Training and validation loss and accuracy per epoch of one run, or the mean over a
    seed ensemble's runs; dashed lines mark the epochs whose weights the runs keep (the
    last, or early stopping's best)."""
    fig, (axes,) = subplots(1, 2, (11, 4))
    fig.suptitle(textwrap.fill(title, 90))
    for ax, key in zip(axes, ("loss", "accuracy"), strict=True):
        for name, curve in (("training", key), ("validation", f"val_{key}")):
            values = mean_curve(histories, curve)
            ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=name)
        for kept in sorted(set(epochs_kept)):
            ax.axvline(kept, color="grey", linestyle="--", label=f"weights kept (epoch {kept})")
        ax.set(title=key.capitalize() + (" (mean over runs)" if len(histories) > 1 else ""))
        ax.set(xlabel="Epoch")
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
    ax.set_title(
        f"Keras vs NumPy engine\n{textwrap.fill(title, 60)}\nmax |Δp| = {diff:.1e}", fontsize=10
    )
    ax.set(
        xlabel="Keras probability",
        ylabel="NumPy engine probability",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend()
    save(fig, path)


COLORS = {"lstm": "tab:blue", "ensemble": "tab:green", "baseline": "tab:orange"}
KINDS = {
    "lstm": "LSTM config, seeds pooled",
    "ensemble": "its seed ensemble",
    "baseline": "baseline",
}


def model_label(model_id: str, aliases: list[str], width: int = 32) -> str:
    """One line per model: its first name, cut to `width`, the count of its other names,
    and its id ('2 Layers +5 (lstm-64-32)'); every alias is listed in summary.md."""
    first = aliases[0] if len(aliases[0]) <= width else aliases[0][: width - 1] + "…"
    more = f" +{len(aliases) - 1}" if len(aliases) > 1 else ""
    return f"{first}{more} ({model_id})"


def overview(rows: list[tuple[str, float, list[float], str]], title: str, level: str, path) -> None:
    """Horizontal bars of test macro F1 with their intervals: rows of (one-line label,
    score, [low, high], kind), kind one of COLORS, sorted by score; `level` names the
    intervals (e.g. '95 % bootstrap interval')."""
    rows = sorted(rows, key=lambda r: r[1])
    scores = np.array([r[1] for r in rows])
    below_above = np.abs(np.array([r[2] for r in rows]).T - scores)  # [2, rows]
    fig, ((ax,),) = subplots(1, 1, (10, 0.3 * len(rows) + 2))
    bars = ax.barh(
        [r[0] for r in rows],
        scores,
        xerr=below_above,
        color=[COLORS[kind] for *_, kind in rows],
        capsize=4,
    )
    ax.bar_label(bars, labels=[f"{v:.3f}" for v in scores], padding=4, fontsize=8)
    ax.set(xlabel=f"Test macro F1, {level}", xlim=(0, 1))
    ax.grid(True, axis="x", alpha=0.3)
    kinds = dict.fromkeys(kind for *_, kind in rows)  # those drawn, in order
    handles = [Patch(color=COLORS[kind], label=KINDS[kind]) for kind in kinds]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    fig.suptitle(textwrap.fill(title, 90))  # centred on the figure, not on the bars
    save(fig, path)


def nusax_table(table: dict, path) -> None:
    """The NusaX table as points per language and on average: the paper's rows hollow,
    ours filled with their intervals (the rows 'features chosen on valid' and the LSTMs;
    the per-feature rows stay in table.md)."""
    columns = [*table["languages"], "average"]
    rows = [
        r
        for r in table["rows"]
        if r["source"] == "published" or not r["name"].endswith(("(ours, bow)", "(ours, tfidf)"))
    ]
    fig, ((ax,),) = subplots(1, 1, (max(8, 1.1 * len(columns) + 3), 6))
    width = 0.8 / len(rows)
    colors = [colormaps["tab20"](i % 20) for i in range(len(rows))]
    for i, (row, color) in enumerate(zip(rows, colors, strict=True)):
        present = [j for j, lang in enumerate(table["languages"]) if lang in row["cells"]]
        cells = [*(row["cells"][table["languages"][j]] for j in present), row["average"]]
        x = np.array([*present, len(columns) - 1]) - 0.4 + (i + 0.5) * width
        y = np.array([c["f1"] for c in cells])
        ours = row["source"] == "ours"
        errors = np.abs(np.array([c["interval"] for c in cells]).T - y) if ours else None
        ax.errorbar(
            x,
            y,
            yerr=errors,
            fmt="o" if ours else "D",
            color=color,
            capsize=2,
            markersize=5,
            markerfacecolor=color if ours else "none",
            linestyle="none",
            label=f"{row['name']}{'' if ours else ' (published)'}",
        )
    ax.set_xticks(np.arange(len(columns)), columns)
    ax.set(
        ylabel=f"test macro F1, % (ours: {round(100 * table['confidence'])} % bootstrap interval)"
    )
    ax.set_title("NusaX-Senti: ours (filled) beside the NusaX paper (hollow)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    save(fig, path)


def search_history(points: list[tuple[int, float]], title: str, path) -> None:
    """A search's finished trials: each one's score by trial number, and the best so far."""
    fig, axes = subplots(1, 1, (6.5, 4))
    ax = axes[0, 0]
    if points:
        numbers, values = zip(*points, strict=True)
        ax.scatter(numbers, values, s=14, color="tab:blue", label="trial")
        best = np.maximum.accumulate(values)
        ax.step(numbers, best, where="post", color="tab:red", label="best so far")
        ax.legend(loc="lower right")
    ax.set(xlabel="trial", ylabel="mean held-out macro F1", title=f"{title}: history")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    save(fig, path)


def importances(shares: dict[str, float], title: str, path) -> None:
    """Each searched choice's share of the score's variance, largest on top."""
    fig, axes = subplots(1, 1, (6.5, 4))
    ax = axes[0, 0]
    names = list(shares)[::-1]
    ax.barh(names, [shares[name] for name in names], color="tab:blue")
    if not shares:
        ax.text(0.5, 0.5, "fewer than two finished trials", ha="center", transform=ax.transAxes)
    ax.set(xlabel="share of the score's variance (fANOVA)", title=f"{title}: importance")
    save(fig, path)
