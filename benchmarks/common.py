"""What the benchmark scripts share: timing, the machine's description, optional PyTorch."""
from __future__ import annotations

import platform
import statistics
import time

import numpy as np


def blas_name() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy or unusual builds
        return "unknown"


def torch_or_none(threads: int = 2):
    """torch with `threads` intra-op threads, or None where it is not installed (it is never a course
    requirement; `pip install torch --index-url .../cpu` or a local CPU wheel adds it for benchmarks)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def header(what: str, torch) -> str:
    versions = f"numpy {np.__version__} ({blas_name()})"
    versions += f", torch {torch.__version__} CPU, {torch.get_num_threads()} threads" if torch else ", torch not installed"
    return f"{what}\n{versions}, python {platform.python_version()}, {platform.machine()}"


def median_ms(fn, repeats: int, warmup: int = 2) -> float:
    """Median wall time of fn() in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)
