"""Config expansion, metrics (against scikit-learn), selection, the scratch engine's plan and
schedules, the TensorFlow-free path."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import yaml
from conftest import REPO

from nusax_lstm import UserError
from nusax_lstm.configs import ModelConfig, expand, unique_configs
from nusax_lstm.metrics import evaluate
from nusax_lstm.scratch.layers import LSTM, Bidirectional, Dense, Dropout
from nusax_lstm.scratch.model import execution_stages
from nusax_lstm.scratch.packing import Packing
from nusax_lstm.scratch.scan import LSTMStack, joins
from nusax_lstm.selection import select_best
from nusax_lstm.text import pad


def test_default_config_has_nineteen_names_and_twelve_networks():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    named = expand(config["experiments"], config["train"])
    assert sum(len(n) for n in named.values()) == 19
    ids = unique_configs(config["experiments"], config["train"])
    assert list(ids) == [
        "lstm-64",
        "lstm-64-32",
        "lstm-64-32-16",
        "lstm-32-16",
        "lstm-128-64",
        "bilstm-64-32",
        "lstm-64-32-nomask",
        "lstm-64-32-nomask-pre",
        "lstm-64-32-es",
        "bilstm-64-32-es",
        "lstm-64-32-numpy",
        "bilstm-64-32-numpy",
    ]
    assert (
        named["layers"]["2 Layers"].id
        == named["units"]["Medium (64, 32)"].id
        == named["direction"]["Unidirectional"].id
        == named["padding"]["End padding, mask"].id
        == named["schedule"]["Uni, 10 epochs"].id
        == named["engine"]["Uni, Keras"].id
    )
    numpy = config["train"] | {"backend": "numpy"}  # the engine experiment's twins merge
    assert len(unique_configs(config["experiments"], numpy)) == 10


@pytest.mark.parametrize(
    ("experiments", "message"),
    [
        ({}, "at least one experiment"),
        ({"e": []}, "experiments.e: empty experiment"),
        (
            {"e": [{"name": "a", "units": [4]}, {"name": "a", "units": [5]}]},
            r"experiments.e\[1\].name: duplicate",
        ),
        (
            {"e": [{"name": "a", "units": [4, -1]}]},
            r"experiments.e\[0\].units: expected a list of positive",
        ),
        ({"e": [{"name": "a", "units": []}]}, r"experiments.e\[0\].units"),
    ],
)
def test_bad_experiments_name_the_key(experiments, message):
    with pytest.raises(UserError, match=message):
        expand(experiments)


def test_config_id_depends_on_hyperparameters_only():
    assert ModelConfig((64, 32), True).id == "bilstm-64-32"
    assert ModelConfig((64, 32), False).id != ModelConfig((64, 32), True).id
    assert ModelConfig((8,), False, mask_zero=False, padding="pre").id == "lstm-8-nomask-pre"
    assert ModelConfig((8,), True, early_stopping=True).id == "bilstm-8-es"


def test_config_defaults_come_from_the_train_section():
    entries = {"e": [{"name": "a", "units": [4]}, {"name": "b", "units": [4], "mask_zero": True}]}
    named = expand(entries, {"mask_zero": False, "padding": "pre"})["e"]
    assert (named["a"].mask_zero, named["a"].padding) == (False, "pre")
    assert named["b"].id == "lstm-4-pre"
    stopping = expand(entries, {"early_stopping": {"enabled": True}})["e"]
    assert stopping["a"].early_stopping and stopping["a"].id == "lstm-4-es"
    with pytest.raises(UserError, match=r"experiments.e\[0\].padding: 'middle'"):
        expand({"e": [{"name": "a", "units": [4], "padding": "middle"}]})


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([[5, 6, 7, 0, 0]], [[0, 0, 5, 6, 7]]),
        ([[1, 0, 0, 0, 0]], [[0, 0, 0, 0, 1]]),
        ([[0, 0, 0, 0, 0]], [[0, 0, 0, 0, 0]]),
        ([[1, 2, 3, 4, 5]], [[1, 2, 3, 4, 5]]),
    ],
)
def test_start_padding_moves_tokens_to_the_end(ids, expected):
    ids = np.array(ids, dtype=np.int32)
    assert pad(ids, "pre").tolist() == expected
    assert pad(ids, "post") is ids


@pytest.mark.parametrize("seed", range(5))
def test_metrics_agree_with_scikit_learn(seed):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    y_true = rng.integers(0, 3, n)
    probs = rng.dirichlet(np.ones(3) * (0.2 if seed == 4 else 1.0), n)
    if seed == 3:
        probs[:, 1] = 0  # a class never predicted: zero division
    ours = evaluate(y_true, probs)
    y_pred = probs.argmax(axis=1)
    assert ours["macro_f1"] == pytest.approx(
        sklearn_metrics.f1_score(y_true, y_pred, average="macro", labels=[0, 1, 2], zero_division=0)
    )
    assert ours["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(y_true, y_pred))
    assert (
        ours["confusion_matrix"]
        == sklearn_metrics.confusion_matrix(y_true, y_pred, labels=[0, 1, 2]).tolist()
    )
    precision = sklearn_metrics.precision_score(
        y_true, y_pred, average=None, labels=[0, 1, 2], zero_division=0
    )
    assert [c["precision"] for c in ours["per_class"].values()] == pytest.approx(precision)


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


def lstm(units, inputs, return_sequences):
    rng = np.random.default_rng(units)
    weights = (rng.normal(size=(inputs, 4 * units)), rng.normal(size=(units, 4 * units)))
    return LSTM(*weights, np.zeros(4 * units), return_sequences)


def test_consecutive_lstm_layers_run_as_one_stack():
    first, second, third = lstm(7, 4, True), lstm(5, 7, True), lstm(3, 5, False)
    dense = Dense(np.zeros((3, 3)), np.zeros(3))
    stages = execution_stages([first, Dropout(0.3), second, Dropout(0.3), third, dense])
    assert [type(s) for s in stages] == [LSTMStack, Dense]
    assert stages[0].layers == [first, second, third]
    assert stages[0].width == 15


def test_a_bidirectional_layer_ends_a_stack():
    bi = Bidirectional(lstm(5, 4, True), lstm(5, 4, True))
    first, last = lstm(6, 4, True), lstm(3, 10, False)
    stages = execution_stages([first, Dropout(0.3), bi, last])
    assert [type(s) for s in stages] == [LSTMStack, Bidirectional, LSTMStack]
    assert [s.layers for s in (stages[0], stages[2])] == [[first], [last]]


@pytest.mark.parametrize(
    ("ids", "mask_zero", "expected"),
    [
        ([[0, 0, 5], [0, 7, 8], [3, 4, 9]], False, [1, 2, 3]),  # start padding
        ([[5, 0, 0], [7, 8, 0], [0, 0, 0]], False, [2, 2, 2]),  # end padding; one empty row
        ([[0, 0, 0], [0, 0, 0]], False, [0, 0, 0]),  # nothing but padding
        ([[0, 5, 6], [7, 0, 0]], False, None),  # a shorter text starts first
        ([[0, 0, 5], [0, 7, 8]], True, None),  # a mask drops steps
    ],
    ids=["start", "end", "all padding", "not leading", "mask"],
)
def test_rows_that_have_read_text_join_in_order(ids, mask_zero, expected):
    """Per step, how many rows (longest texts first) have left the shared padding state."""
    ids = np.array(ids)
    real = ids != 0
    if mask_zero:
        packing = Packing.from_mask(real)
    else:
        packing = Packing.from_mask(np.ones(ids.shape, dtype=bool), real.sum(axis=1))
    assert joins(packing.pack(ids), packing) == expected


def test_scratch_engine_loads_no_tensorflow(tmp_path):
    """A fresh interpreter predicts with the engine; neither tensorflow nor keras gets imported."""
    code = f"""
import sys, json, numpy as np
sys.path.insert(0, {str(REPO / "src")!r})
from nusax_lstm.scratch import from_export
rng = np.random.default_rng(0)
layers = [
    {{"name": "embedding", "type": "Embedding", "input_dim": 20, "output_dim": 4,
      "mask_zero": True}},
    {{"name": "lstm_1", "type": "LSTM", "units": 3, "return_sequences": False,
      "activation": "tanh", "recurrent_activation": "sigmoid"}},
    {{"name": "dense_output", "type": "Dense", "units": 3, "activation": "softmax"}},
]
arrays = {{"embedding/embeddings": rng.normal(size=(20, 4)),
    "lstm_1/kernel": rng.normal(size=(4, 12)),
    "lstm_1/recurrent_kernel": rng.normal(size=(3, 12)), "lstm_1/bias": rng.normal(size=12),
    "dense_output/kernel": rng.normal(size=(3, 3)), "dense_output/bias": rng.normal(size=3)}}
probs = from_export({{"layers": layers}}, arrays).predict_proba(rng.integers(0, 20, (5, 7)))
assert np.allclose(probs.sum(axis=1), 1)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
