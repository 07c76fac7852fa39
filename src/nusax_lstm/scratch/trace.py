"""What the recurrent cells did on a text, step by step: an LSTM's input, forget and
output gates and its cell state, a GRU's update and reset gates, its candidate and its
state, for every recurrent layer and direction, after Karpathy et al., "Visualizing and
Understanding Recurrent Networks" (2015). No time loop of its own: the values are what
the model's training forward pass keeps for its backward pass (each layer's `recorded`).

Shapes: T steps, H units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import LSTM, read_layers
from .model import Sequential

GATES = LSTM.shown  # an LSTM's
SIGNED = {"cell", "candidate", "state"}  # in (-1, 1) or beyond; the gates are in (0, 1)


@dataclass
class Trace:
    """One direction of one recurrent layer: per value its cell shows (the layer type's
    `shown`), its values [T, H] at each step the cell ran, in text order (NaN where a
    mask skipped the step)."""

    layer: str
    direction: str  # "forward" or "backward"
    values: dict[str, np.ndarray]


def traces(architecture: dict, arrays: dict, ids: np.ndarray) -> list[Trace]:
    """Every recurrent layer's traces on one text's ids [T], first layer first."""
    model = Sequential(read_layers(architecture))
    packing = model.packing(ids[None])
    vectors = model.embed(arrays, packing.pack(ids[None]))
    _, (tape, _) = model.train_forward(arrays, packing, vectors)
    found = []
    for layer, saved in tape:
        if layer.recurrent:
            for direction, shown in layer.recorded(saved).items():
                values = {
                    name: in_text_order(v, packing.times, len(ids)) for name, v in shown.items()
                }
                found.append(Trace(layer.name, direction, values))
    return found


def in_text_order(packed: np.ndarray, times: np.ndarray, steps: int) -> np.ndarray:
    """One text's packed values [N, H] at their steps `times` [N] -> [T, H], NaN at the
    steps that did not run."""
    values = np.full((steps, packed.shape[1]), np.nan)
    values[times] = packed
    return values
