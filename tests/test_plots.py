"""Every figure shows all of its text: each text's box lies inside the canvas and over no
other, with the long config names and titles that the study produces."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import yaml
from conftest import REPO
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from nusax_lstm.pipeline.configs import expand
from nusax_lstm.reports import plots

LONG = "2 Layers / Medium (64, 32) / Unidirectional / End padding, mask (lstm-64-32)"
HISTORY = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.9, 1.0]}
HISTORY |= {"accuracy": [0.4, 0.7, 0.9], "val_accuracy": [0.4, 0.6, 0.6]}
PROBS = np.random.default_rng(0).dirichlet(np.ones(3), 20)


def default_study_rows() -> list[tuple]:
    """overview's rows for the default study: every config under all its names, its seed
    ensemble, and the baselines, with close scores (neighbouring bars)."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    aliases = {}
    for named in expand(config["experiments"], config["train"]).values():
        for name, model in named.items():
            aliases.setdefault(model.id, []).append(name)
    aliases["bilstm-128-64-32-nomask-pre-es-numpy"] = [LONG] * 9  # long names, many aliases
    rows = []
    for i, (model_id, names) in enumerate(aliases.items()):
        ensemble = [f"{n} (seed ensemble)" for n in names]
        rows.append((plots.model_label(model_id, names), 0.7 + i / 1000, [0.66, 0.74], "lstm"))
        rows.append(
            (plots.model_label(f"{model_id}-ensemble", ensemble), 0.71, [0.67, 0.75], "ensemble")
        )
    baselines = ["TF-IDF + LinearSVC", "TF-IDF + LogisticRegression", "TF-IDF + MultinomialNB"]
    return rows + [(name, 0.72, [0.68, 0.77], "baseline") for name in baselines]


FIGURES = {
    "overview": lambda path: plots.overview(
        default_study_rows(),
        "Test macro F1 of every config and baseline (ind)",
        "95 % bootstrap interval",
        path,
    ),
    "experiment": lambda path: plots.experiment_panel(
        "direction",
        {
            LONG: {"histories": [HISTORY], "test_f1": [0.7]},
            "Bidirectional": {"histories": [HISTORY], "test_f1": [0.72]},
        },
        path,
    ),
    "confusion": lambda path: plots.confusion(
        [[50, 3, 7], [9, 20, 4], [8, 2, 80]], f"Test confusion: {LONG}, seed 43, ind", path
    ),
    "history": lambda path: plots.history(
        [HISTORY, HISTORY], [2, 3], f"{LONG}, seed 42, 43, ind", path
    ),
    "scatter": lambda path: plots.scatter(PROBS, PROBS, f"{LONG}, seed 43, ind", path),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_text_lies_inside_the_canvas(name, tmp_path, monkeypatch):
    saved = []
    real_save = plots.save
    monkeypatch.setattr(plots, "save", lambda fig, path: (saved.append(fig), real_save(fig, path)))
    FIGURES[name](tmp_path / "figure.png")
    (fig,) = saved
    assert (tmp_path / "figure.png").stat().st_size > 0
    canvas_agg = FigureCanvasAgg(fig)
    canvas_agg.draw()  # lays the figure out as saving did
    renderer = canvas_agg.get_renderer()
    canvas = fig.bbox
    # Tick labels exist for ticks outside the axes' range too, undrawn: for them, the
    # drawn figure's own bounds (which count only drawn ticks) must fit the canvas.
    ticks = {
        id(label)
        for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis))
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        for label in (tick.label1, tick.label2)
    }
    drawn = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
    assert canvas.x0 - 1 <= drawn.x0 and drawn.x1 <= canvas.x1 + 1, f"{name}: {drawn}"
    assert canvas.y0 - 1 <= drawn.y0 and drawn.y1 <= canvas.y1 + 1, f"{name}: {drawn}"
    texts = [
        t for t in fig.findobj(Text) if id(t) not in ticks and t.get_visible() and t.get_text()
    ]
    assert texts
    for text in texts:
        box = text.get_window_extent(renderer)
        inside = (
            box.x0 >= canvas.x0 - 1
            and box.y0 >= canvas.y0 - 1
            and box.x1 <= canvas.x1 + 1
            and box.y1 <= canvas.y1 + 1
        )
        assert inside, f"{name}: {text.get_text()!r} at {box} outside {canvas}"
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in texts]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        overlap = (
            min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0),
            min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0),
        )
        assert min(overlap) <= 1, f"{name}: {a!r} over {b!r}"
