"""Checks for exercises/00_numpy_vectorization.ipynb: vectorize three loop functions.

Each check first compares the student's values with the plain-loop reference below (the same loops
the exercise notebook shows) on a few random shapes, then times the student's function against the
loop on a larger input. Timing is made robust for a busy machine: each side is the best of 3 runs,
the student's side is re-measured up to 3 times before failing, and the bar (5x) is far below what a
vectorized answer reaches (50x to several hundred x at these sizes).
"""
from __future__ import annotations

import numpy as np

from . import best_time, call, exercise, expect_array, expect_close

SPEEDUP = 5.0  # the student's function must be at least this many times faster than the loop


# -- the loop references (identical to the ones shown in the exercise notebook) ------------------

def pairwise_sq_distances_loop(A, B):
    N, M = A.shape[0], B.shape[0]
    out = np.empty((N, M))
    for i in range(N):
        for j in range(M):
            out[i, j] = np.sum((A[i] - B[j]) ** 2)
    return out


def normalize_columns_loop(X):
    N, D = X.shape
    out = np.empty((N, D))
    for j in range(D):
        mean = 0.0
        for i in range(N):
            mean += X[i, j]
        mean /= N
        var = 0.0
        for i in range(N):
            var += (X[i, j] - mean) ** 2
        std = (var / N) ** 0.5
        for i in range(N):
            out[i, j] = (X[i, j] - mean) / std
    return out


def one_hot_loop(y, C):
    out = np.zeros((len(y), C))
    for i in range(len(y)):
        out[i, y[i]] = 1.0
    return out


# -- timing -------------------------------------------------------------------------------------

def expect_faster(report, fn, loop, args, name: str, what: str, t_loop: float, advice: str) -> float:
    """Fail unless fn(*args) runs at least SPEEDUP times faster than the loop (which took t_loop s)."""
    ratio = 0.0
    for attempt in range(3):
        ratio = t_loop / max(best_time(fn, args), 1e-9)
        if ratio >= SPEEDUP or ratio < SPEEDUP / 3:  # clearly fast, or clearly a loop: no need to re-measure
            break
    if ratio < SPEEDUP:
        report.fail(f"it is only {ratio:.1f}x faster than the loop on {what} "
                    f"({t_loop / ratio * 1e3:.1f} ms vs {t_loop * 1e3:.1f} ms; the check asks for {SPEEDUP:.0f}x); "
                    f"vectorize it ({advice})")
    report.ok(f"{name} is {ratio:.0f}x faster than the loop on {what}")
    return ratio


def timed(fn, args):
    """(result, best-of-3 time) of the loop reference."""
    out = fn(*args)
    return out, best_time(fn, args)


# -- 1. pairwise squared distances -----------------------------------------------------------------

def _distinct_sizes(rng, low, high, k):
    """k different ints in [low, high): distinct N, M, D make broadcasting mistakes show."""
    return [int(v) for v in rng.choice(np.arange(low, high), size=k, replace=False)]


@exercise("00.pairwise_sq_distances")
def check_pairwise_sq_distances(fn, rng, report):
    N, M, D = _distinct_sizes(rng, 2, 12, 3)
    problems = [(N, M, D), (1, M, D), (N, 1, int(rng.integers(1, 4)))]
    for k, (n, m, d) in enumerate(problems):
        A, B = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        if k == 0:
            B[0] = A[1]  # one pair at distance 0
        out = expect_array(report, call(report, fn, A, B), (n, m), f"the result for A {A.shape}, B {B.shape}")
        if k == 0:
            report.ok(f"pairwise_sq_distances returns shape ({n}, {m}) for A of shape {A.shape} and B of shape {B.shape}")
        expect_close(report, out, pairwise_sq_distances_loop(A, B), "distances", rtol=1e-7, atol=1e-8)
    report.ok("its values match the double loop on 3 random problems (including N = 1 and M = 1)")

    n, m, d = int(rng.integers(110, 130)), int(rng.integers(70, 90)), 20
    A, B = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    ref, t_loop = timed(pairwise_sq_distances_loop, (A, B))
    out = expect_array(report, fn(A, B), (n, m), f"the result for A {A.shape}, B {B.shape}")
    expect_close(report, out, ref, "distances", rtol=1e-7, atol=1e-8)
    expect_faster(report, fn, pairwise_sq_distances_loop, (A, B), "pairwise_sq_distances",
                  f"{A.shape} x {B.shape}", t_loop, "no Python loop over pairs or rows")


# -- 2. normalize the columns ----------------------------------------------------------------------

def _problem_columns(rng, n, d):
    """Columns with different means and scales, as real features have."""
    return rng.normal(loc=rng.uniform(-50, 50, d), scale=rng.uniform(0.5, 20, d), size=(n, d))


@exercise("00.normalize_columns")
def check_normalize_columns(fn, rng, report):
    for k in range(3):
        n, d = _distinct_sizes(rng, 3, 15, 2)
        X = _problem_columns(rng, n, d)
        out = expect_array(report, call(report, fn, X), (n, d), f"the result for X of shape {X.shape}")
        ref = normalize_columns_loop(X)
        if not np.allclose(out, ref, rtol=1e-7, atol=1e-9):
            mu, sd = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)
            if np.allclose(out, (X - mu) / sd):
                report.fail("it normalized each row (a sample); normalize each column (a feature): "
                            "reduce over the samples, axis=0")
            if np.allclose(out, ref * np.sqrt((n - 1) / n)):
                report.fail("it divided by the sample standard deviation (ddof=1, divide by N - 1); "
                            "use the population one, np.std's default (divide by N)")
        expect_close(report, out, ref, "normalized X", rtol=1e-7, atol=1e-9)
        if k == 0:
            report.ok(f"normalize_columns returns shape {X.shape} and leaves X unchanged")
    report.ok("every column of the result has mean 0 and standard deviation 1 (matches the loop on 3 random X)")

    X = _problem_columns(rng, int(rng.integers(1800, 2200)), 20)
    ref, t_loop = timed(normalize_columns_loop, (X,))
    expect_close(report, expect_array(report, fn(X), X.shape, "the result"), ref, "normalized X", rtol=1e-7, atol=1e-9)
    expect_faster(report, fn, normalize_columns_loop, (X,), "normalize_columns", f"X of shape {X.shape}",
                  t_loop, "no Python loop over rows or elements: X.mean(axis=0) gives all column means at once")


# -- 3. one-hot encoding ---------------------------------------------------------------------------

@exercise("00.one_hot")
def check_one_hot(fn, rng, report):
    for k in range(3):
        C = int(rng.integers(3, 8))
        n = int(rng.integers(2, 15))
        while n == C:
            n = int(rng.integers(2, 15))
        # the last problem lacks the last class: C, not y.max() + 1, sets the number of columns
        y = rng.integers(0, C if k < 2 else C - 1, size=n)
        out = call(report, fn, y, C)
        if isinstance(out, np.ndarray) and out.ndim == 2 and out.shape[0] == n and out.shape[1] == y.max() + 1 != C:
            report.fail(f"it returned {out.shape[1]} columns for C = {C}; use C columns, not y.max() + 1: "
                        "a batch need not contain every class")
        out = expect_array(report, out, (n, C), f"the result for y of shape {y.shape} and C = {C}")
        expect_close(report, out, one_hot_loop(y, C), "one_hot", rtol=0, atol=0)
        if k == 0:
            report.ok(f"one_hot returns a float array of shape ({n}, {C}) for {n} labels and C = {C}")
    report.ok("each row holds a single 1, in the column of its label (matches the loop on 3 random y)")

    C, n = int(rng.integers(3, 7)), int(rng.integers(140_000, 160_000))
    y = rng.integers(0, C, size=n)
    ref, t_loop = timed(one_hot_loop, (y, C))
    expect_close(report, expect_array(report, fn(y, C), (n, C), "the result"), ref, "one_hot", rtol=0, atol=0)
    expect_faster(report, fn, one_hot_loop, (y, C), "one_hot", f"{n} labels, C = {C}", t_loop,
                  "no Python loop over the labels: index with two arrays, rows np.arange(N) and columns y")
