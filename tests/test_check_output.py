"""What a student sees when a check fails in Jupyter: one red ✗ line, no traceback through the checker.
The cell still fails (an error output with the exception's own name), so nbval, nbgrader and the
grader count it as failed."""
import re

import nbformat
from nbclient import NotebookClient

ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELLS = {
    "stub": "def mse(y_pred, y):\n    raise NotImplementedError('Hint: average the squares')\ncheck('01.mse', mse)",
    "wrong": "def mse(y_pred, y):\n    return np.sum((y_pred - y) ** 2)\ncheck('01.mse', mse)",
    "crash": "def mse(y_pred, y):\n    first = y_pred[100]\n    return first\ncheck('01.mse', mse)",
    "right": "def mse(y_pred, y):\n    return float(np.mean((y_pred - y) ** 2))\ncheck('01.mse', mse)",
}


def test_a_failing_check_shows_one_line_and_no_traceback(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from nnlib.checks import check\nimport numpy as np")]
                                  + [nbformat.v4.new_code_cell(source) for source in CELLS.values()])
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = {}
    for name, cell in zip(CELLS, nb.cells[1:]):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        stdout = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        shown[name] = (errors[0].ename, [ANSI.sub("", line) for line in errors[0].traceback]) if errors else None
        assert "✗" not in stdout   # said once, in the error, not printed as well
    assert shown["stub"] == ("NotDone", ["✗ mse is not implemented yet (Hint: average the squares)"])
    ename, lines = shown["wrong"]
    assert ename == "CheckFailed" and len(lines) == 1 and lines[0].startswith("✗ mse: mse is ")
    ename, lines = shown["crash"]
    assert ename == "IndexError" and len(lines) == 1
    assert lines[0].startswith("✗ mse raised IndexError: index 100 is out of bounds")
    assert lines[0].endswith("(at line 2: first = y_pred[100])")   # the student's own line, nothing of the checker
    assert shown["right"] is None
