"""Train the character-level Shakespeare LSTM that lecture 09 samples from, with nnlib alone.

    OPENBLAS_NUM_THREADS=1 python scripts/train_char_lstm.py            # writes nnlib/datasets/weights/char_lstm_shakespeare.npz

Model: one-hot characters (65) -> LSTM(65, 384, forget_bias=1) -> Linear(384, 65), 716,225 parameters.
Data: Tiny Shakespeare (bundled); the first 90% of the characters train, the last 10% (111,539 characters)
are held out for validation and never trained on.
Training: truncated backpropagation through time. The training text is cut into 64 parallel streams
(64 contiguous pieces); each step takes the next 100 characters of every stream, (64, 100), and starts
from the state (h, c) that the previous window ended with, so the model reads each stream as one long
text although gradients flow back only 100 steps. Dropout 0.3 on the LSTM's outputs (training only),
mean cross-entropy per character, gradients clipped to a global norm of 5 (`clip_grad_norm`), Adam
(lr 2e-3, cosine decay to 2e-4 over the run), float32, seed 0, 16 epochs. Validation loss is measured
after every epoch the same way, with the state carried.

The file keeps the parameters in float16 (1.34 MB instead of 2.7 MB); the validation loss lecture 09
reports is measured with those float16 weights (the script prints both; they differ by about 1e-6 nats).

Measured on the course's 2-core machine (shared with other jobs; OpenBLAS with 1 thread, which is much
faster here than the default under contention): 16 epochs = 2,480 steps in 14.7 minutes; validation
loss 1.630 nats/char, perplexity 5.10. An earlier run with the same settings (given as options) took
14.5 minutes and wrote bit-for-bit the same parameters. Other BLAS builds or thread counts can give
slightly different numbers, since floating-point sums then run in another order.

Tried on the way (same machine, same split, validation loss in nats/char): hidden 256 without dropout,
20 epochs: 1.695 (18 min, on a busier machine); hidden 256 with dropout 0.25, 20 epochs: 1.674 (9 min).

Options: --hidden, --seq-len, --batch, --epochs, --lr, --clip, --dropout, --seed, --out (see --help).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without installing nnlib

import nnlib  # noqa: E402
from nnlib import LSTM, Adam, CharVocab, Dropout, Linear, Sequential, SoftmaxCrossEntropy, clip_grad_norm  # noqa: E402
from nnlib.data.pretrained import CHAR_LSTM_PATH, load_char_lstm  # noqa: E402

VAL_FRACTION = 0.1


def split_text(text: str):
    """The first 90% for training, the last 10% for validation (by characters)."""
    cut = int(round(len(text) * (1 - VAL_FRACTION)))
    return text[:cut], text[cut:]


def streams(ids, n_streams: int):
    """(L,) -> (n_streams, L // n_streams): contiguous pieces side by side; the tail that does not fit is dropped."""
    length = len(ids) // n_streams
    return ids[:n_streams * length].reshape(n_streams, length)


def run(model, ids, state, onehot):
    """Logits (N, T, V) for ids (N, T), starting from state (h, c); the LSTM keeps its final state."""
    lstm, head = model[0], model[1]
    return head(lstm.forward(onehot[ids], state=state))


def mean_loss(model, ids, onehot, n_streams=16, window=500):
    """Mean cross-entropy (nats per character) of predicting ids[t + 1] from ids[:t + 1], the state carried
    along each of n_streams contiguous pieces of the text."""
    S = streams(ids, n_streams)  # (n_streams, L)
    loss_fn, total, count = SoftmaxCrossEntropy(), 0.0, 0
    state = None
    for s in range(0, S.shape[1] - 1, window):
        x, y = S[:, s:s + window], S[:, s + 1:s + window + 1]
        x = x[:, :y.shape[1]]
        total += loss_fn(run(model, x, state, onehot), y) * y.size
        count += y.size
        state = (model[0].h_n, model[0].c_n)
    return total / count


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hidden", type=int, default=384)
    p.add_argument("--seq-len", type=int, default=100)
    p.add_argument("--batch", type=int, default=64, help="number of parallel text streams")
    p.add_argument("--epochs", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--clip", type=float, default=5.0)
    p.add_argument("--dropout", type=float, default=0.3, help="dropout on the LSTM's outputs during training")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=CHAR_LSTM_PATH)
    args = p.parse_args(argv)

    text = nnlib.load_shakespeare()
    vocab = CharVocab(text)
    train_text, val_text = split_text(text)
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    V, H, T, B = vocab.size, args.hidden, args.seq_len, args.batch
    onehot = np.eye(V, dtype=np.float32)  # onehot[ids]: (N, T) -> (N, T, V)
    print(f"{len(train_text):,} training and {len(val_text):,} validation characters, {V} distinct; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}", flush=True)

    nnlib.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = Sequential(LSTM(V, H, forget_bias=1.0, dtype=np.float32), Linear(H, V, dtype=np.float32))
    lstm, head = model[0], model[1]
    opt, loss_fn = Adam(model, lr=args.lr), SoftmaxCrossEntropy()
    drop = Dropout(args.dropout, rng=rng)  # training only, so not part of the saved model
    steps_per_epoch = (len(train_ids) // B - T - 1) // T
    total_steps = args.epochs * steps_per_epoch
    print(f"{nnlib.count_params(model):,} parameters; {args.epochs} epochs x {steps_per_epoch} steps of "
          f"({B}, {T}) characters", flush=True)

    record = {"train_loss": [], "val_loss": [], "seconds": []}
    step, t0 = 0, time.perf_counter()
    for epoch in range(args.epochs):
        # A new random offset each epoch, so windows do not always start at the same characters.
        offset = int(rng.integers(0, T))
        S = streams(train_ids[offset:], B)  # (B, L)
        state, losses = None, []
        for s in range(0, steps_per_epoch * T, T):
            opt.lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * step / total_steps)))  # cosine to lr/10
            x, y = S[:, s:s + T], S[:, s + 1:s + T + 1]
            logits = head(drop(lstm.forward(onehot[x], state=state)))
            losses.append(loss_fn(logits, y))
            lstm.backward(drop.backward(head.backward(loss_fn.backward())))
            clip_grad_norm(model, args.clip)
            opt.step()
            state = (lstm.h_n, lstm.c_n)  # carried to the next window; backward stops here (truncated BPTT)
            step += 1
            if step % 100 == 0:
                print(f"  step {step:5d}/{total_steps}  loss {np.mean(losses[-100:]):.3f}  "
                      f"lr {opt.lr:.2e}  {time.perf_counter() - t0:6.0f} s", flush=True)
        val = mean_loss(model, val_ids, onehot)
        record["train_loss"].append(float(np.mean(losses)))
        record["val_loss"].append(val)
        record["seconds"].append(time.perf_counter() - t0)
        print(f"epoch {epoch + 1:2d}: train {np.mean(losses):.4f}  validation {val:.4f} nats/char "
              f"(perplexity {np.exp(val):.2f})  {time.perf_counter() - t0:.0f} s", flush=True)

    seconds = time.perf_counter() - t0
    state16 = {k: v.astype(np.float16) for k, v in model.state_dict().items()}
    meta = dict(hidden=H, seq_len=T, batch=B, epochs=args.epochs, steps=step, lr=args.lr, clip=args.clip,
                seed=args.seed, forget_bias=1.0, dropout=args.dropout, seconds=seconds, val_fraction=VAL_FRACTION,
                train_loss=np.array(record["train_loss"]), val_loss=np.array(record["val_loss"]),
                epoch_seconds=np.array(record["seconds"]),
                command=" ".join(["OPENBLAS_NUM_THREADS=1 python scripts/train_char_lstm.py", *(argv or sys.argv[1:])]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, vocab=np.array(vocab.chars), **{f"param.{k}": v for k, v in state16.items()},
                        **{f"meta.{k}": np.asarray(v) for k, v in meta.items()})
    shipped, _, _ = load_char_lstm(args.out)
    val16 = mean_loss(shipped, val_ids, onehot)
    with np.load(args.out, allow_pickle=False) as npz:  # add the float16 model's validation loss to the record
        contents = dict(npz)
    np.savez_compressed(args.out, **contents, **{"meta.val_loss_float16": np.asarray(val16)})
    print(f"done in {seconds / 60:.1f} min; validation loss {record['val_loss'][-1]:.4f} (float32), "
          f"{val16:.4f} (float16 as saved, perplexity {np.exp(val16):.2f}); "
          f"{args.out} ({args.out.stat().st_size / 1e6:.2f} MB)", flush=True)


if __name__ == "__main__":
    main()
