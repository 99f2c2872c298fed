"""Bad input gets a clear error that names the layer, the expected and the actual, and the fix."""
import numpy as np
import pytest

import nnlib


def test_wrong_input_width():
    with pytest.raises(ValueError, match=r"Linear\(3 -> 4\) expects input of shape \(N, 3\), got \(5, 7\)"):
        nnlib.Linear(3, 4)(np.zeros((5, 7)))


def test_transposed_input_is_recognised():
    with pytest.raises(ValueError, match=r"transposed.*x\.T"):
        nnlib.Linear(3, 4)(np.zeros((7, 3)).T)


def test_wrong_rank_single_sample():
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 3\).*got a 1-D array of shape \(3,\).*reshape\(1, -1\)"):
        nnlib.Linear(3, 4)(np.zeros(3))


def test_images_into_linear_suggest_flatten():
    with pytest.raises(ValueError, match=r"3-D array of shape \(2, 28, 28\).*Flatten"):
        nnlib.Linear(784, 10)(np.zeros((2, 28, 28)))


def test_integer_input_to_a_float_layer():
    with pytest.raises(TypeError, match=r"Linear\(2 -> 1\).*integer dtype int64.*astype\(np.float64\)"):
        nnlib.Linear(2, 1)(np.ones((3, 2), dtype=np.int64))


def test_python_lists_are_fine():
    assert nnlib.Linear(2, 1)([[1, 2], [3, 4]]).shape == (2, 1)


def test_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2 for 3 classes, got 3 at index 1 \(are the labels 1-based\?\)"):
        nnlib.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"got -1 at index 0"):
        nnlib.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([-1, 0]))


def test_one_hot_labels_are_explained():
    with pytest.raises(TypeError, match=r"one-hot.*argmax\(axis=1\)"):
        nnlib.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.eye(3)[:2])


def test_label_count_mismatch():
    with pytest.raises(ValueError, match=r"2 rows of scores but 3 labels"):
        nnlib.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 1, 2]))


def test_column_vs_flat_targets_would_broadcast():
    with pytest.raises(ValueError, match=r"predictions have shape \(4, 1\) but targets have shape \(4,\).*reshape\(-1, 1\)"):
        nnlib.MSELoss()(np.zeros((4, 1)), np.zeros(4))


def test_bce_rejects_logits_and_bad_targets():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*BCEWithLogitsLoss"):
        nnlib.BCELoss()(np.array([2.0, -1.0]), np.array([1, 0]))
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        nnlib.BCEWithLogitsLoss()(np.array([2.0, -1.0]), np.array([2, 0]))


@pytest.mark.parametrize("layer", [nnlib.Linear(2, 3), nnlib.ReLU(), nnlib.Sequential(nnlib.Linear(2, 2))])
def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match=r"backward was called before forward"):
        layer.backward(np.zeros((1, 3)))


def test_loss_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"backward was called before the loss was computed"):
        nnlib.MSELoss().backward()


def test_wrong_dy_shape():
    layer = nnlib.Linear(2, 3)
    layer(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"dy has shape \(4, 2\), expected \(4, 3\)"):
        layer.backward(np.zeros((4, 2)))


def test_optimizer_step_before_backward():
    net = nnlib.Linear(2, 3)
    with pytest.raises(RuntimeError, match=r"'W' has no gradient yet; call model.backward"):
        nnlib.SGD(net, lr=0.1).step()


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=r"in_features must be a positive int, got 0"):
        nnlib.Linear(0, 3)
    with pytest.raises(ValueError, match=r"unknown initializer 'hee'"):
        nnlib.Linear(2, 3, init="hee")
    with pytest.raises(TypeError, match=r"item 1 is <ufunc 'tanh'>, not an nnlib Layer.*nnlib.Tanh\(\)"):
        nnlib.Sequential(nnlib.Linear(2, 3), np.tanh)
    with pytest.raises(ValueError, match=r"learning rate must be positive"):
        nnlib.SGD(nnlib.Linear(2, 3), lr=0)


def test_fit_with_mismatched_lengths():
    net = nnlib.Linear(2, 2)
    with pytest.raises(ValueError, match=r"X has 4 samples but y has 3"):
        nnlib.fit(net, nnlib.SoftmaxCrossEntropy(), nnlib.SGD(net), np.zeros((4, 2)), np.zeros(3, int), progress=False)
