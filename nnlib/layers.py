"""Layers: objects with `forward(x) -> y` and `backward(dy) -> dx`.

Conventions (as in PyTorch, so what students learn transfers):
- batch first: dense data is (N, D);
- `Linear(in_features, out_features)` keeps `W` of shape (out_features, in_features), one row per
  neuron, and `b` of shape (out_features,); y = x @ W.T + b;
- `params` and `grads` are dicts with the same keys and shapes; `backward` overwrites `grads`,
  optimizers update `params` in place;
- `forward` caches what `backward` needs and never modifies its input;
- math happens in the input's float dtype (float64 by default; float32 is kept as float32).
"""
from __future__ import annotations

import numpy as np

from . import functional as F
from .init import get_initializer, global_rng
from .validate import as_float_array, check_ndim, shape_str


class Layer:
    """Base class. Subclasses implement `_forward(x)` and `_backward(dy)`."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._x = None  # the last input, kept for backward
        self._y = None  # the last output, kept for backward and to check dy's shape

    # -- public API -------------------------------------------------------------------------
    def forward(self, x) -> np.ndarray:
        x = as_float_array(x, f"{self!r}.forward")
        self._check_input(x)
        y = self._forward(x)
        self._x, self._y = x, y
        return y

    def backward(self, dy) -> np.ndarray:
        if self._y is None:
            raise RuntimeError(
                f"{self!r}.backward was called before forward: run forward(x) first, "
                "backward needs the values that forward caches."
            )
        dy = as_float_array(dy, f"{self!r}.backward", "dy")
        if dy.shape != self._y.shape:
            raise ValueError(
                f"{self!r}.backward: dy has shape {shape_str(dy.shape)}, expected {shape_str(self._y.shape)} "
                "(the shape of this layer's last output)."
            )
        return self._backward(dy)

    __call__ = forward

    def params_and_grads(self):
        """Yield (name, param, grad) for each parameter; grad is None before the first backward."""
        for name, p in self.params.items():
            yield name, p, self.grads.get(name)

    def zero_grad(self) -> None:
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}

    def astype(self, dtype) -> "Layer":
        """Convert the parameters to `dtype` (e.g. np.float32 for speed); returns self."""
        self.params = {k: p.astype(dtype) for k, p in self.params.items()}
        self.grads = {}
        return self

    def __repr__(self) -> str:
        return type(self).__name__ + "()"

    # -- for subclasses ---------------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> None:
        pass

    def _forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Linear(Layer):
    """A fully connected layer: y = x @ W.T + b.

    x: (N, in_features) -> y: (N, out_features). W: (out_features, in_features), b: (out_features,).
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
        check_ndim(x, 2, repr(self), f"(N, {self.in_features})")
        if x.shape[1] != self.in_features:
            hint = ""
            if x.shape[0] == self.in_features:
                hint = " It looks transposed: rows must be samples, so pass x.T."
            raise ValueError(
                f"{self!r} expects input of shape (N, {self.in_features}), got {shape_str(x.shape)}: "
                f"each sample has {x.shape[1]} features but the layer was built for {self.in_features}.{hint}"
            )

    def _forward(self, x):
        W = self.params["W"].astype(x.dtype, copy=False)
        y = x @ W.T
        if "b" in self.params:
            y += self.params["b"].astype(x.dtype, copy=False)
        return y

    def _backward(self, dy):
        x, W = self._x, self.params["W"]
        # Each row of W is one neuron; its gradient sums dy * x over the batch.
        self.grads["W"] = (dy.T @ x).astype(W.dtype, copy=False)
        if "b" in self.params:
            self.grads["b"] = dy.sum(axis=0).astype(W.dtype, copy=False)
        return dy @ W.astype(dy.dtype, copy=False)


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...), e.g. images (N, 28, 28) -> (N, 784)."""

    def _check_input(self, x):
        if x.ndim < 1:
            raise ValueError(f"{self!r} expects a batch (N, ...), got a scalar")

    def _forward(self, x):
        return x.reshape(len(x), -1)

    def _backward(self, dy):
        return dy.reshape(self._x.shape)


# -- activations: elementwise, any shape ------------------------------------------------------

class Identity(Layer):
    def _forward(self, x):
        return x.copy()

    def _backward(self, dy):
        return dy.copy()


class Sigmoid(Layer):
    def _forward(self, x):
        return F.sigmoid(x)

    def _backward(self, dy):
        s = self._y  # sigmoid'(x) = s (1 - s): the cached output is all we need
        return dy * s * (1.0 - s)


class Tanh(Layer):
    def _forward(self, x):
        return np.tanh(x)

    def _backward(self, dy):
        return dy * (1.0 - self._y ** 2)


class ReLU(Layer):
    def _forward(self, x):
        return np.maximum(x, 0)

    def _backward(self, dy):
        return dy * (self._x > 0)


class LeakyReLU(Layer):
    def __init__(self, alpha: float = 0.01):
        super().__init__()
        self.alpha = alpha

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"

    def _forward(self, x):
        return F.leaky_relu(x, self.alpha)

    def _backward(self, dy):
        return dy * F.leaky_relu_derivative(self._x, self.alpha)


class ELU(Layer):
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def __repr__(self):
        return f"ELU(alpha={self.alpha})"

    def _forward(self, x):
        return F.elu(x, self.alpha)

    def _backward(self, dy):
        return dy * F.elu_derivative(self._x, self.alpha)


class Softmax(Layer):
    """Softmax over the last axis. For training a classifier prefer raw logits with
    SoftmaxCrossEntropy, which is more stable and has a simpler gradient."""

    def _forward(self, x):
        return F.softmax(x)

    def _backward(self, dy):
        y = self._y
        # Jacobian-vector product of softmax: dx_i = y_i (dy_i - sum_j dy_j y_j).
        return y * (dy - np.sum(dy * y, axis=-1, keepdims=True))


class LogSoftmax(Layer):
    def _forward(self, x):
        return F.log_softmax(x)

    def _backward(self, dy):
        # d log_softmax_i / dx_j = [i == j] - softmax_j
        return dy - np.exp(self._y) * np.sum(dy, axis=-1, keepdims=True)


ACTIVATION_LAYERS = {
    "identity": Identity, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU,
    "leaky_relu": LeakyReLU, "elu": ELU,
}


class Sequential(Layer):
    """Layers applied one after the other; backward runs them in reverse.

    Parameter names are prefixed with the layer's index: '0.W', '0.b', '2.W', ...
    """

    def __init__(self, *layers: Layer):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} is {layer!r}, not an nnlib Layer; pass layer objects "
                                "such as nnlib.Tanh() (not functions like np.tanh), each built with ()")
        self.layers = list(layers)

    def __repr__(self):
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        self._y = x
        return x

    __call__ = forward

    def backward(self, dy):
        if self._y is None:
            raise RuntimeError(f"Sequential.backward was called before forward: run forward(x) first.")
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    @property
    def params(self):
        return {f"{i}.{k}": p for i, layer in enumerate(self.layers) for k, p in layer.params.items()}

    @params.setter
    def params(self, value):
        pass  # Layer.__init__ assigns {}; a Sequential's params always come from its layers

    @property
    def grads(self):
        return {f"{i}.{k}": g for i, layer in enumerate(self.layers) for k, g in layer.grads.items()}

    @grads.setter
    def grads(self, value):
        pass

    def params_and_grads(self):
        for i, layer in enumerate(self.layers):
            for name, p, g in layer.params_and_grads():
                yield f"{i}.{name}", p, g

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()

    def astype(self, dtype):
        for layer in self.layers:
            layer.astype(dtype)
        return self


def count_params(model: Layer) -> int:
    """Total number of trainable numbers, e.g. 13,002 for the 784-16-16-10 MNIST network."""
    return int(sum(p.size for _, p, _ in model.params_and_grads()))
