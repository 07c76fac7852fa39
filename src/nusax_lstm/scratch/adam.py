"""Adam as Keras does it (keras/src/optimizers/adam.py), in NumPy: the bias correction
folded into the step size, epsilon added to sqrt(v) after the correction, and everything
in the weights' dtype, from float32 roundings of the learning rate and the betas, as
Keras's.
Gradients are dense arrays, as on Keras's JAX backend; on TensorFlow an Embedding's
gradient arrives as one slice per token read, and Keras's Adam adds their squares to v
one by one, which differs for ids read more than once in a batch."""

from __future__ import annotations

import numpy as np

BLOCK = 1 << 18  # elements a move works on at a time (1 MiB of float32)


class Adam:
    """Per array: m and v start at 0; at step t (1, 2, ...), for gradient g:

    w -= lr weight_decay w            (with weight_decay: decoupled, before the step)
    m += (g - m) (1 - beta_1)        v += (g^2 - v) (1 - beta_2)
    alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
    w -= alpha m / (sqrt(v) + epsilon)
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
    ):
        self.learning_rate, self.beta_1, self.beta_2 = learning_rate, beta_1, beta_2
        self.epsilon, self.weight_decay, self.step = epsilon, weight_decay, 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def update(self, weights: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """One step: every array of `weights` moves, in place, by its gradient in `grads`."""
        self.step += 1
        for key, w in weights.items():
            m = self.m.setdefault(key, np.zeros_like(w))
            v = self.v.setdefault(key, np.zeros_like(w))
            if self.weight_decay is not None:  # Keras's _apply_weight_decay, float32 first
                lr, decay = (
                    w.dtype.type(np.float32(x)) for x in (self.learning_rate, self.weight_decay)
                )
                w -= w * decay * lr
            self.move(w, grads[key], m, v, self.alpha(w.dtype))

    def alpha(self, dtype: np.dtype) -> np.floating:
        """The step size at this step, in `dtype`. Keras holds the learning rate in a
        float32 variable and makes the betas float32 tensors before casting them to the
        weights' dtype: with float64 weights, those roundings change alpha by 6.7e-6
        (relative) at step 1."""
        lr, beta_1, beta_2 = (
            dtype.type(np.float32(x)) for x in (self.learning_rate, self.beta_1, self.beta_2)
        )
        return lr * np.sqrt(1 - beta_2**self.step) / (1 - beta_1**self.step)

    def move(self, w, g, m, v, alpha: np.floating) -> None:
        """The step of one array w, with its gradient g and moments m, v (in place): the
        operations of plain_move, in its order, block of rows by block of rows through
        two scratch arrays, which stay in cache: the same roundings, faster on a large
        table (benchmarks/README.md, subword inputs)."""
        rows = max(1, BLOCK // w[0].size)
        for start in range(0, len(w), rows):
            block = slice(start, start + rows)
            self.move_block(w[block], g[block], m[block], v[block], alpha)

    def move_block(self, w, g, m, v, alpha: np.floating) -> None:
        t = g - m
        t *= 1 - self.beta_1
        m += t
        np.multiply(g, g, out=t)
        t -= v
        t *= 1 - self.beta_2
        v += t
        root = np.sqrt(v)
        root += self.epsilon
        np.multiply(m, alpha, out=t)
        t /= root
        w -= t


def plain_move(w, g, m, v, alpha: np.floating, beta_1: float, beta_2: float, epsilon: float):
    """Adam.move as the equations read, the reference it is tested against."""
    m += (g - m) * (1 - beta_1)
    v += (g * g - v) * (1 - beta_2)
    w -= alpha * m / (np.sqrt(v) + epsilon)
