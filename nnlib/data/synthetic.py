"""Small synthetic data sets, generated from a seed: apartment prices, rings, moons, spirals, XOR.

The generators return their rows in random order (classes mixed), so that slicing off the
first rows gives a fair sample. X: (n, D) float64, y: (n,) int64 class labels (or float prices).
"""
from __future__ import annotations

import numpy as np

from ._args import _check_int, _check_noise, _make_rng, _readonly, _shuffled


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


# The four points of the binary XOR function: X4: (4, 2) float64, y4: (4,) int64.
# Read-only, so that no notebook can change the "truth" by accident.
XOR_TRUTH_TABLE = (
    _readonly(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])),
    _readonly(np.array([0, 1, 1, 0], dtype=np.int64)),
)
