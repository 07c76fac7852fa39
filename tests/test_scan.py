"""The scratch engine's plan (stacks of LSTM layers run as one wavefront), its schedule of
rows joining the scan, and its TensorFlow-free import."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

from nusax_lstm.scratch.layers import LSTM, Bidirectional, Dense, Dropout
from nusax_lstm.scratch.model import execution_stages
from nusax_lstm.scratch.packing import Packing
from nusax_lstm.scratch.scan import LSTMStack, joins


def lstm(units, inputs, return_sequences, name="lstm"):
    rng = np.random.default_rng(units)
    arrays = {
        "kernel": rng.normal(size=(inputs, 4 * units)),
        "recurrent_kernel": rng.normal(size=(units, 4 * units)),
        "bias": np.zeros(4 * units),
    }
    return LSTM(name, units, return_sequences).build(arrays)


DROPOUT = Dropout("dropout", 0.3)


def test_consecutive_lstm_layers_run_as_one_stack():
    first, second, third = lstm(7, 4, True), lstm(5, 7, True), lstm(3, 5, False)
    dense = Dense("dense", 3).build({"kernel": np.zeros((3, 3)), "bias": np.zeros(3)})
    stages = execution_stages([first, DROPOUT, second, DROPOUT, third, dense])
    assert [type(s) for s in stages] == [LSTMStack, Dense]
    assert stages[0].layers == [first, second, third]
    assert stages[0].width == 15


def test_a_bidirectional_layer_ends_a_stack():
    side = lstm(5, 4, True)
    arrays = {f"{key}/{k}": v for key in ("forward", "backward") for k, v in side.arrays.items()}
    bi = Bidirectional("bi", "concat", True, side, side).build(arrays)
    first, last = lstm(6, 4, True), lstm(3, 10, False)
    stages = execution_stages([first, DROPOUT, bi, last])
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
from nusax_lstm.scratch.loader import from_export
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
