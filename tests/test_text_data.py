"""Tests for the text data and sequence tasks of nnlib.data: bundled names and Tiny Shakespeare,
CharVocab, sequence_windows, make_remember_first, make_adding.
"""
import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from nnlib.data import text
from nnlib.data import (
    TEXT_SHA256, CharVocab, batches, load_names, load_shakespeare, make_adding, make_remember_first,
    sequence_windows,
)

ROOT = Path(__file__).resolve().parents[1]
TEXT_DIR = ROOT / "nnlib" / "datasets" / "text"
SHAKESPEARE_LEN = 1_115_394
N_NAMES = 32_033  # 32,032 newlines: the file has no newline after the last name


# --------------------------------------------------------------------------
# Bundled files
# --------------------------------------------------------------------------

def provenance_sha256() -> dict:
    """The `<sha256>  <file>` lines of PROVENANCE.md (the format of sha256sum -c)."""
    md = (TEXT_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    return {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", md, flags=re.M)}


def test_checksums_match_provenance():
    documented = provenance_sha256()
    assert documented == TEXT_SHA256
    assert set(documented) == {"names.txt", "tinyshakespeare.txt"}
    for name, digest in documented.items():
        assert hashlib.sha256((TEXT_DIR / name).read_bytes()).hexdigest() == digest, name


def test_text_files_keep_their_attribution():
    md = (TEXT_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "karpathy/makemore" in md and "karpathy/char-rnn" in md
    for f in TEXT_DIR.iterdir():
        assert f.name == "PROVENANCE.md" or f.name in md
    assert '"datasets/text/*"' in (ROOT / "pyproject.toml").read_text()


def copy_bundled(tmp_path, monkeypatch) -> Path:
    for name in TEXT_SHA256:
        shutil.copy(TEXT_DIR / name, tmp_path / name)
    monkeypatch.setattr(text, "_TEXT_DIR", tmp_path)
    return tmp_path


def test_corrupted_copy_is_refused(tmp_path, monkeypatch):
    folder = copy_bundled(tmp_path, monkeypatch)
    raw = bytearray((folder / "names.txt").read_bytes())
    raw[100] ^= 0x20  # one letter changes case: same size, different content
    (folder / "names.txt").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"names\.txt has the wrong sha256: expected 0a30b555"):
        load_names()
    # the intact copy next to it loads
    assert len(load_shakespeare()) == SHAKESPEARE_LEN


def test_file_damaged_after_loading_is_checked_again(tmp_path, monkeypatch):
    folder = copy_bundled(tmp_path, monkeypatch)
    assert load_shakespeare().startswith("First Citizen")
    path = folder / "tinyshakespeare.txt"
    path.write_bytes(path.read_bytes()[:1000])  # truncated: a new size, so the cache must not answer
    with pytest.raises(ValueError, match="tinyshakespeare.txt has the wrong sha256"):
        load_shakespeare()


def test_missing_file(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "_TEXT_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="names.txt"):
        load_names()


def test_load_names():
    names = load_names()
    assert isinstance(names, list) and len(names) == N_NAMES
    assert all(re.fullmatch(r"[a-z]+", name) for name in names)
    assert names[:3] == ["emma", "olivia", "ava"] and names[-1] == "zzyzx"
    names.clear()  # each call returns a new list
    assert len(load_names()) == N_NAMES


def test_load_shakespeare():
    s = load_shakespeare()
    assert isinstance(s, str) and len(s) == SHAKESPEARE_LEN
    assert s.startswith("First Citizen:\nBefore we proceed any further")
    assert s.encode("utf-8") == (TEXT_DIR / "tinyshakespeare.txt").read_bytes()


# --------------------------------------------------------------------------
# CharVocab
# --------------------------------------------------------------------------

def test_vocab_round_trip_on_shakespeare():
    s = load_shakespeare()
    vocab = CharVocab(s)
    assert vocab.size == len(vocab) == 65
    assert vocab.chars == tuple(sorted(set(s))) and vocab.chars[:2] == ("\n", " ")
    assert all(vocab.stoi[c] == i for i, c in enumerate(vocab.chars))
    ids = vocab.encode(s)
    assert ids.shape == (SHAKESPEARE_LEN,) and ids.dtype == np.int64
    assert ids.min() == 0 and ids.max() == 64
    assert vocab.decode(ids) == s


def test_vocab_of_names_has_separator_first():
    vocab = CharVocab(".".join(load_names()) + ".")
    assert vocab.size == 27
    assert vocab.stoi["."] == 0 and vocab.stoi["a"] == 1 and vocab.stoi["z"] == 26
    np.testing.assert_array_equal(vocab.encode("emma."), [5, 13, 13, 1, 0])


def test_vocab_small_example_and_repr():
    vocab = CharVocab("hello")
    assert vocab.chars == ("e", "h", "l", "o")
    np.testing.assert_array_equal(vocab.encode("hole"), [1, 3, 2, 0])
    assert vocab.encode("").shape == (0,) and vocab.encode("").dtype == np.int64
    assert repr(vocab) == "CharVocab(size=4, chars='ehlo')"
    long = repr(CharVocab(load_shakespeare()))
    assert long.startswith("CharVocab(size=65, chars=") and long.endswith('...")')  # the chars hold a ', so repr quotes with "


@pytest.mark.parametrize("ids", [
    [1, 3, 2, 0], (1, 3, 2, 0), np.array([1, 3, 2, 0], dtype=np.int32), np.array([1, 3, 2, 0], dtype=np.uint8),
])
def test_vocab_decode_accepts_int_array_likes(ids):
    assert CharVocab("hello").decode(ids) == "hole"


def test_vocab_decode_empty():
    vocab = CharVocab("hello")
    assert vocab.decode([]) == "" and vocab.decode(np.array([], dtype=np.int64)) == ""


@pytest.mark.parametrize("call, error, message", [
    (lambda v: v.encode("help"), ValueError,
     r"CharVocab.encode: character 'p' at position 3 is not in the vocabulary .*size=4.*e\.g\. CharVocab\("),
    (lambda v: v.encode(["h"]), TypeError, "CharVocab.encode: expected a str, got list"),
    (lambda v: v.decode([0, 4]), ValueError, r"CharVocab.decode: ids must be in 0\.\.3 .* got 4 at position 1"),
    (lambda v: v.decode([-1]), ValueError, r"ids must be in 0\.\.3 .* got -1 at position 0"),
    (lambda v: v.decode([1.0, 2.0]), TypeError, "CharVocab.decode: ids must be integers .* got dtype float64"),
    (lambda v: v.decode([[0, 1]]), ValueError, r"CharVocab.decode: ids must be 1-D, shape \(T,\), got shape \(1, 2\)"),
    (lambda v: v.decode(2), ValueError, r"vocab.decode\(\[i\]\)"),
])
def test_vocab_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(CharVocab("hello"))


def test_vocab_constructor_errors():
    with pytest.raises(ValueError, match="CharVocab: text must contain at least one character"):
        CharVocab("")
    with pytest.raises(TypeError, match=r"CharVocab: text must be a str \(for a list of names use CharVocab"):
        CharVocab(["emma", "ava"])


# --------------------------------------------------------------------------
# sequence_windows
# --------------------------------------------------------------------------

def reference_windows(ids, seq_len, stride):
    """The plain loop that sequence_windows vectorizes."""
    starts = [s for s in range(0, len(ids), stride) if s + seq_len + 1 <= len(ids)]
    X = [ids[s:s + seq_len] for s in starts]
    Y = [ids[s + 1:s + seq_len + 1] for s in starts]
    return np.array(X).reshape(len(starts), seq_len), np.array(Y).reshape(len(starts), seq_len)


@pytest.mark.parametrize("L, seq_len, stride", [
    (100, 10, None), (101, 10, None), (100, 10, 1), (100, 10, 3), (100, 10, 25), (11, 10, None), (11, 10, 4),
    (2, 1, None), (57, 8, 8),
])
def test_sequence_windows_match_the_loop(L, seq_len, stride):
    ids = np.random.default_rng(L).integers(0, 30, size=L)
    X, Y = sequence_windows(ids, seq_len, stride=stride)
    X_ref, Y_ref = reference_windows(ids, seq_len, stride or seq_len)
    assert X.shape == Y.shape == X_ref.shape and X.dtype == Y.dtype == np.int64
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)
    np.testing.assert_array_equal(Y[:, :-1], X[:, 1:])  # Y is X shifted by one
    assert len(X) == (L - seq_len - 1) // (stride or seq_len) + 1


def test_sequence_windows_counts_and_end():
    ids = np.arange(1000)
    for stride, n in [(None, 9), (100, 9), (1, 900), (7, 129), (50, 18), (1000, 1)]:
        X, Y = sequence_windows(ids, 100, stride=stride)
        assert len(X) == n, stride
        # ids == positions here: the last target is inside the text, one more window would not fit
        assert Y[-1, -1] <= 999 and Y[-1, -1] + (stride or 100) > 999
        np.testing.assert_array_equal(X[:, 0], np.arange(n) * (stride or 100))
        np.testing.assert_array_equal(Y, X + 1)


def test_sequence_windows_are_private_read_only_int64():
    X, Y = sequence_windows(np.arange(50, dtype=np.int32), 5, stride=1)
    assert X.dtype == Y.dtype == np.int64
    ids = np.arange(50)  # already int64: still copied, not viewed
    X, Y = sequence_windows(ids, 5, stride=1)
    ids[:] = 0  # the caller's array may change without changing the windows
    assert X[3, 0] == 3 and Y[3, 0] == 4
    with pytest.raises(ValueError):
        X[0, 0] = 7  # overlapping views: writing one window would change its neighbours


def test_sequence_windows_on_shakespeare_with_batches():
    s = load_shakespeare()
    vocab = CharVocab(s)
    X, Y = sequence_windows(vocab.encode(s), 100)
    assert X.shape == Y.shape == ((SHAKESPEARE_LEN - 101) // 100 + 1, 100)
    assert vocab.decode(X[0]) == s[:100] and vocab.decode(Y[0]) == s[1:101]
    Xb, Yb = next(batches(X, Y, batch_size=64, rng=np.random.default_rng(0)))
    assert Xb.shape == Yb.shape == (64, 100)
    np.testing.assert_array_equal(Yb[:, :-1], Xb[:, 1:])


@pytest.mark.parametrize("call, error, message", [
    (lambda: sequence_windows(np.arange(10), 10), ValueError,
     r"sequence_windows: a window needs seq_len \+ 1 = 11 tokens .* got only 10"),
    (lambda: sequence_windows([], 3), ValueError, "a window needs seq_len \\+ 1 = 4 tokens .* got only 0"),
    (lambda: sequence_windows(np.arange(10), 0), ValueError, "sequence_windows: seq_len must be >= 1, got 0"),
    (lambda: sequence_windows(np.arange(10), 3, stride=0), ValueError, "sequence_windows: stride must be >= 1, got 0"),
    (lambda: sequence_windows(np.arange(10), 3.0), TypeError, "sequence_windows: seq_len must be an int, got float"),
    (lambda: sequence_windows(np.arange(10.0), 3), TypeError,
     r"sequence_windows: ids must be integer token ids \(encode the text first: vocab.encode\(text\)\), got dtype float64"),
    (lambda: sequence_windows("hello world", 3), TypeError, r"got a str; encode the text first: vocab.encode\(text\)"),
    (lambda: sequence_windows(np.zeros((2, 10), dtype=int), 3), ValueError,
     r"sequence_windows: ids must be 1-D, shape \(L,\), got shape \(2, 10\)"),
    (lambda: sequence_windows(np.array([0, 1, -2, 3, 4]), 3), ValueError, "sequence_windows: ids must be >= 0 .* got -2"),
])
def test_sequence_windows_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------
# make_remember_first
# --------------------------------------------------------------------------

def test_remember_first_shapes_and_one_hot():
    X, y = make_remember_first(n=500, T=12, n_symbols=3, n_distractors=5)
    assert X.shape == (500, 12, 8) and X.dtype == np.float64
    assert y.shape == (500,) and y.dtype == np.int64
    assert set(np.unique(X)) == {0.0, 1.0}
    np.testing.assert_array_equal(X.sum(axis=2), 1.0)
    tokens = X.argmax(axis=2)
    np.testing.assert_array_equal(y, tokens[:, 0])
    assert y.min() >= 0 and y.max() <= 2
    # distractors never use a symbol id, and every distractor occurs
    assert tokens[:, 1:].min() >= 3
    np.testing.assert_array_equal(np.unique(tokens[:, 1:]), np.arange(3, 8))


def test_remember_first_labels_roughly_uniform():
    _, y = make_remember_first(n=4000, T=2, n_symbols=4)
    counts = np.bincount(y, minlength=4)
    assert len(counts) == 4 and np.all(np.abs(counts - 1000) < 150)  # binomial sd is about 27


def test_remember_first_distractors_are_spread_over_time():
    # the distractors are random at every step, so the last steps carry no information about y
    X, y = make_remember_first(n=4000, T=5, n_symbols=2, n_distractors=2)
    last = X[:, -1].argmax(axis=1)
    agreement = np.mean((last - 2) == y)
    assert 0.45 < agreement < 0.55


def test_remember_first_T1_and_float32():
    X, y = make_remember_first(n=10, T=1, dtype=np.float32)
    assert X.shape == (10, 1, 8) and X.dtype == np.float32
    np.testing.assert_array_equal(X[:, 0].argmax(axis=1), y)


def test_remember_first_determinism():
    X1, y1 = make_remember_first(n=200, seed=5)
    X2, y2 = make_remember_first(n=200, seed=5)
    X3, y3 = make_remember_first(n=200, seed=6)
    X4, y4 = make_remember_first(n=200, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(X1, X4)
    np.testing.assert_array_equal(y1, y4)
    assert not np.array_equal(y1, y3) and not np.array_equal(X1, X3)


# --------------------------------------------------------------------------
# make_adding
# --------------------------------------------------------------------------

@pytest.mark.parametrize("T", [2, 3, 7, 50])
def test_adding_markers_and_targets(T):
    X, y = make_adding(n=300, T=T)
    assert X.shape == (300, T, 2) and X.dtype == np.float64
    assert y.shape == (300,) and y.dtype == np.float64
    values, marker = X[:, :, 0], X[:, :, 1]
    assert values.min() >= 0.0 and values.max() < 1.0
    assert np.all((marker == 0.0) | (marker == 1.0))
    np.testing.assert_array_equal(marker.sum(axis=1), 2.0)  # exactly two marked steps
    half = T // 2
    np.testing.assert_array_equal(marker[:, :half].sum(axis=1), 1.0)  # one in the first half
    np.testing.assert_array_equal(marker[:, half:].sum(axis=1), 1.0)  # one in the second half
    np.testing.assert_allclose(y, (values * marker).sum(axis=1), rtol=0, atol=1e-15)


def test_adding_marker_positions_cover_each_half():
    X, _ = make_adding(n=2000, T=10)
    positions = np.nonzero(X[:, :, 1])[1]
    np.testing.assert_array_equal(np.unique(positions), np.arange(10))


def test_adding_baseline_mse_is_one_sixth():
    # the docstring's claim: always predicting 1.0 gives MSE Var(u1 + u2) = 2/12
    _, y = make_adding(n=20_000, T=10, seed=1)
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.01
    assert abs(y.mean() - 1.0) < 0.01


def test_adding_float32():
    X, y = make_adding(n=2000, T=20, dtype=np.float32)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert X[:, :, 0].max() < 1.0
    np.testing.assert_array_equal(y, (X[:, :, 0] * X[:, :, 1]).sum(axis=1))


def test_adding_determinism():
    X1, y1 = make_adding(n=100, T=20, seed=3)
    X2, y2 = make_adding(n=100, T=20, seed=3)
    X3, y3 = make_adding(n=100, T=20, seed=4)
    X4, _ = make_adding(n=100, T=20, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(X1, X4)
    assert not np.allclose(y1, y3) and not np.array_equal(X1[:, :, 1], X3[:, :, 1])


# --------------------------------------------------------------------------
# Argument checks of the sequence tasks
# --------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: make_remember_first(T=0), ValueError, "make_remember_first: T must be >= 1, got 0"),
    (lambda: make_remember_first(n=0), ValueError, "make_remember_first: n must be >= 1, got 0"),
    (lambda: make_remember_first(n_symbols=1), ValueError, "make_remember_first: n_symbols must be >= 2, got 1"),
    (lambda: make_remember_first(n_distractors=0), ValueError, "make_remember_first: n_distractors must be >= 1"),
    (lambda: make_remember_first(seed=-1), ValueError, "make_remember_first: seed must be >= 0"),
    (lambda: make_remember_first(T=2.5), TypeError, "make_remember_first: T must be an int, got float"),
    (lambda: make_remember_first(dtype=np.int64), TypeError, "make_remember_first: dtype must be a float dtype"),
    (lambda: make_adding(T=1), ValueError, "make_adding: T must be >= 2, got 1"),
    (lambda: make_adding(rng=42), TypeError, "make_adding: rng must be a np.random.Generator"),
    (lambda: make_adding(dtype="banana"), TypeError, "make_adding: dtype must be a float dtype .* got 'banana'"),
])
def test_sequence_tasks_reject_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
