"""Optimizers: `opt = SGD(model, lr=0.1)`, then `opt.step()` after each `model.backward(...)`.

They read (name, param, grad) from `model.params_and_grads()` and update each param IN PLACE,
so the layer's own arrays change and nothing needs to be handed back.

`weight_decay=lam` (every optimizer) is L2 regularization: it adds lam * p to the gradient of each
weight array, the gradient of the penalty (lam / 2) * sum(p**2). Only arrays with two or more axes
(weight matrices, kernels, embeddings) are decayed; biases are left alone, as is usual, because
shrinking a bias towards 0 does not make the function any smoother.
"""
from __future__ import annotations

import numpy as np


class Optimizer:
    def __init__(self, model, lr: float, weight_decay: float = 0.0):
        if not hasattr(model, "params_and_grads"):
            raise TypeError(f"{type(self).__name__}: expected a model or layer (something with params_and_grads()), "
                            f"got {type(model).__name__}")
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: the learning rate must be positive, got {lr}")
        if not weight_decay >= 0:
            raise ValueError(f"{type(self).__name__}: weight_decay must be >= 0, got {weight_decay}")
        self.model, self.lr, self.weight_decay = model, lr, weight_decay
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def _params(self):
        for name, p, g in self.model.params_and_grads():
            if g is None:
                raise RuntimeError(f"{type(self).__name__}.step: parameter {name!r} has no gradient yet; "
                                   "call model.backward(...) before optimizer.step().")
            if self.weight_decay and p.ndim >= 2:
                g = g + self.weight_decay * p  # a new array: the layer's .grads stay the loss's gradient
            yield name, p, g

    def step(self) -> None:
        for name, p, g in self._params():
            self._update(name, p, g, self.state.setdefault(name, {}))

    def _update(self, name, p, g, state):
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent p -= lr * g, or with momentum: v = momentum * v + g; p -= lr * v."""

    def __init__(self, model, lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(model, lr, weight_decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum

    def _update(self, name, p, g, state):
        if self.momentum:
            v = state.setdefault("velocity", np.zeros_like(p))
            v *= self.momentum
            v += g
            g = v
        p -= self.lr * g


class RMSProp(Optimizer):
    """RMSProp (Hinton's lecture notes, 2012): s = rho * s + (1 - rho) * g^2; p -= lr * g / (sqrt(s) + eps).

    Each element's step is divided by a running root-mean-square of its own gradients, so directions
    with large gradients take smaller steps and flat directions larger ones.
    """

    def __init__(self, model, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(model, lr, weight_decay)
        if not 0 <= rho < 1:
            raise ValueError(f"RMSProp: rho must be in [0, 1), got {rho}")
        self.rho, self.eps = rho, eps

    def _update(self, name, p, g, state):
        s = state.setdefault("s", np.zeros_like(p))
        s *= self.rho
        s += (1 - self.rho) * g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): per-parameter steps from running means of g and g^2, bias-corrected."""

    def __init__(self, model, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(model, lr, weight_decay)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, name, p, g, state):
        m = state.setdefault("m", np.zeros_like(p))
        v = state.setdefault("v", np.zeros_like(p))
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1 ** self.t)
        v_hat = v / (1 - self.beta2 ** self.t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def clip_grad_norm(model, max_norm: float) -> float:
    """Scale all gradients down together when their global norm exceeds max_norm; returns the norm before.

    The global norm is sqrt(sum of g**2 over every element of every parameter's gradient). Scaling every
    gradient by the same factor max_norm / norm keeps the direction of the step and only shortens it,
    which is what tames the exploding gradients of a recurrent network (lecture 08). Clipping each
    element or each parameter separately would change the direction. Call it between
    model.backward(...) and optimizer.step().
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be positive, got {max_norm!r}")
    grads = [g for name, p, g in model.params_and_grads() if g is not None]
    norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads)))
    if norm > max_norm:
        scale = max_norm / (norm + 1e-6)  # the small constant guards against dividing by ~0, as in PyTorch
        for g in grads:
            g *= scale  # in place: the optimizer reads these very arrays
    return norm
