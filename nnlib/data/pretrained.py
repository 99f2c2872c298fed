"""Small trained weights shipped with the course, so a lecture can show what a model learned without
training it for minutes in front of the class.

``nnlib/datasets/weights/char_lstm_shakespeare.npz``: a character-level LSTM on Tiny Shakespeare
(lecture 09), written by ``scripts/train_char_lstm.py``, which reproduces it with nnlib alone (its
docstring gives the command and how long it took). The file holds the parameters (float16, to keep the
file small), the vocabulary and the training record (``meta.*`` entries).

``remember_first_sweep.npz`` in the same folder: lecture 09's RNN-vs-LSTM accuracies on the
remember-the-first-symbol task, written by ``scripts/sweep_remember_first.py``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "datasets" / "weights"
CHAR_LSTM_PATH = WEIGHTS_DIR / "char_lstm_shakespeare.npz"


def load_char_lstm(path=None, dtype=np.float32):
    """The character-level Shakespeare LSTM of lecture 09: ``(model, vocab, info)``.

    ``model`` is ``Sequential(LSTM(V, H), Linear(H, V))`` on one-hot characters ``(N, T, V)`` -> logits
    ``(N, T, V)``; run ``model[0].forward(x, state=(h, c))`` then ``model[1]`` to carry the state from one
    piece of text to the next. ``vocab`` is the ``CharVocab`` it was trained with, ``info`` a dict of the
    training record (hidden size, sequence length, steps, seconds, losses per epoch, ...).
    ``path`` defaults to the file shipped in ``nnlib/datasets/weights/``.
    """
    from ..layers import LSTM, Linear, Sequential
    from .text import CharVocab

    path = CHAR_LSTM_PATH if path is None else Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load_char_lstm: {path} does not exist; make it with "
                                "`python scripts/train_char_lstm.py` (see that script's docstring)")
    with np.load(path, allow_pickle=False) as npz:
        state = {k[len("param."):]: npz[k] for k in npz.files if k.startswith("param.")}
        vocab = CharVocab("".join(npz["vocab"].tolist()))
        info = {k[len("meta."):]: npz[k].item() if npz[k].ndim == 0 else npz[k] for k in npz.files
                if k.startswith("meta.")}
    (G, V), H = state["0.W_x"].shape, state["0.W_h"].shape[1]
    if G != 4 * H or vocab.size != V:
        raise ValueError(f"load_char_lstm: {path} does not hold a one-layer char LSTM (W_x {state['0.W_x'].shape}, "
                         f"W_h {state['0.W_h'].shape}, {vocab.size} characters)")
    model = Sequential(LSTM(V, H, dtype=dtype), Linear(H, V, dtype=dtype))
    model.load_state_dict({k: v.astype(dtype) for k, v in state.items()})
    return model, vocab, info
