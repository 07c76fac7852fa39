"""Inference's LSTM time loop: the step is cell.py's, and so is the gate layout (gate-major
[4, ...], (o, i, f, g), the sigmoid gates' weights halved). Sequences travel packed (see
packing.py). Around the step, so that every elementwise operation is one flat loop and
the work follows the text (gains: benchmarks/README.md):
- a stack of unidirectional layers shares one state: layer j owns columns of it and
  runs one step behind layer j-1 (a wavefront), so a step is one set of operations for
  all layers and layer j's matmul reads layer j-1's fresh output straight from the state;
- lanes (the two directions of a Bidirectional) run side by side on an axis after the
  gates';
- with a mask, rows that have ended leave the batch (packing); without one, rows that
  have read only padding so far run as one row (joins: 1.6-1.7x on start padding), and
  padding ids need no gather (TokenInput).
"""

from __future__ import annotations

import numpy as np

from .cell import step
from .packing import Packing


class LSTMStack:
    """Consecutive unidirectional LSTM layers, each feeding the next, run as one scan.

    layers: objects with units, kernel [4, D, H], recurrent_kernel [4, H, H], bias [4, H]
    and return_sequences (scratch LSTM layers).
    """

    def __init__(self, layers: list):
        self.layers = layers
        ends = np.cumsum([layer.units for layer in layers]).tolist()
        starts = [0, *ends[:-1]]
        self.width = ends[-1]  # W, the joint state's columns
        self.columns = [slice(a, b) for a, b in zip(starts, ends, strict=True)]
        # Layer j reads [its input's columns, its own] = [layer j-1 | layer j] from the state.
        self.sources = [slice(starts[max(j - 1, 0)], end) for j, end in enumerate(ends)]
        self.weights = [  # [4, S, H]
            np.concatenate(([layer.kernel] if j else []) + [layer.recurrent_kernel], axis=1)
            for j, layer in enumerate(layers)
        ]
        first = layers[0]
        self.kernel = np.zeros((4, first.kernel.shape[1], self.width), dtype=first.kernel.dtype)
        self.kernel[..., self.columns[0]] = first.kernel  # [4, D, W]
        self.bias = np.concatenate([layer.bias for layer in layers], axis=-1)  # [4, W]
        self.return_sequences = layers[-1].return_sequences
        self.table = None  # with read_tokens: every token's input term [4, V, W]

    def project(self, x: np.ndarray) -> np.ndarray:
        """x [N, D] -> the first layer's input term [4, N, W], bias not included."""
        return x @ self.kernel

    def read_tokens(self, embeddings: np.ndarray) -> None:
        """From now on read packed token ids [N], not vectors: the Embedding [V, D] before
        this stack folded into a table of every token's input term [4, V, W], all layers'
        biases in, so that a step looks its tokens' rows up instead of multiplying."""
        self.table = self.project(embeddings) + self.bias[:, None]

    def __call__(self, x: np.ndarray, packing: Packing) -> np.ndarray:
        """Packed x [N, D] (token ids [N] after read_tokens) -> outputs [N, H] or final
        states [B, H]."""
        return lstm_scan([(self, None)], x, packing)[:, 0]


def lane_input(stack: LSTMStack, x: np.ndarray, packing: Packing, order, slot):
    """The input of a lane that reads packed positions `order` (None: packed order), written
    a step at a time into slot [4, B, W]: x [N, D] projected, or token ids [N] looked up
    in the stack's table (read_tokens)."""
    if stack.table is None:
        return ProjectedInput(stack, x, packing, order, slot)
    return TokenInput(stack.table, x if order is None else x[order], packing, slot)


class ProjectedInput:
    """Step k's input terms projected from packed inputs, bias added a step at a time
    (no pass over [4, N, W] for it)."""

    def __init__(self, stack: LSTMStack, x: np.ndarray, packing: Packing, order, slot):
        self.rows, self.order, self.slot = stack.project(x), order, slot
        self.offsets = packing.offsets.tolist()
        self.bias = np.repeat(stack.bias[:, None], packing.batch, axis=1)  # [4, B, W]
        slot[:] = self.bias  # rows past a step's last keep the bias (deeper layers)
        self.joins = None

    def __call__(self, k: int) -> None:
        lo, hi = self.offsets[k], self.offsets[k + 1]
        rows = self.rows[:, lo:hi] if self.order is None else self.rows[:, self.order[lo:hi]]
        np.add(rows, self.bias[:, : hi - lo], out=self.slot[:, : hi - lo])


class TokenInput:
    """Step k's input terms gathered from a token table [4, V, W].

    Rows past the step's last non-padding id keep the padding id's row, written once, so
    padded rows without a mask cost no gather while they read padding.
    """

    def __init__(self, table: np.ndarray, ids: np.ndarray, packing: Packing, slot: np.ndarray):
        self.table, self.ids, self.slot = table, ids, slot
        self.offsets = packing.offsets.tolist()
        slot[:] = table[:, :1]  # all rows on the padding id
        self.padded_from = 0  # rows from here on hold the padding id's row
        starts = packing.offsets[:-1]
        row = np.arange(len(ids)) - np.repeat(starts, packing.sizes)  # within its step
        last = np.maximum.reduceat(np.where(ids != 0, row, -1), starts)
        self.ends = (last + 1).tolist()  # per step: 1 + its last non-padding row
        self.joins = joins(ids, packing)

    def __call__(self, k: int) -> None:
        lo, end = self.offsets[k], self.ends[k]
        # mode="clip": no bounds check (ids were checked), no buffered copy
        np.take(self.table, self.ids[lo : lo + end], axis=1, out=self.slot[:, :end], mode="clip")
        if end < self.padded_from:
            self.slot[:, end : self.padded_from] = self.table[:, :1]
        self.padded_from = end


def joins(ids: np.ndarray, packing: Packing) -> list[int] | None:
    """Without a mask, rows that have read only padding share one state: per step k, how
    many rows have read a non-padding id by step k, when those rows lead the batch (they
    do for start padding, and backward for end padding, rows running longest first).
    None when a mask drops steps, the batch is empty or the rows that have read text are
    not the leading ones."""
    batch = packing.batch
    if not len(ids) or (packing.sizes != batch).any():
        return None
    read = np.logical_or.accumulate(ids.reshape(-1, batch) != 0, axis=0)  # [T, B]
    joined = read.sum(axis=1)
    leading = np.arange(batch) < joined[:, None]
    return joined.tolist() if np.array_equal(read, leading) else None


def lstm_scan(lanes: list[tuple], x: np.ndarray, packing: Packing) -> np.ndarray:
    """Run D lanes (stack, order) of equal shape over packed x [N, D], or token ids [N]
    for stacks that read tokens (LSTMStack.read_tokens).

    A lane reads its inputs from, and writes its outputs to, packed positions `order[lo:hi]`
    at step k (None: lo:hi). Returns the last layer's outputs [N, D, H] if it returns
    sequences, else its final states [B, D, H].
    """
    stack, d, batch = lanes[0][0], len(lanes), packing.batch
    last, dtype = stack.columns[-1], stack.bias.dtype
    x_in = np.empty((d, 4, batch, stack.width), dtype=dtype)
    inputs = [
        lane_input(s, x, packing, order, slot) for (s, order), slot in zip(lanes, x_in, strict=True)
    ]
    rows = len(packing.rows) if stack.return_sequences else batch
    out = np.empty((rows, d, last.stop - last.start), dtype=dtype)
    # Lanes whose rows join at different steps (see joins) run apart, each on its own rows.
    together = all(f.joins == inputs[0].joins for f in inputs)
    for group in [slice(0, d)] if together else [slice(j, j + 1) for j in range(d)]:
        time_loop(lanes[group], inputs[group], x_in[group], packing, out[:, group])
    return out


def time_loop(
    lanes: list[tuple], inputs: list, x_in: np.ndarray, packing: Packing, out: np.ndarray
):
    """The time loop of lstm_scan for lanes that share a join schedule, into out.

    Wavefront: at iteration k layer j computes its step k - j, and every layer's matmul
    first reads the state of iteration k - 1, so layer j reads layer j-1's output of its
    own step. Iteration k updates rows :n in place, n being the rows the *last* layer
    still runs (rows run longest first). Earlier layers, at later steps, may run fewer:
    for their finished rows among :n they compute values that nothing reads (the next
    layer and the final state need those rows only at steps they ran).

    Without a mask, rows that have read only padding run as one: the row after the joined
    ones carries their shared state, copied to rows as they join.
    """
    stack, d, batch = lanes[0][0], len(lanes), packing.batch
    depth, width, last = len(stack.layers), stack.width, stack.columns[-1]
    weights = [np.stack([lane[0].weights[j] for lane in lanes], axis=1) for j in range(depth)]
    orders, shared = [lane[1] for lane in lanes], inputs[0].joins
    h = np.zeros((d, batch, width), dtype=x_in.dtype)
    c = np.zeros_like(h)
    z_work = np.empty(4 * d * batch * width, dtype=x_in.dtype)
    sizes, offsets = packing.sizes.tolist(), packing.offsets.tolist()
    steps = len(sizes)
    n, viewed = batch, None  # viewed: the row count the views below were made for
    for k in range(steps + depth - 1 if steps else 0):
        t = k - depth + 1  # the last layer's step; layer j is at step k - j
        if shared is None:  # running rows: the most of any layer's (rows run longest first)
            n = sizes[max(t, 0)]
        elif k < steps:
            if k and shared[k] > shared[k - 1]:  # rows join: they take the shared state
                h[:, shared[k - 1] + 1 : shared[k] + 1] = h[:, shared[k - 1], None]
                c[:, shared[k - 1] + 1 : shared[k] + 1] = c[:, shared[k - 1], None]
            n = min(shared[k] + 1, batch)
        if n != viewed:  # new views only when the number of running rows changes
            viewed = n
            z = z_work[: 4 * d * n * width].reshape(4, d, n, width)  # gate-major
            x_n = x_in[:, :, :n].transpose(1, 0, 2, 3)  # the first layer's input terms
            c_n, h_n = c[:, :n], h[:, :n]  # the running rows' c and h
        # Wavefront: h holds every layer's output of iteration k - 1, so layer j (at step
        # k - j) reads layer j-1's output of step k - j and its own of step k - j - 1.
        for w, source, columns in zip(weights, stack.sources, stack.columns, strict=True):
            np.matmul(h_n[..., source], w, out=z[..., columns])
        if k < steps:  # the first layer's input; after the last step it is not read
            for lane_step in inputs:
                lane_step(k)
        z += x_n
        step(z, c_n, c_n, h_n, z[3])  # in place; i g into g's block (nothing reads g)
        for j in range(k + 1, depth):  # layers not started yet stay at the zero state
            h_n[..., stack.columns[j]] = 0
            c_n[..., stack.columns[j]] = 0
        if stack.return_sequences and t >= 0:
            write(out, h_n[..., last], orders, offsets[t], offsets[t + 1])
    if not stack.return_sequences:
        if shared is not None and n < batch:  # rows that never joined: the shared state
            h[:, n:] = h[:, n - 1, None]
        out[:] = h[..., last].transpose(1, 0, 2)


def write(out: np.ndarray, h: np.ndarray, orders: list, lo: int, hi: int) -> None:
    """Outputs h [D, n, H] of a step to out [N, D, H] at positions lo:hi (per lane
    order); rows past n (not yet joined) take the shared state's, row n-1."""
    n = h.shape[1]
    for j, order in enumerate(orders):
        if order is None:
            out[lo : lo + n, j] = h[j]
            if lo + n < hi:
                out[lo + n : hi, j] = out[lo + n - 1, j]
        else:
            where = order[lo:hi]
            out[where[:n], j] = h[j]
            if lo + n < hi:
                out[where[n:], j] = out[where[n - 1], j]
