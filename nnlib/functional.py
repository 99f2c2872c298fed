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


def _float_input(z, alpha):
    """z as a float array and alpha as a scalar of z's dtype. A NumPy float64 alpha (one taken from
    np.linspace, say) would otherwise promote a float32 array to float64 under NumPy 2's rules."""
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    return z, z.dtype.type(alpha)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    z, alpha = _float_input(z, alpha)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    z, alpha = _float_input(z, alpha)
    return np.where(z > 0, z.dtype.type(1), alpha)


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    z, alpha = _float_input(z, alpha)
    # expm1 on min(z, 0) so the unused branch of `where` never overflows.
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def elu_derivative(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    z, alpha = _float_input(z, alpha)
    return np.where(z > 0, z.dtype.type(1), alpha * np.exp(np.minimum(z, 0)))


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


# -- sliding windows over images: the vectorized core of convolution and pooling (lecture 07) ----

def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """How many positions a window of `kernel` takes along an axis of `size`:
    out = (size + 2 * padding - kernel) // stride + 1   (a remainder that does not fit is dropped)."""
    return (size + 2 * padding - kernel) // stride + 1


def unfold(x: np.ndarray, kernel_size, stride=1, padding=0) -> np.ndarray:
    """Every window a kernel visits, as one array: images x (..., H, W) -> (..., OH, OW, KH, KW).

    windows[..., i, j, :, :] is the KH x KW patch the kernel sees at output position (i, j), i.e.
    x_padded[..., i*SH : i*SH + KH, j*SW : j*SW + KW], with OH, OW from conv_output_size. The
    leading axes are anything, e.g. (N, C) for a batch of images. Without padding the result is a
    read-only *view* (numpy's sliding_window_view only changes strides, no pixel is copied); with
    padding, the zero-padded copy is viewed. kernel_size, stride, padding: an int or a pair (height, width).
    """
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    if ph or pw:
        x = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)])
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(-2, -1))  # (..., H-KH+1, W-KW+1, KH, KW)
    return windows[..., ::sh, ::sw, :, :]  # keep every stride-th position: (..., OH, OW, KH, KW)


def fold(windows: np.ndarray, image_size, stride=1, padding=0) -> np.ndarray:
    """The reverse of unfold, for gradients: add every window back where it came from.

    windows: (..., OH, OW, KH, KW) -> (..., H, W) with image_size = (H, W). Where windows overlap
    (stride < kernel) their values add up, as the gradients of a pixel used by several windows
    must; the padding's share is dropped. The loop runs over the KH*KW offsets inside the kernel
    (9 for 3x3), each adding one strided slice for all images and positions at once.
    """
    *lead, oh, ow, kh, kw = windows.shape
    (H, W), (sh, sw), (ph, pw) = _pair(image_size), _pair(stride), _pair(padding)
    out = np.zeros((*lead, H + 2 * ph, W + 2 * pw), dtype=windows.dtype)
    for i in range(kh):
        for j in range(kw):
            # kernel offset (i, j) touched pixels i, i+SH, i+2SH, ... (OH of them), likewise for columns
            out[..., i:i + sh * oh:sh, j:j + sw * ow:sw] += windows[..., i, j]
    return out[..., ph:ph + H, pw:pw + W]


def _pair(v) -> tuple[int, int]:
    """3 -> (3, 3); (3, 5) -> (3, 5): sizes given for both image axes or for each."""
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))
