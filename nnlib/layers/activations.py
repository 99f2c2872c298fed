"""Activation layers: elementwise functions of any shape (softmax and log-softmax on the last axis).

The math lives in nnlib.functional; these layers add the cache and the backward pass.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .base import Layer


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
        self.alpha = float(alpha)  # a plain float: a NumPy scalar would promote float32 inputs

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"

    def _forward(self, x):
        return F.leaky_relu(x, self.alpha)

    def _backward(self, dy):
        return dy * F.leaky_relu_derivative(self._x, self.alpha)


class ELU(Layer):
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = float(alpha)  # a plain float: a NumPy scalar would promote float32 inputs

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


