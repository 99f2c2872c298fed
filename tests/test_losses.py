"""Losses: gradients against numeric ones, known values, stability."""
import numpy as np
import pytest

import nnlib
from nnlib.gradcheck import SMOOTH_TOL, check_loss


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", [(7,), (5, 3)])
def test_regression_loss_gradients(seed, shape):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    assert check_loss(nnlib.MSELoss(), pred, target) < SMOOTH_TOL
    # MAE has a kink where pred == target; random normals are never that close.
    assert check_loss(nnlib.MAELoss(), pred, target) < SMOOTH_TOL


@pytest.mark.parametrize("seed", range(3))
def test_binary_cross_entropy_gradients(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 9))
    y = rng.integers(0, 2, size=n)
    z = rng.standard_normal(n) * 3
    assert check_loss(nnlib.BCEWithLogitsLoss(), z, y) < SMOOTH_TOL
    assert check_loss(nnlib.BCELoss(), nnlib.functional.sigmoid(z), y) < SMOOTH_TOL


@pytest.mark.parametrize("seed", range(3))
def test_softmax_cross_entropy_gradient(seed):
    rng = np.random.default_rng(seed)
    n, c = (int(v) for v in rng.integers(2, 8, size=2))
    assert check_loss(nnlib.SoftmaxCrossEntropy(), rng.standard_normal((n, c)) * 3, rng.integers(0, c, size=n)) \
        < SMOOTH_TOL


def test_known_values():
    assert nnlib.MSELoss()(np.array([1.0, 2.0]), np.array([0.0, 0.0])) == pytest.approx(2.5)
    assert nnlib.MAELoss()(np.array([1.0, -3.0]), np.array([0.0, 0.0])) == pytest.approx(2.0)
    # perfect probabilities cost (almost) nothing, a coin flip costs ln 2
    assert nnlib.BCELoss()(np.array([1.0, 0.0]), np.array([1, 0])) < 1e-10
    assert nnlib.BCELoss()(np.full(4, 0.5), np.array([1, 0, 1, 0])) == pytest.approx(np.log(2))
    # an untrained 10-class model scoring every class the same: ln 10
    assert nnlib.SoftmaxCrossEntropy()(np.zeros((5, 10)), np.arange(5)) == pytest.approx(np.log(10))


def test_bce_with_logits_matches_bce_and_is_stable():
    z = np.array([-3.0, -0.5, 0.2, 4.0])
    y = np.array([0, 1, 1, 0])
    assert nnlib.BCEWithLogitsLoss()(z, y) == pytest.approx(nnlib.BCELoss()(nnlib.functional.sigmoid(z), y))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = nnlib.BCEWithLogitsLoss()(np.array([1000.0, -1000.0]), np.array([0, 1]))
    assert big == pytest.approx(1000.0)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = nnlib.SoftmaxCrossEntropy()
        value = loss(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
        grad = loss.backward()
    assert value == pytest.approx(500.0)
    np.testing.assert_allclose(grad, [[0, 0], [-0.5, 0.5]], atol=1e-12)  # (softmax - onehot) / N


def test_to_labels():
    assert list(nnlib.SoftmaxCrossEntropy.to_labels(np.array([[0.1, 2.0], [3.0, -1.0]]))) == [1, 0]
    np.testing.assert_array_equal(nnlib.BCEWithLogitsLoss.to_labels(np.array([[-0.1], [0.2]])), [[0], [1]])
    assert list(nnlib.BCELoss.to_labels(np.array([0.4, 0.6]))) == [0, 1]


def test_loss_keeps_float32():
    p = np.zeros((4, 3), np.float32)
    loss = nnlib.SoftmaxCrossEntropy()
    loss(p, np.array([0, 1, 2, 0]))
    assert loss.backward().dtype == np.float32
    mse = nnlib.MSELoss()
    mse(p, np.ones((4, 3)))
    assert mse.backward().dtype == np.float32


def test_bce_on_saturated_float32_probabilities_is_finite():
    # A float32 sigmoid gives exactly 1.0 for z > ~17; 1 - 1e-12 is 1.0 in float32, so clipping in
    # float32 did nothing and the loss came out nan (label 1) or inf (label 0).
    loss = nnlib.BCELoss()
    assert loss(np.array([1.0, 0.25], np.float32), np.array([1, 1])) == pytest.approx(0.6931471805599453, rel=1e-6)
    value = loss(np.array([1.0], np.float32), np.array([0]))
    assert np.isfinite(value) and value > 20
    grad = loss.backward()
    assert grad.dtype == np.float32 and np.all(np.isfinite(grad))


def test_softmax_cross_entropy_on_sequences_is_the_mean_over_all_positions():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((3, 4, 5)), rng.integers(0, 5, size=(3, 4))
    loss = nnlib.SoftmaxCrossEntropy()
    flat = nnlib.SoftmaxCrossEntropy()(logits.reshape(12, 5), labels.reshape(12))
    assert loss(logits, labels) == pytest.approx(flat)
    assert loss.backward().shape == (3, 4, 5)
    assert check_loss(loss, logits, labels) < 1e-7
    np.testing.assert_array_equal(loss.to_labels(logits), logits.argmax(axis=-1))
    with pytest.raises(ValueError, match=r"\(N, T, C\) need labels of shape \(3, 4\) \(N, T\), got \(3,\)"):
        loss(logits, labels[:, 0])
