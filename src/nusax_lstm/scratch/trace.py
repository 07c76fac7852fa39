"""What the LSTM cells did on a text, step by step: the input, forget and output gates
and the cell state of every recurrent layer and direction, as reference.py's forward
pass computes them (the one a student reads), after Karpathy et al., "Visualizing and
Understanding Recurrent Networks" (2015).

Shapes: T steps, H units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import lanes, recurrent_forward
from .reference import embedding

GATES = ("input", "forget", "output", "cell")


@dataclass
class Trace:
    """One direction of one recurrent layer: per gate (GATES), its values [T, H] at each
    step the cell ran, in text order (NaN where a mask skipped the step)."""

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
        if spec["type"] not in ("LSTM", "Bidirectional"):
            continue  # Dropout is the identity when predicting; Dense ends the stack
        x, runs = recurrent_forward(spec, arrays, x, mask)
        for prefix, (_, seen, _) in zip(lanes(spec), runs, strict=True):
            direction = "backward" if prefix.endswith("/backward") else "forward"
            found.append(Trace(spec["name"], direction, step_values(seen, len(ids))))
        if not spec["return_sequences"]:
            break
    return found


def step_values(seen: list, steps: int) -> dict[str, np.ndarray]:
    """reference.lstm's record of one text (t, h, c, gates, c_new, keep per step run) ->
    per gate [T, H], NaN at skipped steps."""
    units = seen[0][1].shape[1]
    values = {gate: np.full((steps, units), np.nan) for gate in GATES}
    for t, _, _, (i, f, _, o), c_new, keep in seen:
        if keep[0, 0]:
            for gate, value in zip(GATES, (i, f, o, c_new), strict=True):
                values[gate][t] = value[0]
    return values
