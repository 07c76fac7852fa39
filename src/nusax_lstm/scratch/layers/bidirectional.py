"""Bidirectional: a forward and a backward recurrent layer over the same input, the
backward one reading each text from its last step to its first, their outputs merged
step by step (Keras's layers/rnn/bidirectional.py). Its arrays are each side's, under
`forward/` and `backward/`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..backprop import MERGE_BACKWARD
from ..reference import MERGE
from ..scan import lstm_scan
from .base import LAYERS, Layer, fail, field, register, under

SIDES = ("forward", "backward")


@register
@dataclass
class Bidirectional(Layer):
    type = "Bidirectional"
    recurrent = True
    merge_mode: Literal["concat", "sum", "mul", "ave"]
    return_sequences: bool
    forward: Layer
    backward: Layer

    @classmethod
    def read_field(cls, entry, key, kind, name):
        if key not in SIDES:
            return super().read_field(entry, key, kind, name)
        side = field(entry, key, dict, f"layer {name}")  # no name of its own; LSTM if untyped
        kind = side.get("type", "LSTM")
        if kind not in LAYERS or not LAYERS[kind].recurrent or kind == cls.type:
            fail(f"layer {name}/{key}", f"{kind!r} is not a recurrent layer type")
        return LAYERS[kind].read(side, f"{name}/{key}")

    def entry(self, width):
        """Each side's entry without its name (it is the layer's and the side's)."""
        entry = super().entry(width)
        for key in SIDES:
            entry[key] = {k: v for k, v in getattr(self, key).entry(width).items() if k != "name"}
        del entry["arrays"]
        return entry

    @classmethod
    def from_keras(cls, layer):
        sides, arrays = {}, {}
        for key, sub in (("forward", layer.forward_layer), ("backward", layer.backward_layer)):
            side, own = LAYERS[type(sub).__name__].from_keras(sub)
            sides[key] = dataclasses.replace(side, name=f"{layer.name}/{key}")
            arrays |= {f"{key}/{k}": v for k, v in own.items()}
        return cls(layer.name, layer.merge_mode, bool(layer.return_sequences), **sides), arrays

    def set_keras(self, layer, arrays):
        for key, sub in (("forward", layer.forward_layer), ("backward", layer.backward_layer)):
            getattr(self, key).set_keras(sub, under(arrays, key))

    def shapes(self, width):
        return {
            f"{key}/{array}": shape
            for key in SIDES
            for array, shape in getattr(self, key).shapes(width).items()
        }

    def width(self, width):
        units = self.forward.width(width)
        return 2 * units if self.merge_mode == "concat" else units

    def initial(self, width, rng):
        return {
            f"{key}/{array}": value
            for key in SIDES
            for array, value in getattr(self, key).initial(width, rng).items()
        }

    def build(self, arrays):
        built = super().build(arrays)
        for key in SIDES:
            setattr(built, key, getattr(self, key).build(under(arrays, key)))
        # sides that run as scan.py's LSTM stacks do so side by side (lstm_scan); others
        # run their type's lanes_forward
        stacks = [
            getattr(side, "stack", lambda: None)() for side in (built.forward, built.backward)
        ]
        built.lanes = None if None in stacks else stacks
        return built

    def read_tokens(self, embeddings):
        """Read packed token ids from now on (LSTMStack.read_tokens), in both directions."""
        for lane in self.lanes:
            lane.read_tokens(embeddings)

    def __call__(self, x, packing):
        """Packed x [N, D] (token ids [N] after read_tokens) -> merged outputs [N, 2H or H]
        or final states [B, 2H or H]."""
        # The backward direction reads, and writes, each row from its last step to its first.
        orders = [None, packing.backward]
        if self.lanes is not None:
            y = lstm_scan(list(zip(self.lanes, orders, strict=True)), x, packing)  # [..., 2, H]
        else:
            sides = [self.forward.arrays, self.backward.arrays]
            out, _ = type(self.forward).lanes_forward(
                sides, orders, x, packing, self.return_sequences
            )
            y = np.moveaxis(out if self.return_sequences else out[:, packing.order], 0, -2)
        if self.merge_mode == "concat":  # side by side already: a view, not a copy
            return y.reshape(*y.shape[:-2], 2 * y.shape[-1])
        return MERGE[self.merge_mode](y[..., 0, :], y[..., 1, :])

    def train_forward(self, arrays, x, flow):
        """Both sides' lanes side by side (their type's lanes_forward), then merged."""
        run = type(self.forward)
        orders = [None, flow.packing.backward]
        sides = [under(arrays, key) for key in SIDES]
        out, saved = run.lanes_forward(sides, orders, x, flow.packing, self.return_sequences)
        flow.sequences = self.return_sequences
        return MERGE[self.merge_mode](*out), (out, saved)

    def train_backward(self, saved, dy, flow):
        out, saved = saved
        dout = np.stack(MERGE_BACKWARD[self.merge_mode](dy, *out))
        dx, grads = type(self.forward).lanes_backward(saved, dout, flow.packing)
        return dx, {
            f"{key}/{k}": g for key, own in zip(SIDES, grads, strict=True) for k, g in own.items()
        }

    def recorded(self, saved):
        """Both sides' gate traces (their type's lanes_recorded), as Recurrent.recorded."""
        shown = type(self.forward).lanes_recorded(saved[1]).items()
        return {side: {k: v[lane] for k, v in shown} for lane, side in enumerate(SIDES)}

    def output_shape(self, shape):
        out = self.forward.output_shape(shape)
        return (*out[:-1], 2 * out[-1]) if self.merge_mode == "concat" else out
