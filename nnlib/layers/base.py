"""The Layer base class and Sequential, the container that chains layers.

Conventions (as in PyTorch, so what students learn transfers):
- batch first: dense data (N, D), images (N, C, H, W), sequences (N, T, D);
- `params` and `grads` are dicts with the same keys and shapes; `backward` overwrites `grads`,
  optimizers update `params` in place;
- `forward` caches what `backward` needs and never modifies its input;
- math happens in the input's float dtype (float64 by default; float32 is kept as float32).
"""
from __future__ import annotations

import numpy as np

from ..validate import as_float_array, shape_str


class Layer:
    """Base class. Subclasses implement `_forward(x)` and `_backward(dy)`."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._x = None  # the last input, kept for backward
        self._y = None  # the last output, kept for backward and to check dy's shape
        self.training = True  # Dropout acts only in training mode; see train() / eval()

    # -- public API -------------------------------------------------------------------------
    def forward(self, x) -> np.ndarray:
        x = as_float_array(x, f"{self!r}.forward")
        self._check_input(x)
        y = self._forward(x)
        self._x, self._y = x, y
        return y

    def backward(self, dy) -> np.ndarray:
        if self._y is None:
            raise RuntimeError(
                f"{self!r}.backward was called before forward: run forward(x) first, "
                "backward needs the values that forward caches."
            )
        dy = as_float_array(dy, f"{self!r}.backward", "dy")
        if dy.shape != self._y.shape:
            raise ValueError(
                f"{self!r}.backward: dy has shape {shape_str(dy.shape)}, expected {shape_str(self._y.shape)} "
                "(the shape of this layer's last output)."
            )
        return self._backward(dy)

    def __call__(self, *args, **kwargs):
        # Through forward, so a subclass's own forward (e.g. an RNN's forward(x, h0)) is what runs.
        return self.forward(*args, **kwargs)

    def train(self, mode: bool = True) -> "Layer":
        """Training mode (the default): Dropout drops units. Returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> "Layer":
        """Evaluation mode: Dropout passes everything through. `fit` switches to training mode,
        `evaluate` and `predict` to evaluation mode (and back). Returns self."""
        return self.train(False)

    # -- saving and loading -------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter by name ('W', or '0.W' in a Sequential)."""
        return {name: p.copy() for name, p, _ in self.params_and_grads()}

    def load_state_dict(self, state) -> "Layer":
        """Copy `state` (a dict name -> array, e.g. from state_dict()) into the parameters in place,
        so an optimizer built earlier keeps updating the same arrays. Keys and shapes must match."""
        own = {name: p for name, p, _ in self.params_and_grads()}
        missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
        if missing or unexpected:
            raise KeyError(f"{type(self).__name__}.load_state_dict: the keys do not match this model; "
                           f"missing {missing}, unexpected {unexpected} (was it saved from another architecture?)")
        for name, p in own.items():
            value = np.asarray(state[name])
            if value.shape != p.shape:
                raise ValueError(f"{type(self).__name__}.load_state_dict: {name!r} has shape {shape_str(value.shape)} "
                                 f"in the saved state but {shape_str(p.shape)} in this model (different layer sizes?)")
        for name, p in own.items():  # only after every check passed: never half-loaded
            np.copyto(p, state[name], casting="same_kind")
        return self

    def save(self, path) -> None:
        """Write the parameters to an .npz file (numpy's zip of arrays), one entry per name."""
        np.savez(path, **self.state_dict())

    def load(self, path) -> "Layer":
        """Read parameters written by save(path) into this model (same architecture). Returns self."""
        with np.load(path, allow_pickle=False) as npz:
            return self.load_state_dict({name: npz[name] for name in npz.files})

    def params_and_grads(self):
        """Yield (name, param, grad) for each parameter; grad is None before the first backward."""
        for name, p in self.params.items():
            yield name, p, self.grads.get(name)

    def zero_grad(self) -> None:
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}

    def astype(self, dtype) -> "Layer":
        """Convert the parameters to `dtype` (e.g. np.float32 for speed); returns self."""
        self.params = {k: p.astype(dtype) for k, p in self.params.items()}
        self.grads = {}
        return self

    def __repr__(self) -> str:
        return type(self).__name__ + "()"

    # -- for subclasses ---------------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> None:
        pass

    def _forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Sequential(Layer):
    """Layers applied one after the other; backward runs them in reverse.

    Parameter names are prefixed with the layer's index: '0.W', '0.b', '2.W', ...
    """

    def __init__(self, *layers: Layer):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} is {layer!r}, not an nnlib Layer; pass layer objects "
                                "such as nnlib.Tanh() (not functions like np.tanh), each built with ()")
        self.layers = list(layers)

    def __repr__(self):
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        self._y = x
        return x

    def backward(self, dy):
        if self._y is None:
            raise RuntimeError("Sequential.backward was called before forward: run forward(x) first.")
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    @property
    def params(self):
        return {f"{i}.{k}": p for i, layer in enumerate(self.layers) for k, p in layer.params.items()}

    @params.setter
    def params(self, value):
        pass  # Layer.__init__ assigns {}; a Sequential's params always come from its layers

    @property
    def grads(self):
        return {f"{i}.{k}": g for i, layer in enumerate(self.layers) for k, g in layer.grads.items()}

    @grads.setter
    def grads(self, value):
        pass

    def params_and_grads(self):
        for i, layer in enumerate(self.layers):
            for name, p, g in layer.params_and_grads():
                yield f"{i}.{name}", p, g

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()

    def train(self, mode: bool = True):
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def astype(self, dtype):
        for layer in self.layers:
            layer.astype(dtype)
        return self


def count_params(model: Layer) -> int:
    """Total number of trainable numbers, e.g. 13,002 for the 784-16-16-10 MNIST network."""
    return int(sum(p.size for _, p, _ in model.params_and_grads()))
