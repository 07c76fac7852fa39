"""The PeepholeLSTM (scratch/layers/peephole_lstm.py; reference.lstm_step and
backprop.lstm_backward with peepholes): Keras has none, so the plain pass is its oracle.
Fast predictions and training gradients against the plain ones, the plain gradients
against finite differences, its gate traces, and with zero peepholes the LSTM it extends."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import token_ids
from test_reference import CASES, VOCAB, random_export

from nusax_lstm.scratch import backprop, packed_backprop, reference
from nusax_lstm.scratch.loader import from_export
from nusax_lstm.scratch.trace import traces


def peephole_export(units, merge_mode, dim, mask_zero, seed, scale=0.5):
    """random_export's network with every LSTM a PeepholeLSTM, peepholes drawn at `scale`."""
    architecture, arrays = random_export(units, merge_mode, dim, mask_zero, seed)
    rng = np.random.default_rng(seed + 100)
    for spec in architecture["layers"]:
        lanes = [spec] if spec["type"] == "LSTM" else [spec.get(s) for s in ("forward", "backward")]
        for lane, prefix in zip(lanes, peephole_prefixes(spec), strict=False):
            if lane is None:
                continue
            lane["type"] = "PeepholeLSTM"
            arrays[f"{prefix}/peepholes"] = rng.normal(0, scale, (3, lane["units"]))
    return architecture, arrays


def peephole_prefixes(spec):
    name = spec["name"]
    return [name] if spec["type"] == "LSTM" else [f"{name}/forward", f"{name}/backward"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_fast_predictions_and_gradients_equal_the_plain_pass(case):
    units, merge_mode, dim, mask_zero, padding = case
    architecture, arrays = peephole_export(units, merge_mode, dim, mask_zero, seed=len(units))
    ids = token_ids(9, 13, padding, seed=dim, vocab=VOCAB)
    expected = reference.predict_proba(architecture, arrays, ids)
    got = from_export(architecture, arrays, dtype=np.float64).predict_proba(ids)
    assert np.abs(got - expected).max() <= 1e-12
    labels = np.arange(len(ids)) % 3
    loss, grads, _ = backprop.forward_backward(architecture, arrays, ids, labels)
    fast_loss, fast_grads, _ = packed_backprop.forward_backward(architecture, arrays, ids, labels)
    assert fast_loss == pytest.approx(loss, abs=1e-12)
    assert set(fast_grads) == set(grads) == set(arrays)
    assert any(key.endswith("/peepholes") for key in grads)
    for key, grad in grads.items():
        assert np.abs(fast_grads[key] - grad).max() <= 1e-10, key


@pytest.mark.parametrize("merge_mode", [None, "concat"])
def test_plain_gradients_equal_finite_differences(merge_mode):
    architecture, arrays = peephole_export((4, 3), merge_mode, 5, True, seed=2)
    ids = token_ids(5, 7, "holes", seed=3, vocab=VOCAB)
    labels = np.array([0, 1, 2, 0, 1])
    _, grads, _ = backprop.forward_backward(architecture, arrays, ids, labels)
    rng = np.random.default_rng(0)
    for key in (k for k in arrays if k.endswith(("/peepholes", "/kernel"))):
        for index in map(tuple, rng.integers(0, arrays[key].shape, (3, arrays[key].ndim))):
            moved = {}
            for sign in (1, -1):
                changed = dict(arrays) | {key: arrays[key].copy()}
                changed[key][index] += sign * 1e-6
                moved[sign] = backprop.forward_backward(architecture, changed, ids, labels)[0]
            numeric = (moved[1] - moved[-1]) / 2e-6
            assert grads[key][index] == pytest.approx(numeric, abs=1e-7), (key, index)


def test_with_zero_peepholes_it_is_the_lstm_it_extends():
    architecture, arrays = peephole_export((5, 4), "concat", 6, True, seed=1, scale=0)
    lstm_architecture, lstm_arrays = random_export((5, 4), "concat", 6, True, seed=1)
    ids = token_ids(8, 10, "mixed", seed=4, vocab=VOCAB)
    ours = from_export(architecture, arrays, dtype=np.float64).predict_proba(ids)
    theirs = from_export(lstm_architecture, lstm_arrays, dtype=np.float64).predict_proba(ids)
    assert np.abs(ours - theirs).max() <= 1e-12
    architecture, arrays = peephole_export((5, 4), "concat", 6, True, seed=1)
    moved = from_export(architecture, arrays, dtype=np.float64).predict_proba(ids)
    assert np.abs(moved - theirs).max() > 1e-3  # the peepholes count


def test_gate_traces_name_the_lstms_gates():
    architecture, arrays = peephole_export((5,), "concat", 6, True, seed=0)
    ids = token_ids(1, 9, "end", seed=1, vocab=VOCAB)[0]
    found = traces(architecture, arrays, ids)
    assert len(found) == 2  # the two directions
    for trace in found:
        assert set(trace.values) == {"input", "forget", "output", "cell"}


def test_the_numpy_engine_initialises_and_trains_it():
    """Drawn as an LSTM with zero peepholes, then trained: the loss falls, the peepholes
    move."""
    from nusax_lstm.scratch.init import initial_weights
    from nusax_lstm.scratch.train import fit

    architecture, _ = peephole_export((6,), "concat", 5, True, seed=0)
    architecture |= {"mask_zero": True, "padding": "post"}
    arrays = initial_weights(architecture, seed=1, dtype=np.float64)
    assert not arrays["bidirectional_1/forward/peepholes"].any()
    ids = token_ids(48, 8, "end", seed=2, vocab=VOCAB)
    labels = (ids[:, 0] % 3).astype(np.int64)  # learnable from the first token
    data = {"x_train": ids, "y_train": labels, "x_valid": ids, "y_valid": labels}
    history, _ = fit(architecture, arrays, data, 8, 16, 0.02, seed=0)
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    assert arrays["bidirectional_1/forward/peepholes"].any()
