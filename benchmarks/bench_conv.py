"""How fast are nnlib's image layers? Conv2d and MaxPool2d, forward + backward, float32.

Each case is measured three ways in the same run:
  loop   - the plain NumPy version a student writes first: a Python loop over output positions
           (vectorized over the batch and channels), with the matching loop in backward;
  nnlib  - nnlib's layer (im2col through sliding windows, one matrix product; fold for backward);
  torch  - torch.nn.Conv2d / MaxPool2d on the CPU with 2 threads, input requiring grad, when torch is
           importable (a benchmark-only install, never a course requirement).
Ratios are nnlib / torch (the course's targets: conv 1->8 <= 2x, conv 8->16 <= 4x, max-pool <= 3x)
and loop / nnlib.

    python benchmarks/bench_conv.py [--repeats 20]
"""
from __future__ import annotations

import argparse

import numpy as np

import nnlib
from common import header, median_ms, torch_or_none

N = 64
CASES = [  # name, (C_in, C_out, H), target nnlib/torch
    ("Conv2d 1->8, 3x3, pad 1, 28x28", ("conv", 1, 8, 28), 2.0),
    ("Conv2d 8->16, 3x3, pad 1, 14x14", ("conv", 8, 16, 14), 4.0),
    ("MaxPool2d 2x2 on (64, 8, 28, 28)", ("pool", 8, 8, 28), 3.0),
]


def conv_loop(x, W, b, dy):
    """Forward and backward of a 3x3, padding 1 convolution with a loop over output pixels."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.empty((n, len(W), h, w), x.dtype)
    for i in range(h):
        for j in range(w):
            y[:, :, i, j] = np.tensordot(xp[:, :, i:i + 3, j:j + 3], W, axes=([1, 2, 3], [1, 2, 3])) + b
    dxp, dW = np.zeros_like(xp), np.zeros_like(W)
    for i in range(h):
        for j in range(w):
            patch = xp[:, :, i:i + 3, j:j + 3]
            dW += np.tensordot(dy[:, :, i, j], patch, axes=([0], [0]))
            dxp[:, :, i:i + 3, j:j + 3] += np.tensordot(dy[:, :, i, j], W, axes=([1], [0]))
    return y, dxp[:, :, 1:-1, 1:-1], dW, dy.sum(axis=(0, 2, 3))


def pool_loop(x, dy):
    """Forward and backward of 2x2 max-pooling with a loop over output pixels."""
    n, c, h, w = x.shape
    y = np.empty((n, c, h // 2, w // 2), x.dtype)
    dx = np.zeros_like(x)
    for i in range(h // 2):
        for j in range(w // 2):
            patch = x[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].reshape(n, c, 4)
            k = patch.argmax(axis=-1)
            y[:, :, i, j] = np.take_along_axis(patch, k[..., None], -1)[..., 0]
            window = np.zeros((n, c, 4), x.dtype)
            np.put_along_axis(window, k[..., None], dy[:, :, i, j][..., None], -1)
            dx[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2] = window.reshape(n, c, 2, 2)
    return y, dx


def run_case(kind, c_in, c_out, size, repeats, torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, c_in, size, size)).astype(np.float32)
    if kind == "conv":
        layer = nnlib.Conv2d(c_in, c_out, 3, padding=1, rng=0, dtype=np.float32)
        dy = rng.standard_normal((N, c_out, size, size)).astype(np.float32)
        W, b = layer.params["W"], layer.params["b"]
        loop = lambda: conv_loop(x, W, b, dy)  # noqa: E731
    else:
        layer = nnlib.MaxPool2d(2)
        dy = rng.standard_normal((N, c_in, size // 2, size // 2)).astype(np.float32)
        loop = lambda: pool_loop(x, dy)  # noqa: E731

    def ours():
        layer.forward(x)
        layer.backward(dy)

    times = {"loop": median_ms(loop, max(3, repeats // 5)), "nnlib": median_ms(ours, repeats)}
    if torch is not None:
        module = (torch.nn.Conv2d(c_in, c_out, 3, padding=1) if kind == "conv" else torch.nn.MaxPool2d(2))
        xt, dyt = torch.tensor(x, requires_grad=True), torch.tensor(dy)

        def theirs():
            xt.grad = None
            module.zero_grad()
            module(xt).backward(dyt)

        times["torch"] = median_ms(theirs, repeats)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch = torch_or_none()
    print(header(f"image layers, batch {N}, float32, forward + backward, median of {args.repeats}", torch))
    print(f"{'case':36} {'loop ms':>9} {'nnlib ms':>9} {'torch ms':>9} {'nnlib/torch':>12} {'target':>7} "
          f"{'loop/nnlib':>11}")
    for name, (kind, c_in, c_out, size), target in CASES:
        t = run_case(kind, c_in, c_out, size, args.repeats, torch)
        vs_torch = f"{t['nnlib'] / t['torch']:11.2f}x" if "torch" in t else f"{'-':>12}"
        torch_ms = f"{t['torch']:9.2f}" if "torch" in t else f"{'-':>9}"
        print(f"{name:36} {t['loop']:9.1f} {t['nnlib']:9.2f} {torch_ms} {vs_torch} {target:6.1f}x "
              f"{t['loop'] / t['nnlib']:10.0f}x")


if __name__ == "__main__":
    main()
