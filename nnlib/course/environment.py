"""Set up JupyterLab for the course in this virtual environment (run by `make setup`, once):

    python -m nnlib.course.environment                # what students need
    python -m nnlib.course.environment --grading-ui   # instructors: nbgrader's menus and sidebars too

- the kernel runs with one BLAS thread: the course's matrices are small, and on a 2-core laptop a
  second BLAS thread competing with JupyterLab and the browser makes training slower, not faster;
- a notebook opens with its own kernel, without a dialog asking which one to start;
- nbgrader's JupyterLab tools are off (students need none of them), unless --grading-ui.

Everything is written under sys.prefix (the venv), so nothing outside it changes. The kernel keeps
the default display name: another name makes JupyterLab ask every student to pick a kernel.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ONE_BLAS_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
NBGRADER_SERVER = [f"nbgrader.server_extensions.{name}"
                   for name in ("formgrader", "validate_assignment", "assignment_list", "course_list")]
AUTOSTART = {"@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True}}


def jupyter(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "jupyter", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def install_kernel() -> None:
    env = [arg for name in ONE_BLAS_THREAD for arg in ("--env", name, "1")]
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
                    "--display-name", "Python 3 (ipykernel)", *env], check=True, stdout=subprocess.DEVNULL)


def autostart_kernels() -> None:
    """JupyterLab's setting 'always start the preferred kernel', as a default for this environment."""
    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    settings.update(AUTOSTART)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def grading_ui(on: bool) -> None:
    """nbgrader's lab extension and server extensions on or off (nothing to do without nbgrader)."""
    if importlib.util.find_spec("nbgrader") is None:
        return
    verb = "enable" if on else "disable"
    jupyter("labextension", verb, "--level=sys_prefix", "@jupyter/nbgrader")
    for extension in NBGRADER_SERVER:
        jupyter("server", "extension", verb, "--sys-prefix", extension)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlib.course.environment", description=__doc__.split("\n\n")[0])
    parser.add_argument("--grading-ui", action="store_true", help="show nbgrader's tools in JupyterLab (instructors)")
    args = parser.parse_args(argv)
    install_kernel()
    autostart_kernels()
    grading_ui(args.grading_ui)
    return 0


if __name__ == "__main__":
    sys.exit(main())
