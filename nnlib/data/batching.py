"""Mini-batches and one-hot labels."""
from __future__ import annotations

from typing import Iterator

import numpy as np

from ._args import _check_int, _make_rng


def batches(X, y=None, batch_size: int = 32, shuffle: bool = True, seed=None, rng=None):
    """Iterate over mini-batches of ``X`` (and ``y``).

    ``X: (N, ...)``, ``y: (N, ...)`` or None. Yields ``(Xb, yb)`` with
    ``Xb: (B, ...)``, ``yb: (B, ...)``, or just ``Xb`` when ``y`` is None.
    Every sample appears exactly once per pass; all batches have
    ``batch_size`` samples except the last, which may be smaller.

    With ``shuffle=True`` the order is a permutation drawn from ``rng`` (if
    given) or from ``np.random.default_rng(seed)``. A fixed ``seed`` gives the
    same order on every call; for a new, yet reproducible order in each epoch
    create one ``rng = np.random.default_rng(0)`` before the training loop and
    pass it every epoch. With neither ``seed`` nor ``rng`` the order is not
    reproducible.

    The arguments are checked at once, when ``batches`` is called, not when
    the first batch is taken. The batches are copies, not views of ``X``.
    """
    f = "batches"
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError(f"{f}: X must have a batch axis, shape (N, ...), got a scalar")
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(X):
            got = "a scalar" if y.ndim == 0 else f"len(y) = {len(y)}"
            raise ValueError(f"{f}: X and y must have the same length, got len(X) = {len(X)} and {got}")
    batch_size = _check_int(f, "batch_size", batch_size, 1)
    if shuffle:
        order = _make_rng(f, seed, rng, allow_none=True).permutation(len(X))
    else:
        order = np.arange(len(X))
    return _batch_iter(X, y, order, batch_size)


def _batch_iter(X, y, order, batch_size) -> Iterator:
    # the loop is over batches, not samples; each batch is one fancy-indexing gather
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx] if y is None else (X[idx], y[idx])


def one_hot(y, n_classes: int) -> np.ndarray:
    """One-hot encode integer class labels.

    ``y: (N,)`` integers in ``0 .. n_classes - 1``. Returns ``(N, n_classes)``
    float64 with a single 1 per row.
    """
    f = "one_hot"
    n_classes = _check_int(f, "n_classes", n_classes, 1)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{f}: y must be 1-D, shape (N,), got shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{f}: y must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad = y[(y < 0) | (y >= n_classes)]
        raise ValueError(
            f"{f}: labels must be in 0..{n_classes - 1} for n_classes={n_classes}, "
            f"got {bad.size} label(s) out of range, e.g. {bad[0]} (min {y.min()}, max {y.max()})"
        )
    out = np.zeros((len(y), n_classes), dtype=np.float64)
    out[np.arange(len(y)), y] = 1.0
    return out
