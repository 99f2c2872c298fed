"""Data for the course: small synthetic data sets, mini-batching, and MNIST.

Conventions used throughout ``nnlib``:

* arrays are batch-first: ``X`` has shape ``(N, D)`` and dtype float64,
  class labels ``y`` have shape ``(N,)`` and dtype int64;
* every random function takes ``seed`` (an int) or ``rng`` (a
  ``np.random.Generator``, which wins if both are given) and is fully
  deterministic for a given seed;
* bad input raises ``ValueError`` / ``TypeError`` with a message that names
  the function, what was expected and what came.

The synthetic generators return their rows in random order (classes mixed),
so that slicing off the first rows gives a fair sample.

MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges; CC BY-SA 3.0) is
bundled in ``nnlib/datasets/mnist/`` so that the course works offline; see
``PROVENANCE.md`` there.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.request
import zlib
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np

__all__ = [
    "APARTMENT_FEATURES",
    "XOR_TRUTH_TABLE",
    "MNIST",
    "MNIST_SHA256",
    "MNIST_MD5",
    "MNIST_MIRRORS",
    "make_apartments",
    "make_rings",
    "make_moons",
    "make_spirals",
    "make_xor",
    "batches",
    "one_hot",
    "read_idx",
    "verify_checksum",
    "load_mnist",
]


# --------------------------------------------------------------------------
# Input checking helpers
# --------------------------------------------------------------------------

def _check_int(fname: str, name: str, value, minimum: int) -> int:
    # bool is an int subclass, but make_rings(n=True) is surely a mistake
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fname}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{fname}: {name} must be >= {minimum}, got {value}")
    return int(value)


def _check_noise(fname: str, noise) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"{fname}: noise must be a number, got {type(noise).__name__} {noise!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{fname}: noise must be a finite number >= 0, got {noise}")
    return float(noise)


def _make_rng(fname: str, seed, rng, allow_none: bool = False) -> np.random.Generator:
    """The generator to use: ``rng`` if given, else a fresh one from ``seed``."""
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"{fname}: rng must be a np.random.Generator (np.random.default_rng(seed)), "
                f"got {type(rng).__name__}"
            )
        return rng
    if seed is None and allow_none:
        # only batches() allows this: a fresh, non-reproducible shuffle
        return np.random.default_rng()
    seed = _check_int(fname, "seed", seed, 0)
    return np.random.default_rng(seed)


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray):
    # generators build the data class by class; mix the rows so that X[:k] is a fair sample
    perm = rng.permutation(len(X))
    return X[perm], y[perm]


# --------------------------------------------------------------------------
# Synthetic data sets
# --------------------------------------------------------------------------

APARTMENT_FEATURES = ("area_m2", "rooms", "age_years", "distance_km")


def make_apartments(n: int = 200, seed: int = 0, noise: float = 0.1, *, rng=None):
    """Synthetic apartment prices: a regression problem with 4 features.

    Returns ``X: (n, 4)`` float64 with the columns of ``APARTMENT_FEATURES``:

    * ``area_m2``: living area, 20 to 150 m² (most around 50 to 90);
    * ``rooms``: whole numbers 1 to 5, larger flats have more rooms;
    * ``age_years``: whole numbers 0 to 100;
    * ``distance_km``: distance to the city centre, 0.5 to 20 km (rounded to 0.1);

    and ``y: (n,)`` float64, the price in thousands of euros.

    The price is nonlinear: the price per m² falls with distance like
    ``exp(-distance / 8)``, old and new buildings cost more than middle-aged
    ones (a mild U shape in age), and ``noise`` is the standard deviation of
    a multiplicative log-normal noise (0.1 means roughly ±10 %). A linear
    model on the raw features explains most of the variance (R² about 0.85),
    a model with features such as ``area * exp(-distance / 8)`` does better.
    """
    f = "make_apartments"
    n = _check_int(f, "n", n, 1)
    noise = _check_noise(f, noise)
    rng = _make_rng(f, seed, rng)

    area = 20.0 + 130.0 * rng.beta(2.0, 3.0, n)  # skewed: small flats are more common
    rooms = np.clip(np.rint(area / 28.0 + rng.normal(0.0, 0.5, n)), 1, 5)
    age = rng.integers(0, 101, n).astype(np.float64)
    distance = np.round(0.5 + 19.5 * rng.beta(1.2, 2.0, n), 1)  # more flats near the centre

    price_per_m2 = 1.5 + 4.5 * np.exp(-distance / 8.0)  # k€/m²: 6 in the centre, ~1.9 at 20 km
    age_factor = 0.9 + 0.25 * ((age - 45.0) / 55.0) ** 2  # new and historic buildings cost more
    price = area * price_per_m2 * age_factor + 8.0 * rooms
    price *= np.exp(noise * rng.normal(size=n))  # multiplicative: never negative

    X = np.column_stack([area, rooms, age, distance]).astype(np.float64)
    return X, price


def make_rings(n: int = 400, noise: float = 0.1, seed: int = 0, *, rng=None):
    """"Zeros around crosses": a blob surrounded by a ring, in 2-D.

    Class 1 (the crosses) fills a disc of radius 0.5 around the origin, class 0
    (the zeros) a ring with radius 1 to 1.5 around it; then Gaussian noise with
    standard deviation ``noise`` is added to both coordinates. No straight line
    separates the classes (both class means sit near the origin), but the
    feature ``x1² + x2²`` does.

    Returns ``X: (n, 2)`` float64 and ``y: (n,)`` int64 in {0, 1}, balanced
    (for odd ``n`` class 0 has one sample more).
    """
    f = "make_rings"
    n = _check_int(f, "n", n, 2)
    noise = _check_noise(f, noise)
    rng = _make_rng(f, seed, rng)

    n1 = n // 2
    n0 = n - n1
    # sqrt of a uniform draw gives points uniform over the area, not crowded at the centre
    r_inner = 0.5 * np.sqrt(rng.uniform(size=n1))
    r_ring = np.sqrt(rng.uniform(1.0**2, 1.5**2, size=n0))
    r = np.concatenate([r_ring, r_inner])
    angle = rng.uniform(0.0, 2 * np.pi, size=n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    X += noise * rng.normal(size=X.shape)
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(rng, X, y)


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0, *, rng=None):
    """Two interleaving half circles in 2-D.

    Class 0 lies on the upper half of the unit circle around (0, 0), class 1 on
    the lower half of the unit circle around (1, 0.5); then Gaussian noise with
    standard deviation ``noise`` is added to both coordinates.

    Returns ``X: (n, 2)`` float64 and ``y: (n,)`` int64 in {0, 1}, balanced
    (for odd ``n`` class 0 has one sample more).
    """
    f = "make_moons"
    n = _check_int(f, "n", n, 2)
    noise = _check_noise(f, noise)
    rng = _make_rng(f, seed, rng)

    n1 = n // 2
    n0 = n - n1
    t = rng.uniform(0.0, np.pi, size=n)
    t0, t1 = t[:n0], t[n0:]
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.concatenate([upper, lower])
    X += noise * rng.normal(size=X.shape)
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(rng, X, y)


def make_spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
                 seed: int = 0, *, rng=None):
    """Interleaved spiral arms, one per class, in 2-D.

    Arm ``k`` has points at radius ``r`` evenly spaced in [0, 1] and angle
    ``2π k / n_classes + 4 r`` (so each arm turns by 4 radians), plus Gaussian
    jitter of standard deviation ``noise`` on the angle (in radians), as in
    the classic CS231n example.

    Returns ``X: (n_per_class * n_classes, 2)`` float64 and
    ``y: (n_per_class * n_classes,)`` int64 in ``0 .. n_classes - 1``,
    exactly ``n_per_class`` samples each.
    """
    f = "make_spirals"
    n_per_class = _check_int(f, "n_per_class", n_per_class, 1)
    n_classes = _check_int(f, "n_classes", n_classes, 2)
    noise = _check_noise(f, noise)
    rng = _make_rng(f, seed, rng)

    # one row per class, one column per point: broadcasting builds all arms at once
    r = np.linspace(0.0, 1.0, n_per_class)[None, :]
    start = (2 * np.pi * np.arange(n_classes) / n_classes)[:, None]
    angle = start + 4.0 * r + noise * rng.normal(size=(n_classes, n_per_class))
    X = np.column_stack([(r * np.cos(angle)).ravel(), (r * np.sin(angle)).ravel()])
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    return _shuffled(rng, X, y)


def make_xor(n: int = 200, noise: float = 0.1, seed: int = 0, *, rng=None):
    """The XOR problem: four Gaussian blobs at (±1, ±1).

    ``y = 1`` for the blobs where the signs of x1 and x2 differ, (1, -1) and
    (-1, 1), and ``y = 0`` for (1, 1) and (-1, -1). The label belongs to the
    blob a point was drawn from, so with a large ``noise`` (the standard
    deviation of the blobs) a few points cross the axes and look mislabelled,
    like real noisy data.

    Returns ``X: (n, 2)`` float64 and ``y: (n,)`` int64 in {0, 1}; the blobs
    differ in size by at most one point.
    """
    f = "make_xor"
    n = _check_int(f, "n", n, 4)
    noise = _check_noise(f, noise)
    rng = _make_rng(f, seed, rng)

    # the order alternates the labels, so leftover points are spread over both classes
    centres = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    labels = np.array([0, 1, 0, 1], dtype=np.int64)
    counts = np.full(4, n // 4)
    counts[: n % 4] += 1
    X = np.repeat(centres, counts, axis=0) + noise * rng.normal(size=(n, 2))
    y = np.repeat(labels, counts)
    return _shuffled(rng, X, y)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


# The four points of the binary XOR function: X4: (4, 2) float64, y4: (4,) int64.
# Read-only, so that no notebook can change the "truth" by accident.
XOR_TRUTH_TABLE = (
    _readonly(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])),
    _readonly(np.array([0, 1, 1, 0], dtype=np.int64)),
)


# --------------------------------------------------------------------------
# Mini-batches and labels
# --------------------------------------------------------------------------

def batches(X, y=None, batch_size: int = 32, shuffle: bool = True, seed=None, rng=None):
    """Iterate over mini-batches of ``X`` (and ``y``).

    ``X: (N, ...)``, ``y: (N, ...)`` or None. Yields ``(Xb, yb)`` with
    ``Xb: (B, ...)``, ``yb: (B, ...)``, or just ``Xb`` when ``y`` is None.
    Every sample appears exactly once per pass; all batches have
    ``batch_size`` samples except the last, which may be smaller.

    With ``shuffle=True`` the order is a permutation drawn from ``rng`` (if
    given) or from ``np.random.default_rng(seed)``. A fixed ``seed`` gives the
    same order on every call; for a new, yet reproducible order in each epoch
    create one ``rng = np.random.default_rng(0)`` before the training loop and
    pass it every epoch. With neither ``seed`` nor ``rng`` the order is not
    reproducible.

    The arguments are checked at once, when ``batches`` is called, not when
    the first batch is taken. The batches are copies, not views of ``X``.
    """
    f = "batches"
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError(f"{f}: X must have a batch axis, shape (N, ...), got a scalar")
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(X):
            got = "a scalar" if y.ndim == 0 else f"len(y) = {len(y)}"
            raise ValueError(f"{f}: X and y must have the same length, got len(X) = {len(X)} and {got}")
    batch_size = _check_int(f, "batch_size", batch_size, 1)
    if shuffle:
        order = _make_rng(f, seed, rng, allow_none=True).permutation(len(X))
    else:
        order = np.arange(len(X))
    return _batch_iter(X, y, order, batch_size)


def _batch_iter(X, y, order, batch_size) -> Iterator:
    # the loop is over batches, not samples; each batch is one fancy-indexing gather
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx] if y is None else (X[idx], y[idx])


def one_hot(y, n_classes: int) -> np.ndarray:
    """One-hot encode integer class labels.

    ``y: (N,)`` integers in ``0 .. n_classes - 1``. Returns ``(N, n_classes)``
    float64 with a single 1 per row.
    """
    f = "one_hot"
    n_classes = _check_int(f, "n_classes", n_classes, 1)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{f}: y must be 1-D, shape (N,), got shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{f}: y must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad = y[(y < 0) | (y >= n_classes)]
        raise ValueError(
            f"{f}: labels must be in 0..{n_classes - 1} for n_classes={n_classes}, "
            f"got {bad.size} label(s) out of range, e.g. {bad[0]} (min {y.min()}, max {y.max()})"
        )
    out = np.zeros((len(y), n_classes), dtype=np.float64)
    out[np.arange(len(y)), y] = 1.0
    return out


# --------------------------------------------------------------------------
# IDX files and checksums
# --------------------------------------------------------------------------

_IDX_TYPES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short",
              0x0C: "int", 0x0D: "float", 0x0E: "double"}

_FIX_HINT = ("The file is probably corrupt or incomplete: delete it and re-download it "
             "(or re-copy it from the course repository).")


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the format of the MNIST files), gzipped or plain.

    A file whose name ends in ``.gz`` is decompressed first. The header is
    two zero bytes, a type byte (only 0x08, unsigned byte, is supported), the
    number of dimensions, then one big-endian uint32 size per dimension;
    the raw data follow. Returns a uint8 array of that shape, e.g. ``(N,)``
    for label files (magic 0x00000801) and ``(N, 28, 28)`` for image files
    (magic 0x00000803).
    """
    f = "read_idx"
    path = Path(path)
    raw = path.read_bytes()  # a missing file raises FileNotFoundError, which says it all
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as e:
            raise ValueError(f"{f}: {path} is not a valid gzip file ({e}). {_FIX_HINT}") from e

    if len(raw) < 4:
        raise ValueError(f"{f}: {path} is too short for an IDX header: {len(raw)} bytes. {_FIX_HINT}")
    magic = int.from_bytes(raw[:4], "big")
    zero, dtype_code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00":
        raise ValueError(
            f"{f}: {path} is not an IDX file: its magic number 0x{magic:08X} should start "
            "with two zero bytes (0x00000801 for labels, 0x00000803 for images). "
            "Is it the right file, or a gzip file without the .gz suffix?"
        )
    if dtype_code != 0x08:
        name = _IDX_TYPES.get(dtype_code, "unknown")
        raise ValueError(
            f"{f}: {path} has data type byte 0x{dtype_code:02X} ({name}) in its magic number "
            f"0x{magic:08X}; only 0x08 (unsigned byte, as in MNIST) is supported"
        )
    if ndim == 0:
        raise ValueError(f"{f}: {path} has 0 dimensions in its magic number 0x{magic:08X}; expected >= 1")

    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise ValueError(
            f"{f}: {path} is truncated: the header needs {header_len} bytes for {ndim} "
            f"dimensions, the file has {len(raw)}. {_FIX_HINT}"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64))
    actual = len(raw) - header_len
    if actual != expected:
        what = "truncated" if actual < expected else "longer than its header says"
        raise ValueError(
            f"{f}: {path} is {what}: shape {shape} needs {expected} data bytes, "
            f"found {actual}. {_FIX_HINT}"
        )
    # frombuffer on bytes is read-only; the copy gives the caller a normal array
    return np.frombuffer(raw, dtype=np.uint8, count=expected, offset=header_len).reshape(shape).copy()


# sha256 of the files bundled in nnlib/datasets/mnist/ (see PROVENANCE.md there)
MNIST_SHA256 = {
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "mnist_train_5k.npz": "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4",
}

# the official md5 of the four original MNIST files
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

# the original site yann.lecun.com no longer serves the files reliably
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


def verify_checksum(path, sha256: str | None = None, md5: str | None = None) -> None:
    """Check a file against its sha256 and/or md5 hex digest.

    With neither digest given, the file name is looked up in ``MNIST_SHA256``
    and then in ``MNIST_MD5``. Returns None if the file matches; raises
    ``ValueError`` naming the file, the expected and the actual digest
    otherwise.
    """
    f = "verify_checksum"
    path = Path(path)
    if sha256 is None and md5 is None:
        sha256 = MNIST_SHA256.get(path.name)
        md5 = None if sha256 else MNIST_MD5.get(path.name)
        if sha256 is None and md5 is None:
            raise ValueError(f"{f}: no known checksum for {path.name!r}; pass sha256= or md5=")
    expected = {"sha256": sha256, "md5": md5}
    # usedforsecurity=False: md5 stays available on FIPS systems, it only detects damaged files here
    hashers = {algo: hashlib.new(algo, usedforsecurity=False)
               for algo, digest in expected.items() if digest is not None}
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            for h in hashers.values():
                h.update(chunk)
    for algo, h in hashers.items():
        actual = h.hexdigest()
        if actual != expected[algo].lower():
            raise ValueError(
                f"{f}: {path} has the wrong {algo}: expected {expected[algo]}, got {actual}. {_FIX_HINT}"
            )


# --------------------------------------------------------------------------
# MNIST
# --------------------------------------------------------------------------

_BUNDLED_DIR = Path(__file__).parent / "datasets" / "mnist"
_OFFICIAL_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


class MNIST(NamedTuple):
    """MNIST split into training and test set; unpacks as 4 arrays.

    ``X_train: (N, 784)`` or ``(N, 28, 28)``, ``y_train: (N,)`` int64,
    ``X_test: (M, 784)`` or ``(M, 28, 28)``, ``y_test: (M,)`` int64.
    """
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def _file_key(path: Path):
    # the cache key: a file that is replaced or edited gets a new mtime/size and is read again
    st = path.stat()
    return str(path.resolve()), st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=32)
def _verify_cached(path: str, mtime_ns: int, size: int, sha256, md5) -> None:
    # lru_cache does not store exceptions, so a failed check is repeated next time
    verify_checksum(path, sha256=sha256, md5=md5)


def _verify(path: Path, sha256=None, md5=None) -> None:
    _verify_cached(*_file_key(path), sha256, md5)


@functools.lru_cache(maxsize=8)
def _read_idx_cached(path: str, mtime_ns: int, size: int) -> np.ndarray:
    return _readonly(read_idx(path))


@functools.lru_cache(maxsize=2)
def _read_bundled_train(path: str, mtime_ns: int, size: int):
    with np.load(path) as npz:
        images, labels = npz["images"], npz["labels"]
    # the bundled file is sorted by digit; one fixed shuffle makes X_train[:k] a fair sample
    perm = np.random.default_rng(0).permutation(len(labels))
    return _readonly(images[perm]), _readonly(labels[perm])


def _default_cache_dir() -> Path:
    env = os.environ.get("NNLIB_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "nnlib" / "mnist"


def _download(url: str, dest, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` via a temporary file, so that an interrupted
    download never leaves a half-written file under the final name."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _download_mnist(folder: Path, names, verify: bool) -> None:
    for name in names:
        dest = folder / name
        errors = []
        for mirror in MNIST_MIRRORS:
            url = mirror + name
            print(f"load_mnist: downloading {url} -> {dest}")
            try:
                _download(url, dest)
                if verify:
                    _verify(dest, md5=MNIST_MD5[name])
                break
            except (OSError, ValueError) as e:  # URLError is an OSError
                dest.unlink(missing_ok=True)  # never keep a file that failed its check
                errors.append(f"{url}: {e}")
        else:
            raise OSError(
                f"load_mnist: could not download {name} from any mirror:\n  " + "\n  ".join(errors)
            )


def _convert(images: np.ndarray, labels: np.ndarray, flatten: bool, dtype: np.dtype):
    # one new array per call, so the cached arrays are never handed out
    X = images.reshape(len(images), -1) if flatten else images
    X = X.astype(dtype)  # astype copies
    if dtype != np.uint8:
        X /= 255.0  # in place, in the target dtype: float32 stays float32
    return X, labels.astype(np.int64)


def load_mnist(flatten: bool = True, dtype=np.float64, full: bool = False, path=None,
               download: bool = False, cache_dir=None, verify: bool = True) -> MNIST:
    """Load MNIST handwritten digits as ``MNIST(X_train, y_train, X_test, y_test)``.

    By default, works offline with the files bundled in ``nnlib/datasets/mnist``:

    * training set: 5,000 of the official training images (500 per digit).
      The bundled file is sorted by digit, so it is shuffled once with the
      fixed seed ``np.random.default_rng(0)``: the order is always the same,
      and ``X_train[:1000]`` already contains every digit;
    * test set: the official 10,000 test images, in the official order.

    ``path=<folder>`` loads the four official files (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``) from that folder instead: the full 60,000
    training images, in the official order. ``full=True`` does the same from
    the cache folder ``cache_dir``, else ``$NNLIB_DATA``, else
    ``~/.cache/nnlib/mnist``. With ``download=True`` missing files are
    downloaded into that folder (or into ``path``) first, about 11 MB;
    ``path`` wins over ``full``.

    Shapes: ``X: (N, 784)`` with ``flatten=True``, else ``(N, 28, 28)``;
    ``y: (N,)`` int64 in 0..9. ``dtype=np.uint8`` gives the raw pixel values
    0..255; a float dtype (float64, float32) gives values scaled to [0, 1].

    With ``verify=True`` every file is checked against ``MNIST_SHA256``
    (bundled) or ``MNIST_MD5`` (official). Checks and decoded files are cached
    per process, so repeated calls are fast; each call returns new arrays.
    """
    f = "load_mnist"
    try:
        dtype = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"{f}: dtype must be np.uint8 or a float dtype, got {dtype!r}") from e
    if dtype != np.uint8 and dtype.kind != "f":
        raise TypeError(f"{f}: dtype must be np.uint8 or a float dtype such as np.float32, got {dtype}")

    if path is None and not full:
        if download or cache_dir is not None:
            raise ValueError(
                f"{f}: download= and cache_dir= only apply to the full data set; "
                "use load_mnist(full=True, download=True, cache_dir=...)"
            )
        npz = _BUNDLED_DIR / "mnist_train_5k.npz"
        test_images = _BUNDLED_DIR / "t10k-images-idx3-ubyte.gz"
        test_labels = _BUNDLED_DIR / "t10k-labels-idx1-ubyte.gz"
        if verify:
            for p in (npz, test_images, test_labels):
                _verify(p, sha256=MNIST_SHA256[p.name])
        train = _read_bundled_train(*_file_key(npz))
        test = _read_idx_cached(*_file_key(test_images)), _read_idx_cached(*_file_key(test_labels))
    else:
        if path is not None:
            folder = Path(path).expanduser()
        else:
            folder = Path(cache_dir).expanduser() if cache_dir is not None else _default_cache_dir()
        missing = [name for name in _OFFICIAL_FILES if not (folder / name).is_file()]
        if missing and download:
            _download_mnist(folder, missing, verify)
        elif missing:
            raise FileNotFoundError(
                f"{f}: the full MNIST files {missing} are not in {folder}. "
                "Download them once with load_mnist(full=True, download=True) (about 11 MB, "
                "cached in ~/.cache/nnlib/mnist, or in $NNLIB_DATA / cache_dir= if set), "
                "or point to a folder that holds the four official .gz files with "
                "load_mnist(path=...). Without them, load_mnist() uses the bundled 5,000 "
                "training images."
            )
        paths = [folder / name for name in _OFFICIAL_FILES]
        if verify:
            for p in paths:
                _verify(p, md5=MNIST_MD5[p.name])
        arrays = [_read_idx_cached(*_file_key(p)) for p in paths]
        train, test = (arrays[0], arrays[1]), (arrays[2], arrays[3])

    for which, (images, labels) in (("training", train), ("test", test)):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"{f}: the {which} files do not fit together: expected images (N, rows, cols) "
                f"and labels (N,), got {images.shape} and {labels.shape}"
            )
    return MNIST(*_convert(*train, flatten, dtype), *_convert(*test, flatten, dtype))
