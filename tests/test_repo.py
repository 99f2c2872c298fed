"""Repository invariants: notebooks are committed clean and the notebook runner is wired in."""
import json
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("lectures", "solutions", "exercises")


def committed_notebooks():
    return sorted(p for d in NOTEBOOK_DIRS for p in (ROOT / d).glob("*.ipynb"))


def test_notebooks_have_no_outputs():
    dirty = []
    for path in committed_notebooks():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
                dirty.append(f"{path.relative_to(ROOT)} cell {i}")
    assert not dirty, "notebooks must be committed without outputs (clear them): " + ", ".join(dirty)


def test_make_test_runs_every_lecture_and_solution_notebook_with_a_cell_timeout():
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = re.search(r"^test: .*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "pytest tests $(NOTEBOOK_DIRS) $(NBVAL)" in test_recipe
    assert re.search(r"^NOTEBOOK_DIRS := \$\(wildcard lectures solutions\)$", makefile, re.M)
    nbval = re.search(r"^NBVAL\s*:=\s*(.*)$", makefile, re.M).group(1)
    assert "--nbval-lax" in nbval and "--nbval-current-env" in nbval
    timeout = int(re.search(r"--nbval-cell-timeout=(\d+)", nbval).group(1))
    assert timeout <= 300, "a dead kernel must not hang CI for nbval's default 2000 s"


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def test_mnist_files_keep_their_attribution():
    folder = ROOT / "nnlib" / "datasets" / "mnist"
    provenance = (folder / "PROVENANCE.md").read_text()
    assert "LeCun" in provenance and "Creative Commons" in provenance
    for f in folder.iterdir():
        if f.name != "PROVENANCE.md":
            assert f.name in provenance


def test_the_course_environment_hides_grading_tools_and_uses_one_blas_thread():
    """`make setup` installs the kernel with one BLAS thread and switches nbgrader's JupyterLab tools off
    (students need none of them; `make grading-ui` switches them on)."""
    prefix = pathlib.Path(sys.prefix)
    if not (prefix / ".installed").exists():
        pytest.skip("this environment was not made by `make setup`")
    spec = json.loads((prefix / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert spec["env"]["OPENBLAS_NUM_THREADS"] == "1" and spec["argv"][0] == sys.executable
    page = json.loads((prefix / "etc/jupyter/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"].get("@jupyter/nbgrader") is True
    server = {}
    for config in sorted((prefix / "etc/jupyter/jupyter_server_config.d").glob("*.json")):   # later files win
        server.update(json.loads(config.read_text()).get("ServerApp", {}).get("jpserver_extensions", {}))
    assert server and not any(v for k, v in server.items() if k.startswith("nbgrader"))
    overrides = json.loads((prefix / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["autoStartDefaultKernel"] is True
