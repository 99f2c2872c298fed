"""Tests for nnlib.data: synthetic data sets, batches, one_hot, IDX files, checksums, MNIST.

Nothing here touches the network: downloads are tested with file:// URLs.
"""
import gzip
import hashlib
import re
import shutil
import struct

import numpy as np
import pytest

from nnlib.data import mnist
from nnlib.data import (
    APARTMENT_FEATURES, MNIST_MD5, MNIST_SHA256, XOR_TRUTH_TABLE, batches, load_mnist,
    make_apartments, make_moons, make_rings, make_spirals, make_xor, one_hot, read_idx,
    verify_checksum,
)

BUNDLED = mnist._BUNDLED_DIR
CLASSIFIERS = [
    # (function, kwargs, expected number of samples, number of classes)
    (make_rings, dict(n=400), 400, 2),
    (make_moons, dict(n=200), 200, 2),
    (make_xor, dict(n=200), 200, 2),
    (make_spirals, dict(n_per_class=100, n_classes=3), 300, 3),
    (make_spirals, dict(n_per_class=50, n_classes=5), 250, 5),
]


def r2_score(A, y):
    """R² of the least-squares fit of y on the columns of A."""
    w, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ w
    return 1 - resid @ resid / np.sum((y - y.mean()) ** 2)


# --------------------------------------------------------------------------
# Synthetic classification data
# --------------------------------------------------------------------------

@pytest.mark.parametrize("fn, kwargs, n, k", CLASSIFIERS)
def test_classifier_shapes_dtypes_balance(fn, kwargs, n, k):
    X, y = fn(**kwargs)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    np.testing.assert_array_equal(np.bincount(y, minlength=k), np.full(k, n // k))


@pytest.mark.parametrize("fn, kwargs, n, k", CLASSIFIERS)
def test_classifier_determinism(fn, kwargs, n, k):
    X1, y1 = fn(**kwargs, seed=3)
    X2, y2 = fn(**kwargs, seed=3)
    X3, _ = fn(**kwargs, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)
    # an explicit generator gives the same data as the seed it was made from
    X4, y4 = fn(**kwargs, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X4)
    np.testing.assert_array_equal(y1, y4)


@pytest.mark.parametrize("fn, kwargs, n, k", CLASSIFIERS)
def test_classifier_rows_are_mixed(fn, kwargs, n, k):
    # the first rows are a fair sample, not all of class 0
    _, y = fn(**kwargs)
    assert len(np.unique(y[: n // 4])) == k


@pytest.mark.parametrize("n", [5, 7])
def test_odd_sizes_nearly_balanced(n):
    for fn in (make_rings, make_moons, make_xor):
        X, y = fn(n=n)
        assert len(X) == n
        counts = np.bincount(y, minlength=2)
        assert abs(counts[0] - counts[1]) <= 1


def test_rings_geometry():
    X, y = make_rings(n=400, noise=0.1)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.median(radius[y == 1]) < 0.6 < np.median(radius[y == 0])
    # without noise the classes are separated by a circle: every cross is inside every zero
    X0, y0 = make_rings(n=400, noise=0.0)
    r0 = np.hypot(X0[:, 0], X0[:, 1])
    assert r0[y0 == 1].max() <= 0.5 < 1.0 <= r0[y0 == 0].min()
    assert r0.max() <= 1.5
    # both class means sit near the origin: no straight line separates the classes...
    for c in (0, 1):
        assert np.linalg.norm(X[y == c].mean(axis=0)) < 0.2
    # ...but the squared radius does
    r2 = (X**2).sum(axis=1)
    assert np.mean((r2 < 0.6) == (y == 1)) > 0.97


def test_moons_geometry():
    X, y = make_moons(n=200, noise=0.0)
    # class 0 on the upper unit half circle around (0, 0), class 1 on the lower one around (1, 0.5)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)
    # noise moves points off the circles by about `noise`
    Xn, yn = make_moons(n=2000, noise=0.1)
    dist = np.abs(np.linalg.norm(Xn[yn == 0], axis=1) - 1.0)
    assert 0.03 < np.median(dist) < 0.12


def test_spirals_geometry():
    k, m = 3, 100
    X, y = make_spirals(n_per_class=m, n_classes=k, noise=0.0)
    r = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * y / k + 4 * r
    # compare angles on the circle, skipping the points at the origin where the angle is undefined
    diff = np.angle(np.exp(1j * (angle - expected)))
    assert np.all(np.abs(diff[r > 1e-9]) < 1e-9)
    # radii evenly spaced in [0, 1] in every arm
    for c in range(k):
        np.testing.assert_allclose(np.sort(r[y == c]), np.linspace(0, 1, m), atol=1e-12)


def test_spirals_are_interleaved():
    # the class means are all close together: a linear model cannot split the arms
    X, y = make_spirals()
    means = np.array([X[y == c].mean(axis=0) for c in range(3)])
    assert np.abs(means).max() < 0.4


def test_xor_labels_and_truth_table():
    X, y = make_xor(n=400, noise=0.1)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))
    # four blobs, one near each corner (±1, ±1)
    corners = np.sign(X)
    for corner in ([1, 1], [1, -1], [-1, 1], [-1, -1]):
        blob = X[(corners == corner).all(axis=1)]
        assert len(blob) == 100
        np.testing.assert_allclose(blob.mean(axis=0), corner, atol=0.05)

    X4, y4 = XOR_TRUTH_TABLE
    assert X4.shape == (4, 2) and X4.dtype == np.float64
    assert y4.shape == (4,) and y4.dtype == np.int64
    np.testing.assert_array_equal(y4, np.logical_xor(X4[:, 0], X4[:, 1]))
    with pytest.raises(ValueError):
        X4[0, 0] = 5.0  # the constant is read-only


# --------------------------------------------------------------------------
# Apartments (regression)
# --------------------------------------------------------------------------

def test_apartments_shapes_and_ranges():
    X, y = make_apartments(n=500)
    assert X.shape == (500, 4) and X.dtype == np.float64
    assert y.shape == (500,) and y.dtype == np.float64
    assert len(APARTMENT_FEATURES) == 4 and APARTMENT_FEATURES[0] == "area_m2"
    area, rooms, age, dist = X.T
    assert 20 <= area.min() and area.max() <= 150
    assert set(np.unique(rooms)) <= {1, 2, 3, 4, 5} and len(np.unique(rooms)) >= 4
    assert 0 <= age.min() and age.max() <= 100 and np.all(age == np.round(age))
    assert 0.5 <= dist.min() and dist.max() <= 20
    assert np.corrcoef(area, rooms)[0, 1] > 0.6
    assert np.all(y > 0)


def test_apartments_determinism():
    X1, y1 = make_apartments(seed=1)
    X2, y2 = make_apartments(seed=1)
    X3, y3 = make_apartments(seed=2)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(y1, y3)


def test_apartments_linear_is_good_nonlinear_is_better():
    X, y = make_apartments(n=1000)
    ones = np.ones((len(X), 1))
    linear = r2_score(np.hstack([X, ones]), y)
    assert 0.7 < linear < 0.92
    area, _, age, dist = X.T
    extra = np.column_stack([area * np.exp(-dist / 8), (age - 45) ** 2])
    nonlinear = r2_score(np.hstack([X, ones, extra]), y)
    assert nonlinear > linear + 0.04
    # price falls with distance, all else equal: the distance weight of the linear fit is negative
    w, *_ = np.linalg.lstsq(np.hstack([X, ones]), y, rcond=None)
    assert w[3] < 0 and w[0] > 0


def test_apartments_noise_controls_the_spread():
    _, y0 = make_apartments(n=1000, noise=0.0)
    X, y1 = make_apartments(n=1000, noise=0.3)
    ones = np.ones((len(X), 1))
    assert r2_score(np.hstack([X, ones]), y1) < r2_score(np.hstack([X, ones]), y0)


# --------------------------------------------------------------------------
# Input checking of the generators
# --------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: make_spirals(n_classes=1), "make_spirals: n_classes must be >= 2, got 1"),
    (lambda: make_spirals(n_per_class=0), "make_spirals: n_per_class must be >= 1, got 0"),
    (lambda: make_rings(n=1), "make_rings: n must be >= 2, got 1"),
    (lambda: make_xor(n=3), "make_xor: n must be >= 4, got 3"),
    (lambda: make_moons(noise=-0.1), "make_moons: noise must be"),
    (lambda: make_apartments(n=0), "make_apartments: n must be >= 1"),
    (lambda: make_rings(seed=-1), "make_rings: seed must be >= 0"),
])
def test_generators_reject_bad_values(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: make_rings(n=10.5), "make_rings: n must be an int, got float"),
    (lambda: make_moons(seed="a"), "make_moons: seed must be an int"),
    (lambda: make_apartments(seed=None), "make_apartments: seed must be an int, got NoneType"),
    (lambda: make_xor(rng=42), "make_xor: rng must be a np.random.Generator"),
    (lambda: make_spirals(noise="big"), "make_spirals: noise must be a number"),
])
def test_generators_reject_bad_types(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# --------------------------------------------------------------------------
# batches
# --------------------------------------------------------------------------

def test_batches_cover_every_sample_once():
    X = np.arange(103 * 2, dtype=np.float64).reshape(103, 2)
    y = np.arange(103)
    out = list(batches(X, y, batch_size=10, seed=0))
    assert [len(xb) for xb, _ in out] == [10] * 10 + [3]
    seen = np.concatenate([yb for _, yb in out])
    np.testing.assert_array_equal(np.sort(seen), y)
    assert not np.array_equal(seen, y)  # shuffled
    for xb, yb in out:  # rows and labels stay paired
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)


def test_batches_without_shuffle_and_without_y():
    X = np.arange(10.0).reshape(5, 2)
    out = list(batches(X, batch_size=2, shuffle=False))
    assert [b.shape for b in out] == [(2, 2), (2, 2), (1, 2)]
    np.testing.assert_array_equal(np.concatenate(out), X)
    # a batch size larger than the data gives one batch
    assert len(list(batches(X, batch_size=100))) == 1


def test_batches_determinism():
    X, y = np.zeros((50, 3)), np.arange(50)
    order = lambda **kw: np.concatenate([yb for _, yb in batches(X, y, batch_size=8, **kw)])
    np.testing.assert_array_equal(order(seed=1), order(seed=1))
    assert not np.array_equal(order(seed=1), order(seed=2))
    np.testing.assert_array_equal(order(seed=1), order(rng=np.random.default_rng(1)))
    # one generator passed every epoch: a new order each epoch, reproducible as a whole
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    epochs_a = [order(rng=rng_a) for _ in range(2)]
    epochs_b = [order(rng=rng_b) for _ in range(2)]
    assert not np.array_equal(epochs_a[0], epochs_a[1])
    np.testing.assert_array_equal(np.stack(epochs_a), np.stack(epochs_b))


def test_batches_return_copies():
    X = np.zeros((4, 2))
    for xb in batches(X, batch_size=2, shuffle=False):
        xb += 1
    assert np.all(X == 0)


def test_batches_errors_are_raised_at_call_time():
    with pytest.raises(ValueError, match=r"batches: X and y must have the same length, got len\(X\) = 5 and len\(y\) = 4"):
        batches(np.zeros((5, 2)), np.zeros(4))  # no iteration needed
    with pytest.raises(ValueError, match="batches: batch_size must be >= 1, got 0"):
        batches(np.zeros((5, 2)), batch_size=0)
    with pytest.raises(TypeError, match="batches: batch_size must be an int"):
        batches(np.zeros((5, 2)), batch_size=2.0)


# --------------------------------------------------------------------------
# one_hot
# --------------------------------------------------------------------------

def test_one_hot():
    out = one_hot(np.array([2, 0, 1, 2]), 3)
    assert out.shape == (4, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out, np.eye(3)[[2, 0, 1, 2]])
    assert one_hot([1, 0], 4).shape == (2, 4)
    with pytest.raises(ValueError, match=r"one_hot: labels must be in 0..2 for n_classes=3.*e\.g\. 3"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="one_hot: labels must be in 0..2"):
        one_hot(np.array([-1, 0]), 3)
    with pytest.raises(TypeError, match="one_hot: y must hold integer class labels, got dtype float64"):
        one_hot(np.array([0.0, 1.0]), 2)
    with pytest.raises(ValueError, match="one_hot: y must be 1-D"):
        one_hot(np.zeros((2, 2), dtype=int), 2)


# --------------------------------------------------------------------------
# IDX files
# --------------------------------------------------------------------------

def idx_bytes(array, type_byte=0x08):
    """An IDX file's bytes, built by hand: 0, 0, type, ndim, big-endian uint32 sizes, data."""
    header = struct.pack(">BBBB", 0, 0, type_byte, array.ndim) + np.array(array.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(path, array, gz=None, **kw):
    raw = idx_bytes(array, **kw)
    gz = path.suffix == ".gz" if gz is None else gz
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


@pytest.mark.parametrize("name", ["x-idx3-ubyte", "x-idx3-ubyte.gz"])
def test_read_idx_round_trip_3d(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, size=(3, 4, 5), dtype=np.uint8)
    out = read_idx(write_idx(tmp_path / name, images))
    assert out.dtype == np.uint8 and out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out, images)
    out[0, 0, 0] = 1  # a normal, writable array


@pytest.mark.parametrize("name", ["y-idx1-ubyte", "y-idx1-ubyte.gz"])
def test_read_idx_round_trip_1d(tmp_path, name):
    labels = np.array([7, 2, 1, 0, 4, 255], dtype=np.uint8)
    path = write_idx(tmp_path / name, labels)
    if not name.endswith(".gz"):
        assert path.read_bytes()[:4] == b"\x00\x00\x08\x01"  # the MNIST label magic
    np.testing.assert_array_equal(read_idx(path), labels)
    np.testing.assert_array_equal(read_idx(str(path)), labels)  # str paths work too


def test_read_idx_any_ndim(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "a.idx", a)), a)


def test_read_idx_bad_magic(tmp_path):
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x12\x34\x08\x01" + np.array([1], ">u4").tobytes() + b"\x00")
    with pytest.raises(ValueError, match="read_idx: .*bad-magic is not an IDX file"):
        read_idx(path)
    # a gzip file without .gz suffix has a wrong magic too
    gz_named_plain = tmp_path / "labels-idx1-ubyte"
    gz_named_plain.write_bytes(gzip.compress(idx_bytes(np.zeros(3, np.uint8))))
    with pytest.raises(ValueError, match="gzip file without the .gz suffix"):
        read_idx(gz_named_plain)


def test_read_idx_unsupported_type(tmp_path):
    path = write_idx(tmp_path / "floats.idx", np.zeros(4, np.uint8), type_byte=0x0D)
    with pytest.raises(ValueError, match=r"read_idx: .*floats\.idx has data type byte 0x0D \(float\)"):
        read_idx(path)


@pytest.mark.parametrize("name", ["short-idx3-ubyte", "short-idx3-ubyte.gz"])
def test_read_idx_truncated(tmp_path, name):
    raw = idx_bytes(np.zeros((2, 3, 3), np.uint8))[:-5]
    path = tmp_path / name
    pack = gzip.compress if name.endswith(".gz") else bytes
    path.write_bytes(pack(raw))
    with pytest.raises(ValueError, match=rf"read_idx: .*{re.escape(name)} is truncated: "
                                         r"shape \(2, 3, 3\) needs 18 data bytes, found 13"):
        read_idx(path)
    # a header cut short is caught too
    path.write_bytes(pack(raw[:6]))
    with pytest.raises(ValueError, match=rf"{re.escape(name)} is truncated: the header needs 16 bytes"):
        read_idx(path)


def test_read_idx_too_long(tmp_path):
    path = tmp_path / "long.idx"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(path)


def test_read_idx_corrupt_gzip(tmp_path):
    good = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)))
    cases = {
        "notgzip.gz": b"this is not gzip data at all",
        "cut.gz": good[: len(good) // 2],  # an interrupted download
        "flipped.gz": good[:20] + bytes([good[20] ^ 0xFF]) + good[21:],  # a damaged byte
    }
    for name, raw in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        with pytest.raises(ValueError, match=rf"read_idx: .*{re.escape(name)} .*re-download"):
            read_idx(path)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")


# --------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------

def test_bundled_files_verify():
    for name, digest in MNIST_SHA256.items():
        verify_checksum(BUNDLED / name, sha256=digest)
        verify_checksum(BUNDLED / name)  # looked up by file name
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        verify_checksum(BUNDLED / name, md5=MNIST_MD5[name])


def test_flipped_byte_fails_verification(tmp_path):
    name = "t10k-labels-idx1-ubyte.gz"
    copy = tmp_path / name
    shutil.copy(BUNDLED / name, copy)
    raw = bytearray(copy.read_bytes())
    raw[100] ^= 0x01
    copy.write_bytes(bytes(raw))
    actual = hashlib.sha256(bytes(raw)).hexdigest()
    with pytest.raises(ValueError, match=rf"verify_checksum: .*{name}.*expected {MNIST_SHA256[name]}, got {actual}") as e:
        verify_checksum(copy, sha256=MNIST_SHA256[name])
    assert "re-download" in str(e.value)
    with pytest.raises(ValueError, match=rf"{name} has the wrong md5: expected {MNIST_MD5[name]}"):
        verify_checksum(copy, md5=MNIST_MD5[name])


def test_verify_checksum_unknown_file(tmp_path):
    path = tmp_path / "mystery.bin"
    path.write_bytes(b"abc")
    with pytest.raises(ValueError, match="no known checksum for 'mystery.bin'"):
        verify_checksum(path)
    verify_checksum(path, md5=hashlib.md5(b"abc").hexdigest())


# --------------------------------------------------------------------------
# load_mnist: bundled files
# --------------------------------------------------------------------------

def test_load_mnist_default():
    mnist = load_mnist()
    X_train, y_train, X_test, y_test = mnist  # unpacks as 4 values
    assert X_train.shape == (5000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == X_test.dtype == np.float64
    assert y_train.shape == (5000,) and y_test.shape == (10000,)
    assert y_train.dtype == y_test.dtype == np.int64
    assert 0.0 == X_train.min() and X_train.max() == 1.0 and X_test.max() == 1.0
    assert mnist.X_test is X_test
    # the bundled training set is shuffled: every digit is in the first 1000 samples
    np.testing.assert_array_equal(np.unique(y_train[:1000]), np.arange(10))
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 500))
    # known facts about the official test set
    assert y_test[0] == 7
    assert np.sum(y_test == 1) == 1135
    np.testing.assert_array_equal(
        np.bincount(y_test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])


def test_load_mnist_is_deterministic_and_returns_copies():
    a = load_mnist(dtype=np.uint8)
    a.X_train[:] = 0
    a.y_test[:] = 0
    b = load_mnist(dtype=np.uint8)
    assert b.X_train.max() == 255 and b.y_test[0] == 7
    c = load_mnist(dtype=np.uint8)
    np.testing.assert_array_equal(b.X_train, c.X_train)
    np.testing.assert_array_equal(b.y_train, c.y_train)


def test_load_mnist_options():
    raw = load_mnist(flatten=False, dtype="uint8")
    assert raw.X_train.shape == (5000, 28, 28) and raw.X_test.shape == (10000, 28, 28)
    assert raw.X_train.dtype == np.uint8 and raw.X_train.max() == 255
    f32 = load_mnist(dtype=np.float32)
    assert f32.X_train.dtype == np.float32 and f32.X_train.shape == (5000, 784)
    assert 0.0 <= f32.X_test.min() and f32.X_test.max() == np.float32(1.0)
    # all options show the same images
    np.testing.assert_allclose(f32.X_test[:500], raw.X_test[:500].reshape(500, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(f32.y_train, raw.y_train)


def test_load_mnist_bad_arguments():
    with pytest.raises(TypeError, match="load_mnist: dtype must be np.uint8 or a float dtype"):
        load_mnist(dtype=np.int32)
    with pytest.raises(ValueError, match="load_mnist: download= and cache_dir= only apply"):
        load_mnist(download=True)


# --------------------------------------------------------------------------
# load_mnist: the full data set from a folder / the cache (fake tiny files)
# --------------------------------------------------------------------------

def make_fake_official(folder, n_train=6, n_test=4):
    """Tiny files with the official names; returns their arrays and md5s."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(n_train, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([7, 2, 1, 0][:n_test], dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    md5 = {}
    for name, array in arrays.items():
        path = write_idx(folder / name, array)
        md5[name] = hashlib.md5(path.read_bytes()).hexdigest()
    return arrays, md5


def test_load_mnist_from_path(tmp_path, monkeypatch):
    arrays, md5 = make_fake_official(tmp_path / "mnist")
    # the real md5s do not fit the fake files
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz has the wrong md5"):
        load_mnist(path=tmp_path / "mnist")
    out = load_mnist(path=tmp_path / "mnist", verify=False)
    assert out.X_train.shape == (6, 784) and out.X_test.shape == (4, 784)
    np.testing.assert_allclose(out.X_train, arrays["train-images-idx3-ubyte.gz"].reshape(6, -1) / 255)
    np.testing.assert_array_equal(out.y_train, arrays["train-labels-idx1-ubyte.gz"])
    assert out.y_test.dtype == np.int64
    # with the fake files' md5 in place, verification passes
    for name, digest in md5.items():
        monkeypatch.setitem(MNIST_MD5, name, digest)
    out = load_mnist(path=str(tmp_path / "mnist"), flatten=False, dtype=np.uint8)
    np.testing.assert_array_equal(out.X_test, arrays["t10k-images-idx3-ubyte.gz"])


def test_load_mnist_path_missing_and_mismatched_files(tmp_path):
    make_fake_official(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(path=tmp_path, verify=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(9, np.uint8))  # 9 labels for 4 images
    with pytest.raises(ValueError, match=r"load_mnist: the test files do not fit together.*\(4, 28, 28\) and \(9,\)"):
        load_mnist(path=tmp_path, verify=False)


def test_load_mnist_full_without_files(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"load_mnist\(full=True, download=True\).*load_mnist\(path=") as e:
        load_mnist(full=True, cache_dir=tmp_path)
    assert str(tmp_path) in str(e.value)
    # the cache folder can also come from $NNLIB_DATA
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path / "from-env"))
    with pytest.raises(FileNotFoundError, match="from-env"):
        load_mnist(full=True)
    make_fake_official(tmp_path / "from-env")
    assert load_mnist(full=True, verify=False).X_train.shape == (6, 784)


def test_default_cache_dir(monkeypatch):
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    assert mnist._default_cache_dir().parts[-3:] == (".cache", "nnlib", "mnist")


# --------------------------------------------------------------------------
# Downloading, without the network: file:// URLs
# --------------------------------------------------------------------------

def test_download_helper(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"\x00\x01" * 1000)
    dest = mnist._download(src.as_uri(), tmp_path / "sub" / "dest.bin")
    assert dest.read_bytes() == src.read_bytes()
    # a failed download leaves neither the file nor a temporary file behind
    with pytest.raises(OSError):
        mnist._download((tmp_path / "missing.bin").as_uri(), tmp_path / "sub" / "other.bin")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["dest.bin"]


def test_load_mnist_full_download(tmp_path, monkeypatch, capsys):
    arrays, md5 = make_fake_official(tmp_path / "mirror")
    for name, digest in md5.items():
        monkeypatch.setitem(MNIST_MD5, name, digest)
    # a broken "mirror" first: load_mnist must fall back to the next one
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "train-images-idx3-ubyte.gz").write_bytes(b"garbage")  # fails its md5
    monkeypatch.setattr(mnist, "MNIST_MIRRORS", (broken.as_uri() + "/", (tmp_path / "mirror").as_uri() + "/"))
    cache = tmp_path / "cache"
    out = load_mnist(full=True, download=True, cache_dir=cache)
    np.testing.assert_array_equal(out.y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert sorted(p.name for p in cache.iterdir()) == sorted(md5)
    assert "downloading" in capsys.readouterr().out
    # once cached, nothing is downloaded again
    monkeypatch.setattr(mnist, "MNIST_MIRRORS", ())
    assert load_mnist(full=True, download=True, cache_dir=cache).X_train.shape == (6, 784)


def test_load_mnist_download_fails_everywhere(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(mnist, "MNIST_MIRRORS", (empty.as_uri() + "/",))
    with pytest.raises(OSError, match="could not download train-images-idx3-ubyte.gz from any mirror"):
        load_mnist(full=True, download=True, cache_dir=tmp_path / "cache")
    assert not any((tmp_path / "cache").iterdir())


def test_urllib_is_only_used_with_file_urls_here(monkeypatch, tmp_path):
    # the download helper goes through urllib.request.urlopen, so patching it replaces the network
    calls = []

    class FakeResponse:
        def __init__(self):
            self.chunks = [b"hello"]

        def read(self, n=-1):
            return self.chunks.pop() if self.chunks else b""

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(url, timeout=None):
        calls.append(url)
        return FakeResponse()

    monkeypatch.setattr(mnist.urllib.request, "urlopen", fake_urlopen)
    mnist._download("https://example.invalid/x.gz", tmp_path / "x.gz")
    assert calls == ["https://example.invalid/x.gz"]
    assert (tmp_path / "x.gz").read_bytes() == b"hello"
