"""MNIST: an IDX reader, checksums, the bundled 5,000-image training set and the official test set,
and an optional download of the full set.

MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges; CC BY-SA 3.0) is bundled in
``nnlib/datasets/mnist/`` so that the course works offline; see ``PROVENANCE.md`` there.
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
from typing import NamedTuple

import numpy as np

from ._args import _readonly


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


_BUNDLED_DIR = Path(__file__).resolve().parents[1] / "datasets" / "mnist"
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
