"""Regularization layers: Dropout."""
from __future__ import annotations

import numpy as np

from ..init import global_rng
from .base import Layer


class Dropout(Layer):
    """Inverted dropout: in training mode each unit is zeroed with probability p and the survivors are
    scaled by 1 / (1 - p); in evaluation mode (model.eval(), as `evaluate` and `predict` set) it passes
    x through unchanged. The scaling keeps every unit's expected value the same in both modes, so
    nothing needs rescaling at test time. x: any shape -> the same shape.

    `rng`: a seed or np.random.Generator for the masks (default: nnlib's global generator).
    """

    def __init__(self, p: float = 0.5, rng=None):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p is the probability of dropping a unit and must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = global_rng() if rng is None else np.random.default_rng(rng)
        self._mask = None

    def __repr__(self):
        return f"Dropout(p={self.p})"

    def _forward(self, x):
        if not self.training or self.p == 0:
            self._mask = None
            return x.copy()
        keep = self.rng.random(x.shape) >= self.p
        self._mask = keep.astype(x.dtype) / x.dtype.type(1 - self.p)  # 0 or 1/(1-p)
        return x * self._mask

    def _backward(self, dy):
        # A dropped unit did not take part, so it gets no gradient; a kept one passes it on, scaled alike.
        return dy.copy() if self._mask is None else dy * self._mask
