"""Checks for exercises/02_logistic_regression.ipynb.

Every check draws a fresh problem from `rng` (random N, D, shapes and values), so a hard-coded answer
or a shape-specific hack fails the hidden tests, which use other seeds. Expected values never come
from the student's other answers, and this module holds none of the answers either (students can
read it): sigmoid values come from the textbook formula with its overflow silenced (which the check
itself would reject as an answer), loss values and accuracies are known by construction (chosen
first, the data built around them), points are placed on a known side of the decision boundary,
and gradients are numeric (central differences; complex-step derivatives for the training run).
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numeric_gradient
from ..validate import shape_str
from . import call, exercise, expect_array, expect_close, expect_gradient, expect_number, expect_tuple
from .lec01 import expect_training_result


def _sigmoid_textbook(z):
    """1 / (1 + exp(-z)) as written. It is accurate everywhere (exp(-z) = inf gives exactly 0, the right
    value to float64 precision), but it overflows for z < -709, so the check rejects it as an answer;
    here it only computes the values to compare with (its callers silence the overflow)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _bce_logits(z, y):
    """Mean binary cross-entropy of sigmoid(z) against y, written in the logits z (log(1 + e^z) - y z),
    for numeric differentiation. No exercise asks for it: bce takes probabilities and clips them."""
    return np.mean(np.logaddexp(0.0, z) - y * z)


def problem(rng, n=None, d=None, scale=1.0):
    """A random binary problem: X (N, D), labels y (N,) int in {0, 1}, parameters w (D,), b."""
    n = int(rng.integers(8, 25)) if n is None else n
    d = int(rng.integers(2, 6)) if d is None else d
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d) * 2
    y = (X @ w_true + 0.5 * rng.standard_normal(n) > 0).astype(np.int64)
    y[:2] = [0, 1]  # both classes present
    return X, y, scale * rng.standard_normal(d), float(scale * rng.standard_normal())


def _expect_sigmoid(report, out, z, rtol=1e-9, atol=1e-15):
    """Fail with 'sigmoid(-40.3) is 9.4e-14, expected 3.1e-18' at the worst wrong element."""
    with np.errstate(over="ignore"):
        expected = _sigmoid_textbook(z)
    diff = np.abs(out - expected)
    bad = ~(diff <= atol + rtol * expected)   # written so that nan and inf count as wrong
    if np.any(bad):
        i = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(diff, nan=np.inf), -1)), z.shape) if z.ndim else ()
        report.fail(f"sigmoid({z[i]:.6g}) is {out[i]:.6g}, expected {expected[i]:.6g} "
                    f"({int(bad.sum())} of {bad.size} values wrong)")


@exercise("02.sigmoid")
def check_sigmoid(sigmoid, rng, report):
    # 1. values on ordinary inputs, in shapes of every rank
    shapes = [(int(rng.integers(3, 9)),), (), (2, int(rng.integers(2, 5)), 3)]
    for shape in shapes:
        z = rng.uniform(-8, 8, size=shape)
        out = expect_array(report, call(report, sigmoid, z), shape, f"sigmoid(z) for z of shape {shape_str(shape)}")
        _expect_sigmoid(report, out, z)
    report.ok("sigmoid works elementwise on arrays of any shape (0-d, 1-d, 3-d) and gives 1 / (1 + exp(-z))")
    # 2. extreme inputs: no overflow, and the tiny values are right too
    z = np.concatenate([[-1000.0, 1000.0, -710.0, 710.0, -745.0], rng.uniform(-60, -20, 4), rng.uniform(20, 60, 4)])
    rng.shuffle(z)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out = call(report, sigmoid, z)
    except FloatingPointError as exc:
        report.fail(f"sigmoid overflows for large |z| ({exc} with z in [{z.min():g}, {z.max():g}]): np.exp of a "
                    "large positive number is inf. Only ever exponentiate -|z| (and np.where evaluates BOTH branches)")
    out = expect_array(report, out, z.shape, "sigmoid(z) for large |z|")
    _expect_sigmoid(report, out, z)
    report.ok("sigmoid is stable: no overflow for |z| = 1000, and sigmoid(-40) is still accurate (not clipped)")


@exercise("02.bce")
def check_bce(bce, rng, report):
    n = int(rng.integers(6, 20))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    # Each sample's loss -log(probability given to its true label) is drawn first (for probabilities
    # between 0.02 and 0.98); p is then built to give it, so the mean of the drawn losses is the answer.
    sample_loss = rng.uniform(-np.log(0.98), -np.log(0.02), n)
    p = np.where(y == 1, np.exp(-sample_loss), -np.expm1(-sample_loss))
    value = expect_number(report, call(report, bce, p, y), "bce")
    report.ok("bce returns a single number")
    expect_close(report, value, float(np.mean(sample_loss)), "bce", rtol=1e-9)
    report.ok("bce is -mean(y log p + (1 - y) log(1 - p))")
    # confidently wrong and confidently right predictions of exactly 0 and 1
    p2 = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y2 = np.array([1, 0, 0, 1, 1])
    value = expect_number(report, call(report, bce, p2, y2), "bce with probabilities of exactly 0 and 1")
    eps = 1e-12
    expected = (2 * -np.log(eps) + np.log(2)) / 5
    expect_close(report, value, expected, "bce with probabilities of exactly 0 and 1", rtol=1e-4)
    report.ok(f"bce clips p to [eps, 1 - eps]: p = 0 for y = 1 costs -log(eps) = {-np.log(eps):.2f}, not inf")


@exercise("02.logistic_grad")
def check_logistic_grad(logistic_grad, rng, report):
    worst = 0.0
    for trial in range(3):
        X, y, w, b = problem(rng)
        b_num = numeric_gradient(lambda b_: _bce_logits(X @ w + b_[()], y), np.array(b))
        while abs(float(b_num)) < 1e-3:  # a relative error of a near-zero db would be numeric noise
            X, y, w, b = problem(rng)
            b_num = numeric_gradient(lambda b_: _bce_logits(X @ w + b_[()], y), np.array(b))
        dw, db = expect_tuple(report, call(report, logistic_grad, X, y, w, b), "logistic_grad", ("dw", "db"))
        expect_array(report, dw, w.shape, "dw")
        db = expect_number(report, db, "db")
        if trial == 0:
            report.ok(f"logistic_grad returns dw with shape {w.shape} (like w) and db as a number")
        w_num = numeric_gradient(lambda w_: _bce_logits(X @ w_ + b, y), w.copy())
        worst = max(worst, expect_gradient(report, dw, w_num, "dw"), expect_gradient(report, db, b_num, "db"))
    report.ok(f"logistic_grad matches the numeric gradient of the mean log-loss on 3 random problems "
              f"(worst relative error {worst:.1e})")


def _complex_step_grad(loss, theta, h=1e-30):
    """Gradient of a real-analytic loss(theta) by complex steps: d loss / d theta_k = Im loss(theta + i h e_k) / h.
    A numeric derivative without the subtraction of central differences, so it is exact to roundoff
    (which a step-by-step comparison over dozens of epochs needs)."""
    grad = np.empty(theta.shape)
    for k in range(theta.size):
        t = theta.astype(np.complex128)
        t[k] += 1j * h
        grad[k] = loss(t).imag / h
    return grad


@exercise("02.train")
def check_train(train, rng, report):
    X, y, _, _ = problem(rng, n=int(rng.integers(30, 60)))
    lr, epochs = float(rng.uniform(0.2, 0.8)), int(rng.integers(20, 40))
    w, b, losses = expect_training_result(report, call(report, train, X, y, lr, epochs), X.shape[1], epochs)
    expect_close(report, losses[0], np.log(2), "losses[0]")
    report.ok("training starts from w = 0, b = 0 (every probability 0.5, loss ln 2) and records the loss "
              "before each step")
    # The same descent, each step taken along the numeric gradient of the loss in theta = [w, b].
    Xb = np.column_stack([X, np.ones(len(X))])
    loss = lambda t: np.mean(np.log1p(np.exp(Xb @ t)) - y * (Xb @ t))  # noqa: E731 (complex-safe form)
    theta, ref = np.zeros(X.shape[1] + 1), []
    for _ in range(epochs):
        ref.append(_bce_logits(Xb @ theta, y))
        theta = theta - lr * _complex_step_grad(loss, theta)
    expect_close(report, losses, ref, "losses")
    expect_close(report, w, theta[:-1], "w")
    expect_close(report, b, theta[-1], "b")
    report.ok(f"after {epochs} epochs (lr = {lr:.2f}) w, b and every recorded loss match plain gradient descent")


def _points_with_scores(rng, w, b, scores):
    """Random points x_n with x_n @ w + b = scores[n] (to rounding): random points moved along w."""
    X0 = rng.standard_normal((len(scores), len(w)))
    return X0 + ((scores - b) - X0 @ w)[:, None] * w / (w @ w)


@exercise("02.predict")
def check_predict(predict, rng, report):
    n, d = int(rng.integers(20, 40)), int(rng.integers(2, 6))
    w, b = 2.0 * rng.standard_normal(d), float(2.0 * rng.standard_normal())
    # The labels come first; each point is then placed on its label's side of the boundary
    # X @ w + b = 0, at a distance (in score) between 0.02 and 3.
    expected = rng.integers(0, 2, n)
    expected[:2] = [0, 1]
    scores = np.where(expected == 1, 1.0, -1.0) * rng.uniform(0.02, 3.0, n)
    X = _points_with_scores(rng, w, b, scores)
    labels = call(report, predict, X, w, b)
    if not isinstance(labels, np.ndarray):
        report.fail(f"predict should return a NumPy array of labels, got {type(labels).__name__}")
    if labels.dtype.kind not in "iu":
        report.fail(f"predict should return integer labels 0/1, got dtype {labels.dtype} "
                    "(turn the comparison into ints with .astype(int))")
    expect_array(report, labels, (n,), "the labels", dtype_kind="iu")
    report.ok(f"predict returns one integer label per row: shape ({n},)")
    expect_close(report, labels, expected, "labels", rtol=0, atol=0)
    report.ok("predict gives 1 exactly where the probability sigmoid(X @ w + b) is above 0.5")


@exercise("02.accuracy")
def check_accuracy(accuracy, rng, report):
    n = int(rng.integers(20, 60))
    y = rng.integers(0, 2, n)
    wrong = int(rng.integers(1, n // 3))          # how many predictions are wrong, chosen first
    y_pred = y.copy()
    flip = rng.choice(n, size=wrong, replace=False)
    y_pred[flip] = 1 - y_pred[flip]
    value = expect_number(report, call(report, accuracy, y_pred, y), "accuracy")
    report.ok("accuracy returns a single number")
    expected = (n - wrong) / n
    if value > 1:
        report.fail(f"accuracy is {value:g}, expected the fraction {expected:.4f} (a number in [0, 1], "
                    "not a count or a percentage)")
    expect_close(report, value, expected, "accuracy")
    perfect = expect_number(report, call(report, accuracy, y, y), "accuracy(y, y)")
    expect_close(report, perfect, 1.0, "accuracy(y, y)")
    report.ok(f"accuracy is the fraction of labels that agree ({expected:.3f} here, 1.0 for a perfect match)")
