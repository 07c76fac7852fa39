"""Choosing the best model on validation (nusax_lstm.evaluation.selection)."""

from __future__ import annotations

import pytest

from nusax_lstm.evaluation.selection import model_scores, select_best


def run(config_id, seed, val, test, params):
    return {
        "config_id": config_id,
        "seed": seed,
        "val_macro_f1": val,
        "test_macro_f1": test,
        "params": params,
    }


NAMES = {"a": ["A"], "b": ["B", "B2"], "c": ["C"]}


def test_selection_uses_the_mean_and_exports_the_median_seed():
    runs = [
        run("a", 1, 0.5, 0.9, 10),
        run("b", 1, 0.6, 0.1, 20),
        run("b", 2, 0.8, 0.2, 20),
        run("b", 3, 0.7, 0.3, 20),
    ]
    best = select_best(runs, "val_macro_f1", NAMES)
    assert (best["config_id"], best["seed"], best["names"]) == ("b", 3, ["B", "B2"])
    assert best["value"] == pytest.approx(0.7)
    assert select_best(runs, "test_macro_f1", NAMES)["config_id"] == "a"


def test_selection_ties_go_to_fewer_parameters_then_id():
    runs = [run("b", 1, 0.5, 0, 20), run("c", 1, 0.5, 0, 10), run("a", 1, 0.5, 0, 10)]
    best = select_best(runs, "val_macro_f1", NAMES)
    assert best["config_id"] == "a"
    assert "tied" in best["reason"]


def scores_file(config_id, seeds, ensemble=True):
    """A config's scores file as evaluate.py writes it: each seed's run, then the ensemble."""
    models = {f"seed{s}": {"config_id": config_id, "seed": s} for s in seeds}
    if ensemble:
        models["ensemble"] = {"config_id": f"{config_id}-ensemble", "seed": None, "members": seeds}
    return models


@pytest.mark.parametrize(
    "kinds, expected",
    [
        (
            ("configs", "ensembles"),
            ["a 1", "a 2", "b 1", "b 2", "a-ensemble None", "b-ensemble None"],
        ),
        (("configs",), ["a 1", "a 2", "b 1", "b 2"]),
        (("ensembles",), ["a-ensemble None", "b-ensemble None"]),
    ],
)
def test_model_scores_lists_every_run_config_by_config_then_every_ensemble(kinds, expected):
    files = [scores_file("a", [1, 2]), scores_file("b", [1, 2])]
    assert [f"{m['config_id']} {m['seed']}" for m in model_scores(files, kinds)] == expected


def test_model_scores_with_one_seed_has_no_ensemble():
    files = [scores_file("a", [1], ensemble=False), scores_file("b", [1], ensemble=False)]
    assert [m["config_id"] for m in model_scores(files)] == ["a", "b"]
