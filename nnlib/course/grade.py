"""Grade a folder of submitted exercise notebooks: one command, a CSV gradebook, Markdown feedback.

    python -m nnlib.course.grade SUBMISSIONS_DIR --assignment 01 --out grades.csv --feedback feedback/
        [--workers N] [--cell-timeout S] [--timeout S] [--memory-mb M] [--unsafe]

SUBMISSIONS_DIR holds one folder per student (`alice/01_linear_regression.ipynb`) or loose files
named `<student>_<NN_topic>.ipynb` (both may be mixed). Every student gets exactly one row. Reading
the folder and the files safely is submissions.py's job (no links followed, each file parsed in a
limited child process that returns only the answer cells).

What is executed is rebuilt from the source, solutions/NN_topic.ipynb: every cell comes from the
source, in the source's order, except the answer cells (nbgrader `solution` cells), whose code is
taken from the student's cell with the same grade_id (a missing one gets the exercise's stub). So an
edited, deleted or moved check cell is restored, the hidden tests are the source's, and a student's
own extra cells are not run.

Each notebook is run by a worker process (nnlib/course/grade_worker.py): lecture and answer cells in a
fresh kernel, check cells in the worker itself, calling the student's functions in the kernel over a
plain-data wire (wire.py) with seeds mixed with a secret drawn for this run. Per-cell timeouts (the
kernel is interrupted and grading continues), a whole-notebook time limit (everything is killed), an
address-space and a file-size limit, and where possible a control group per submission (limits.py).
Where bubblewrap works, the worker is pid 1 of a sandbox: no network, a read-only view of only the
system, Python and nnlib (not the course repository: solutions/ is out of reach), a sized /tmp.
Without it the grader refuses to run unless --unsafe is given.

A check cell scores its points when all its checks pass. Status column: ok, timeout, kernel died,
invalid notebook, missing, error (a grader fault; should never happen); the note column says more.
The whole design, for instructors: docs/GRADING.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm import tqdm

from . import exercises
from .review import review
from .submissions import (InvalidNotebook, Student, Submission, choose, collect, feedback_folder_names,
                          printable, read_answers, spreadsheet_safe)
from .limits import Cgroup
from .grade_worker import PLAN_KEY

NNLIB = Path(__file__).resolve().parents[1]
SOLUTIONS = NNLIB.parent / "solutions"
WORKER = Path(__file__).resolve().parent / "grade_worker.py"
MAX_RESULTS_BYTES = 2**20         # the grader never reads more of a worker's report than this
MESSAGE_LINES, MESSAGE_CHARS = 4, 600
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
STATUSES = ("ok", "timeout", "kernel died", "invalid notebook", "missing", "error")

# -- the assignment and the submissions ----------------------------------------------------------

def find_source(assignment: str, solutions: Path = SOLUTIONS) -> Path:
    """solutions/NN_topic.ipynb for `assignment` given as 'NN' (or 'N') or as the full stem."""
    wanted = assignment.zfill(2) if assignment.isdigit() else assignment
    sources = exercises.sources(solutions)
    matches = [p for p in sources if wanted in (p.stem, p.stem.split("_")[0])]
    if len(matches) != 1:
        known = ", ".join(p.stem for p in sources) or "none"
        raise SystemExit(f"--assignment {assignment!r} names no single notebook in {solutions} (there: {known})")
    return matches[0]


# -- the notebook that is executed ---------------------------------------------------------------

def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_check(cell) -> bool:
    """An autograded test cell (an nbgrader grade cell that is not also an answer)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def checks_of(source_nb) -> dict[str, float]:
    """{grade_id: points} of the check cells, in notebook order."""
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c).get("points") or 0)
            for c in source_nb.cells if is_check(c)}


def check_modules(number: str) -> list[str]:
    """The modules the checker imports before the kernel starts."""
    modules = ["nnlib", "nnlib.gradcheck", "nnlib.checks"]
    if (NNLIB / "checks" / f"lec{number}.py").exists():
        modules.append(f"nnlib.checks.lec{number}")
    return modules


def answer_ids(source_nb) -> list[str]:
    return [nbgrader_meta(c)["grade_id"] for c in source_nb.cells if nbgrader_meta(c).get("solution")]


def build_graded_notebook(source_nb, stub_nb, submission: Submission, modules: list[str],
                          secret: str) -> tuple[object, list[str]]:
    """The notebook to execute: the source's cells with the student's answers, and the plan for the
    worker (which cells are checks, run in the checker with seeds mixed with `secret`).

    Returns it with notes for the student (answer cells missing or duplicated).
    """
    ids = answer_ids(source_nb)
    stubs = {nbgrader_meta(c).get("grade_id"): c.source for c in stub_nb.cells}
    answers, twice = submission.answers, submission.twice
    graded = nbformat.v4.new_notebook(metadata=source_nb.metadata)
    for cell in source_nb.cells:
        cell = nbformat.from_dict({**cell, "outputs": []} if cell.cell_type == "code" else dict(cell))
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            cell.source = answers.get(meta["grade_id"], stubs[meta["grade_id"]])
        graded.cells.append(cell)
    graded.metadata[PLAN_KEY] = {"check_cells": [i for i, c in enumerate(graded.cells) if is_check(c)],
                                 "modules": modules, "secret": secret}
    notes = []
    missing = [i for i in ids if i not in answers]
    if missing:
        notes.append(f"answer cell(s) not found in the submission, graded as unanswered: {', '.join(missing)}")
    if twice:
        twice_text = ", ".join(sorted(set(twice)))
        notes.append(f"answer cell(s) present more than once, the last copy was graded: {twice_text}")
    return graded, notes


def suspicious(graded_nb) -> list[str]:
    """What in the answer cells a human should look at (review.py reads the code; the other cells are
    context: their imports are known)."""
    answers = [c.source for c in graded_nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]
    context = [c.source for c in graded_nb.cells if c.cell_type == "code" and not nbgrader_meta(c).get("solution")]
    return review(answers, context)


# -- running a notebook in a worker process ------------------------------------------------------

@dataclass
class Settings:
    cell_timeout: int = 60
    timeout: int = 600
    memory_mb: int = 4096
    sandbox: bool = False
    sandbox_tmp_size: bool = True   # bwrap can size its /tmp (--size, bubblewrap 0.8 and later)
    cgroups: bool = False           # each worker in a control group of its own (limits.py)
    max_pids: int = 256             # processes and threads of one submission, all together
    cpus: float = 1.0               # CPU time of one submission, all processes together
    tmp_mb: int = 512               # the sandbox's /tmp (in memory: it counts against the memory limit too)


@dataclass
class Run:
    events: list[dict]
    killed: bool          # the grader stopped it at the whole-notebook time limit
    returncode: int | None
    log: str              # the end of the worker's stderr, for a grader error's note


_LIVE: dict[subprocess.Popen, tuple[Path, bool]] = {}   # running workers -> (work dir, sandboxed)
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()   # set on Ctrl-C: start no more workers


def worker_env(work: Path) -> dict[str, str]:
    """A small, explicit environment: none of the grader's variables (tokens, ...) reach student code."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(work), "TMPDIR": str(work / "tmp"), "LANG": "C.UTF-8",
        "PYTHONPATH": str(NNLIB.parent),        # the kernel imports this nnlib, installed or not
        "PYTHONDONTWRITEBYTECODE": "1",         # nnlib is read-only in the sandbox
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(work / ".matplotlib"),
        "JUPYTER_RUNTIME_DIR": str(work / ".jupyter"), "IPYTHONDIR": str(work / ".ipython"),
        # Parallelism comes from grading several notebooks at once; one BLAS thread per kernel
        # avoids oversubscribing the cores (and keeps each kernel's address space small).
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }


def sandbox_args(work: Path, tmp_mb: int | None = 512) -> list[str]:
    """The bwrap command line that runs a worker with no network and read-only access to only
    the system, the Python installation, the venv and nnlib, plus `work` read-write and a /tmp of
    `tmp_mb` (None: unsized, for a bwrap without --size).

    The worker is the sandbox's pid 1 (--as-pid-1): no process inside can signal it (init ignores
    signals it has no handler for) or open its files through /proc (it is not dumpable), and when it
    exits the kernel kills every process left in the sandbox. The sandbox's root is read-only, so no
    directory on Python's path can receive a module."""
    size = ["--size", str(tmp_mb * 2**20)] if tmp_mb else []
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--as-pid-1",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev", *size, "--tmpfs", "/tmp"]
    for system_dir in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"):
        if os.path.islink(system_dir):   # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(system_dir), system_dir]
        elif os.path.isdir(system_dir):
            args += ["--ro-bind", system_dir, system_dir]
    for needed in dict.fromkeys([sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parents[1]),
                                 str(NNLIB)]):
        if not needed.startswith(("/usr/", "/etc/")) and needed != "/usr":
            args += ["--ro-bind", needed, needed]
    return args + ["--bind", str(work), str(work), "--remount-ro", "/", "--chdir", str(work)]


UNSAFE_EXPOSES = ("without a sandbox, a submission's code runs as you: it can read solutions/ and the other "
                  "submissions, use the network, change files you can write (the checks too, for everyone "
                  "graded after it) and signal your processes")


def sandbox_check(settings: Settings) -> tuple[bool, str]:
    """Whether bwrap can run a worker here (probed with a trivial Python command, with a sized /tmp
    and without), and what to print. Sets settings.sandbox_tmp_size."""
    if not shutil.which("bwrap"):
        return False, "bwrap (bubblewrap) is not installed"
    why = ""
    for sized in (True, False):
        with tempfile.TemporaryDirectory(prefix="nnlib-grade-probe-") as tmp:
            args = sandbox_args(Path(tmp), settings.tmp_mb if sized else None)
            try:
                probe = subprocess.run(args + [sys.executable, "-c", "import nbclient"],
                                       env=worker_env(Path(tmp)), capture_output=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired) as exc:
                return False, f"bwrap does not work here ({exc})"
        if probe.returncode == 0:
            settings.sandbox_tmp_size = sized
            tmp_text = f"a {settings.tmp_mb} MB /tmp" if sized else "an unsized /tmp (bwrap without --size)"
            return True, (f"sandbox: bwrap (no network, read-only system and nnlib, no course repository, {tmp_text}, "
                          "the worker as pid 1)")
        why = (probe.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit code {probe.returncode}"])[0]
    return False, f"bwrap does not work here ({why[:200]})"


def cgroups_check(settings: Settings) -> str:
    """Whether every worker can get a control group of its own here; sets settings.cgroups."""
    group = Cgroup.create(f"nnlib-grade-probe-{os.getpid()}", settings.memory_mb, settings.max_pids, settings.cpus)
    settings.cgroups = group is not None
    if group is None:
        return ("limits: no control groups here (needs root or a delegated cgroup); each process is capped at "
                f"{settings.memory_mb} MB, but memory over several processes and CPU of background processes are not")
    group.remove()
    return (f"limits: a control group per submission ({settings.memory_mb} MB, {settings.max_pids} processes, "
            f"{settings.cpus:g} CPU, child processes included)")


def read_events(path: Path) -> list[dict]:
    """The worker's JSON lines (at most MAX_RESULTS_BYTES of them; malformed lines are skipped)."""
    with open(path, "rb") as f:
        data = f.read(MAX_RESULTS_BYTES)
    events = []
    for line in data.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def _runs_in(pid: int, work: Path) -> bool:
    """Whether process `pid` is still one started for `work` (its command line names the work dir).
    Where /proc does not exist there is no way to tell, so assume it is."""
    if not Path("/proc/self").exists():
        return True
    try:
        return str(work) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen, work: Path, sandboxed: bool, events: list[dict]) -> None:
    """Kill a worker's process group and, outside the sandbox, its kernel's.

    jupyter_client starts the kernel in a session of its own, so killing the worker's group does not
    reach it. In the sandbox the kernel lives in bwrap's pid namespace, which dies with bwrap.
    """
    if proc.returncode is None:   # not reaped yet, so its pid cannot have been reused
        _kill_group(proc.pid)
    if not sandboxed:
        for event in events:
            pid = event.get("kernel_pid")
            if isinstance(pid, int) and pid > 1 and _runs_in(pid, work):
                _kill_group(pid)   # the kernel leads its own process group


def run_worker(nb, settings: Settings, folder: Path) -> Run:
    """Execute `nb` in a worker process in `folder`/work; kill everything at the notebook time limit."""
    work = folder / "work"
    (work / "tmp").mkdir(parents=True)
    nbformat.write(nb, folder / "notebook.ipynb")   # outside the work dir, so outside the sandbox
    cmd = [sys.executable, str(WORKER), "--cell-timeout", str(settings.cell_timeout),
           "--memory-mb", str(settings.memory_mb)]
    if settings.sandbox:
        cmd = sandbox_args(work, settings.tmp_mb if settings.sandbox_tmp_size else None) + cmd
    group = Cgroup.create(f"nnlib-grade-{os.getpid()}-{folder.name}", settings.memory_mb, settings.max_pids,
                          settings.cpus) if settings.cgroups else None
    if group is not None:
        cmd = group.wrap(cmd)
    with open(folder / "notebook.ipynb", "rb") as stdin, open(folder / "results.jsonl", "wb") as out, \
            open(folder / "worker.log", "wb") as err, _LIVE_LOCK:
        if _STOPPING.is_set():
            raise KeyboardInterrupt
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, cwd=work, env=worker_env(work),
                                start_new_session=True)
        _LIVE[proc] = (work, settings.sandbox)
    killed = False
    try:
        proc.wait(timeout=settings.timeout)
    except subprocess.TimeoutExpired:
        killed = True
    finally:
        events = read_events(folder / "results.jsonl")
        if killed or not any(e.get("done") for e in events):
            stop(proc, work, settings.sandbox, events)
        proc.wait()
        if group is not None:   # whatever the submission left running, in any session
            group.kill()
            group.remove()
        with _LIVE_LOCK:
            _LIVE.pop(proc, None)
    log = (folder / "worker.log").read_bytes()[-2000:].decode(errors="replace")
    returncode = proc.returncode
    if settings.sandbox and returncode > 128:
        returncode = 128 - returncode   # bwrap exits with 128 + N when its child was killed by signal N
    return Run(events, killed, returncode, log)


def stop_all() -> None:
    """On Ctrl-C: start no more workers and kill the running ones with their kernels."""
    with _LIVE_LOCK:
        _STOPPING.set()
        for proc, (work, sandboxed) in list(_LIVE.items()):
            stop(proc, work, sandboxed, read_events(work.parent / "results.jsonl"))


# -- scoring -------------------------------------------------------------------------------------

@dataclass
class Grade:
    student: str
    status: str
    points: dict[str, float]            # grade_id -> points earned
    messages: dict[str, str] = field(default_factory=dict)   # grade_id -> why it failed
    answer_errors: list[str] = field(default_factory=list)   # answer cells that raised
    notes: list[str] = field(default_factory=list)           # for the gradebook and the student
    review: list[str] = field(default_factory=list)          # for the gradebook only
    file: str = ""

    @property
    def score(self) -> float:
        return sum(self.points.values())


def hidden_lines(source_nb) -> list[str]:
    """Lines of the hidden tests (long enough to be recognisable), to blank out of any message."""
    lines = []
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if HIDDEN_BEGIN in line:
                inside = True
            if inside and len(line.strip()) >= 6:
                lines.append(line.strip())
            if HIDDEN_END in line:
                inside = False
    return sorted(set(lines), key=len, reverse=True)


def clean(text: str, hidden: list[str]) -> str:
    """A message fit for feedback: no colour codes, no hidden-test code, the first few lines only."""
    text = ANSI.sub("", str(text))
    for line in hidden:
        text = text.replace(line, "[hidden test]")
    return "\n".join(text.strip().splitlines()[:MESSAGE_LINES])[:MESSAGE_CHARS]


def describe(nb, index: int) -> str:
    """'cell 6 (answer mse)', 'cell 7 (check check_mse)' or 'cell 23'."""
    meta = nbgrader_meta(nb.cells[index]) if 0 <= index < len(nb.cells) else {}
    if meta.get("grade_id"):
        return f"cell {index} ({'answer' if meta.get('solution') else 'check'} {meta['grade_id']})"
    return f"cell {index}"


def score_run(run: Run, graded_nb, checks: dict[str, float], settings: Settings, hidden: list[str]) -> Grade:
    """Points per check from the worker's report, with the status and notes that explain it."""
    cells = {e["cell"]: e for e in run.events if isinstance(e.get("cell"), int)}
    died = next((e["died"] for e in run.events if "died" in e), None)
    stuck = next((e["stuck"] for e in run.events if "stuck" in e), None)
    done = any(e.get("done") for e in run.events)
    code = [i for i, c in enumerate(graded_nb.cells) if c.cell_type == "code"]
    unfinished = next((i for i in code if i not in cells), None)   # the cell running when it stopped

    if run.killed:
        why_not_run = f"not run: the notebook hit its {settings.timeout} s time limit"
    elif died is not None:
        why_not_run = "not run: the kernel had died" if died != "start" else "not run: the kernel did not start"
    elif stuck is not None:
        why_not_run = f"not run: {describe(graded_nb, stuck)} did not stop when interrupted"
    else:
        why_not_run = "not run: grading of this notebook stopped early"

    grade = Grade(student="", status="ok", points={})
    for index, cell in enumerate(graded_nb.cells):
        meta, event = nbgrader_meta(cell), cells.get(index)
        if is_check(cell):
            grade_id = meta["grade_id"]
            passed = event is not None and event.get("status") == "ok"
            grade.points[grade_id] = checks[grade_id] if passed else 0.0
            if not passed:
                grade.messages[grade_id] = message_for(event, why_not_run, settings, hidden)
        elif meta.get("solution") and event and event.get("status") not in ("ok", "skipped"):
            grade.answer_errors.append(f"answer {meta['grade_id']}: {message_for(event, '', settings, hidden)}")

    timeouts = [i for i, e in cells.items() if e.get("status") == "timeout"]
    if run.killed:
        where = f" (while running {describe(graded_nb, unfinished)})" if unfinished is not None else ""
        grade.status = "timeout"
        grade.notes.append(f"the notebook ran past its {settings.timeout} s time limit{where} and was stopped; "
                           "checks that had finished were scored")
    elif died == "start":
        grade.status = "kernel died"
        reason = next(e.get("reason", "") for e in run.events if "died" in e)
        grade.notes.append(f"the kernel did not start ({clean(reason, hidden)}); is --memory-mb too low?")
    elif died is not None:
        grade.status = "kernel died"
        grade.notes.append(f"the kernel died in {describe(graded_nb, died)} (os._exit, a crash, or out of memory); "
                           "later cells were not run")
    elif timeouts:
        grade.status = "timeout"
        cells_text = ", ".join(describe(graded_nb, i) for i in timeouts)
        rest = "it did not stop, so the rest was not run" if stuck is not None else "the rest was graded"
        grade.notes.append(f"{cells_text} ran past {settings.cell_timeout} s and was interrupted; {rest}")
    elif not done:
        internal = next((e["internal"] for e in run.events if "internal" in e), "")
        where = f" while running {describe(graded_nb, unfinished)}" if unfinished is not None else ""
        if run.returncode is not None and run.returncode < 0 and not internal:
            # A signal from outside the grader: the submission's code (it runs as the same user) or
            # the system's out-of-memory killer.
            grade.status = "kernel died"
            grade.notes.append(f"the process running the notebook was killed (signal {-run.returncode}){where}; "
                               "later cells were not run")
        else:
            grade.status = "error"
            detail = internal or (run.log.strip().splitlines() or [""])[-1]
            grade.notes.append(f"grader error: the worker ended without a result (exit code {run.returncode}){where}: "
                               + clean(detail, []))
    return grade


def message_for(event: dict | None, why_not_run: str, settings: Settings, hidden: list[str]) -> str:
    """What went wrong in one cell, in one or a few lines (never a traceback)."""
    if event is None:
        return why_not_run
    if event.get("status") == "timeout":
        return f"timed out after {settings.cell_timeout} s (interrupted)"
    if event.get("status") == "skipped":
        return "not run (the cell is empty or tagged skip-execution)"
    text = clean(f"{event.get('ename', 'Error')}: {event.get('evalue', '')}", hidden)
    if event.get("ename") == "MemoryError" and settings.memory_mb:
        text += f" (the grader allows {settings.memory_mb} MB)"
    return text


# -- one student, start to end -------------------------------------------------------------------

@dataclass
class Assignment:
    """Everything about the assignment that every student's grading needs (read once)."""
    source_path: Path
    number: str
    source_nb: object
    stub_nb: object
    checks: dict[str, float]
    modules: list[str]
    hidden: list[str]
    secret: str = field(default_factory=lambda: secrets.token_hex(16))   # this grading run's seeds

    @classmethod
    def load(cls, source_path: Path) -> "Assignment":
        source_nb = nbformat.read(source_path, as_version=4)
        number = source_path.stem.split("_")[0]
        return cls(source_path, number, source_nb, exercises.build(source_path), checks_of(source_nb),
                   check_modules(number), hidden_lines(source_nb))

    @property
    def name(self) -> str:
        return self.source_path.stem


def grade_student(student: str, handed_in: Student, assignment: Assignment, settings: Settings, folder: Path,
                  submissions: Path) -> Grade:
    """Grade one student's submission; never raises (a grader fault becomes status 'error')."""
    zero = dict.fromkeys(assignment.checks, 0.0)
    try:
        path, pick_note = choose(handed_in.files, assignment.number)
        notes = list(handed_in.notes)   # files refused (links, ...) or left out (outside the folder)
        if path is None:
            refused = any(n.startswith("refused") for n in notes)
            return Grade(student, "invalid notebook" if refused else "missing", zero,
                         notes=notes if refused else notes + [pick_note])
        notes += [pick_note] if pick_note else []
        try:
            submission = read_answers(path, answer_ids(assignment.source_nb), within=submissions)
        except InvalidNotebook as exc:
            return Grade(student, "invalid notebook", zero, notes=notes + [f"{path.name}: {exc}"], file=path.name)
        graded_nb, build_notes = build_graded_notebook(assignment.source_nb, assignment.stub_nb, submission,
                                                       assignment.modules, assignment.secret)
        run = run_worker(graded_nb, settings, folder)
        grade = score_run(run, graded_nb, assignment.checks, settings, assignment.hidden)
        grade.student, grade.file = student, path.name
        grade.notes[:0] = notes + build_notes
        if found := suspicious(graded_nb):
            grade.review.append(f"review by hand: answer cells use {', '.join(found)}")
        return grade
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return Grade(student, "error", zero, notes=[f"grader error: {type(exc).__name__}: {exc}"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def grade_all(submissions: Path, assignment: Assignment, settings: Settings, workers: int,
              progress: bool = True) -> list[Grade]:
    """Grade every student in `submissions` on a pool of `workers` threads (one worker process each)."""
    found = collect(submissions, assignment.number)
    for name, why in found.ignored.items():
        print(f"ignored: {printable(name)} ({why})", file=sys.stderr)
    _STOPPING.clear()
    run_root = Path(tempfile.mkdtemp(prefix="nnlib-grade-"))
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    grades = []
    try:
        futures = [pool.submit(grade_student, name, handed_in, assignment, settings, run_root / str(i), submissions)
                   for i, (name, handed_in) in enumerate(sorted(found.students.items()))]
        bar = tqdm(as_completed(futures), total=len(futures), desc=f"grading {assignment.name}",
                   unit="notebook", disable=not progress)
        for future in bar:
            grades.append(future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
        raise
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(run_root, ignore_errors=True)
    return sorted(grades, key=lambda g: g.student)


# -- reports -------------------------------------------------------------------------------------

def fmt(points: float) -> str:
    return f"{points:g}"


def write_gradebook(path: Path, grades: list[Grade], assignment: Assignment) -> None:
    """One row per student: student, assignment, status, score, max_score, one column per check, note."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "status", "score", "max_score", *assignment.checks, "note"])
        for g in grades:
            note = "; ".join(g.notes + g.review)
            writer.writerow([spreadsheet_safe(g.student), assignment.name, g.status, fmt(g.score),
                             fmt(sum(assignment.checks.values())),
                             *(fmt(g.points.get(c, 0.0)) for c in assignment.checks), spreadsheet_safe(note)])


def feedback_markdown(grade: Grade, assignment: Assignment) -> str:
    """The student's feedback: total, then each check ✓/✗ with why it failed. No tests, no tracebacks."""
    total = sum(assignment.checks.values())
    lines = [f"# {assignment.name}: {fmt(grade.score)} / {fmt(total)} points", "",
             f"Student: {grade.student} · file: {grade.file or '-'} · status: {grade.status}", ""]
    if grade.status in ("missing", "invalid notebook"):
        lines += ["Your notebook could not be graded: " + "; ".join(grade.notes), ""]
    else:
        for grade_id, points in assignment.checks.items():
            earned = grade.points.get(grade_id, 0.0)
            mark = "✓" if grade_id not in grade.messages else "✗"
            lines.append(f"- {mark} `{grade_id}` — {fmt(earned)} / {fmt(points)}")
            if grade_id in grade.messages:
                lines += ["  ~~~", *("  " + l for l in fence_safe(grade.messages[grade_id]).splitlines()), "  ~~~"]
        if grade.answer_errors:
            lines += ["", "## Errors in your answer cells", ""]
            lines += [f"- {fence_safe(e).splitlines()[0]}" for e in grade.answer_errors if e.strip()]
        if grade.notes:
            lines += ["", "## Notes", ""] + [f"- {fence_safe(n)}" for n in grade.notes]
        lines += ["", "_How this was graded: your answer cells were run in a fresh copy of the assignment, with "
                  "the original check cells and more tests with other random inputs. Code outside the answer "
                  "cells was not run, so put helper code inside your answer cell._"]
    return "\n".join(lines) + "\n"


def fence_safe(text: str) -> str:
    return text.replace("~~~", "~ ~ ~").replace("`", "'")


def write_feedback(folder: Path, grades: list[Grade], assignment: Assignment) -> None:
    """FOLDER/<student>/NN_topic.md for every student (folder names unique over the class)."""
    names = feedback_folder_names([g.student for g in grades])
    for grade in grades:
        path = folder / names[grade.student] / f"{assignment.name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(printable(feedback_markdown(grade, assignment)), encoding="utf-8")


# -- command line --------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnlib.course.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="folder of student folders or <student>_<NN_topic>.ipynb files")
    parser.add_argument("--assignment", required=True, help="NN or NN_topic of a notebook in solutions/")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV gradebook to write")
    parser.add_argument("--feedback", type=Path, help="write FEEDBACK/<student>/<NN_topic>.md for every student")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="notebooks graded at once (default: the number of cores)")
    parser.add_argument("--cell-timeout", type=int, default=60,
                        help="seconds per cell before the kernel is interrupted")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per notebook before everything is killed")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address-space limit of the kernel (0: none)")
    parser.add_argument("--unsafe", action="store_true",
                        help="grade without the bubblewrap sandbox (only for submissions you trust: " + UNSAFE_EXPOSES + ")")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", module="nbformat")   # students' notebooks: missing cell ids and the like
    if not args.submissions.is_dir():
        raise SystemExit(f"{args.submissions}: not a folder")
    assignment = Assignment.load(find_source(args.assignment))
    settings = Settings(args.cell_timeout, args.timeout, args.memory_mb, sandbox=False)
    if args.unsafe:
        print(f"sandbox: OFF (--unsafe): {UNSAFE_EXPOSES}")
    else:
        settings.sandbox, message = sandbox_check(settings)
        if not settings.sandbox:
            raise SystemExit(f"sandbox: {message}. Install bubblewrap (Debian/Ubuntu: apt install bubblewrap) "
                             f"to grade safely, or pass --unsafe to grade without it: {UNSAFE_EXPOSES}.")
        print(message)
    print(cgroups_check(settings))
    start = time.monotonic()
    try:
        grades = grade_all(args.submissions, assignment, settings, args.workers)
    except KeyboardInterrupt:
        print("interrupted: every worker and kernel was stopped; no gradebook written", file=sys.stderr)
        return 130
    write_gradebook(args.out, grades, assignment)
    if args.feedback:
        write_feedback(args.feedback, grades, assignment)
    counts = {s: n for s in STATUSES if (n := sum(g.status == s for g in grades))}
    print(f"graded {len(grades)} submissions of {assignment.name} in {time.monotonic() - start:.0f} s "
          f"with {args.workers} workers: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    print(f"gradebook: {args.out}" + (f"; feedback: {args.feedback}/" if args.feedback else ""))
    return 1 if counts.get("error") else 0


if __name__ == "__main__":
    sys.exit(main())
