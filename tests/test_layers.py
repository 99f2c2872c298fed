"""Layers: numeric gradient checks on random shapes, known values, conventions, dtypes."""
import numpy as np
import pytest

import nnlib
from nnlib import functional as F
from nnlib.gradcheck import SMOOTH_TOL, check_layer

SEEDS = range(3)


def random_shape(rng, ndim=2):
    return tuple(int(s) for s in rng.integers(2, 6, size=ndim))


def away_from_zero(rng, shape, margin=0.1):
    """Inputs with |x| >= margin, so a finite difference of size 1e-6 never crosses a kink at 0."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * (margin + np.abs(x)), x)


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_gradients(seed):
    rng = np.random.default_rng(seed)
    n, d_in, d_out = random_shape(rng, 3)
    layer = nnlib.Linear(d_in, d_out, rng=seed)
    layer.params["b"] = rng.standard_normal(d_out)  # a zero bias would hide a wrong db
    errors = check_layer(layer, rng.standard_normal((n, d_in)), seed=seed)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < SMOOTH_TOL


@pytest.mark.parametrize("make", [nnlib.Sigmoid, nnlib.Tanh, nnlib.Identity, nnlib.Softmax, nnlib.LogSoftmax,
                                  lambda: nnlib.ELU(0.7), lambda: nnlib.LeakyReLU(0.05), nnlib.ReLU])
@pytest.mark.parametrize("seed", SEEDS)
def test_activation_gradients(make, seed):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng, random_shape(rng, 2)) * 2
    errors = check_layer(make(), x, seed=seed)
    assert errors["x"] < SMOOTH_TOL


def test_flatten_roundtrip_and_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 4, 5))
    layer = nnlib.Flatten()
    assert layer(x).shape == (3, 40)
    assert check_layer(layer, x)["x"] < SMOOTH_TOL


@pytest.mark.parametrize("seed", SEEDS)
def test_sequential_gradients_whole_network(seed):
    rng = np.random.default_rng(seed)
    n, d, h = random_shape(rng, 3)
    net = nnlib.Sequential(nnlib.Linear(d, h, rng=seed), nnlib.Tanh(), nnlib.Linear(h, 3, rng=seed + 1),
                           nnlib.Sigmoid())
    errors = check_layer(net, rng.standard_normal((n, d)), seed=seed)
    assert set(errors) == {"x", "0.W", "0.b", "2.W", "2.b"}
    assert max(errors.values()) < SMOOTH_TOL


def test_gradient_check_catches_a_wrong_backward():
    class TransposedLinear(nnlib.Linear):
        def _backward(self, dy):
            dx = super()._backward(dy)
            self.grads["W"] = self.grads["W"] * 1.01  # a subtly wrong gradient
            return dx

    with pytest.raises(AssertionError, match=r"dW differs from the numeric gradient .* worst at dW\["):
        check_layer(TransposedLinear(3, 2, rng=0), np.random.default_rng(0).standard_normal((4, 3)))


def test_linear_shapes_follow_pytorch():
    layer = nnlib.Linear(3, 4, rng=0)
    assert layer.params["W"].shape == (4, 3)  # (out_features, in_features): one row per neuron
    assert layer.params["b"].shape == (4,)
    x = np.random.default_rng(1).standard_normal((5, 3))
    layer.params["b"][:] = [1.0, 2.0, 3.0, 4.0]
    np.testing.assert_allclose(layer(x), x @ layer.params["W"].T + layer.params["b"])


def test_known_activation_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(F.sigmoid(np.array([0.0])), [0.5])
    np.testing.assert_allclose(F.relu(z), [0, 0, 3])
    np.testing.assert_allclose(F.leaky_relu(z, 0.1), [-0.2, 0, 3])
    np.testing.assert_allclose(F.elu(z), [np.exp(-2) - 1, 0, 3])
    np.testing.assert_allclose(F.tanh_derivative(np.array([0.0])), [1.0])
    np.testing.assert_allclose(F.softmax(np.full((2, 4), 7.0)), np.full((2, 4), 0.25))


def test_sigmoid_and_softmax_are_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # any overflow would raise here
        s = F.sigmoid(np.array([-1000.0, -40.0, 40.0, 1000.0]))
        p = F.softmax(np.array([[1000.0, 0.0, -1000.0]]))
        lp = F.log_softmax(np.array([[1000.0, 0.0, -1000.0]]))
    assert s[0] == 0.0 and s[-1] == 1.0 and 0 < s[1] < 1e-17
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(lp, [[0.0, -1000.0, -2000.0]])


@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
def test_activation_derivatives_match_numeric(name):
    fn, deriv = F.ACTIVATIONS[name]
    z = away_from_zero(np.random.default_rng(0), (20,)) * 3
    numeric = (fn(z + 1e-6) - fn(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(deriv(z), numeric, rtol=1e-6, atol=1e-9)


def test_forward_and_backward_do_not_modify_inputs():
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    x0, dy0 = x.copy(), dy.copy()
    net = nnlib.Sequential(nnlib.Linear(3, 2, rng=0), nnlib.ReLU(), nnlib.Identity(), nnlib.Softmax())
    net.forward(x)
    net.backward(dy)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dy, dy0)


def test_float32_stays_float32_through_forward_and_backward():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 5)).astype(np.float32)
    net = nnlib.Sequential(nnlib.Linear(5, 4, rng=0), nnlib.ELU(), nnlib.Linear(4, 3, rng=1), nnlib.Sigmoid())
    y = net(x)
    assert y.dtype == np.float32
    dx = net.backward(np.ones_like(y))
    assert dx.dtype == np.float32
    net.astype(np.float32)
    y = net(x)
    dx = net.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.grads.values())
    assert net(x.astype(np.float64)).dtype == np.float64  # float64 in, float64 out


def test_count_params_of_the_mnist_network():
    net = nnlib.Sequential(nnlib.Linear(784, 16), nnlib.Sigmoid(), nnlib.Linear(16, 16), nnlib.Sigmoid(),
                           nnlib.Linear(16, 10))
    assert nnlib.count_params(net) == 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10 == 13_002


def test_manual_seed_makes_networks_reproducible():
    nnlib.manual_seed(3)
    a = nnlib.Linear(4, 3).params["W"]
    nnlib.manual_seed(3)
    b = nnlib.Linear(4, 3).params["W"]
    c = nnlib.Linear(4, 3).params["W"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)  # two layers in one network differ


@pytest.mark.parametrize("name,std", [("xavier_normal", np.sqrt(2 / (300 + 200))), ("he_normal", np.sqrt(2 / 300))])
def test_initializer_scales(name, std):
    W = nnlib.init.INITIALIZERS[name]((200, 300), np.random.default_rng(0))
    assert W.shape == (200, 300)
    assert abs(W.std() / std - 1) < 0.02
    assert abs(W.mean()) < 0.01 * std * 10


def test_uniform_initializers_have_the_same_variance_as_their_normal_twins():
    rng = np.random.default_rng(0)
    assert abs(nnlib.init.xavier_uniform((200, 300), rng).std() / np.sqrt(2 / 500) - 1) < 0.02
    assert abs(nnlib.init.he_uniform((200, 300), rng).std() / np.sqrt(2 / 300) - 1) < 0.02
    assert nnlib.init.fans((8, 3, 5, 5)) == (75, 200)
    assert np.all(nnlib.init.constant(0.5)((2, 3)) == 0.5)
    assert np.all(nnlib.init.zeros((2, 3)) == 0)
    assert abs(nnlib.init.normal(0.01)((300, 300), rng).std() - 0.01) < 0.001
    assert np.abs(nnlib.init.uniform(0.05)((30, 30), rng)).max() <= 0.05


# -- Linear on sequences, Flatten of an empty batch, alpha dtype (bugs found by an independent check) ----

def test_linear_applies_the_same_neurons_at_every_time_step():
    rng = np.random.default_rng(0)
    layer = nnlib.Linear(3, 4, rng=0)
    layer.params["b"] = rng.standard_normal(4)
    x = rng.standard_normal((2, 5, 3))  # (N, T, D)
    y = layer(x)
    assert y.shape == (2, 5, 4)
    np.testing.assert_allclose(y[:, 2], layer(x[:, 2]))
    assert max(check_layer(layer, x).values()) < SMOOTH_TOL


def test_flatten_of_an_empty_batch():
    assert nnlib.Flatten()(np.zeros((0, 3, 4))).shape == (0, 12)


@pytest.mark.parametrize("make", [lambda a: nnlib.LeakyReLU(a), lambda a: nnlib.ELU(a)])
def test_numpy_scalar_alpha_keeps_float32(make):
    alpha = np.linspace(0, 0.2, 3)[1]  # a np.float64, which NumPy 2 would let promote a float32 array
    x = np.array([[-1.0, 2.0]], np.float32)
    layer = make(alpha)
    assert layer(x).dtype == np.float32
    assert layer.backward(np.ones_like(x)).dtype == np.float32
    for fn in (F.leaky_relu, F.leaky_relu_derivative, F.elu, F.elu_derivative):
        assert fn(x, alpha).dtype == np.float32, fn.__name__


# -- Dropout and train/eval mode --------------------------------------------------------------------

def test_dropout_drops_and_rescales_in_training_and_is_identity_in_eval():
    x = np.ones((200, 50))
    layer = nnlib.Dropout(0.3, rng=0)
    y = layer(x)
    assert set(np.unique(y)) == {0.0, 1 / 0.7}
    assert abs((y == 0).mean() - 0.3) < 0.02  # about p of the units are dropped
    assert abs(y.mean() - 1.0) < 0.03  # inverted dropout keeps the expected value
    dx = layer.backward(np.full_like(x, 2.0))
    np.testing.assert_array_equal(dx, 2.0 * y)  # the same mask and scale as the forward pass
    layer.eval()
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)


def test_train_and_eval_reach_every_layer_and_fit_evaluate_switch_modes():
    net = nnlib.Sequential(nnlib.Linear(2, 8, rng=0), nnlib.Dropout(0.5, rng=0), nnlib.Linear(8, 2, rng=1))
    assert net.eval() is net and not any(layer.training for layer in net.layers)
    net.train()
    assert all(layer.training for layer in net.layers)
    X, y = nnlib.make_rings(40, seed=0)
    out1, out2 = nnlib.predict(net, X), nnlib.predict(net, X)
    np.testing.assert_array_equal(out1, out2)  # no dropout in predict, so deterministic
    assert net.training  # and the mode is restored afterwards
    net.eval()
    nnlib.fit(net, nnlib.SoftmaxCrossEntropy(), nnlib.SGD(net, lr=0.1), X, y, epochs=1, progress=False)
    assert net.training  # fit trains in training mode


def test_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match=r"Dropout: p .* must be in \[0, 1\), got 1"):
        nnlib.Dropout(1)


# -- saving and loading ---------------------------------------------------------------------------

def small_cnn(seed):
    nnlib.manual_seed(seed)
    return nnlib.Sequential(nnlib.Conv2d(1, 2, 3), nnlib.ReLU(), nnlib.Flatten(), nnlib.Linear(2 * 4 * 4, 3))


def test_save_and_load_give_the_same_predictions(tmp_path):
    a, b = small_cnn(0), small_cnn(1)
    x = np.random.default_rng(0).standard_normal((5, 1, 6, 6))
    assert not np.allclose(a(x), b(x))
    a.save(tmp_path / "model.npz")
    W_before = b.params["0.W"]
    b.load(tmp_path / "model.npz")
    np.testing.assert_array_equal(a(x), b(x))
    assert b.params["0.W"] is W_before  # loaded in place: an optimizer built earlier still sees it
    assert set(np.load(tmp_path / "model.npz").files) == {"0.W", "0.b", "3.W", "3.b"}


def test_state_dict_is_a_copy():
    net = small_cnn(0)
    state = net.state_dict()
    state["0.W"][:] = 0
    assert np.any(net.params["0.W"] != 0)


def test_load_state_dict_errors_name_keys_and_shapes():
    net = small_cnn(0)
    state = net.state_dict()
    with pytest.raises(KeyError, match=r"missing \['3.b'\], unexpected \['9.W'\]"):
        net.load_state_dict({**{k: v for k, v in state.items() if k != "3.b"}, "9.W": np.zeros(1)})
    bigger = nnlib.Sequential(nnlib.Conv2d(1, 2, 3), nnlib.ReLU(), nnlib.Flatten(), nnlib.Linear(2 * 4 * 4, 5))
    with pytest.raises(ValueError, match=r"'3.W' has shape \(5, 32\) in the saved state but \(3, 32\) in this model"):
        net.load_state_dict(bigger.state_dict())
    W = net.params["0.W"].copy()
    np.testing.assert_array_equal(net.params["0.W"], W)  # nothing half-loaded
