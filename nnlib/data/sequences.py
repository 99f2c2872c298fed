"""Synthetic sequence tasks that need memory, generated from a seed: remember-the-first-symbol and
the adding problem.

X: (n, T, D) in ``dtype`` (float64 by default), batch-first with time on axis 1; y: (n,).
In both the answer depends on an early step, so a recurrent network must carry information across
many steps: with growing T a plain RNN struggles (its gradients vanish), an LSTM copes far longer.
"""
from __future__ import annotations

import numpy as np

from ._args import _check_int, _make_rng


def _check_float_dtype(fname: str, dtype) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"{fname}: dtype must be a float dtype such as np.float32, got {dtype!r}") from e
    if dtype.kind != "f":
        raise TypeError(f"{fname}: dtype must be a float dtype such as np.float32, got {dtype}")
    return dtype


def make_remember_first(n: int = 1000, T: int = 20, n_symbols: int = 4, n_distractors: int = 4,
                        seed: int = 0, *, rng=None, dtype=np.float64):
    """Remember the first symbol: a classification task that needs long memory.

    Each sequence has ``T`` steps. Step 0 holds one of ``n_symbols`` symbols
    (token ids ``0 .. n_symbols - 1``, drawn uniformly); steps ``1 .. T - 1``
    hold random distractor tokens (ids ``n_symbols .. n_symbols +
    n_distractors - 1``). The label is the first symbol, so the model must
    carry it across ``T - 1`` steps of distractors and answer at the end.
    ``T = 1`` is just the symbol.

    Returns ``X: (n, T, V)`` one-hot in ``dtype`` with ``V = n_symbols +
    n_distractors``, and ``y: (n,)`` int64 in ``0 .. n_symbols - 1``.
    Chance accuracy is ``1 / n_symbols``; since the distractors never share
    an id with a symbol, a model that only sees the last steps stays at chance.
    """
    f = "make_remember_first"
    n = _check_int(f, "n", n, 1)
    T = _check_int(f, "T", T, 1)
    n_symbols = _check_int(f, "n_symbols", n_symbols, 2)
    n_distractors = _check_int(f, "n_distractors", n_distractors, 1)
    dtype = _check_float_dtype(f, dtype)
    rng = _make_rng(f, seed, rng)

    V = n_symbols + n_distractors
    tokens = np.empty((n, T), dtype=np.int64)
    tokens[:, 0] = rng.integers(0, n_symbols, size=n)
    tokens[:, 1:] = rng.integers(n_symbols, V, size=(n, T - 1))
    X = np.eye(V, dtype=dtype)[tokens]  # row k of the identity is the one-hot vector of token k
    return X, tokens[:, 0].copy()


def make_adding(n: int = 1000, T: int = 50, seed: int = 0, *, rng=None, dtype=np.float64):
    """The adding problem (Hochreiter & Schmidhuber 1997): add the two marked numbers.

    Each sequence has ``T`` steps with two channels: channel 0 holds numbers
    drawn uniformly from [0, 1), channel 1 is a marker that is 1 at exactly
    two steps and 0 elsewhere. As in Le, Jaitly & Hinton (2015) the first
    marked step lies in the first half, ``0 .. T//2 - 1``, the second in the
    second half, ``T//2 .. T - 1``. The target is the sum of the two marked
    numbers, so the model must find and keep the first one until the end.

    Returns ``X: (n, T, 2)`` and ``y: (n,)``, both in ``dtype``; ``y`` is in
    [0, 2). Baseline: always predicting 1.0 (the mean of ``y``) gives a mean
    squared error of about 1/6 ≈ 0.167 (the variance of the sum of two
    uniform numbers, 2/12); a model has to get well below that.
    """
    f = "make_adding"
    n = _check_int(f, "n", n, 1)
    T = _check_int(f, "T", T, 2)
    dtype = _check_float_dtype(f, dtype)
    rng = _make_rng(f, seed, rng)

    half = T // 2
    rows = np.arange(n)
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    X = np.zeros((n, T, 2), dtype=dtype)
    # rounding to float32 can turn 0.99999999 into 1.0; keep the values in [0, 1) in every dtype
    below_one = np.nextafter(dtype.type(1), dtype.type(0))
    X[:, :, 0] = np.minimum(rng.uniform(0.0, 1.0, size=(n, T)).astype(dtype), below_one)
    X[rows, first, 1] = 1.0
    X[rows, second, 1] = 1.0
    # from the values as stored in dtype, so that y is exactly the sum of the marked entries of X
    y = X[rows, first, 0] + X[rows, second, 0]
    return X, y
