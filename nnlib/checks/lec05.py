"""Checks for exercises/05_backpropagation.ipynb.

Every backward is graded against numeric gradients (central differences in float64) on random
shapes drawn from `rng`, so a transposed product, a missing 1/N or a wrong mask shows up as a named
worst element; softmax_ce_backward also on logits shifted by ~1000 (same gradient, no overflow allowed).
grad_check receives its test functions as wire.Portable (source and data), so that a grader can send them to
the student's kernel.

train_epoch is graded by properties, not against a training loop written here: an epoch with one batch of all
samples must be one gradient step, params - lr * (numeric gradient of the mean loss), returning the loss before
it; an epoch with several batches must equal the student's own one-batch epochs applied to the batches of
batches(X, y, batch_size, rng=rng) in the order that rng gives, and return their mean loss weighted by batch
size.

momentum_step and adam_step are run for several steps on a random Linear layer's W and b with random gradients,
starting from zero state, and compared after every step with nnlib.SGD(momentum=...) and nnlib.Adam stepping the
same layer (its .grads set to the same gradients). The first step from zero state tells the common mistakes
apart: a sign flip, no bias correction, t counted from 0 or 2, a missing square root, eps inside the root; each
is named by comparing the student's first step with nnlib (Adam run with its step counter moved) or with the
size of the step that mistake makes.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..data import batches
from ..course.wire import Portable
from ..gradcheck import numeric_gradient, numeric_gradient_array, rel_error
from ..layers import Linear, ReLU, Sequential, Tanh
from ..losses import SoftmaxCrossEntropy
from ..optim import SGD, Adam
from . import call, exercise, expect_array, expect_close, expect_gradient, expect_number, expect_tuple, index_str


def _off_kinks(rng, shape, margin=0.05):
    """Standard normal values with none closer than `margin` to 0 (ReLU's kink)."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * (margin + np.abs(x)), x)


def _ce(logits, labels):
    return -np.mean(F.log_softmax(logits)[np.arange(len(labels)), labels])


@exercise("05.linear_backward")
def check_linear_backward(linear_backward, rng, report):
    worst = 0.0
    for trial in range(3):
        n, d_in, d_out = (int(v) for v in rng.integers(2, 7, size=3))
        if trial == 0:
            d_in, d_out = d_out + 1, d_out  # never square on the first try, so a transpose shows
        x, W, b = rng.standard_normal((n, d_in)), rng.standard_normal((d_out, d_in)), rng.standard_normal(d_out)
        dy = rng.standard_normal((n, d_out))
        dx, dW, db = expect_tuple(report, call(report, linear_backward, dy, x, W), "linear_backward", ("dx", "dW", "db"))
        expect_array(report, dx, x.shape, "dx")
        expect_array(report, dW, W.shape, "dW")
        expect_array(report, db, b.shape, "db")
        if trial == 0:
            report.ok(f"linear_backward returns dx {x.shape}, dW {W.shape}, db {b.shape}: the shapes of x, W, b")
        num_x = numeric_gradient_array(lambda x_: x_ @ W.T + b, x.copy(), dy)
        num_W = numeric_gradient_array(lambda W_: x @ W_.T + b, W.copy(), dy)
        num_b = numeric_gradient_array(lambda b_: x @ W.T + b_, b.copy(), dy)
        worst = max(worst, expect_gradient(report, dW, num_W, "dW"), expect_gradient(report, db, num_b, "db"),
                    expect_gradient(report, dx, num_x, "dx"))
    report.ok(f"dx, dW and db match numeric gradients on 3 random layers (worst relative error {worst:.1e})")


def _elementwise(report, fn, name, forward, rng, use_output):
    worst = 0.0
    for trial in range(3):
        shape = tuple(int(v) for v in rng.integers(2, 7, size=2))
        x = _off_kinks(rng, shape) * 2
        dy = rng.standard_normal(shape)
        arg = forward(x) if use_output else x
        dx = expect_array(report, call(report, fn, dy, arg), shape, "dx")
        if trial == 0:
            report.ok(f"{name} returns dx with the shape of x, {shape}")
        worst = max(worst, expect_gradient(report, dx, numeric_gradient_array(forward, x.copy(), dy), "dx"))
    report.ok(f"{name} matches the numeric gradient on 3 random inputs (worst relative error {worst:.1e})")


@exercise("05.relu_backward")
def check_relu_backward(relu_backward, rng, report):
    _elementwise(report, relu_backward, "relu_backward", lambda x: np.maximum(x, 0), rng, use_output=False)


@exercise("05.sigmoid_backward")
def check_sigmoid_backward(sigmoid_backward, rng, report):
    _elementwise(report, sigmoid_backward, "sigmoid_backward", F.sigmoid, rng, use_output=True)


@exercise("05.softmax_ce_backward")
def check_softmax_ce_backward(softmax_ce_backward, rng, report):
    worst = 0.0
    for trial in range(3):
        n, c = int(rng.integers(2, 9)), int(rng.integers(2, 6))
        logits = 2 * rng.standard_normal((n, c))
        labels = rng.integers(0, c, size=n)
        d = expect_array(report, call(report, softmax_ce_backward, logits, labels), logits.shape, "dlogits")
        if trial == 0:
            report.ok(f"softmax_ce_backward returns dlogits with the shape of the logits, {logits.shape}")
        num = numeric_gradient(lambda z: _ce(z, labels), logits.copy())
        worst = max(worst, expect_gradient(report, d, num, "dlogits"))
    report.ok(f"dlogits matches the numeric gradient of the MEAN loss on 3 random batches "
              f"(worst relative error {worst:.1e})")
    # Shifting a row of logits by a constant changes neither the loss nor its gradient; large logits must not
    # overflow in exp (subtract each row's max first).
    n, c = int(rng.integers(2, 9)), int(rng.integers(2, 6))
    logits, labels = 2 * rng.standard_normal((n, c)), rng.integers(0, c, size=n)
    shift = rng.uniform(700, 1000, size=(n, 1))
    d = call(report, softmax_ce_backward, logits + shift, labels)
    what = f"dlogits for logits around {shift.min():.0f} to {shift.max():.0f}"
    if isinstance(d, np.ndarray) and d.shape == logits.shape and d.dtype.kind == "f" and not np.all(np.isfinite(d)):
        bad = np.unravel_index(np.argmax(~np.isfinite(d)), d.shape)
        report.fail(f"{what} (each row of a random batch shifted by a constant, which changes neither the loss nor its "
                    f"gradient): dlogits{list(int(i) for i in bad)} is {d[bad]}. np.exp of such logits overflows to "
                    "inf (and inf / inf is nan): subtract each row's max before np.exp, softmax(z) = softmax(z - max)")
    num = numeric_gradient(lambda z: _ce(z, labels), logits.copy())  # the gradient is the same at logits + shift
    err = expect_gradient(report, d, num, what)
    report.ok(f"with every row shifted by a constant around 700 to 1000, dlogits stays finite and unchanged "
              f"(relative error {err:.1e}): no overflow in exp")


@exercise("05.grad_check")
def check_grad_check(grad_check, rng, report):
    tol = 1e-8
    shape = tuple(int(v) for v in rng.integers(2, 6, size=2))
    B = rng.standard_normal((shape[1], int(rng.integers(2, 5)))) / np.sqrt(shape[1])  # tanh(X @ B) not saturated
    # The test functions are Portable (source and data), so that they can be sent to a kernel that runs grad_check.
    problems = [
        ("f(x) = sum(x**3 + sin(x))", Portable("lambda x: np.sum(x ** 3 + np.sin(x))"),
         lambda x: 3 * x ** 2 + np.cos(x), rng.uniform(-2, 2, size=int(rng.integers(3, 8)))),
        ("f(X) = sum(tanh(X @ B))", Portable("lambda X: np.sum(np.tanh(X @ B))", B=B),
         lambda X: (1 - np.tanh(X @ B) ** 2) @ B.T, rng.standard_normal(shape)),
        ("f(x) = sum(exp(x))", Portable("lambda x: np.sum(np.exp(x))"), np.exp, rng.uniform(0.5, 2.5, size=shape)),
    ]
    worst = 0.0
    for i, (desc, f, exact, x) in enumerate(problems):
        got = expect_array(report, call(report, grad_check, f, x), x.shape, "the numeric gradient")
        if i == 0:
            report.ok("grad_check returns an array with the shape of x and leaves x unchanged")
        err = rel_error(got, exact(x))
        if not err <= tol:
            report.fail(f"for {desc} the result differs from the exact gradient by {err:.1e} (relative; "
                        f"tolerance {tol:.0e}). A central difference (f(x+h) - f(x-h)) / 2h is accurate to "
                        "O(h^2); a one-sided one, or a wrong divisor, is not.")
        worst = max(worst, err)
    report.ok(f"grad_check agrees with 3 exact gradients, vector and matrix x (worst relative error {worst:.1e})")


@exercise("05.sgd_step")
def check_sgd_step(sgd_step, rng, report):
    shapes = {"0.W": (int(rng.integers(2, 6)), int(rng.integers(2, 6))), "0.b": (int(rng.integers(2, 6)),),
              "2.W": (3, int(rng.integers(2, 6)))}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    grads = {k: rng.standard_normal(s) for k, s in shapes.items()}
    lr = float(rng.uniform(0.01, 0.5))
    objects = dict(params)  # the arrays a layer holds: they must be the ones that change
    before = {k: p.copy() for k, p in params.items()}
    grads_before = {k: g.copy() for k, g in grads.items()}
    out = sgd_step(params, grads, lr)
    if out is not None:
        report.fail(f"sgd_step should update the arrays in place and return None, got {type(out).__name__}")
    for k in shapes:
        if params[k] is not objects[k]:
            report.fail(f"params[{k!r}] was replaced by a new array, so the layer, which holds the old array, "
                        "never sees the update; change the array itself (p -= lr * g)")
        if not np.array_equal(grads[k], grads_before[k]):
            report.fail(f"sgd_step modified grads[{k!r}]; it should only read the gradients")
    report.ok("sgd_step returns None, keeps the same array objects and leaves grads alone")
    for k in shapes:
        expect_close(report, objects[k], before[k] - lr * grads_before[k], f"params[{k!r}]")
    report.ok(f"every parameter moved by -lr * gradient (lr = {lr:.3f}), in place")


def _model(d, h, c, seed, act=ReLU):
    return Sequential(Linear(d, h, rng=seed), Tanh(), Linear(h, h, rng=seed + 1), act(), Linear(h, c, rng=seed + 2))


def _mean_loss(model, X, y) -> float:
    return SoftmaxCrossEntropy()(model.forward(X), y)


def _expect_params(report, model, expected, where, reference, advice="", rtol=1e-9, atol=1e-12):
    """Fail naming the first parameter of `model` that differs from `expected` (a dict name -> array), which is
    `reference` in words."""
    for name, want in expected.items():
        got = model.params[name]
        if not np.all(np.isfinite(got)):
            report.fail(f"{where} the parameter {name!r} contains {got[~np.isfinite(got)][0]}, expected {reference}"
                        f"{advice}")
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            report.fail(f"{where} the parameter {name!r} differs from {reference} (max difference "
                        f"{np.abs(got - want).max():.2e}){advice}")


def _check_one_batch(report, train_epoch, X, y, lr, d, h, c, seed):
    """An epoch whose batch holds all of X is one gradient step: params - lr * (numeric gradient of the mean loss),
    and its loss is the mean loss before that step."""
    n = len(X)
    model, before = _model(d, h, c, seed, Tanh), _model(d, h, c, seed, Tanh)  # smooth: no kink near a numeric step
    loss_before = _mean_loss(before, X, y)
    expected = {name: p - lr * numeric_gradient(lambda _: _mean_loss(before, X, y), p)
                for name, p in before.params.items()}
    loss = call(report, train_epoch, model, X, y, lr, n, np.random.default_rng(seed))
    where = f"with one batch (batch_size = N = {n}), after the epoch"
    if isinstance(loss, float) and np.isnan(loss):
        report.fail(f"{where} the returned mean loss is nan: np.mean of an empty list is nan (were the batch losses "
                    "collected?)")
    loss = expect_number(report, loss, "the returned mean loss")
    report.ok("train_epoch returns a number")
    unchanged = all(np.array_equal(model.params[k], p) for k, p in before.params.items())
    if unchanged:
        report.fail(f"{where} the parameters are unchanged: after model.backward(...) take the SGD step "
                    "(sgd_step(model.params, model.grads, lr))")
    up = {name: 2 * p - expected[name] for name, p in before.params.items()}
    if all(np.allclose(model.params[k], v, rtol=1e-6, atol=1e-8) for k, v in up.items()):
        report.fail(f"{where} every parameter moved UP the gradient (+lr * gradient): a step of gradient descent "
                    "subtracts lr * gradient")
    _expect_params(report, model, expected, where, "params - lr * gradient of the mean loss (one SGD step; the "
                   "gradient computed numerically)", rtol=1e-6, atol=1e-8)
    if not np.isclose(loss, loss_before, rtol=1e-9, atol=0):
        after = _mean_loss(model, X, y)
        cause = (": that is the loss AFTER the step; return the loss of each batch as computed in its forward pass, "
                 "before the update" if np.isclose(loss, after, rtol=1e-9, atol=0) else "")
        report.fail(f"{where} the returned loss is {loss:.6g}, expected the mean loss of the batch before the step, "
                    f"{loss_before:.6g}{cause}")
    report.ok(f"one batch of all N = {n} samples: exactly one SGD step, params - lr * gradient (checked against "
              "numeric gradients), and the mean loss before it")


@exercise("05.train_epoch")
def check_train_epoch(train_epoch, rng, report):
    n, d, h, c = int(rng.integers(40, 70)), int(rng.integers(3, 7)), int(rng.integers(4, 9)), int(rng.integers(2, 5))
    batch_size = int(rng.integers(6, 11))
    if n % batch_size == 0:
        n += 1  # a smaller last batch, so a plain mean of batch losses differs from the mean over samples
    X, y = rng.standard_normal((n, d)), rng.integers(0, c, size=n)
    lr, seed = float(rng.uniform(0.05, 0.3)), int(rng.integers(0, 10_000))
    _check_one_batch(report, train_epoch, X[:12], y[:12], lr, d, h, c, seed)
    # Several batches: the same as your own one-batch epochs, one per batch of batches(X, y, batch_size, rng=rng)
    # in the order that rng gives; the epoch's loss their mean weighted by batch size.
    mine, stepped = _model(d, h, c, seed), _model(d, h, c, seed)
    student_rng, order_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    for epoch in range(2):
        loss = expect_number(report, call(report, train_epoch, mine, X, y, lr, batch_size, student_rng),
                             "the returned mean loss")
        total = 0.0
        for Xb, yb in batches(X, y, batch_size=batch_size, rng=order_rng):
            one = call(report, train_epoch, stepped, Xb, yb, lr, len(Xb), np.random.default_rng(0))
            total += expect_number(report, one, "the returned mean loss") * len(Xb)
        _expect_params(report, mine, stepped.params, f"after epoch {epoch + 1}",
                       "one SGD step per batch of batches(X, y, batch_size, rng=rng), in that order",
                       "; visit the batches in order (shuffled by the rng you were given), one SGD step per batch")
        expect_close(report, loss, total / n, f"the mean loss of epoch {epoch + 1}", rtol=1e-9)
    report.ok(f"two epochs (N = {n}, batch size {batch_size}): one SGD step per batch, in the order "
              "batches(X, y, batch_size, rng=rng) gives")
    report.ok("the returned loss is the mean over all samples of the epoch (batches weighted by their size)")


def _two_layer_forward(params, X, y):
    z1 = X @ params["W1"].T + params["b1"]
    a1 = np.tanh(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    P = F.softmax(z2)
    return -np.mean(np.log(P[np.arange(len(y)), y])), (X, z1, a1, P, y)


@exercise("05.two_layer_backward")
def check_two_layer_backward(two_layer_backward, rng, report):
    worst = 0.0
    for trial in range(3):
        n, d, hdim, c = (int(v) for v in (rng.integers(3, 8), rng.integers(3, 7), rng.integers(3, 7), rng.integers(2, 5)))
        params = {"W1": rng.standard_normal((hdim, d)), "b1": rng.standard_normal(hdim),
                  "W2": rng.standard_normal((c, hdim)), "b2": rng.standard_normal(c)}
        X, y = rng.standard_normal((n, d)), rng.integers(0, c, size=n)
        _, cache = _two_layer_forward(params, X, y)
        frozen = {k: v.copy() for k, v in params.items()}
        grads = two_layer_backward(params, cache)
        if not isinstance(grads, dict) or set(grads) != set(params):
            keys = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
            report.fail(f"two_layer_backward should return a dict with keys {sorted(params)}, got {keys}")
        if trial == 0:
            report.ok("two_layer_backward returns a dict of gradients with the keys of params")
        for k in ("W2", "b2", "W1", "b1"):  # from the output down: the first wrong one is where the bug is
            num = numeric_gradient(lambda _: _two_layer_forward(frozen, X, y)[0], frozen[k])
            worst = max(worst, expect_gradient(report, grads[k], num, f"d{k}"))
    report.ok(f"every gradient matches the numeric one on 3 random networks (worst relative error {worst:.1e}): "
              "bug fixed")


# -- update rules: momentum and Adam ---------------------------------------------------------------------

def _layer_and_grads(rng):
    """A random Linear layer (its seed, so it can be rebuilt) and a function drawing one step's gradients, whose
    scale changes from step to step (a per-parameter scale is what RMSProp and Adam divide out)."""
    d_in, d_out = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    seed = int(rng.integers(0, 10_000))

    def grads(layer):
        return {k: rng.standard_normal(p.shape) * float(rng.uniform(0.2, 5)) for k, p in layer.params.items()}
    return (lambda: Linear(d_in, d_out, rng=seed)), grads


def _update_arrays(report, out, fn_name, names, shape, where):
    """The tuple of new arrays, each a float array of `shape` (nan and inf are left to the comparisons, which
    fail on them with the step and the array named)."""
    out = expect_tuple(report, out, fn_name, names)
    for name, a in zip(names, out):
        if not (isinstance(a, np.ndarray) and a.shape == shape and a.dtype.kind == "f"):
            expect_array(report, a, shape, f"{name} ({where})")
    return out


def _same(got, want, rtol=1e-7, atol=1e-10):
    return got.shape == want.shape and np.allclose(got, want, rtol=rtol, atol=atol)


def _matches(report, got, want, what, advice):
    """got ≈ want after a step, or fail naming the worst element and what to look at."""
    expect_close(report, got, want, what, rtol=1e-7, atol=1e-10, advice=advice)


@exercise("05.momentum_step")
def check_momentum_step(momentum_step, rng, report):
    make, draw = _layer_and_grads(rng)
    lr, mu, n_steps = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.95)), 6
    layer = make()
    opt = SGD(layer, lr=lr, momentum=mu)
    mine = {k: (p.copy(), np.zeros_like(p)) for k, p in layer.params.items()}
    for t in range(1, n_steps + 1):
        grads = draw(layer)
        layer.grads = {k: g.copy() for k, g in grads.items()}
        opt.step()
        for k, want_p in layer.params.items():
            p, v = mine[k]
            where = f"step {t} of {n_steps}, parameter {k} {want_p.shape}"
            out = call(report, momentum_step, p, grads[k], v, lr, mu, names=("p", "g", "v"))
            p_new, v_new = _update_arrays(report, out, "momentum_step", ("p_new", "v_new"), p.shape, where)
            want_v = opt.state[k]["velocity"]
            if _same(v_new, -want_v, rtol=1e-6):
                report.fail(f"at {where}: v_new is minus the expected velocity. In nnlib's form the velocity adds "
                            "the gradient, v = momentum * v + g, and the step subtracts it: p - lr * v")
            if _same(v_new, lr * want_v, rtol=1e-6):
                report.fail(f"at {where}: v_new is lr times the expected velocity. In nnlib's form the velocity sums "
                            "the gradients without the learning rate (v = momentum * v + g); lr scales the step")
            _matches(report, v_new, want_v, f"at {where}, v_new",
                     ". At step 1 v starts at zero, so v_new is the gradient" if t == 1 else
                     ". v_new is momentum times the velocity you were given plus the gradient")
            if _same(p_new - p, -(want_p - p), rtol=1e-6):
                report.fail(f"at {where}: p moved UP by lr * v; a descent step subtracts it, p - lr * v")
            _matches(report, p_new, want_p, f"at {where}, p_new",
                     ". The step uses the NEW velocity: p - lr * v_new")
            mine[k] = (p_new, v_new)
        if t == 1:
            report.ok("momentum_step returns (p_new, v_new) with the shapes of p, and leaves its arguments alone")
    report.ok(f"{n_steps} steps on a random Linear layer's W and b match nnlib.SGD(lr = {lr:.3f}, "
              f"momentum = {mu:.3f}), p and v after every step")


@exercise("05.adam_step")
def check_adam_step(adam_step, rng, report):
    make, draw = _layer_and_grads(rng)
    lr, n_steps = float(rng.uniform(0.001, 0.1)), 8
    beta1, beta2, eps = float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.99, 0.9995)), float(10 ** rng.uniform(-4, -2))
    settings = dict(lr=lr, betas=(beta1, beta2), eps=eps)
    layer = make()
    opt = Adam(layer, **settings)
    # The same first step with the step counter moved: at t = 10**9 both corrections are 1 (none), at t = 2 the
    # correction of a t counted from 2. Only for naming a wrong first step.
    alternatives = {}
    for name, counter in (("no bias correction", 10 ** 9 - 1), ("t + 1", 1)):
        alt = make()
        alternatives[name] = (alt, Adam(alt, **settings))
        alternatives[name][1].t = counter
    mine = {k: (p.copy(), np.zeros_like(p), np.zeros_like(p)) for k, p in layer.params.items()}
    for t in range(1, n_steps + 1):
        grads = draw(layer)
        for target, o in [(layer, opt)] + (list(alternatives.values()) if t == 1 else []):
            target.grads = {k: g.copy() for k, g in grads.items()}
            o.step()
        for k, want_p in layer.params.items():
            p, m, v = mine[k]
            g = grads[k]
            where = f"step t = {t} of {n_steps}, parameter {k} {want_p.shape}"
            out = call(report, adam_step, p, g, m, v, t, lr, beta1, beta2, eps, names=("p", "g", "m", "v"))
            p_new, m_new, v_new = _update_arrays(report, out, "adam_step", ("p_new", "m_new", "v_new"), p.shape, where)
            want_m, want_v = opt.state[k]["m"], opt.state[k]["v"]
            for got, want, name, beta, of in ((m_new, want_m, "m", beta1, "gradients"),
                                              (v_new, want_v, "v", beta2, "squared gradients")):
                if _same(got, want / (1 - beta ** t), rtol=1e-6) and not _same(got, want):
                    report.fail(f"at {where}: {name}_new is the bias-corrected {name}. Return the running mean itself, "
                                f"{name}; the corrected {name} / (1 - beta**t) is only used for the step")
                _matches(report, got, want, f"at {where}, {name}_new",
                         f". {name} is a running mean of the {of}: "
                         f"{name} = beta{1 if name == 'm' else 2} * {name} + (1 - beta{1 if name == 'm' else 2}) * "
                         f"{'g' if name == 'm' else 'g**2'}")
            if t == 1 and not np.all(np.isfinite(p_new)):
                bad = np.unravel_index(np.argmax(~np.isfinite(p_new)), p_new.shape)
                report.fail(f"at {where}, p_new{index_str(bad)} is {p_new[bad]}. A division by zero? At t = 1 the "
                            "corrections 1 - beta1**t and 1 - beta2**t are 1 - beta1 and 1 - beta2, never 0: use the "
                            "t you are given (it counts from 1), not t - 1")
            if t == 1:
                want_step = want_p - p
                wrong_first = {
                    "moved UP the gradient: the step subtracts lr * m_hat / (sqrt(v_hat) + eps)": p - want_step,
                    "matches Adam WITHOUT bias correction: divide m by 1 - beta1**t and v by 1 - beta2**t before the "
                    "step (at t = 1 that undoes the factors 1 - beta1 and 1 - beta2 of the zero start)":
                        alternatives["no bias correction"][0].params[k],
                    "matches a bias correction with t + 1 instead of t: t is the step number you are given, 1 at the "
                    "first step": alternatives["t + 1"][0].params[k],
                    "divides by v_hat + eps instead of its square root: the step is lr * m_hat / (sqrt(v_hat) + eps)":
                        p - lr * g / (g * g + eps),
                    "has eps inside the square root: the step is lr * m_hat / (sqrt(v_hat) + eps), eps added after "
                    "the root": p - lr * g / np.sqrt(g * g + eps),
                }
                for why, candidate in wrong_first.items():
                    if _same(p_new, candidate, rtol=1e-9, atol=1e-12) and not _same(candidate, want_p, 1e-9, 1e-12):
                        report.fail(f"at {where}: your step {why}")
            _matches(report, p_new, want_p, f"at {where}, p_new",
                     ". The step is lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1**t) and v_hat = "
                     "v / (1 - beta2**t), from the NEW m and v")
            mine[k] = (p_new, m_new, v_new)
        if t == 1:
            report.ok("adam_step returns (p_new, m_new, v_new) with the shapes of p, and leaves its arguments alone")
    report.ok(f"{n_steps} steps on a random Linear layer's W and b match nnlib.Adam(lr = {lr:.4f}, betas = "
              f"({beta1:.3f}, {beta2:.4f}), eps = {eps:.1e}), p, m and v after every step")
