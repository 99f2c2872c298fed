"""Losses: `loss(pred, target) -> float` (the mean over the batch) and `loss.backward() -> dpred`.

`backward` returns the gradient of that mean with respect to `pred`, with pred's shape, so the
1/N of the mean is already in it and layers below never divide by the batch size again.
Classification losses also know how to turn the model's output into labels (`to_labels`),
which `evaluate` and `fit` use for accuracy.
"""
from __future__ import annotations

import numpy as np

from . import functional as F
from .validate import as_float_array, check_labels, check_ndim, check_same_shape, shape_str


class Loss:
    """Base class: subclasses implement `_forward(pred, target) -> float` and `_backward()`."""

    is_classification = False

    def __init__(self):
        self._cache = None

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def forward(self, pred, target) -> float:
        pred = as_float_array(pred, f"{self!r}", "predictions")
        value = self._forward(pred, target)
        return float(value)

    def backward(self) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError(f"{self!r}.backward was called before the loss was computed: call loss(pred, target) first.")
        return self._backward()

    def __repr__(self):
        return type(self).__name__ + "()"


class _Regression(Loss):
    def _targets(self, pred, target):
        target = as_float_array(target, f"{self!r}", "targets")
        check_same_shape(pred, target, repr(self))
        return target.astype(pred.dtype, copy=False)


class MSELoss(_Regression):
    """Mean squared error, averaged over every element: mean((pred - target)^2).

    pred, target: the same shape, e.g. (N,) or (N, D). Heavily penalises large errors;
    its gradient 2 (pred - target) / n shrinks as the fit improves.
    """

    def _forward(self, pred, target):
        diff = pred - self._targets(pred, target)
        self._cache = diff
        return np.mean(diff ** 2)

    def _backward(self):
        diff = self._cache
        return 2.0 * diff / diff.size


class MAELoss(_Regression):
    """Mean absolute error: mean(|pred - target|). Robust to outliers; gradient sign(pred - target) / n."""

    def _forward(self, pred, target):
        diff = pred - self._targets(pred, target)
        self._cache = diff
        return np.mean(np.abs(diff))

    def _backward(self):
        diff = self._cache
        return np.sign(diff) / diff.size


def _binary_targets(loss, pred, target):
    """Targets for a binary loss: 0/1 labels (int or float) with pred's shape, as pred's dtype."""
    target = np.asarray(target)
    if target.dtype.kind in "iub":  # integer 0/1 class labels are the natural way to give them
        target = target.astype(pred.dtype)
    target = as_float_array(target, repr(loss), "targets")
    check_same_shape(pred, target, repr(loss))
    if target.size and (target.min() < 0 or target.max() > 1):
        raise ValueError(f"{loss!r}: targets must lie in [0, 1] (class 1 = 1.0), got values in "
                         f"[{target.min():g}, {target.max():g}]")
    return target.astype(pred.dtype, copy=False)


def _threshold(pred, threshold):
    """Binary labels (int, pred's shape, so (N,) or (N, 1) like the targets): 1 above `threshold`."""
    return (np.asarray(pred) > threshold).astype(np.int64)


class BCELoss(Loss):
    """Binary cross-entropy from probabilities p in (0, 1): -mean(y log p + (1 - y) log(1 - p)).

    p, y: the same shape, e.g. (N,). p is clipped to [eps, 1 - eps] so log(0) never happens;
    prefer BCEWithLogitsLoss on raw scores, which needs no clipping.
    """

    is_classification = True

    def __init__(self, eps: float = 1e-12):
        super().__init__()
        self.eps = eps

    def _forward(self, pred, target):
        y = _binary_targets(self, pred, target)
        if pred.size and (pred.min() < 0 or pred.max() > 1):
            raise ValueError(f"{self!r}: predictions must be probabilities in [0, 1], got values in "
                             f"[{pred.min():g}, {pred.max():g}]; for raw scores use BCEWithLogitsLoss.")
        # Clip in float64: in float32, 1 - 1e-12 rounds to 1.0 and the clip would do nothing, so a
        # sigmoid that saturated to exactly 1.0 gave log(0) = -inf (and 0 * -inf = nan).
        p = np.clip(pred.astype(np.float64), self.eps, 1 - self.eps)
        self._cache = (p, y.astype(np.float64), pred.dtype)
        return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))

    def _backward(self):
        p, y, dtype = self._cache
        return ((p - y) / (p * (1 - p)) / p.size).astype(dtype)

    @staticmethod
    def to_labels(pred):
        return _threshold(pred, 0.5)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy from logits z (any real number): BCE(sigmoid(z), y), computed stably.

    Uses  max(z, 0) - z y + log(1 + exp(-|z|)),  which never overflows; gradient (sigmoid(z) - y) / n.
    """

    is_classification = True

    def _forward(self, pred, target):
        y = _binary_targets(self, pred, target)
        self._cache = (pred, y)
        return np.mean(np.maximum(pred, 0) - pred * y + np.log1p(np.exp(-np.abs(pred))))

    def _backward(self):
        z, y = self._cache
        return (F.sigmoid(z) - y) / z.size

    @staticmethod
    def to_labels(pred):
        return _threshold(pred, 0.0)


class SoftmaxCrossEntropy(Loss):
    """Softmax + cross-entropy on logits with integer labels: -mean(log softmax(z)[n, y_n]).

    logits: (N, C) raw scores; labels: int (N,) in 0..C-1. Gradient (softmax(z) - onehot(y)) / N.
    For sequences (lectures 08-09) logits (N, T, C) with labels (N, T): one prediction per time step,
    and the mean runs over all N*T positions. Initial loss of an untrained C-class model is about
    ln C (2.303 for 10 classes).
    """

    is_classification = True

    def _forward(self, pred, target):
        shape = pred.shape  # backward gives the gradient back in the logits' own shape
        if pred.ndim == 3:  # a sequence: every (sample, step) position is one classification
            labels = np.asarray(target)
            if labels.shape != pred.shape[:2]:
                raise ValueError(f"{self!r}: sequence logits of shape {shape_str(pred.shape)} (N, T, C) need labels "
                                 f"of shape {shape_str(pred.shape[:2])} (N, T), got {shape_str(labels.shape)}")
            pred, target = pred.reshape(-1, pred.shape[2]), labels.reshape(-1)
        check_ndim(pred, 2, repr(self), "(N, C), or (N, T, C) for sequences", "logits")
        labels = check_labels(target, pred.shape[1], repr(self), n=len(pred))
        logp = F.log_softmax(pred)
        self._cache = (logp, labels, shape)
        return -np.mean(logp[np.arange(len(labels)), labels])

    def _backward(self):
        logp, labels, shape = self._cache
        grad = np.exp(logp)
        grad[np.arange(len(labels)), labels] -= 1.0
        return (grad / len(labels)).reshape(shape)

    @staticmethod
    def to_labels(pred):
        return np.argmax(pred, axis=-1)


# Short aliases matching the names used in lectures.
BCE = BCELoss
MSE = MSELoss
MAE = MAELoss
