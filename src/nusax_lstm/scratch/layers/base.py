"""What every layer of the engine has, and the model format's one reader and writer of a
layer's entry in architecture.json.

A layer type is a Layer subclass in a file of its own (this folder), registered under
the name its entries give as "type". Its dataclass fields are its entry's fields, typed:
Layer.read checks each value against its type and says what is wrong in one line that
names the file, the layer and the field; Layer.entry writes them back. The subclass also
says which arrays it owns (their shapes, given its input width), how Keras initialises
them, and builds its fast inference layer from them.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Literal, NewType, NoReturn

import numpy as np

from ... import UserError
from ..packing import Packing

ARCHITECTURE = "architecture.json"

Positive = NewType("Positive", int)  # a whole number >= 1
Rate = NewType("Rate", float)  # a number in [0, 1)

LAYERS: dict[str, type[Layer]] = {}  # "type" in architecture.json -> its class


def register(cls: type[Layer]) -> type[Layer]:
    LAYERS[cls.type] = cls
    return cls


def fail(where: str, message: str) -> NoReturn:
    raise UserError(f"{ARCHITECTURE}: {where}: {message}")


FIELD_TYPES = {  # a field's type -> its check on parsed JSON, and what the messages call it
    bool: (lambda v: type(v) is bool, "true or false"),
    str: (lambda v: isinstance(v, str) and v != "", "a non-empty string"),
    Positive: (lambda v: type(v) is int and v >= 1, "a whole number >= 1"),
    Rate: (lambda v: type(v) in (int, float) and 0 <= v < 1, "a number in [0, 1)"),
    list: (lambda v: isinstance(v, list) and len(v) > 0, "a non-empty list"),
    dict: (lambda v: isinstance(v, dict), "an object"),
}


def field(entry: Any, key: str, kind: Any, where: str) -> Any:
    """entry[key], required and of `kind`; a fault is one UserError naming where and key."""
    if not isinstance(entry, dict):
        fail(where, f"expected an object, got {type(entry).__name__}")
    if key not in entry:
        fail(where, f"field {key!r} missing")
    value = entry[key]
    if typing.get_origin(kind) is Literal:  # one of the values, of their type (1 is no True)
        choices = typing.get_args(kind)
        if not any(value == c and type(value) is type(c) for c in choices):
            fail(where, f"{key} {value!r} is not one of {list(choices)}")
    elif not FIELD_TYPES[kind][0](value):
        fail(where, f"field {key!r} is {value!r}, expected {FIELD_TYPES[kind][1]}")
    return value


@functools.cache
def spec_fields(cls: type) -> list[tuple[str, Any, bool]]:
    """A layer class's fields after its name: (name, type, required), once per class
    (resolving the annotations costs more than reading an entry)."""
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name], f.default is MISSING) for f in fields(cls)[1:]]


@dataclass
class Flow:
    """What training's forward pass carries beside the activations: the packing, whether x
    is packed sequences [N, F] (else final states [B, F]), and each Dropout layer's mask
    of kept units by name (scaled by 1 / (1 - rate); none: the identity)."""

    packing: Packing
    dropout: dict[str, np.ndarray]
    sequences: bool = True


@dataclass
class Layer:
    """One layer's spec: its name and its typed fields (the subclass's)."""

    type: ClassVar[str]
    takes_ids: ClassVar[bool] = False  # reads token ids: the first layer, and only there
    recurrent: ClassVar[bool] = False  # runs over time (a Bidirectional may wrap it)
    name: str

    @classmethod
    def read(cls, entry: dict, name: str) -> Layer:
        """The layer of an entry whose name is known (checked by the caller), every field
        checked against its type; a field with a default may be left out."""
        values = {}
        for key, kind, required in spec_fields(cls):
            if key in entry or required:
                values[key] = cls.read_field(entry, key, kind, name)
        return cls(name, **values)

    @classmethod
    def read_field(cls, entry: dict, key: str, kind: Any, name: str) -> Any:
        """One field of the entry of layer `name`."""
        return field(entry, key, kind, f"layer {name}")

    def entry(self, width: int | None) -> dict:
        """This layer's entry in architecture.json, given its input width."""
        own = {f.name: getattr(self, f.name) for f in fields(self)[1:]}
        shapes = {key: list(shape) for key, shape in self.shapes(width).items()}
        return {"name": self.name, "type": self.type} | own | ({"arrays": shapes} if shapes else {})

    def shapes(self, width: int | None) -> dict[str, tuple[int, ...]]:
        """The arrays this layer owns (keys under its name in weights.npz), by shape."""
        return {}

    def width(self, width: int | None) -> int | None:
        """The width of this layer's output, given its input's."""
        return width

    def initial(self, width: int | None, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Its arrays as Keras's initialisers draw them (keras/src/initializers)."""
        return {}

    def build(self, arrays: dict[str, np.ndarray]) -> Layer:
        """A copy that holds these arrays (keys without the layer's name; checked against
        shapes()), and whatever layout of them its fast forward pass reads."""
        built = dataclasses.replace(self)
        built.arrays = arrays
        return built

    @classmethod
    def from_keras(cls, layer: Any) -> tuple[Layer, dict[str, np.ndarray]]:
        """This type's spec and arrays from a Keras layer of the class of its name (read
        from its attributes: no Keras import)."""
        raise NotImplementedError

    def set_keras(self, layer: Any, arrays: dict[str, np.ndarray]) -> None:
        """from_keras's inverse for the arrays: set the Keras layer's weights."""
        if arrays:
            layer.set_weights([arrays[key] for key in self.arrays_order])

    arrays_order: ClassVar[tuple[str, ...]] = ()  # its arrays, in Keras's get_weights order

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        """The fast forward pass at inference on packed x [N, F] (or final states [B, F])."""
        return x

    def train_forward(self, arrays: dict, x: np.ndarray, flow: Flow) -> tuple[np.ndarray, Any]:
        """Training's fast forward pass with these arrays (Keras's layout): its output, and
        what train_backward needs."""
        return x, None

    def train_backward(self, saved: Any, dy: np.ndarray, flow: Flow) -> tuple[np.ndarray, dict]:
        """The gradient reaching its input, and its arrays' gradients, from dy (of its
        output)."""
        return dy, {}

    def params(self) -> int:
        return sum(a.size for a in self.arrays.values())

    def output_shape(self, shape: tuple) -> tuple:
        return (*shape[:-1], self.width(shape[-1]))


@dataclass
class Recurrent(Layer):
    """What a recurrent layer has beside its cell: units, a sequence or a final state out,
    and its training passes as one lane of its cell's lanes_forward and lanes_backward
    (static methods of the subclass, which a Bidirectional runs with two lanes)."""

    recurrent = True
    shown: ClassVar[tuple[str, ...]] = ()  # what its gate traces show (lanes_recorded's keys)
    units: Positive  # H
    return_sequences: bool  # every step's output, or only the final state

    @classmethod
    def from_keras(cls, layer):
        """The cell's settings by the spec's field names (an activation by its function's
        name); refusing what the engine cannot run: no bias, state kept or returned."""
        cell = layer.cell
        if not cell.use_bias or layer.stateful or layer.return_state:
            raise ValueError(
                f"{layer.name}: only stateless {cls.type}s with a bias can be exported"
            )
        settings = {}
        for key, _, _ in spec_fields(cls)[2:]:
            value = getattr(cell, key)
            settings[key] = value.__name__ if callable(value) else value
        spec = cls(layer.name, int(cell.units), bool(layer.return_sequences), **settings)
        return spec, dict(zip(cls.arrays_order, layer.get_weights(), strict=True))

    def width(self, width):
        return self.units

    def output_shape(self, shape):
        return (*shape[:-1], self.units) if self.return_sequences else (shape[0], self.units)

    def train_forward(self, arrays, x, flow):
        out, saved = self.lanes_forward([arrays], [None], x, flow.packing, self.return_sequences)
        flow.sequences = self.return_sequences
        return out[0], saved

    def train_backward(self, saved, dy, flow):
        dx, (grads,) = self.lanes_backward(saved, dy[None], flow.packing)
        return dx, grads

    def recorded(self, saved) -> dict[str, dict[str, np.ndarray]]:
        """What train_forward kept, per direction, as its cell's gate traces: name ->
        [N, H] in packed order (the subclass's lanes_recorded)."""
        return {"forward": {k: v[0] for k, v in self.lanes_recorded(saved).items()}}


def glorot_uniform(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Uniform in +-sqrt(6 / (fan_in + fan_out)), for a kernel [fan_in, fan_out]."""
    limit = np.sqrt(6 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, shape)


def orthogonal(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """[rows, cols] with orthonormal rows (rows <= cols) or columns: the Q of a Gaussian
    matrix's QR decomposition, its signs fixed by R's diagonal (Keras's Orthogonal)."""
    rows, cols = shape
    q, r = np.linalg.qr(rng.normal(size=(max(rows, cols), min(rows, cols))))
    q *= np.sign(np.diag(r))
    return q.T if rows < cols else q


def under(arrays: dict, prefix: str) -> dict:
    """The arrays whose keys start with `prefix/`, keys without it."""
    start = f"{prefix}/"
    return {k.removeprefix(start): v for k, v in arrays.items() if k.startswith(start)}
