"""How fast is one MNIST-sized epoch? nnlib's fit against the bare NumPy work it does.

One epoch of a 784-100-10 MLP (ReLU, softmax cross-entropy, plain SGD) over 60,000 samples of
MNIST shape, batch 128, in float32 and float64. Three ways, measured in the same run:
  numpy  - the forward/backward/update written inline with NumPy, no nnlib: the floor;
  layers - the same loop through nnlib's Sequential, loss and optimizer;
  fit    - nnlib.fit (shuffling, history, accuracy, a disabled progress bar);
  torch  - the same epoch with torch.nn on the CPU (2 threads), when torch is importable (a
           benchmark-only install, never a course requirement). The course's target: fit / torch <= 1.
Random data is enough: the arithmetic does not depend on the pixel values.

    python benchmarks/bench_mlp.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import nnlib
from common import header, torch_or_none

N, D, H, C, BATCH = 60_000, 784, 100, 10, 128


def make_data(dtype):
    rng = np.random.default_rng(0)
    return rng.random((N, D)).astype(dtype), rng.integers(0, C, size=N)


def epoch_numpy(X, y, dtype, rng):
    """The floor: the same math with no library at all."""
    W1 = (rng.standard_normal((H, D)) * np.sqrt(2 / D)).astype(dtype)
    b1 = np.zeros(H, dtype)
    W2 = (rng.standard_normal((C, H)) * np.sqrt(2 / H)).astype(dtype)
    b2 = np.zeros(C, dtype)
    lr = dtype(0.1)
    order = rng.permutation(N)
    for start in range(0, N, BATCH):
        idx = order[start:start + BATCH]
        xb, yb = X[idx], y[idx]
        z1 = xb @ W1.T + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ W2.T + b2
        z2 = z2 - z2.max(axis=1, keepdims=True)
        p = np.exp(z2)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(yb)), yb] -= 1
        dz2 = p / len(yb)
        dW2, db2 = dz2.T @ a1, dz2.sum(0)
        dz1 = (dz2 @ W2) * (z1 > 0)
        dW1, db1 = dz1.T @ xb, dz1.sum(0)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2


def make_model(dtype):
    nnlib.manual_seed(0)
    model = nnlib.Sequential(nnlib.Linear(D, H, init="he"), nnlib.ReLU(), nnlib.Linear(H, C, init="he"))
    return model.astype(dtype)


def epoch_layers(X, y, dtype, rng):
    model, loss = make_model(dtype), nnlib.SoftmaxCrossEntropy()
    opt = nnlib.SGD(model, lr=0.1)
    for xb, yb in nnlib.batches(X, y, batch_size=BATCH, rng=rng):
        loss(model.forward(xb), yb)
        model.backward(loss.backward())
        opt.step()


def epoch_fit(X, y, dtype, rng):
    model = make_model(dtype)
    nnlib.fit(model, nnlib.SoftmaxCrossEntropy(), nnlib.SGD(model, lr=0.1), X, y, epochs=1, batch_size=BATCH,
              progress=False)


def epoch_torch(X, y, dtype, rng, torch):
    """The same epoch in PyTorch: the usual loop with nn.Sequential, cross_entropy and optim.SGD."""
    torch.manual_seed(0)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    model = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, C)).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for idx in torch.from_numpy(rng.permutation(N)).split(BATCH):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx]).backward()
        opt.step()


def median_time(fn, X, y, dtype, repeats):
    times = []
    for r in range(repeats):
        rng = np.random.default_rng(r)
        t0 = time.perf_counter()
        fn(X, y, dtype, rng)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch = torch_or_none()
    print(header(f"MLP {D}-{H}-{C} epoch, {N:,} samples, batch {BATCH}, median of {args.repeats}", torch))
    print(f"{'dtype':8} {'numpy (s)':>10} {'layers (s)':>11} {'fit (s)':>9} {'torch (s)':>10} {'fit / numpy':>12} "
          f"{'fit / torch':>12}")
    for dtype in (np.float32, np.float64):
        X, y = make_data(dtype)
        runs = [("numpy", epoch_numpy), ("layers", epoch_layers), ("fit", epoch_fit)]
        if torch is not None:
            runs.append(("torch", lambda *a: epoch_torch(*a, torch)))
        t = {name: median_time(fn, X, y, dtype, args.repeats) for name, fn in runs}
        vs_torch = (f"{t['torch']:10.3f} {t['fit'] / t['numpy']:11.2f}x {t['fit'] / t['torch']:11.2f}x" if torch
                    else f"{'-':>10} {t['fit'] / t['numpy']:11.2f}x {'-':>12}")
        print(f"{np.dtype(dtype).name:8} {t['numpy']:10.3f} {t['layers']:11.3f} {t['fit']:9.3f} {vs_torch}")


if __name__ == "__main__":
    main()
