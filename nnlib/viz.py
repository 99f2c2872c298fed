"""Plots the lectures share: decision boundaries, training curves, image and weight grids, histograms.

Every function draws on `ax` (or a new figure) and returns the axes, so notebooks can add titles
and asserts without re-plotting. Class 0 is drawn as circles ("zeros") and class 1 as crosses, as
in the lectures' picture of a ring of zeros around crosses.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap

# Negative weights red, zero white, positive green: the colours lecture 04 uses for weight images.
RED_GREEN = LinearSegmentedColormap.from_list("red_green", ["#c0392b", "#ffffff", "#1e8449"])
MARKERS = ["o", "x", "s", "^", "D", "v", "P", "*", "<", ">"]


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def scatter_classes(X, y, ax=None, names=None):
    """Scatter 2-D points X: (N, 2) coloured and marked by integer label y: (N,)."""
    ax = _axes(ax)
    for k in np.unique(y):
        pts = X[y == k]
        label = names[k] if names is not None else f"class {k}"
        style = dict(facecolors="none", edgecolors=f"C{k}") if MARKERS[k % 10] == "o" else dict(color=f"C{k}")
        ax.scatter(pts[:, 0], pts[:, 1], marker=MARKERS[k % 10], s=25, label=label, **style)
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_decision_boundary(predict, X, y=None, ax=None, resolution=200, margin=0.5, names=None):
    """Shade the plane by the class `predict` gives and draw the data on top.

    predict: a function (M, 2) -> labels (M,) (or scores (M, C) / probabilities (M,), turned into
    labels by argmax or > 0.5). X: (N, 2), y: (N,) labels or None.
    """
    ax = _axes(ax)
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    out = np.asarray(predict(grid))
    if out.ndim == 2 and out.shape[1] > 1:
        labels = out.argmax(axis=1)
    elif out.dtype.kind == "f":
        labels = (out.reshape(-1) > 0.5).astype(int)
    else:
        labels = out.reshape(-1)
    n_classes = int(max(labels.max(), 0 if y is None else np.max(y))) + 1
    ax.contourf(gx, gy, labels.reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5,
                colors=[f"C{k}" for k in range(n_classes)], alpha=0.2)
    if y is not None:
        scatter_classes(X, y, ax, names)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$x_1$", ylabel="$x_2$")
    return ax


def plot_curves(curves: dict, ax=None, xlabel="epoch", ylabel="loss", logy=False, title=None):
    """One line per entry of `curves` (label -> sequence of values)."""
    ax = _axes(ax, (6, 3.5))
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1) if xlabel == "epoch" else np.arange(len(values)), values, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if logy:
        ax.set_yscale("log")
    if len(curves) > 1:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_history(history, metric="loss", ax=None, title=None):
    """Training (and validation, when recorded) curve of `metric` from a fit History."""
    curves = {f"train {metric}": history[metric]}
    if f"val_{metric}" in history:
        curves[f"validation {metric}"] = history[f"val_{metric}"]
    return plot_curves(curves, ax, ylabel=metric, title=title)


def show_images(images, labels=None, ncols=10, cmap="gray", size=1.2, titles=None, symmetric=False):
    """A grid of images: images (N, H, W), or (N, H*W) square images. Returns the figure.

    symmetric=True centres the colour scale on 0 (for weights: with RED_GREEN, negative red, positive
    green, each image scaled to its own largest |value|).
    """
    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"show_images: rows of length {images.shape[1]} are not square images; pass (N, H, W)")
        images = images.reshape(len(images), side, side)
    n = len(images)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.1), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        if symmetric:
            v = np.abs(images[i]).max() or 1.0
            ax.imshow(images[i], cmap=cmap, vmin=-v, vmax=v)
        else:
            ax.imshow(images[i], cmap=cmap)
        title = titles[i] if titles is not None else (str(labels[i]) if labels is not None else None)
        if title is not None:
            ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def show_weights(W, shape=(28, 28), ncols=8, size=1.2, titles=None):
    """Each row of W (K, H*W) — one neuron's weights — as an H x W image, negative red, positive green."""
    W = np.asarray(W)
    return show_images(W.reshape(len(W), *shape), ncols=ncols, cmap=RED_GREEN, size=size, symmetric=True,
                       titles=titles if titles is not None else [f"neuron {k}" for k in range(len(W))])


def plot_histograms(arrays, titles=None, bins=50, range=None, xlabel="value", color="C0", axes=None, sharey=False):
    """One histogram per array, side by side (e.g. the activations of each layer). Returns the axes."""
    n = len(arrays)
    if axes is None:
        _, axes = plt.subplots(1, n, figsize=(2.2 * n, 2.2), sharey=sharey, squeeze=False)
        axes = axes[0]
    for i, (ax, a) in enumerate(zip(axes, arrays)):
        ax.hist(np.ravel(a), bins=bins, range=range, color=color)
        ax.set_title(titles[i] if titles is not None else f"layer {i + 1}", fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
    return axes
