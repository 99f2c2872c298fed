"""Execute one notebook for the grader (nnlib.course.grade) and report what each cell did.

One worker process per submission, started by the grader in a session of its own (and, where
bubblewrap works, as pid 1 of a sandbox), in the submission's work directory:

    python nnlib/course/grade_worker.py --cell-timeout 60 --memory-mb 4096  < notebook.ipynb  > results.jsonl

The notebook's metadata carries the grading plan (the grader removes nothing else): which cells are
checks, the check modules, and this grading run's secret. Every other code cell runs in a fresh
kernel, in order. A check cell never reaches the kernel: it runs HERE, in the checker, where the
student's code cannot reach. Its names for the student's functions (`check("01.mse", mse)`) are
proxies: each call sends the arguments to the kernel as plain data (nnlib/course/wire.py), the kernel
runs the student's function, and the result comes back as plain data. The seeds written in the check
cells are replaced by seeds derived from the run's secret, so no answer can be prepared in advance.

It writes one JSON object per line, flushed as it goes, so the grader keeps every finished cell even
when it has to kill this process at the notebook's time limit:

    {"kernel_pid": 1234}
    {"cell": 4, "status": "ok", "seconds": 0.12}
    {"cell": 7, "status": "error", "ename": "CheckFailed", "evalue": "mse: ...", "seconds": 0.2}
    {"cell": 9, "status": "timeout", "seconds": 60.0}     (the kernel was interrupted)
    {"cell": 11, "status": "skipped", "seconds": 0.0}     (empty, or tagged skip-execution: not sent)
    {"stuck": 9}          the kernel ignored the interrupt: the rest of the notebook is not run
    {"died": 12}          the kernel died while running cell 12 ("start": while starting)
    {"done": true}

Only an explicit "ok" execute reply from the kernel counts as a cell that ran without error, and only
a check that returned in this process counts as a passed check. Outputs are never kept (except the
replies to calls), so a notebook that prints gigabytes costs this process nothing. Everything this
process imports is imported before the kernel starts.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import ctypes
import hashlib
import importlib
import json
import os
import re
import resource
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

import nnlib.checks
from nnlib.course import wire

TIMEOUT_ENAME = "GraderCellTimeout"  # the synthetic reply nbclient gives for an interrupted cell
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
MAX_REPLY_CHARS = 64 * 2**20           # a call's reply larger than this is refused, not parsed
PLAN_KEY = "nnlib_grader"


class QuietClient(NotebookClient):
    """A NotebookClient that keeps no outputs (but the replies to calls) and remembers the last execute reply."""

    last_reply: dict | None = None  # set by the on_cell_executed hook
    replies: list | None = None     # while a call runs: the wire replies seen

    def output(self, outs, msg, display_id, cell_index):
        if self.replies is not None and msg.get("msg_type") in ("display_data", "execute_result"):
            data = msg.get("content", {}).get("data", {}).get(wire.MIME)
            if isinstance(data, str):
                self.replies.append(data if len(data) <= MAX_REPLY_CHARS else None)
        return None  # drop every output: grading reads execute replies only


class CellTimeout(BaseException):
    """The check cell's time ran out while a call ran in the kernel (the kernel was interrupted).
    A BaseException, so that no `except Exception` in a check can swallow it."""


class KernelDied(BaseException):
    """The kernel died while running a call."""


class Stuck(BaseException):
    """The kernel did not stop when a timed-out call was interrupted."""


def short(text, lines: int = 6, chars: int = 1000) -> str:
    """The first few lines of an error message, without terminal colour codes."""
    text = ANSI.sub("", str(text))
    return "\n".join(text.splitlines()[:lines])[:chars]


def private_channels():
    """Keep fds 1 and 2 for ourselves and give the kernel /dev/null in their place.

    The kernel inherits this process's fds 0-2. Pointing them at /dev/null means student code can
    neither write into the results file (and forge grades) nor flood the grader's log. Duplicated
    fds are not inheritable (PEP 446), so the kernel does not get the copies we keep.
    """
    results = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdout = sys.stderr
    return results


def limit_resources(memory_mb: int, file_mb: int = 256) -> None:
    """Cap the address space and the size of any file written (both inherited by the kernel; hard limits
    too, so the kernel cannot raise them) and switch off core dumps of killed kernels."""
    try:
        if memory_mb:
            limit = memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * 2**20, file_mb * 2**20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError) as exc:  # e.g. macOS, which does not enforce RLIMIT_AS
        print(f"grade_worker: cannot limit resources here: {exc}", file=sys.stderr)


def hide_from_kernel() -> None:
    """Make this process non-dumpable (Linux), so the kernel, running as the same user, cannot open
    our results file through /proc/<pid>/fd or attach a debugger. Best effort elsewhere."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


def run_cell(client: QuietClient, cell, index: int) -> dict:
    """Execute one code cell; return its status ("ok", "error", "timeout", "skipped" or "died") and timing."""
    start, client.last_reply, client.timeout = time.monotonic(), None, client.cell_timeout
    try:
        client.execute_cell(cell, index)
    except DeadKernelError:
        return {"status": "died", "seconds": round(time.monotonic() - start, 2)}
    reply = (client.last_reply or {}).get("content", {})
    if client.last_reply is None:  # nbclient did not send it: an empty cell, or one tagged skip-execution
        outcome = {"status": "skipped"}
    elif reply.get("status") == "ok":
        outcome = {"status": "ok"}
    elif reply.get("ename") == TIMEOUT_ENAME:
        outcome = {"status": "timeout"}
    else:  # an error, or an "aborted" reply: the cell did not run cleanly
        outcome = {"status": "error", "ename": short(reply.get("ename", "NoReply"), 1, 100),
                   "evalue": short(reply.get("evalue", f"the kernel replied {reply.get('status')!r}"))}
    outcome["seconds"] = round(time.monotonic() - start, 2)
    return outcome


def responsive(client: QuietClient, index: int) -> bool:
    """After a timed-out cell was interrupted: does the kernel run a trivial cell again in time?

    A loop that catches KeyboardInterrupt keeps the kernel busy forever; every later cell would
    then time out in turn, so grading stops instead.
    """
    probe, client.last_reply, client.timeout = nbformat.v4.new_code_cell("pass"), None, client.cell_timeout
    try:
        client.execute_cell(probe, index, store_history=False)
    except DeadKernelError:
        return False
    return (client.last_reply or {}).get("content", {}).get("status") in ("ok", "aborted")


def kernel_pid(client: QuietClient):
    provisioner = getattr(client.km, "provisioner", None)
    return getattr(provisioner, "pid", None)


def grade_notebook(nb, cell_timeout: int, emit, plan: dict | None = None) -> None:
    """Run every code cell of `nb` in order in a fresh kernel, emitting one record per cell."""
    client = QuietClient(
        nb, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": f"timed out after {cell_timeout:g} s", "traceback": []},
        kernel_name="python3", shutdown_kernel="immediate", iopub_timeout=1,
        resources={"metadata": {"path": os.getcwd()}})
    # allow_errors: the kernel must not abort queued requests after an error (stop_on_error), and
    # an error is judged from the reply, which the hook below stores. iopub_timeout: outputs are not
    # kept, so there is no point waiting long for the last ones after a reply (or after a timeout).
    client.on_cell_executed = lambda cell, cell_index, execute_reply: setattr(client, "last_reply", execute_reply)
    client.cell_timeout = cell_timeout
    started = False
    try:
        with client.setup_kernel():  # on leaving: the kernel is killed ("immediate")
            started = True
            emit(kernel_pid=kernel_pid(client))
            run_cells(client, nb, plan or {}, emit)
    except Exception as exc:
        if started:
            raise
        # The kernel did not come up (e.g. a memory limit too low to start Python).
        emit(died="start", reason=short(f"{type(exc).__name__}: {exc}", 3))


def run_cells(client: QuietClient, nb, plan: dict, emit) -> None:
    """Run the code cells in order (check cells in this process); stop when the kernel dies or stays
    stuck after a timeout."""
    checks = set(plan.get("check_cells", []))
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if index in checks:
            outcome = run_check_cell(client, cell, index, plan["secret"])
        else:
            outcome = run_cell(client, cell, index)
        if outcome["status"] == "died":
            emit(died=index)
            return
        stuck = outcome.pop("stuck", False)
        emit(cell=index, **outcome)
        if stuck or (outcome["status"] == "timeout" and not responsive(client, index)):
            emit(stuck=index)
            return


# -- check cells: run here, calling the student's functions in the kernel -----------------------

def remote_sender(client: QuietClient, index: int, deadline: float):
    """send(target, request) -> reply for wire.RemoteFunction: one execute request per call, no history."""

    def send(target, request):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CellTimeout()
        code = (f"__import__('nnlib.course.wire', fromlist=['reply']).reply({target!r}, "
                f"{json.dumps(request)!r})")
        client.timeout, client.replies, client.last_reply = max(1, int(remaining + 0.999)), [], None
        try:
            client.execute_cell(nbformat.v4.new_code_cell(code), index, store_history=False)
        except DeadKernelError:
            raise KernelDied() from None
        finally:
            replies, client.replies = client.replies, None
        content = (client.last_reply or {}).get("content", {})
        if content.get("ename") == TIMEOUT_ENAME:
            if not responsive(client, index):
                raise Stuck()
            raise CellTimeout()
        if content.get("status") != "ok" or not replies:
            # The call code itself failed (the student's code broke the kernel's side of the wire):
            # the student's answer is then that error.
            return {"error": {"ename": str(content.get("ename", "NoReply")),
                              "evalue": str(content.get("evalue", "the kernel sent no reply to the call")), "where": ""}}
        if replies[-1] is None:
            return {"error": {"ename": "ValueError", "evalue": "the result is too large to check", "where": ""}}
        return json.loads(replies[-1])

    return send


def secret_seed(secret: str, key: str, seed) -> int:
    """The seed a check really uses in this grading run: the written one, mixed with the run's secret."""
    digest = hashlib.sha256(f"{secret}\0{key}\0{seed!r}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def free_names(source: str) -> set[str]:
    """Names the cell reads without defining them (besides builtins and `check`): the student's functions."""
    tree = ast.parse(source)
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    return loaded - stored - set(dir(builtins)) - {"check", "np"}


def run_check_cell(client: QuietClient, cell, index: int, secret: str) -> dict:
    """Run a check cell's code here. Its free names become proxies of the kernel's functions; the checks
    run with secret seeds. Returns the outcome record, as run_cell does."""
    start = time.monotonic()
    send = remote_sender(client, index, start + client.cell_timeout)

    def grading_check(key, answer, seed=0, quiet=False):
        nnlib.checks.check(key, answer, seed=secret_seed(secret, key, seed), quiet=True)

    namespace = {"__builtins__": builtins, "check": grading_check, "np": nnlib.checks.np}
    try:
        code = compile(cell.source, f"<check cell {index}>", "exec")
        namespace.update({name: wire.RemoteFunction(name, send) for name in free_names(cell.source)})
        exec(code, namespace)
        outcome = {"status": "ok"}
    except CellTimeout:
        outcome = {"status": "timeout"}
    except Stuck:
        outcome = {"status": "timeout", "stuck": True}
    except KernelDied:
        return {"status": "died", "seconds": round(time.monotonic() - start, 2)}
    except Exception as exc:
        ename = getattr(exc, "student_ename", type(exc).__name__)
        outcome = {"status": "error", "ename": short(ename, 1, 100), "evalue": short(failure_text(exc))}
    outcome["seconds"] = round(time.monotonic() - start, 2)
    return outcome


def failure_text(exc: BaseException) -> str:
    """What a student reads after the exception's name: a check's own message, or the message of the
    exception their function raised and the line where."""
    return f"{exc}{getattr(exc, 'student_where', '')}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Execute one notebook for nnlib.course.grade (reads it from stdin).")
    parser.add_argument("--cell-timeout", type=int, default=60)
    parser.add_argument("--memory-mb", type=int, default=4096)
    args = parser.parse_args(argv)
    nb = nbformat.read(sys.stdin, as_version=4)
    plan = nb.metadata.pop(PLAN_KEY, {})
    for module in plan.get("modules", []):   # now, while nothing the kernel wrote can be imported
        importlib.import_module(module)
    results = private_channels()
    limit_resources(args.memory_mb)
    hide_from_kernel()

    def emit(**record):
        results.write(json.dumps(record) + "\n")

    try:
        grade_notebook(nb, args.cell_timeout, emit, plan)
    except Exception as exc:  # a grader bug: report it instead of dying silently
        emit(internal=short(f"{type(exc).__name__}: {exc}", 5))
        return 1
    emit(done=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
