"""Training and evaluation helpers: fit, evaluate, predict, accuracy, History.

    history = fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.1), X, y, epochs=5, batch_size=64)
    history["loss"]        # mean training loss of each epoch
    evaluate(model, SoftmaxCrossEntropy(), X_test, y_test)   # {'loss': ..., 'accuracy': ...}
"""
from __future__ import annotations

import time

import numpy as np
from tqdm.auto import tqdm

from .data import batches
from .validate import shape_str


class History:
    """Per-epoch records of a `fit` run: history['loss'], history['accuracy'], history['val_loss'], ..."""

    def __init__(self):
        self.history: dict[str, list[float]] = {}

    def record(self, **values: float) -> None:
        for key, value in values.items():
            self.history.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"History has no {key!r}; it has {sorted(self.history)}")
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    @property
    def epochs(self) -> int:
        return len(next(iter(self.history.values()), []))

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
        return f"History({self.epochs} epochs: {last})"

    def summary(self) -> str:
        """The last epoch's values on one line, in recording order: 'loss 0.3121, accuracy 0.9142, ...'."""
        return ", ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items())


def _duration(seconds: float) -> str:
    """'0.42 s', '3.2 s', '47 s', '2 min 05 s'."""
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def accuracy(y_pred, y_true) -> float:
    """Fraction of equal labels. y_pred, y_true: int (N,)."""
    y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"accuracy: predicted labels have shape {shape_str(y_pred.shape)} but true labels "
                         f"{shape_str(y_true.shape)}; pass class labels (N,) for both (e.g. scores.argmax(axis=1)).")
    return float(np.mean(y_pred == y_true)) if y_true.size else float("nan")


def predict(model, X, batch_size: int = 1024) -> np.ndarray:
    """The model's raw outputs for X (N, ...), computed in batches to bound memory, in evaluation
    mode (no dropout); the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        if len(X) <= batch_size:
            return model.forward(X)
        return np.concatenate([model.forward(Xb) for Xb in batches(X, batch_size=batch_size, shuffle=False)])
    finally:
        model.train(was_training)


def evaluate(model, loss, X, y, batch_size: int = 1024) -> dict[str, float]:
    """Mean loss over (X, y) and, for a classification loss, the accuracy (in evaluation mode, see predict)."""
    out = predict(model, X, batch_size)
    result = {"loss": loss(out, y)}
    if loss.is_classification:
        result["accuracy"] = accuracy(loss.to_labels(out), y)
    return result


def fit(model, loss, optimizer, X, y, epochs: int = 10, batch_size: int = 32, shuffle: bool = True,
        seed: int = 0, validation_data=None, progress: bool = True) -> History:
    """Train `model` with mini-batch gradient descent and return a History.

    X: (N, ...) inputs, y: (N,) labels or (N, ...) targets. Each epoch visits every sample once in
    batches of `batch_size`, reshuffled from a generator seeded with `seed` (same seed, same run).
    Per epoch it records the training loss (mean over the epoch's batches, weighted by batch size),
    the training accuracy for classification losses, and with `validation_data=(X_val, y_val)`
    val_loss / val_accuracy. The model trains in training mode (dropout on); validation runs in
    evaluation mode.

    With `progress=True` a tqdm bar (a widget in Jupyter) shows the batches and the last epoch's
    metrics while training runs; it is removed at the end and one line stays, printed to stdout:

        fit: 15 epochs in 3.2 s — loss 0.3121, accuracy 0.9142, val_loss 0.3503, val_accuracy 0.9

    (the final values of the History, see History.summary). `progress=False` prints nothing: for
    short runs, loops over many runs and widget callbacks.
    """
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} samples but y has {len(y)}; they must match")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"fit: epochs and batch_size must be >= 1, got epochs={epochs}, batch_size={batch_size}")
    rng = np.random.default_rng(seed)
    history = History()
    n_batches = -(-len(X) // batch_size)
    n_labels = np.size(y)  # N, or N*T for sequence labels (N, T): accuracy counts every position
    model.train()
    start = time.perf_counter()
    bar = tqdm(total=epochs * n_batches, disable=not progress, unit="batch", leave=False, desc=f"epoch 1/{epochs}")
    try:
        for epoch in range(epochs):
            total_loss, correct = 0.0, 0
            for Xb, yb in batches(X, y, batch_size=batch_size, shuffle=shuffle, rng=rng):
                out = model.forward(Xb)
                total_loss += loss(out, yb) * len(Xb)
                model.backward(loss.backward())
                optimizer.step()
                if loss.is_classification:
                    correct += int(np.sum(loss.to_labels(out) == yb))
                bar.update()
            record = {"loss": total_loss / len(X)}
            if loss.is_classification:
                record["accuracy"] = correct / n_labels
            if validation_data is not None:
                val = evaluate(model, loss, *validation_data)
                record.update({f"val_{k}": v for k, v in val.items()})
            history.record(**record)
            if epoch + 1 < epochs:
                bar.set_description(f"epoch {epoch + 2}/{epochs}", refresh=False)
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
    finally:
        bar.close()
    if progress:
        print(f"fit: {epochs} epoch{'s' if epochs > 1 else ''} in {_duration(time.perf_counter() - start)} — "
              f"{history.summary()}", flush=True)
    return history
