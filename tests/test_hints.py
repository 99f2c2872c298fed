"""Every answer cell's hint points the way without giving the answer away.

The text after `### BEGIN SOLUTION:` becomes the exercise's stub, `raise NotImplementedError('Hint: ...')`.
A hint names the idea, the shape or the formula in words; the check cell's messages do the rest. So a
hint must exist, be short, and hold no code: no NumPy calls, no matrix products, transposes, indexing,
assignments, operators or lambdas. The detector below is deliberately conservative (it also rejects
some plain notation, such as `1/N`, `z > 0` or `e.g.`): write those in words.
"""
import re
from pathlib import Path

import nbformat
import pytest

from nnlib.course import exercises

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = exercises.sources(ROOT / "solutions")
MAX_CHARS = 160

# (name, pattern): any match means the hint contains code.
CODE_PATTERNS = [
    ("a call or a function written with its argument", re.compile(r"[^\W\d]\w*\(")),
    ("an attribute or a module member", re.compile(r"\b[^\W\d]\w*\.[^\W\d]")),
    ("a method", re.compile(r"(^|[\s(])\.[^\W\d]")),
    ("a matrix product", re.compile(r"@")),
    ("a transpose", re.compile(r"\.T\b")),
    ("indexing or a list", re.compile(r"[\[\]]")),
    ("an assignment, a keyword argument or a comparison", re.compile(r"=")),
    ("a comparison", re.compile(r"[\w)]\s*[<>]\s*[\w(-]")),
    ("a product or a power", re.compile(r"\*")),
    ("a division or a modulo", re.compile(r"[\w)²]\s*[/%]\s*[\w(]")),
    ("a sum or a difference", re.compile(r"[\w)²] [-+] [\w(]")),
    ("a lambda or a definition", re.compile(r"\b(lambda|def)\b")),
    ("a Python loop header", re.compile(r"\bfor \w+(\s*,\s*\w+)* in \w")),
    ("a NumPy keyword or method name", re.compile(r"\b(keepdims|rcond|dtype|ndindex|astype)\b")),
    ("NumPy by its import name", re.compile(r"\bnp\b")),
    ("code formatting", re.compile(r"`")),
]


def code_in(hint: str) -> list[str]:
    """What looks like code in `hint` (empty when it reads as plain words)."""
    return [f"{name} ({m.group(0).strip()!r})" for name, pattern in CODE_PATTERNS
            if (m := pattern.search(hint))]


def marker_hints(path: Path):
    """(grade_id, text after 'BEGIN SOLUTION' on the marker line) for every answer cell of a solution."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if exercises.BEGIN in cell.source:
            line = next(l for l in cell.source.splitlines() if exercises.BEGIN in l)
            text = line.split(exercises.BEGIN, 1)[1].strip().lstrip(":").strip()
            yield cell.metadata.get("nbgrader", {}).get("grade_id"), text


ALL_HINTS = [(path.stem, grade_id, hint) for path in SOLUTIONS for grade_id, hint in marker_hints(path)]

# Hints as they were before the rewrite: each is code, or the answer typed out, and must be flagged.
OLD_HINTS = [
    "dx = dy @ W; dW = dy.T @ x; db = dy summed over the batch axis (axis=0)",                       # 05
    "for each key, p = params[k]; p -= lr * grads[k]  (the -= changes the array itself)",            # 05
    "s = sigmoid(z); return s * (1 - s)",                                                              # 03
    "the sigmoid derivative is s * (1 - s), with s the output you are given",                          # 05
    "multiply dy by the mask (x > 0)",                                                                 # 05
    "|a|² + |b|² - 2 a·b, with |a|² as a column (N, 1), |b|² as a row (1, M) and A @ B.T",             # 00
    "one mean and one std per column: reduce over the samples with axis=0, shapes (D,)",              # 00
    "start from np.zeros((N, C)); set out[np.arange(N), y] = 1 (row i, column y[i], for all i at once)",  # 00
    "square the differences, then average them (np.mean does the 1/N)",                               # 01
    "like mse, with np.abs instead of the square",                                                     # 01
    "get (dw, db) from mse_grad, then return w - lr * dw, b - lr * db",                                # 01
    "Xb = np.column_stack([X, np.ones(len(X))]); theta = np.linalg.lstsq(Xb, y, rcond=None)[0]",       # 01
    "p = np.clip(p, eps, 1 - eps); then -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",            # 02
    "compare sigmoid(X @ w + b) with 0.5 and convert the booleans with .astype(int)",                  # 02
    "the mean of the boolean array y_pred == y",                                                       # 02
    "np.tanh does it",                                                                                 # 03
    "1 minus the square of tanh(z)",                                                                   # 03
    "a boolean mask z > 0, converted to float",                                                        # 03
    "np.where(condition, value if true, value if false)",                                              # 03
    "for x_n, y_n in zip(X, y): y_hat = int(x_n @ w + b > 0); if wrong, w = w + lr * (y_n - y_hat) * x_n, same for b",  # 03
    "start from W, b = Ws[0], bs[0] and fold in each later layer (Wk, bk) as in the formula above",    # 03
    "subtract Z.max(axis=1, keepdims=True), np.exp, divide by the row sums (keepdims=True)",           # 04
    "pair consecutive sizes with zip(sizes[:-1], sizes[1:]); each pair (a, b) has a*b + b",            # 04
    "P = softmax of each row (subtract the row max first); return (P - one_hot) / N",                  # 05
    "loop over np.ndindex(x.shape); grad[i] = (f(x with x[i]+h) - f(x with x[i]-h)) / (2h)",           # 05
    "dW2/db2 are right, dW1/db1 are not: check the tanh derivative (which cached value does it need?)",  # 05
    "find a from Var = a**2 / 3, then draw with rng.uniform(-a, a, size=...) in shape (fan_out, fan_in)",  # 06
    "rng.normal(0, std, size=...) takes the standard deviation: the square root of 2 / fan_in",        # 06
    "loop: h = layer.forward(h), then record np.std(h) (the output, after the layer)",                 # 06
]

# Hints as they are now: plain words, shapes in parentheses, names of arguments; all must pass.
NEW_HINTS = [
    "each gradient has the shape of what it is the gradient of; the weight gradient pairs every output gradient "
    "with every input, summed over the batch",
    "move every parameter against its gradient by changing its array in place: a new array put into the dict "
    "would never reach the model",
    "the lecture writes this derivative with the value of the sigmoid itself: compute your sigmoid once and reuse it",
    "expand the square as the text shows: squared norms of A as a column (N, 1), of B as a row (1, M); "
    "broadcasting makes the (N, M) matrix",
    "start from a zero matrix (N, C) and set one element per row all at once, indexing with two arrays: "
    "the row numbers and the labels",
]


def test_every_answer_cell_has_a_hint():
    assert ALL_HINTS, "no answer cells found in solutions/"
    missing = [f"{nb} {gid}" for nb, gid, hint in ALL_HINTS if not hint]
    assert not missing, f"answer cells without a hint after '### BEGIN SOLUTION:': {missing}"


@pytest.mark.parametrize("notebook, grade_id, hint", ALL_HINTS, ids=[f"{nb[:2]}-{gid}" for nb, gid, _ in ALL_HINTS])
def test_hint_is_short_words_without_code(notebook, grade_id, hint):
    assert len(hint) <= MAX_CHARS, f"{notebook} {grade_id}: the hint has {len(hint)} characters (at most {MAX_CHARS})"
    assert not code_in(hint), f"{notebook} {grade_id}: the hint contains code: {code_in(hint)}\n  {hint}"
    # One quoting style for every stub, raise NotImplementedError('Hint: ...') (tests/test_grade.py relies on it).
    assert not re.search("['\"]", hint), f"{notebook} {grade_id}: write the hint without quotes or apostrophes"


@pytest.mark.parametrize("hint", OLD_HINTS)
def test_detector_flags_code(hint):
    assert code_in(hint), f"the detector lets this code through: {hint}"


@pytest.mark.parametrize("hint", NEW_HINTS)
def test_detector_passes_words(hint):
    assert not code_in(hint), f"the detector flags a plain-words hint: {code_in(hint)}"


def test_new_examples_are_in_the_notebooks():
    """The examples above are real hints, so the detector is tested on what students see."""
    current = {hint for _, _, hint in ALL_HINTS}
    assert not [h for h in NEW_HINTS if h not in current]
    assert not [h for h in OLD_HINTS if h in current]
