"""Plausible wrong answers, one or more per graded check: the proof that each check can fail.

One module per solution notebook, `nbNN.py`, holding NOTEBOOK (the notebook's stem) and WRONG,
a list of WrongAnswer. Each entry rewrites the solution region of an answer cell (between the
SOLUTION markers), either by substituting `sub=(old, new)` (old must occur there) or by replacing it
with `code`, and names the check cell (grade_id) that must then fail with a message matching
`expect` (a regex searched in the error the check raises). tests/test_exercises.py applies them all.
"""
import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    answer: str          # grade_id of the answer cell to corrupt
    check: str           # grade_id of the check cell that must catch it
    why: str             # the mistake, as a student would make it
    expect: str          # regex the check's error message must contain
    sub: tuple = None    # (old, new) substitution inside the solution region
    code: str = None     # or: the whole solution region replaced by this code

    def __str__(self):
        return f"{self.answer}: {self.why}"


def load_all() -> dict:
    """{notebook stem: [WrongAnswer, ...]} from every nbNN module in this package."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.NOTEBOOK] = module.WRONG
    return found


WRONG_ANSWERS = load_all()
