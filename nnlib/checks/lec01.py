"""Checks for exercises/01_linear_regression.ipynb.

Every check draws a fresh problem from `rng` (random N, D and values), so a hard-coded answer or a
shape-specific hack fails the hidden tests, which use other seeds. Expected values never come from
the student's other answers, and this module holds none of the answers either (students can read
it): predictions come from nnlib.Linear, loss values are known by construction (the errors are
chosen first), gradients are numeric, and the regression problems are built around a known
least-squares solution, so the closed form and every step of gradient descent are known exactly.
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numeric_gradient
from ..layers import Linear
from ..losses import MSELoss
from . import call, exercise, expect_array, expect_close, expect_gradient, expect_number, expect_tuple

# The MSE is quadratic in (w, b), so central differences are exact for any step (the third derivative
# is 0); a step of 1 keeps the roundoff near 1e-15 instead of the 1e-9 of the usual 1e-6.
H_QUADRATIC = 1.0


def problem(rng, n=None, d=None):
    """A random regression problem: X (N, D), y (N,), w (D,), b."""
    n = int(rng.integers(5, 20)) if n is None else n
    d = int(rng.integers(2, 6)) if d is None else d
    X = rng.standard_normal((n, d))
    w_true, b_true = rng.standard_normal(d), float(rng.standard_normal())
    y = X @ w_true + b_true + 0.1 * rng.standard_normal(n)
    return X, y, rng.standard_normal(d), float(rng.standard_normal())


def problem_with_solution(rng, n: int, d: int):
    """A regression problem whose least-squares solution is known by construction.

    y = X w* + b* + r with the residual r orthogonal to every column of [X, 1] (r is drawn from the
    orthogonal complement, via a complete QR of [X, 1]), so (w*, b*) minimises the MSE and the
    minimum is mean(r ** 2). Returns X (N, D), y (N,), theta* = [w*, b*] (D + 1,) and r.
    """
    X = rng.standard_normal((n, d))
    Xb = np.column_stack([X, np.ones(n)])
    theta = rng.standard_normal(d + 1)
    Q = np.linalg.qr(Xb, mode="complete")[0]           # columns d+1.. span what [X, 1] cannot reach
    r = Q[:, d + 1:] @ (0.3 * rng.standard_normal(n - d - 1))
    return X, Xb @ theta + r, theta, r


def _affine(X, w, b):
    """X @ w + b computed by nnlib.Linear (one neuron with weights w and bias b): an independent route."""
    layer = Linear(X.shape[1], 1, init="zeros", rng=0)
    layer.params["W"][0] = w
    layer.params["b"][0] = b
    return layer.forward(X)[:, 0]


def _mse_value(X, y, w, b) -> float:
    """The MSE of the model on (X, y), from nnlib's MSELoss (for numeric gradients)."""
    return MSELoss()(_affine(X, w, b), y)


@exercise("01.predict")
def check_predict(predict, rng, report):
    X, _, w, b = problem(rng)
    out = expect_array(report, call(report, predict, X, w, b), (len(X),), "the prediction")
    report.ok(f"predict returns one price per apartment: shape ({len(X)},) for X of shape {X.shape}")
    expect_close(report, out, _affine(X, w, b), "y_pred")
    report.ok("predict computes X @ w + b")


def _check_regression_loss(loss_fn, name, draw_errors, description, rng, report):
    """A loss (y_pred, y) -> number on a random problem whose errors y_pred - y were chosen first by
    draw_errors(rng, n) -> (errors, the loss they must give)."""
    _, y, _, _ = problem(rng)
    errors, expected = draw_errors(rng, len(y))
    y_pred = y + errors
    value = expect_number(report, call(report, loss_fn, y_pred, y), name)
    report.ok(f"{name} returns a single number")
    expect_close(report, value, expected, name)
    report.ok(f"{name} is the mean of the {description}")


def _errors_with_known_squares(rng, n):
    """Errors of random sign whose squares are drawn first: their mean is the MSE."""
    squares = rng.uniform(0.05, 4.0, n)
    return rng.choice([-1.0, 1.0], n) * np.sqrt(squares), float(np.mean(squares))


def _errors_with_known_sizes(rng, n):
    """Errors of random sign whose sizes are drawn first: their mean is the MAE."""
    sizes = rng.uniform(0.05, 2.0, n)
    return rng.choice([-1.0, 1.0], n) * sizes, float(np.mean(sizes))


@exercise("01.mse")
def check_mse(mse, rng, report):
    _check_regression_loss(mse, "mse", _errors_with_known_squares, "squared errors", rng, report)


@exercise("01.mae")
def check_mae(mae, rng, report):
    _check_regression_loss(mae, "mae", _errors_with_known_sizes, "absolute errors", rng, report)


def numeric_mse_grad(X, y, w, b):
    """(dw, db) of the MSE by central differences (exact for this quadratic, up to roundoff)."""
    dw = numeric_gradient(lambda w_: _mse_value(X, y, w_, b), np.array(w, dtype=np.float64), h=H_QUADRATIC)
    db = numeric_gradient(lambda b_: _mse_value(X, y, w, b_[()]), np.array(b, dtype=np.float64), h=H_QUADRATIC)
    return dw, db


@exercise("01.mse_grad")
def check_mse_grad(mse_grad, rng, report):
    worst = 0.0
    for trial in range(3):
        X, y, w, b = problem(rng)
        dw, db = expect_tuple(report, call(report, mse_grad, X, y, w, b), "mse_grad", ("dw", "db"))
        expect_array(report, dw, w.shape, "dw")
        db = expect_number(report, db, "db")
        if trial == 0:
            report.ok(f"mse_grad returns dw with shape {w.shape} (like w) and db as a number")
        w_num, b_num = numeric_mse_grad(X, y, w, b)
        worst = max(worst, expect_gradient(report, dw, w_num, "dw"), expect_gradient(report, db, b_num, "db"))
    report.ok(f"mse_grad matches the numeric gradient on 3 random problems (worst relative error {worst:.1e})")


@exercise("01.gd_step")
def check_gd_step(gd_step, rng, report):
    X, y, w, b = problem(rng)
    lr = float(rng.uniform(0.01, 0.2))
    w_new, b_new = expect_tuple(report, call(report, gd_step, X, y, w, b, lr), "gd_step", ("w", "b"))
    expect_array(report, w_new, w.shape, "the new w")
    b_new = expect_number(report, b_new, "the new b")
    report.ok("gd_step returns a new (w, b) and leaves its inputs unchanged")
    dw, db = numeric_mse_grad(X, y, w, b)
    expect_close(report, w_new, w - lr * dw, "w")
    expect_close(report, b_new, b - lr * db, "b")
    report.ok(f"gd_step moves w and b by -lr * gradient (lr = {lr:.3f})")


def expect_training_result(report, out, n_features: int, epochs: int):
    """(w, b, losses) from a training loop: one finite loss per epoch, w (D,), b a number."""
    w, b, losses = expect_tuple(report, out, "train", ("w", "b", "losses"))
    try:
        losses = np.asarray(losses, dtype=np.float64)
    except (TypeError, ValueError):
        report.fail(f"losses should be a list of {epochs} numbers (one per epoch), got {type(losses).__name__}")
    if losses.shape != (epochs,):
        report.fail(f"losses should hold one value per epoch: {epochs} values, got shape {losses.shape}")
    bad = ~np.isfinite(losses)
    if np.any(bad):
        k = int(np.argmax(bad))
        report.fail(f"losses[{k}] is {losses[k]}: every recorded loss must be a finite number "
                    f"({int(bad.sum())} of {epochs} are not; did the training diverge, or a loss divide by zero?)")
    expect_array(report, w, (n_features,), "w")
    b = expect_number(report, b, "b")
    report.ok(f"train returns w, b and {epochs} losses")
    return w, b, losses


@exercise("01.train")
def check_train(train, rng, report):
    n, d = int(rng.integers(30, 60)), int(rng.integers(2, 6))
    X, y, theta_star, r = problem_with_solution(rng, n, d)
    lr, epochs = 0.1, int(rng.integers(20, 40))
    w, b, losses = expect_training_result(report, call(report, train, X, y, lr, epochs), d, epochs)
    # Gradient descent on a quadratic has a closed form: with theta = [w, b], the Hessian
    # H = (2/N) [X, 1]^T [X, 1] and theta* the minimum, theta_t - theta* = (I - lr H)^t (theta_0 - theta*),
    # and the loss is mean(r ** 2) + (theta_t - theta*)^T (H / 2) (theta_t - theta*).
    Xb = np.column_stack([X, np.ones(n)])
    H = 2.0 * Xb.T @ Xb / n
    step = np.eye(d + 1) - lr * H
    delta = -theta_star                              # theta_0 = 0
    ref = []
    for _ in range(epochs):
        ref.append(float(np.mean(r ** 2) + delta @ (H / 2) @ delta))
        delta = step @ delta
    theta = theta_star + delta
    expect_close(report, losses[0], ref[0], "losses[0]")
    report.ok("training starts from w = 0, b = 0 and records the loss before each step")
    expect_close(report, losses, ref, "losses")
    expect_close(report, w, theta[:-1], "w")
    expect_close(report, b, theta[-1], "b")
    report.ok(f"after {epochs} epochs w, b and every recorded loss match plain gradient descent")


@exercise("01.closed_form")
def check_closed_form(closed_form, rng, report):
    d = int(rng.integers(2, 6))
    n = int(rng.integers(d + 4, 25))
    X, y, theta_star, _ = problem_with_solution(rng, n, d)
    w, b = expect_tuple(report, call(report, closed_form, X, y), "closed_form", ("w", "b"))
    expect_array(report, w, (d,), "w")
    b = expect_number(report, b, "b")
    report.ok("closed_form returns w and b")
    expect_close(report, w, theta_star[:-1], "w", rtol=1e-6, atol=1e-8)
    expect_close(report, b, theta_star[-1], "b", rtol=1e-6, atol=1e-8)
    report.ok("closed_form gives the least-squares solution (bias included)")
