"""Checks for exercises/03_perceptron.ipynb.

Every check draws fresh shapes and values from `rng`, so a hard-coded answer fails the hidden tests
(which use other seeds). Expected values come from formulas written out here (not from
nnlib.functional, which students may call) and from central-difference numeric derivatives.
"""
from __future__ import annotations

import numpy as np

from . import call, exercise, expect_array, expect_close, expect_gradient, expect_number, expect_tuple

H = 1e-6  # step of the central differences (roundoff ~1e-10 absolute, hence tolerance 1e-6 relative)


def _random_z(rng, scale=2.5, gap=1e-3):
    """A random array of 1 to 3 axes, values ~ N(0, scale²), none within `gap` of the kink at 0."""
    shape = (1,)
    while np.prod(shape) < 6:   # enough values that not all of them sit where the derivative is tiny
        shape = tuple(int(n) for n in rng.integers(2, 6, size=int(rng.integers(1, 4))))
    z = scale * rng.standard_normal(shape)
    z = np.where(np.abs(z) < gap, np.sign(z + 1e-12) * gap * 10, z)
    return z


def _numeric_derivative(f, z):
    """Elementwise derivative of an elementwise function f, by central differences."""
    return (f(z + H) - f(z - H)) / (2 * H)


def _check_values(report, fn, f_ref, name, rng, *extra, what=None):
    """fn(z, *extra) keeps z's shape and matches f_ref on 3 random arrays; returns nothing."""
    for trial in range(3):
        z = _random_z(rng)
        out = expect_array(report, call(report, fn, z, *extra), z.shape, f"{name}(z) for z of shape {z.shape}")
        expect_close(report, out, f_ref(z), f"{name}(z)", rtol=1e-9, atol=1e-12)
    report.ok(what or f"{name} keeps the input's shape and matches its formula on 3 random arrays")


def _check_derivative(report, dfn, f_ref, name, rng, alpha=None, tol=1e-6):
    """dfn(z) (or dfn(z, alpha)) keeps z's shape and matches the numeric derivative of f_ref on 3 random arrays."""
    extra = () if alpha is None else (alpha,)
    label = f"{name}(z)" if alpha is None else f"{name}(z, alpha={alpha:.3f})"
    worst = 0.0
    for trial in range(3):
        z = _random_z(rng)
        out = call(report, dfn, z, *extra)
        expect_array(report, out, z.shape, f"{label} for z of shape {z.shape}")
        worst = max(worst, expect_gradient(report, out, _numeric_derivative(f_ref, z), label, tol=tol))
    if alpha is None:
        report.ok(f"{name} keeps the shape and matches the numeric derivative on 3 random arrays "
                  f"(worst relative error {worst:.1e})")
    else:
        report.ok(f"{name}(z, alpha) uses the alpha it is given (alpha = {alpha:.3f})")


# -- reference formulas, written independently of nnlib.functional ----------------------------

def _sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _tanh(z):
    e2 = np.exp(-2.0 * np.abs(z))
    return np.sign(z) * (1.0 - e2) / (1.0 + e2)


def _leaky(alpha):
    return lambda z: np.where(z > 0, z, alpha * z)


def _elu(alpha):
    return lambda z: np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0.0)) - 1.0))


def _no_overflow(report, fn, name):
    """fn at z = ±1000 must not overflow and must give finite values; returns the output."""
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    try:
        with np.errstate(over="raise", invalid="raise"):
            out = call(report, fn, z)
    except FloatingPointError as exc:
        report.fail(f"{name} overflows for large |z| ({exc} at z = ±1000): np.exp of a large positive "
                    "number is inf. Only call np.exp on values <= 0, e.g. np.exp(-np.abs(z)).")
    return expect_array(report, out, z.shape, f"{name}(z) for z = [-1000, -50, 0, 50, 1000]")


@exercise("03.sigmoid")
def check_sigmoid(sigmoid, rng, report):
    _check_values(report, sigmoid, _sigmoid, "sigmoid", rng)
    out = _no_overflow(report, sigmoid, "sigmoid")
    expect_close(report, out, [0.0, _sigmoid(np.array(-50.0)), 0.5, _sigmoid(np.array(50.0)), 1.0],
                 "sigmoid(z) at z = [-1000, -50, 0, 50, 1000]", rtol=1e-9, atol=1e-300)
    report.ok("sigmoid(±1000) gives 0 and 1 without overflow warnings")


@exercise("03.sigmoid_derivative")
def check_sigmoid_derivative(sigmoid_derivative, rng, report):
    _check_derivative(report, sigmoid_derivative, _sigmoid, "sigmoid_derivative", rng)
    out = _no_overflow(report, sigmoid_derivative, "sigmoid_derivative")
    expect_close(report, out[[0, 2, 4]], [0.0, 0.25, 0.0], "sigmoid_derivative(z) at z = [-1000, 0, 1000]",
                 rtol=1e-9, atol=1e-300)
    report.ok("sigmoid_derivative is 1/4 at 0 and 0 at ±1000, without overflow")


@exercise("03.tanh")
def check_tanh(tanh, rng, report):
    _check_values(report, tanh, _tanh, "tanh", rng)


@exercise("03.tanh_derivative")
def check_tanh_derivative(tanh_derivative, rng, report):
    _check_derivative(report, tanh_derivative, _tanh, "tanh_derivative", rng)


def _relu(z):
    return np.where(z > 0, z, 0.0)


@exercise("03.relu")
def check_relu(relu, rng, report):
    _check_values(report, relu, _relu, "relu", rng)


@exercise("03.relu_derivative")
def check_relu_derivative(relu_derivative, rng, report):
    _check_derivative(report, relu_derivative, _relu, "relu_derivative", rng)
    z = np.array([-2.0, -1e-3, 0.0, 1e-3, 2.0])
    out = expect_array(report, call(report, relu_derivative, z), z.shape, "relu_derivative(z)")
    expect_close(report, out, [0.0, 0.0, 0.0, 1.0, 1.0], "relu_derivative(z) at z = [-2, -0.001, 0, 0.001, 2]")
    report.ok("relu_derivative is 1 for z > 0 and 0 for z <= 0 (0 at the kink, as in PyTorch)")


@exercise("03.leaky_relu")
def check_leaky_relu(leaky_relu, rng, report):
    _check_values(report, leaky_relu, _leaky(0.01), "leaky_relu", rng,
                  what="leaky_relu keeps the shape and matches its formula with the default alpha = 0.01")
    alpha = float(rng.uniform(0.05, 0.5))
    _check_values(report, leaky_relu, _leaky(alpha), "leaky_relu", rng, alpha,
                  what=f"leaky_relu(z, alpha) uses the alpha it is given (alpha = {alpha:.3f})")


@exercise("03.leaky_relu_derivative")
def check_leaky_relu_derivative(leaky_relu_derivative, rng, report):
    _check_derivative(report, leaky_relu_derivative, _leaky(0.01), "leaky_relu_derivative", rng)
    alpha = float(rng.uniform(0.05, 0.5))
    _check_derivative(report, leaky_relu_derivative, _leaky(alpha), "leaky_relu_derivative", rng, alpha)


@exercise("03.elu")
def check_elu(elu, rng, report):
    _check_values(report, elu, _elu(1.0), "elu", rng,
                  what="elu keeps the shape and matches its formula with the default alpha = 1")
    alpha = float(rng.uniform(0.2, 2.0))
    _check_values(report, elu, _elu(alpha), "elu", rng, alpha,
                  what=f"elu(z, alpha) uses the alpha it is given (alpha = {alpha:.3f})")


@exercise("03.elu_derivative")
def check_elu_derivative(elu_derivative, rng, report):
    _check_derivative(report, elu_derivative, _elu(1.0), "elu_derivative", rng)
    alpha = float(rng.uniform(0.2, 2.0))
    _check_derivative(report, elu_derivative, _elu(alpha), "elu_derivative", rng, alpha)


# -- a neuron ----------------------------------------------------------------------------------

@exercise("03.neuron")
def check_neuron(neuron, rng, report):
    activations = [("sigmoid", _sigmoid), ("tanh", np.tanh), ("relu", _relu), ("identity", lambda z: z * 1.0)]
    for name, act in activations:
        n, d = int(rng.integers(3, 12)), int(rng.integers(1, 6))
        X, w = rng.standard_normal((n, d)), rng.standard_normal(d)
        b = float(rng.uniform(0.5, 2.0) * rng.choice([-1, 1]))
        out = expect_array(report, call(report, neuron, X, w, b, act), (n,),
                           f"neuron(x, w, b, {name}) for x of shape {X.shape}")
        expect_close(report, out, act(X @ w + b), f"neuron output with {name}")
    report.ok("neuron returns one output per sample, shape (N,), for batches of random shapes")
    report.ok("neuron computes activation(x @ w + b) for sigmoid, tanh, relu and identity")


# -- the perceptron ----------------------------------------------------------------------------

def _separable(rng, n, d):
    """n points in d dimensions labelled 0/1 by a random hyperplane, none within 0.05 of it."""
    u, c = rng.standard_normal(d), float(rng.standard_normal())
    X = rng.uniform(-2, 2, (4 * n, d))
    dist = (X @ u + c) / np.linalg.norm(u)
    X = X[np.abs(dist) > 0.05][:n]
    return X, (X @ u + c > 0).astype(np.int64)


def _reference_epoch(X, y, w, b, lr):
    w, mistakes = w.astype(np.float64).copy(), 0
    for x_n, y_n in zip(X, y):
        y_hat = 1 if x_n @ w + b > 0 else 0
        if y_hat != y_n:
            w = w + lr * (y_n - y_hat) * x_n
            b = b + lr * (y_n - y_hat)
            mistakes += 1
    return w, b, mistakes


def _unpack_epoch(report, out, d):
    w, b, m = expect_tuple(report, out, "perceptron_epoch", ("w", "b", "mistakes"))
    expect_array(report, w, (d,), "the new w")
    b = expect_number(report, b, "the new b")
    m = expect_number(report, m, "mistakes")
    if m != int(m):
        report.fail(f"mistakes should be a whole number (how many samples were misclassified), got {m}")
    return w, b, int(m)


@exercise("03.perceptron_epoch")
def check_perceptron_epoch(perceptron_epoch, rng, report):
    for trial in range(3):
        n, d = int(rng.integers(15, 40)), int(rng.integers(2, 5))
        X, y = _separable(rng, n, d)
        w0, b0 = rng.standard_normal(d), float(rng.standard_normal())
        lr = float(rng.uniform(0.1, 1.0))
        w, b, m = _unpack_epoch(report, call(report, perceptron_epoch, X, y, w0, b0, lr), d)
        w_ref, b_ref, m_ref = _reference_epoch(X, y, w0, b0, lr)
        if trial == 0:
            report.ok("perceptron_epoch returns (w, b, mistakes) and leaves its inputs unchanged")
        if m != m_ref:
            report.fail(f"mistakes is {m}, expected {m_ref} for one pass over {n} samples "
                        "(count the samples whose prediction was wrong when they were visited)")
        expect_close(report, w, w_ref, "w after one epoch")
        expect_close(report, b, b_ref, "b after one epoch")
    report.ok("one epoch matches the sample-by-sample perceptron rule on 3 random data sets "
              "(random w, b, learning rate)")
    X, y = _separable(rng, 30, 2)
    w, b = np.zeros(2), 0.0
    for epoch in range(200):
        w, b, m = _unpack_epoch(report, call(report, perceptron_epoch, X, y, w, b, 1.0), 2)
        if m == 0:
            break
    else:
        report.fail("on linearly separable data the epochs never reached 0 mistakes within 200 epochs")
    report.ok(f"repeated epochs on separable data reach 0 mistakes (after {epoch + 1} epochs)")


# -- the linear collapse -----------------------------------------------------------------------

def _stack(rng, widths):
    Ws = [rng.standard_normal((widths[k + 1], widths[k])) / np.sqrt(widths[k]) for k in range(len(widths) - 1)]
    bs = [rng.standard_normal(widths[k + 1]) for k in range(len(widths) - 1)]
    return Ws, bs


def _forward(Ws, bs, X):
    for W, b in zip(Ws, bs):
        X = X @ W.T + b
    return X


@exercise("03.collapse")
def check_collapse(collapse, rng, report):
    depth_seen = []
    for trial in range(4):
        if trial == 0:   # square layers first: mistakes in the order show up as wrong values, not errors
            width = int(rng.integers(2, 5))
            widths = [width] * 4
        else:
            depth = int(rng.integers(1, 6)) if trial > 1 else 1
            widths = [int(k) for k in rng.integers(1, 7, size=depth + 1)]
        Ws, bs = _stack(rng, widths)
        out = call(report, collapse, [W.copy() for W in Ws], [b.copy() for b in bs])
        W, b = expect_tuple(report, out, "collapse", ("W", "b"))
        what = f"{len(Ws)} layers with widths {widths}"
        expect_array(report, W, (widths[-1], widths[0]), f"W for {what}")
        expect_array(report, b, (widths[-1],), f"b for {what}")
        W_ref, b_ref = Ws[0], bs[0]
        for Wk, bk in zip(Ws[1:], bs[1:]):
            W_ref, b_ref = Wk @ W_ref, Wk @ b_ref + bk
        expect_close(report, W, W_ref, f"W ({what})")
        expect_close(report, b, b_ref, f"b ({what})")
        X = rng.standard_normal((int(rng.integers(5, 20)), widths[0]))
        expect_close(report, X @ W.T + b, _forward(Ws, bs, X), f"x @ W.T + b vs the stack ({what})")
        depth_seen.append(len(Ws))
    report.ok("collapse returns W of shape (last width, first width) and b of shape (last width,)")
    report.ok(f"one layer (W, b) gives the same outputs as stacks of depth {sorted(set(depth_seen))} "
              "with random widths")
