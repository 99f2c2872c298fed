"""The exercise pipeline: exercises/ is generated from solutions/, and every check bites.

For each solution notebook, in one kernel: run it top to bottom (every check passes), then for each
plausible wrong answer in wrong_answers.py re-define the answer with the mistake, run its check cell
and require it to FAIL with the specific message, then restore the right answer. For each generated
exercise notebook: run it and require every check cell to fail on the stub (NotDone).
"""
import copy
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from nnlib.course import exercises
from wrong_answers import WRONG_ANSWERS

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = exercises.sources(ROOT / "solutions")
BITE_REPORT: dict[str, dict] = {}  # printed at the end of the run by conftest.py


def meta(cell):
    return cell.metadata.get("nbgrader", {})


def graded_ids(nb):
    return [meta(c)["grade_id"] for c in nb.cells if meta(c).get("grade")]


def cell_index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if meta(c).get("grade_id") == grade_id)


def corrupt(source: str, wrong) -> str:
    """The answer cell's source with its solution region rewritten as `wrong` says."""
    lines = source.split("\n")
    begin = next(i for i, l in enumerate(lines) if exercises.BEGIN in l)
    end = next(i for i, l in enumerate(lines) if exercises.END in l)
    indent = re.match(r"\s*", lines[begin]).group(0)
    region = "\n".join(lines[begin + 1:end])
    if wrong.sub:
        old, new = wrong.sub
        assert old in region, f"{wrong}: {old!r} does not occur in the solution of {wrong.answer}"
        region = region.replace(old, new, 1)
    else:
        region = textwrap.indent(wrong.code, indent)
    return "\n".join(lines[:begin] + [region] + lines[end + 1:])


def run_cell(client, nb, index, source=None):
    """Execute cell `index` of `nb` (optionally with other source); return the CellExecutionError or None.

    The client runs a deep copy of the notebook (nbclient writes each executed cell back into the
    notebook it was given), so `nb` keeps the original sources for restoring right answers.
    """
    cell = nbformat.from_dict(copy.deepcopy(nb.cells[index]))
    if source is not None:
        cell.source = source
    try:
        client.execute_cell(cell, index)
    except CellExecutionError as exc:
        return exc
    return None


def kernel_client(nb, folder):
    return NotebookClient(copy.deepcopy(nb), timeout=120, kernel_name="python3",
                          resources={"metadata": {"path": str(folder)}})


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_exercises_are_generated_from_solutions(path):
    target = ROOT / "exercises" / path.name
    assert target.exists() and target.read_text(encoding="utf-8") == exercises.render(exercises.build(path)), (
        f"exercises/{path.name} is not what solutions/{path.name} generates: run `make exercises`")
    generated = nbformat.read(target, as_version=4)
    for cell in generated.cells:
        assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source
        if meta(cell).get("solution"):
            assert re.search(r"raise NotImplementedError\(['\"]Hint: ", cell.source)
        if meta(cell).get("grade"):
            assert cell.metadata.get("editable") is False and cell.metadata.get("deletable") is False


def test_every_exercise_has_its_solution():
    orphans = [p.name for p in (ROOT / "exercises").glob("*.ipynb") if not (ROOT / "solutions" / p.name).exists()]
    assert not orphans, f"exercises without a solution notebook (delete them or restore the source): {orphans}"


def test_regeneration_is_byte_identical(tmp_path):
    first = exercises.write_all(ROOT / "solutions", tmp_path)
    before = {n: (tmp_path / n).read_bytes() for n in first}
    exercises.write_all(ROOT / "solutions", tmp_path)
    assert before == {n: (tmp_path / n).read_bytes() for n in first}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_check_has_a_wrong_answer(path):
    nb = nbformat.read(path, as_version=4)
    covered = {w.check for w in WRONG_ANSWERS.get(path.stem, [])}
    missing = [g for g in graded_ids(nb) if g not in covered]
    assert not missing, f"{path.name}: no plausible wrong answer proves these checks can fail: {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_checks_pass_on_solution_and_catch_wrong_answers(path):
    nb = nbformat.read(path, as_version=4)
    client = kernel_client(nb, path.parent)
    caught = []
    with client.setup_kernel():
        for i in range(len(nb.cells)):
            if nb.cells[i].cell_type == "code":
                err = run_cell(client, nb, i)
                assert err is None, f"{path.name} cell {i} fails on the solution:\n{err}"
        for wrong in WRONG_ANSWERS.get(path.stem, []):
            a, c = cell_index(nb, wrong.answer), cell_index(nb, wrong.check)
            assert run_cell(client, nb, a, corrupt(nb.cells[a].source, wrong)) is None, f"{wrong}: does not run"
            err = run_cell(client, nb, c)
            assert err is not None, f"{path.name}: check {wrong.check} PASSED a wrong answer ({wrong})"
            assert re.search(wrong.expect, str(err)), (
                f"{path.name}: check {wrong.check} caught '{wrong}' but not with the expected message "
                f"/{wrong.expect}/; it said:\n{err.evalue if hasattr(err, 'evalue') else err}")
            caught.append(wrong.check)
            assert run_cell(client, nb, a) is None  # restore the right answer for the next entry
    BITE_REPORT.setdefault(path.stem, {}).update(checks=len(graded_ids(nb)), wrong_caught=len(caught))


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_check_fails_on_the_stub(path):
    exercise_path = ROOT / "exercises" / path.name
    nb = nbformat.read(exercise_path, as_version=4)
    client = kernel_client(nb, exercise_path.parent)
    outcome = {}
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                err = run_cell(client, nb, i)
                if meta(cell).get("grade"):
                    outcome[meta(cell)["grade_id"]] = getattr(err, "ename", None)
    passed_on_stub = [g for g, ename in outcome.items() if ename is None]
    assert not passed_on_stub, f"{path.name}: these checks PASS on the unfilled stub: {passed_on_stub}"
    not_done = [g for g, ename in outcome.items() if ename != "NotDone"]
    assert not not_done, f"{path.name}: these checks fail on the stub but do not say 'not implemented yet': {not_done}"
    BITE_REPORT.setdefault(path.stem, {}).update(fail_on_stub=len(outcome))
