"""The long-memory sweep of lecture 09: remember the first symbol after T - 1 distractors, RNN vs LSTM.

    OPENBLAS_NUM_THREADS=1 python scripts/sweep_remember_first.py     # writes nnlib/datasets/weights/remember_first_sweep.npz

Lecture 09 shows the results of this sweep from the file (training every point live would take about
11 minutes) and re-trains a few of its points live, asserting that it gets the same accuracies, so
the cached numbers stay honest. `train_remember_first` below is a copy of the
lecture's function: keep the two identical (the lecture's live re-run would notice if they drift).

Task: `make_remember_first(T=T)`, 4 symbols + 4 distractors one-hot (8 inputs), 4 classes, chance 0.25.
Models: RNN(8, 32) or LSTM(8, 32, forget_bias=b), then LastTimeStep and Linear(32, 4); float32.
Training: a fresh batch of 64 sequences each step, Adam lr 1e-2, 800 steps, no clipping; accuracy on
500 fixed test sequences every 50 steps. Models: RNN and LSTM with forget bias 0, 1, 3, 5;
T = 5, 10, 20, 35, 50, 75, 100; seeds 0, 1, 2.

Measured on the course's 2-core machine (OpenBLAS with 1 thread, the other core busy with another
training run): 11 minutes. Multi-threaded BLAS is no help at these tiny sizes and, on a busy machine,
much slower: keep OPENBLAS_NUM_THREADS=1.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without installing nnlib

from nnlib import (LSTM, RNN, Adam, LastTimeStep, Linear, Sequential, SoftmaxCrossEntropy,  # noqa: E402
                   evaluate, make_remember_first)

OUT = Path(__file__).resolve().parents[1] / "nnlib" / "datasets" / "weights" / "remember_first_sweep.npz"
MODELS = ["RNN", 0.0, 1.0, 3.0, 5.0]  # "RNN", or the forget-gate bias of an LSTM
LENGTHS = [5, 10, 20, 35, 50, 75, 100]
SEEDS = [0, 1, 2]


def train_remember_first(model, T, seed=0, steps=800, every=50, hidden=32, batch=64, lr=1e-2):
    """Train "RNN" or an LSTM with forget bias `model` on remember-the-first-symbol with length T.
    Returns the trained network and its test accuracy every `every` steps."""
    rng = np.random.default_rng(seed)  # one generator for the initial weights and the batches
    cell = (RNN(8, hidden, rng=rng, dtype=np.float32) if model == "RNN"
            else LSTM(8, hidden, forget_bias=model, rng=rng, dtype=np.float32))
    net = Sequential(cell, LastTimeStep(), Linear(hidden, 4, rng=rng, dtype=np.float32))
    loss, opt = SoftmaxCrossEntropy(), Adam(net, lr=lr)
    X_test, y_test = make_remember_first(500, T, seed=1000, dtype=np.float32)
    accuracy = []
    for step in range(1, steps + 1):
        X, y = make_remember_first(batch, T, rng=rng, dtype=np.float32)  # a fresh batch every step
        loss(net(X), y)
        net.backward(loss.backward())
        opt.step()
        if step % every == 0:
            accuracy.append(evaluate(net, loss, X_test, y_test)["accuracy"])
    return net, np.array(accuracy)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--steps", type=int, default=800)
    args = p.parse_args(argv)
    every = 50
    acc = np.full((len(MODELS), len(LENGTHS), len(SEEDS), args.steps // every), np.nan, dtype=np.float32)
    forget = np.full((len(MODELS), len(LENGTHS), len(SEEDS)), np.nan, dtype=np.float32)
    t0 = time.perf_counter()
    for k, T in enumerate(LENGTHS):
        for m, model in enumerate(MODELS):
            for s, seed in enumerate(SEEDS):
                net, acc[m, k, s] = train_remember_first(model, T, seed=seed, steps=args.steps, every=every)
                if model != "RNN":  # the trained forget gate's mean opening on the test sequences
                    net(make_remember_first(500, T, seed=1000, dtype=np.float32)[0])
                    forget[m, k, s] = net[0].gates["f"].mean()
                print(f"T={T:3d} {str(model):>4} seed {seed}: accuracy {acc[m, k, s, -1]:.3f}  "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, accuracy=acc, forget_mean=forget, models=np.array([str(m) for m in MODELS]),
                        lengths=np.array(LENGTHS), seeds=np.array(SEEDS),
                        checkpoints=np.arange(every, args.steps + 1, every), seconds=time.perf_counter() - t0)
    print(f"wrote {args.out} in {(time.perf_counter() - t0) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
