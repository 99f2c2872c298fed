"""Checks for exercises/04_forward_propagation.ipynb.

Every check draws a fresh problem from `rng` (random sizes and values), so a hard-coded answer or a
shape-specific hack fails the hidden tests, which use other seeds. Expected values never come from
the student's other answers, and this module holds none of the answers (students can read it):
layers are computed by nnlib.Linear and nnlib.Sequential (as the notebook's last part does),
softmax by its textbook formula (which overflows, so it is no answer) on logits whose per-row shift
is known by construction, and parameter counts by nnlib.count_params.
"""
from __future__ import annotations

import numpy as np

from ..course.wire import Portable
from ..layers import Linear, ReLU, Sequential, Sigmoid, Tanh, count_params
from . import best_time, call, exercise, expect_array, expect_close, expect_number

# Named activations, sent into the student's functions as source (so they also work in the grader's
# kernel), so a failure message can say which one was in play. With each, nnlib's layer of the same
# function, for the expected values.
ACTIVATIONS = {
    "tanh": Portable("lambda z: np.tanh(z)"),
    "sigmoid": Portable("lambda z: 1.0 / (1.0 + np.exp(-z))"),   # the textbook form: fine at these z
    "relu": Portable("lambda z: np.maximum(z, 0.0)"),
}
LAYERS = {"tanh": Tanh, "sigmoid": Sigmoid, "relu": ReLU}


def _layer(rng, d, k):
    """A random layer: W (k, d) — one row per neuron — and b (k,), biases clearly non-zero."""
    W = rng.standard_normal((k, d))
    b = rng.uniform(0.5, 1.5, k) * rng.choice([-1.0, 1.0], k)
    return W, b


def _linear(W, b):
    """nnlib.Linear holding W (one row per neuron) and b: the weighted sums, by nnlib rather than the student."""
    layer = Linear(W.shape[1], W.shape[0], init="zeros", rng=0)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    return layer


def _sizes_distinct(rng, low, high, n):
    """n distinct ints in [low, high)."""
    return [int(v) for v in rng.choice(np.arange(low, high), size=n, replace=False)]


@exercise("04.dense_one")
def check_dense_one(dense_one, rng, report):
    d, k = _sizes_distinct(rng, 2, 8, 2)  # k != d, so a transposed W cannot give the right shape
    for trial, name in enumerate(("tanh", "relu")):
        f = ACTIVATIONS[name]
        W, b = _layer(rng, d, k)
        x = rng.standard_normal(d)
        try:
            out = call(report, dense_one, x, W, b, f)
        except ValueError as exc:
            if "matmul" not in str(exc) and "shapes" not in str(exc):
                raise
            report.fail(f"it raised ValueError ({str(exc).splitlines()[0][:90]}...) for x of shape ({d},) and W of "
                        f"shape ({k}, {d}): W's rows are neurons, so W @ x (not W.T @ x or x @ W) has shape ({k},)")
        if isinstance(out, np.ndarray) and out.shape == (d,):
            report.fail(f"the output has shape ({d},) (one value per input), expected ({k},) (one per neuron): "
                        f"W has shape {W.shape}, one row per neuron, so compute W @ x, not W.T @ x")
        if isinstance(out, np.ndarray) and out.shape == (1, k) or isinstance(out, np.ndarray) and out.shape == (k, 1):
            report.fail(f"the output has shape {out.shape}, expected ({k},): keep x a vector of shape ({d},)")
        out = expect_array(report, out, (k,), "the output")
        if trial == 0:
            report.ok(f"dense_one maps x of shape ({d},) through W of shape ({k}, {d}) to ({k},): one value per neuron")
        z = _linear(W, b).forward(x[None, :])[0]       # the weighted sums plus the biases
        expected = f(z)
        if not np.allclose(out, expected):  # name the classic slips before showing numbers
            if np.allclose(out, f(z - b) + b):
                report.fail("the activation is applied before the bias is added: compute f(W @ x + b), not f(W @ x) + b")
            if np.allclose(out, f(z - b)):
                report.fail("the bias is missing: every neuron adds its own b[k] to its weighted sum")
            if np.allclose(out, z):
                report.fail(f"the activation f ({name} here) is not applied: return f(W @ x + b)")
        expect_close(report, out, expected, f"the output with f = {name}")
    report.ok("dense_one computes f(W @ x + b): each neuron's weighted sum plus its bias, then the activation")


@exercise("04.dense_batch")
def check_dense_batch(dense_batch, rng, report):
    # A square W first: X @ W then has the right shape, and only the values can tell.
    n, d, k2 = _sizes_distinct(rng, 3, 12, 3)
    for trial, k in enumerate((d, k2)):
        f = ACTIVATIONS["tanh"]
        W, b = _layer(rng, d, k)
        X = rng.standard_normal((n, d))
        out = call(report, dense_batch, X, W, b, f)
        if isinstance(out, np.ndarray) and out.shape == (k, n) and n != k:
            report.fail(f"the output has shape ({k}, {n}), expected ({n}, {k}): rows must be samples and columns "
                        f"neurons — W @ X.T gives one row per neuron; use X @ W.T (or transpose the result)")
        out = expect_array(report, out, (n, k), "the output")
        if trial == 0:
            report.ok(f"dense_batch maps X of shape ({n}, {d}) through W of shape ({k}, {d}) to ({n}, {k}): one row per sample")
        Z = _linear(W, b).forward(X)
        expected = f(Z)
        if not np.allclose(out, expected):
            if k == d and np.allclose(out, f(_linear(W.T, b).forward(X))):
                report.fail("the values are those of X @ W: W's rows are neurons, so each sample meets W's rows "
                            "through X @ W.T (with a square W, X @ W has the right shape but the wrong numbers)")
            if np.allclose(out, f(Z - b)):
                report.fail("the bias is missing: add b (shape (K,)), which broadcasts over the N rows")
            if np.allclose(out, Z):
                report.fail("the activation f is not applied: return f(X @ W.T + b)")
        expect_close(report, out, expected, "the output")
        if trial == 0:
            report.ok(f"row n of the output is the layer applied to sample X[n] (checked with a square W, {d}x{d})")
    report.ok("dense_batch matches a loop over the samples, for square and rectangular W")

    # Speed: sizes small enough that the matrix product stays single-threaded, so a busy machine
    # slows both sides alike; the vectorized form is ~50x faster here, a loop ~1x.
    n, d, k = 2000, int(rng.integers(8, 13)), int(rng.integers(4, 9))
    W, b = _layer(rng, d, k)
    X = rng.standard_normal((n, d))
    f = ACTIVATIONS["tanh"]
    dense_batch(X, W, b, f)  # warm up
    yours = best_time(dense_batch, (X, W, b, f), repeat=5)
    loop = best_time(lambda: np.stack([f(W @ x + b) for x in X]))
    ratio = loop / max(yours, 1e-9)
    if ratio < 4:
        report.fail(f"on {n} samples it takes {yours * 1e3:.1f} ms, a loop over the samples {loop * 1e3:.1f} ms "
                    f"(only {ratio:.1f}x faster); do the whole batch with one matrix product, no Python loop")
    report.ok(f"dense_batch is vectorized: {ratio:.0f}x faster than a loop over {n} samples")


def _softmax_ref(Z):
    """The textbook formula exp(z_j) / sum_i exp(z_i), row by row. It overflows for large logits, which
    the check rejects; here it only runs on moderate ones."""
    out = np.empty_like(Z)
    for n, z in enumerate(Z):
        e = np.exp(z)
        out[n] = e / e.sum()
    return out


@exercise("04.softmax")
def check_softmax(softmax, rng, report):
    n, c = _sizes_distinct(rng, 3, 9, 2)  # n != c, so the two axes cannot be confused silently
    Z = 3 * rng.standard_normal((n, c))
    out = expect_array(report, call(report, softmax, Z), (n, c), "softmax(Z)")
    report.ok(f"softmax keeps the shape: ({n}, {c}) -> ({n}, {c})")
    if np.any(out < 0):
        report.fail("softmax gave a negative probability; exp(z) is always positive")
    sums = out.sum(axis=1)
    if not np.allclose(sums, 1.0):
        i = int(np.argmax(np.abs(sums - 1.0)))
        hint = (" (its columns do: normalise each row, sum over axis=1 with keepdims=True)"
                if np.allclose(out.sum(axis=0), 1.0) else "")
        report.fail(f"row {i} sums to {sums[i]:.6g}, not 1: each row is one sample's distribution{hint}")
    report.ok("every row is a probability distribution (non-negative, sums to 1)")
    expect_close(report, out, _softmax_ref(Z), "softmax(Z)")
    report.ok("softmax matches exp(z_j) / sum_i exp(z_i) row by row")

    # Huge logits: exp(1000) overflows to inf, so the naive formula gives nan.
    # Built as moderate logits (at most 0) plus a known shift per row, which softmax ignores.
    moderate = -np.column_stack([np.zeros(3), rng.uniform(0.5, 3, 3), [rng.uniform(2, 4), rng.uniform(3, 6), 2000.0]])
    shift = np.array([1000.0, -1000.0, 1000.0])
    cols = rng.permutation(3)
    big, expected = (moderate + shift[:, None])[:, cols], _softmax_ref(moderate)[:, cols]
    with np.errstate(all="ignore"):
        out = call(report, softmax, big)
    if isinstance(out, np.ndarray) and out.shape == big.shape and not np.all(np.isfinite(out)):
        report.fail("with logits of size 1000 softmax returns nan/inf: exp(1000) overflows; subtract each row's "
                    "max first (z - z.max(axis=1, keepdims=True)), which leaves the result unchanged")
    out = expect_array(report, out, big.shape, "softmax of large logits")
    expect_close(report, out, expected, "softmax of logits ±1000", atol=1e-12)
    report.ok("softmax is stable: logits of ±1000 give finite, correct probabilities")


@exercise("04.forward")
def check_forward(forward, rng, report):
    depth = int(rng.integers(2, 5))
    sizes = [int(s) for s in rng.integers(2, 9, depth + 1)]
    names = [str(rng.choice(["tanh", "relu"])) for _ in range(depth - 1)] + ["sigmoid"]
    params = [_layer(rng, d, k) for d, k in zip(sizes[:-1], sizes[1:])]
    n = int(rng.integers(3, 10))
    X = rng.standard_normal((n, sizes[0]))
    layers = [(W.copy(), b.copy(), ACTIVATIONS[name]) for (W, b), name in zip(params, names)]
    out = call(report, forward, X, layers)
    # `layers` now holds the arrays as the call left them (in the grader too: the wire copies them back)
    for i, ((W, b, _), (W0, b0)) in enumerate(zip(layers, params)):
        if not (np.array_equal(W, W0) and np.array_equal(b, b0)):
            report.fail(f"it modified the weights or bias of layer {i} in place; compute new arrays instead")
    out = expect_array(report, out, (n, sizes[-1]), "the output")
    arch = " -> ".join(str(s) for s in sizes)
    report.ok(f"forward runs {depth} layers ({arch}) and returns shape ({n}, {sizes[-1]})")

    # The same network in nnlib, and the two classic slips: the last activation left out or applied twice.
    modules = []
    for (W, b), name in zip(params, names):
        modules += [_linear(W, b), LAYERS[name]()]
    expected = Sequential(*modules).forward(X)
    if not np.allclose(out, expected):
        z_last = Sequential(*modules[:-1]).forward(X)
        if np.allclose(out, z_last):
            report.fail(f"the last layer's activation ({names[-1]}) is not applied: every layer, the last one too, "
                        "computes f(a @ W.T + b)")
        f = ACTIVATIONS[names[-1]]
        if np.allclose(out, f(f(z_last))):
            report.fail(f"the last layer's activation ({names[-1]}) is applied twice")
    expect_close(report, out, expected, "the output")
    report.ok(f"forward computes f_2(f_1(X @ W_1.T + b_1) @ W_2.T + b_2) and so on, with activations {names}")


@exercise("04.count_parameters")
def check_count_parameters(count_parameters, rng, report):
    def expected(sizes):   # the network itself, built in nnlib and counted by it
        return count_params(Sequential(*[Linear(a, b, init="zeros", rng=0) for a, b in zip(sizes[:-1], sizes[1:])]))

    def ask(sizes):
        got = call(report, count_parameters, list(sizes))
        value = expect_number(report, got, f"count_parameters({sizes})")
        if value != int(value):
            report.fail(f"count_parameters({sizes}) is {value}, not a whole number")
        value = int(value)
        want = expected(sizes)
        if value != want:
            weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
            hint = ""
            if value == weights:
                hint = ": that counts the weights only; every neuron also has one bias"
            elif value == weights + sum(sizes):
                hint = ": the input features have no bias, only the neurons of each layer do"
            elif value == weights + sum(sizes[:-1]):
                hint = ": each layer has one bias per neuron (per output), not per input"
            report.fail(f"count_parameters({sizes}) is {value}, expected {want}{hint}")
        return value

    ask([784, 16, 16, 10])
    report.ok("count_parameters([784, 16, 16, 10]) is 13002")
    for _ in range(3):
        depth = int(rng.integers(1, 6))
        ask([int(s) for s in rng.integers(1, 500, depth + 1)])
    report.ok("count_parameters is right on 3 random architectures (weights and biases of every layer)")
