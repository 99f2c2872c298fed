"""Argument checks shared by the data functions: a clear error naming the function, what was
expected and what came; and the one way to get a random generator from `seed` or `rng`."""
from __future__ import annotations

import numpy as np


def _check_int(fname: str, name: str, value, minimum: int) -> int:
    # bool is an int subclass, but make_rings(n=True) is surely a mistake
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fname}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{fname}: {name} must be >= {minimum}, got {value}")
    return int(value)


def _check_noise(fname: str, noise) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"{fname}: noise must be a number, got {type(noise).__name__} {noise!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{fname}: noise must be a finite number >= 0, got {noise}")
    return float(noise)


def _make_rng(fname: str, seed, rng, allow_none: bool = False) -> np.random.Generator:
    """The generator to use: ``rng`` if given, else a fresh one from ``seed``."""
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"{fname}: rng must be a np.random.Generator (np.random.default_rng(seed)), "
                f"got {type(rng).__name__}"
            )
        return rng
    if seed is None and allow_none:
        # only batches() allows this: a fresh, non-reproducible shuffle
        return np.random.default_rng()
    seed = _check_int(fname, "seed", seed, 0)
    return np.random.default_rng(seed)


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray):
    # generators build the data class by class; mix the rows so that X[:k] is a fair sample
    perm = rng.permutation(len(X))
    return X[perm], y[perm]


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a
