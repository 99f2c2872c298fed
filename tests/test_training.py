"""Optimizers, fit, evaluate, predict, accuracy."""
import re

import numpy as np
import pytest

import nnlib


def quadratic_problem():
    """A convex least-squares problem: a Linear layer fit to an exact linear target."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    return X, y


@pytest.mark.parametrize("make_opt", [lambda m: nnlib.SGD(m, lr=0.1), lambda m: nnlib.SGD(m, lr=0.05, momentum=0.9),
                                      lambda m: nnlib.Adam(m, lr=0.05), lambda m: nnlib.RMSProp(m, lr=0.01)])
def test_optimizers_decrease_a_convex_loss(make_opt):
    X, y = quadratic_problem()
    model, loss = nnlib.Linear(3, 1, rng=0), nnlib.MSELoss()
    opt = make_opt(model)
    losses = []
    for _ in range(200):
        losses.append(loss(model(X), y))
        model.backward(loss.backward())
        opt.step()
    assert losses[-1] < 1e-3 * losses[0]
    np.testing.assert_allclose(model.params["W"], [[1.0, -2.0, 0.5]], atol=0.02)


def test_sgd_step_is_exactly_p_minus_lr_g_in_place():
    model = nnlib.Linear(2, 1, rng=0)
    W = model.params["W"]
    W0 = W.copy()
    model(np.array([[1.0, 2.0]]))
    model.backward(np.array([[1.0]]))
    nnlib.SGD(model, lr=0.5).step()
    assert model.params["W"] is W  # updated in place
    np.testing.assert_allclose(W, W0 - 0.5 * np.array([[1.0, 2.0]]))


def test_adam_first_step_moves_each_weight_by_lr():
    # With bias correction, Adam's first step is lr * g / |g| per element.
    model = nnlib.Linear(3, 1, rng=0)
    W0 = model.params["W"].copy()
    model(np.array([[1.0, -2.0, 3.0]]))
    model.backward(np.array([[1.0]]))
    nnlib.Adam(model, lr=0.01).step()
    np.testing.assert_allclose(model.params["W"] - W0, -0.01 * np.sign([[1.0, -2.0, 3.0]]), rtol=1e-6)


def test_rmsprop_steps_match_the_formula_over_several_steps():
    model = nnlib.Linear(2, 1, rng=0)
    p = model.params["W"].copy()
    s = np.zeros_like(p)
    opt = nnlib.RMSProp(model, lr=0.01, rho=0.9, eps=1e-8)
    for g in ([[1.0, -2.0]], [[0.5, 4.0]], [[-3.0, 0.1]]):
        model.grads["W"], model.grads["b"] = np.array(g), np.zeros(1)
        opt.step()
        s = 0.9 * s + 0.1 * np.square(g)
        p = p - 0.01 * np.array(g) / (np.sqrt(s) + 1e-8)
        np.testing.assert_allclose(model.params["W"], p, rtol=1e-12)


@pytest.mark.parametrize("make_opt", [lambda m, wd: nnlib.SGD(m, lr=0.1, weight_decay=wd),
                                      lambda m, wd: nnlib.SGD(m, lr=0.1, momentum=0.9, weight_decay=wd),
                                      lambda m, wd: nnlib.RMSProp(m, lr=0.1, weight_decay=wd),
                                      lambda m, wd: nnlib.Adam(m, lr=0.1, weight_decay=wd)])
def test_weight_decay_adds_lam_times_weight_to_the_gradient_of_weights_only(make_opt):
    lam = 0.3
    decayed, by_hand = nnlib.Linear(3, 2, rng=0), nnlib.Linear(3, 2, rng=0)
    opt_decayed, opt_by_hand = make_opt(decayed, lam), make_opt(by_hand, 0.0)
    rng = np.random.default_rng(1)
    for _ in range(3):
        gW, gb = rng.standard_normal((2, 3)), rng.standard_normal(2)
        decayed.grads = {"W": gW.copy(), "b": gb.copy()}
        by_hand.grads = {"W": gW + lam * by_hand.params["W"], "b": gb.copy()}  # the bias is not decayed
        opt_decayed.step(), opt_by_hand.step()
        np.testing.assert_allclose(decayed.grads["W"], gW)  # the layer's gradient itself is untouched
    for name in ("W", "b"):
        np.testing.assert_allclose(decayed.params[name], by_hand.params[name], rtol=1e-12)


def test_optimizer_arguments_are_checked():
    model = nnlib.Linear(2, 1, rng=0)
    with pytest.raises(ValueError, match="weight_decay must be >= 0, got -1"):
        nnlib.SGD(model, weight_decay=-1)
    with pytest.raises(ValueError, match="rho must be in"):
        nnlib.RMSProp(model, rho=1.0)


def test_fit_on_rings_reaches_95_percent():
    X, y = nnlib.make_rings(n=400, seed=0)
    nnlib.manual_seed(0)
    model = nnlib.Sequential(nnlib.Linear(2, 16), nnlib.Tanh(), nnlib.Linear(16, 2))
    loss = nnlib.SoftmaxCrossEntropy()
    history = nnlib.fit(model, loss, nnlib.SGD(model, lr=0.3, momentum=0.9), X, y, epochs=60, batch_size=32,
                        seed=0, progress=False)
    assert history.epochs == 60
    assert history["loss"][-1] < history["loss"][0]
    assert history["accuracy"][-1] >= 0.95
    assert nnlib.evaluate(model, loss, X, y)["accuracy"] >= 0.95


def test_fit_is_reproducible_and_records_validation():
    X, y = nnlib.make_moons(n=200, seed=1)
    runs = []
    for _ in range(2):
        nnlib.manual_seed(1)
        model = nnlib.Sequential(nnlib.Linear(2, 8), nnlib.ReLU(), nnlib.Linear(8, 1))
        h = nnlib.fit(model, nnlib.BCEWithLogitsLoss(), nnlib.Adam(model, lr=0.01), X, y.reshape(-1, 1).astype(float),
                      epochs=3, batch_size=50, validation_data=(X[:50], y[:50].reshape(-1, 1).astype(float)),
                      progress=False)
        runs.append(h)
    assert runs[0].history == runs[1].history
    assert set(runs[0].history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_fit_loss_is_the_weighted_mean_of_batch_losses():
    # with lr tiny the weights barely move, so the epoch loss equals the loss at the start
    X, y = quadratic_problem()
    model = nnlib.Linear(3, 1, rng=0)
    start = nnlib.evaluate(model, nnlib.MSELoss(), X, y)["loss"]
    h = nnlib.fit(model, nnlib.MSELoss(), nnlib.SGD(model, lr=1e-12), X, y, epochs=1, batch_size=20, progress=False)
    assert h["loss"][0] == pytest.approx(start, rel=1e-8)
    assert "accuracy" not in h


def test_predict_in_batches_equals_one_pass():
    X = np.random.default_rng(0).standard_normal((2500, 4))
    model = nnlib.Sequential(nnlib.Linear(4, 3, rng=0), nnlib.Tanh())
    np.testing.assert_allclose(nnlib.predict(model, X, batch_size=1000), model(X))


def test_accuracy():
    assert nnlib.accuracy(np.array([1, 0, 2, 2]), np.array([1, 1, 2, 0])) == 0.5
    with pytest.raises(ValueError, match=r"argmax"):
        nnlib.accuracy(np.zeros((4, 3)), np.zeros(4))


def test_history_errors_name_what_is_there():
    h = nnlib.History()
    h.record(loss=1.0)
    with pytest.raises(KeyError, match=r"has no 'accuracy'; it has \['loss'\]"):
        h["accuracy"]


def test_clip_grad_norm_scales_all_gradients_together():
    net = nnlib.Sequential(nnlib.Linear(3, 4, rng=0), nnlib.Linear(4, 2, rng=1))
    net.forward(np.ones((5, 3)))
    net.backward(np.full((5, 2), 10.0))
    grads = [g.copy() for _, _, g in net.params_and_grads()]
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    assert nnlib.clip_grad_norm(net, 1e9) == pytest.approx(norm)  # below the limit: untouched
    for (_, _, g), g0 in zip(net.params_and_grads(), grads):
        np.testing.assert_array_equal(g, g0)
    assert nnlib.clip_grad_norm(net, 1.0) == pytest.approx(norm)  # returns the norm before clipping
    clipped = [g for _, _, g in net.params_and_grads()]
    assert np.sqrt(sum(np.sum(g ** 2) for g in clipped)) == pytest.approx(1.0, rel=1e-5)
    for g, g0 in zip(clipped, grads):  # one common factor: the direction of the step is kept
        np.testing.assert_allclose(g, g0 / norm, rtol=1e-5)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        nnlib.clip_grad_norm(net, 0)


def test_fit_accuracy_on_sequence_labels_counts_every_position():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 6, 3))
    y = (X[..., 0] > 0).astype(np.int64)  # (N, T): a label at every step
    net = nnlib.Sequential(nnlib.Linear(3, 2, rng=0))
    hist = nnlib.fit(net, nnlib.SoftmaxCrossEntropy(), nnlib.Adam(net, lr=0.05), X, y, epochs=30,
                     batch_size=10, progress=False)
    assert 0.9 < hist["accuracy"][-1] <= 1.0
    assert nnlib.evaluate(net, nnlib.SoftmaxCrossEntropy(), X, y)["accuracy"] > 0.9


def test_fit_with_progress_leaves_one_summary_line_of_the_final_history(capsys):
    X, y = nnlib.make_moons(n=120, seed=2)
    nnlib.manual_seed(2)
    model = nnlib.Sequential(nnlib.Linear(2, 8), nnlib.Tanh(), nnlib.Linear(8, 2))
    h = nnlib.fit(model, nnlib.SoftmaxCrossEntropy(), nnlib.Adam(model, lr=0.05), X, y, epochs=3, batch_size=40,
                  validation_data=(X[:30], y[:30]))
    out, err = capsys.readouterr()
    assert "epoch 1/3" in err                            # the bar was shown while training ran...
    assert err.rsplit("\r", 1)[-1].strip() == ""         # ...and is cleared at the end: nothing of it stays
    lines = out.splitlines()
    assert len(lines) == 1, out
    final = ", ".join(f"{k} {h[k][-1]:.4g}" for k in ("loss", "accuracy", "val_loss", "val_accuracy"))
    assert re.fullmatch(r"fit: 3 epochs in \d+(\.\d+)? s — " + re.escape(final), lines[0]), lines[0]
    assert h.summary() == final


def test_fit_summary_of_a_regression_and_no_output_without_progress(capsys):
    X, y = quadratic_problem()
    model = nnlib.Linear(3, 1, rng=0)
    h = nnlib.fit(model, nnlib.MSELoss(), nnlib.SGD(model, lr=0.05), X, y, epochs=1, batch_size=16)
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(rf"fit: 1 epoch in \d+(\.\d+)? s — loss {h['loss'][-1]:.4g}", line), line
    nnlib.fit(model, nnlib.MSELoss(), nnlib.SGD(model, lr=0.05), X, y, epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("name", ["sgd_momentum", "rmsprop", "adam"])
def test_optimizers_match_pytorch_over_several_steps(name):
    torch = pytest.importorskip("torch")
    make = {"sgd_momentum": (lambda m: nnlib.SGD(m, lr=0.1, momentum=0.9),
                             lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
            "rmsprop": (lambda m: nnlib.RMSProp(m, lr=0.01, rho=0.9, eps=1e-8),
                        lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8)),
            "adam": (lambda m: nnlib.Adam(m, lr=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01))}[name]
    model = nnlib.Linear(3, 2, rng=0)
    tW = torch.tensor(model.params["W"].copy(), requires_grad=True)
    tb = torch.tensor(model.params["b"].copy(), requires_grad=True)
    ours, theirs = make[0](model), make[1]([tW, tb])
    rng = np.random.default_rng(2)
    for _ in range(5):
        gW, gb = rng.standard_normal((2, 3)), rng.standard_normal(2)
        model.grads = {"W": gW, "b": gb}
        tW.grad, tb.grad = torch.tensor(gW), torch.tensor(gb)
        ours.step(), theirs.step()
    np.testing.assert_allclose(model.params["W"], tW.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.params["b"], tb.detach().numpy(), rtol=1e-10, atol=1e-12)
