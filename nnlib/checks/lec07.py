"""Checks for exercises/07_convolutional_networks.ipynb.

Output shapes are checked against OH = (H + 2*padding - KH)//stride + 1 on random sizes. The values
of the one-channel and of the batched convolutions are compared with nnlib.Conv2d (itself tested against plain loops and PyTorch), and the
backward passes with numeric gradients of that forward. When values are wrong, the check recomputes
the usual mistakes (a flipped kernel, a missing bias, windows that ignore the stride, channels-last
output, a gradient shared by a whole pooling window, ...) and names the one that matches.

conv2d_fast is also timed against the work of a per-pixel loop (one small NumPy product and sum per output
number, `per_pixel_work`, which costs what a loop over output pixels costs without computing a convolution)
on (8, 3, 28, 28) images with eight 3x3 kernels. When it runs in a grader's kernel, its time there counts
(best_time reads it). Timing is made robust for a busy machine: the loop is the best of 3 runs, the student's function the
best of up to 5, re-measured up to 3 times before failing, and the bar (10x) is far below what a
vectorized answer reaches (about 80x with sliding_window_view + einsum, several hundred x with
tensordot or im2col) and far above a loop over output pixels (about 1x).
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numeric_gradient_array
from ..layers import AvgPool2d, Conv2d, MaxPool2d
from . import (best_time, call, exercise, expect_array, expect_gradient_diagnosed, expect_tuple, expect_values,
               matches)

SPEEDUP = 10.0  # conv2d_fast must be at least this many times faster than the per-pixel loop
FLIPPED = ("the values match a flipped kernel (a true convolution, k[::-1, ::-1]): conv2d should compute "
           "cross-correlation, like PyTorch and nnlib: the kernel is laid on the window as it is, "
           "k[u, v] times the pixel at offset (u, v), no flip")


def _last_row_or_column_missed(got, expected):
    """got right everywhere except in the last output row and/or column: a loop that stops early."""
    if got.shape != expected.shape or min(got.shape[-2:]) < 2 or matches(got, expected):
        return None
    if not matches(got[..., :-1, :-1], expected[..., :-1, :-1]):
        return None
    return got  # "matches" by construction: the cause applies


LAST_MISSED = ("only the last output row or column is wrong: the loop stops one window position early. "
               "The last window starts at (OH - 1) * stride; visit all OH (and OW) output positions")


# -- 1. the output shape -----------------------------------------------------------------------------

def _out(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def _shape_cases(rng):
    """8 problems: the first plain, then padding with stride 1, strides 2 and 3 where the windows do not
    fit exactly (so floor division matters), then random ones; non-square images and kernels."""
    cases = []
    for t in range(8):
        stride = [1, 1, 2, 3][t] if t < 4 else int(rng.integers(1, 4))
        padding = [0, 2, 0, 1][t] if t < 4 else int(rng.integers(0, 3))
        kh, kw = (int(v) for v in rng.choice(np.arange(1, 6), size=2, replace=False))
        h, w = (int(v) for v in rng.choice(np.arange(max(kh, kw) + 2, 33), size=2, replace=False))
        if stride > 1 and (h + 2 * padding - kh) % stride == 0:
            h += 1  # a remainder: true division gives a fraction, floor division drops it
        n, c_in, c_out = int(rng.integers(1, 65)), int(rng.integers(1, 17)), int(rng.integers(1, 65))
        if c_out == c_in:
            c_out += 1
        cases.append(((n, c_in, h, w), (c_out, c_in, kh, kw), stride, padding))
    return cases


def _size_cause(got, size, k, s, p, axis):
    """Why an output size is wrong, from the formulas of the usual mistakes."""
    name, img, ker = ("OH", "H", "KH") if axis == 0 else ("OW", "W", "KW")
    formula = (f"{name} = ({img} + 2*padding - {ker})//stride + 1 = ({size} + 2*{p} - {k})//{s} + 1 "
               f"= {_out(size, k, s, p)}")
    if isinstance(got, float) and not np.isfinite(got):
        return f"{name} is {got!r}, not a size: {formula}"
    if isinstance(got, float):
        kind = "a fraction" if got != int(got) else "a float"
        return (f"{name} is {got!r}, {kind}: sizes must be ints. True division / keeps the remainder; use "
                f"integer division // (a window that would stick out past the border is not counted): {formula}")
    if got == (size + 2 * p - k) // s:
        return (f"{name} is {got}, one too few: the +1 counts the first window position (at 0); {formula}")
    if p > 0 and got == _out(size, k, s, 0):
        return f"{name} is {got}: the padding is ignored; {formula}"
    if p > 0 and got == (size + p - k) // s + 1:
        return (f"{name} is {got}: the padding was counted once, but it adds `padding` rows on BOTH sides "
                f"(top and bottom, left and right), so the padded size is {img} + 2*padding; {formula}")
    if s > 1 and got == _out(size, k, 1, p):
        return f"{name} is {got}: the stride is ignored; {formula}"
    if s > 1 and got == -(-(size + 2 * p - k) // s) + 1:
        return (f"{name} is {got}: rounded up, but a window that would stick out past the border is dropped "
                f"(floor division //); {formula}")
    return f"{name} is {got}, expected {formula}"


@exercise("07.conv_output_shape")
def check_conv_output_shape(conv_output_shape, rng, report):
    cases = _shape_cases(rng)
    for t, (x_shape, w_shape, stride, padding) in enumerate(cases):
        args = (x_shape, w_shape) if t == 0 else (x_shape, w_shape, stride, padding)
        got = expect_tuple(report, call(report, conv_output_shape, *args), "conv_output_shape",
                           ("N", "C_out", "OH", "OW"))
        problem = f"for x {x_shape}, W {w_shape}, stride={stride}, padding={padding}"
        for name, v in zip(("N", "C_out", "OH", "OW"), got):
            if isinstance(v, (float, np.floating)):
                axis = 0 if name == "OH" else 1
                cause = (_size_cause(float(v), x_shape[2 + axis], w_shape[2 + axis], stride, padding, axis)
                         if name in ("OH", "OW") else f"{name} is {float(v)!r}, a float: sizes must be ints")
                report.fail(f"{problem}: {cause}")
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                report.fail(f"{problem}: {name} is {v!r} ({type(v).__name__}); every entry should be an int")
        n, c, oh, ow = (int(v) for v in got)
        if n != x_shape[0]:
            report.fail(f"{problem}: N is {n}, expected {x_shape[0]}: the batch size, input_shape[0], is unchanged")
        if c != w_shape[0]:
            why = (f"that is C_in; the output has one channel per kernel, C_out = weight_shape[0] = {w_shape[0]}"
                   if c == w_shape[1] else f"expected C_out = weight_shape[0] = {w_shape[0]}, one channel per kernel")
            report.fail(f"{problem}: C_out is {c}: {why}")
        for axis, value in enumerate((oh, ow)):
            size, k = x_shape[2 + axis], w_shape[2 + axis]
            if value != _out(size, k, stride, padding):
                report.fail(f"{problem}: {_size_cause(value, size, k, stride, padding, axis)}")
        if t == 0:
            report.ok(f"conv_output_shape({x_shape}, {w_shape}) = {(n, c, oh, ow)}: a tuple of 4 ints "
                      "(N, C_out, OH, OW); "
                      "stride=1, padding=0 by default")
    report.ok("OH and OW match (H + 2*padding - KH)//stride + 1 on 8 random problems "
              "(strides 1 to 3, padding 0 to 2, non-square images and kernels, windows that do not fit exactly)")


# -- 2. one channel, stride 1, no padding ---------------------------------------------------------------

def _correlate_single(x, k):
    """The one-channel cross-correlation, by nnlib.Conv2d with one input channel, one kernel and bias 0."""
    return _conv_ref(x[None, None], k[None, None], np.zeros(1))[0, 0]


@exercise("07.conv2d_single")
def check_conv2d_single(conv2d_single, rng, report):
    for t in range(4):
        kh, kw = [(3, 2), (2, 3), (int(rng.integers(2, 5)), int(rng.integers(2, 5))), (3, 3)][t]
        h = int(rng.integers(kh + 2, 12))
        w = int(rng.integers(kw + 2, 12))
        if h - kh == w - kw:
            w += 1  # a non-square output, so a transposed result shows
        x, k = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
        oh, ow = h - kh + 1, w - kw + 1
        got = call(report, conv2d_single, x, k)
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape != (oh, ow):
            gh, gw = got.shape
            if got.shape == x.shape:
                report.fail(f"the output has shape {got.shape}, the input's, expected ({oh}, {ow}) for x {x.shape} and "
                            f"k {k.shape}: without padding a {kh}x{kw} window fits at H - KH + 1 = {oh} rows and "
                            f"W - KW + 1 = {ow} columns")
            if gh in (oh - 1, oh) and gw in (ow - 1, ow) and got.shape != (ow, oh):
                report.fail(f"the output has shape {got.shape}, expected ({oh}, {ow}) for x {x.shape} and k {k.shape}: "
                            f"one window position short. The top-left corner of a window can be at rows 0 to "
                            f"H - KH = {h - kh} inclusive: H - KH + 1 = {oh} positions (and W - KW + 1 = {ow} columns)")
        got = expect_array(report, got, (oh, ow), f"the output for x {x.shape} and k {k.shape}")
        if t == 0:
            report.ok(f"conv2d_single returns shape (H - KH + 1, W - KW + 1) = {got.shape} for x {x.shape} and "
                      f"k {k.shape}")
        expect_values(report, got, _correlate_single(x, k), "output",
                       [(FLIPPED, lambda: _correlate_single(x, k[::-1, ::-1])),
                        (LAST_MISSED, lambda: _last_row_or_column_missed(got, _correlate_single(x, k)))],
                       "every output value is the sum of the elementwise product of k with the window of x there")
    report.ok("its values are the sliding dot products (cross-correlation, no flip) on 4 random images and kernels")


# -- 3 and 4. batched, multi-channel, stride and padding --------------------------------------------------

def _conv_layer(W, b, stride, padding):
    """nnlib.Conv2d holding W and b (copies)."""
    layer = Conv2d(W.shape[1], W.shape[0], tuple(int(v) for v in W.shape[2:]), stride=stride, padding=padding, rng=0)
    layer.params["W"] = np.array(W, dtype=np.float64)
    layer.params["b"] = np.array(b, dtype=np.float64)
    return layer


def _conv_ref(x, W, b, stride=1, padding=0):
    return _conv_layer(W, b, stride, padding).forward(x)


def _conv_problem(rng, stride, padding, small=False, first=False):
    """x, W, b with C_out different from N, C_in, OH and OW (so a channels-last result or a sum over the
    wrong axis has another shape), kernels of at least 2x2 and outputs of at least 2x2. The first
    problem has 2 or 3 input channels and a non-square image and kernel."""
    kh, kw = (int(v) for v in (rng.permutation([2, 3]) if first else rng.integers(2, 4, size=2)))
    top = 8 if small else 12
    h, w = int(rng.integers(kh + 2, top)), int(rng.integers(kw + 2, top))
    if first and h == w:
        w += 1
    if stride > 1 and (h + 2 * padding - kh) % stride == 0:
        h += 1  # the last rows do not fit a window: they must be dropped, not half-used
    n, c_in = int(rng.integers(2, 4)), int(rng.integers(2 if first else 1, 4))
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    c_out = int(rng.choice([c for c in range(2, 7) if c not in (n, c_in, oh, ow)]))
    x = rng.standard_normal((n, c_in, h, w))
    W = rng.standard_normal((c_out, c_in, kh, kw))
    b = rng.standard_normal(c_out)
    return x, W, b


def _conv_shape_cause(shape, expected, x_shape, w_shape, stride, padding) -> str:
    n, c_out, oh, ow = expected
    h, w = x_shape[2:]
    kh, kw = w_shape[2:]
    formula = (f"OH = (H + 2*padding - KH)//stride + 1 = ({h} + 2*{padding} - {kh})//{stride} + 1 = {oh}, "
               f"OW = ({w} + 2*{padding} - {kw})//{stride} + 1 = {ow}")
    if shape == (n, oh, ow, c_out):
        return ("that is the channels-last layout (N, OH, OW, C_out); nnlib, like PyTorch, puts the channels on "
                "axis 1: (N, C_out, OH, OW) (transpose(0, 3, 1, 2) the result, or fill out[n, o, i, j])")
    if len(shape) != 4 or shape[0] != n:
        return f"expected (N, C_out, OH, OW) with {formula}"
    if shape[1] != c_out:
        return (f"the output should have one channel per kernel, C_out = W.shape[0] = {c_out}"
                + (" (it has C_in)" if shape[1] == x_shape[1] else ""))
    sp = shape[2:]
    if sp[0] in (oh - 1, oh) and sp[1] in (ow - 1, ow):
        return f"one output position short: the +1 counts the window at position 0; {formula}"
    if padding > 0 and sp == (_out(h, kh, stride, 0), _out(w, kw, stride, 0)):
        return (f"the padding is missing: pad x with `padding` = {padding} zeros on each side of both image axes "
                f"first (np.pad, only on axes 2 and 3); {formula}")
    if stride > 1 and sp == (_out(h, kh, 1, padding), _out(w, kw, 1, padding)):
        return f"the stride is ignored: keep only every stride-th window position; {formula}"
    return formula


def _expect_conv(report, got, x, W, b, stride, padding, what):
    """Shape, then values of a batched convolution, with the likely cause of a mismatch."""
    expected = _conv_ref(x, W, b, stride, padding)
    if isinstance(got, np.ndarray) and got.shape != expected.shape:
        report.fail(f"{what} has shape {got.shape}, expected (N, C_out, OH, OW) = {expected.shape}: "
                    f"{_conv_shape_cause(got.shape, expected.shape, x.shape, W.shape, stride, padding)}")
    got = expect_array(report, got, expected.shape, what)
    oh, ow = expected.shape[2:]
    mistakes = [
        (FLIPPED, lambda: _conv_ref(x, np.ascontiguousarray(W[:, :, ::-1, ::-1]), b, stride, padding)),
        ("the bias is missing: add b[o] to every value of output channel o", lambda: expected - b[:, None, None]),
        (f"the output size is right but the windows start at (i, j) instead of (i*stride, j*stride) "
         f"(stride {stride}): multiply the output position by the stride to find its window",
         lambda: _conv_ref(x, W, b, 1, padding)[:, :, :oh, :ow] if stride > 1 else None),
        (LAST_MISSED, lambda: _last_row_or_column_missed(got, expected)),
    ]
    expect_values(report, got, expected, "output", mistakes,
                   "fill every out[n, o, i, j] with the sum of W[o] times the window of x there, plus b[o]")
    return got


def _check_conv_values(report, fn, name, rng):
    configs = [(1, 0), (1, 1), (2, int(rng.integers(0, 2))), (int(rng.integers(2, 4)), int(rng.integers(0, 3)))]
    for t, (stride, padding) in enumerate(configs):
        x, W, b = _conv_problem(rng, stride, padding, first=t == 0)
        args = (x, W, b) if t == 0 else (x, W, b, stride, padding)
        got = _expect_conv(report, call(report, fn, *args), x, W, b, stride, padding,
                           f"the output for x {x.shape}, W {W.shape}, stride={stride}, padding={padding}")
        if t == 0:
            report.ok(f"{name} returns (N, C_out, OH, OW) = {got.shape} for x {x.shape} and W {W.shape}")
    report.ok("its values match nnlib.Conv2d on 4 random problems: stride 1 to 3, padding 0 to 2, "
              "several images and channels, non-square images and kernels")


@exercise("07.conv2d_naive")
def check_conv2d_naive(conv2d_naive, rng, report):
    _check_conv_values(report, conv2d_naive, "conv2d_naive", rng)


# -- the speed of conv2d_fast -----------------------------------------------------------------------------

def per_pixel_work(x, W, b):
    """What a loop over output pixels costs, without computing a convolution: the same number of small NumPy
    products and sums (one per output number, on a window of the kernel's size), each stored in an array.
    conv2d_fast is timed against this."""
    n_img, _, h, w = x.shape
    c_out, _, kh, kw = W.shape
    count = n_img * c_out * (h - kh + 1) * (w - kw + 1)
    out = np.empty(count)
    for k in range(count):
        out[k] = np.sum(x[0, :, 0:kh, 0:kw] * W[0]) + b[0]
    return out


@exercise("07.conv2d_fast")
def check_conv2d_fast(conv2d_fast, rng, report):
    _check_conv_values(report, conv2d_fast, "conv2d_fast", rng)

    x, W, b = rng.standard_normal((8, 3, 28, 28)), rng.standard_normal((8, 3, 3, 3)), rng.standard_normal(8)
    what = f"x {x.shape} with {W.shape[0]} {W.shape[2]}x{W.shape[3]} kernels"
    _expect_conv(report, conv2d_fast(x, W, b, 1, 0), x, W, b, 1, 0, f"the output for {what}")
    t_loop = best_time(per_pixel_work, (x, W, b), repeat=3)
    ratio, t_fast = 0.0, float("inf")
    for _ in range(3):  # re-measure a borderline result: the machine may just be busy
        t_fast = min(t_fast, best_time(conv2d_fast, (x, W, b, 1, 0), repeat=5, budget=t_loop))
        ratio = t_loop / max(t_fast, 1e-9)
        if ratio >= SPEEDUP or ratio < SPEEDUP / 3:  # clearly fast, or clearly a loop
            break
    if ratio < SPEEDUP:
        report.fail(f"it is only {ratio:.1f}x faster than a per-pixel loop on {what} ({t_fast * 1e3:.1f} ms vs "
                    f"{t_loop * 1e3:.0f} ms; the check asks for {SPEEDUP:.0f}x): vectorize it. No Python loop over "
                    "images, channels or output positions: build all windows at once "
                    "(np.lib.stride_tricks.sliding_window_view) and contract them with W in one np.tensordot or "
                    "np.einsum, or loop only over the KH*KW offsets inside the kernel")
    report.ok(f"conv2d_fast is {ratio:.0f}x faster than a per-pixel loop on {what} "
              f"({t_fast * 1e3:.2f} ms vs {t_loop * 1e3:.0f} ms)")


# -- 5. the backward of a convolution ---------------------------------------------------------------------

def _grad_shape_cause(name, shape, x, W, dy_shape, padding) -> str | None:
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = W.shape
    oh, ow = dy_shape[2:]
    if name == "dx":
        if padding > 0 and shape == (n, c_in, h + 2 * padding, w + 2 * padding):
            return (f"that is the PADDED input's shape; x is {x.shape}. The padding is not part of x: crop "
                    f"`padding` = {padding} rows and columns off each side of the padded gradient")
        if len(shape) == 4 and shape[:2] == (n, c_in) and 0 in shape[2:] and padding == 0:
            return ("it is empty: with padding = 0 the slice [p:-p] is [0:0], which is empty; "
                    "crop with [p:p + H] (and [p:p + W]) instead")
        return "dx has the shape of x"
    if name == "dW":
        if shape == (c_in, c_out, kh, kw):
            return "its first two axes are swapped: W's layout is (C_out, C_in, KH, KW)"
        if shape == (n, c_out, c_in, kh, kw):
            return ("it holds one gradient per image: every image uses the same kernels, so their gradients "
                    "add up: sum over the batch (and over all output positions)")
        if shape == (n, c_in, kh, kw):
            return ("it was summed over the output channels instead of over the batch: each kernel W[o] gets its "
                    "own gradient, the sum over all images and positions of dy[n, o, i, j] times the window")
        return "dW has the shape of W"
    if shape == (c_out, oh, ow):
        return ("db was summed over the batch only: the bias is added at every output position too, so sum dy "
                "over the batch AND both spatial axes (axes 0, 2, 3)")
    if shape == (n, c_out):
        return "db was summed over the positions but not over the batch: sum dy over axes 0, 2 and 3"
    if shape == tuple(dy_shape):
        return "db is dy itself: the bias is one number per output channel, so sum dy over axes 0, 2 and 3"
    return "db has the shape of b, one number per output channel"


@exercise("07.conv2d_backward")
def check_conv2d_backward(conv2d_backward, rng, report):
    worst = 0.0
    for t, (stride, padding) in enumerate([(1, 0), (2, 0), (1, 1), (2, 1)]):
        x, W, b = _conv_problem(rng, stride, padding, small=True, first=t == 0)
        layer = _conv_layer(W, b, stride, padding)
        y = layer.forward(x)
        dy = rng.standard_normal(y.shape)
        args = (dy, x, W) if t == 0 else (dy, x, W, stride, padding)
        grads = expect_tuple(report, call(report, conv2d_backward, *args), "conv2d_backward", ("dx", "dW", "db"))
        problem = f"for x {x.shape}, W {W.shape}, stride={stride}, padding={padding}"
        for name, g, shape in zip(("dx", "dW", "db"), grads, (x.shape, W.shape, b.shape)):
            if isinstance(g, np.ndarray) and g.shape != shape:
                report.fail(f"{problem}: {name} has shape {g.shape}, expected {shape}: "
                            f"{_grad_shape_cause(name, g.shape, x, W, dy.shape, padding)}")
        dx, dW, db = grads
        if t == 0:
            report.ok(f"conv2d_backward returns dx {x.shape}, dW {W.shape}, db {b.shape}: the shapes of x, W, b")
        n = x.shape[0]
        num_W = numeric_gradient_array(lambda _: layer.forward(x), layer.params["W"], dy)
        num_b = numeric_gradient_array(lambda _: layer.forward(x), layer.params["b"], dy)
        num_x = numeric_gradient_array(layer.forward, x.copy(), dy)
        flipped = _conv_layer(np.ascontiguousarray(W[:, :, ::-1, ::-1]), b, stride, padding)
        averaged = (f"it is the numeric gradient divided by N = {n}: the images' contributions add up, so sum over "
                    "the batch, do not average")
        worst = max(worst, expect_gradient_diagnosed(report, dW, num_W, "dW", [
            (averaged, lambda: num_W / n),
            ("it matches the numeric gradient with the kernel axes reversed: the kernel is flipped somewhere. "
             "dW[o, c, u, v] pairs dy[n, o, i, j] with the input pixel at offset (u, v) of window (i, j)",
             lambda: num_W[:, :, ::-1, ::-1])]))
        worst = max(worst, expect_gradient_diagnosed(report, db, num_b, "db", [(averaged, lambda: num_b / n)]))
        worst = max(worst, expect_gradient_diagnosed(report, dx, num_x, "dx", [
            ("dx is the gradient of a convolution with the FLIPPED kernel: each window of dx receives dy[n, o, i, j] "
             "times W[o] as it is (not flipped)",
             lambda: numeric_gradient_array(flipped.forward, x.copy(), dy))]))
    report.ok(f"dx, dW and db match numeric gradients on 4 random problems: stride 1 and 2, padding 0 and 1 "
              f"(worst relative error {worst:.1e})")


# -- 6. max pooling ---------------------------------------------------------------------------------------

def _pool_problem(rng, t):
    """Images whose sides are multiples of k, with distinct values at least 1e-3 apart (no ties, so the
    maximum of a window is unique and a numeric gradient does not cross from one pixel to another)."""
    k = [2, 3, int(rng.integers(2, 4))][t]
    n, c = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    bh, bw = (int(v) for v in rng.choice(np.arange(2, 6), size=2, replace=False))
    shape = (n, c, k * bh, k * bw)
    size = int(np.prod(shape))
    x = (rng.permutation(size) + rng.uniform(0, 0.5, size)).reshape(shape) * (4 / size) - 2
    return x, k


def _upsample(a, k):
    return np.repeat(np.repeat(a, k, axis=2), k, axis=3)


@exercise("07.maxpool_forward")
def check_maxpool_forward(maxpool_forward, rng, report):
    for t in range(3):
        x, k = _pool_problem(rng, t)
        n, c, h, w = x.shape
        got = call(report, maxpool_forward, x, k)
        expected = MaxPool2d(k).forward(x)
        what = f"the output for x {x.shape} and k = {k}"
        if isinstance(got, np.ndarray) and got.shape != expected.shape:
            cause = (f"the windows overlap (stride 1): with kernel k the stride is k too, so each k x k block "
                     f"gives one output, {h}//{k} x {w}//{k}" if got.shape == (n, c, h - k + 1, w - k + 1)
                     else "(N, C, H//k, W//k): one output per k x k block")
            report.fail(f"{what} has shape {got.shape}, expected {expected.shape}: {cause}")
        got = expect_array(report, got, expected.shape, what)
        if t == 0:
            report.ok(f"maxpool_forward returns (N, C, H//k, W//k) = {got.shape} for x {x.shape} and k = {k}")
        expect_values(report, got, expected, "output", [
            ("the values are the window means: that is average pooling; take the maximum",
             lambda: AvgPool2d(k).forward(x)),
            ("the values are maxima over pixels k apart, not over contiguous k x k blocks: split each image axis "
             "as (blocks, k), the block index first and the position inside the block second",
             lambda: x.reshape(n, c, k, h // k, k, w // k).max(axis=(2, 4))),
        ], "each output value is the largest value of its k x k block")
    report.ok("its values are the maxima of the non-overlapping k x k blocks on 3 random inputs (k = 2 and 3)")


@exercise("07.maxpool_backward")
def check_maxpool_backward(maxpool_backward, rng, report):
    worst = 0.0
    for t in range(3):
        x, k = _pool_problem(rng, t)
        pool = MaxPool2d(k)
        y = pool.forward(x)
        dy = rng.standard_normal(y.shape)
        got = call(report, maxpool_backward, dy, x, k)
        if isinstance(got, np.ndarray) and got.shape != x.shape:
            cause = ("that is dy's shape; dx has the shape of x: every input pixel gets a gradient (0 for those that "
                     "were not a maximum)" if got.shape == dy.shape else "dx has the shape of x")
            report.fail(f"for x {x.shape} and k = {k}: dx has shape {got.shape}, expected {x.shape}: {cause}")
        got = expect_array(report, got, x.shape, "dx")
        if t == 0:
            report.ok(f"maxpool_backward returns dx with the shape of x, {x.shape}")
        num = numeric_gradient_array(pool.forward, x.copy(), dy)
        worst = max(worst, expect_gradient_diagnosed(report, got, num, "dx", [
            ("every pixel of each window received the window's gradient; only the maximum influenced the output, "
             "so only it gets dy (the others get 0)", lambda: _upsample(dy, k)),
            (f"the gradient was shared equally among the {k}x{k} pixels of each window (dy / {k * k}): that is the "
             "backward of AVERAGE pooling; max pooling sends all of dy to the window's maximum",
             lambda: _upsample(dy, k) / (k * k)),
            ("dx is 1 at each maximum and 0 elsewhere: the mask is right, now multiply it by dy (each window's dy "
             "at its maximum)", lambda: numeric_gradient_array(pool.forward, x.copy(), np.ones_like(dy))),
        ]))
    report.ok(f"dx matches the numeric gradient on 3 random inputs without ties: dy goes to each window's "
              f"maximum only (worst relative error {worst:.1e})")
