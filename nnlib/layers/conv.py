"""Image layers (lecture 07): Conv2d, MaxPool2d, AvgPool2d. Images are (N, C, H, W), batch first.

All three see the image through the same windows: functional.unfold gives every window a kernel
visits as one array (N, C, OH, OW, KH, KW) without a Python loop over pixels, and functional.fold
sends gradients back through the same windows (adding up where windows overlap). The output size
along each axis is
    OH = (H + 2 * padding - KH) // stride + 1      (functional.conv_output_size)
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..init import get_initializer, global_rng
from ..validate import check_ndim, shape_str
from .base import Layer


def _sizes(who: str, name: str, value, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints (height, width), each >= minimum, as a pair."""
    pair = (value, value) if np.ndim(value) == 0 else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{who}: {name} must be an int or a pair of ints (height, width), got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{who}: {name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


class _Windowed(Layer):
    """What Conv2d and the pooling layers share: checking an image batch and sizing the output."""

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] = (0, 0)
    channels = None  # the number of input channels the layer was built for (None: any)

    def _check_input(self, x):
        c = "C" if self.channels is None else self.channels
        layout = f"(N, {c}, H, W)"
        if x.ndim == 3 and (self.channels in (None, 1)):
            raise ValueError(f"{self!r} expects images of shape {layout}, got {shape_str(x.shape)}: the channel "
                             "axis is missing. For grey images add it with x[:, None] (or x.reshape(N, 1, H, W)).")
        check_ndim(x, 4, repr(self), layout, "images")
        if self.channels is not None and x.shape[1] != self.channels:
            hint = (" It looks channels-last (N, H, W, C): pass x.transpose(0, 3, 1, 2)."
                    if x.shape[3] == self.channels else "")
            raise ValueError(f"{self!r} expects images of shape {layout}, got {shape_str(x.shape)}: "
                             f"{x.shape[1]} channels but the layer was built for {self.channels}.{hint}")
        out = [F.conv_output_size(size, k, s, p)
               for size, k, s, p in zip(x.shape[2:], self.kernel_size, self.stride, self.padding)]
        if min(out) < 1:
            raise ValueError(f"{self!r}: a {shape_str(x.shape[2:])} image with padding {self.padding} is smaller "
                             f"than the {self.kernel_size[0]}x{self.kernel_size[1]} kernel, so the output "
                             f"would be empty ({out[0]} x {out[1]}); use a smaller kernel or more padding.")

    def _windows(self, x):
        return F.unfold(x, self.kernel_size, self.stride, self.padding)  # (N, C, OH, OW, KH, KW)

    def _fold(self, dwindows):
        return F.fold(dwindows, self._x.shape[2:], self.stride, self.padding)  # (..., H, W)


class Conv2d(_Windowed):
    """A 2-D convolution layer (a cross-correlation, as in PyTorch: the kernel is not flipped).

    x: (N, C_in, H, W) -> y: (N, C_out, OH, OW), OH = (H + 2 * padding - KH) // stride + 1 (same for W).
    W: (C_out, C_in, KH, KW), b: (C_out,).  y[n, o, i, j] = b[o] + sum over c, u, v of
    W[o, c, u, v] * x_padded[n, c, i * stride + u, j * stride + v].
    kernel_size, stride, padding: an int or a pair (height, width). `init` as in Linear; the default
    'he' suits the ReLU that usually follows a convolution.

    How it is computed (im2col): every window becomes one row of a matrix `cols` (N*OH*OW, C_in*KH*KW),
    and the whole convolution is then one matrix product with the kernels, one per column.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, bias: bool = True,
                 init="he", rng=None, dtype=np.float64):
        super().__init__()
        who = "Conv2d"
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{who}: {name} must be a positive int, got {v!r}")
        self.channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _sizes(who, "kernel_size", kernel_size, 1)
        self.stride = _sizes(who, "stride", stride, 1)
        self.padding = _sizes(who, "padding", padding, 0)
        rng = global_rng() if rng is None else np.random.default_rng(rng)
        W = get_initializer(init)((self.out_channels, self.channels, *self.kernel_size), rng)
        self.params["W"] = np.asarray(W, dtype=dtype)
        if bias:
            self.params["b"] = np.zeros(self.out_channels, dtype=dtype)

    def __repr__(self):
        kh, kw = self.kernel_size
        extra = "".join(f", {name}={v[0] if v[0] == v[1] else v}" for name, v, default in
                        (("stride", self.stride, 1), ("padding", self.padding, 0)) if v != (default, default))
        return f"Conv2d({self.channels} -> {self.out_channels}, {kh}x{kw}{extra})"

    def _forward(self, x):
        n, c_out = len(x), self.out_channels
        windows = self._windows(x)
        oh, ow = windows.shape[2:4]
        # im2col: (N, C, OH, OW, KH, KW) -> (C, KH, KW, N, OH, OW) -> (C*KH*KW, N*OH*OW): one column per
        # window. This order copies whole image rows at a time and matches W's (C_out, C, KH, KW) layout.
        self._cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(-1, n * oh * ow)
        W = self.params["W"].astype(x.dtype, copy=False).reshape(c_out, -1)  # (C_out, C*KH*KW): a kernel per row
        y = W @ self._cols  # (C_out, N*OH*OW): every kernel against every window at once
        if "b" in self.params:
            y += self.params["b"].astype(x.dtype, copy=False)[:, None]
        return np.ascontiguousarray(y.reshape(c_out, n, oh, ow).transpose(1, 0, 2, 3))  # (N, C_out, OH, OW)

    def _backward(self, dy):
        W = self.params["W"]
        n, c_out, oh, ow = dy.shape
        dy2 = dy.transpose(1, 0, 2, 3).reshape(c_out, -1)  # (N, C_out, OH, OW) -> (C_out, N*OH*OW)
        # The kernels are shared by every window, so their gradient sums over all windows of all images.
        self.grads["W"] = (dy2 @ self._cols.T).reshape(W.shape).astype(W.dtype, copy=False)
        if "b" in self.params:
            self.grads["b"] = dy2.sum(axis=1).astype(W.dtype, copy=False)
        dcols = W.astype(dy.dtype, copy=False).reshape(c_out, -1).T @ dy2  # (C*KH*KW, N*OH*OW)
        c, (kh, kw) = self.channels, self.kernel_size
        # (C*KH*KW, N*OH*OW) -> (C, N, OH, OW, KH, KW): each window's gradient goes back to its pixels
        dx = self._fold(dcols.reshape(c, kh, kw, n, oh, ow).transpose(0, 3, 4, 5, 1, 2))  # (C, N, H, W)
        return np.ascontiguousarray(dx.transpose(1, 0, 2, 3))  # (N, C, H, W)


class _Pool(_Windowed):
    """Pooling over KH x KW windows of each channel separately; stride defaults to the kernel size."""

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        who = type(self).__name__
        self.kernel_size = _sizes(who, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else _sizes(who, "stride", stride, 1)

    def __repr__(self):
        (kh, kw), s = self.kernel_size, self.stride
        stride = "" if s == self.kernel_size else f", stride={s[0] if s[0] == s[1] else s}"
        return f"{type(self).__name__}({kh}x{kw}{stride})"


class MaxPool2d(_Pool):
    """The largest value of each window: x (N, C, H, W) -> (N, C, OH, OW), OH = (H - KH) // stride + 1.

    "Keep the dominant stick of each block." Only the maximum of a window influenced the output,
    so only it receives the gradient (the first one if several tie, as in PyTorch).
    """

    def _forward(self, x):
        windows = self._windows(x)
        kh, kw = self.kernel_size
        # (N, C, OH, OW, KH, KW) -> (KH*KW, N, C, OH, OW): one slab per position in the window, so the
        # max and the comparisons below are elementwise over whole slabs (fast), not over tiny rows
        slabs = windows.transpose(4, 5, 0, 1, 2, 3).reshape(kh * kw, *windows.shape[:4])
        y = slabs.max(axis=0)
        is_max = slabs == y  # (KH*KW, N, C, OH, OW)
        found = is_max[0].copy()
        for k in range(1, kh * kw):  # keep only the first maximum of each window
            is_max[k] &= ~found
            found |= is_max[k]
        self._is_max = is_max
        return y

    def _backward(self, dy):
        kh, kw = self.kernel_size
        dslabs = self._is_max * dy  # the gradient goes to the maximum only: (KH*KW, N, C, OH, OW)
        # (KH*KW, N, C, OH, OW) -> (N, C, OH, OW, KH, KW), the windows' layout that fold expects
        return self._fold(dslabs.reshape(kh, kw, *dy.shape).transpose(2, 3, 4, 5, 0, 1))


class AvgPool2d(_Pool):
    """The mean of each window: x (N, C, H, W) -> (N, C, OH, OW); every pixel of a window gets an
    equal share 1 / (KH*KW) of its gradient."""

    def _forward(self, x):
        return self._windows(x).mean(axis=(-2, -1))

    def _backward(self, dy):
        kh, kw = self.kernel_size
        share = dy[..., None, None] / (kh * kw)  # (N, C, OH, OW, 1, 1)
        return self._fold(np.broadcast_to(share, (*dy.shape, kh, kw)))
