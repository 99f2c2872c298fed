"""Checks for exercises/01_linear_regression.ipynb.

Every check draws a fresh problem from `rng` (random N, D and values), so a hard-coded answer or a
shape-specific hack fails the hidden tests, which use other seeds. Expected values come from an
independent computation here (or numeric differentiation), never from the student's other answers.
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numeric_gradient
from . import call, exercise, expect_array, expect_close, expect_gradient, expect_number, expect_tuple


def problem(rng, n=None, d=None):
    """A random regression problem: X (N, D), y (N,), w (D,), b."""
    n = int(rng.integers(5, 20)) if n is None else n
    d = int(rng.integers(2, 6)) if d is None else d
    X = rng.standard_normal((n, d))
    w_true, b_true = rng.standard_normal(d), float(rng.standard_normal())
    y = X @ w_true + b_true + 0.1 * rng.standard_normal(n)
    return X, y, rng.standard_normal(d), float(rng.standard_normal())


def _mse(X, y, w, b):
    return np.mean((X @ w + b - y) ** 2)


@exercise("01.predict")
def check_predict(predict, rng, report):
    X, _, w, b = problem(rng)
    out = expect_array(report, call(report, predict, X, w, b), (len(X),), "the prediction")
    report.ok(f"predict returns one price per apartment: shape ({len(X)},) for X of shape {X.shape}")
    expect_close(report, out, X @ w + b, "y_pred")
    report.ok("predict computes X @ w + b")


def _check_regression_loss(loss_fn, name, reference, description, rng, report):
    """A loss (y_pred, y) -> number, compared with `reference` on a random problem."""
    _, y, _, _ = problem(rng)
    y_pred = y + rng.standard_normal(len(y))
    value = expect_number(report, call(report, loss_fn, y_pred, y), name)
    report.ok(f"{name} returns a single number")
    expect_close(report, value, reference(y_pred - y), name)
    report.ok(f"{name} is the mean of the {description}")


@exercise("01.mse")
def check_mse(mse, rng, report):
    _check_regression_loss(mse, "mse", lambda e: np.mean(e ** 2), "squared errors", rng, report)


@exercise("01.mae")
def check_mae(mae, rng, report):
    _check_regression_loss(mae, "mae", lambda e: np.mean(np.abs(e)), "absolute errors", rng, report)


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
        w_num = numeric_gradient(lambda w_: _mse(X, y, w_, b), w.copy())
        b_num = numeric_gradient(lambda b_: _mse(X, y, w, b_[()]), np.array(b))
        worst = max(worst, expect_gradient(report, dw, w_num, "dw"), expect_gradient(report, db, b_num, "db"))
    report.ok(f"mse_grad matches the numeric gradient on 3 random problems (worst relative error {worst:.1e})")


def _reference_grad(X, y, w, b):
    err = X @ w + b - y
    return 2 * X.T @ err / len(y), 2 * np.mean(err)


@exercise("01.gd_step")
def check_gd_step(gd_step, rng, report):
    X, y, w, b = problem(rng)
    lr = float(rng.uniform(0.01, 0.2))
    w_new, b_new = expect_tuple(report, call(report, gd_step, X, y, w, b, lr), "gd_step", ("w", "b"))
    expect_array(report, w_new, w.shape, "the new w")
    b_new = expect_number(report, b_new, "the new b")
    report.ok("gd_step returns a new (w, b) and leaves its inputs unchanged")
    dw, db = _reference_grad(X, y, w, b)
    expect_close(report, w_new, w - lr * dw, "w")
    expect_close(report, b_new, b - lr * db, "b")
    report.ok(f"gd_step moves w and b by -lr * gradient (lr = {lr:.3f})")


def expect_training_result(report, out, n_features: int, epochs: int):
    """(w, b, losses) from a training loop: w (D,), b a number, one loss per epoch."""
    w, b, losses = expect_tuple(report, out, "train", ("w", "b", "losses"))
    expect_array(report, w, (n_features,), "w")
    b = expect_number(report, b, "b")
    losses = np.asarray(losses, dtype=float)
    if losses.shape != (epochs,):
        report.fail(f"losses should hold one value per epoch: {epochs} values, got shape {losses.shape}")
    report.ok(f"train returns w, b and {epochs} losses")
    return w, b, losses


@exercise("01.train")
def check_train(train, rng, report):
    X, y, _, _ = problem(rng, n=int(rng.integers(30, 60)))
    lr, epochs = 0.1, int(rng.integers(20, 40))
    w, b, losses = expect_training_result(report, call(report, train, X, y, lr, epochs), X.shape[1], epochs)
    expect_close(report, losses[0], np.mean(y ** 2), "losses[0]")
    report.ok("training starts from w = 0, b = 0 and records the loss before each step")
    # The reference: the same gradient descent, step by step.
    w_ref, b_ref, ref = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        ref.append(_mse(X, y, w_ref, b_ref))
        dw, db = _reference_grad(X, y, w_ref, b_ref)
        w_ref, b_ref = w_ref - lr * dw, b_ref - lr * db
    expect_close(report, losses, ref, "losses")
    expect_close(report, w, w_ref, "w")
    expect_close(report, b, b_ref, "b")
    report.ok(f"after {epochs} epochs w, b and every recorded loss match plain gradient descent")


@exercise("01.closed_form")
def check_closed_form(closed_form, rng, report):
    X, y, _, _ = problem(rng)
    w, b = expect_tuple(report, call(report, closed_form, X, y), "closed_form", ("w", "b"))
    expect_array(report, w, (X.shape[1],), "w")
    b = expect_number(report, b, "b")
    report.ok("closed_form returns w and b")
    Xb = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(Xb, y, rcond=None)[0]
    expect_close(report, w, theta[:-1], "w", rtol=1e-6, atol=1e-8)
    expect_close(report, b, theta[-1], "b", rtol=1e-6, atol=1e-8)
    report.ok("closed_form gives the least-squares solution (bias included)")
