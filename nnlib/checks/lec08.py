"""Checks for exercises/08_recurrent_networks.ipynb.

The forward passes are compared with nnlib.RNN (itself tested against plain loops, numeric gradients and
PyTorch) holding the same weights; a single step is an RNN run over a sequence of length 1. The backward
passes are compared with numeric gradients (central differences in float64) of that forward, on random
shapes, including sequences of length 1.

When values are wrong, the check recomputes the usual mistakes and names the one that matches. It does so
without the answer's formulas where it can: the gradient w.r.t. each step's pre-activation, dz_t, is the
numeric gradient w.r.t. an extra input block wired straight into the pre-activation (input weights [W_xh, I]);
the gradient "with nothing carried back through time" is the numeric gradient of every step run on its own
from the states the forward pass produced; a wrong tanh derivative g(h) is the numeric gradient with the
upstream gradient reweighted by g(h) / tanh'(z).

clip_global_norm is compared with nnlib.clip_grad_norm (on a bare nnlib Layer holding copies of the
gradients), including gradients that are all 0. sample_next with frequencies over thousands of draws (they
must match softmax(logits / T) within 5 standard errors), the limits of small and large temperatures,
logits shifted by ~1000 (no overflow), and the exact draws of rng.choice(len(p), p=p) from the same seed:
the exercise's text prescribes that very call on p = softmax(logits / T), so the check replays it.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..gradcheck import numeric_gradient_array
from ..layers import RNN, Layer
from ..optim import clip_grad_norm
from ..validate import shape_str
from . import (call, call_many, exercise, expect_array, expect_close, expect_gradient_diagnosed, expect_number, expect_tuple,
               expect_values, matches, worst_mismatch)

STEP_GRADS = ("dx_t", "dh_prev", "dW_xh", "dW_hh", "db")
SEQ_GRADS = ("dx", "dh0", "dW_xh", "dW_hh", "db")


class _Lazy:
    """A value computed on first use (the diagnoses are only needed when something is wrong)."""

    def __init__(self, fn):
        self.fn, self.done, self.value = fn, False, None

    def __call__(self):
        if not self.done:
            self.value, self.done = self.fn(), True
        return self.value


# -- the reference: nnlib.RNN with the given weights ----------------------------------------------------

def _rnn_layer(W_xh, W_hh, b) -> RNN:
    """nnlib.RNN holding copies of W_xh (H, D), W_hh (H, H), b (H,)."""
    H, D = W_xh.shape
    layer = RNN(int(D), int(H), rng=0)
    layer.params.update(W_xh=np.array(W_xh, dtype=np.float64), W_hh=np.array(W_hh, dtype=np.float64),
                        b=np.array(b, dtype=np.float64))
    return layer


def _rnn_ref(x, h0, W_xh, W_hh, b):
    """All hidden states (N, T, H) of x (N, T, D) from h0 (N, H)."""
    return _rnn_layer(W_xh, W_hh, b).forward(x, h0)


def _sizes(rng, avoid=()):
    """N, D, H all different (and different from `avoid`, e.g. T), so a transposed result has another shape."""
    N = int(rng.choice([n for n in range(2, 6) if n not in avoid]))
    D = int(rng.choice([d for d in range(2, 6) if d not in (N, *avoid)]))
    H = int(rng.choice([h for h in range(3, 8) if h not in (N, D, *avoid)]))
    return N, D, H


def _weights(rng, D, H):
    """Weights that keep tanh mostly out of saturation; W_hh clearly not symmetric."""
    W_xh = rng.standard_normal((H, D)) / np.sqrt(D)
    W_hh = rng.standard_normal((H, H)) / np.sqrt(H)
    b = 0.5 * rng.standard_normal(H)
    return W_xh, W_hh, b


def _sequence_problem(rng, T):
    N, D, H = _sizes(rng, avoid=(T,))
    x = rng.standard_normal((N, T, D))
    h0 = np.tanh(rng.standard_normal((N, H)))  # a state in (-1, 1), like every later one
    return (x, h0, *_weights(rng, D, H))


def _pre_activation_grad(x, h0, W_xh, W_hh, b, dhs):
    """dL/dz_t (N, T, H), L = sum(dhs * hs), numerically: an extra input block u (N, T, H) enters every
    pre-activation through the identity (input weights [W_xh, I]), so dL/du at u = 0 is dL/dz."""
    H, D = W_xh.shape
    layer = _rnn_layer(np.hstack([W_xh, np.eye(H)]), W_hh, b)
    u = np.zeros(x.shape[:2] + (H,))
    return numeric_gradient_array(lambda u_: layer.forward(np.concatenate([x, u_], axis=2), h0), u, dhs)


def _tanh_slope(h):
    """tanh'(z) at z = arctanh(h), numerically (for reweighting the upstream gradient)."""
    return numeric_gradient_array(np.tanh, np.arctanh(h), np.ones_like(h))


# -- 1. one step forward ------------------------------------------------------------------------------

W_HH_T = ("W_hh is transposed: the recurrent term is h_prev times W_hh TRANSPOSED, exactly like x_t times W_xh "
          "transposed (row j of each matrix holds the weights INTO unit j). W_hh is square, so the shapes "
          "cannot show this; only the values can")


@exercise("08.rnn_step_forward")
def check_rnn_step_forward(rnn_step_forward, rng, report):
    for t in range(3):
        N, D, H = _sizes(rng)
        x_t, h_prev = rng.standard_normal((N, D)), np.tanh(rng.standard_normal((N, H)))
        W_xh, W_hh, b = _weights(rng, D, H)
        got = call(report, rnn_step_forward, x_t, h_prev, W_xh, W_hh, b)
        what = f"h_t for x_t {shape_str(x_t.shape)} and h_prev {shape_str(h_prev.shape)}"
        if isinstance(got, np.ndarray) and got.shape == (N, D):
            report.fail(f"{what} has shape {shape_str(got.shape)}, x_t's; expected (N, H) = {shape_str((N, H))}: "
                        "one state of H units per sample")
        got = expect_array(report, got, (N, H), what)
        if t == 0:
            report.ok(f"rnn_step_forward returns h_t of shape (N, H) = {got.shape} for x_t {x_t.shape}, "
                      f"h_prev {h_prev.shape}, W_xh {W_xh.shape}, W_hh {W_hh.shape}")
        expected = _rnn_ref(x_t[:, None], h_prev, W_xh, W_hh, b)[:, 0]
        pre = np.arctanh(expected)  # the pre-activation z_t
        expect_values(report, got, expected, "h_t", [
            (W_HH_T, lambda: _rnn_ref(x_t[:, None], h_prev, W_xh, W_hh.T, b)[:, 0]),
            ("tanh is missing: these are the pre-activations z_t = x_t W_xhᵀ + h_prev W_hhᵀ + b; the state is "
             "h_t = tanh(z_t), which keeps every unit in (-1, 1)", lambda: pre),
            ("the bias b is missing", lambda: _rnn_ref(x_t[:, None], h_prev, W_xh, W_hh, 0 * b)[:, 0]),
            ("h_prev is ignored: without the recurrent term h_prev W_hhᵀ the network has no memory; the new state "
             "depends on the input AND the previous state",
             lambda: _rnn_ref(x_t[:, None], 0 * h_prev, W_xh, W_hh, b)[:, 0]),
            ("that is the logistic sigmoid of the pre-activation; a simple RNN squashes with tanh",
             lambda: F.sigmoid(pre)),
        ], "h_t = tanh(x_t W_xhᵀ + h_prev W_hhᵀ + b)")
    report.ok("h_t matches tanh(x_t W_xhᵀ + h_prev W_hhᵀ + b) (nnlib.RNN over one step) on 3 random problems "
              "with non-symmetric W_hh")


# -- 2. one step backward ----------------------------------------------------------------------------

def _grad_shape_cause(name, shape, sizes) -> str:
    N, T, D, H = sizes  # T is None for a single step
    if name == "db":
        if shape == (N, H):
            return ("db has one row per sample: the bias is shared by all N samples of the batch, so its gradient "
                    "is the SUM over the batch axis")
        if T is not None and shape == (T, H):
            return "db has one row per time step: b is shared by all steps too, so sum over time as well"
        if T is not None and shape == (N, T, H):
            return "db has one entry per sample and step: sum over the batch and over time"
        return "db has the shape of b, (H,)"
    if name in ("dW_xh", "dW_hh") and len(shape) == 2 and shape[::-1] == ((H, D) if name == "dW_xh" else (H, H)):
        return f"{name} is transposed: it has the shape of W, one row per hidden unit"
    if name in ("dW_xh", "dW_hh") and len(shape) == 3:
        return (f"{name} has one matrix per sample or step: the weights are shared by the whole batch and every "
                "step, so their gradients add up into one matrix of the shape of W")
    if name == "dx" and T is not None and shape == (T, N, D):
        return "that is time first (T, N, D); x is batch first, (N, T, D): dx[:, t] is the gradient of x[:, t]"
    if name in ("dh0", "dh_prev") and shape == (H,):
        return f"{name} has one value per unit; it needs one row per sample, (N, H), like the state"
    return f"{name} has the shape of what it is the gradient of"


def _check_grad_shapes(report, grads, names, shapes, sizes, problem):
    for name, g, shape in zip(names, grads, shapes):
        if isinstance(g, np.ndarray) and g.shape != shape:
            report.fail(f"{problem}: {name} has shape {shape_str(g.shape)}, expected {shape_str(shape)}: "
                        f"{_grad_shape_cause(name, g.shape, sizes)}")


LOCAL_DERIVATIVES = [
    ("the tanh derivative was taken at h_t as if it were the pre-activation, 1 - tanh(h_t)²: h_t is ALREADY "
     "tanh(z_t), so the local derivative is 1 - tanh(z_t)² = 1 - h_t²", lambda h: 1 - np.tanh(h) ** 2),
    ("the local derivative is h_t (1 - h_t), the sigmoid's; for tanh it is 1 - h_t²", lambda h: h * (1 - h)),
    ("the local derivative of tanh is missing: multiply dh_t by 1 - h_t² (tanh' written with its output) "
     "before the products", lambda h: np.ones_like(h)),
    ("the local derivative is 1 - h_t; tanh' is 1 - h_t² (squared)", lambda h: 1 - h),
]


@exercise("08.rnn_step_backward")
def check_rnn_step_backward(rnn_step_backward, rng, report):
    worst = 0.0
    for t in range(3):
        N, D, H = _sizes(rng)
        x_t, h_prev = rng.standard_normal((N, 1, D)), np.tanh(rng.standard_normal((N, H)))
        W_xh, W_hh, b = _weights(rng, D, H)
        layer = _rnn_layer(W_xh, W_hh, b)
        h_t = layer.forward(x_t, h_prev)[:, 0].copy()
        dh = rng.standard_normal((N, H))
        x2 = x_t[:, 0].copy()
        grads = expect_tuple(report, call(report, rnn_step_backward, dh, x2, h_prev, h_t, W_xh, W_hh),
                             "rnn_step_backward", STEP_GRADS)
        shapes = ((N, D), (N, H), (H, D), (H, H), (H,))
        problem = f"for x_t {shape_str((N, D))}, h_prev {shape_str((N, H))}"
        _check_grad_shapes(report, grads, STEP_GRADS, shapes, (N, None, D, H), problem)
        for name, g, shape in zip(STEP_GRADS, grads, shapes):
            expect_array(report, g, shape, name)
        if t == 0:
            report.ok(f"rnn_step_backward returns dx_t {shape_str((N, D))}, dh_prev {shape_str((N, H))}, "
                      f"dW_xh {shape_str((H, D))}, dW_hh {shape_str((H, H))}, db {shape_str((H,))}: the shapes of "
                      "x_t, h_prev, W_xh, W_hh, b")

        def numeric(name, upstream):
            up = upstream[:, None]
            if name == "dx_t":
                return numeric_gradient_array(lambda x_: layer.forward(x_, h_prev), x_t.copy(), up)[:, 0]
            if name == "dh_prev":
                return numeric_gradient_array(lambda h_: layer.forward(x_t, h_), h_prev.copy(), up)
            key = {"dW_xh": "W_xh", "dW_hh": "W_hh", "db": "b"}[name]
            return numeric_gradient_array(lambda _: layer.forward(x_t, h_prev), layer.params[key], up)

        dz = _Lazy(lambda: _pre_activation_grad(x_t, h_prev, W_xh, W_hh, b, dh[:, None])[:, 0])
        slope = _Lazy(lambda: _tanh_slope(h_t))
        order = ("db", "dW_xh", "dx_t", "dW_hh", "dh_prev")  # the bias first: it sees the local derivative alone
        got = dict(zip(STEP_GRADS, grads))
        for name in order:
            diagnoses = [(cause, (lambda g=g, name=name: numeric(name, dh * g(h_t) / slope())))
                         for cause, g in LOCAL_DERIVATIVES]
            if name == "dW_hh":
                diagnoses.append(("dW_hh was computed with h_t, the step's OUTPUT; the weight W_hh multiplies the "
                                  "state that ENTERED the step, so its gradient pairs dz with h_prev",
                                  lambda: dz().T @ h_t))
            if name == "dh_prev":
                diagnoses.append(("dh_prev went back through W_hh transposed: the forward multiplies h_prev by "
                                  "W_hhᵀ, so the backward multiplies dz by W_hh itself (square, so the shape "
                                  "cannot tell)", lambda: dz() @ W_hh.T))
            worst = max(worst, expect_gradient_diagnosed(report, got[name], numeric(name, dh), name, diagnoses))
    report.ok(f"dx_t, dh_prev, dW_xh, dW_hh and db match numeric gradients of one step on 3 random problems "
              f"(worst relative error {worst:.1e})")


# -- 3. the forward pass over a sequence -----------------------------------------------------------------

@exercise("08.rnn_forward")
def check_rnn_forward(rnn_forward, rng, report):
    for t, T in enumerate([int(rng.integers(3, 7)), 1, int(rng.integers(2, 9))]):
        x, h0, W_xh, W_hh, b = _sequence_problem(rng, T)
        (N, T, D), H = x.shape, h0.shape[1]
        got = call(report, rnn_forward, x, h0, W_xh, W_hh, b)
        what = f"hs for x {shape_str(x.shape)}"
        expected = _rnn_ref(x, h0, W_xh, W_hh, b)
        if isinstance(got, np.ndarray) and got.shape != (N, T, H):
            cause = "expected (N, T, H): the state after every step, batch first"
            if got.shape == (T, N, H):
                cause = ("that is time first (T, N, H), e.g. np.stack of the states along axis 0; nnlib is batch "
                         "first: hs[:, t] is the state after step t, so stack along axis 1 (or fill hs[:, t])")
            elif got.shape == (N, H):
                cause = ("that is one state: the function returns ALL states, (N, T, H), one for every step, "
                         "not only the last")
            elif got.shape == (N, T + 1, H):
                cause = "it includes h0; hs[:, t] is the state AFTER step t, so there are T of them"
            report.fail(f"{what} has shape {shape_str(got.shape)}, expected {shape_str((N, T, H))}: {cause}")
        got = expect_array(report, got, (N, T, H), what)
        if t == 0:
            report.ok(f"rnn_forward returns hs of shape (N, T, H) = {got.shape} for x {x.shape} and h0 {h0.shape}")
        mistakes = [
            ("every step started from h0: the state must be carried along, the h_t one step returns is the h_prev "
             "of the next", lambda: _rnn_ref(x.reshape(N * T, 1, D), np.repeat(h0, T, axis=0), W_xh, W_hh,
                                             b).reshape(N, T, H)),
            ("hs[:, t] holds the state BEFORE step t (h0 first): store the new state h_t that step t returns",
             lambda: np.concatenate([h0[:, None], expected[:, :-1]], axis=1) if T > 1 else None),
            ("the states are those of the sequence read backwards: step t reads x[:, t], t = 0, 1, ..., T - 1",
             lambda: _rnn_ref(x[:, ::-1], h0, W_xh, W_hh, b) if T > 1 else None),
        ]
        expect_values(report, got, expected, "hs", mistakes,
                       "hs[:, t] is the state h_t that step t returns from x[:, t] and the state before it")
    report.ok("hs matches nnlib.RNN on 3 random sequences (lengths 1 to 8): each step starts from the state the "
              "step before returned")


# -- 4. backpropagation through time ----------------------------------------------------------------------

def _steps_alone_grads(x, h0, hs, W_xh, W_hh, b, dhs):
    """The gradients "with nothing carried back through time": every step run on its own from the state
    that entered it in the forward pass (N*T sequences of length 1), with upstream dhs[:, t] only."""
    (N, T, D), H = x.shape, h0.shape[1]
    layer = _rnn_layer(W_xh, W_hh, b)
    x1 = x.reshape(N * T, 1, D).copy()
    hp = np.concatenate([h0[:, None], hs[:, :-1]], axis=1).reshape(N * T, H)
    up = dhs.reshape(N * T, 1, H)
    out = {"dx": numeric_gradient_array(lambda x_: layer.forward(x_, hp), x1, up).reshape(N, T, D),
           "dh0": numeric_gradient_array(lambda h_: layer.forward(x1, h_), hp.copy(), up).reshape(N, T, H)[:, 0]}
    for name, key in (("dW_xh", "W_xh"), ("dW_hh", "W_hh"), ("db", "b")):
        out[name] = numeric_gradient_array(lambda _: layer.forward(x1, hp), layer.params[key], up)
    return out


TRUNCATED = ("it matches the gradients of each step on its own, with nothing carried back through time: h_t also "
             "enters step t + 1, so the gradient reaching h_t is dhs[:, t] PLUS the dh_prev that step t + 1 sent "
             "back. Go from the last step down to the first and carry dh along")
STEP0_ONLY = ("it is the gradient of step 0 alone: W_xh, W_hh and b are shared by all T steps, so their gradients "
              "are the SUM over the steps; add each step's contribution (+=), do not overwrite it")


@exercise("08.rnn_backward")
def check_rnn_backward(rnn_backward, rng, report):
    worst = 0.0
    for t, T in enumerate([int(rng.integers(3, 6)), 1, int(rng.integers(2, 7))]):
        x, h0, W_xh, W_hh, b = _sequence_problem(rng, T)
        (N, T, D), H = x.shape, h0.shape[1]
        layer = _rnn_layer(W_xh, W_hh, b)
        hs = layer.forward(x, h0).copy()
        dhs = rng.standard_normal(hs.shape)
        grads = expect_tuple(report, call(report, rnn_backward, dhs, x, h0, hs, W_xh, W_hh), "rnn_backward",
                             SEQ_GRADS)
        shapes = (x.shape, h0.shape, W_xh.shape, W_hh.shape, b.shape)
        problem = f"for x {shape_str(x.shape)}, h0 {shape_str(h0.shape)}"
        _check_grad_shapes(report, grads, SEQ_GRADS, shapes, (N, T, D, H), problem)
        for name, g, shape in zip(SEQ_GRADS, grads, shapes):
            expect_array(report, g, shape, name)
        if t == 0:
            report.ok(f"rnn_backward returns dx {shape_str(x.shape)}, dh0 {shape_str(h0.shape)}, dW_xh "
                      f"{shape_str(W_xh.shape)}, dW_hh {shape_str(W_hh.shape)}, db {shape_str(b.shape)}")
        num = {"dx": numeric_gradient_array(lambda x_: layer.forward(x_, h0), x.copy(), dhs),
               "dh0": numeric_gradient_array(lambda h_: layer.forward(x, h_), h0.copy(), dhs)}
        for name, key in (("dW_xh", "W_xh"), ("dW_hh", "W_hh"), ("db", "b")):
            num[name] = numeric_gradient_array(lambda _: layer.forward(x, h0), layer.params[key], dhs)

        alone = _Lazy(lambda: _steps_alone_grads(x, h0, hs, W_xh, W_hh, b, dhs))
        dz = _Lazy(lambda: _pre_activation_grad(x, h0, W_xh, W_hh, b, dhs))  # (N, T, H)
        truncated = [(TRUNCATED, (lambda name=name: alone()[name] if T > 1 else None)) for name in SEQ_GRADS]
        diagnoses = {name: [truncated[i]] for i, name in enumerate(SEQ_GRADS)}
        diagnoses["dW_xh"].append((STEP0_ONLY, lambda: dz()[:, 0].T @ x[:, 0] if T > 1 else None))
        diagnoses["db"].append((STEP0_ONLY, lambda: dz()[:, 0].sum(axis=0) if T > 1 else None))
        diagnoses["dW_hh"] += [
            (STEP0_ONLY, lambda: dz()[:, 0].T @ h0 if T > 1 else None),
            ("only the term of step 0 is wrong: the state that entered step 0 is h0, but hs[:, t - 1] at t = 0 is "
             "hs[:, -1], the LAST state (a negative index wraps around)",
             lambda: num["dW_hh"] + dz()[:, 0].T @ (hs[:, -1] - h0) if T > 1 else None),
            ("each step was paired with its own output state h_t; W_hh multiplies the state that ENTERED step t: "
             "h_{t-1} = hs[:, t - 1], and h0 for t = 0", lambda: np.einsum("nti,ntj->ij", dz(), hs)),
        ]
        hints = {"dh0": "h0 influences every state through h_1; dh0 is the dh_prev that step 0 sends back"}
        for name, g in zip(SEQ_GRADS, grads):
            worst = max(worst, expect_gradient_diagnosed(report, g, num[name], name, diagnoses[name], hints.get(name, "")))
        if t == 0:
            report.ok(f"all five match numeric gradients through T = {T} steps: the gradient flows back from later "
                      "steps into earlier ones, and the shared weights collect the sum over the steps")
    report.ok(f"dx, dh0, dW_xh, dW_hh and db match numeric gradients on 3 random sequences including T = 1 "
              f"(worst relative error {worst:.1e})")


# -- 5. clipping by the global norm --------------------------------------------------------------------

def _nnlib_clip(grads, max_norm):
    """(clipped copies of grads, global norm before clipping), by nnlib.clip_grad_norm, which clips the gradients
    of a model in place (here a bare nnlib Layer holding copies of them)."""
    holder = Layer()
    holder.params = {k: np.zeros(np.shape(g)) for k, g in grads.items()}
    holder.grads = {k: np.array(g, dtype=np.float64) for k, g in grads.items()}
    norm = clip_grad_norm(holder, max_norm)
    return holder.grads, norm


def _global_norm(grads) -> float:
    """The global norm of all elements of all arrays, by nnlib.clip_grad_norm with a limit it never reaches."""
    return _nnlib_clip(grads, np.inf)[1]


def _clip_cases(rng):
    """(grads, max_norm): above the limit with one exploded matrix and a small bias (each array's own norm on
    either side of max_norm, many elements beyond max_norm), below the limit, a random case above it, and all
    gradients 0. Where they are clipped their global norm is at least 10, so that the 1e-6 nnlib.clip_grad_norm
    adds to the norm (against a division by 0) changes its result by less than 1e-7."""
    H, D = int(rng.integers(3, 7)), int(rng.integers(2, 6))
    first = {"W_xh": 30.0 * rng.standard_normal((H, D)), "W_hh": 8.0 * rng.standard_normal((H, H)),
             "b": 0.5 * rng.standard_normal(H)}
    below = {"W": 0.3 * rng.standard_normal((int(rng.integers(2, 6)), int(rng.integers(2, 6)))),
             "b": 0.3 * rng.standard_normal(int(rng.integers(2, 6)))}
    third = {"conv.W": rng.standard_normal((2, 3, int(rng.integers(2, 4)))) * rng.uniform(1, 4),
             "fc.W": rng.standard_normal((int(rng.integers(2, 5)), 4)) * rng.uniform(0.5, 2),
             "fc.b": rng.standard_normal(int(rng.integers(2, 5))) * 0.1}
    third = {k: g * max(1.0, 10.0 / _global_norm(third)) for k, g in third.items()}
    zero = {"W": np.zeros((int(rng.integers(2, 5)), int(rng.integers(2, 5)))), "b": np.zeros(int(rng.integers(2, 5)))}
    return [(first, 10.0), (below, round(_global_norm(below) * float(rng.uniform(1.5, 3.0)), 3)),
            (third, round(_global_norm(third) / float(rng.uniform(2.0, 6.0)), 3)),
            (zero, round(float(rng.uniform(0.5, 2.0)), 3))]


IN_PLACE = ("it changed the gradients it was given ({what}); this exercise returns a NEW dict of new arrays and "
            "leaves grads as it is. (nnlib.clip_grad_norm scales in place instead, because the optimizer reads "
            "those very arrays.)")


@exercise("08.clip_global_norm")
def check_clip_global_norm(clip_global_norm, rng, report):
    for t, (grads, max_norm) in enumerate(_clip_cases(rng)):
        given = dict(grads)
        copies = {k: g.copy() for k, g in grads.items()}
        out = expect_tuple(report, clip_global_norm(grads, max_norm), "clip_global_norm", ("clipped", "norm"))
        if set(grads) != set(copies) or any(grads[k] is not given[k] for k in copies):
            report.fail(IN_PLACE.format(what="it put other arrays into the dict grads, or changed its keys"))
        for k in copies:
            if not np.array_equal(grads[k], copies[k]):
                report.fail(IN_PLACE.format(what=f"grads[{k!r}] was modified, e.g. by g *= scale"))
        clipped, norm = out
        if not isinstance(clipped, dict):
            report.fail("the first value returned should be a dict name -> clipped array, got "
                        f"{type(clipped).__name__}")
        if set(clipped) != set(copies):
            report.fail(f"the returned dict has keys {sorted(clipped)}, expected the keys of grads, {sorted(copies)}")
        expected, total = _nnlib_clip(copies, max_norm)
        for k in copies:
            c = clipped[k]
            if total == 0 and isinstance(c, np.ndarray) and c.dtype.kind == "f" and not np.all(np.isfinite(c)):
                report.fail(f"with all gradients 0 (global norm 0, max_norm = {max_norm:g}), clipped[{k!r}] contains "
                            f"{c[~np.isfinite(c)][0]}: 0 / 0. A norm that does not exceed max_norm leaves the "
                            "gradients unchanged: divide by the norm only when it exceeds max_norm")
            expect_array(report, c, copies[k].shape, f"clipped[{k!r}]")
        if t == 0:
            report.ok("clip_global_norm returns a new dict with the keys and shapes of grads, and a number, and leaves "
                      "grads unchanged")

        norm = expect_number(report, norm, "the returned norm")
        if not np.isclose(norm, total, rtol=1e-9, atol=0):
            own = [float(np.linalg.norm(g)) for g in copies.values()]
            causes = [
                (min(total, max_norm), "that is the norm AFTER clipping; return the global norm BEFORE clipping "
                                       "(it is what one logs to watch for exploding gradients)"),
                (sum(own), "that is the sum of the arrays' own norms; the global norm is the square root of the sum "
                           "of the squares of ALL elements, sqrt(n1² + n2² + ...) for arrays of norms n1, n2, ..."),
                (total ** 2, "that is the sum of squares without the square root"),
                (max(own), "that is the largest norm of a single array; the global norm counts every element of "
                           "every array"),
            ]
            cause = next((c for v, c in causes if np.isclose(norm, v, rtol=1e-9)), "")
            report.fail(f"the returned norm is {norm:.6g}, expected the global norm {total:.6g} (max_norm = "
                        f"{max_norm:g})" + (f": {cause}" if cause else ""))

        if all(matches(clipped[k], expected[k]) for k in copies):
            continue
        mistakes = [
            ("the global norm is above max_norm but the gradients came back unchanged: scale them all by "
             "max_norm / norm", {k: g for k, g in copies.items()} if total > max_norm else None),
            ("each ELEMENT was clipped to [-max_norm, max_norm] (np.clip): that changes the direction of the "
             "gradient; scale every array by the same factor max_norm / norm instead",
             {k: np.clip(g, -max_norm, max_norm) for k, g in copies.items()}),
            ("each array was clipped by its OWN norm: that changes the direction of the whole gradient (arrays "
             "with a small norm keep it, large ones shrink); one factor for all, from the global norm",
             {k: g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-300)) for k, g in copies.items()}),
            ("the gradients were scaled UP to norm max_norm although their norm was already below it: clip only "
             "when the global norm exceeds max_norm, and return them unchanged otherwise",
             {k: g * max_norm / total for k, g in copies.items()} if 0 < total < max_norm else None),
            ("the gradients were scaled by norm / max_norm, the inverse of the factor: multiply by max_norm / norm",
             {k: g * total / max_norm for k, g in copies.items()}),
        ]
        where = (f"with global norm {total:.4g} and max_norm = {max_norm:g} (factor "
                 f"{'1, no clipping' if total <= max_norm else f'{max_norm / total:.4g}'})")
        for cause, alt in mistakes:
            if alt is not None and all(matches(clipped[k], alt[k]) for k in copies):
                k = next(k for k in copies if not matches(clipped[k], expected[k]))
                report.fail(f"{where}: {worst_mismatch(f'clipped[{k!r}]', clipped[k], expected[k])} — {cause}")
        for k in copies:
            expect_close(report, clipped[k], expected[k], f"clipped[{k!r}] {where}", rtol=1e-6, atol=1e-12)
    report.ok("the returned norm is the global norm before clipping: sqrt of the sum of squares of every element "
              "of every array")
    report.ok("above max_norm every array is scaled by the same factor max_norm / norm (global norm after: "
              "max_norm, direction unchanged); below it the gradients come back unchanged, not scaled up")


# -- 6. sampling with a temperature --------------------------------------------------------------------------

def _logits(rng, V):
    """Centred logits (so some are negative) with a unique largest one, at least 0.5 above the next."""
    z = 1.5 * rng.standard_normal(V)
    z -= z.mean()
    order = np.argsort(z)
    if z[order[-1]] - z[order[-2]] < 0.5:
        z[order[-1]] = z[order[-2]] + 0.5
    return z


def _as_id(report, v, V, what):
    if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "iu":
        v = v[()]
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        if isinstance(v, np.ndarray):
            report.fail(f"{what} is an array of shape {shape_str(v.shape)}; return ONE id, an int (rng.choice "
                        "without a size argument returns a single number)")
        if isinstance(v, (float, np.floating)):
            report.fail(f"{what} is the float {v!r}; an id is an int, the index of the character drawn")
        report.fail(f"{what} should be an int, got {type(v).__name__}")
    if not 0 <= int(v) < V:
        report.fail(f"{what} is {int(v)}, outside 0..{V - 1} for {V} logits")
    return int(v)


def _draw(report, sample_next, logits, temperature, rng, what="the id returned", context="", n=None):
    """One id drawn by sample_next(logits, temperature, rng), checked; with n, a list of n ids drawn one
    after another from the same rng (in one round trip when sample_next runs in the grader's kernel)."""
    try:
        if n is None:
            v = sample_next(logits.copy(), temperature, rng)
        else:
            return [_as_id(report, v, len(logits), what) for v in call_many(sample_next, n, logits.copy(), temperature, rng)]
    except ValueError as exc:
        if "probabilit" not in str(exc).lower():
            raise
        said = str(exc).split(". See")[0].rstrip(".")
        extra = ""
        if "nan" in said.lower():
            extra = (" (an exp that overflowed, or a division by a sum near 0; nnlib.functional.softmax subtracts the "
                     "largest logit first and never does either)")
        elif "sum to 1" in said:
            extra = " (exp of the logits must still be divided by its sum: that is what the softmax does)"
        report.fail(f"{context}rng.choice rejected the probabilities: {said}{extra}. p must be softmax(logits / temperature): "
                    "every entry >= 0 and all summing to 1. Logits are not probabilities: they can be negative and "
                    "sum to anything; the softmax turns them into probabilities")
    return _as_id(report, v, len(logits), what)


def _frequencies(report, sample_next, logits, temperature, seed, n):
    r = np.random.default_rng(seed)
    ids = _draw(report, sample_next, logits, temperature, r, n=n)
    return np.bincount(ids, minlength=len(logits)) / n


def _fits(freq, p, n) -> bool:
    """Every frequency within 5 standard errors of its probability (plus one draw's worth)."""
    return bool(np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1.0 / n))


def _expect_distribution(report, freq, logits, temperature, n):
    p = F.softmax(logits / temperature)
    if _fits(freq, p, n):
        return p
    V, top = len(logits), int(np.argmax(logits))
    table = ", ".join(f"{f:.3f} vs {q:.3f}" for f, q in zip(freq, p))
    head = (f"over {n} draws at temperature {temperature:g}, the frequencies of the {V} ids do not match "
            f"softmax(logits / temperature) (yours vs expected: {table})")
    alternatives = [
        ("they match softmax(logits * temperature): divide the logits by the temperature (a small temperature "
         "sharpens the distribution, a large one flattens it)", F.softmax(logits * temperature)),
        ("they match softmax(logits): the temperature is ignored; divide the logits by it before the softmax",
         F.softmax(logits)),
        ("every id comes about equally often: the probabilities are not used; pass p to rng.choice",
         np.full(V, 1.0 / V)),
    ]
    for cause, q in alternatives:
        if not np.allclose(q, p, atol=0.02) and _fits(freq, q, n):
            report.fail(f"{head} — {cause}")
    if freq[top] == 1.0:
        report.fail(f"{head} — every draw is the id of the largest logit: that is greedy decoding (argmax), not "
                    "sampling; draw from the probabilities with the rng, so that likely ids come most often but "
                    "others come too")
    report.fail(head)


@exercise("08.sample_next")
def check_sample_next(sample_next, rng, report):
    V = int(rng.integers(4, 8))
    logits = _logits(rng, V)
    seed = int(rng.integers(1 << 30))

    def checked(logits_, temperature, rng_):  # the first call also checks that the logits are left alone
        return call(report, sample_next, logits_, temperature, rng_)

    _draw(report, checked, logits, 1.0, np.random.default_rng(seed), f"sample_next(logits of shape ({V},), 1.0, rng)")
    report.ok(f"sample_next returns an int id in 0..{V - 1} for {V} logits and leaves the logits unchanged")

    shift = float(rng.uniform(750, 1000))  # the same probabilities: the softmax does not change with a shift
    r = np.random.default_rng(seed)
    for _ in range(5):
        _draw(report, sample_next, logits + shift, 1.0, r,
              context=f"for the same logits plus {shift:.0f} (a shift changes no probability), ")
    report.ok(f"the same logits plus {shift:.0f} give valid draws too: no overflow in exp")

    n = 2000
    for temperature in (1.0, float(rng.choice([0.5, 0.6, 0.7]))):
        freq = _frequencies(report, sample_next, logits, temperature, seed + 1, n)
        _expect_distribution(report, freq, logits, temperature, n)
    report.ok(f"over {n} draws each at temperature 1 and {temperature:g}, the frequencies match "
              "softmax(logits / temperature) within 5 standard errors")

    small = _frequencies(report, sample_next, logits, 0.02, seed + 2, 200)
    top = int(np.argmax(logits))
    if small[top] != 1.0:
        report.fail(f"at temperature 0.02, {int(round((1 - small[top]) * 200))} of 200 draws were not the id of the "
                    f"largest logit ({top}): logits / 0.02 are 50 times further apart, so the softmax is nearly "
                    "one-hot and sampling becomes argmax")
    large = 50.0
    freq = _frequencies(report, sample_next, logits, large, seed + 3, n)
    _expect_distribution(report, freq, logits, large, n)
    report.ok(f"temperature 0.02 always gives the largest logit (argmax); temperature {large:g} gives nearly "
              f"uniform frequencies ({freq.min():.3f} to {freq.max():.3f}, uniform is {1 / V:.3f})")

    r = np.random.default_rng(seed)
    before = r.bit_generator.state
    _draw(report, sample_next, logits, 1.0, r)
    if r.bit_generator.state == before:
        report.fail("the rng it was given is unchanged after a draw: the function does not draw from it. Use "
                    "rng.choice(len(p), p=p), not np.random.choice (NumPy's global generator) or a generator made "
                    "inside the function: the same seed must give the same text")
    for temperature in (1.0, 0.8, 1.5):
        s = int(rng.integers(1 << 30))
        mine_rng, ref_rng = np.random.default_rng(s), np.random.default_rng(s)
        p = F.softmax(logits / temperature)
        for k in range(25):
            got = _draw(report, sample_next, logits, temperature, mine_rng)
            ref = int(ref_rng.choice(V, p=p))
            if got != ref:
                report.fail(f"with a generator seeded {s} at temperature {temperature:g}, draw {k + 1} is {got}, but "
                            f"rng.choice(len(p), p=p) draws {ref}: draw each id with exactly that one call "
                            "(another way of sampling, or an extra draw from rng, gives other numbers from the same "
                            "seed, and the text is no longer reproducible)")
    report.ok("it draws from the rng it is given: the same seed gives the same ids as rng.choice(len(p), p=p) "
              "(75 draws at temperatures 1, 0.8 and 1.5)")
