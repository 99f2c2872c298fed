"""Plot helpers and the widget fallback draw what they say (smoke tests with real values)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlib
from nnlib import viz, widgets


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_decision_boundary_shades_by_predicted_class():
    X, y = nnlib.make_rings(n=100, seed=0)
    ax = viz.plot_decision_boundary(lambda G: (np.sum(G ** 2, axis=1) < 0.6).astype(int), X, y, resolution=50)
    assert len(ax.collections) >= 3  # the shading plus one scatter per class
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"class 0", "class 1"}


def test_show_weights_uses_a_symmetric_red_green_scale():
    W = np.random.default_rng(0).standard_normal((4, 784))
    fig = viz.show_weights(W, ncols=2)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 4
    lo, hi = images[0].get_clim()
    assert lo == -hi == -np.abs(W[0]).max()
    assert images[0].get_cmap().name == "red_green"


def test_show_images_refuses_non_square_rows():
    with pytest.raises(ValueError, match="not square"):
        viz.show_images(np.zeros((2, 10)))


def test_plot_history_draws_train_and_validation():
    h = nnlib.History()
    for v in (1.0, 0.5, 0.25):
        h.record(loss=v, val_loss=v * 1.1)
    ax = viz.plot_history(h)
    assert [list(line.get_ydata()) for line in ax.lines] == [[1.0, 0.5, 0.25], [1.1, 0.55, 0.275]]


def test_histograms_one_per_layer():
    axes = viz.plot_histograms([np.zeros(10), np.ones(10), np.arange(10)])
    assert len(axes) == 3 and axes[2].get_title() == "layer 3"


def test_widget_falls_back_to_a_static_call_without_a_frontend(monkeypatch, capsys):
    import ipywidgets
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("VSCODE_PID", raising=False)
    monkeypatch.delenv("NNLIB_WIDGETS", raising=False)
    calls = []
    widgets.interact(lambda lr, act: calls.append((lr, act)),
                     lr=ipywidgets.FloatLogSlider(value=0.1, min=-3, max=0), act="relu")
    assert calls == [(0.1, "relu")]
    assert "static figure" in capsys.readouterr().out


def test_widget_is_interactive_in_jupyterlab(monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "lectures/01_linear_regression.ipynb")
    assert widgets.frontend_has_widgets()
    monkeypatch.setenv("NNLIB_WIDGETS", "0")
    assert not widgets.frontend_has_widgets()


def test_live_widget_returns_nothing_and_shows_whole_labels(monkeypatch):
    import ipywidgets
    monkeypatch.setenv("NNLIB_WIDGETS", "1")
    slider = ipywidgets.FloatLogSlider(value=0.1, min=-3, max=0, description="learning rate")
    calls = []
    assert widgets.interact(lambda lr: calls.append(lr), lr=slider) is None  # nothing printed under the widget
    assert calls == [0.1]  # ipywidgets draws once at the initial value
    assert slider.style.description_width == "initial"  # the label is not cut to "learning r..."
