"""Limits for everything one submission starts: memory, processes and CPU, child processes included.

A per-process limit (RLIMIT_AS) is escaped by splitting memory over child processes, and processes a
submission starts in sessions of their own outlive it. A control group holds the worker, its kernel
and every descendant, whatever they do: the limits apply to their sum, and at the end the grader
kills every process still in it.

    group = Cgroup.create("nnlib-grade-1234", memory_mb=4096, max_pids=256, cpus=1.0)   # None: not possible here
    cmd = group.wrap(cmd)        # the command joins the group before it starts (thread-safe: no preexec_fn)
    ...
    group.kill(); group.remove()

Where it works: cgroup v1 (memory, pids, cpu controllers) or v2 with those controllers delegated, when
this user may create groups there (root, or a delegated systemd scope). Elsewhere `create` returns
None and the grader says so: the sandbox's pid namespace still kills every process at the end, and
RLIMIT_AS still caps each process, but memory spread over many processes and CPU used by background
processes are not capped.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


def _own_v2_group() -> Path | None:
    """This process's cgroup v2 directory, if the unified hierarchy is mounted at ROOT."""
    try:
        line = next(l for l in Path("/proc/self/cgroup").read_text().splitlines() if l.startswith("0::"))
    except (OSError, StopIteration):
        return None
    path = ROOT / line[3:].lstrip("/")
    return path if (ROOT / "cgroup.controllers").exists() else None


class Cgroup:
    def __init__(self, dirs: list[Path]):
        self.dirs = dirs   # one per hierarchy (v1: memory, pids, cpu; v2: one)

    @classmethod
    def create(cls, name: str, memory_mb: int, max_pids: int, cpus: float) -> "Cgroup | None":
        """A new group with these limits, or None where this user cannot create one."""
        try:
            return cls._create_v2(name, memory_mb, max_pids, cpus) or cls._create_v1(name, memory_mb, max_pids, cpus)
        except OSError:
            return None

    @classmethod
    def _create_v1(cls, name, memory_mb, max_pids, cpus):
        hierarchies = {c: ROOT / c for c in ("memory", "pids", "cpu")}
        if not all((d / "cgroup.procs").exists() and os.access(d, os.W_OK) for d in hierarchies.values()):
            return None
        group = cls([d / name for d in hierarchies.values()])
        for d in group.dirs:
            d.mkdir(exist_ok=True)
        try:
            if memory_mb:
                (hierarchies["memory"] / name / "memory.limit_in_bytes").write_text(str(memory_mb * 2**20))
            (hierarchies["pids"] / name / "pids.max").write_text(str(max_pids))
            (hierarchies["cpu"] / name / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (hierarchies["cpu"] / name / "cpu.cfs_quota_us").write_text(str(int(cpus * PERIOD_US)))
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _create_v2(cls, name, memory_mb, max_pids, cpus):
        parent = _own_v2_group()
        if parent is None:
            return None
        enabled = set((parent / "cgroup.subtree_control").read_text().split())
        if not {"memory", "pids", "cpu"} <= enabled or not os.access(parent, os.W_OK):
            return None   # the controllers are not delegated to us
        group = cls([parent / name])
        group.dirs[0].mkdir(exist_ok=True)
        try:
            if memory_mb:
                (group.dirs[0] / "memory.max").write_text(str(memory_mb * 2**20))
                (group.dirs[0] / "memory.swap.max").write_text("0")
            (group.dirs[0] / "pids.max").write_text(str(max_pids))
            (group.dirs[0] / "cpu.max").write_text(f"{int(cpus * PERIOD_US)} {PERIOD_US}")
        except OSError:
            group.remove()
            raise
        return group

    def wrap(self, cmd: list[str]) -> list[str]:
        """`cmd` preceded by a shell that moves itself into the group, then execs the command."""
        joins = " && ".join(f'echo $$ > "{d}/cgroup.procs"' for d in self.dirs)
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "nnlib-grade", *cmd]

    def pids(self) -> list[int]:
        found = set()
        for d in self.dirs:
            try:
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL every process in the group (a few rounds: a fork may race the first)."""
        for _ in range(20):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)

    def remove(self) -> None:
        for d in self.dirs:
            try:
                d.rmdir()
            except OSError:
                pass

    def peak_memory_mb(self) -> float | None:
        for d in self.dirs:
            for f in ("memory.max_usage_in_bytes", "memory.peak"):
                try:
                    return int((d / f).read_text()) / 2**20
                except (OSError, ValueError):
                    continue
        return None
