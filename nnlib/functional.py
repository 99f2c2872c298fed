"""Stateless math: activations, their derivatives, softmax and log-softmax.

Each function works elementwise on an array of any shape (softmax and log-softmax along the
last axis) and keeps the input's float dtype. The `*_derivative(z)` functions give the
derivative of the activation with respect to its input z, elementwise, as in lecture 03.
"""
from __future__ import annotations

import numpy as np


def identity(z: np.ndarray) -> np.ndarray:
    return z.copy()


def identity_derivative(z: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), computed without overflow for large |z|.

    exp(-z) overflows for z < -709 in float64, so the negative half uses the equivalent form
    exp(z) / (1 + exp(z)), where the exponent is never positive.
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(z) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (the kink at 0 gets 0, as in PyTorch)."""
    return (z > 0).astype(np.asarray(z).dtype)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    return np.where(z > 0, 1.0, alpha).astype(np.asarray(z).dtype)


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    # expm1 on min(z, 0) so the unused branch of `where` never overflows.
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def elu_derivative(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(np.asarray(z).dtype)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum(exp(z)) along `axis`; subtracting the max first keeps exp from overflowing."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(z)) without taking the log of a number that underflowed to 0."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


ACTIVATIONS = {
    "identity": (identity, identity_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
}
"""name -> (function, derivative), for plotting them side by side and for widgets."""
