"""Text for the sequence-model lectures: the bundled names list and Tiny Shakespeare, a character
vocabulary, and the (input, target) windows of a character language model.

Both text files are bundled in ``nnlib/datasets/text/`` so that the course works offline; see
``PROVENANCE.md`` there:

* ``names.txt``: 32,033 lower-case first names, one per line, from karpathy/makemore (MIT);
* ``tinyshakespeare.txt``: 1,115,394 characters of Shakespeare's plays, from karpathy/char-rnn
  (the text is in the public domain).
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ._args import _check_int
from .mnist import _file_key, _verify


# sha256 of the files bundled in nnlib/datasets/text/ (see PROVENANCE.md there)
TEXT_SHA256 = {
    "names.txt": "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d",
    "tinyshakespeare.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
}

_TEXT_DIR = Path(__file__).resolve().parents[1] / "datasets" / "text"


@functools.lru_cache(maxsize=4)
def _read_text_cached(path: str, mtime_ns: int, size: int) -> str:
    # bytes -> str by hand: read_text() would translate line endings, and the text must stay byte-exact
    return Path(path).read_bytes().decode("utf-8")


def _load_bundled(name: str) -> str:
    path = _TEXT_DIR / name
    _verify(path, sha256=TEXT_SHA256[name])  # cached per process: a second call does not hash again
    return _read_text_cached(*_file_key(path))


def load_names() -> list[str]:
    """The 32,033 first names of karpathy/makemore's ``names.txt`` (MIT), as a list of str.

    Lower-case letters ``a`` to ``z`` only, 2 to 15 characters long, in the
    order of the file (most popular first; some names occur more than once,
    29,494 are distinct). Derived from US Social Security baby-name records.
    The file has no newline after the last name, so ``wc -l`` reports 32,032.

    The file is checked against ``TEXT_SHA256`` and read once per process;
    each call returns a new list, so shuffling it in place is safe.
    """
    return _load_bundled("names.txt").splitlines()


def load_shakespeare() -> str:
    """Tiny Shakespeare from karpathy/char-rnn (``data/tinyshakespeare/input.txt``), as one str.

    1,115,394 characters (65 distinct: the 52 letters, space, newline, the
    digit 3 and 10 punctuation marks) of Shakespeare's plays, starting with ``"First Citizen"``.
    The text is in the public domain.

    The file is checked against ``TEXT_SHA256`` and read once per process.
    """
    return _load_bundled("tinyshakespeare.txt")


class CharVocab:
    """A character vocabulary: every distinct character of ``text``, in sorted order.

    ``chars`` (tuple of str) maps id -> character, ``stoi`` (dict) maps
    character -> id, ``size`` (= ``len(vocab)``) is the number of characters.
    ``encode(s)`` gives the ids ``(T,)`` int64 of a string, ``decode(ids)``
    the string back.

    Sorting makes the ids independent of the order of the text, so the same
    text always gives the same vocabulary. For names joined with ``"."``
    the separator sorts before the letters and gets id 0.

    >>> vocab = CharVocab("hello")
    >>> vocab.chars, vocab.encode("hole")
    (('e', 'h', 'l', 'o'), array([1, 3, 2, 0]))
    """

    def __init__(self, text: str):
        f = "CharVocab"
        if not isinstance(text, str):
            hint = " (for a list of names use CharVocab('.'.join(names) + '.'))" if isinstance(text, list) else ""
            raise TypeError(f"{f}: text must be a str{hint}, got {type(text).__name__}")
        if not text:
            raise ValueError(f"{f}: text must contain at least one character, got an empty string")
        self.chars = tuple(sorted(set(text)))
        self.size = len(self.chars)
        self.stoi = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        preview = "".join(self.chars[:24]) + ("..." if self.size > 24 else "")
        return f"CharVocab(size={self.size}, chars={preview!r})"

    def encode(self, s: str) -> np.ndarray:
        """The ids of the characters of ``s``: ``(len(s),)`` int64."""
        f = "CharVocab.encode"
        if not isinstance(s, str):
            raise TypeError(f"{f}: expected a str, got {type(s).__name__}")
        try:
            return np.array([self.stoi[c] for c in s], dtype=np.int64)
        except KeyError:
            pos, c = next((i, c) for i, c in enumerate(s) if c not in self.stoi)
            raise ValueError(
                f"{f}: character {c!r} at position {pos} is not in the vocabulary {self!r}. "
                "Build the vocabulary from text that contains every character you will encode, "
                "e.g. CharVocab(train_text + val_text)."
            ) from None

    def decode(self, ids) -> str:
        """The string of the ids ``ids``: a 1-D int array-like or a list of ints."""
        f = "CharVocab.decode"
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(
                f"{f}: ids must be 1-D, shape (T,), got shape {ids.shape}; "
                "decode one sequence at a time, e.g. vocab.decode(X[0]), or one id with vocab.decode([i])"
            )
        if ids.size == 0:
            return ""  # np.asarray([]) is float64, but an empty list is fine
        if not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"{f}: ids must be integers in 0..{self.size - 1}, got dtype {ids.dtype}")
        if ids.min() < 0 or ids.max() >= self.size:
            pos = int(np.flatnonzero((ids < 0) | (ids >= self.size))[0])
            raise ValueError(
                f"{f}: ids must be in 0..{self.size - 1} for a vocabulary of size {self.size}, "
                f"got {ids[pos]} at position {pos}"
            )
        return "".join([self.chars[i] for i in ids.tolist()])


def sequence_windows(ids, seq_len: int, stride: int | None = None):
    """Cut an encoded text into (input, target) windows for a language model.

    ``ids: (L,)`` integer token ids, e.g. ``vocab.encode(text)``. Returns
    ``X: (N, seq_len)`` int64 and ``Y: (N, seq_len)`` int64, where ``Y`` is
    ``X`` shifted by one: window ``n`` starts at ``s = n * stride`` and
    ``X[n, t] = ids[s + t]``, ``Y[n, t] = ids[s + t + 1]``, so at every step
    the target is the next character. Windows start every ``stride`` tokens
    (default ``seq_len``: non-overlapping inputs); ``N = (L - seq_len - 1) //
    stride + 1`` is the number of windows that fit completely, a tail that
    does not fill a window is dropped.

    ``X`` and ``Y`` are read-only views into one int64 copy of ``ids``, so
    even ``stride=1`` (a window at every position) takes no more memory than
    the text itself. Batch them afterwards with
    ``nnlib.batches(X, Y, batch_size=64, rng=rng)`` (the batches are normal
    copies), and one-hot a batch with ``np.eye(vocab.size)[Xb]``:
    ``(B, seq_len, V)``.

    For names, join them with a separator character into one stream,
    ``text = ".".join(names) + "."``: one model then learns all names, and
    predicting ``"."`` means "the name ends here".
    """
    f = "sequence_windows"
    if isinstance(ids, str):
        raise TypeError(f"{f}: ids must be integer token ids, got a str; encode the text first: vocab.encode(text)")
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"{f}: ids must be 1-D, shape (L,), got shape {ids.shape}")
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(
            f"{f}: ids must be integer token ids (encode the text first: vocab.encode(text)), "
            f"got dtype {ids.dtype}"
        )
    seq_len = _check_int(f, "seq_len", seq_len, 1)
    stride = seq_len if stride is None else _check_int(f, "stride", stride, 1)
    if len(ids) < seq_len + 1:
        raise ValueError(
            f"{f}: a window needs seq_len + 1 = {seq_len + 1} tokens (the inputs and the "
            f"targets one step later), got only {len(ids)}; use a shorter seq_len or a longer text"
        )
    if ids.min() < 0:
        raise ValueError(f"{f}: ids must be >= 0 (token ids), got {ids.min()}")
    # one private copy, then views: the caller may change ids later without changing X and Y
    ids = ids.astype(np.int64, copy=True)
    windows = np.lib.stride_tricks.sliding_window_view(ids, seq_len + 1)[::stride]
    return windows[:, :-1], windows[:, 1:]
