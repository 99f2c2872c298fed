"""Dense layers: Linear (y = x @ W.T + b) and Flatten (images to vectors)."""
from __future__ import annotations

import numpy as np

from ..init import get_initializer, global_rng
from ..validate import check_ndim, shape_str
from .base import Layer


class Linear(Layer):
    """A fully connected layer: y = x @ W.T + b.

    x: (N, in_features) -> y: (N, out_features). W: (out_features, in_features), b: (out_features,).
    Like PyTorch, extra axes before the last one are kept: a sequence (N, T, in_features) gives
    (N, T, out_features), the same neurons applied at every time step (lectures 08-09).
    `init` is a name ('xavier', 'he', 'zeros', ...) or a function (shape, rng) -> array;
    `rng` a seed or np.random.Generator (default: nnlib's global generator, see manual_seed).
    """

    def __init__(self, in_features: int, out_features: int, init="xavier", bias: bool = True,
                 rng=None, dtype=np.float64):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = global_rng() if rng is None else np.random.default_rng(rng)
        W = get_initializer(init)((self.out_features, self.in_features), rng)
        self.params["W"] = np.asarray(W, dtype=dtype)
        if bias:
            self.params["b"] = np.zeros(self.out_features, dtype=dtype)

    def __repr__(self) -> str:
        return f"Linear({self.in_features} -> {self.out_features})"

    def _check_input(self, x):
        if x.ndim < 2 or (x.ndim > 2 and x.shape[-1] != self.in_features):
            check_ndim(x, 2, repr(self), f"(N, {self.in_features})")  # raises, with a hint for the rank
        if x.shape[-1] != self.in_features:
            hint = ""
            if x.shape[0] == self.in_features:
                hint = " It looks transposed: rows must be samples, so pass x.T."
            raise ValueError(
                f"{self!r} expects input of shape (N, {self.in_features}), got {shape_str(x.shape)}: "
                f"each sample has {x.shape[-1]} features but the layer was built for {self.in_features}.{hint}"
            )

    def _forward(self, x):
        W = self.params["W"].astype(x.dtype, copy=False)
        y = x @ W.T
        if "b" in self.params:
            y += self.params["b"].astype(x.dtype, copy=False)
        return y

    def _backward(self, dy):
        W = self.params["W"]
        # (N, ..., in) -> (M, in): every leading axis is just more samples for the weight gradient.
        x2, dy2 = self._x.reshape(-1, self.in_features), dy.reshape(-1, self.out_features)
        # Each row of W is one neuron; its gradient sums dy * x over the batch.
        self.grads["W"] = (dy2.T @ x2).astype(W.dtype, copy=False)
        if "b" in self.params:
            self.grads["b"] = dy2.sum(axis=0).astype(W.dtype, copy=False)
        return dy @ W.astype(dy.dtype, copy=False)


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...), e.g. images (N, 28, 28) -> (N, 784)."""

    def _check_input(self, x):
        if x.ndim < 1:
            raise ValueError(f"{self!r} expects a batch (N, ...), got a scalar")

    def _forward(self, x):
        # prod of the trailing axes, not -1: reshape cannot infer -1 when the batch is empty (N = 0)
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))

    def _backward(self, dy):
        return dy.reshape(self._x.shape)
