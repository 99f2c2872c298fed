"""The student bundle (`make release`): everything a class needs to work, nothing that gives answers away."""
import subprocess
import sys
import zipfile
from pathlib import Path

from nnlib.course import release

ROOT = Path(__file__).resolve().parents[1]


def test_the_release_holds_the_course_but_no_answers(tmp_path):
    archive = release.build(tmp_path / "release")
    out = tmp_path / "release"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["LICENSE", "Makefile", "README.md", "exercises", "lectures", "nnlib", "pyproject.toml", "requirements.txt"])
    assert sorted(p.name for p in (out / "nnlib" / "course").iterdir()) == ["__init__.py", "environment.py", "wire.py"]
    for name in (p.name for p in (ROOT / "exercises").glob("*.ipynb")):
        assert (out / "exercises" / name).read_bytes() == (ROOT / "exercises" / name).read_bytes()
    assert release.leaks(out) == []
    requirements = (out / "requirements.txt").read_text()
    assert "numpy" in requirements and "jupyterlab" in requirements and "-e ." in requirements
    assert "nbgrader" not in requirements and "pytest" not in requirements   # no grading tools for students
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    assert "release/exercises/01_linear_regression.ipynb" in names
    assert not any(n.startswith(("release/solutions", "release/tests")) for n in names)


def test_the_leak_guard_bites(tmp_path):
    (tmp_path / "x.py").write_text("# BEGIN HIDDEN TESTS\n")
    assert release.leaks(tmp_path) == ["x.py: BEGIN HIDDEN TESTS"]


def test_a_check_runs_from_the_release_alone(tmp_path):
    release.build(tmp_path / "release")
    code = ("import nnlib.checks\n"
            "def mse(y_pred, y):\n    raise NotImplementedError('Hint: x')\n"
            "try:\n    nnlib.checks.check('01.mse', mse)\nexcept nnlib.checks.NotDone as e:\n    print('stub:', e)\n"
            "import numpy as np\n"
            "nnlib.checks.check('01.mse', lambda y_pred, y: float(np.mean((y_pred - y) ** 2)))\n"
            "import nnlib; print(nnlib.__file__)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "release", capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(tmp_path / "release"), "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "stub: mse is not implemented yet (Hint: x)" in done.stdout and "✓" in done.stdout
    assert done.stdout.strip().endswith(str(tmp_path / "release" / "nnlib" / "__init__.py"))
