"""The classifier's forward pass as the textbook writes it: one short function per layer,
a plain loop over time steps, no tricks. The fast engine (model.py, scan.py) is tested
against it; read this one first.

Shapes: B texts, T steps, D input features, H units, C classes. Weights are the export's
(`architecture.json` + `weights.npz`), laid out as Keras keeps them: an LSTM's kernel
[D, 4H], recurrent kernel [H, 4H] and bias [4H] hold its four gates side by side in the
order i (input), f (forget), g (cell candidate, Keras's "c"), o (output).
"""

from __future__ import annotations

import numpy as np

from ..data.text import words


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    """[B, C] -> [B, C], rows summing to 1 (shifted by the row maximum for stability)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def embedding(ids: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    """Token ids [B, T] -> vectors [B, T, D]: row `id` of the table [V, D]."""
    return embeddings[ids]


def subword_embedding(
    ids: np.ndarray, embeddings: np.ndarray, ngram_embeddings: np.ndarray
) -> np.ndarray:
    """Tokens [B, T, 1 + P] (a word id, then its n-grams' buckets, 0: none; data.subword)
    -> vectors [B, T, D]: the word's row of E [V, D] plus the mean of its n-grams' rows
    of G [buckets + 1, D], over the n >= 0 buckets g_k that are not 0:

        x = E[w] + (1 / max(n, 1)) sum_k G[g_k]
    """
    words, grams = ids[..., 0], ids[..., 1:]
    present = grams != 0  # [B, T, P]
    total = (ngram_embeddings[grams] * present[..., None]).sum(axis=-2)
    return embeddings[words] + total / np.maximum(present.sum(axis=-1), 1)[..., None]


# an input layer's type -> its vectors from token inputs (called with its arrays by name)
INPUTS = {"Embedding": embedding, "SubwordEmbedding": subword_embedding}


def mask_of(spec: dict, ids: np.ndarray) -> np.ndarray:
    """Which steps the recurrent layers read: under `mask_zero` those whose word id is
    not 0 (padding), else all."""
    tokens = words(ids)
    return tokens != 0 if spec["mask_zero"] else np.ones(tokens.shape, dtype=bool)


def lstm_step(x_t, h, c, kernel, recurrent_kernel, bias):
    """One step of the cell: x_t [B, D], state h, c [B, H] -> the new h, c and the gates
    (i, f, g, o), each [B, H] (the backward pass reuses them).

        z = x_t W + h U + b                          [B, 4H]
        i = sigmoid(z_i)   f = sigmoid(z_f)   g = tanh(z_g)   o = sigmoid(z_o)
        c = f * c + i * g
        h = o * tanh(c)
    """
    z = x_t @ kernel + h @ recurrent_kernel + bias
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_g), sigmoid(z_o)
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new, (i, f, g, o)


def lstm(x, mask, kernel, recurrent_kernel, bias, go_backwards=False, steps_seen=None):
    """One LSTM layer over x [B, T, D] -> outputs [B, T, H] and the final state h [B, H],
    a step at a time (lstm_step), from the last step to the first with `go_backwards`.

    Keras's mask rule: where mask[:, t] is False (padding) the state (h, c) stays as it
    was, and so does the output (the last h). `steps_seen`, a list, receives per step
    (t, h and c before it, the gates, the new c, mask[:, t]) for the backward pass.
    """
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units), dtype=x.dtype)
    c = np.zeros((batch, units), dtype=x.dtype)
    outputs = np.zeros((batch, steps, units), dtype=x.dtype)
    for t in reversed(range(steps)) if go_backwards else range(steps):
        h_new, c_new, gates = lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias)
        keep = mask[:, t, None]  # [B, 1]
        if steps_seen is not None:
            steps_seen.append((t, h, c, gates, c_new, keep))
        c = np.where(keep, c_new, c)
        h = np.where(keep, h_new, h)
        outputs[:, t] = h
    return outputs, h


def gru_step(x_t, h, kernel, recurrent_kernel, bias):
    """One step of Keras's GRU cell (reset_after=True, its default): x_t [B, D], state
    h [B, H] -> the new h and the gates (z, r, hh, the recurrent term of hh), each [B, H].
    kernel [D, 3H] and recurrent_kernel [H, 3H] hold the gates z (update), r (reset) and
    hh (candidate) side by side; bias [2, 3H] is the input's and the recurrent term's.

        x_z, x_r, x_h = x_t W + b_0       u_z, u_r, u_h = h U + b_1
        z = sigmoid(x_z + u_z)   r = sigmoid(x_r + u_r)   hh = tanh(x_h + r * u_h)
        h = z * h + (1 - z) * hh
    """
    x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3, axis=1)
    u_z, u_r, u_h = np.split(h @ recurrent_kernel + bias[1], 3, axis=1)
    z, r = sigmoid(x_z + u_z), sigmoid(x_r + u_r)
    hh = np.tanh(x_h + r * u_h)
    return z * h + (1 - z) * hh, (z, r, hh, u_h)


def gru(x, mask, kernel, recurrent_kernel, bias, go_backwards=False, steps_seen=None):
    """One GRU layer over x [B, T, D] -> outputs [B, T, H] and the final state h [B, H],
    as lstm() runs an LSTM (the mask rule too); `steps_seen` receives per step (t, h
    before it, the gates, mask[:, t])."""
    batch, steps, _ = x.shape
    h = np.zeros((batch, recurrent_kernel.shape[0]), dtype=x.dtype)
    outputs = np.zeros((batch, steps, h.shape[1]), dtype=x.dtype)
    for t in reversed(range(steps)) if go_backwards else range(steps):
        h_new, gates = gru_step(x[:, t], h, kernel, recurrent_kernel, bias)
        keep = mask[:, t, None]  # [B, 1]
        if steps_seen is not None:
            steps_seen.append((t, h, gates, keep))
        h = np.where(keep, h_new, h)
        outputs[:, t] = h
    return outputs, h


CELLS = {"LSTM": lstm, "GRU": gru}  # a recurrent layer's type -> its time loop

MERGE = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
}


def bidirectional(x, mask, forward: dict, backward: dict, merge_mode: str, cell=lstm):
    """A forward recurrent layer (`cell`: lstm or gru) and a backward one (reading each
    text from its last step to its first) over the same x [B, T, D]; outputs [B, T, 2H or
    H] and final states, merged. The backward outputs stay at the positions of the steps
    that produced them."""
    out_f, h_f = cell(x, mask, **forward)
    out_b, h_b = cell(x, mask, **backward, go_backwards=True)
    merge = MERGE[merge_mode]
    return merge(out_f, out_b), merge(h_f, h_b)


def dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x [B, D] -> x W + b [B, U]."""
    return x @ kernel + bias


def layer_arrays(arrays: dict, prefix: str) -> dict:
    """A recurrent layer's arrays by name (kernel, recurrent_kernel, bias, and whatever
    else its cell has): those under `prefix/`."""
    start = f"{prefix}/"
    return {k.removeprefix(start): v for k, v in arrays.items() if k.startswith(start)}


def predict_proba(architecture: dict, arrays: dict, ids: np.ndarray) -> np.ndarray:
    """Token ids [B, T] (subword inputs [B, T, 1 + P]) -> class probabilities [B, C],
    layer after layer as exported: an input layer (INPUTS), then (Bi)LSTM and Dropout per
    layer (Dropout is the identity when predicting), then Dense with a softmax. Without
    `mask_zero` every step counts."""
    layers = architecture["layers"]
    x = INPUTS[layers[0]["type"]](ids, **layer_arrays(arrays, layers[0]["name"]))
    mask = mask_of(layers[0], ids)
    for spec in layers[1:]:
        name, kind = spec["name"], spec["type"]
        if kind in CELLS:
            sequence, last = CELLS[kind](x, mask, **layer_arrays(arrays, name))
            x = sequence if spec["return_sequences"] else last
        elif kind == "Bidirectional":
            cell = CELLS[spec["forward"].get("type", "LSTM")]
            sides = [layer_arrays(arrays, f"{name}/{side}") for side in ("forward", "backward")]
            sequence, last = bidirectional(x, mask, *sides, spec["merge_mode"], cell)
            x = sequence if spec["return_sequences"] else last
        elif kind == "Dense":
            x = dense(x, arrays[f"{name}/kernel"], arrays[f"{name}/bias"])
            if spec["activation"] == "softmax":
                x = softmax(x)
        elif kind != "Dropout":
            raise ValueError(f"layer {name}: type {kind} is not in the reference")
    return x
