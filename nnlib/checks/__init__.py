"""Exercise checks: `check("01.mse_grad", mse_grad)` after each exercise.

A check calls the student's function on fresh random inputs (shapes and values drawn from a seed),
compares with values computed independently (numeric gradients, nnlib's own implementation, a plain
loop) and prints one line per passed property:

    ✓ mse_grad returns dw with shape (3,) and db as a number
    ✓ mse_grad matches the numeric gradient on 3 random problems (worst relative error 2.1e-10)

On the first failure it raises CheckFailed, which Jupyter shows as one red line saying what is wrong,
specifically, without a traceback (the cell fails, so the notebook stops there):

    ✗ mse_grad: dw differs from the numeric gradient by 3.3e-01 (relative); worst at dw[1]: yours 0.84, numeric 1.26

Hidden tests in the graded copy call the same checks with other seeds: `check(..., seed=7)`.
Each lecture's checks live in `lecNN.py` and register themselves with `@exercise("NN.name")`.
"""
from __future__ import annotations

import importlib
import time
import traceback
from typing import Callable

import numpy as np

from ..gradcheck import compare_gradients, rel_error
from ..validate import shape_str

_REGISTRY: dict[str, Callable] = {}


class CheckFailed(AssertionError):
    """Raised by a check that found a mistake; its message says what is wrong."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback: the student reads the one line that says
        # what is wrong, not 20 lines of the checker's code. The cell still fails (an error reply).
        return [_red(f"✗ {self}")]


def _red(text: str) -> str:
    return f"\x1b[0;31m{text}\x1b[0m"


def _shown_as(exc: BaseException, line: str) -> BaseException:
    """`exc`, shown in Jupyter as the single red `line` instead of its traceback (its type, and so the
    cell's error name, stay what they are)."""
    try:
        exc._render_traceback_ = lambda: [_red(line)]
    except (AttributeError, TypeError):   # an exception type without a __dict__: shown as usual
        pass
    return exc


class NotDone(CheckFailed):
    """The exercise still raises NotImplementedError."""


def exercise(key: str):
    """Register a check function `fn(answer, rng, report)` under `key`, e.g. '01.mse'."""
    def register(fn):
        _REGISTRY[key] = fn
        return fn
    return register


def _load(key: str) -> Callable:
    if key not in _REGISTRY:
        module = "lec" + key.split(".")[0]
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError:
            pass
    if key not in _REGISTRY:
        raise KeyError(f"no check called {key!r}; known: {sorted(_REGISTRY)}")
    return _REGISTRY[key]


class Report:
    """Collects the lines a check prints; `ok(msg)` for a passed property, `fail(msg)` to stop."""

    def __init__(self, name: str, quiet: bool = False):
        self.name, self.quiet, self.passed = name, quiet, []

    def ok(self, msg: str) -> None:
        self.passed.append(msg)
        if not self.quiet:
            print(f"✓ {msg}")

    def fail(self, msg: str):
        raise CheckFailed(f"{self.name}: {msg}")


def check(key: str, answer, seed: int = 0, quiet: bool = False) -> None:
    """Run the check registered as `key` on `answer` (usually a function); raise CheckFailed with a
    specific message on the first mistake.

    Returns None on purpose: a check cell ending in check(...) must have no result, or Jupyter would
    show it as Out[..] and nbgrader would read a number there as partial credit.
    """
    fn = _load(key)
    name = getattr(answer, "__name__", key.split(".")[-1])
    report = Report(name, quiet)
    try:
        fn(answer, np.random.default_rng(seed), report)
    except NotImplementedError as exc:
        hint = f" ({exc})" if str(exc) else ""
        raise NotDone(f"{name} is not implemented yet{hint}") from None
    except CheckFailed:
        raise
    except Exception as exc:
        # The student's code crashed: one line saying what it raised and on which line of their code.
        # (A call that ran in the grader's kernel brings the exception's name and place with it.)
        where = getattr(exc, "student_where", None)
        where = student_line(exc) if where is None else where
        raise _shown_as(exc, f"✗ {name} raised {getattr(exc, 'student_ename', type(exc).__name__)}: {exc}{where}")


def student_line(exc: BaseException) -> str:
    """' (at line 4: return x @ w)' for the innermost frame outside nnlib and numpy: the student's code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not any(lib in f.filename.replace("\\", "/") for lib in ("/nnlib/", "/numpy/"))]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at line {f.lineno}: {f.line})" if f.line else f" (at line {f.lineno})"


# -- helpers that checks use to compare, each failing with a specific message ------------------

def call(report: Report, fn, *args, what: str | None = None, names: tuple | None = None):
    """Call the student's function on copies of the arguments and fail if it modified them.

    names: the parameters' names as the exercise states them, so the message can say which one changed."""
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    out = fn(*copies)
    for i, (a, c) in enumerate(zip(args, copies)):
        if isinstance(a, np.ndarray) and (a.shape != c.shape or not np.array_equal(a, c, equal_nan=True)):
            which = f"argument {i + 1} ({names[i]})" if names and i < len(names) else f"argument {i + 1}"
            report.fail(f"it modified its {which} in place; compute a new array instead "
                        "(e.g. x = x + 1, not x += 1)")
    return out


def call_many(fn, n: int, *args) -> list:
    """[fn(*args) for _ in range(n)], the same arguments each time (an rng among them moves on from call to
    call). When fn runs in the grader's kernel, all n calls are one round trip."""
    many = getattr(fn, "call_many", None)
    return many(n, *args) if many is not None else [fn(*args) for _ in range(n)]


def expect_tuple(report: Report, got, fn_name: str, names: tuple):
    """Fail unless `got` is a tuple of len(names) values, e.g. names=("dw", "db"); returns it."""
    if not (isinstance(got, tuple) and len(got) == len(names)):
        desc = type(got).__name__ + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
        report.fail(f"{fn_name} should return a tuple ({', '.join(names)}), got {desc}")
    return got


def expect_array(report: Report, got, shape: tuple, what: str, dtype_kind: str = "f"):
    """Fail unless `got` is an ndarray of `shape` (and of float kind unless dtype_kind says otherwise)."""
    if np.isscalar(got) and shape == ():
        got = np.asarray(got)
    if not isinstance(got, np.ndarray):
        report.fail(f"{what} should be a NumPy array of shape {shape_str(shape)}, got {type(got).__name__}")
    if got.shape != tuple(shape):
        hint = " (transposed?)" if got.shape == tuple(shape)[::-1] and len(shape) == 2 else ""
        report.fail(f"{what} has shape {shape_str(got.shape)}, expected {shape_str(shape)}{hint}")
    if dtype_kind and got.dtype.kind not in dtype_kind:
        report.fail(f"{what} has dtype {got.dtype}, expected a {'float' if dtype_kind == 'f' else dtype_kind} array")
    if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
        bad = np.unravel_index(np.argmax(~np.isfinite(got)), got.shape) if got.ndim else ()
        report.fail(f"{what} contains {got[bad]} at index {tuple(int(i) for i in bad)}")
    return got


def expect_number(report: Report, got, what: str) -> float:
    """Fail unless `got` is a real number (a Python/NumPy scalar or a 0-d / size-1 array is fine)."""
    arr = np.asarray(got) if isinstance(got, (int, float, np.number, np.ndarray)) else None
    if arr is None or arr.size != 1 or arr.dtype.kind not in "iuf":
        desc = f"an array of shape {shape_str(arr.shape)}" if arr is not None and arr.size != 1 else type(got).__name__
        report.fail(f"{what} should be a single number, got {desc}")
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        report.fail(f"{what} is {value}")
    return value


def expect_close(report: Report, got, expected, what: str, rtol: float = 1e-6, atol: float = 1e-9,
                 advice: str = "") -> float:
    """Fail naming the worst element unless got ≈ expected; returns the worst absolute difference.

    advice: appended to the message, e.g. ". v_new is momentum * v + g"."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        report.fail(f"{what} has shape {shape_str(got.shape)}, expected {shape_str(expected.shape)}")
    diff = np.abs(got - expected)
    bad = ~(diff <= atol + rtol * np.abs(expected))   # written so that nan and inf count as wrong
    if np.any(bad):
        idx = np.unravel_index(np.argmax(np.where(bad, diff, -1)), got.shape) if got.ndim else ()
        where = f"{what}[{', '.join(str(int(i)) for i in idx)}]" if idx else what
        report.fail(f"{where} is {got[idx]:.6g}, expected {expected[idx]:.6g} "
                    f"({int(bad.sum())} of {bad.size} values wrong){advice}")
    return float(diff.max()) if diff.size else 0.0


def expect_gradient(report: Report, got, numeric, what: str, tol: float = 1e-6) -> float:
    """Fail with 'dw differs from the numeric gradient by 3e-2 at dw[1]' unless they agree."""
    expect_array(report, got, np.shape(numeric), what)
    err, msg = compare_gradients(got, numeric, what, tol)
    if msg:
        report.fail(msg)
    return err


def index_str(idx) -> str:
    """(0, 1, 2) -> '[0, 1, 2]', the way checks print an element's position."""
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def worst_mismatch(what: str, got, expected) -> str:
    """'output[0, 1, 2, 3] is 0.53, expected 1.2' at the element where got and expected differ most."""
    idx = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
    return f"{what}{index_str(idx) if idx else ''} is {got[idx]:.4g}, expected {expected[idx]:.4g}"


def matches(a, b, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Same shape and allclose: what a check accepts as the right values."""
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)


def expect_values(report: Report, got, expected, what: str, mistakes=(), zeros_hint: str = "") -> None:
    """Fail unless got ≈ expected, naming the likely cause: an all-zero answer (with zeros_hint), or the
    first known mistake whose result got matches. mistakes: (cause, fn) pairs; fn() computes what that
    mistake returns (called only when the values are wrong; it may return None when it does not apply)."""
    if matches(got, expected):
        return
    if zeros_hint and not np.any(got) and np.any(expected):
        report.fail(f"{worst_mismatch(what, got, expected)}: all of {what} is 0 — {zeros_hint}")
    for cause, wrong in mistakes:
        alt = wrong()
        if alt is not None and matches(got, alt):
            report.fail(f"{worst_mismatch(what, got, expected)} — {cause}")
    expect_close(report, got, expected, what, rtol=1e-6, atol=1e-8)


def expect_gradient_diagnosed(report: Report, got, numeric, what: str, diagnoses=(), zeros_hint: str = "") -> float:
    """expect_gradient, but on a mismatch first name the likely cause: an all-zero gradient, or the first
    known mistake whose result got matches. diagnoses: (cause, fn) pairs, fn() computing what that mistake
    returns (called only when needed). Most of those are numeric gradients themselves, so they are compared
    with a norm-based tolerance (relative error below 1e-5), not element by element."""
    got = expect_array(report, got, np.shape(numeric), what)
    err, msg = compare_gradients(got, numeric, what)
    if not msg:
        return err
    if not np.any(got) and np.any(numeric):
        idx = np.unravel_index(np.argmax(np.abs(numeric)), numeric.shape)
        report.fail(f"{what} is all zeros; the numeric gradient is not (e.g. {what}{index_str(idx)} = "
                    f"{numeric[idx]:.4g})" + (f": {zeros_hint}" if zeros_hint else ""))
    for cause, wrong in diagnoses:
        alt = wrong()
        if alt is not None and np.shape(alt) == np.shape(got) and rel_error(got, alt) < 1e-5:
            report.fail(f"{worst_mismatch(what, got, numeric)} (numeric gradient) — {cause}")
    return expect_gradient(report, got, numeric, what)


def best_time(fn, args=(), repeat: int = 3, budget: float = float("inf")) -> float:
    """The fastest of `repeat` runs of fn(*args), in seconds: the minimum is the least disturbed by other
    load. Stops early once `budget` seconds are spent (a slow answer need not be timed five times)."""
    best, spent = float("inf"), 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        dt = time.perf_counter() - t0
        if getattr(fn, "seconds", None) is not None:   # it ran in the grader's kernel: its own time there
            dt = fn.seconds
        best, spent = min(best, dt), spent + dt
        if spent > budget:
            break
    return best
