"""Checks for exercises/09_lstm.ipynb.

The step forward and the whole-sequence forward are compared with nnlib.LSTM (itself tested against
plain loops, numeric gradients and PyTorch) on random shapes drawn from `rng`, float64. When values are
wrong, the check recomputes the usual mistakes and names the one that matches: the gates read in
another order (nnlib.LSTM with the weight blocks permuted), a sigmoid on the candidate g, h = o ⊙ c
without the tanh, the forget and input gates swapped in the cell update, a missing bias; for the
sequence, states that are not carried from step to step, ignored initial states, cell states stored
instead of hidden ones.

The step backward receives the cache of the student's own forward (which is verified first, and must hold
plain data only: in a grader it crosses the wire from the student's kernel and back) and is compared with
numeric gradients of the reference forward. The backward is linear in (dh_t, dc_t), so
the usual mistakes are numeric gradients too, with another upstream gradient: a missing tanh' of the
cell equals the true backward with dc_t + dh_t ⊙ o ⊙ tanh²(c_t), a forgotten dc_t the true backward
with dc_t = 0, and so on; a missing factor f on dc_prev is the numeric gradient divided by f.

The training exercise is graded by its outcome: the student's function trains on sequences drawn
here with the check's seed, and the model it returns must classify fresh sequences (another seed)
with accuracy >= TARGET within TIME_LIMIT seconds (more on a machine that is slower or busier than
an idle 2-core one: the check times a fixed reference workload before and after; when the function runs in a
grader's kernel, the time it took there counts). A model whose scores are nan or inf is named as such. At T = T_TASK a
plain nnlib.RNN, or an LSTM with forget_bias 0 or 1, stays at chance with settings under which an
LSTM with a well-chosen forget bias reaches 1.00 (10 seeds each, stated in the notebook); a failure
says which of these it recognises.
"""
from __future__ import annotations

import itertools
import time

import numpy as np

from ..course.wire import Opaque, WireError, encode
from ..data import make_remember_first
from ..functional import sigmoid
from ..gradcheck import compare_gradients, numeric_gradient_array
from ..layers import LSTM, RNN, LastTimeStep, Linear, Sequential
from ..losses import SoftmaxCrossEntropy
from ..model import predict
from . import call, exercise, expect_array, expect_close, expect_tuple, matches, worst_mismatch

T_TASK = 100        # sequence length of the long-memory task
N_TRAIN = 1000      # training sequences handed to train_long_memory
N_TEST = 1000       # fresh sequences it is evaluated on
N_SYMBOLS = 4       # chance accuracy is 1 / N_SYMBOLS
TARGET = 0.90       # accuracy required on the fresh sequences
TIME_LIMIT = 20.0   # seconds train_long_memory may take (on an idle 2-core machine, see _epoch_seconds)
REF_EPOCH_SECONDS = 0.5  # _epoch_seconds() there; the limit grows in proportion on a slower or busier machine

GATES = "ifgo"
ORDER = ("nnlib and PyTorch stack the gates as i, f, g, o: columns 0:H of z are the input gate i, H:2H the forget "
         "gate f, 2H:3H the candidate g and 3H:4H the output gate o")


# -- the reference: nnlib.LSTM ---------------------------------------------------------------------------

def _lstm(W_x, W_h, b):
    D, H = W_x.shape[1], W_h.shape[1]
    layer = LSTM(D, H, rng=0)
    layer.params.update(W_x=W_x, W_h=W_h, b=b)
    return layer


def _step(x_t, h_prev, c_prev, W_x, W_h, b):
    """(h_t, c_t, gates) of one step, by nnlib.LSTM on a sequence of length 1; gates: {'i': (N, H), ...}."""
    layer = _lstm(W_x, W_h, b)
    h = layer.forward(x_t[:, None, :], (h_prev, c_prev))[:, 0]
    return h, layer.c_n, {k: v[:, 0] for k, v in layer.gates.items()}


def _problem(rng):
    """Random sizes N, D, H, pairwise different (and 4H different from all), and values that keep the
    gates away from saturation, so every gate matters and every mistake changes the numbers."""
    while True:
        n, d, h = (int(v) for v in rng.integers(2, 7, size=3))
        if len({n, d, h, 4 * h}) == 4:
            break
    return {"x_t": rng.standard_normal((n, d)), "h_prev": np.tanh(rng.standard_normal((n, h))),
            "c_prev": rng.standard_normal((n, h)), "W_x": 0.5 * rng.standard_normal((4 * h, d)),
            "W_h": 0.5 * rng.standard_normal((4 * h, h)), "b": 0.5 * rng.standard_normal(4 * h)}


def _order_name(perm) -> str:
    """The order in which a student read the blocks when gate k of nnlib is computed from block perm[k]."""
    return ", ".join(GATES[perm.index(j)] for j in range(4))


def _step_mistakes(p):
    """(cause, fn) pairs: fn() gives (h_t, c_t) as that mistake computes them (only called on failure)."""
    x, h, c, W_x, W_h, b = (p[k] for k in ("x_t", "h_prev", "c_prev", "W_x", "W_h", "b"))
    H = h.shape[1]
    h_ref, c_ref, gates = _step(x, h, c, W_x, W_h, b)
    i, f, g, o = (gates[k] for k in GATES)
    blocks = np.arange(4 * H).reshape(4, H)

    def permuted(rows):
        h_, c_, _ = _step(x, h, c, W_x[rows], W_h[rows], b[rows])
        return h_, c_

    def with_cell(c_new):
        return o * np.tanh(c_new), c_new

    def sigmoid_g():
        z_g = np.arctanh(g)  # the candidate's pre-activation, from nnlib's g = tanh(z_g)
        return with_cell(f * c + i * sigmoid(z_g))

    # Swapping f and i in the cell update gives the same numbers as reading the first two blocks as f, i.
    mistakes = [("the forget and input gates are swapped in the cell update (yours is i ⊙ c_prev + f ⊙ g, or "
                 "reads z's first two blocks as f, i): c_t = f ⊙ c_prev + i ⊙ g, the forget gate (columns H:2H of "
                 "z) scales the OLD cell (how much to keep), the input gate (columns 0:H) the new candidate g (how "
                 "much to write)", lambda: with_cell(i * c + f * g))]
    for perm in itertools.permutations(range(4)):
        if perm not in ((0, 1, 2, 3), (1, 0, 2, 3)):
            mistakes.append((f"the values match the gates read in the order {_order_name(perm)}: {ORDER}",
                             lambda perm=perm: permuted(blocks[list(perm)].ravel())))
    mistakes += [
        ("the values match gates taken from every 4th column of z (z[:, k::4]); the gates are four contiguous blocks "
         f"of H columns: {ORDER}", lambda: permuted(np.arange(4 * H).reshape(H, 4).T.ravel())),
        ("the values match a sigmoid on the candidate g: g = tanh(z_g), in (-1, 1), so that a step can write "
         "negative as well as positive values into the cell; only i, f and o are sigmoids (in (0, 1): how much to "
         "let through)", sigmoid_g),
        ("the input gate is missing (c_t = f ⊙ c_prev + g): the candidate is written through i, c_t = f ⊙ c_prev "
         "+ i ⊙ g", lambda: with_cell(f * c + g)),
        ("the forget gate is missing (c_t = c_prev + i ⊙ g): the old cell is scaled by f, "
         "c_t = f ⊙ c_prev + i ⊙ g", lambda: with_cell(c + i * g)),
        ("h_t matches o ⊙ c_t: the tanh is missing, h_t = o ⊙ tanh(c_t) (the cell can grow beyond 1, the tanh "
         "squashes it into (-1, 1) before the output gate lets part of it out)", lambda: (o * c_ref, c_ref)),
        ("the bias b is missing: z = x_t W_xᵀ + h_prev W_hᵀ + b",
         lambda: _step(x, h, c, W_x, W_h, np.zeros_like(b))[:2]),
        ("h_t and c_t are swapped: return them in the order (h_t, c_t, cache)", lambda: (c_ref, h_ref)),
    ]
    return h_ref, c_ref, mistakes


def _expect_step(report, h_t, c_t, p, what=""):
    """Fail naming the likely mistake unless (h_t, c_t) is one correct LSTM step of problem p."""
    N, H = p["h_prev"].shape
    h_t = expect_array(report, h_t, (N, H), f"{what}h_t")
    c_t = expect_array(report, c_t, (N, H), f"{what}c_t")
    h_ref, c_ref, mistakes = _step_mistakes(p)
    if matches(h_t, h_ref) and matches(c_t, c_ref):
        return
    name, got, ref = ("c_t", c_t, c_ref) if not matches(c_t, c_ref) else ("h_t", h_t, h_ref)
    if not np.any(got):
        report.fail(f"{what}{worst_mismatch(name, got, ref)}: all of {name} is 0")
    for cause, wrong in mistakes:
        h_alt, c_alt = wrong()
        if matches(h_t, h_alt) and matches(c_t, c_alt):
            report.fail(f"{what}{worst_mismatch(name, got, ref)} — {cause}")
    expect_close(report, got, ref, f"{what}{name}")


def _args(p):
    return tuple(p[k] for k in ("x_t", "h_prev", "c_prev", "W_x", "W_h", "b"))


def _sizes(p) -> str:
    (N, D), H = p["x_t"].shape, p["h_prev"].shape[1]
    return f"N={N}, D={D}, H={H}"


# -- 1. one step forward ------------------------------------------------------------------------------

@exercise("09.lstm_step_forward")
def check_lstm_step_forward(lstm_step_forward, rng, report):
    for t in range(3):
        p = _problem(rng)
        out = expect_tuple(report, call(report, lstm_step_forward, *_args(p)), "lstm_step_forward",
                           ("h_t", "c_t", "cache"))
        _expect_step(report, out[0], out[1], p, f"for {_sizes(p)}: ")
        if t == 0:
            N, H = p["h_prev"].shape
            report.ok(f"lstm_step_forward returns (h_t, c_t, cache) with h_t and c_t of shape (N, H) = {(N, H)}")
    report.ok("h_t and c_t match nnlib.LSTM on 3 random problems: gates i, f, g, o, c_t = f ⊙ c_prev + i ⊙ g, "
              "h_t = o ⊙ tanh(c_t)")


# -- 2. one step backward ----------------------------------------------------------------------------------

GRAD_OF = {"dx_t": "x_t", "dh_prev": "h_prev", "dc_prev": "c_prev", "dW_x": "W_x", "dW_h": "W_h", "db": "b"}
GRAD_ORDER = ("dc_prev", "db", "dW_x", "dW_h", "dx_t", "dh_prev")  # the first wrong one says most


def _numeric(p, arg, dh, dc):
    """The numeric gradient of sum(h_t * dh) + sum(c_t * dc) w.r.t. p[arg], through nnlib.LSTM."""
    q = {k: v.copy() for k, v in p.items()}
    dout = np.concatenate([dh, dc], axis=1)
    return numeric_gradient_array(lambda _: np.concatenate(_step(*_args(q))[:2], axis=1), q[arg], dout)


def _grad_shape_cause(name, shape, p) -> str:
    N, H = p["h_prev"].shape
    expected = p[GRAD_OF[name]].shape
    if name == "db" and shape == (N, 4 * H):
        return ("db was not summed over the batch: b is shared by all N samples, so its gradient adds up their rows "
                "of dz (sum over axis 0), like dW_x and dW_h do through the matrix product")
    if len(shape) == 2 and shape == expected[::-1]:
        return f"transposed: {name} has the shape of {GRAD_OF[name]}, {expected}"
    return f"{name} has the shape of {GRAD_OF[name]}"


def _not_plain(value) -> str | None:
    """What in `value` the wire could not carry (it carries arrays, numbers, strings, tuples, lists, dicts, nnlib
    layers), described alike whether it is the object itself or what a grader's wire made of it; or None."""
    if isinstance(value, (tuple, list)):
        return next((d for d in map(_not_plain, value) if d), None)
    if isinstance(value, dict):
        return next((d for d in map(_not_plain, list(value) + list(value.values())) if d), None)
    try:
        encode(value)
        return None
    except WireError:
        if isinstance(value, Opaque):
            return f"a {value.type_name} object"
        if callable(value):
            return "a function"
        if isinstance(value, np.ndarray):
            return f"an array of dtype {value.dtype}"
        return f"a {type(value).__name__} object"


def _expect_plain(report, cache):
    """The cache goes from the student's forward to their backward through the checker: in a grader, across
    the wire, which carries plain data only. Fail the same way here and there if it holds anything else."""
    what = _not_plain(cache)
    if what:
        report.fail(f"the cache returned by lstm_step_forward holds {what}: keep only arrays, numbers, tuples, lists "
                    "and dicts in it (the grader hands your forward's cache to your backward as plain data)")


@exercise("09.lstm_step_backward")
def check_lstm_step_backward(answer, rng, report):
    if not (isinstance(answer, tuple) and len(answer) == 2 and all(callable(f) for f in answer)):
        report.fail("pass the pair (lstm_step_forward, lstm_step_backward): the backward receives the cache that "
                    "your forward returned")
    forward, backward = answer
    worst = 0.0
    for t in range(3):
        p = _problem(rng)
        try:
            out = call(report, forward, *_args(p))
        except NotImplementedError:
            raise NotImplementedError("lstm_step_forward is not implemented yet: the backward works with the cache "
                                      "of your forward, so do exercise 1 first") from None
        if not (isinstance(out, tuple) and len(out) == 3):
            report.fail("lstm_step_forward does not return (h_t, c_t, cache) yet: make its check pass first")
        h_ref, c_ref, gates = _step(*_args(p))
        if not (matches(out[0], h_ref) and matches(out[1], c_ref)):
            report.fail("lstm_step_forward does not pass its check yet (its h_t or c_t differs from nnlib.LSTM): "
                        "the backward works with the cache of your forward, so fix exercise 1 first")
        _expect_plain(report, out[2])
        N, H = p["h_prev"].shape
        dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))
        grads = expect_tuple(report, call(report, backward, dh, dc, out[2]), "lstm_step_backward",
                             tuple(GRAD_OF))
        grads = dict(zip(GRAD_OF, grads))
        for name, g in grads.items():
            shape = p[GRAD_OF[name]].shape
            if isinstance(g, np.ndarray) and g.shape != shape:
                report.fail(f"for {_sizes(p)}: {name} has shape {g.shape}, expected {shape}: "
                            f"{_grad_shape_cause(name, g.shape, p)}")
            expect_array(report, g, shape, name)
        if t == 0:
            report.ok("lstm_step_backward returns (dx_t, dh_prev, dc_prev, dW_x, dW_h, db) with the shapes of "
                      f"x_t, h_prev, c_prev, W_x, W_h, b for {_sizes(p)}")
        o, f, tanh_c = gates["o"], gates["f"], np.tanh(c_ref)
        # Wrong backward passes that are true backward passes of another upstream gradient (dh', dc').
        upstream = [
            ("the tanh derivative of the cell is missing: h_t = o ⊙ tanh(c_t), so the gradient reaching c_t through "
             "h_t is dh_t ⊙ o ⊙ (1 - tanh²(c_t)), not dh_t ⊙ o", dh, dc + dh * o * tanh_c ** 2),
            ("dc_t is missing: c_t reaches the loss twice, through h_t and directly (into the next step), so the "
             "gradient of c_t is dc_t + dh_t ⊙ o ⊙ (1 - tanh²(c_t))", dh, np.zeros_like(dc)),
            ("the path from h_t into c_t is missing: c_t reaches the loss through h_t = o ⊙ tanh(c_t) too, so the "
             "gradient of c_t is dc_t + dh_t ⊙ o ⊙ (1 - tanh²(c_t)), not dc_t alone",
             dh, dc - dh * o * (1 - tanh_c ** 2)),
        ]
        for name in GRAD_ORDER:
            arg = GRAD_OF[name]
            num = _numeric(p, arg, dh, dc)
            got = grads[name]
            err, msg = compare_gradients(got, num, name)
            if not msg:
                worst = max(worst, err)
                continue
            if not np.any(got) and np.any(num):
                report.fail(f"{name} is all zeros; the numeric gradient is not")
            diagnoses = [(cause, lambda dh_=dh_, dc_=dc_: _numeric(p, arg, dh_, dc_))
                         for cause, dh_, dc_ in upstream]
            if name == "dc_prev":
                diagnoses.insert(0, ("dc_prev is missing the factor f: c_t = f ⊙ c_prev + i ⊙ g, so "
                                     "∂c_t/∂c_prev = f (the gradient flows back along the cell scaled only by the "
                                     "forget gate)", lambda: num / f))
            if name in ("db", "dW_x", "dW_h"):
                diagnoses.append((f"it is the numeric gradient divided by N = {N}: the samples' contributions add up, "
                                  "so sum over the batch, do not average", lambda: num / N))
            for cause, alt in diagnoses:
                if matches(got, alt()):
                    report.fail(f"{worst_mismatch(name, got, num)} (numeric gradient) — {cause}")
            report.fail(msg)
    report.ok(f"all six gradients match numeric gradients on 3 random problems (worst relative error {worst:.1e})")


# -- 3. the whole sequence -----------------------------------------------------------------------------------

def _sequence_problem(rng):
    while True:
        n, t, d, h = int(rng.integers(2, 6)), int(rng.integers(3, 8)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
        if len({n, t, d, h}) == 4:
            break
    return (rng.standard_normal((n, t, d)), np.tanh(rng.standard_normal((n, h))), rng.standard_normal((n, h)),
            0.5 * rng.standard_normal((4 * h, d)), 0.5 * rng.standard_normal((4 * h, h)),
            0.5 * rng.standard_normal(4 * h))


def _hs_shape_cause(shape, N, T, H) -> str:
    if shape == (T, N, H):
        return "that is time first (T, N, H); x is batch first, so hs[:, t] holds the hidden state of step t"
    if shape == (N, T + 1, H):
        return "one step too many: hs holds h_1 .. h_T, the states after each step, not h0"
    if shape == (N, H):
        return "that is only the last state; return all T hidden states"
    return "(N, T, H): the hidden state of every sample after every step"


@exercise("09.lstm_forward")
def check_lstm_forward(lstm_forward, rng, report):
    for trial in range(3):
        x, h0, c0, W_x, W_h, b = _sequence_problem(rng)
        (N, T, D), H = x.shape, h0.shape[1]
        sizes = f"for N={N}, T={T}, D={D}, H={H}"
        hs, c_T = expect_tuple(report, call(report, lstm_forward, x, h0, c0, W_x, W_h, b), "lstm_forward",
                               ("hs", "c_T"))
        if isinstance(hs, np.ndarray) and hs.shape != (N, T, H):
            report.fail(f"{sizes}: hs has shape {hs.shape}, expected (N, T, H) = {(N, T, H)}: "
                        f"{_hs_shape_cause(hs.shape, N, T, H)}")
        hs = expect_array(report, hs, (N, T, H), "hs")
        c_T = expect_array(report, c_T, (N, H), "c_T")
        if trial == 0:
            report.ok(f"lstm_forward returns hs (N, T, H) = {hs.shape} and c_T (N, H) = {c_T.shape}")
        layer = _lstm(W_x, W_h, b)
        ref = layer.forward(x, (h0, c0))
        if not matches(hs, ref):
            steps_alone = _lstm(W_x, W_h, b).forward(x.reshape(N * T, 1, D),
                                                     (np.repeat(h0, T, axis=0), np.repeat(c0, T, axis=0)))
            mistakes = [
                ("every step starts from h0 and c0: carry the state, each step takes the h and c that the step before "
                 "returned", lambda: steps_alone.reshape(N, T, H)),
                ("the initial states h0 and c0 are ignored (the values match a start from zeros): the first step "
                 "starts from the given h0, c0", lambda: _lstm(W_x, W_h, b).forward(x)),
                ("hs holds the cell states c_t: it should hold the hidden states h_t, the first thing each step "
                 "returns", lambda: layer.cells),
                ("hs[:, t] holds the state BEFORE step t (h0 first, the last state missing): store h after each step",
                 lambda: np.concatenate([h0[:, None], ref[:, :-1]], axis=1)),
            ]
            for cause, wrong in mistakes:
                if matches(hs, wrong()):
                    report.fail(f"{sizes}: {worst_mismatch('hs', hs, ref)} — {cause}")
            if not matches(hs[:, 0], ref[:, 0]):
                report.fail(f"{sizes}: {worst_mismatch('hs', hs, ref)}: already the first step is wrong; hs[:, 0] is "
                            "lstm_step_forward(x[:, 0], h0, c0, W_x, W_h, b)[0] (does your lstm_step_forward pass "
                            "its check?)")
            expect_close(report, hs, ref, "hs")
        if not matches(c_T, layer.c_n):
            if matches(c_T, ref[:, -1]):
                report.fail(f"{sizes}: {worst_mismatch('c_T', c_T, layer.c_n)} — c_T is the final hidden state h_T; "
                            "return the final CELL state c_T")
            if matches(c_T, c0):
                report.fail(f"{sizes}: {worst_mismatch('c_T', c_T, layer.c_n)} — c_T is c0: return the cell state "
                            "after the last step")
            expect_close(report, c_T, layer.c_n, "c_T")
    report.ok("hs and c_T match nnlib.LSTM on 3 random sequences with given initial states h0, c0")


# -- 4. training an LSTM for long memory ---------------------------------------------------------------------

def _epoch_seconds() -> float:
    """How long this machine takes, right now, for one epoch of a reference workload: an LSTM with 64 units,
    forward and backward, over N_TRAIN sequences of length T_TASK in batches of 32 (the faster of two timings
    of 3 batches)."""
    model = Sequential(LSTM(8, 64, rng=0), LastTimeStep(), Linear(64, N_SYMBOLS, rng=1))
    X, y = make_remember_first(32, T_TASK, seed=0)
    loss = SoftmaxCrossEntropy()
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        for _ in range(3):
            loss(model.forward(X), y)
            model.backward(loss.backward())
        best = min(best, (time.perf_counter() - t0) / 3)
    return best * N_TRAIN / 32


def _layers(model) -> list:
    out = [model]
    for layer in getattr(model, "layers", []):
        out += _layers(layer)
    return out


def _predicted_labels(report, model, X):
    if hasattr(model, "forward") and hasattr(model, "eval"):
        out = predict(model, X)
    elif callable(model):
        out = model(X)
    else:
        kind = model.type_name if isinstance(model, Opaque) else type(model).__name__  # (Opaque: what a kernel sent)
        report.fail(f"train_long_memory should return the trained model (e.g. an nnlib.Sequential), got {kind}")
    out = np.asarray(out)
    if out.shape == (len(X), N_SYMBOLS) and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        bad = int(np.sum(~np.all(np.isfinite(out), axis=1)))
        report.fail(f"the returned model's scores contain {out[~np.isfinite(out)][0]} for {bad} of {len(X)} fresh "
                    "sequences: its weights hold nan or inf. Training diverged, or nan got into the data (e.g. a "
                    "division by a standard deviation of 0: features that are always 0)")
    if out.shape == (len(X), N_SYMBOLS):
        return out.argmax(axis=1)
    if out.shape == (len(X),) and out.dtype.kind in "iu":
        return out
    report.fail(f"the returned model maps sequences {X.shape} to an array of shape {out.shape}; it should give "
                f"{N_SYMBOLS} scores per sequence, shape ({len(X)}, {N_SYMBOLS}): end with LastTimeStep() and "
                f"Linear(H, {N_SYMBOLS})")


@exercise("09.train_long_memory")
def check_train_long_memory(train_long_memory, rng, report):
    data_seed, seed = (int(v) for v in rng.integers(1 << 30, size=2))
    X, y = make_remember_first(N_TRAIN, T_TASK, n_symbols=N_SYMBOLS, seed=data_seed)
    X_test, y_test = make_remember_first(N_TEST, T_TASK, n_symbols=N_SYMBOLS, seed=data_seed + 1)
    epoch_before = _epoch_seconds()  # ~0.1 s: how fast the machine is right now
    t0 = time.perf_counter()
    model = call(report, train_long_memory, X, y, seed)
    seconds = time.perf_counter() - t0
    if getattr(train_long_memory, "seconds", None) is not None:  # it ran in the grader's kernel: its own time there
        seconds = train_long_memory.seconds
    if seconds > TIME_LIMIT:  # a slow or busy machine (measured before and after) gets proportionally more time
        limit = TIME_LIMIT * max(1.0, max(epoch_before, _epoch_seconds()) / REF_EPOCH_SECONDS)
        if seconds > limit:
            on_this = f" ({TIME_LIMIT:.0f} s on an idle 2-core machine)" if limit > TIME_LIMIT else ""
            report.fail(f"train_long_memory took {seconds:.1f} s, the limit is {limit:.0f} s{on_this}: train for "
                        "fewer epochs, or with a smaller hidden size (an LSTM that remembers learns this in a few "
                        "epochs)")
    acc = float(np.mean(_predicted_labels(report, model, X_test) == y_test))
    layers = _layers(model)
    lstms = [layer for layer in layers if isinstance(layer, LSTM)]
    rnns = [layer for layer in layers if isinstance(layer, RNN)]
    result = (f"accuracy {acc:.3f} on {N_TEST} fresh sequences of length {T_TASK} (chance 1/{N_SYMBOLS} = "
              f"{1 / N_SYMBOLS:.2f}; needs {TARGET:.2f}), after {seconds:.1f} s of training")
    if not lstms:
        if acc >= TARGET:
            cause = "but the model has no nnlib.LSTM layer: this exercise trains an LSTM, build the model with one"
        elif rnns:
            cause = (f"a plain nnlib.RNN: its gradient through {T_TASK - 1} steps of h_t = tanh(...) vanishes, so it "
                     "cannot learn to carry the first symbol; use nnlib.LSTM, whose cell passes the gradient on "
                     "scaled only by the forget gate")
        else:
            cause = "the model has no nnlib.LSTM layer: build it with one"
        report.fail(f"{result} — {cause}")
    if acc < TARGET:
        fb = float(lstms[0].forget_bias)
        if fb <= 0:
            cause = (f"the LSTM's forget_bias is {fb:g}: the forget gate then starts near σ({fb:g}) = "
                     f"{1 / (1 + np.exp(-fb)):.2f} and the gradient reaching step 0 is scaled by about f^{T_TASK - 1}, "
                     "practically 0; start with the forget gate near 1 (a forget_bias of a few units)")
        elif acc < (1 / N_SYMBOLS + 0.5) / 2:
            cause = ("it stayed near chance: the first symbol never reached the output. Start the forget gate closer "
                     "to 1 (a larger forget_bias), lower the learning rate, or train longer")
        else:
            cause = ("it learned part of the task (accuracy climbs in steps of about 0.25, each step one more "
                     "symbol told apart from the rest) and got stuck, or training became unstable: lower the "
                     "learning rate, train a few more epochs, or give it more hidden units")
        report.fail(f"{result} — {cause}")
    report.ok(f"the trained LSTM reaches {result}")
