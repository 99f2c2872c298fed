"""Recurrent layers: numeric gradients, a slow per-sample loop, PyTorch, Embedding, dtypes and messages."""
import numpy as np
import pytest

from nnlib.gradcheck import SMOOTH_TOL, check_layer, numeric_gradient_array, rel_error
from nnlib.layers.base import Sequential
from nnlib.layers.dense import Linear
from nnlib.layers.recurrent import LSTM, RNN, Embedding, LastTimeStep

N, D, H = 3, 4, 5  # small and all different, so a swapped axis cannot go unnoticed
WEIGHTS = {RNN: ("W_xh", "W_hh"), LSTM: ("W_x", "W_h")}


def make(cls, seed=0, d=D, h=H):
    """A layer whose bias is random too (PyTorch's default init already is; this keeps it so)."""
    layer = cls(d, h, rng=seed)
    layer.params["b"][:] = np.random.default_rng(seed + 100).uniform(-0.5, 0.5, layer.params["b"].shape)
    return layer


def states(cls, rng, n=N, h=H):
    return (rng.standard_normal((n, h)),) if cls is RNN else (rng.standard_normal((n, h)), rng.standard_normal((n, h)))


def forward(layer, x, s0):
    """forward with an initial state given as a tuple (h0,) or (h0, c0), or None."""
    if s0 is None:
        return layer.forward(x)
    return layer.forward(x, s0[0]) if isinstance(layer, RNN) else layer.forward(x, tuple(s0))


def final_states(layer):
    return (layer.h_n,) if isinstance(layer, RNN) else (layer.h_n, layer.c_n)


def initial_state_grads(layer):
    return (layer.dh0,) if isinstance(layer, RNN) else (layer.dh0, layer.dc0)


# -- numeric gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [RNN, LSTM])
@pytest.mark.parametrize("T", [1, 5])
@pytest.mark.parametrize("given_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("final_grads", [False, True], ids=["dy-only", "with-final-state-grads"])
def test_gradients_match_numeric(cls, T, given_state, final_grads):
    """dx, every parameter, dh0 (and dc0) of L = sum(y * dy) + sum(h_n * dh_n) (+ sum(c_n * dc_n))."""
    rng = np.random.default_rng(T + 2 * given_state + 4 * final_grads)
    layer = make(cls, seed=T)
    x = rng.standard_normal((N, T, D))
    s0 = states(cls, rng) if given_state else None
    dy = rng.standard_normal((N, T, H))
    ds = states(cls, rng) if final_grads else (None,) * (1 if cls is RNN else 2)

    forward(layer, x, s0)
    dx = layer.backward(dy, *ds)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    analytic.update(zip(("h0", "c0"), initial_state_grads(layer)))

    # Without a given state the layer starts from zeros; the gradient w.r.t. that zero state still exists,
    # so the numeric side perturbs an explicit zero state.
    s_in = s0 if given_state else tuple(np.zeros((N, H)) for _ in ds)

    def loss(_=None):
        y = forward(layer, x, s_in)
        total = np.sum(y * dy)
        for s, d in zip(final_states(layer), ds):
            total += 0.0 if d is None else np.sum(s * d)
        return np.array(total)

    numeric = {"x": numeric_gradient_array(loss, x, np.array(1.0))}
    for k, p in layer.params.items():
        numeric[k] = numeric_gradient_array(loss, p, np.array(1.0))
    for name, s in zip(("h0", "c0"), s_in):
        numeric[name] = numeric_gradient_array(loss, s, np.array(1.0))
    assert set(analytic) == set(numeric) == {"x", "b", *WEIGHTS[cls], *(["h0"] if cls is RNN else ["h0", "c0"])}
    for name in numeric:
        assert analytic[name].shape == numeric[name].shape, name
        err = rel_error(analytic[name], numeric[name])
        assert err < SMOOTH_TOL, f"d{name}: relative error {err:.1e}"


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_gradients_inside_sequential_with_last_time_step(cls):
    rng = np.random.default_rng(1)
    net = Sequential(make(cls, seed=1), LastTimeStep(), Linear(H, 3, rng=2))
    errors = check_layer(net, rng.standard_normal((N, 6, D)), seed=1)
    assert set(errors) == {"x", "0.b", "2.W", "2.b", *(f"0.{w}" for w in WEIGHTS[cls])}
    assert max(errors.values()) < SMOOTH_TOL


def test_gradient_check_catches_a_wrong_lstm_backward():
    """The checks above can fail: an LSTM whose backward sees a forget gate 0.1% off is caught."""
    class SlightlyWrongF(LSTM):
        def _backward(self, dy, dh_n, dc_n):
            self._acts[..., self.hidden_size:2 * self.hidden_size] *= 0.999  # a subtly wrong f in backward
            try:
                return super()._backward(dy, dh_n, dc_n)
            finally:
                self._acts[..., self.hidden_size:2 * self.hidden_size] /= 0.999

    with pytest.raises(AssertionError, match="gradient check failed"):
        check_layer(Sequential(SlightlyWrongF(D, H, rng=0), LastTimeStep()),
                    np.random.default_rng(0).standard_normal((N, 4, D)))


# -- a slow, obvious reference: one sample, one step at a time -----------------------------------------
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def rnn_loop(x, h0, W_xh, W_hh, b, dy, dh_n):
    n_samples, T, _ = x.shape
    y, dx, dh0 = np.zeros(dy.shape), np.zeros(x.shape), np.zeros(h0.shape)
    dW_xh, dW_hh, db = np.zeros(W_xh.shape), np.zeros(W_hh.shape), np.zeros(b.shape)
    for n in range(n_samples):
        hs = [h0[n]]
        for t in range(T):
            hs.append(np.tanh(W_xh @ x[n, t] + W_hh @ hs[-1] + b))
            y[n, t] = hs[-1]
        dh = dh_n[n]
        for t in reversed(range(T)):
            da = (dh + dy[n, t]) * (1 - hs[t + 1] ** 2)
            dW_xh += np.outer(da, x[n, t])
            dW_hh += np.outer(da, hs[t])
            db += da
            dx[n, t] = W_xh.T @ da
            dh = W_hh.T @ da
        dh0[n] = dh
    return y, dx, {"W_xh": dW_xh, "W_hh": dW_hh, "b": db}, (dh0,)


def lstm_loop(x, h0, c0, W_x, W_h, b, dy, dh_n, dc_n):
    n_samples, T, _ = x.shape
    H_ = len(b) // 4
    y, dx, dh0, dc0 = np.zeros(dy.shape), np.zeros(x.shape), np.zeros(h0.shape), np.zeros(c0.shape)
    dW_x, dW_h, db = np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(b.shape)
    for n in range(n_samples):
        h, c, steps = h0[n], c0[n], []
        for t in range(T):
            z = W_x @ x[n, t] + W_h @ h + b
            i, f, g, o = sigmoid(z[:H_]), sigmoid(z[H_:2 * H_]), np.tanh(z[2 * H_:3 * H_]), sigmoid(z[3 * H_:])
            steps.append((h, c, i, f, g, o))
            c = f * c + i * g
            h = o * np.tanh(c)
            y[n, t] = h
        dh, dc = dh_n[n], dc_n[n]
        for t in reversed(range(T)):
            h_prev, c_prev, i, f, g, o = steps[t]
            c = f * c_prev + i * g
            dh = dh + dy[n, t]
            dc = dc + dh * o * (1 - np.tanh(c) ** 2)
            dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2),
                                 dh * np.tanh(c) * o * (1 - o)])
            dW_x += np.outer(dz, x[n, t])
            dW_h += np.outer(dz, h_prev)
            db += dz
            dx[n, t] = W_x.T @ dz
            dh = W_h.T @ dz
            dc = dc * f
        dh0[n], dc0[n] = dh, dc
    return y, dx, {"W_x": dW_x, "W_h": dW_h, "b": db}, (dh0, dc0)


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_forward_and_backward_equal_a_per_sample_per_step_loop(cls):
    rng = np.random.default_rng(2)
    T = 7
    layer = make(cls, seed=2)
    x, dy = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    s0, ds = states(cls, rng), states(cls, rng)
    y = forward(layer, x, s0)
    dx = layer.backward(dy, *ds)
    loop = rnn_loop if cls is RNN else lstm_loop
    y_ref, dx_ref, grads_ref, ds0_ref = loop(x, *s0, *(layer.params[k] for k in (*WEIGHTS[cls], "b")), dy, *ds)
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.h_n, y_ref[:, -1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=0, atol=1e-12)
    for k in grads_ref:
        np.testing.assert_allclose(layer.grads[k], grads_ref[k], rtol=0, atol=1e-12, err_msg=k)
    for mine, ref in zip(initial_state_grads(layer), ds0_ref):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)


def test_lstm_gates_and_cells_are_readable_after_forward():
    rng = np.random.default_rng(3)
    layer, x = make(LSTM, seed=3), rng.standard_normal((N, 6, D))
    h0, c0 = states(LSTM, rng)
    y = layer(x, (h0, c0))
    gates = layer.gates
    assert set(gates) == {"i", "f", "g", "o"} and all(v.shape == (N, 6, H) for v in gates.values())
    assert layer.cells.shape == (N, 6, H)
    for k in "ifo":
        assert np.all((gates[k] > 0) & (gates[k] < 1))
    W_x, W_h, b = (layer.params[k] for k in ("W_x", "W_h", "b"))
    z0 = x[:, 0] @ W_x.T + h0 @ W_h.T + b  # step 0 by hand
    np.testing.assert_allclose(gates["f"][:, 0], sigmoid(z0[:, H:2 * H]), atol=1e-14)
    np.testing.assert_allclose(gates["g"][:, 0], np.tanh(z0[:, 2 * H:3 * H]), atol=1e-14)
    np.testing.assert_allclose(layer.cells[:, 1:], gates["f"][:, 1:] * layer.cells[:, :-1]
                               + gates["i"][:, 1:] * gates["g"][:, 1:], atol=1e-14)
    np.testing.assert_allclose(y, gates["o"] * np.tanh(layer.cells), atol=1e-14)
    np.testing.assert_array_equal(layer.c_n, layer.cells[:, -1])


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_passing_the_final_state_on_continues_the_sequence(cls):
    """forward(x1) then forward(x2, state=final state) gives the same outputs as forward([x1, x2])."""
    rng = np.random.default_rng(4)
    layer, x = make(cls, seed=4), rng.standard_normal((N, 9, D))
    y_all = layer(x)
    y1 = layer(x[:, :4])
    y2 = forward(layer, x[:, 4:], final_states(layer))
    np.testing.assert_allclose(np.concatenate([y1, y2], axis=1), y_all, atol=1e-14)


# -- PyTorch ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_equals_pytorch_outputs_states_and_all_gradients(cls):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    T = 6
    layer = make(cls, seed=5)
    x, dy = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    s0, ds = states(cls, rng), states(cls, rng)
    y = forward(layer, x, s0)
    dx = layer.backward(dy, *ds)

    w_x, w_h = WEIGHTS[cls]
    module = (torch.nn.RNN if cls is RNN else torch.nn.LSTM)(D, H, batch_first=True, bias=True).double()
    with torch.no_grad():  # PyTorch's two biases always appear summed: b_ih = b, b_hh = 0
        module.weight_ih_l0.copy_(torch.from_numpy(layer.params[w_x]))
        module.weight_hh_l0.copy_(torch.from_numpy(layer.params[w_h]))
        module.bias_ih_l0.copy_(torch.from_numpy(layer.params["b"]))
        module.bias_hh_l0.zero_()
    x_t = torch.tensor(x, requires_grad=True)
    s0_t = [torch.tensor(s[None], requires_grad=True) for s in s0]  # PyTorch's states are (1, N, H)
    y_t, final_t = module(x_t, s0_t[0] if cls is RNN else tuple(s0_t))
    final_t = (final_t,) if cls is RNN else final_t
    loss = (y_t * torch.from_numpy(dy)).sum() + sum((s[0] * torch.from_numpy(d)).sum() for s, d in zip(final_t, ds))
    loss.backward()

    def close(mine, theirs, what):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=0, atol=1e-10, err_msg=what)

    close(y, y_t, "y")
    for mine, theirs in zip(final_states(layer), final_t):
        close(mine, theirs[0], "final state")
    close(dx, x_t.grad, "dx")
    close(layer.grads[w_x], module.weight_ih_l0.grad, w_x)
    close(layer.grads[w_h], module.weight_hh_l0.grad, w_h)
    close(layer.grads["b"], module.bias_ih_l0.grad, "b")
    close(layer.grads["b"], module.bias_hh_l0.grad, "b (as b_hh)")
    for mine, theirs in zip(initial_state_grads(layer), s0_t):
        close(mine, theirs.grad[0], "initial state gradient")


# -- Embedding ---------------------------------------------------------------------------------------------
def test_embedding_looks_up_rows():
    emb = Embedding(10, 3, rng=0)
    assert emb.params["W"].shape == (10, 3)
    idx = np.array([[1, 4, 4], [9, 0, 1]])
    y = emb(idx)
    assert y.shape == (2, 3, 3)
    np.testing.assert_array_equal(y[1, 0], emb.params["W"][9])
    np.testing.assert_array_equal(emb([2, 2]), emb.params["W"][[2, 2]])  # a plain list of ints works too


def test_embedding_gradient_adds_up_repeated_indices():
    rng = np.random.default_rng(6)
    emb = Embedding(7, 4, rng=0)
    idx = rng.integers(0, 7, size=(5, 8))
    idx[0, :3] = 2  # a token repeated within and across sequences
    dy = rng.standard_normal((5, 8, 4))
    emb(idx)
    assert emb.backward(dy) is None  # no gradient w.r.t. integer indices
    dW = np.zeros((7, 4))
    for n in range(5):
        for t in range(8):
            dW[idx[n, t]] += dy[n, t]
    np.testing.assert_allclose(emb.grads["W"], dW, atol=1e-13)
    numeric = numeric_gradient_array(lambda _: emb.forward(idx), emb.params["W"], dy)
    assert rel_error(emb.grads["W"], numeric) < SMOOTH_TOL


def test_embedding_refuses_float_and_out_of_range_indices():
    emb = Embedding(5, 2, rng=0)
    with pytest.raises(TypeError, match=r"integer indices .*idx.astype\(int\)"):
        emb(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"index 7 at position \(1, 0\) is out of range; indices must be in 0\.\.4"):
        emb(np.array([[0, 1], [7, 2]]))
    with pytest.raises(ValueError, match=r"index -1"):
        emb(np.array([-1]))
    with pytest.raises(RuntimeError, match="before forward"):
        Embedding(5, 2).backward(np.zeros((1, 2)))


def test_embedding_lstm_classifier_runs_in_sequential():
    rng = np.random.default_rng(7)
    net = Sequential(Embedding(20, 6, rng=0), LSTM(6, 8, rng=1), LastTimeStep(), Linear(8, 3, rng=2))
    idx = rng.integers(0, 20, size=(4, 9))
    scores = net(idx)
    assert scores.shape == (4, 3)
    assert net.backward(np.ones_like(scores)) is None
    assert net.grads["0.W"].shape == (20, 6) and net.grads["1.W_h"].shape == (32, 8)
    assert np.count_nonzero(net.grads["0.W"].any(axis=1)) == len(np.unique(idx))  # only used rows move
    dy = rng.standard_normal(scores.shape)  # the LSTM hands dx (a transposed view) to the scatter-add
    net.forward(idx)
    net.backward(dy)
    numeric = numeric_gradient_array(lambda _: net.forward(idx), net[0].params["W"], dy)
    assert rel_error(net.grads["0.W"], numeric) < SMOOTH_TOL


# -- conventions: dtypes, inputs untouched, shapes, messages ---------------------------------------------
@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_float32_stays_float32(cls):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((N, 4, D)).astype(np.float32)
    layer = make(cls).astype(np.float32)
    y = layer(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == layer.h_n.dtype == layer.dh0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    layer64 = make(cls)  # float64 parameters, float32 input: float32 math, gradients in the parameters' dtype
    y = layer64(x)
    dx = layer64.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    assert all(g.dtype == np.float64 for g in layer64.grads.values())
    np.testing.assert_allclose(y, make(cls)(x.astype(np.float64)), atol=1e-5)


def test_embedding_float32():
    emb = Embedding(5, 3, rng=0, dtype=np.float32)
    y = emb(np.array([[1, 2]]))
    emb.backward(np.ones_like(y))
    assert y.dtype == emb.grads["W"].dtype == np.float32


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_forward_and_backward_do_not_modify_inputs(cls):
    rng = np.random.default_rng(9)
    layer = make(cls)
    x, dy = rng.standard_normal((N, 5, D)), rng.standard_normal((N, 5, H))
    s0, ds = states(cls, rng), states(cls, rng)
    copies = [a.copy() for a in (x, dy, *s0, *ds)]
    forward(layer, x, s0)
    layer.backward(dy, *ds)
    for before, after in zip(copies, (x, dy, *s0, *ds)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_shapes_and_pytorch_default_init(cls):
    layer = cls(D, H, rng=0)
    gates = 1 if cls is RNN else 4
    w_x, w_h = WEIGHTS[cls]
    assert layer.params[w_x].shape == (gates * H, D)
    assert layer.params[w_h].shape == (gates * H, H)
    assert layer.params["b"].shape == (gates * H,)
    for p in layer.params.values():  # uniform(-1/sqrt(H), 1/sqrt(H)) for every weight and bias
        assert np.abs(p).max() <= 1 / np.sqrt(H) and p.std() > 0.1 / np.sqrt(H)
    x = np.random.default_rng(0).standard_normal((N, 7, D))
    y = layer(x)
    assert y.shape == (N, 7, H) and layer.h_n.shape == (N, H)
    np.testing.assert_array_equal(layer.h_n, y[:, -1])
    layer.backward(np.ones_like(y))
    assert layer.dh0.shape == (N, H)  # also when h0 was None (zeros)
    assert not cls(D, H, init="xavier", rng=0).params["b"].any()  # a named init zeroes b, as Linear does


def test_lstm_forget_bias_sets_the_forget_gate_bias():
    plain, biased = LSTM(D, H, rng=0), LSTM(D, H, forget_bias=1.0, rng=0)
    np.testing.assert_allclose(biased.params["b"][H:2 * H], plain.params["b"][H:2 * H] + 1.0)
    np.testing.assert_array_equal(np.delete(biased.params["b"], np.s_[H:2 * H]),
                                  np.delete(plain.params["b"], np.s_[H:2 * H]))
    assert LSTM(D, H, forget_bias=2.0, init="zeros").params["b"].tolist() == [0.0] * H + [2.0] * H + [0.0] * 2 * H


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_wrong_input_shapes_are_explained(cls):
    layer = cls(4, 3, rng=0)
    name = f"{cls.__name__}\\(4 -> 3\\)"
    with pytest.raises(ValueError, match=rf"{name} expects input of shape \(N, T, 4\) .*got \(2, 4\).*without the "
                                         r"time axis.*x\[:, None, :\]"):
        layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"got \(2, 6, 5\).*5 features but the layer was built for 4"):
        layer(np.zeros((2, 6, 5)))
    with pytest.raises(ValueError, match=r"\(N, D, T\).*x\.transpose\(0, 2, 1\)"):
        layer(np.zeros((2, 4, 6)))
    with pytest.raises(ValueError, match=r"no time steps"):
        layer(np.zeros((2, 0, 4)))
    with pytest.raises(TypeError, match="integer dtype"):
        layer(np.zeros((2, 6, 4), dtype=int))


def test_wrong_state_shapes_are_explained():
    x = np.zeros((2, 6, 4))  # N = 2, T = 6
    rnn, lstm = RNN(4, 3, rng=0), LSTM(4, 3, rng=0)
    with pytest.raises(ValueError, match=r"h0 has shape \(2, 4\), expected \(N, H\) = \(2, 3\)"):
        rnn(x, np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"num_layers, N, H\); pass h0\[0\]"):
        rnn(x, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match=r"time first \(T, N, D\)\? .*x\.transpose\(1, 0, 2\)"):
        rnn(x, np.zeros((6, 3)))  # x was meant as (T=2, N=6, D): h0 has N = 6 rows
    with pytest.raises(ValueError, match=r"c0 has shape \(3, 3\)"):
        lstm(x, (np.zeros((2, 3)), np.zeros((3, 3))))
    with pytest.raises(TypeError, match=r"state must be a pair \(h0, c0\)"):
        lstm(x, np.zeros((2, 3)))


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_backward_checks(cls):
    layer = cls(4, 3, rng=0)
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        layer.backward(np.zeros((2, 6, 3)))
    layer(np.zeros((2, 6, 4)))
    with pytest.raises(ValueError, match=r"dy has shape \(2, 6, 4\), expected \(2, 6, 3\)"):
        layer.backward(np.zeros((2, 6, 4)))
    with pytest.raises(ValueError, match=r"time first \(T, N, H\).*dy\.transpose\(1, 0, 2\)"):
        layer.backward(np.zeros((6, 2, 3)))
    with pytest.raises(ValueError, match=r"dh_n has shape \(3, 3\), expected \(N, H\) = \(2, 3\)"):
        layer.backward(np.zeros((2, 6, 3)), np.zeros((3, 3)))


def test_last_time_step():
    x = np.random.default_rng(10).standard_normal((2, 5, 3))
    layer = LastTimeStep()
    np.testing.assert_array_equal(layer(x), x[:, -1])
    dx = layer.backward(np.ones((2, 3)))
    assert dx.shape == x.shape and np.all(dx[:, -1] == 1) and not dx[:, :-1].any()
    with pytest.raises(ValueError, match=r"LastTimeStep\(\) expects input of shape \(N, T, H\)"):
        layer(np.zeros((2, 3)))


def test_sizes_must_be_positive_ints():
    with pytest.raises(ValueError, match="hidden_size must be a positive int, got 0"):
        LSTM(3, 0)
    with pytest.raises(ValueError, match="input_size must be a positive int, got 2.5"):
        RNN(2.5, 3)
    with pytest.raises(ValueError, match="num_embeddings must be a positive int"):
        Embedding(0, 3)
