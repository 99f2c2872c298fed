"""Image layers: Conv2d, MaxPool2d, AvgPool2d against plain loops, numeric gradients and PyTorch."""
import numpy as np
import pytest

import nnlib
from nnlib import functional as F
from nnlib.gradcheck import SMOOTH_TOL, check_layer

# (C_in, C_out, H, W, kernel, stride, padding): odd sizes, stride 2, padding 1, non-square kernels
CONV_CASES = [
    (1, 2, 5, 5, 3, 1, 0),
    (3, 4, 7, 6, 3, 1, 1),
    (2, 3, 7, 7, 3, 2, 1),
    (2, 2, 6, 5, (2, 3), (2, 1), (1, 0)),
    (3, 1, 4, 9, (1, 4), 3, (0, 2)),
]


def conv_loop(x, W, b, stride, padding):
    """The definition, one output number at a time: y[n, o, i, j] = b[o] + sum(W[o] * patch)."""
    (sh, sw), (ph, pw) = F._pair(stride), F._pair(padding)
    n, c, h, w = x.shape
    c_out, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    y = np.zeros((n, c_out, oh, ow))
    for s in range(n):
        for o in range(c_out):
            for i in range(oh):
                for j in range(ow):
                    y[s, o, i, j] = b[o] + np.sum(W[o] * xp[s, :, i * sh:i * sh + kh, j * sw:j * sw + kw])
    return y


def pool_loop(x, kernel, stride, reduce):
    (kh, kw), (sh, sw) = F._pair(kernel), F._pair(stride)
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = reduce(x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(2, 3))
    return y


def make_conv(case, seed=0):
    c_in, c_out, h, w, k, s, p = case
    rng = np.random.default_rng(seed)
    layer = nnlib.Conv2d(c_in, c_out, k, stride=s, padding=p, rng=seed)
    layer.params["b"] = rng.standard_normal(c_out)  # a zero bias would hide a wrong db
    return layer, rng.standard_normal((2, c_in, h, w))


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_equals_the_loop_definition(case):
    layer, x = make_conv(case)
    expected = conv_loop(x, layer.params["W"], layer.params["b"], layer.stride, layer.padding)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_gradients(case):
    layer, x = make_conv(case)
    errors = check_layer(layer, x)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < SMOOTH_TOL


def test_conv_is_cross_correlation_not_flipped():
    # A kernel with a single 1 in its top-left corner copies the pixel up-left of each position.
    layer = nnlib.Conv2d(1, 1, 3, padding=1, bias=False)
    layer.params["W"][:] = 0
    layer.params["W"][0, 0, 0, 0] = 1
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert layer(x)[0, 0, 1, 1] == x[0, 0, 0, 0]
    assert layer(x)[0, 0, 2, 3] == x[0, 0, 1, 2]


@pytest.mark.parametrize("kernel, stride, shape", [(2, None, (2, 3, 6, 6)), (2, None, (2, 2, 7, 5)),
                                                   (3, 2, (2, 2, 7, 7)), ((2, 3), 1, (1, 2, 5, 6))])
@pytest.mark.parametrize("pool, reduce", [(nnlib.MaxPool2d, np.max), (nnlib.AvgPool2d, np.mean)])
def test_pooling_equals_the_loop_and_passes_gradcheck(pool, reduce, kernel, stride, shape):
    x = np.random.default_rng(1).standard_normal(shape)
    layer = pool(kernel, stride)
    expected = pool_loop(x, kernel, stride if stride is not None else kernel, reduce)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)
    assert check_layer(layer, x)["x"] < SMOOTH_TOL


def test_max_pool_gradient_goes_to_the_first_maximum_only():
    x = np.array([[[[1.0, 5.0], [5.0, 0.0]]]])  # a tie between two maxima
    layer = nnlib.MaxPool2d(2)
    assert layer(x).item() == 5.0
    dx = layer.backward(np.array([[[[3.0]]]]))
    np.testing.assert_array_equal(dx, [[[[0.0, 3.0], [0.0, 0.0]]]])


def test_overlapping_windows_add_their_gradients():
    # Stride 1 with a 2x2 window: the centre pixel of a 3x3 image is in all four windows.
    layer = nnlib.AvgPool2d(2, stride=1)
    layer(np.zeros((1, 1, 3, 3)))
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    assert dx[0, 0, 1, 1] == pytest.approx(1.0) and dx[0, 0, 0, 0] == pytest.approx(0.25)


def test_unfold_and_fold_are_adjoint():
    # <unfold(x), w> == <x, fold(w)> for every x and w: fold is exactly the transpose of unfold.
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 7, 6))
    win = F.unfold(x, (3, 2), (2, 1), (1, 1))
    w = rng.standard_normal(win.shape)
    assert np.sum(win * w) == pytest.approx(np.sum(x * F.fold(w, (7, 6), (2, 1), (1, 1))), rel=1e-12)


def test_conv_output_size_formula():
    assert F.conv_output_size(28, 3, 1, 1) == 28
    assert F.conv_output_size(28, 5) == 24
    assert F.conv_output_size(7, 3, 2, 1) == 4
    assert F.conv_output_size(7, 2, 2) == 3  # the last row does not fit and is dropped


def test_cnn_in_sequential_with_flatten_and_linear():
    rng = np.random.default_rng(3)
    net = nnlib.Sequential(nnlib.Conv2d(1, 2, 3, padding=1, rng=0), nnlib.Tanh(), nnlib.MaxPool2d(2),
                           nnlib.Conv2d(2, 3, 3, rng=1), nnlib.Tanh(), nnlib.Flatten(), nnlib.Linear(3 * 2 * 2, 4, rng=2))
    x = rng.standard_normal((2, 1, 8, 8))
    assert net(x).shape == (2, 4)
    assert max(check_layer(net, x).values()) < SMOOTH_TOL


def test_float32_stays_float32_and_input_is_not_modified():
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 6)).astype(np.float32)
    before = x.copy()
    for layer in (nnlib.Conv2d(3, 2, 3, padding=1, dtype=np.float32), nnlib.MaxPool2d(2), nnlib.AvgPool2d(2)):
        y = layer(x)
        dx = layer.backward(np.ones_like(y))
        assert y.dtype == dx.dtype == np.float32, layer
        np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("make, x, message", [
    (lambda: nnlib.Conv2d(1, 4, 3), np.zeros((2, 28, 28)), r"channel axis is missing.*x\[:, None\]"),
    (lambda: nnlib.Conv2d(3, 4, 3), np.zeros((2, 28, 28, 3)), r"\(N, 3, H, W\), got \(2, 28, 28, 3\): 28 channels.*channels-last"),
    (lambda: nnlib.Conv2d(3, 4, 3), np.zeros((2, 784)), r"\(N, 3, H, W\).*2-D array"),
    (lambda: nnlib.Conv2d(1, 1, 5), np.zeros((1, 1, 3, 3)), r"smaller than the 5x5 kernel.*empty"),
    (lambda: nnlib.MaxPool2d(4), np.zeros((1, 1, 3, 8)), r"smaller than the 4x4 kernel"),
])
def test_clear_errors(make, x, message):
    with pytest.raises(ValueError, match=message):
        make()(x)


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a pair"):
        nnlib.Conv2d(1, 1, 2.5)
    with pytest.raises(ValueError, match=r"stride must be >= 1, got 0"):
        nnlib.MaxPool2d(2, stride=0)
    with pytest.raises(ValueError, match=r"in_channels must be a positive int"):
        nnlib.Conv2d(0, 1, 3)


def test_same_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 9, 8))
    layer = nnlib.Conv2d(2, 4, (3, 2), stride=2, padding=1, rng=0)
    layer.params["b"] = rng.standard_normal(4)
    ref = torch.nn.Conv2d(2, 4, (3, 2), stride=2, padding=1).double()
    ref.weight.data, ref.bias.data = torch.tensor(layer.params["W"]), torch.tensor(layer.params["b"])
    pool, ref_pool = nnlib.MaxPool2d(2), torch.nn.MaxPool2d(2)
    xt = torch.tensor(x, requires_grad=True)
    yt = ref_pool(ref(xt))
    dy = rng.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(dy))
    y = pool(layer(x))
    dx = layer.backward(pool.backward(dy))
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], ref.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], ref.bias.grad.numpy(), atol=1e-12)
