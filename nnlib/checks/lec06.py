"""Checks for exercises/06_initialization.ipynb.

Initializers are checked by the statistics of a large draw (fan_in and fan_out drawn from `rng`, far
enough apart that fan_in, fan_out and their mean give clearly different variances), by their shape
(out, in) and by their bounds. `activation_stds` is compared, on random stacks of layers, with the std of
what nnlib.Sequential(layers[:k + 1]) outputs for each k. `fixed_init` is used to build a fixed deep network, which is then trained
briefly with a seed drawn from `rng`: the loss must fall below a threshold.
"""
from __future__ import annotations

import numpy as np

from ..data import load_mnist
from ..init import INITIALIZERS, normal
from ..layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from ..losses import SoftmaxCrossEntropy
from ..model import fit
from ..optim import SGD
from . import call, exercise, expect_array, expect_close

# -- the initializers ---------------------------------------------------------------------------

def _fans(rng):
    """fan_in in [300, 500] and a fan_out at least 1.7x larger or smaller, so variances differ by >= 25%."""
    fan_in = int(rng.integers(300, 501))
    ratio = rng.uniform(0.3, 0.42) if rng.random() < 0.5 else rng.uniform(1.7, 2.5)
    return fan_in, int(round(fan_in * ratio))


def _draw(report, fn, fan_in, fan_out, seed, name):
    W = call(report, fn, fan_in, fan_out, np.random.default_rng(seed))
    W = expect_array(report, W, (fan_out, fan_in), f"{name}({fan_in}, {fan_out}, rng)")
    again = fn(fan_in, fan_out, np.random.default_rng(seed))
    if not (isinstance(again, np.ndarray) and again.shape == W.shape and np.array_equal(again, W)):
        report.fail("two calls with generators seeded alike gave different weights: draw the numbers from the "
                    "rng argument (rng.uniform / rng.normal), not from np.random, so that results are reproducible")
    return W


def _which_variance(var, fan_in, fan_out):
    """A hint naming the formula `var` matches, when it matches a common wrong one."""
    candidates = {
        "1/fan_in": 1 / fan_in, "1/fan_out": 1 / fan_out, "2/fan_in": 2 / fan_in, "2/fan_out": 2 / fan_out,
        "2/(fan_in + fan_out)": 2 / (fan_in + fan_out), "1/(fan_in + fan_out)": 1 / (fan_in + fan_out),
        "6/(fan_in + fan_out)": 6 / (fan_in + fan_out), "(2/fan_in)^2": (2 / fan_in) ** 2,
        "4/(fan_in + fan_out)^2": 4 / (fan_in + fan_out) ** 2, "3/fan_in": 3 / fan_in,
    }
    matches = [name for name, v in candidates.items() if abs(var / v - 1) < 0.08]
    return f"; yours is about {' or '.join(matches)}" if matches else ""


@exercise("06.xavier_uniform")
def check_xavier_uniform(xavier_uniform, rng, report):
    fan_in, fan_out = _fans(rng)
    W = _draw(report, xavier_uniform, fan_in, fan_out, int(rng.integers(1 << 30)), "xavier_uniform")
    report.ok(f"xavier_uniform({fan_in}, {fan_out}, rng) returns weights of shape (fan_out, fan_in) = {W.shape}, "
              "reproducibly from rng")
    target = 2 / (fan_in + fan_out)
    var = float(W.var())
    if abs(var / target - 1) > 0.05:
        report.fail(f"Var(w) is {var:.3e} but Xavier needs 2/(fan_in + fan_out) = {target:.3e} "
                    f"(fan_in={fan_in}, fan_out={fan_out}){_which_variance(var, fan_in, fan_out)}")
    if abs(W.mean()) > 5 * np.sqrt(target / W.size):
        report.fail(f"the weights have mean {W.mean():.2e}; they should be centred on 0 (uniform on [-r, r])")
    report.ok(f"Var(w) = {var:.3e} matches 2/(fan_in + fan_out) = {target:.3e} within 5%, mean about 0")
    limit = np.sqrt(6 / (fan_in + fan_out))
    largest = float(np.abs(W).max())
    if largest > limit * (1 + 1e-9):
        report.fail(f"some weights reach |w| = {largest:.4f}, outside the Xavier bounds ±sqrt(6/(fan_in + fan_out)) "
                    f"= ±{limit:.4f}: draw uniformly in [-r, r] (rng.uniform), not from a normal distribution")
    if largest < 0.98 * limit:
        report.fail(f"the largest |w| is {largest:.4f}, but uniform weights on ±{limit:.4f} come close to the bound")
    report.ok(f"all weights lie in [-r, r] with r = sqrt(6/(fan_in + fan_out)) = {limit:.4f}, and fill it")


@exercise("06.he_normal")
def check_he_normal(he_normal, rng, report):
    fan_in, fan_out = _fans(rng)
    W = _draw(report, he_normal, fan_in, fan_out, int(rng.integers(1 << 30)), "he_normal")
    report.ok(f"he_normal({fan_in}, {fan_out}, rng) returns weights of shape (fan_out, fan_in) = {W.shape}, "
              "reproducibly from rng")
    target = 2 / fan_in
    var = float(W.var())
    if abs(var / target - 1) > 0.08:
        hint = _which_variance(var, fan_in, fan_out)
        if abs(var / (2 / fan_in) ** 2 - 1) < 0.08:
            hint += " (rng.normal takes the standard deviation, sqrt(2/fan_in), not the variance)"
        report.fail(f"Var(w) is {var:.3e} but He needs 2/fan_in = {target:.3e} "
                    f"(fan_in={fan_in}, fan_out={fan_out}){hint}")
    if abs(W.mean()) > 5 * np.sqrt(target / W.size):
        report.fail(f"the weights have mean {W.mean():.2e}; they should be centred on 0")
    report.ok(f"Var(w) = {var:.3e} matches 2/fan_in = {target:.3e} within 8%, mean about 0")
    tails = float(np.mean(np.abs(W) > 2 * np.sqrt(target)))
    if not 0.035 < tails < 0.057:
        report.fail(f"{100 * tails:.1f}% of the weights lie beyond 2 standard deviations; a normal distribution "
                    f"has 4.6% there: draw from rng.normal (a uniform has none beyond 1.73 std)")
    report.ok(f"the weights look normal: {100 * tails:.1f}% beyond 2 standard deviations (a normal has 4.6%)")


# -- activation statistics ----------------------------------------------------------------------

_ACTS = {"Tanh": Tanh, "ReLU": ReLU, "Sigmoid": Sigmoid}


def _random_stack(rng):
    """A random list of layers [Linear, activation, Linear, activation, ...(, Linear)] and an input X."""
    depth = int(rng.integers(2, 5))
    sizes = [int(rng.integers(3, 13)) for _ in range(depth + 1)]
    layers = []
    for i in range(depth):
        lin = Linear(sizes[i], sizes[i + 1], init=normal(float(rng.uniform(0.3, 1.5))), rng=rng)
        lin.params["b"] = rng.normal(0, 0.5, size=sizes[i + 1])
        name = str(rng.choice(list(_ACTS)))
        layers += [lin, _ACTS[name]()]
    if rng.random() < 0.5:  # sometimes end with a Linear, as a classifier does
        lin = Linear(sizes[-1], int(rng.integers(2, 6)), init=normal(0.5), rng=rng)
        layers.append(lin)
    X = rng.normal(0, rng.uniform(0.5, 2.0), size=(int(rng.integers(20, 60)), sizes[0]))
    return X, layers


def _outputs(X, layers):
    """What each layer outputs: for layer k, the output of nnlib.Sequential(layers[:k + 1]) run on X."""
    return [Sequential(list(layers[:k + 1])).forward(X) for k in range(len(layers))]


@exercise("06.activation_stds")
def check_activation_stds(activation_stds, rng, report):
    for trial in range(3):
        X, layers = _random_stack(rng)
        before = [{k: p.copy() for k, p in layer.params.items()} for layer in layers]
        got = call(report, activation_stds, X, list(layers))
        if isinstance(got, (list, tuple)):
            got = np.asarray(got, dtype=float)
        got = expect_array(report, got, (len(layers),), "the result (one std per layer)")
        for layer, params in zip(layers, before):
            if any(not np.array_equal(layer.params[k], p) for k, p in params.items()):
                report.fail("it changed a layer's parameters; only run forward passes")
        outs = _outputs(X, layers)
        expected = np.array([o.std() for o in outs])
        inputs = np.array([X.std()] + [o.std() for o in outs[:-1]])
        per_unit = np.array([o.std(axis=0).mean() for o in outs])
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-12):
            if np.allclose(got, inputs, rtol=1e-6):
                report.fail("your stds are those of each layer's INPUT (for an activation layer: the "
                            "pre-activation); take the std of each layer's output, after applying it")
            if np.allclose(got, per_unit, rtol=1e-6):
                report.fail("your stds are the mean of per-neuron stds (std over axis 0); take the std of all "
                            "numbers of the output at once: np.std(a)")
        expect_close(report, got, expected, "stds", rtol=1e-6, atol=1e-12)
        if trial == 0:
            kinds = " -> ".join(type(layer).__name__ for layer in layers)
            report.ok(f"activation_stds returns one std per layer ({len(layers)} for {kinds})")
    report.ok("the stds match those of the outputs of nnlib.Sequential(layers[:k + 1]), k = 0, 1, ..., on 3 random "
              "stacks of layers")


# -- fix a network by its init only ---------------------------------------------------------------

FIX_DEPTH, FIX_WIDTH, FIX_EPOCHS, FIX_N, FIX_LR, FIX_THRESHOLD = 8, 64, 3, 1000, 0.05, 1.0
BAD_INIT = normal(0.01)
_ACTIVATION_LAYERS = {"tanh": Tanh, "relu": ReLU}


def build_deep_net(init, activation="tanh", depth=FIX_DEPTH, width=FIX_WIDTH, seed=0):
    """784 -> [Linear(width) + activation] x depth -> Linear(10), every W drawn by `init`, biases 0."""
    rng = np.random.default_rng(seed)
    layers, n_in = [], 784
    for _ in range(depth):
        layers += [Linear(n_in, width, init=init, rng=rng), _ACTIVATION_LAYERS[activation]()]
        n_in = width
    layers.append(Linear(n_in, 10, init=init, rng=rng))
    return Sequential(layers)


def _architecture(net):
    return [(type(layer).__name__, tuple(p.shape for p in layer.params.values())) for layer in net.layers]


def fix_data(seed):
    """FIX_N MNIST training images chosen with `seed`, centred per pixel and scaled to std 1."""
    X, y, _, _ = load_mnist()
    X = (X - X.mean(axis=0)) / X.std()
    idx = np.random.default_rng(seed).choice(len(X), FIX_N, replace=False)
    return X[idx], y[idx]


def train_briefly(net, seed):
    """The training the check uses: FIX_EPOCHS epochs of SGD; returns the loss of each epoch."""
    X, y = fix_data(seed)
    history = fit(net, SoftmaxCrossEntropy(), SGD(net, lr=FIX_LR), X, y, epochs=FIX_EPOCHS, batch_size=32,
                  seed=seed, progress=False)
    return history["loss"]


@exercise("06.fix_init")
def check_fix_init(fixed_init, rng, report):
    seed = int(rng.integers(1 << 30))
    for activation in ("tanh", "relu"):
        init = call(report, fixed_init, activation)
        if isinstance(init, str):
            if init not in INITIALIZERS:
                report.fail(f"fixed_init({activation!r}) returned {init!r}, not a name in nnlib.init.INITIALIZERS "
                            f"({sorted(INITIALIZERS)})")
            init_fn = INITIALIZERS[init]
        elif callable(init):
            init_fn = init
        else:
            report.fail(f"fixed_init({activation!r}) should return an initializer: a function (shape, rng) -> "
                        f"weights, or a name such as 'xavier'; got {type(init).__name__}")
        reference = build_deep_net(BAD_INIT, activation, seed=seed)
        for layer in reference.layers:
            if isinstance(layer, Linear):
                shape = layer.params["W"].shape
                W = np.asarray(init_fn(shape, np.random.default_rng(seed)))
                if W.shape != shape:
                    report.fail(f"for {layer!r} your init returned weights of shape {W.shape}, but the layer needs "
                                f"{shape} = (out_features, in_features): the init may change the starting values, "
                                "not the architecture")
                if W.dtype.kind not in "fiu" or not np.all(np.isfinite(W)):
                    report.fail(f"for {layer!r} your init returned non-finite or non-numeric weights")
        net = build_deep_net(init_fn, activation, seed=seed)
        if _architecture(net) != _architecture(reference):
            report.fail("the network's architecture changed; only the initializer may change")
        losses = train_briefly(net, seed)
        if not np.all(np.isfinite(losses)):
            report.fail(f"with your init the {FIX_DEPTH}-layer {activation} network diverged: its loss per epoch is "
                        f"{', '.join(f'{v:.3g}' for v in losses)}. The activations grew from layer to layer until they "
                        "overflowed: your init's weights are far too large for this activation (their variance should "
                        "shrink with fan_in)")
        if losses[-1] >= FIX_THRESHOLD:
            report.fail(f"with your init the {FIX_DEPTH}-layer {activation} network does not train well enough: after "
                        f"{FIX_EPOCHS} epochs its loss is {losses[-1]:.3f} (needs < {FIX_THRESHOLD}; ln 10 = 2.303 is "
                        "guessing). Check the variance your init gives for this activation")
        report.ok(f"{activation}: same architecture ({FIX_DEPTH} hidden layers of {FIX_WIDTH}), and the loss falls "
                  f"from {losses[0]:.3f} (first epoch) to {losses[-1]:.3f} after {FIX_EPOCHS} epochs")
