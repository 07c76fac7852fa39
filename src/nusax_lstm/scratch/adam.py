"""Adam as Keras does it (keras/src/optimizers/adam.py), in NumPy: the bias correction
folded into the step size, epsilon added to sqrt(v) after the correction, and everything
in the weights' dtype, from float32 roundings of the learning rate and the betas, as
Keras's.
Gradients are dense arrays, as on Keras's JAX backend; on TensorFlow an Embedding's
gradient arrives as one slice per token read, and Keras's Adam adds their squares to v
one by one, which differs for ids read more than once in a batch."""

from __future__ import annotations

import numpy as np


class Adam:
    """Per array: m and v start at 0; at step t (1, 2, ...), for gradient g:

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
    ):
        self.learning_rate, self.beta_1, self.beta_2 = learning_rate, beta_1, beta_2
        self.epsilon, self.step = epsilon, 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def update(self, weights: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """One step: every array of `weights` moves, in place, by its gradient in `grads`."""
        self.step += 1
        for key, w in weights.items():
            m = self.m.setdefault(key, np.zeros_like(w))
            v = self.v.setdefault(key, np.zeros_like(w))
            self.move(key, w, grads[key], m, v, self.alpha(w.dtype))

    def alpha(self, dtype: np.dtype) -> np.floating:
        """The step size at this step, in `dtype`. Keras holds the learning rate in a
        float32 variable and makes the betas float32 tensors before casting them to the
        weights' dtype: with float64 weights, those roundings change alpha by 6.7e-6
        (relative) at step 1."""
        lr, beta_1, beta_2 = (
            dtype.type(np.float32(x)) for x in (self.learning_rate, self.beta_1, self.beta_2)
        )
        return lr * np.sqrt(1 - beta_2**self.step) / (1 - beta_1**self.step)

    def move(self, key: str, w, g, m, v, alpha: np.floating) -> None:
        """The step of array `key`, w, with its gradient g and moments m, v (in place)."""
        m += (g - m) * (1 - self.beta_1)
        v += (g * g - v) * (1 - self.beta_2)
        w -= alpha * m / (np.sqrt(v) + self.epsilon)


class InPlaceAdam(Adam):
    """Adam's arithmetic in the same order, into two scratch arrays per weight array
    instead of new ones: the same numbers bit for bit (tested), an epoch of the study's
    BiLSTM 1.07x faster (2026-11-29, 2-core Xeon)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scratch: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def move(self, key: str, w, g, m, v, alpha: np.floating) -> None:
        t, u = self.scratch.setdefault(key, (np.empty_like(w), np.empty_like(w)))
        np.subtract(g, m, out=t)
        t *= 1 - self.beta_1
        m += t
        np.multiply(g, g, out=t)
        t -= v
        t *= 1 - self.beta_2
        v += t
        np.multiply(m, alpha, out=t)
        np.sqrt(v, out=u)
        u += self.epsilon
        t /= u
        w -= t
