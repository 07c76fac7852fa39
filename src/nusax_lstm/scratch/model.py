"""The engine's model: its layers in order, one object for inference (their fast passes,
planned into stages, on threads) and for training, attributions and gate traces (their
training passes over packed tokens, strung from the embedding to the softmax and back)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache, cached_property

import numpy as np
from threadpoolctl import ThreadpoolController

from .. import UserError
from .layers import LSTM, Bidirectional, Dropout
from .layers.base import Flow, under
from .packing import Packing
from .reference import softmax
from .scan import LSTMStack

# A thread takes a share of the batch only if the share updates at least this many state
# values a step on average (running rows x the LSTM units of all layers and directions).
# NumPy releases the GIL inside each operation, but the threads hand it over around every
# one (about 15 a step), so operations must be big: on 2 cores [64, 32] breaks even at 100
# rows a share and gains from 128 (this value); [32, 16] gains nothing at 200 rows
# (measurements: benchmarks/README.md).
STATE_PER_THREAD = 128 * 96


class Sequential:
    """An input layer (Embedding, SubwordEmbedding), recurrent layers, then position-wise
    layers: token ids [B, T] (subword inputs [B, T, 1 + P]) -> [B, C].

    Inference (predict_proba) runs built layers (loader.from_export) through their fast
    passes; training, attributions and traces run any layers' training passes
    (train_forward, train_backward) with the arrays given, which training updates in
    place."""

    def __init__(self, layers: list, sequence_length: int | None = None):
        self.layers, self.sequence_length = layers, sequence_length
        embedded = bool(layers) and layers[0].takes_ids
        if not embedded or not any(layer.recurrent for layer in layers[1:]):
            raise UserError("the model must start with an Embedding and hold a recurrent layer")

    @property
    def inputs(self):
        """The input layer: what reads token inputs."""
        return self.layers[0]

    @cached_property
    def stages(self) -> list:
        """What inference runs: the layers after the input layer as execution_stages plans
        them, token ids going straight into the first where it can read them (when the
        vectors are rows of a table)."""
        stages = execution_stages(self.layers[1:])
        if self.inputs.table is not None and reads_tokens(stages[0]):
            stages[0].read_tokens(self.inputs.table)  # token ids go straight into it
            return stages
        return [self.inputs, *stages]

    @cached_property
    def last_recurrent(self) -> int:
        return [i for i, stage in enumerate(self.stages) if is_recurrent(stage)][-1]

    @cached_property
    def state_width(self) -> int:
        return sum(state_width(stage) for stage in self.stages if is_recurrent(stage))

    def packing(self, ids: np.ndarray) -> Packing:
        """Training's packing of token inputs: their real tokens under a mask, else every
        step."""
        real = self.inputs.present(ids)
        return Packing.from_mask(real if self.inputs.mask_zero else np.ones_like(real))

    def embed(self, arrays: dict, ids: np.ndarray) -> np.ndarray:
        """The input layer's vectors [.., D] of token inputs (any leading shape), with
        these arrays."""
        return self.inputs.lookup(under(arrays, self.inputs.name), ids)

    def embed_backward(self, arrays: dict, ids: np.ndarray, dx: np.ndarray) -> dict:
        """The input layer's arrays' gradients, given packed token inputs and dx [N, D],
        the gradient of their vectors."""
        own = self.inputs.lookup_backward(under(arrays, self.inputs.name), ids, dx)
        return {f"{self.inputs.name}/{key}": grad for key, grad in own.items()}

    def train_forward(self, arrays: dict, packing: Packing, x: np.ndarray, dropout=None):
        """The layers after the embedding, by their training passes, on its packed output x
        [N, D]: the probabilities [B, C] (the last layer's softmax) and the tape that
        train_backward reads. `dropout`: a Dropout layer's name -> its mask of kept units,
        scaled by 1 / (1 - rate), shaped like that layer's input ([B, T, W] or [B, W])."""
        flow, tape = Flow(packing, dropout or {}), []
        for layer in self.layers[1:]:
            x, saved = layer.train_forward(under(arrays, layer.name), x, flow)
            tape.append((layer, saved))
        if flow.sequences:
            raise ValueError("the last recurrent layer must return its final state")
        return softmax(x), (tape, flow)

    def train_backward(self, tape, dlogits: np.ndarray) -> tuple[dict, np.ndarray]:
        """From dlogits [B, C] back through train_forward's tape: every array's gradient
        but the embedding's, and the gradient reaching the embedding's packed output [N, D]."""
        layers, flow = tape
        grads, dy = {}, dlogits
        for layer, saved in reversed(layers):
            dy, own = layer.train_backward(saved, dy, flow)
            grads |= {f"{layer.name}/{key}": grad for key, grad in own.items()}
        return grads, dy

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        """Checked token inputs [B, T, ..] -> [B, C], in this thread."""
        real = self.inputs.present(ids)
        if self.inputs.mask_zero:
            packing = Packing.from_mask(real)
        else:  # longest texts first: padding then trails the rows of a step (scan.TokenInput)
            packing = Packing.from_mask(np.ones_like(real), real.sum(axis=1))
        x = packing.pack(ids)  # [N, ..]
        for i, stage in enumerate(self.stages):
            x = stage(x, packing)
            if i == self.last_recurrent and stage.return_sequences:
                x = packing.unpack(x, carry=not isinstance(stage, Bidirectional))
        if not self.stages[self.last_recurrent].return_sequences:
            x = packing.unsort(x)  # final states come in sorted row order
        return x

    def _threads(self, real: np.ndarray, most: int | None) -> int:
        """How many threads (at most `most`, None: one per usable CPU) a batch is worth,
        given where its tokens are, real [B, T] (see STATE_PER_THREAD)."""
        # row-steps that run: with a mask, the real tokens; without, every step from a
        # row's first token on (rows that have read only padding run as one, scan.joins)
        work = real.sum() if self.inputs.mask_zero else np.logical_or.accumulate(real, 1).sum()
        per_step = int(work) * self.state_width // max(real.shape[1], 1)
        return min(most or usable_cpus(), per_step // STATE_PER_THREAD)

    def _forward_shared(self, ids: np.ndarray, most: int | None) -> np.ndarray:
        """_forward, with the batch shared among threads when it is big enough: rows are
        independent, and thread j of k takes every k-th row by text length (equal work)."""
        real = self.inputs.present(ids)
        threads = self._threads(real, most)
        if threads < 2:
            return self._forward(ids)
        by_length = np.argsort(real.sum(axis=1), kind="stable")
        shares = [by_length[j::threads] for j in range(threads)]
        # one BLAS thread per share: the shares already use every core
        with blas_controller().limit(limits=1, user_api="blas"):
            with ThreadPoolExecutor(threads) as pool:
                parts = list(pool.map(lambda rows: self._forward(ids[rows]), shares))
        out = np.empty((len(ids), *parts[0].shape[1:]), dtype=parts[0].dtype)
        for rows, part in zip(shares, parts, strict=True):
            out[rows] = part
        return out

    def predict_proba(
        self, ids: np.ndarray, batch_size: int | None = None, threads: int | None = None
    ) -> np.ndarray:
        """Class probabilities, in chunks of `batch_size` rows (all at once when None), on
        at most `threads` threads (None: one per usable CPU)."""
        ids = self.inputs.check(ids)
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1 (or None), got {threads}")
        n = len(ids)
        size = batch_size or max(n, 1)
        chunks = [
            self._forward_shared(ids[i : i + size], threads) for i in range(0, max(n, 1), size)
        ]
        return np.concatenate(chunks)

    def predict(
        self, ids: np.ndarray, batch_size: int | None = None, threads: int | None = None
    ) -> np.ndarray:
        return self.predict_proba(ids, batch_size, threads).argmax(axis=-1)

    def count_params(self) -> int:
        return sum(layer.params() for layer in self.layers)

    def summary(self) -> str:
        shape: tuple = (None, self.sequence_length)
        lines = [f"{'Layer (type)':<36}{'Output Shape':<22}{'Param #':>10}"]
        for layer in self.layers:
            shape = layer.output_shape(shape)
            name = f"{layer.name} ({type(layer).__name__})"
            lines.append(f"{name:<36}{shape!s:<22}{layer.params():>10,}")
        lines.append(f"Total params: {self.count_params():,}")
        return "\n".join(lines)


def is_recurrent(stage) -> bool:
    """Whether a stage runs over time: a stack of LSTM layers, or a recurrent layer."""
    return isinstance(stage, LSTMStack) or getattr(stage, "recurrent", False)


def reads_tokens(stage) -> bool:
    """Whether a stage can take token ids in place of the embedding's vectors (LSTM lanes
    fold the embedding into a table: LSTMStack.read_tokens)."""
    return isinstance(stage, LSTMStack) or getattr(stage, "lanes", None) is not None


def state_width(stage) -> int:
    """State values a row updates per step in a recurrent stage: its units, both directions."""
    if isinstance(stage, LSTMStack):
        return stage.width
    return 2 * stage.forward.units if isinstance(stage, Bidirectional) else stage.units


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@cache
def blas_controller() -> ThreadpoolController:
    """The BLAS libraries' thread pools (found once: the search scans loaded libraries)."""
    return ThreadpoolController()


def execution_stages(layers: list) -> list:
    """What runs after the Embedding: Dropout (the identity at inference) left out, and
    consecutive LSTM layers, each returning sequences to the next, as one LSTMStack."""
    stages: list = []
    for layer in layers:
        if isinstance(layer, Dropout):
            continue
        if not isinstance(layer, LSTM):
            stages.append(layer)
        elif stages and isinstance(stages[-1], LSTMStack) and stages[-1].return_sequences:
            stages[-1] = LSTMStack([*stages[-1].layers, layer])
        else:
            stages.append(LSTMStack([layer]))
    return stages
