"""Input checks that turn shape and dtype mistakes into messages a student can act on.

Every layer and loss calls these before doing any math, so a wrong shape is reported as
"Linear(3 -> 4) expects input of shape (N, 3), got (5, 7)" instead of a numpy broadcasting
error from deep inside a matrix product.
"""
from __future__ import annotations

import numpy as np


def shape_str(shape) -> str:
    """(5, 3) -> '(5, 3)', () -> '()': the way shapes are printed in every message."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def as_float_array(x, who: str, what: str = "input") -> np.ndarray:
    """Return `x` as a floating ndarray (float32 and float64 kept as they are).

    Lists and scalars are converted to float64. Integer and boolean arrays are refused: a layer
    that silently computed in integers would round every weight update away.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{who}: {what} must be a numeric array, got {type(x).__name__} ({exc})") from None
        if arr.dtype.kind in "iub":  # python ints in a list are just numbers: make them floats
            arr = arr.astype(np.float64)
    if arr.dtype.kind in "iub":
        raise TypeError(
            f"{who}: {what} has integer dtype {arr.dtype}, expected floating point. "
            f"Convert it first, e.g. x.astype(np.float64)."
        )
    if arr.dtype.kind != "f":
        raise TypeError(f"{who}: {what} must be a float array, got dtype {arr.dtype}")
    return arr


def check_ndim(x: np.ndarray, ndim: int, who: str, layout: str, what: str = "input") -> None:
    """Refuse an array whose rank differs from `ndim`; `layout` names the axes, e.g. '(N, 3)'."""
    if x.ndim != ndim:
        hint = ""
        if ndim == 2 and x.ndim == 1:
            hint = " For a single sample use x.reshape(1, -1); the first axis is the batch."
        elif ndim == 2 and x.ndim > 2:
            hint = " Flatten the trailing axes first, e.g. with nnlib.Flatten() or x.reshape(len(x), -1)."
        raise ValueError(
            f"{who} expects {what} of shape {layout} ({ndim}-D, batch first), "
            f"got a {x.ndim}-D array of shape {shape_str(x.shape)}.{hint}"
        )


def check_labels(labels, n_classes: int, who: str, n: int | None = None) -> np.ndarray:
    """Integer class labels (N,) in 0..n_classes-1, returned as an int array."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and labels.ndim == 2:
            raise TypeError(
                f"{who}: labels must be integer class indices of shape (N,), got a float array of shape "
                f"{shape_str(labels.shape)}; if these are one-hot rows, pass labels.argmax(axis=1)."
            )
        if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
            raise TypeError(
                f"{who}: labels must be integers, got dtype {labels.dtype}; convert with labels.astype(int)."
            )
        raise TypeError(f"{who}: labels must be integer class indices, got dtype {labels.dtype}")
    if labels.ndim != 1:
        raise ValueError(f"{who}: labels must have shape (N,), got {shape_str(labels.shape)}")
    if n is not None and len(labels) != n:
        raise ValueError(f"{who}: got {n} rows of scores but {len(labels)} labels; they must match")
    if labels.size:
        bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
        if bad.size:
            i = bad[0]
            raise ValueError(
                f"{who}: labels must be in 0..{n_classes - 1} for {n_classes} classes, "
                f"got {labels[i]} at index {i}"
                + (" (are the labels 1-based?)" if labels[i] == n_classes else "")
            )
    return labels


def check_same_shape(pred: np.ndarray, target: np.ndarray, who: str) -> None:
    """Losses compare element by element: a (N, 1) vs (N,) pair would broadcast to (N, N)."""
    if pred.shape != target.shape:
        hint = ""
        if pred.ndim == 2 and pred.shape[1] == 1 and target.shape == pred.shape[:1]:
            hint = " Reshape the targets with y.reshape(-1, 1) (or the predictions with p.ravel())."
        elif target.ndim == 2 and target.shape[1] == 1 and pred.shape == target.shape[:1]:
            hint = " Reshape the predictions with p.reshape(-1, 1) (or the targets with y.ravel())."
        raise ValueError(
            f"{who}: predictions have shape {shape_str(pred.shape)} but targets have shape "
            f"{shape_str(target.shape)}; they must match.{hint}"
        )
