"""What the recurrent cells did on a text, step by step: an LSTM's input, forget and
output gates and its cell state, a GRU's update and reset gates, its candidate and its
state, for every recurrent layer and direction, as reference.py's forward pass computes
them (the one a student reads), after Karpathy et al., "Visualizing and
Understanding Recurrent Networks" (2015).

Shapes: T steps, H units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import cell_type, lanes, recurrent_forward
from .reference import SHOWN, embedding

GATES = SHOWN["LSTM"][0]  # an LSTM's
SIGNED = {"cell", "candidate", "state"}  # in (-1, 1) or beyond; the gates are in (0, 1)


@dataclass
class Trace:
    """One direction of one recurrent layer: per gate (GATES or GRU_GATES), its values
    [T, H] at each step the cell ran, in text order (NaN where a mask skipped the step)."""

    layer: str
    direction: str  # "forward" or "backward"
    values: dict[str, np.ndarray]


def traces(architecture: dict, arrays: dict, ids: np.ndarray) -> list[Trace]:
    """Every recurrent layer's traces on one text's ids [T], first layer first."""
    layers = architecture["layers"]
    x = embedding(ids[None], arrays[f"{layers[0]['name']}/embeddings"])  # [1, T, D]
    mask = ids[None] != 0 if layers[0]["mask_zero"] else np.ones((1, len(ids)), dtype=bool)
    found = []
    for spec in layers[1:]:
        if spec["type"] not in (*SHOWN, "Bidirectional"):
            continue  # Dropout is the identity when predicting; Dense ends the stack
        x, runs = recurrent_forward(spec, arrays, x, mask)
        for prefix, (_, seen, _) in zip(lanes(spec), runs, strict=True):
            direction = "backward" if prefix.endswith("/backward") else "forward"
            values = step_values(seen, len(ids), cell_type(spec))
            found.append(Trace(spec["name"], direction, values))
        if not spec["return_sequences"]:
            break
    return found


def step_values(seen: list, steps: int, cell: str = "LSTM") -> dict[str, np.ndarray]:
    """A reference cell's record of one text (per step run) -> per value it shows
    (reference.SHOWN) [T, H], NaN at skipped steps."""
    names, shown = SHOWN[cell]
    records = [shown(*step) for step in seen]
    units = records[0][2][0].shape[1]
    values = {name: np.full((steps, units), np.nan) for name in names}
    for t, keep, gates in records:
        if keep[0, 0]:
            for name, value in zip(names, gates, strict=True):
                values[name][t] = value[0]
    return values
