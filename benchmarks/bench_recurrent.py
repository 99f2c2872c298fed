"""How fast are nnlib's LSTM and RNN? Forward plus full backward against a simpler NumPy version and PyTorch.

One forward and backward (through time, all gradients incl. dx) of a batch of 32 sequences of length 50,
input 64, hidden 128, float32. Three ways, measured in the same run:
  nnlib - nnlib.layers.recurrent: the input projection of all steps is one matrix product, the gates
          one (N, 4H) product per step, dx and the weight gradients one product each after the loop;
  plain - the same math written the simpler way: the input projected step by step and one matrix
          product per gate, weight gradients accumulated step by step;
  torch - torch.nn.LSTM / torch.nn.RNN on the CPU with 2 threads, input requiring grad (if installed).
Before timing, all three are checked to compute the same outputs and gradients.
Random data is enough: the arithmetic does not depend on the values.

    python benchmarks/bench_recurrent.py [--repeats 30]
"""
from __future__ import annotations

import argparse
import os

import numpy as np

from nnlib import functional as F
from nnlib.layers.recurrent import LSTM, RNN
from common import header, median_ms, torch_or_none

N, T, D, H = 32, 50, 64, 128
DTYPE = np.float32


# -- the simpler NumPy versions: per-step input projection, per-gate products ---------------------------
def plain_lstm(x, dy, W_x, W_h, b):
    """Forward and backward of an LSTM as one would first write it. Returns (y, dx, dW_x, dW_h, db)."""
    n, T_, _ = x.shape
    Wx = [W_x[k * H:(k + 1) * H] for k in range(4)]  # per-gate weights i, f, g, o
    Wh = [W_h[k * H:(k + 1) * H] for k in range(4)]
    bs = [b[k * H:(k + 1) * H] for k in range(4)]
    h, c = np.zeros((n, H), x.dtype), np.zeros((n, H), x.dtype)
    hs, cache = [], []
    for t in range(T_):
        xt = x[:, t]
        i = F.sigmoid(xt @ Wx[0].T + h @ Wh[0].T + bs[0])
        f = F.sigmoid(xt @ Wx[1].T + h @ Wh[1].T + bs[1])
        g = np.tanh(xt @ Wx[2].T + h @ Wh[2].T + bs[2])
        o = F.sigmoid(xt @ Wx[3].T + h @ Wh[3].T + bs[3])
        c_prev, h_prev = c, h
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cache.append((xt, h_prev, c_prev, i, f, g, o, c))
    dWx = [np.zeros_like(w) for w in Wx]
    dWh = [np.zeros_like(w) for w in Wh]
    dbs = [np.zeros_like(v) for v in bs]
    dx = np.zeros_like(x)
    dh, dc = np.zeros((n, H), x.dtype), np.zeros((n, H), x.dtype)
    for t in reversed(range(T_)):
        xt, h_prev, c_prev, i, f, g, o, c = cache[t]
        dh = dh + dy[:, t]
        tc = np.tanh(c)
        dc = dc + dh * o * (1 - tc ** 2)
        dzs = [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2), dh * tc * o * (1 - o)]
        dh = np.zeros_like(dh)
        for k, dz in enumerate(dzs):
            dWx[k] += dz.T @ xt
            dWh[k] += dz.T @ h_prev
            dbs[k] += dz.sum(axis=0)
            dx[:, t] += dz @ Wx[k]
            dh += dz @ Wh[k]
        dc = dc * f
    return np.stack(hs, axis=1), dx, np.concatenate(dWx), np.concatenate(dWh), np.concatenate(dbs)


def plain_rnn(x, dy, W_xh, W_hh, b):
    """Forward and backward of an RNN with the input projected step by step. Returns (y, dx, dW_xh, dW_hh, db)."""
    n, T_, _ = x.shape
    h = np.zeros((n, H), x.dtype)
    hs, prevs = [], []
    for t in range(T_):
        prevs.append(h)
        h = np.tanh(x[:, t] @ W_xh.T + h @ W_hh.T + b)
        hs.append(h)
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b)
    dx = np.zeros_like(x)
    dh = np.zeros((n, H), x.dtype)
    for t in reversed(range(T_)):
        da = (dh + dy[:, t]) * (1 - hs[t] ** 2)
        dW_xh += da.T @ x[:, t]
        dW_hh += da.T @ prevs[t]
        db += da.sum(axis=0)
        dx[:, t] = da @ W_xh
        dh = da @ W_hh
    return np.stack(hs, axis=1), dx, dW_xh, dW_hh, db


# -- the three contenders, each a function of (x, dy) returning (y, dx, grads...) -----------------------
def make_runners(kind, x, dy, torch):
    layer = (LSTM(D, H, rng=0) if kind == "LSTM" else RNN(D, H, rng=0)).astype(DTYPE)
    wx, wh = ("W_x", "W_h") if kind == "LSTM" else ("W_xh", "W_hh")
    W_x, W_h, b = (layer.params[k] for k in (wx, wh, "b"))

    def run_nnlib():
        y = layer.forward(x)
        dx = layer.backward(dy)
        return y, dx, layer.grads[wx], layer.grads[wh], layer.grads["b"]

    plain = plain_lstm if kind == "LSTM" else plain_rnn
    runners = {"nnlib": run_nnlib, "plain": lambda: plain(x, dy, W_x, W_h, b)}
    if torch is None:
        return runners
    module = (torch.nn.LSTM if kind == "LSTM" else torch.nn.RNN)(D, H, batch_first=True)
    with torch.no_grad():  # the same weights: PyTorch's two biases sum to nnlib's one
        module.weight_ih_l0.copy_(torch.from_numpy(W_x))
        module.weight_hh_l0.copy_(torch.from_numpy(W_h))
        module.bias_ih_l0.copy_(torch.from_numpy(b))
        module.bias_hh_l0.zero_()
    dy_t = torch.from_numpy(dy)

    def run_torch():
        x_t = torch.from_numpy(x).requires_grad_(True)
        module.zero_grad(set_to_none=True)
        y, _ = module(x_t)
        y.backward(dy_t)
        return (y.detach().numpy(), x_t.grad.numpy(), module.weight_ih_l0.grad.numpy(),
                module.weight_hh_l0.grad.numpy(), module.bias_ih_l0.grad.numpy())

    runners["torch"] = run_torch
    return runners


def check_same(runners):
    """All contenders compute the same thing (to float32 accuracy), or the timings mean nothing."""
    reference = runners["nnlib"]()
    for name, run in runners.items():
        for what, a, b in zip(("y", "dx", "dW_x", "dW_h", "db"), reference, run()):
            scale = max(float(np.abs(a).max()), 1.0)
            assert np.abs(a - b).max() <= 1e-3 * scale, f"{name} disagrees with nnlib on {what}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch = torch_or_none()
    coretype = os.environ.get("OPENBLAS_CORETYPE")  # forces OpenBLAS's kernels: it changes the matmul speed
    print(header("recurrent layers" + (f" (OPENBLAS_CORETYPE={coretype})" if coretype else ""), torch))
    print(f"forward + backward, N={N}, T={T}, D={D}, H={H}, {np.dtype(DTYPE).name}, median of {args.repeats}")
    print(f"{'layer':6} {'nnlib (ms)':>11} {'plain (ms)':>11} {'torch (ms)':>11} "
          f"{'nnlib/plain':>12} {'nnlib/torch':>12}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D)).astype(DTYPE)
    dy = rng.standard_normal((N, T, H)).astype(DTYPE)
    for kind in ("LSTM", "RNN"):
        runners = make_runners(kind, x, dy, torch)
        check_same(runners)
        ms = {name: median_ms(run, args.repeats) for name, run in runners.items()}
        torch_ms = f"{ms['torch']:11.2f}" if "torch" in ms else f"{'-':>11}"
        torch_ratio = f"{ms['nnlib'] / ms['torch']:11.2f}x" if "torch" in ms else f"{'-':>12}"
        print(f"{kind:6} {ms['nnlib']:11.2f} {ms['plain']:11.2f} {torch_ms} "
              f"{ms['nnlib'] / ms['plain']:11.2f}x {torch_ratio}")
    print("course target: nnlib/torch <= 2x for the LSTM")


if __name__ == "__main__":
    main()
