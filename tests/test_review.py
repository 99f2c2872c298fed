"""The "review by hand" flag (nnlib.course.review): answer cells read as code, not as text."""
import json
import time
from pathlib import Path

import pytest

from nnlib.course.review import review

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def cells_of(path: Path) -> tuple[list[str], list[str]]:
    """(answer cells, other code cells) of a notebook, as source strings."""
    answers, others = [], []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") is True:
            answers.append(source)
        elif cell["cell_type"] == "code":
            others.append(source)
    return answers, others


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_answer_cell_gives_no_flag(path):
    answers, others = cells_of(path)
    assert answers
    assert {source: review([source]) for source in answers} == dict.fromkeys(answers, [])
    assert review(answers, context=others) == []


ORDINARY = '''\
import numpy as np
import numpy.linalg as LA
from numpy import *
from numpy.random import default_rng
import math
import nnlib
from nnlib import Linear, ReLU, Sequential
from nnlib.functional import sigmoid


class Scaler(nnlib.Layer):
    """Scales by a constant. get_ipython, exec and __globals__ are only words here."""

    def __init__(self, factor: float = 2.0):
        super().__init__()
        self.factor = factor
        self.cache = {}

    @staticmethod
    def name():
        return f"scaler {math.pi:.2f}"

    def forward(self, x):
        self.cache["x"] = x
        return x * self.factor


def train(X, y, lr=0.1, epochs=10, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=X.shape[1]) / math.sqrt(X.shape[1])
    losses = []
    for i in range(epochs):
        grad = 2 * X.T @ (X @ w - y) / len(y)
        w -= lr * grad
        losses.append(float(np.mean((X @ w - y) ** 2)))
    best = max(range(len(losses)), key=lambda i: -losses[i])
    squares = [v ** 2 for v in losses if v > 0]
    return w, LA.norm(w), best, squares, {k: v for k, v in enumerate(losses)}
'''


def test_ordinary_exercise_code_gives_no_flag():
    assert review([ORDINARY]) == []


def test_comments_and_strings_never_count():
    assert review(["# don't use sys or exec here\n"
                   "def f(x):\n"
                   '    """Never calls get_ipython() or In[-1] or np.any = 0."""\n'
                   "    s = 'import os; exec(open(\"x\").read()); __import__(\"sys\")'\n"
                   "    return x  # nnlib.checks, gc.get_objects(), __builtins__\n"]) == []


ATTACKS = [
    ("np.any = lambda *a, **k: False", "assigns to an attribute of the imported module np (np.any = ...)"),
    ("np.linalg.norm = lambda *a, **k: 0.0",
     "assigns to an attribute of the imported module np (np.linalg.norm = ...)"),
    ("import gc; gc.get_objects()", "imports gc"),
    ("import gc; gc.get_objects()", "uses gc"),
    ("sys.setprofile(lambda *a: None)", "uses sys"),
    ("exec(bytes.fromhex('7072696e7428312b3129'))", "calls exec"),
    ("getattr(np, 'a' + 'ny')", "calls getattr"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    frame = e.__traceback__.tb_frame.f_back",
     "uses the dunder attribute __traceback__"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    frame = e.__traceback__.tb_frame.f_back",
     "uses the traceback attribute tb_frame"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    frame = e.__traceback__.tb_frame.f_back",
     "uses the frame attribute f_back"),
    ("leak = In[-1]", "uses In (IPython's input history)"),
    ("leak = _i3 + _ii", "uses _i3 (IPython's input history)"),
    ("get_ipython().input_transformers_post.append(lambda lines: lines)", "uses get_ipython"),
    ("𝐠𝐞𝐭_𝐢𝐩𝐲𝐭𝐡𝐨𝐧().user_ns['In'][-1]", "uses get_ipython"),   # mathematical bold: the parser normalises it
    ("import importlib", "imports importlib"),
    ("__builtins__['eval']('1')", "uses the name __builtins__"),
    ("type(x).__subclasses__()", "uses the dunder attribute __subclasses__"),
    ("f.__globals__['check'] = None", "uses the dunder attribute __globals__"),
    ("def f(): pass\ng = (lambda: (yield))()\ng.gi_frame.f_globals", "uses the generator attribute gi_frame"),
    ("x = vars(np)", "calls vars"),
    ("opener = open", "uses open"),
    ("__import__('os')", "calls __import__"),
    ("import nnlib.checks, nnlib.checks.lec01", "imports nnlib.checks"),
    ("import nnlib.checks.lec01", "imports nnlib.checks.lec01"),
    ("from nnlib import checks", "imports nnlib.checks"),
    ("from nnlib.course import grade", "imports nnlib.course"),
    ("from nnlib import _LAZY_SUBMODULES", "imports nnlib._LAZY_SUBMODULES"),
    ("import nnlib._private", "imports nnlib._private"),
    ("from . import x", "imports ."),
    ("nnlib.checks.lec01.expect_close = lambda *a, **k: 0.0",
     "assigns to an attribute of the imported module nnlib (nnlib.checks.lec01.expect_close = ...)"),
    ("x = nnlib.checks.check", "uses nnlib.checks"),
    ("import numpy as xp\nxp.mean = len", "assigns to an attribute of the imported module xp (xp.mean = ...)"),
    ("m = np\nalias = m\nalias.any = all", "assigns to an attribute of the imported module alias (alias.any = ...)"),
    ("from numpy import linalg as la\nla.norm = abs",
     "assigns to an attribute of the imported name la (la.norm = ...)"),
    ("np.mean += 1", "assigns to an attribute of the imported module np (np.mean = ...)"),
    ("np.table[0] = 1", "assigns to an attribute of the imported module np (np.table[...] = ...)"),
    ("del np.linalg.norm", "deletes an attribute of the imported module np (del np.linalg.norm)"),
    ("for np.any in [all]:\n    pass", "assigns to an attribute of the imported module np (np.any = ...)"),
    ("def check(*args, **kwargs):\n    print('all good')", "def check"),
    ("check = lambda *args, **kwargs: None", "check = ..."),
    ("!cat /proc/self/environ", "uses IPython magics or shell commands"),
    ("for i in range(2):\n    !ls\nfiles = !ls\nx = %env", "uses IPython magics or shell commands"),
    ("%%bash\ncat /etc/passwd", "uses IPython magics or shell commands"),
    ("%%time\nimport sys", "imports sys"),   # a cell magic whose body is Python: the body is reviewed too
    ("def predict(X, w, b)\n    return X @ w", "has an answer cell that does not parse as Python"),
    ("x = 1\0", "has an answer cell that does not parse as Python"),
    ("x = np" + ".a" * 110_000, "too long to review automatically"),
    ("x = np" + ".a" * 30_000, "nested too deeply to review automatically"),
]


@pytest.mark.parametrize("source, flag", ATTACKS, ids=[f"{i}:{s[:30]}" for i, (s, _) in enumerate(ATTACKS)])
def test_attacks_are_flagged(source, flag):
    found = review([source])
    assert any(flag in f for f in found), found


@pytest.mark.parametrize("module", ["sys", "os", "os.path", "gc", "inspect", "importlib", "builtins", "ctypes",
                                    "IPython", "subprocess", "random", "time", "threading", "pickle", "nnlib.course"])
def test_imports_beyond_numpy_math_and_nnlib_are_flagged(module):
    assert f"imports {module}" in review([f"import {module}"])
    assert f"imports {module}" in review([f"import {module} as m"])


def test_imports_of_numpy_math_and_public_nnlib_are_not():
    assert review(["import numpy as np\nimport numpy.linalg\nfrom numpy.fft import fft\nfrom numpy import *\n"
                   "import math\nfrom math import sqrt\nimport nnlib\nfrom nnlib import Linear, fit\n"
                   "from nnlib.functional import relu\nfrom __future__ import annotations"]) == []


def test_flags_are_sorted_each_once_over_all_cells():
    found = review(["exec('1')", "import sys\nexec('2')", "sys.exit()"])
    assert found == ["calls exec", "imports sys", "uses sys"]


def test_context_makes_imports_of_other_cells_known_without_reviewing_them():
    assert review(["Linear.forward = lambda self, x: x"]) == []
    assert review(["Linear.forward = lambda self, x: x"], context=["import sys\nfrom nnlib import Linear"]) == [
        "assigns to an attribute of the imported name Linear (Linear.forward = ...)"]


def test_long_cells_are_reviewed_in_linear_time():
    chain = "\n".join(f"a{i + 1} = a{i}" for i in range(10_000)) + "\na0 = np\na10000.any = all"
    start = time.monotonic()
    assert review([chain]) == ["assigns to an attribute of the imported module a10000 (a10000.any = ...)"]
    assert review(["x = 1\n" * 30_000]) == []
    assert time.monotonic() - start < 5
