"""The backward pass as the textbook writes it: the gradient of the classifier's loss with
respect to every weight, layer by layer from the loss back to the embedding, and through
time step by step (backpropagation through time). It mirrors reference.py's forward pass
and is checked against finite differences; read that file first.

Shapes as there: B texts, T steps, D input features, H units, C classes. A gradient has
the shape of what it is the gradient of, and is named d<that>.
"""

from __future__ import annotations

import numpy as np

from .reference import CELLS, INPUTS, MERGE, dense, layer_arrays, mask_of, softmax


def cross_entropy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean sparse categorical cross-entropy of probabilities [B, C] and labels [B]."""
    return float(-np.log(probs[np.arange(len(labels)), labels]).mean())


def softmax_cross_entropy_backward(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """d loss / d logits [B, C] for the mean cross-entropy of softmax(logits): (p - y) / B."""
    dlogits = probs.copy()
    dlogits[np.arange(len(labels)), labels] -= 1
    return dlogits / len(labels)


def dense_backward(x, kernel, dy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y = x W + b: dy [B, U] -> dx [B, D], dW [D, U], db [U]."""
    return dy @ kernel.T, x.T @ dy, dy.sum(axis=0)


def lstm_backward(x, weights: dict, steps_seen, doutputs, dh_last) -> tuple[np.ndarray, dict]:
    """The gradients of one LSTM layer, from the last step it ran back to the first.

    x [B, T, D]; weights: its arrays; steps_seen: what lstm() recorded, per step in the
    order run; doutputs [B, T, H]: the gradient reaching each step's output; dh_last
    [B, H]: the gradient reaching the final state. Returns dx [B, T, D] and the arrays'
    gradients: kernel dW [D, 4H], recurrent_kernel dU [H, 4H], bias db [4H].

    A step with the mask off passed h and c on unchanged: their gradients pass back
    unchanged too, and its gates get none. Otherwise, with c' = f c + i g and
    h' = o tanh(c'):
        dc' += dh' o (1 - tanh(c')^2)
        do = dh' tanh(c')   di = dc' g   dg = dc' i   df = dc' c   dc = dc' f
        dz = [di i (1 - i), df f (1 - f), dg (1 - g^2), do o (1 - o)]
        dW += x_t^T dz   dU += h^T dz   db += sum dz   dx_t = dz W^T   dh = dz U^T
    """
    kernel, recurrent_kernel = weights["kernel"], weights["recurrent_kernel"]
    dx = np.zeros_like(x)
    dW, dU = np.zeros_like(kernel), np.zeros_like(recurrent_kernel)
    db = np.zeros(kernel.shape[1], dtype=x.dtype)
    dh, dc = dh_last.copy(), np.zeros_like(dh_last)  # into the state after the last step
    for t, h, c, (i, f, g, o), c_new, keep in reversed(steps_seen):
        dh = dh + doutputs[:, t]  # the output at t is the state after step t
        dh_new, dc_new = keep * dh, keep * dc  # what reaches this step's new state
        tanh_c = np.tanh(c_new)
        dc_new = dc_new + dh_new * o * (1 - tanh_c**2)
        dz = np.concatenate(
            [
                dc_new * g * i * (1 - i),
                dc_new * c * f * (1 - f),
                dc_new * i * (1 - g**2),
                dh_new * tanh_c * o * (1 - o),
            ],
            axis=1,
        )
        dW += x[:, t].T @ dz
        dU += h.T @ dz
        db += dz.sum(axis=0)
        dx[:, t] = dz @ kernel.T
        dh = dz @ recurrent_kernel.T + (1 - keep) * dh  # masked: passed on unchanged
        dc = dc_new * f + (1 - keep) * dc
    return dx, {"kernel": dW, "recurrent_kernel": dU, "bias": db}


def gru_backward(x, weights: dict, steps_seen, doutputs, dh_last) -> tuple[np.ndarray, dict]:
    """The gradients of one GRU layer (reference.gru), as lstm_backward's of an LSTM:
    dx [B, T, D] and dW [D, 3H], dU [H, 3H], db [2, 3H]. With h' = z h + (1 - z) hh:
        dz = dh' (h - hh)   dhh = dh' (1 - z)   da_h = dhh (1 - hh^2)
        da_z = dz z (1 - z)   da_r = da_h u_h r (1 - r)
        dx-side terms [da_z, da_r, da_h]   recurrent-side terms [da_z, da_r, da_h r]
        dW += x_t^T dx-side   db_0 += sum dx-side   dx_t = dx-side W^T
        dU += h^T recurrent-side   db_1 += sum recurrent-side
        dh = dh' z + recurrent-side U^T
    """
    kernel, recurrent_kernel = weights["kernel"], weights["recurrent_kernel"]
    dx = np.zeros_like(x)
    dW, dU = np.zeros_like(kernel), np.zeros_like(recurrent_kernel)
    db = np.zeros((2, kernel.shape[1]), dtype=x.dtype)
    dh = dh_last.copy()  # into the state after the last step
    for t, h, (z, r, hh, u_h), keep in reversed(steps_seen):
        dh = dh + doutputs[:, t]
        dh_new = keep * dh
        da_h = dh_new * (1 - z) * (1 - hh**2)
        da_z = dh_new * (h - hh) * z * (1 - z)
        da_r = da_h * u_h * r * (1 - r)
        d_input = np.concatenate([da_z, da_r, da_h], axis=1)
        d_recurrent = np.concatenate([da_z, da_r, da_h * r], axis=1)
        dW += x[:, t].T @ d_input
        dU += h.T @ d_recurrent
        db += np.stack([d_input.sum(axis=0), d_recurrent.sum(axis=0)])
        dx[:, t] = d_input @ kernel.T
        dh = dh_new * z + d_recurrent @ recurrent_kernel.T + (1 - keep) * dh
    return dx, {"kernel": dW, "recurrent_kernel": dU, "bias": db}


CELLS_BACKWARD = {"LSTM": lstm_backward, "GRU": gru_backward}


def embedding_backward(ids, dx, embeddings) -> dict:
    """A table's gradient: a row's is the sum over the places its id was read."""
    dtable = np.zeros_like(embeddings)
    np.add.at(dtable, ids, dx)
    return {"embeddings": dtable}


def subword_embedding_backward(ids, dx, embeddings, ngram_embeddings) -> dict:
    """reference.subword_embedding's gradients: E's as an Embedding's (from the word ids);
    each present n-gram's row of G receives dx / max(n, 1) of its token."""
    words, grams = ids[..., 0], ids[..., 1:]
    present = grams != 0
    share = dx / np.maximum(present.sum(axis=-1), 1)[..., None]  # [B, T, D]
    dgrams = np.zeros_like(ngram_embeddings)
    np.add.at(dgrams, grams, share[..., None, :] * present[..., None])
    return embedding_backward(words, dx, embeddings) | {"ngram_embeddings": dgrams}


INPUTS_BACKWARD = {"Embedding": embedding_backward, "SubwordEmbedding": subword_embedding_backward}


MERGE_BACKWARD = {  # d merged -> (d forward, d backward), given both sides' values
    "concat": lambda d, a, b: np.split(d, 2, axis=-1),
    "sum": lambda d, a, b: (d, d),
    "mul": lambda d, a, b: (d * b, d * a),
    "ave": lambda d, a, b: (d / 2, d / 2),
}


def lanes(spec: dict) -> list[str]:
    """The weight prefixes of a recurrent layer: itself, or its two directions."""
    name = spec["name"]
    return [name] if spec["type"] != "Bidirectional" else [f"{name}/forward", f"{name}/backward"]


def cell_type(spec: dict) -> str:
    """A recurrent layer's cell: its type, or its sides' (LSTM where they do not say)."""
    return spec["forward"].get("type", "LSTM") if spec["type"] == "Bidirectional" else spec["type"]


def recurrent_forward(spec: dict, arrays: dict, x, mask) -> tuple[np.ndarray, list]:
    """A recurrent layer, (Bi)LSTM or (Bi)GRU: its output (sequence or final state,
    directions merged) and per direction (weights, the steps it recorded, its own output)."""
    runs = []
    for prefix in lanes(spec):
        weights, seen = layer_arrays(arrays, prefix), []
        backwards = prefix.endswith("/backward")
        cell = CELLS[cell_type(spec)]
        out, last = cell(x, mask, **weights, go_backwards=backwards, steps_seen=seen)
        runs.append((weights, seen, out if spec["return_sequences"] else last))
    outs = [own for *_, own in runs]
    return (outs[0] if len(outs) == 1 else MERGE[spec["merge_mode"]](*outs)), runs


def recurrent_backward(spec: dict, x, runs: list, dy, grads: dict) -> np.ndarray:
    """dy (of recurrent_forward's output) -> dx [B, T, D]; each direction's weight
    gradients go into grads."""
    douts = (
        [dy] if len(runs) == 1 else MERGE_BACKWARD[spec["merge_mode"]](dy, *(r[2] for r in runs))
    )
    dx = np.zeros_like(x)
    for prefix, (weights, seen, _), dout in zip(lanes(spec), runs, douts, strict=True):
        shape = (*x.shape[:2], weights["recurrent_kernel"].shape[0])  # [B, T, H]
        if spec["return_sequences"]:
            doutputs, dlast = dout, np.zeros((shape[0], shape[2]))
        else:
            doutputs, dlast = np.zeros(shape), dout
        dx_lane, dweights = CELLS_BACKWARD[cell_type(spec)](x, weights, seen, doutputs, dlast)
        dx += dx_lane
        grads |= {f"{prefix}/{key}": grad for key, grad in dweights.items()}
    return dx


def backward(tape: list, arrays: dict, dlogits, recurrent) -> tuple[dict, np.ndarray]:
    """From dlogits [B, C] (the gradient reaching the softmax's input) back through the
    layers on `tape` ((spec, its input, what its backward needs) per layer after the
    embedding), last first: the weights' gradients and the gradient reaching the
    embedding's output. `recurrent(spec, x_in, saved, dy, grads)` takes a (Bi)LSTM's step
    back, putting its weights' gradients into grads."""
    grads: dict = {}
    dy = dlogits
    for spec, x_in, saved in reversed(tape):
        name, kind = spec["name"], spec["type"]
        if kind == "Dense":
            kernel = arrays[f"{name}/kernel"]
            dy, grads[f"{name}/kernel"], grads[f"{name}/bias"] = dense_backward(x_in, kernel, dy)
        elif kind == "Dropout":
            dy = dy if saved is None else dy * saved
        else:
            dy = recurrent(spec, x_in, saved, dy, grads)
    return grads, dy


def forward_backward(
    architecture: dict, arrays: dict, ids: np.ndarray, labels: np.ndarray, dropout=None
) -> tuple[float, dict, np.ndarray]:
    """The mean cross-entropy of the classifier on ids [B, T] (or subword inputs
    [B, T, 1 + P]) and labels [B], its
    gradient with respect to every array (same keys as `arrays`), and the probabilities
    [B, C] it was computed from.

    `dropout` maps a Dropout layer's name to its mask of kept units, already scaled by
    1 / (1 - rate) (inverted dropout); Dropout layers not named are the identity. Layers
    as reference.predict_proba runs them: an input layer, (Bi)LSTM and Dropout per layer,
    Dense with a softmax last.
    """
    layers, dropout = architecture["layers"], dropout or {}
    first = layers[0]
    x = INPUTS[first["type"]](ids, **layer_arrays(arrays, first["name"]))
    mask = mask_of(first, ids)
    tape = []  # per layer: (spec, its input, what its backward needs)
    for spec in layers[1:]:
        name, kind, x_in = spec["name"], spec["type"], x
        if kind in (*CELLS, "Bidirectional"):
            x, saved = recurrent_forward(spec, arrays, x, mask)
        elif kind == "Dropout":
            saved = dropout.get(name)
            x = x if saved is None else x * saved
        elif kind == "Dense":
            x, saved = dense(x, arrays[f"{name}/kernel"], arrays[f"{name}/bias"]), None
        else:
            raise ValueError(f"layer {name}: type {kind} is not in the reference")
        tape.append((spec, x_in, saved))
    probs = softmax(x)

    dlogits = softmax_cross_entropy_backward(probs, labels)
    grads, dy = backward(tape, arrays, dlogits, recurrent_backward)
    own = INPUTS_BACKWARD[first["type"]](ids, dy, **layer_arrays(arrays, first["name"]))
    grads |= {f"{first['name']}/{key}": grad for key, grad in own.items()}
    return cross_entropy(probs, labels), grads, probs
