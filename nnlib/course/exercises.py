"""Generate exercises/ from solutions/ — the one way exercise notebooks are made.

    python -m nnlib.course.exercises            # (re)write exercises/NN_topic.ipynb for every solution
    python -m nnlib.course.exercises --check    # exit 1 if exercises/ is not what this would write
    python -m nnlib.course.exercises solutions/02_logistic_regression.ipynb   # just the named ones

A solution notebook marks its answers and hidden tests with nbgrader's markers, in cells carrying
nbgrader metadata (answer cells: solution; check cells: grade, with points and a grade_id):

    def mse(y_pred, y):
        ### BEGIN SOLUTION: square the differences, then average them
        return np.mean((y_pred - y) ** 2)
        ### END SOLUTION

Text after "BEGIN SOLUTION" is the hint: the exercise gets
`raise NotImplementedError("Hint: square the differences, then average them")`. A hint points to
the idea, the shape or the formula in words, never to the code to type (tests/test_hints.py).
nbgrader itself matches the markers as substrings, so the same file works with `nbgrader
generate_assignment` (which writes its default stub instead of the hint).

The work is done by nbgrader's own preprocessors (clear solutions, clear hidden tests, clear
outputs, lock cells), applied to flat files; the result is byte-identical on regeneration.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions, LockCells

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"


def hint_of(source: str) -> str:
    """The text after 'BEGIN SOLUTION' on the first marker line (':' and spaces stripped)."""
    for line in source.splitlines():
        if BEGIN in line:
            hint = line.split(BEGIN, 1)[1].strip().lstrip(":").strip()
            return hint or "replace this line with your code"
    return "replace this line with your code"


def stub_for(source: str) -> str:
    return f"raise NotImplementedError({('Hint: ' + hint_of(source))!r})"


class ClearSolutionsWithHints(ClearSolutions):
    """nbgrader's ClearSolutions, with the stub carrying the hint written on the cell's marker line."""

    def _replace_solution_region(self, cell, language):
        self.code_stub = dict(self.code_stub, python=stub_for(cell.source))
        return super()._replace_solution_region(cell, language)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def validate_source(nb, name: str) -> None:
    """Refuse a solution notebook whose markup would make a broken exercise."""
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    problems = [f"duplicate grade_id {d!r}" for d in dupes]
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code" and BEGIN not in cell.source:
            problems.append(f"cell {i} ({meta.get('grade_id')}) is a solution cell without '### {BEGIN}' markers: "
                            "the whole cell would be replaced")
        if meta.get("grade") and not meta.get("points"):
            problems.append(f"cell {i} ({meta.get('grade_id')}) is graded but has no points")
        if (BEGIN in cell.source) != (END in cell.source):
            problems.append(f"cell {i} has unbalanced SOLUTION markers")
    if problems:
        raise ValueError(f"{name}: " + "; ".join(problems))


def build(source_path: pathlib.Path):
    """The exercise notebook generated from one solution notebook."""
    nb = nbformat.read(source_path, as_version=4)
    validate_source(nb, source_path.name)
    resources: dict = {}
    for step in (ClearSolutionsWithHints(), ClearHiddenTests(), ClearOutput(), LockCells()):
        nb, resources = step.preprocess(nb, resources)
    return nb


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def sources(solutions_dir: pathlib.Path = SOLUTIONS) -> list[pathlib.Path]:
    return sorted(solutions_dir.glob("[0-9][0-9]_*.ipynb"))


def stale(solutions_dir: pathlib.Path = SOLUTIONS, exercises_dir: pathlib.Path = EXERCISES) -> list[str]:
    """Names of exercise notebooks that are missing, different, or have no solution behind them."""
    wanted = {p.name: render(build(p)) for p in sources(solutions_dir)}
    out = [name for name, text in wanted.items()
           if not (exercises_dir / name).exists() or (exercises_dir / name).read_text(encoding="utf-8") != text]
    out += [p.name + " (no solution)" for p in sorted(exercises_dir.glob("*.ipynb")) if p.name not in wanted]
    return out


def write_all(solutions_dir: pathlib.Path = SOLUTIONS, exercises_dir: pathlib.Path = EXERCISES,
              only: list[pathlib.Path] | None = None) -> list[str]:
    exercises_dir.mkdir(exist_ok=True)
    written = []
    for path in only or sources(solutions_dir):
        (exercises_dir / path.name).write_text(render(build(path)), encoding="utf-8", newline="\n")
        written.append(path.name)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Generate exercises/ from solutions/.")
    parser.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path, help="solution notebooks to build (default: all)")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale()
        for name in bad:
            print(f"out of date: exercises/{name}  (run: make exercises)")
        return 1 if bad else 0
    for name in write_all(only=[p.resolve() for p in args.notebooks] or None):
        print(f"wrote exercises/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
