"""Execute one notebook for the grader (nnlib.course.grade) and report what each cell did.

One worker process per submission, started by the grader in a session of its own (and inside a
bubblewrap sandbox where available), in the submission's work directory:

    python nnlib/course/grade_worker.py --cell-timeout 60 --memory-mb 4096  < notebook.ipynb  > results.jsonl

It runs the notebook in a fresh kernel, cell by cell, and writes one JSON object per line, flushed
as it goes, so the grader keeps every finished cell even when it has to kill this process at the
notebook's time limit:

    {"kernel_pid": 1234}
    {"cell": 4, "status": "ok", "seconds": 0.12}
    {"cell": 7, "status": "error", "ename": "CheckFailed", "evalue": "mse: ...", "seconds": 0.2}
    {"cell": 9, "status": "timeout", "seconds": 60.0}     (the kernel was interrupted)
    {"cell": 11, "status": "skipped", "seconds": 0.0}     (empty, or tagged skip-execution: not sent)
    {"stuck": 9}          the kernel ignored the interrupt: the rest of the notebook is not run
    {"died": 12}          the kernel died while running cell 12 ("start": while starting)
    {"done": true}

Only an explicit "ok" execute reply from the kernel counts as a cell that ran without error.
Outputs are never kept (scores come from execute replies), so a notebook that prints gigabytes
costs this process nothing. The file imports nothing from nnlib: course code runs only in the kernel.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import resource
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

TIMEOUT_ENAME = "GraderCellTimeout"  # the synthetic reply nbclient gives for an interrupted cell
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


class QuietClient(NotebookClient):
    """A NotebookClient that keeps no outputs and remembers the last execute reply."""

    last_reply: dict | None = None  # set by the on_cell_executed hook

    def output(self, outs, msg, display_id, cell_index):
        return None  # drop every output: grading reads execute replies only


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


def limit_resources(memory_mb: int) -> None:
    """Cap the address space (inherited by the kernel) and switch off core dumps of killed kernels."""
    try:
        if memory_mb:
            limit = memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # hard limit too: the kernel cannot raise it
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
    start, client.last_reply = time.monotonic(), None
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
    probe, client.last_reply = nbformat.v4.new_code_cell("pass"), None
    try:
        client.execute_cell(probe, index, store_history=False)
    except DeadKernelError:
        return False
    return (client.last_reply or {}).get("content", {}).get("status") in ("ok", "aborted")


def kernel_pid(client: QuietClient):
    provisioner = getattr(client.km, "provisioner", None)
    return getattr(provisioner, "pid", None)


def grade_notebook(nb, cell_timeout: int, emit) -> None:
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
    started = False
    try:
        with client.setup_kernel():  # on leaving: the kernel is killed ("immediate")
            started = True
            emit(kernel_pid=kernel_pid(client))
            run_cells(client, nb, emit)
    except Exception as exc:
        if started:
            raise
        # The kernel did not come up (e.g. a memory limit too low to start Python).
        emit(died="start", reason=short(f"{type(exc).__name__}: {exc}", 3))


def run_cells(client: QuietClient, nb, emit) -> None:
    """Run the code cells in order; stop when the kernel dies or stays stuck after a timeout."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outcome = run_cell(client, cell, index)
        if outcome["status"] == "died":
            emit(died=index)
            return
        emit(cell=index, **outcome)
        if outcome["status"] == "timeout" and not responsive(client, index):
            emit(stuck=index)
            return


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Execute one notebook for nnlib.course.grade (reads it from stdin).")
    parser.add_argument("--cell-timeout", type=int, default=60)
    parser.add_argument("--memory-mb", type=int, default=4096)
    args = parser.parse_args(argv)
    nb = nbformat.read(sys.stdin, as_version=4)
    results = private_channels()
    limit_resources(args.memory_mb)
    hide_from_kernel()

    def emit(**record):
        results.write(json.dumps(record) + "\n")

    try:
        grade_notebook(nb, args.cell_timeout, emit)
    except Exception as exc:  # a grader bug: report it instead of dying silently
        emit(internal=short(f"{type(exc).__name__}: {exc}", 5))
        return 1
    emit(done=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
