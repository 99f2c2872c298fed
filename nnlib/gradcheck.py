"""Numeric gradient checking: compare a backward pass with central differences.

    (f(x + h) - f(x - h)) / 2h  has error O(h^2), so in float64 with h = 1e-6 an analytic gradient
    of a smooth function agrees to a relative error of about 1e-8 .. 1e-10; 1e-7 is the threshold
    used throughout the course. Near a kink (ReLU at 0) the numeric derivative is meaningless, so
    tests keep inputs away from kinks rather than loosening the threshold.

These loop over elements: they are for tests and exercises on small arrays, never for training.
"""
from __future__ import annotations

import numpy as np

from .validate import shape_str

SMOOTH_TOL = 1e-7


def rel_error(a, b) -> float:
    """Relative error of two arrays: ||a - b|| / (||a|| + ||b||), 0.0 when both are zero.

    Norm-based rather than elementwise, so one tiny entry that is near zero in both arrays does not
    dominate; compare_gradients reports the worst element separately.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def numeric_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function f(x) at x by central differences; x: any shape, float64.

    x is perturbed in place one element at a time and restored, so f may close over x's array
    (e.g. a layer's parameter) instead of taking it as an argument.
    """
    return numeric_gradient_array(lambda x_: np.asarray(f(x_), dtype=np.float64), x, np.array(1.0), h)


def numeric_gradient_array(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of sum(f(x) * dout) at x: what backward(dout) should return for a layer f."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"numeric gradients need a float64 ndarray to perturb, got "
                        f"{getattr(x, 'dtype', type(x).__name__)}; pass x.astype(np.float64)")
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = np.sum(f(x) * dout)
        x[idx] = old - h
        minus = np.sum(f(x) * dout)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def compare_gradients(analytic, numeric, name: str = "gradient", tol: float = SMOOTH_TOL) -> tuple[float, str]:
    """(relative error, message). The message is '' when it passes, else it names the worst element."""
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    if analytic.shape != numeric.shape:
        return float("inf"), (f"{name} has shape {shape_str(analytic.shape)}, expected "
                              f"{shape_str(numeric.shape)} (the shape of what it is the gradient of)")
    err = rel_error(analytic, numeric)
    if not np.all(np.isfinite(analytic)):
        return float("inf"), f"{name} contains NaN or inf"
    if err <= tol:
        return err, ""
    worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), analytic.shape) if analytic.ndim else ()
    where = f"{name}[{', '.join(str(int(i)) for i in worst)}]" if worst else name
    return err, (f"{name} differs from the numeric gradient by {err:.1e} (relative; tolerance {tol:.0e}); "
                 f"worst at {where}: yours {float(analytic[worst]):.6g}, numeric {float(numeric[worst]):.6g}")


def check_layer(layer, x, seed: int = 0, h: float = 1e-6, tol: float = SMOOTH_TOL,
                raise_on_fail: bool = True) -> dict[str, float]:
    """Check a layer's backward against numeric gradients for dx and every parameter.

    x: an input the layer accepts (converted to a float64 copy). A random upstream gradient dy
    makes every output element count. Returns {'x': err, 'W': err, ...}; raises AssertionError
    naming the worst element when an error exceeds `tol` (unless raise_on_fail=False).
    """
    x = np.array(x, dtype=np.float64)
    y = layer.forward(x)
    dy = np.random.default_rng(seed).standard_normal(y.shape)
    dx = layer.backward(dy)
    analytic = {"x": dx, **{name: g.copy() for name, _, g in layer.params_and_grads()}}
    numeric = {"x": numeric_gradient_array(layer.forward, x, dy, h)}
    for name, p, _ in layer.params_and_grads():
        numeric[name] = numeric_gradient_array(lambda _: layer.forward(x), p, dy, h)
    layer.forward(x)  # leave the caches as they were after the real forward
    return _report(f"{layer!r}", analytic, numeric, tol, raise_on_fail)


def check_loss(loss, pred, target, h: float = 1e-6, tol: float = SMOOTH_TOL, raise_on_fail: bool = True) -> float:
    """Check loss.backward() against the numeric gradient of loss(pred, target) w.r.t. pred."""
    pred = np.array(pred, dtype=np.float64)
    loss(pred, target)
    analytic = loss.backward()
    numeric = numeric_gradient(lambda p: loss(p, target), pred, h)
    return _report(f"{loss!r}", {"pred": analytic}, {"pred": numeric}, tol, raise_on_fail)["pred"]


def _report(who, analytic, numeric, tol, raise_on_fail):
    errors, problems = {}, []
    for name in numeric:
        errors[name], msg = compare_gradients(analytic[name], numeric[name], f"d{name}", tol)
        if msg:
            problems.append(msg)
    if problems and raise_on_fail:
        raise AssertionError(f"{who} gradient check failed: " + "; ".join(problems))
    return errors
