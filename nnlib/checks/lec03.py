"""Checks for exercises/03_perceptron.ipynb.

Every check draws fresh shapes and values from `rng`, so a hard-coded answer fails the hidden tests
(which use other seeds). Expected values come from the definitions as the notebook states them, from
central-difference numeric derivatives, and from properties; this module holds none of the answers
(students can read it; tests/test_checks_hold_no_answers.py tries every function here as an answer):
sigmoid and tanh are evaluated by their textbook formulas, which overflow and so are not accepted
answers; the piecewise functions by nnlib.functional; the perceptron epoch is checked one sample at a
time on points placed on a known side of the boundary, and then as the composition of those steps;
the collapsed layer is read off the stack itself (its output at 0 and at the unit vectors).
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..course.wire import Portable
from ..layers import Linear, Sequential
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


# -- the definitions, as the notebook states them ------------------------------------------------

def _sigmoid(z):
    """The textbook 1 / (1 + exp(-z)), for the moderate z the value checks use: it overflows for
    z < -709, which the checks reject (so copying it is no answer)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _tanh(z):
    """The textbook (e^z - e^-z) / (e^z + e^-z), for the moderate |z| < 300 the checks use (it is nan
    beyond); the exercise is np.tanh."""
    ez, emz = np.exp(z), np.exp(-z)
    return (ez - emz) / (ez + emz)


# The piecewise functions are one line each, and any function that gives their values is the answer;
# so their expected values come from nnlib's public API (which students may call as well: it gives
# nothing away that nnlib does not), tested on its own against PyTorch in tests/.
_relu = F.relu


def _leaky(alpha):
    return lambda z: F.leaky_relu(z, alpha)


def _elu(alpha):
    return lambda z: F.elu(z, alpha)


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


def _saturated(report, fn, name, expected, advice):
    """fn at z = [-1000, -50, 0, 50, 1000] gives the finite values `expected` (tanh saturates at ±1)."""
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(all="ignore"):   # a warning is not the point here: nan or inf in the result is
        out = call(report, fn, z)
    what = f"{name}(z) for z = [-1000, -50, 0, 50, 1000]"
    if isinstance(out, np.ndarray) and out.shape == z.shape and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        k = int(np.argmax(~np.isfinite(out)))
        report.fail(f"{what} contains {out[k]} at index ({k},), expected {expected[k]:g}: {advice}")
    out = expect_array(report, out, z.shape, what)
    expect_close(report, out, expected, what, rtol=1e-12, atol=1e-15)


@exercise("03.tanh")
def check_tanh(tanh, rng, report):
    _check_values(report, tanh, _tanh, "tanh", rng)
    _saturated(report, tanh, "tanh", np.array([-1.0, -1.0, 0.0, 1.0, 1.0]),
               "written as (e^z - e^-z) / (e^z + e^-z) it is inf / inf for large |z|; np.tanh is stable")
    report.ok("tanh saturates at -1 and 1 for z = ±1000 (finite, no nan)")


@exercise("03.tanh_derivative")
def check_tanh_derivative(tanh_derivative, rng, report):
    _check_derivative(report, tanh_derivative, _tanh, "tanh_derivative", rng)
    _saturated(report, tanh_derivative, "tanh_derivative", np.array([0.0, 0.0, 1.0, 0.0, 0.0]),
               "use 1 - np.tanh(z) ** 2 (np.tanh is stable; the exponential formula is inf / inf there)")
    report.ok("tanh_derivative is 1 at 0 and 0 for z = ±1000 (finite, no nan)")


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

# Test activations, sent into the student's neuron (as source, so they work in the grader's kernel too).
# None of them is an exercise's answer: the textbook sigmoid overflows for z < -709 (fine at these z).
NEURON_ACTIVATIONS = [
    ("sigmoid", Portable("lambda z: 1.0 / (1.0 + np.exp(-z))")),
    ("tanh", Portable("lambda z: np.tanh(z)")),
    ("square", Portable("lambda z: z ** 2")),
    ("identity", Portable("lambda z: z * 1.0")),
]


def _linear_layer(W, b):
    """An nnlib.Linear holding W (out, in) and b (out,): an implementation of x @ W.T + b that is not
    the student's (used for the neuron's weighted sum and to run stacks of layers)."""
    layer = Linear(W.shape[1], W.shape[0], init="zeros", rng=0)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    return layer


@exercise("03.neuron")
def check_neuron(neuron, rng, report):
    for name, act in NEURON_ACTIVATIONS:
        n, d = int(rng.integers(3, 12)), int(rng.integers(1, 6))
        X, w = rng.standard_normal((n, d)), rng.standard_normal(d)
        b = float(rng.uniform(0.5, 2.0) * rng.choice([-1, 1]))
        out = expect_array(report, call(report, neuron, X, w, b, act), (n,),
                           f"neuron(x, w, b, {name}) for x of shape {X.shape}")
        z = _linear_layer(w[None, :], np.array([b])).forward(X)[:, 0]
        expect_close(report, out, act(z), f"neuron output with {name}")
    report.ok("neuron returns one output per sample, shape (N,), for batches of random shapes")
    report.ok("neuron computes activation(x @ w + b) for sigmoid, tanh, z ** 2 and the identity")


# -- the perceptron ----------------------------------------------------------------------------

def _separable(rng, n, d):
    """n points in d dimensions labelled 0/1 by a random hyperplane, none within 0.05 of it."""
    u, c = rng.standard_normal(d), float(rng.standard_normal())
    X = rng.uniform(-2, 2, (4 * n, d))
    dist = (X @ u + c) / np.linalg.norm(u)
    X = X[np.abs(dist) > 0.05][:n]
    return X, (X @ u + c > 0).astype(np.int64)


def _point_with_score(rng, w, b, score):
    """A random point x with x @ w + b = score (to rounding): a random point moved along w."""
    x0 = 1.5 * rng.standard_normal(len(w))
    return x0 + (score - b - x0 @ w) * w / (w @ w)


def _unpack_epoch(report, out, d):
    w, b, m = expect_tuple(report, out, "perceptron_epoch", ("w", "b", "mistakes"))
    expect_array(report, w, (d,), "the new w")
    b = expect_number(report, b, "the new b")
    m = expect_number(report, m, "mistakes")
    if m != int(m):
        report.fail(f"mistakes should be a whole number (how many samples were misclassified), got {m}")
    return w, b, int(m)


def _check_one_sample(perceptron_epoch, rng, report, label: int, score: float):
    """An epoch over a single sample whose score x @ w + b is known: the rule's four cases by hand."""
    d = int(rng.integers(2, 5))
    w0, b0, lr = rng.standard_normal(d), float(rng.standard_normal()), float(rng.uniform(0.1, 1.0))
    x = _point_with_score(rng, w0, b0, score)
    predicted = 1 if score > 0 else 0
    w, b, m = _unpack_epoch(report, call(report, perceptron_epoch, x[None, :], np.array([label]), w0, b0, lr), d)
    what = f"one sample (label {label}, x @ w + b = {score:.3g}, so predicted {predicted})"
    if predicted == label:
        w_exp, b_exp, m_exp = w0, b0, 0
    else:                               # a mistake moves w by +lr x (a missed 1) or -lr x (a false 1)
        sign = 1.0 if label == 1 else -1.0
        w_exp, b_exp, m_exp = w0 + sign * lr * x, b0 + sign * lr, 1
    if m != m_exp:
        report.fail(f"mistakes is {m}, expected {m_exp} for {what}")
    expect_close(report, w, w_exp, f"w after one epoch over {what}")
    expect_close(report, b, b_exp, f"b after one epoch over {what}")


@exercise("03.perceptron_epoch")
def check_perceptron_epoch(perceptron_epoch, rng, report):
    # 1. One sample at a time: right or wrong, class 0 or 1 (in random order, random w, b, lr).
    cases = [(label, side) for label in (0, 1) for side in (-1.0, 1.0)]
    for k in rng.permutation(len(cases)):
        label, side = cases[k]
        _check_one_sample(perceptron_epoch, rng, report, label, side * float(rng.uniform(0.1, 2.0)))
    report.ok("perceptron_epoch returns (w, b, mistakes), leaves its inputs unchanged and applies the rule to "
              "a single sample (all four cases: each label, predicted right or wrong)")
    # 2. A whole epoch is those steps in order, each from the weights the previous one left.
    for trial in range(3):
        n, d = int(rng.integers(15, 40)), int(rng.integers(2, 5))
        X, y = _separable(rng, n, d)
        w0, b0 = rng.standard_normal(d), float(rng.standard_normal())
        lr = float(rng.uniform(0.1, 1.0))
        w, b, m = _unpack_epoch(report, call(report, perceptron_epoch, X, y, w0, b0, lr), d)
        w_seq, b_seq, m_seq = w0, b0, 0
        for i in range(n):
            w_seq, b_seq, m_i = _unpack_epoch(report, call(report, perceptron_epoch, X[i:i + 1], y[i:i + 1],
                                                           w_seq, b_seq, lr), d)
            m_seq += m_i
        if m != m_seq:
            report.fail(f"mistakes is {m}, expected {m_seq} for one pass over {n} samples "
                        "(count the samples whose prediction was wrong when they were visited)")
        expect_close(report, w, w_seq, "w after one epoch")
        expect_close(report, b, b_seq, "b after one epoch")
    report.ok("one epoch equals its samples visited one by one, in order, each seeing the weights the previous "
              "update left (3 random data sets, random w, b, learning rate)")
    # 3. On separable data the epochs reach 0 mistakes.
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
        # The single layer, read off the stack: its output at x = 0 is b, and at the unit vector e_j
        # it is W[:, j] + b.
        stack = Sequential(*[_linear_layer(Wk, bk) for Wk, bk in zip(Ws, bs)])
        b_ref = stack.forward(np.zeros((1, widths[0])))[0]
        W_ref = (stack.forward(np.eye(widths[0])) - b_ref).T
        expect_close(report, W, W_ref, f"W ({what})")
        expect_close(report, b, b_ref, f"b ({what})")
        X = rng.standard_normal((int(rng.integers(5, 20)), widths[0]))
        expect_close(report, X @ W.T + b, stack.forward(X), f"x @ W.T + b vs the stack ({what})")
        depth_seen.append(len(Ws))
    report.ok("collapse returns W of shape (last width, first width) and b of shape (last width,)")
    report.ok(f"one layer (W, b) gives the same outputs as stacks of depth {sorted(set(depth_seen))} "
              "with random widths")
