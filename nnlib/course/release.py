"""Build the bundle a class hands out to students: lectures, exercises, nnlib and its checks — no
solutions, no hidden tests, no answer-bearing test data.

    python -m nnlib.course.release [OUT]      # default: release/ (made afresh), plus OUT.zip

What goes in: lectures/, exercises/ (regenerated from solutions/ first, so they are current), nnlib/
(the library, its data and its public checks; of nnlib/course only the wire the checks use), requirements.txt, pyproject.toml, LICENSE, a student
README and a Makefile with `make lab`. What stays out: solutions/, tests/ (its wrong answers are
variations of the solutions), scripts/, benchmarks/ and the grading tools' data. The build fails if any
file it wrote contains a solution or hidden-test marker.

Self-study needs none of this: clone the whole repository (solutions included) and work through it.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from . import exercises

ROOT = Path(__file__).resolve().parents[2]
TOP_FILES = ("pyproject.toml", "LICENSE")
NOT_FOR_STUDENTS = ("nbgrader", "nbval", "pytest", "playwright", "# The browser test", "# browser download")   # grading and testing tools: not in the student's environment
FOLDERS = ("lectures", "exercises", "nnlib")
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
COURSE_KEPT = ("__init__.py", "wire.py", "environment.py")   # of nnlib/course: what the checks and `make lab`
                                                            # use; the grading tools stay out

README = """\
# Neural Networks from Scratch — student edition

Lectures build a neural-network library, `nnlib`, from linear regression to LSTMs; after each
lecture you write the key pieces yourself in the exercise notebook of the same number.

## Start here
1. Install (Python 3.10–3.13): `make lab` — it creates `.venv`, installs everything and opens
   JupyterLab. Without `make`: `python3 -m venv .venv`, `.venv/bin/pip install -r requirements.txt`,
   `.venv/bin/jupyter lab` (Windows: `.venv\\Scripts\\...`).
2. In order, for each number: read `lectures/NN_topic.ipynb` (run it top to bottom), then solve
   `exercises/NN_topic.ipynb`.
3. In an exercise, write your code in the cells that say `raise NotImplementedError("Hint: ...")`,
   then run the check cell below it: ✓ lines when it is right, one ✗ line saying what is wrong
   otherwise. Do not edit the check cells (grading restores them anyway).
4. Hand in the exercise notebook under its own name, `NN_topic.ipynb` (a copy such as
   `NN_topic (1).ipynb` is fine; another number or topic is not found). Only your answer cells are
   graded, with the same checks on new random inputs: keep helper code inside your answer cells.

To start one exercise over without losing the others, copy `exercises/NN_topic.ipynb` from a fresh
download of this bundle over yours (or keep a copy before you start).
"""

MAKEFILE = """\
# `make lab`: create .venv on first use (again when requirements change) and open JupyterLab.
PYTHON ?= python3
BIN    := .venv/bin

lab: .venv/.installed
\t$(BIN)/jupyter lab --notebook-dir=. $(LAB_ARGS)

setup: .venv/.installed

.venv/.installed: requirements.txt pyproject.toml
\ttest -x $(BIN)/python || $(PYTHON) -m venv .venv
\t$(BIN)/python -m pip install --quiet --upgrade pip
\t$(BIN)/python -m pip install --quiet -r requirements.txt
\t$(BIN)/python -m nnlib.course.environment
\ttouch .venv/.installed

.PHONY: lab setup
"""


def leaks(folder: Path) -> list[str]:
    """Files under `folder` that contain a solution or hidden-test marker."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".py", ".md", ".txt", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(folder)}: {m}" for m in MARKERS if m in text]
    return found


def build(out: Path, root: Path = ROOT) -> Path:
    """Write the student bundle to `out` (replaced) and `out`.zip; returns the zip's path."""
    exercises.write_all(root / "solutions", root / "exercises")   # current with the solutions
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for folder in FOLDERS:
        shutil.copytree(root / folder, out / folder, ignore=SKIP)
    for path in (out / "nnlib" / "course").iterdir():
        if path.name not in COURSE_KEPT:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for name in TOP_FILES:
        shutil.copy2(root / name, out / name)
    requirements = (root / "requirements.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "requirements.txt").write_text("".join(l for l in requirements if not l.startswith(NOT_FOR_STUDENTS)),
                                          encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    (out / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    found = leaks(out)
    if found:
        shutil.rmtree(out)
        raise SystemExit("release: these files would give answers away:\n  " + "\n  ".join(found))
    return Path(shutil.make_archive(str(out), "zip", out.parent, out.name))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlib.course.release", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "release", help="the folder to write")
    args = parser.parse_args(argv)
    archive = build(args.out.resolve())
    n_files = sum(1 for p in args.out.rglob("*") if p.is_file())
    print(f"release: {args.out}/ ({n_files} files) and {archive.name}: lectures, exercises, nnlib; "
          "no solutions, no hidden tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
