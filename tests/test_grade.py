"""The bulk autograder (nnlib.course.grade): real submissions, built from exercise 01, good and bad.

The fast tests check the pieces (finding submissions, rebuilding the notebook, cleaning messages).
The slow ones run the grader once on a folder of adversarial students — each a real notebook whose
answer cells were replaced — and check every student's row and feedback, and that no kernel is left
running. Timeouts are small (cell 8 s, notebook 32 s) so the whole run takes about a minute.
"""
import csv
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nnlib.course import grade
from nnlib.course.submissions import feedback_folder_names, read_answers, spreadsheet_safe

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "01_linear_regression.ipynb"
EXERCISE = ROOT / "exercises" / "01_linear_regression.ipynb"
CHECKS = ["check_predict", "check_mse", "check_mae", "check_mse_grad", "check_gd_step", "check_train",
          "check_closed_form"]
CELL_TIMEOUT, NOTEBOOK_TIMEOUT = 8, 32
BWRAP = shutil.which("bwrap") is not None
SANDBOX, SANDBOX_MESSAGE = grade.sandbox_check(grade.Settings()) if BWRAP else (False, "bwrap is not installed")


# -- building submissions ------------------------------------------------------------------------

def meta(cell):
    return cell.metadata.get("nbgrader", {})


def right_answers() -> dict:
    """grade_id -> the solution's answer code as a student would write it (markers removed)."""
    nb = nbformat.read(SOLUTION, as_version=4)
    return {meta(c)["grade_id"]: "\n".join(l for l in c.source.splitlines() if "SOLUTION" not in l)
            for c in nb.cells if meta(c).get("solution")}


RIGHT = right_answers()
WRONG_MAE = RIGHT["mae"].replace("np.abs(y_pred - y)", "y_pred - y")
WRONG_PREDICT = 'def predict(X, w, b):\n    return X @ w   # forgot the bias'


def submission(**answers):
    """The exercise notebook filled in correctly, except answers given as grade_id=source (None: the stub)."""
    nb = nbformat.read(EXERCISE, as_version=4)
    for cell in nb.cells:
        grade_id = meta(cell).get("grade_id")
        if meta(cell).get("solution"):
            source = answers.get(grade_id, RIGHT[grade_id])
            if source is not None:
                cell.source = source
    return nb


def stub_submission():
    return submission(**dict.fromkeys(RIGHT))


def cell_of(nb, grade_id):
    return next(c for c in nb.cells if meta(c).get("grade_id") == grade_id)


def save(nb, path: Path, mtime=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


NOTEBOOK = "01_linear_regression.ipynb"

IGNORES_INTERRUPT = '''\
def mse_grad(X, y, w, b):
    while True:
        try:
            while True:
                pass
        except KeyboardInterrupt:
            pass   # keeps running: only the grader's probe and kill stop this
'''
MONKEYPATCH = WRONG_MAE + '''
import nnlib.checks, nnlib.checks.lec01
nnlib.checks.expect_close = lambda *args, **kwargs: 0.0
nnlib.checks.lec01.expect_close = lambda *args, **kwargs: 0.0
nnlib.checks.check = lambda *args, **kwargs: None
from nnlib.checks import check
'''
LEAKER = '''\
def predict(X, w, b):
    cell = get_ipython().user_ns["In"][-1]   # the check cell being run, hidden tests included
    raise RuntimeError("the test was:" + cell.split("BEGIN HIDDEN TESTS")[-1])
'''
FORGER = '''\
import json, os, signal
forged = "".join(json.dumps({"cell": i, "status": "ok"}) + "\\n" for i in range(40)) + '{"done": true}\\n'
worker = os.getppid()
for fd in range(20):   # write "all cells passed" into every file the grading worker has open ...
    try:
        with open(f"/proc/{worker}/fd/{fd}", "a") as f:
            f.write(forged)
    except OSError:
        pass
os.kill(worker, signal.SIGKILL)   # ... and stop it before it writes the truth
'''
# Answers that solve nothing (they return zeros), each with a way to make checks in the same process
# pass. In the student's own kernel the first one scores 7/7 (test below); graded, all score 0.
ZERO = {
    "predict": "def predict(X, w, b):\n    {pre}return np.zeros(len(X))",
    "mse": "def mse(y_pred, y):\n    {pre}return 0.0",
    "mae": "def mae(y_pred, y):\n    {pre}return 0.0",
    "mse_grad": "def mse_grad(X, y, w, b):\n    {pre}return np.zeros(X.shape[1]), 0.0",
    "gd_step": "def gd_step(X, y, w, b, lr):\n    {pre}return w * 0, 0.0",
    "train": "def train(X, y, lr, epochs):\n    {pre}return np.zeros(X.shape[1]), 0.0, [0.0] * epochs",
    "closed_form": "def closed_form(X, y):\n    {pre}return np.zeros(X.shape[1]), 0.0",
}
FRAMES = '''import sys
def _silence():
    f = sys._getframe(1)
    while f is not None:   # up the stack to the check that called us: make its report's failures no-ops
        r = f.f_locals.get("report")
        if r is not None and hasattr(r, "fail"):
            r.fail = lambda msg: None
        f = f.f_back
'''
NUMPY_PATCH = '''import numpy
numpy.any = lambda *a, **k: False
numpy.allclose = lambda *a, **k: True
numpy.linalg.norm = lambda *a, **k: 0.0
_rng = numpy.random.default_rng
numpy.random.default_rng = lambda *a, **k: _rng(0)
'''
GC_AND_PROFILE = '''import gc, sys
for _obj in gc.get_objects():
    if isinstance(_obj, type) and _obj.__name__ == "Report":
        _obj.fail = lambda self, msg: None
def _copy_expected(frame, event, arg):   # copy what a check expects into the answer
    return None
sys.setprofile(_copy_expected)
'''
IPYTHON_MACHINERY = '''import sys
ip = get_ipython()
ip.input_transformers_post.append(lambda lines: [l for l in lines if "check" not in l] or ["pass\\n"])
type(ip.last_execution_result).success = property(lambda self: True)
class _Hook:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("nnlib.checks"):
            import nnlib.checks
            nnlib.checks.check = lambda *a, **k: None
        return None
sys.meta_path.insert(0, _Hook())
'''
# Inside the sandbox, pid 1 is the worker: write "all passed" into its files, kill and stop it; start
# a process in a session of its own that should outlive the notebook; fill /tmp.
FORGER_AS_PID_1 = '''import json, os, signal, subprocess
forged = "".join(json.dumps({"cell": i, "status": "ok"}) + "\\n" for i in range(40)) + '{"done": true}\\n'
for pid in {1, os.getppid()}:
    for fd in range(20):
        try:
            with open(f"/proc/{pid}/fd/{fd}", "a") as f:
                f.write(forged)
        except OSError:
            pass
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
subprocess.Popen(["sleep", "301"], start_new_session=True)   # nnlib-test-background
written = 0
try:
    with open("/tmp/fill", "wb") as f:
        for _ in range(2048):
            f.write(b"x" * 2**20)
            written += 1
except OSError:
    pass
TMP_MB = written
'''


def zeros(prelude: str = "", pre: str = "") -> dict:
    """The zero answers; `prelude` goes before predict, `pre` at the start of every function body."""
    answers = {k: v.format(pre=pre) for k, v in ZERO.items()}
    answers["predict"] = prelude + answers["predict"]
    return answers


PROBE = f'''\
import os, socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=3).close()
    net = "open"
except OSError:
    net = "blocked"
repo = os.path.exists({str(SOLUTION)!r})
raise RuntimeError(f"probe: repo={{repo}} net={{net}}")
'''


def adversarial_folder(folder: Path) -> None:
    """One folder per student (and one loose file), each a case the grader must survive."""
    save(submission(), folder / "alice" / NOTEBOOK)                                   # correct
    save(submission(mae=WRONG_MAE), folder / "bob" / NOTEBOOK)                        # one wrong answer
    (folder / "carol").mkdir()
    shutil.copy(EXERCISE, folder / "carol" / NOTEBOOK)                                # the stub untouched
    save(submission(mae="def mae(y_pred, y):\n    while True:\n        pass"), folder / "dave" / NOTEBOOK)
    save(submission(mse_grad=IGNORES_INTERRUPT), folder / "erin" / NOTEBOOK)
    save(submission(predict="import sys\ndef predict(X, w, b):\n    sys.exit('bye')"), folder / "frank" / NOTEBOOK)
    save(submission(gd_step="import os\nos._exit(1)"), folder / "gina" / NOTEBOOK)
    too_big = RIGHT["closed_form"].replace("    Xb =", "    scratch = bytearray(6 * 2**30)\n    Xb =")
    save(submission(train="_everything = np.ones(10**11)\n" + RIGHT["train"], closed_form=too_big),
         folder / "hank" / NOTEBOOK)                                                  # past the memory limit
    ivan = submission(predict=WRONG_PREDICT)
    cell_of(ivan, "check_predict").source = 'print("all good")'                       # edited check
    ivan.cells.remove(cell_of(ivan, "check_mse"))                                     # deleted check
    moved = cell_of(ivan, "check_mae")
    ivan.cells.remove(moved)
    ivan.cells.append(moved)                                                          # moved check
    ivan.cells.append(nbformat.v4.new_code_cell("raise SystemExit('scratch cells are not run')"))
    save(ivan, folder / "ivan" / NOTEBOOK)
    save(submission(predict=WRONG_PREDICT + "\n\ndef check(*args, **kwargs):\n    print('✓ all good')"),
         folder / "judy" / NOTEBOOK)
    save(submission(mae=MONKEYPATCH), folder / "kim" / NOTEBOOK)
    save(submission(predict="for _ in range(100_000):\n    print('spam ' * 20)\n" + RIGHT["predict"]),
         folder / "leo" / NOTEBOOK)                                                   # 10 MB of output
    (folder / "mia").mkdir()
    (folder / "mia" / NOTEBOOK).write_text('{"cells": [', encoding="utf-8")           # truncated JSON
    (folder / "nora").mkdir()
    (folder / "nora" / NOTEBOOK).write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")  # a PDF renamed
    (folder / "omar").mkdir()
    (folder / "omar" / "01_linear_regression.txt").write_text("def predict(X, w, b): ...")
    (folder / "pat").mkdir()                                                          # empty folder
    save(stub_submission(), folder / "quinn" / NOTEBOOK, mtime=time.time() - 3600)
    save(submission(), folder / "quinn" / "01_linear_regression (1).ipynb")            # newer: graded
    slow = {g: "import time\ntime.sleep(7)\n" + RIGHT[g] for g in ("predict", "mse", "mae", "mse_grad", "gd_step")}
    save(submission(**slow), folder / "ada" / NOTEBOOK)                               # past the notebook limit
    save(submission(predict=LEAKER), folder / "sam" / NOTEBOOK)
    save(submission(**{**dict.fromkeys(RIGHT), "predict": FORGER}), folder / "tom" / NOTEBOOK)
    save(submission(predict=PROBE), folder / "vera" / NOTEBOOK)
    save(submission(**zeros(FRAMES, "_silence()\n    ")), folder / "uma" / NOTEBOOK)
    save(submission(**zeros(NUMPY_PATCH)), folder / "walt" / NOTEBOOK)
    save(submission(**zeros(GC_AND_PROFILE)), folder / "xena" / NOTEBOOK)
    save(submission(**zeros(IPYTHON_MACHINERY)), folder / "yuri" / NOTEBOOK)
    forger = zeros(FORGER_AS_PID_1)
    forger["mse"] = "def mse(y_pred, y):\n    raise RuntimeError(f'/tmp took {TMP_MB} MB')"
    save(submission(**forger), folder / "yves" / NOTEBOOK)
    # The layout: links, look-alike names, a loose file beside a folder, names that are formulas, and
    # files built to cost the grader time and memory.
    (folder / "lars").mkdir()
    (folder / "lars" / NOTEBOOK).symlink_to(SOLUTION)                                  # a link to the answers
    (folder / "lena").symlink_to(folder / "alice", target_is_directory=True)            # a classmate's folder
    save(submission(mae=WRONG_MAE), folder / "bob smith" / NOTEBOOK)
    save(submission(), folder / "bob~smith" / NOTEBOOK)
    save(stub_submission(), folder / "v_alice" / NOTEBOOK)
    save(submission(), folder / "v_alice_01_linear_regression.ipynb")                  # not merged into v_alice/
    save(submission(), folder / "=HYPERLINK(1);=1+1" / NOTEBOOK)
    (folder / "deep").mkdir()
    (folder / "deep" / NOTEBOOK).write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}")
    (folder / "many").mkdir()
    with open(folder / "many" / NOTEBOOK, "w") as f:
        f.write('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [')
        f.write(",".join(['{"cell_type": "code", "source": "", "metadata": {}, "outputs": [], '
                          '"execution_count": null, "id": "x"}'] * 100_000) + "]}")
    save(submission(), folder / "zoe_01_linear_regression.ipynb")                     # the flat layout


# (status, score) per student; None: checked separately. A broken predict also fails check_train
# (train calls predict), as it would in the student's own notebook.
EXPECTED = {
    "alice": ("ok", 7), "bob": ("ok", 6), "carol": ("ok", 0), "dave": ("timeout", 6), "erin": ("timeout", 3),
    "frank": ("ok", 5), "gina": ("kernel died", 4), "hank": ("ok", 5), "ivan": ("ok", 5), "judy": ("ok", 5),
    "kim": ("ok", 6), "leo": ("ok", 7), "mia": ("invalid notebook", 0), "nora": ("invalid notebook", 0),
    "omar": ("missing", 0), "pat": ("missing", 0), "quinn": ("ok", 7), "ada": ("timeout", None),
    "sam": ("ok", 5), "tom": ("ok", None), "vera": ("ok", 5), "zoe": ("ok", 7),
    "uma": ("ok", 0), "walt": ("ok", 0), "xena": ("ok", 0), "yuri": ("ok", 0), "yves": ("ok", 0),
    "lars": ("invalid notebook", 0), "lena": ("invalid notebook", 0), "bob smith": ("ok", 6), "bob~smith": ("ok", 7),
    "v_alice": ("ok", 0), "=HYPERLINK(1);=1+1": ("ok", 7), "deep": ("invalid notebook", 0),
    "many": ("invalid notebook", 0),
}


def run_grader(submissions: Path, out: Path, *extra) -> subprocess.CompletedProcess:
    """`python -m nnlib.course.grade` as an instructor runs it; its temporary files go under out/tmp."""
    (out / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TMPDIR": str(out / "tmp")}
    cmd = [sys.executable, "-m", "nnlib.course.grade", str(submissions), "--assignment", "01",
           "--out", str(out / "grades.csv"), "--feedback", str(out / "feedback"),
           "--cell-timeout", str(CELL_TIMEOUT), "--timeout", str(NOTEBOOK_TIMEOUT), *extra]
    if not SANDBOX and "--unsafe" not in extra:
        cmd.append("--unsafe")   # where bwrap cannot work the grader refuses without it
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)


def rows_of(out: Path) -> dict[str, dict]:
    """{student: gradebook row}; a name the gradebook had to make spreadsheet-safe is keyed as it was."""
    original = {spreadsheet_safe(name): name for name in EXPECTED}
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {original.get(row["student"], row["student"]): row for row in csv.DictReader(f)}


def feedback_of(out: Path, student: str) -> str:
    folder = feedback_folder_names(set(EXPECTED) | {student})[student]
    return (out / "feedback" / folder / "01_linear_regression.md").read_text(encoding="utf-8")


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention `text` (Linux /proc), after a short grace period."""
    for _ in range(10):
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in line:
                found.append(f"{cmdline.parent.name}: {line[:200]}")
        if not found:
            return []
        time.sleep(0.5)
    return found


def can_trace_any_process() -> bool:
    """Whether this process has CAP_SYS_PTRACE (root), which reads any process's fds, dumpable or not."""
    status = Path("/proc/self/status")
    if not status.exists():
        return os.geteuid() == 0
    cap_eff = int(re.search(r"CapEff:\s*([0-9a-f]+)", status.read_text()).group(1), 16)
    return bool(cap_eff >> 19 & 1)   # CAP_SYS_PTRACE = 19


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grading run over all adversarial students; returns (rows, output folder, grader stdout)."""
    base = tmp_path_factory.mktemp("grading")
    adversarial_folder(base / "submissions")
    start = time.monotonic()
    done = run_grader(base / "submissions", base / "out")
    print(f"grading run: {time.monotonic() - start:.0f} s\n{done.stdout}\n{done.stderr[-2000:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    return rows_of(base / "out"), base / "out", done.stdout


# -- fast tests of the pieces --------------------------------------------------------------------

def test_find_source_accepts_number_or_stem():
    assert grade.find_source("01") == SOLUTION
    assert grade.find_source("1") == SOLUTION
    assert grade.find_source("01_linear_regression") == SOLUTION
    with pytest.raises(SystemExit, match="names no single notebook"):
        grade.find_source("42")


# (collecting, choosing and reading submissions: tests/test_submissions.py; the review flag: test_review.py)


@pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")  # the duplicated answer cell, on purpose
def test_graded_notebook_comes_from_the_source_with_the_students_answers(tmp_path):
    assignment = grade.Assignment.load(SOLUTION)
    student = submission(predict=WRONG_PREDICT)
    cell_of(student, "check_predict").source = "pass"                  # edited
    student.cells.remove(cell_of(student, "check_mse"))                # deleted
    student.cells.remove(cell_of(student, "mae"))                      # answer missing
    student.cells.insert(0, nbformat.v4.new_code_cell("import os"))    # scratch cell
    copy = nbformat.from_dict(cell_of(student, "train"))
    cell_of(student, "train").source = "def train(X, y, lr, epochs):\n    return 'first copy'"
    student.cells.append(copy)                                         # duplicated answer: the last one wins
    handed_in = read_answers(save(student, tmp_path / NOTEBOOK), grade.answer_ids(assignment.source_nb))
    nb, notes = grade.build_graded_notebook(assignment.source_nb, assignment.stub_nb, handed_in,
                                            assignment.modules, assignment.secret)

    source = nbformat.read(SOLUTION, as_version=4)
    assert [c.cell_type for c in nb.cells] == [c.cell_type for c in source.cells]
    assert "import os" not in [c.source for c in nb.cells]
    assert cell_of(nb, "predict").source == WRONG_PREDICT
    assert cell_of(nb, "train").source == RIGHT["train"]
    assert "raise NotImplementedError('Hint:" in cell_of(nb, "mae").source
    for grade_id in CHECKS:
        restored = cell_of(nb, grade_id).source
        assert restored == cell_of(source, grade_id).source and "BEGIN HIDDEN TESTS" in restored
    plan = nb.metadata[grade.PLAN_KEY]   # the worker runs these cells in the checker, never in the kernel
    assert [nb.cells[i] for i in plan["check_cells"]] == [cell_of(nb, g) for g in CHECKS]
    assert "nnlib.checks.lec01" in plan["modules"] and plan["secret"] == assignment.secret
    assert grade.Assignment.load(SOLUTION).secret != assignment.secret   # new seeds for every grading run
    assert any("not found" in n and "mae" in n for n in notes)
    assert any("more than once" in n and "train" in n for n in notes)


def test_messages_lose_hidden_tests_and_colours():
    assignment = grade.Assignment.load(SOLUTION)
    leaked = ("\x1b[0;31mRuntimeError\x1b[0m: for seed in (101, 102, 103):\n"
              '    check("01.predict", predict, seed=seed, quiet=True)')
    text = grade.clean(leaked, assignment.hidden)
    assert "\x1b" not in text and "101, 102" not in text and "seed=seed" not in text
    assert text.startswith("RuntimeError: [hidden test]")


def test_without_bwrap_the_grader_refuses_unless_unsafe(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(grade.shutil, "which", lambda name: None)
    assert grade.sandbox_check(grade.Settings()) == (False, "bwrap (bubblewrap) is not installed")
    with pytest.raises(SystemExit, match="pass --unsafe to grade without it: without a sandbox, a submission's "
                                         "code runs as you: it can read solutions/"):
        grade.main([str(tmp_path), "--assignment", "01", "--out", str(tmp_path / "g.csv")])
    assert grade.main([str(tmp_path), "--assignment", "01", "--out", str(tmp_path / "g.csv"), "--unsafe"]) == 0
    assert "sandbox: OFF (--unsafe): without a sandbox" in capsys.readouterr().out


def test_sandbox_binds_nnlib_but_not_the_repository(tmp_path):
    args = grade.sandbox_args(tmp_path)
    binds = [args[i + 1] for i, a in enumerate(args) if a in ("--ro-bind", "--bind")]
    assert str(ROOT / "nnlib") in binds and str(tmp_path) in binds
    assert str(ROOT) not in binds and "/" not in binds
    assert "--unshare-net" in args and "--die-with-parent" in args and "--as-pid-1" in args
    assert args[args.index("--tmpfs") - 2:args.index("--tmpfs") + 2] == ["--size", str(512 * 2**20), "--tmpfs", "/tmp"]
    assert args[-4:-2] == ["--remount-ro", "/"]   # after every mount: nothing on Python's path is writable


# -- one grading run over adversarial submissions ------------------------------------------------

@pytest.mark.slow
def test_every_student_gets_exactly_one_row(graded):
    rows, out, _ = graded
    assert sorted(rows) == sorted(EXPECTED)
    header = next(csv.reader(open(out / "grades.csv", encoding="utf-8")))
    assert header == ["student", "assignment", "status", "score", "max_score", *CHECKS, "note"]
    for student, row in rows.items():
        assert row["max_score"] == "7"
        assert float(row["score"]) == sum(float(row[c]) for c in CHECKS)
        assert feedback_of(out, student).startswith("# 01_linear_regression: ")


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(s for s, (_, score) in EXPECTED.items() if score is not None))
def test_status_and_score(graded, student):
    rows, out, _ = graded
    status, score = EXPECTED[student]
    row = rows[student]
    assert (row["status"], float(row["score"])) == (status, score), f"{student}: {row}\n{feedback_of(out, student)}"


@pytest.mark.slow
def test_a_wrong_answer_is_named_with_the_reason(graded):
    rows, out, _ = graded
    assert rows["bob"]["check_mae"] == "0" and rows["bob"]["check_mse"] == "1"
    text = feedback_of(out, "bob")
    assert "# 01_linear_regression: 6 / 7 points" in text
    assert "- ✓ `check_mse`" in text and "- ✗ `check_mae`" in text
    assert "CheckFailed: mae: mae is" in text


@pytest.mark.slow
def test_a_stub_scores_zero_saying_not_implemented(graded):
    rows, out, _ = graded
    assert rows["carol"]["note"] == ""
    assert feedback_of(out, "carol").count("NotDone: ") == 7


@pytest.mark.slow
def test_an_endless_loop_costs_only_its_check(graded):
    rows, out, _ = graded
    assert rows["dave"]["check_mae"] == "0" and rows["dave"]["check_closed_form"] == "1"
    expected = f"cell 9 (check check_mae) ran past {CELL_TIMEOUT} s and was interrupted; the rest was graded"
    assert expected in rows["dave"]["note"]
    assert f"timed out after {CELL_TIMEOUT} s" in feedback_of(out, "dave")


@pytest.mark.slow
def test_a_loop_that_ignores_interrupts_is_stopped(graded):
    rows, out, _ = graded
    assert [rows["erin"][c] for c in CHECKS] == ["1", "1", "1", "0", "0", "0", "0"]
    assert "did not stop, so the rest was not run" in rows["erin"]["note"]
    assert "not run: cell 12 (check check_mse_grad) did not stop when interrupted" in feedback_of(out, "erin")


@pytest.mark.slow
def test_sys_exit_fails_only_its_check(graded):
    rows, out, _ = graded
    assert rows["frank"]["check_predict"] == "0"
    assert "SystemExit: bye" in feedback_of(out, "frank")


@pytest.mark.slow
def test_os_exit_is_a_dead_kernel(graded):
    rows, out, _ = graded
    assert "the kernel died in cell 14 (answer gd_step)" in rows["gina"]["note"]
    assert "not run: the kernel had died" in feedback_of(out, "gina")


@pytest.mark.slow
def test_allocations_beyond_the_memory_limit_fail_cleanly(graded):
    rows, out, _ = graded
    assert rows["hank"]["check_train"] == "0" and rows["hank"]["check_closed_form"] == "0"
    assert rows["hank"]["check_gd_step"] == "1"
    text = feedback_of(out, "hank")
    assert "MemoryError" in text and "answer train: MemoryError" in text


@pytest.mark.slow
def test_edited_deleted_and_moved_checks_are_restored(graded):
    rows, out, _ = graded
    assert [rows["ivan"][c] for c in CHECKS] == ["0", "1", "1", "1", "1", "0", "1"]
    assert "CheckFailed: predict: y_pred" in feedback_of(out, "ivan")


@pytest.mark.slow
def test_redefining_check_does_not_help(graded):
    rows, out, _ = graded
    assert rows["judy"]["check_predict"] == "0"
    assert "review by hand" in rows["judy"]["note"] and "def check" in rows["judy"]["note"]
    assert "review by hand" not in feedback_of(out, "judy")


@pytest.mark.slow
def test_monkeypatching_nnlib_checks_does_not_help(graded):
    rows, out, _ = graded
    assert rows["kim"]["check_mae"] == "0"
    assert "CheckFailed: mae: mae is" in feedback_of(out, "kim")
    assert "nnlib.checks" in rows["kim"]["note"]


@pytest.mark.slow
def test_in_the_students_own_kernel_the_frame_cheat_passes_every_check(tmp_path):
    """Proof that the cheats are real: run as a student runs it (checks in the same process), uma's
    notebook of zeros passes all 7 checks. Graded, it scores 0 (test_status_and_score)."""
    nb = submission(**zeros(FRAMES, "_silence()\n    "))
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(EXERCISE.parent)}}).execute()
    failed = [meta(c)["grade_id"] for c in nb.cells if meta(c).get("grade_id") in CHECKS
              and any(o.get("output_type") == "error" for o in c.outputs)]
    assert failed == []


@pytest.mark.slow
@pytest.mark.parametrize("student", ["uma", "walt", "xena", "yuri", "yves"])
def test_cheats_in_the_kernel_cannot_reach_the_checks(graded, student):
    rows, out, _ = graded
    assert rows[student]["score"] == "0" and rows[student]["status"] == "ok", rows[student]
    text = feedback_of(out, student)
    assert "CheckFailed: predict: " in text and "CheckFailed: closed_form: " in text


@pytest.mark.slow
def test_the_layout_cannot_be_used_to_take_or_mix_up_a_grade(graded):
    rows, out, _ = graded
    assert "refused: 01_linear_regression.ipynb is a symbolic link" in rows["lars"]["note"]
    assert "refused" in rows["lena"]["note"] and "link" in rows["lena"]["note"]
    assert feedback_of(out, "bob smith") != feedback_of(out, "bob~smith")   # two folders, two results
    assert len(list((out / "feedback").iterdir())) == len(EXPECTED)
    assert "v_alice_01_linear_regression.ipynb" in rows["v_alice"]["note"]   # said, and not graded
    raw = (out / "grades.csv").read_text(encoding="utf-8")
    assert "\n=" not in raw and ",=" not in raw and ";=" not in raw.replace("';=", "")


@pytest.mark.slow
def test_files_built_to_cost_the_grader_are_refused(graded):
    rows, _, _ = graded
    assert "nested too deeply" in rows["deep"]["note"]
    assert "more than 2000 cells" in rows["many"]["note"]


@pytest.mark.slow
def test_huge_output_is_graded_and_stays_out_of_the_reports(graded):
    rows, out, _ = graded
    assert rows["leo"]["score"] == "7"
    assert len(feedback_of(out, "leo")) < 3000
    assert (out / "grades.csv").stat().st_size < 10_000


@pytest.mark.slow
def test_files_that_are_not_notebooks_say_why(graded):
    rows, _, _ = graded
    assert "not valid JSON" in rows["mia"]["note"]
    assert "PDF document renamed to .ipynb" in rows["nora"]["note"]
    assert "no 01_*.ipynb notebook was handed in; found only: 01_linear_regression.txt" in rows["omar"]["note"]
    assert rows["pat"]["note"] == "nothing was handed in (empty folder)"


@pytest.mark.slow
def test_two_submissions_grade_the_newest(graded):
    rows, _, _ = graded
    assert rows["quinn"]["note"] == ("2 files found, graded the newest: 01_linear_regression (1).ipynb "
                                     "(not: 01_linear_regression.ipynb)")


@pytest.mark.slow
def test_the_notebook_time_limit_keeps_finished_checks(graded):
    rows, out, _ = graded
    assert rows["ada"]["status"] == "timeout"
    assert 1 <= float(rows["ada"]["score"]) <= 4 and rows["ada"]["check_closed_form"] == "0"
    assert f"ran past its {NOTEBOOK_TIMEOUT} s time limit" in rows["ada"]["note"]
    assert f"not run: the notebook hit its {NOTEBOOK_TIMEOUT} s time limit" in feedback_of(out, "ada")


@pytest.mark.slow
def test_feedback_never_shows_tests_or_tracebacks(graded):
    rows, out, _ = graded
    for student in rows:
        text = feedback_of(out, student)
        for secret in ("HIDDEN TESTS", "seed=seed", "(101, 102, 103)", "Traceback", "\x1b[", "_grader_", "wire"):
            if student == "sam" and secret == "HIDDEN TESTS":
                continue   # sam's own code says it: In[-1] is the last cell run in the kernel, an answer cell
            assert secret not in text, f"{student}'s feedback shows {secret!r}"
    leak = feedback_of(out, "sam")
    assert "RuntimeError: the test was:" in leak   # the leak attempt itself is reported ...
    assert 'check("01.predict"' not in leak and "nnlib.course" not in leak   # ... and found no check code


@pytest.mark.slow
def test_the_kernel_cannot_forge_results(graded):
    rows, out, stdout = graded
    if can_trace_any_process() and not stdout.startswith("sandbox: bwrap ("):
        pytest.skip("root outside the sandbox can reach into any process: grade as a normal user or with bwrap")
    assert rows["tom"]["score"] == "0", rows["tom"]
    if stdout.startswith("sandbox: bwrap ("):   # the worker is pid 1: it can be neither reached nor killed
        assert (rows["tom"]["status"], rows["yves"]["status"]) == ("ok", "ok")
        assert "the kernel died" not in feedback_of(out, "tom") + feedback_of(out, "yves")
    else:
        assert rows["tom"]["status"] == "kernel died"
        assert "was killed (signal 9) while running cell 3 (answer predict)" in rows["tom"]["note"]


@pytest.mark.slow
def test_a_submission_keeps_to_its_tmp_and_leaves_no_process(graded):
    _, out, stdout = graded
    assert processes_mentioning("sleep 301") == []
    if stdout.startswith("sandbox: bwrap (") and "512 MB /tmp" in stdout:
        written = int(re.search(r"/tmp took (\d+) MB", feedback_of(out, "yves")).group(1))
        assert written <= 512


@pytest.mark.slow
def test_no_kernel_is_left_running(graded):
    _, out, _ = graded
    assert processes_mentioning(str(out / "tmp")) == []


@pytest.mark.slow
def test_the_sandbox_hides_the_repository_and_the_network(graded):
    _, out, stdout = graded
    first_line = stdout.splitlines()[0]
    if not first_line.startswith("sandbox: bwrap ("):
        assert first_line.startswith("sandbox: OFF (--unsafe)")   # said, and grading went on
        pytest.skip(SANDBOX_MESSAGE)
    assert "RuntimeError: probe: repo=False net=blocked" in feedback_of(out, "vera")


@pytest.mark.slow
@pytest.mark.skipif(not BWRAP, reason="without bwrap the main run already grades unsandboxed")
def test_without_the_sandbox_a_killed_notebook_leaves_no_kernel(tmp_path):
    folder = tmp_path / "submissions"
    save(submission(), folder / "alice" / NOTEBOOK)
    save(submission(mse_grad="import time\ntime.sleep(9)\n" + RIGHT["mse_grad"],
                    gd_step="import time\ntime.sleep(9)\n" + RIGHT["gd_step"]), folder / "rita" / NOTEBOOK)
    done = run_grader(folder, tmp_path / "out", "--unsafe", "--timeout", "12")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("sandbox: OFF (--unsafe)")
    rows = rows_of(tmp_path / "out")
    assert (rows["alice"]["status"], rows["alice"]["score"]) == ("ok", "7")
    assert rows["rita"]["status"] == "timeout" and "time limit" in rows["rita"]["note"]
    assert processes_mentioning(str(tmp_path / "out" / "tmp")) == []


HOG = '''import subprocess, sys
eaters = [subprocess.Popen([sys.executable, "-c", "import numpy, time; a = numpy.ones(500 * 2**17); time.sleep(4)"],
                           start_new_session=True) for _ in range(3)]   # 500 MB each, under the per-process limit
CODES = [p.wait(timeout=25) for p in eaters]
busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(3)]
'''


@pytest.mark.slow
def test_a_submission_cannot_take_its_classmates_memory_or_cpu(tmp_path):
    """Memory spread over child processes, and busy loops in sessions of their own: the classmate graded
    at the same time is unaffected, and with control groups the sum is capped (a process is killed)."""
    folder = tmp_path / "submissions"
    save(submission(), folder / "alice" / NOTEBOOK)
    hog = zeros(HOG)
    hog["mse"] = "def mse(y_pred, y):\n    raise RuntimeError(f'exit codes {CODES}')"
    save(submission(**hog), folder / "hugo" / NOTEBOOK)
    done = run_grader(folder, tmp_path / "out", "--memory-mb", "1200", "--workers", "2", "--cell-timeout", "30")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = rows_of(tmp_path / "out")
    assert (rows["alice"]["status"], rows["alice"]["score"]) == ("ok", "7")
    assert rows["hugo"]["score"] == "0"
    if "a control group per submission" in done.stdout:
        # 1.5 GB over three processes does not fit 1200 MB: the out-of-memory killer stops one of them
        # (or the kernel itself)
        text = feedback_of(tmp_path / "out", "hugo")
        assert rows["hugo"]["status"] == "kernel died" or "-9" in text, text
    assert processes_mentioning("while True: pass") == []


@pytest.mark.slow
@pytest.mark.parametrize("source", sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem[:2])
def test_every_assignment_gives_its_solution_full_marks_and_its_stub_zero(tmp_path, source):
    """Every check of every assignment works across the wire (arrays, generators, layers, test
    functions sent as source, functions returned as handles), with this run's secret seeds."""
    folder = tmp_path / "submissions"
    save(nbformat.read(source, as_version=4), folder / "sol" / source.name)
    save(nbformat.read(ROOT / "exercises" / source.name, as_version=4), folder / "stub" / source.name)
    (tmp_path / "out" / "tmp").mkdir(parents=True)
    cmd = [sys.executable, "-m", "nnlib.course.grade", str(folder), "--assignment", source.stem[:2],
           "--out", str(tmp_path / "out" / "grades.csv"), "--feedback", str(tmp_path / "out" / "feedback"),
           "--cell-timeout", "120", "--workers", "2"] + ([] if SANDBOX else ["--unsafe"])
    done = subprocess.run(cmd, env={**os.environ, "TMPDIR": str(tmp_path / "out" / "tmp")}, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    feedback = (tmp_path / "out" / "feedback" / "sol" / f"{source.stem}.md").read_text(encoding="utf-8")
    assert (rows["sol"]["status"], rows["sol"]["score"]) == ("ok", rows["sol"]["max_score"]), feedback
    stub = (tmp_path / "out" / "feedback" / "stub" / f"{source.stem}.md").read_text(encoding="utf-8")
    assert (rows["stub"]["status"], rows["stub"]["score"]) == ("ok", "0"), stub
    assert stub.count("NotDone: ") == len([c for c in rows["stub"] if c.startswith("check_")]), stub


@pytest.mark.slow
def test_an_overflowing_sigmoid_loses_its_point_across_the_wire_too(tmp_path):
    """The sigmoid checks call the answer under np.errstate(over="raise"); the kernel's warnings are
    replayed in the checker, so the naive formula fails graded as it does in the student's notebook."""
    source = ROOT / "solutions" / "02_logistic_regression.ipynb"
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if meta(cell).get("grade_id") == "sigmoid":
            cell.source = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"
    save(nb, tmp_path / "submissions" / "nell" / source.name)
    (tmp_path / "out").mkdir()
    cmd = [sys.executable, "-m", "nnlib.course.grade", str(tmp_path / "submissions"), "--assignment", "02",
           "--out", str(tmp_path / "out" / "grades.csv"), "--feedback", str(tmp_path / "out" / "feedback")]
    done = subprocess.run(cmd + ([] if SANDBOX else ["--unsafe"]), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        (row,) = csv.DictReader(f)
    assert row["check_sigmoid"] == "0" and float(row["score"]) >= float(row["max_score"]) - 3
    assert "overflow" in (tmp_path / "out" / "feedback" / "nell" / f"{source.stem}.md").read_text(encoding="utf-8")


# -- the same course in nbgrader ------------------------------------------------------------------

@pytest.mark.slow
def test_nbgrader_generate_assignment_accepts_the_solution(tmp_path):
    source = tmp_path / "source" / "01_linear_regression"
    source.mkdir(parents=True)
    shutil.copy(SOLUTION, source / NOTEBOOK)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "01_linear_regression",
                           "--no-db"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    released = (tmp_path / "release" / "01_linear_regression" / NOTEBOOK).read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released and "seed=seed" not in released
    nb = nbformat.reads(released, as_version=4)
    visible_checks = [f'check("01.{c[6:]}", {c[6:]})' for c in CHECKS]   # check_mse -> check("01.mse", mse)
    assert [c.source.strip() for c in nb.cells if meta(c).get("grade")] == visible_checks


@pytest.mark.slow
def test_nbgrader_autograde_gives_a_correct_submission_full_marks(tmp_path):
    source = tmp_path / "source" / "01_linear_regression"
    source.mkdir(parents=True)
    shutil.copy(SOLUTION, source / NOTEBOOK)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # it runs alembic

    def nbgrader(*args):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    nbgrader("generate_assignment", "01_linear_regression")
    released = nbformat.read(tmp_path / "release" / "01_linear_regression" / NOTEBOOK, as_version=4)
    for cell in released.cells:
        if meta(cell).get("solution"):
            cell.source = RIGHT[meta(cell)["grade_id"]]
    save(released, tmp_path / "submitted" / "alice" / "01_linear_regression" / NOTEBOOK)
    nbgrader("autograde", "01_linear_regression")
    nbgrader("export")
    with open(tmp_path / "grades.csv", newline="") as f:
        (row,) = csv.DictReader(f)
    assert (row["student_id"], float(row["score"]), float(row["max_score"])) == ("alice", 7.0, 7.0)
