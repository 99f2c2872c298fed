"""Wrong answers for solutions/00_numpy_vectorization.ipynb."""
from . import WrongAnswer

NOTEBOOK = "00_numpy_vectorization"

_PAIRWISE_LOOP = """N, M = A.shape[0], B.shape[0]
out = np.empty((N, M))
for i in range(N):
    for j in range(M):
        out[i, j] = np.sum((A[i] - B[j]) ** 2)
return out"""

_NORMALIZE_LOOP = """N, D = X.shape
out = np.empty((N, D))
for j in range(D):
    mean = sum(X[i, j] for i in range(N)) / N
    std = (sum((X[i, j] - mean) ** 2 for i in range(N)) / N) ** 0.5
    for i in range(N):
        out[i, j] = (X[i, j] - mean) / std
return out"""

_ONE_HOT_LOOP = """out = np.zeros((len(y), C))
for i, label in enumerate(y):
    out[i, label] = 1.0
return out"""

_SPEED = r"it is only [\d.]+x faster than the loop on .*vectorize it"

WRONG = [
    # 1. pairwise squared distances
    WrongAnswer("pairwise_sq_distances", "check_pairwise_sq_distances", "kept the double loop",
                "pairwise_sq_distances: " + _SPEED, code=_PAIRWISE_LOOP),
    WrongAnswer("pairwise_sq_distances", "check_pairwise_sq_distances", "forgot the factor 2 in -2 a·b",
                r"distances\[\d+, \d+\] is .*, expected", sub=("- 2 * A @ B.T", "- A @ B.T")),
    WrongAnswer("pairwise_sq_distances", "check_pairwise_sq_distances",
                "|a|² left as (N,) instead of a column (N, 1): (N,) + (1, M) does not broadcast",
                r"operands could not be broadcast together", sub=("np.sum(A ** 2, axis=1)[:, None]", "np.sum(A ** 2, axis=1)")),
    WrongAnswer("pairwise_sq_distances", "check_pairwise_sq_distances",
                "broadcast the difference but summed over the wrong axis (the points of B, not the features)",
                r"has shape \(\d+, \d+\), expected \(\d+, \d+\)",
                code="diff = A[:, None, :] - B[None, :, :]   # (N, M, D)\nreturn np.sum(diff ** 2, axis=1)"),
    # 2. normalize the columns
    WrongAnswer("normalize_columns", "check_normalize_columns", "kept the loops",
                "normalize_columns: " + _SPEED, code=_NORMALIZE_LOOP),
    WrongAnswer("normalize_columns", "check_normalize_columns", "normalized the rows (axis=1) instead of the columns",
                r"normalized each row .* axis=0",
                code="mean = X.mean(axis=1, keepdims=True)\nstd = X.std(axis=1, keepdims=True)\nreturn (X - mean) / std"),
    WrongAnswer("normalize_columns", "check_normalize_columns", "sample std (ddof=1) instead of np.std's default",
                r"sample standard deviation \(ddof=1", sub=("X.std(axis=0)", "X.std(axis=0, ddof=1)")),
    WrongAnswer("normalize_columns", "check_normalize_columns", "modifies X in place",
                r"modified its argument 1 in place",
                code="X -= X.mean(axis=0)\nX /= X.std(axis=0)\nreturn X"),
    # 3. one-hot
    WrongAnswer("one_hot", "check_one_hot", "kept the loop over the labels",
                "one_hot: " + _SPEED, code=_ONE_HOT_LOOP),
    WrongAnswer("one_hot", "check_one_hot", "out[:, y] = 1 sets whole columns, not one element per row",
                r"one_hot\[\d+, \d+\] is 1, expected 0", sub=("out[np.arange(len(y)), y] = 1.0", "out[:, y] = 1.0")),
    WrongAnswer("one_hot", "check_one_hot", "number of columns from the data (y.max() + 1) instead of C",
                r"use C columns, not y.max\(\) \+ 1", code="return np.eye(y.max() + 1)[y]"),
    WrongAnswer("one_hot", "check_one_hot", "integer matrix instead of float",
                r"has dtype int\d+, expected a float array", code="return np.eye(C, dtype=int)[y]"),
    WrongAnswer("one_hot", "check_one_hot", "transposed: (C, N)",
                r"has shape \(\d+, \d+\), expected \(\d+, \d+\) \(transposed\?\)", code="return np.eye(C)[y].T"),
]
