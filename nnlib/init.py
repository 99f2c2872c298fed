"""Weight initializers: functions `(shape, rng) -> ndarray` (float64).

Shapes follow the layers: a Linear weight is (out_features, in_features), a conv weight
(C_out, C_in, KH, KW). fan_in is what one output neuron sums over, fan_out how many outputs one
input feeds: for (out, in, *kernel) they are in * prod(kernel) and out * prod(kernel).

Xavier/Glorot keeps the variance of activations and of gradients about constant through layers
whose activation is roughly linear near 0 (tanh, sigmoid): Var(W) = 2 / (fan_in + fan_out).
He/Kaiming doubles the forward variance to make up for ReLU zeroing half its inputs:
Var(W) = 2 / fan_in. Lecture 06 derives both.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

Initializer = Callable[[tuple, np.random.Generator], np.ndarray]


def fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in) or (out, in, *kernel)."""
    if len(shape) < 2:
        raise ValueError(f"fans: a weight needs at least 2 axes (out, in), got shape {tuple(shape)}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def zeros(shape, rng=None) -> np.ndarray:
    return np.zeros(shape)


def constant(value: float) -> Initializer:
    """An initializer that fills every weight with `value` (lecture 06 shows why that fails)."""
    def init(shape, rng=None):
        return np.full(shape, float(value))
    init.__name__ = f"constant({value})"
    return init


def normal(std: float = 0.01) -> Initializer:
    """Gaussian weights with mean 0 and the given standard deviation."""
    def init(shape, rng=None):
        return _rng(rng).normal(0.0, std, size=shape)
    init.__name__ = f"normal(std={std})"
    return init


def uniform(limit: float = 0.05) -> Initializer:
    """Weights uniform in [-limit, limit]."""
    def init(shape, rng=None):
        return _rng(rng).uniform(-limit, limit, size=shape)
    init.__name__ = f"uniform(limit={limit})"
    return init


def xavier_normal(shape, rng=None) -> np.ndarray:
    fan_in, fan_out = fans(shape)
    return _rng(rng).normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def xavier_uniform(shape, rng=None) -> np.ndarray:
    # A uniform on [-a, a] has variance a^2 / 3, so a = sqrt(6 / (fan_in + fan_out)).
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-limit, limit, size=shape)


def he_normal(shape, rng=None) -> np.ndarray:
    fan_in, _ = fans(shape)
    return _rng(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def he_uniform(shape, rng=None) -> np.ndarray:
    fan_in, _ = fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return _rng(rng).uniform(-limit, limit, size=shape)


INITIALIZERS = {
    "zeros": zeros,
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot": xavier_uniform,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "kaiming": he_normal,
}


def get_initializer(init) -> Initializer:
    """Accept a name from INITIALIZERS or a callable `(shape, rng) -> ndarray`."""
    if callable(init):
        return init
    try:
        return INITIALIZERS[init]
    except KeyError:
        raise ValueError(f"unknown initializer {init!r}; use one of {sorted(INITIALIZERS)} or a function") from None


# One generator shared by every layer that is not given its own, so that a notebook which calls
# manual_seed(0) once (or not at all: it starts seeded) builds the same network on every run.
_GLOBAL_RNG = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reset nnlib's global generator (used by layers built without `rng=`), like torch.manual_seed."""
    global _GLOBAL_RNG
    _GLOBAL_RNG = np.random.default_rng(seed)
    return _GLOBAL_RNG


def global_rng() -> np.random.Generator:
    return _GLOBAL_RNG
