"""Reading a class's submission folder (nnlib.course.submissions): links, special files, loose files,
names in reports, and parsing hostile notebooks in a limited child process. Fast: no kernels."""
import csv
import io
import json
import os
import socket
import stat
import time
import tracemalloc
from pathlib import Path

import nbformat
import pytest

from nnlib.course import submissions as sub
from nnlib.course.submissions import InvalidNotebook

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = ROOT / "exercises" / "01_linear_regression.ipynb"
NOTEBOOK = "01_linear_regression.ipynb"
ANSWER_IDS = ["predict", "mse", "mae", "mse_grad", "gd_step", "train", "closed_form"]


def write(path: Path, text: str = "{}", mtime=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def notebook(*cells) -> bytes:
    """A minimal notebook: cells given as (grade_id or None, source)."""
    return json.dumps({"cells": [{"cell_type": "code", "source": source, "outputs": [], "execution_count": None,
                                  "metadata": {"nbgrader": {"grade_id": grade_id, "solution": True}} if grade_id
                                  else {}} for grade_id, source in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def read(tmp_path, content: bytes, ids=("predict",)):
    path = tmp_path / NOTEBOOK
    path.write_bytes(content)
    return sub.read_answers(path, list(ids))


# -- collect and choose ----------------------------------------------------------------------------

def test_collect_reads_folders_and_loose_files(tmp_path):
    write(tmp_path / "alice" / NOTEBOOK)
    write(tmp_path / "alice" / ".ipynb_checkpoints" / "01_linear_regression-checkpoint.ipynb")
    write(tmp_path / "alice" / "work" / "deeper" / "01_linear_regression-Copy1.ipynb")   # any depth
    write(tmp_path / "alice" / "__MACOSX" / "._01_linear_regression.ipynb")
    write(tmp_path / "__MACOSX" / "alice" / NOTEBOOK)
    write(tmp_path / ".DS_Store")
    write(tmp_path / "bob_smith_01_linear_regression.ipynb")
    write(tmp_path / "carol_01_linear_regression.pdf", "%PDF")
    write(tmp_path / "notes.txt")
    found = sub.collect(tmp_path, "01")
    assert sorted(found.students) == ["alice", "bob_smith", "carol"]
    assert [p.relative_to(tmp_path / "alice").as_posix() for p in found.students["alice"].files] == \
        [NOTEBOOK, "work/deeper/01_linear_regression-Copy1.ipynb"]
    assert found.students["alice"].notes == []
    assert [p.name for p in found.students["bob_smith"].files] == ["bob_smith_01_linear_regression.ipynb"]
    assert list(found.ignored) == ["notes.txt"] and "neither a student folder" in found.ignored["notes.txt"]
    path, note = sub.choose(found.students["carol"].files, "01")
    assert path is None and "carol_01_linear_regression.pdf" in note


def test_links_are_refused_and_never_followed(tmp_path):
    outside = tmp_path / "outside"
    secret = write(outside / "01_secret.ipynb", '{"cells": []}')
    subs = tmp_path / "subs"
    write(subs / "alice" / NOTEBOOK)
    (subs / "alice" / "01_copy.ipynb").symlink_to(secret)                 # a linked file inside a folder
    (subs / "alice" / "linked_dir").symlink_to(outside)                   # a linked folder inside a folder
    (subs / "alice" / "01_dangling.ipynb").symlink_to(tmp_path / "nowhere")
    (subs / "bob").symlink_to(outside)                                    # the student folder itself
    (subs / "carol_01_linear_regression.ipynb").symlink_to(secret)       # a loose file
    (subs / "stray.ipynb").symlink_to(secret)                             # a link that fits no student

    found = sub.collect(subs, "01")
    every_file = [p for s in found.students.values() for p in s.files]
    assert every_file == [subs / "alice" / NOTEBOOK]
    assert all(os.path.realpath(p).startswith(os.path.realpath(subs)) for p in every_file)
    alice = found.students["alice"].notes
    assert "refused: 01_copy.ipynb is a symbolic link; hand in the notebook file itself" in alice
    assert any("linked_dir is a symbolic link" in n for n in alice)
    assert any("01_dangling.ipynb is a symbolic link" in n for n in alice)
    assert found.students["bob"].files == [] and "bob is a symbolic link" in found.students["bob"].notes[0]
    assert "carol_01_linear_regression.ipynb is a symbolic link" in found.students["carol"].notes[0]
    assert "stray.ipynb" in found.ignored


def test_fifos_sockets_are_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "dave_01_linear_regression.ipynb")   # opening it for reading would block forever
    (tmp_path / "erin").mkdir()
    os.mkfifo(tmp_path / "erin" / NOTEBOOK)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "erin" / "01_socket.ipynb"))
    except OSError:   # path too long for a socket on this system: the fifo still covers special files
        pass
    found = sub.collect(tmp_path, "01")
    server.close()
    assert found.students["dave"].files == [] and "not a regular file" in found.students["dave"].notes[0]
    assert found.students["erin"].files == []
    assert all("not a regular file" in n for n in found.students["erin"].notes)
    with pytest.raises(InvalidNotebook, match="not a regular file"):
        sub.read_answers(tmp_path / "erin" / NOTEBOOK, ["predict"])


def test_a_loose_file_never_joins_a_folder_student(tmp_path):
    write(tmp_path / "v_alice" / NOTEBOOK)
    write(tmp_path / "v_alice_01_linear_regression.ipynb")   # newer, but outside her folder
    found = sub.collect(tmp_path, "01")
    assert found.students["v_alice"].files == [tmp_path / "v_alice" / NOTEBOOK]
    assert "v_alice handed in a folder" in found.ignored["v_alice_01_linear_regression.ipynb"]
    assert found.students["v_alice"].notes == [
        "a file outside your folder was not graded: v_alice_01_linear_regression.ipynb"]


def test_choose_takes_the_newest_and_says_so(tmp_path):
    old = write(tmp_path / NOTEBOOK, mtime=1_000_000)
    new = write(tmp_path / "01_linear_regression-Copy1.ipynb")
    other = write(tmp_path / "02_logistic_regression.ipynb")
    path, note = sub.choose([old, new, other], "01")
    assert path == new and note.startswith("2 files found, graded the newest: 01_linear_regression-Copy1.ipynb")
    assert sub.choose([old], "01") == (old, "")
    assert sub.choose([], "01") == (None, "nothing was handed in (empty folder)")
    assert sub.choose([other], "01") == (
        None, "no 01_*.ipynb notebook was handed in; found only: 02_logistic_regression.ipynb")


# -- names in the reports --------------------------------------------------------------------------

NASTY = ["=1+1", ";=cmd", "a\n=b", "@SUM(A1)", "-2+3", "bob smith", "+49 170", "\t=x", "\r=x", "x,+1",
         'bob;=HYPERLINK("http://evil","click")', 'a, "=1"', "a|=DDE()", "a ;  @x", "＝1+1", "a\u2028=b",
         "ok\x00null", "caf\udce9", "plain-name_01"]


@pytest.mark.parametrize("text", NASTY)
def test_spreadsheet_safe_leaves_no_formula_in_any_split(text):
    cell = sub.spreadsheet_safe(text)
    assert not any(c in cell for c in "\n\r\t\x00\u2028")
    assert cell.encode("utf-8")   # writable, even with undecodable bytes in a file name
    for separator in ",;|":        # a spreadsheet splitting the cell on any separator sees text only
        for piece in [cell, *cell.split(separator)]:
            assert piece.lstrip(' "')[:1] not in set(sub.FORMULA_START), (text, cell, piece)
    out = io.StringIO()
    csv.writer(out).writerow([cell])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [cell]


def test_spreadsheet_safe_examples():
    assert sub.spreadsheet_safe("=1+1") == "'=1+1"
    assert sub.spreadsheet_safe("bob;=HYPERLINK(x)") == "bob;'=HYPERLINK(x)"
    assert sub.spreadsheet_safe("a\n=b") == "a =b"   # a space is no separator: '=b' is not a cell of its own
    assert sub.spreadsheet_safe("x, -1") == "x, '-1"
    assert sub.spreadsheet_safe("bob smith") == "bob smith"
    assert sub.spreadsheet_safe("3 - 2 = 1") == "3 - 2 = 1"   # ordinary messages keep their operators


def test_feedback_folder_names_are_unique_safe_and_stable():
    students = ["bob smith", "bob~smith", "bob_smith", "Alice", "alice", "carol", "..", ".hidden", "", "a/b",
                "x" * 300, "é" * 200, "caf\udce9", "José", "Jose\u0301", "dave-0123456789", "dave\u00a0",
                "con", "eve.", "eve"]
    names = sub.feedback_folder_names(students)
    assert set(names) == set(students)
    folded = [n.casefold() for n in names.values()]
    assert len(set(folded)) == len(folded)                       # unique, even on a case-insensitive disk
    for name in names.values():
        assert name and "/" not in name and "\\" not in name and not name.startswith(".") and name != ".."
        assert len(name.encode("utf-8")) <= 128
        assert name.encode("utf-8")
    assert names["carol"] == "carol" and names["bob_smith"] == "bob_smith"   # readable names are kept
    assert names["bob smith"].startswith("bob_smith-") and names["bob~smith"].startswith("bob_smith-")
    assert names["Alice"] != names["alice"] and names["Alice"].startswith("Alice-")
    assert names["dave-0123456789"] != "dave-0123456789"        # looks like a hash suffix: gets a real one
    assert sub.feedback_folder_names(["bob smith"]) == {"bob smith": names["bob smith"]}   # stable


# -- reading one file ------------------------------------------------------------------------------

@pytest.mark.parametrize("content, reason", [
    (b'{"cells": [', "not valid JSON"),
    (b"%PDF-1.7\n", "PDF document renamed"),
    (b"PK\x03\x04rest", "ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xfe\x00\x00garbage", "binary"),
    (b'{"hello": "world"}', "not a Jupyter notebook"),
    (b'[1, 2, 3]', "not a Jupyter notebook"),
    (b'{"cells": [1, 2]}', "not a Jupyter notebook"),
    (b'{"worksheets": [{"cells": []}], "nbformat": 3}', "old \\(version 3\\) notebook"),
    (notebook((None, "\\ud800")).replace(b"\\\\ud800", b"\\ud800"), "not valid Unicode"),
    (notebook(("predict", ["x = '", "\\udfff'"])).replace(b"\\\\udfff", b"\\udfff"), "not valid Unicode"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (notebook(*[(None, "")] * (sub.MAX_CELLS + 1)), f"more than {sub.MAX_CELLS} cells"),
])
def test_read_answers_says_why_a_file_is_not_a_notebook(tmp_path, content, reason):
    with pytest.raises(InvalidNotebook, match=reason):
        read(tmp_path, content)


def test_read_answers_returns_only_the_answer_cells():
    exercise = nbformat.read(EXERCISE, as_version=4)
    expected = {c.metadata.nbgrader["grade_id"]: c.source for c in exercise.cells
                if c.metadata.get("nbgrader", {}).get("solution")}
    got = sub.read_answers(EXERCISE, ANSWER_IDS + ["not_there"])   # sources stored as lists of lines
    assert got == sub.Submission(expected, [], len(exercise.cells))


def test_read_answers_last_copy_wins_and_odd_cells_are_skipped(tmp_path):
    content = notebook(("predict", "first"), ("mse", ["a = 1\n", "b = 2"]), ("predict", "second"),
                       ("predict", "third"), ("mae", 42), ("mse_grad", ["ok", 3]), ("other", "not asked for"),
                       (None, "scratch"))
    got = read(tmp_path, content, ["predict", "mse", "mae", "mse_grad"])
    assert got.answers == {"predict": "third", "mse": "a = 1\nb = 2"}
    assert got.twice == ["predict"] and got.n_cells == 8
    odd = json.loads(content)
    odd["cells"][0]["metadata"] = {"nbgrader": "not a dict"}
    odd["cells"][2]["metadata"] = []
    assert read(tmp_path, json.dumps(odd).encode(), ["predict"]).answers == {"predict": "third"}


def test_nesting_counts_brackets_outside_strings_only(tmp_path):
    deep = {"cells": [], "metadata": {}}
    inner = deep["metadata"]
    for _ in range(sub.MAX_DEPTH - 2):   # with the notebook and its metadata: MAX_DEPTH levels
        inner["x"] = {}
        inner = inner["x"]
    assert sub.json_depth(json.dumps(deep).encode()) == sub.MAX_DEPTH
    assert read(tmp_path, json.dumps(deep).encode()).n_cells == 0
    inner["x"] = []
    with pytest.raises(InvalidNotebook, match="nested too deeply"):
        read(tmp_path, json.dumps(deep).encode())
    brackets = notebook(("predict", "[[[{{{" * 5000 + ' \\" \\\\ ' + "]]]}}}" * 5000))
    assert read(tmp_path, brackets).answers["predict"].startswith("[[[{{{")
    assert sub.json_depth(b'["a\\\\", ["\\"[[[", {"b": "\\\\\\"{{"}]]') == 3


def test_a_big_notebook_of_empty_cells_is_refused_quickly_in_little_memory(tmp_path):
    """19 MB, 100,000 empty cells: refused for its cell count, parsed in the child, not in the grader."""
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {"pad": "x" * 90}, "outputs": [],
              "source": []}] * 100_000
    path = tmp_path / NOTEBOOK
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    del cells
    assert 18 * 2**20 < path.stat().st_size < sub.MAX_NOTEBOOK_BYTES
    tracemalloc.start()
    start = time.monotonic()
    with pytest.raises(InvalidNotebook, match="more than 2000 cells"):
        sub.read_answers(path, ANSWER_IDS)
    seconds = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"19 MB / 100,000 cells refused in {seconds:.2f} s; grader-side peak {peak / 2**20:.2f} MB")
    assert seconds < 10
    assert peak < 2 * 2**20   # the grader process never holds the file or its parse


def test_too_big_links_special_files_and_outside_paths_are_refused_before_parsing(tmp_path):
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as f:
        f.truncate(sub.MAX_NOTEBOOK_BYTES + 1)   # sparse: no disk used
    with pytest.raises(InvalidNotebook, match="MB; a notebook here is well under 20 MB"):
        sub.read_answers(big, ["predict"])
    real = tmp_path / "real.ipynb"
    real.write_bytes(notebook(("predict", "x = 1")))
    (tmp_path / "link.ipynb").symlink_to(real)
    with pytest.raises(InvalidNotebook, match="symbolic link"):
        sub.read_answers(tmp_path / "link.ipynb", ["predict"])
    with pytest.raises(InvalidNotebook, match="cannot be read"):
        sub.read_answers(tmp_path / "missing.ipynb", ["predict"])
    with pytest.raises(InvalidNotebook, match="outside the submissions folder"):
        sub.read_answers(real, ["predict"], within=tmp_path / "subs")
    assert sub.read_answers(real, ["predict"], within=tmp_path).answers == {"predict": "x = 1"}


def fake_python(tmp_path, script: str) -> str:
    path = tmp_path / "fake_python"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.mark.parametrize("script, reason", [
    ("exit 3", "stopped with exit code 3"),
    ("kill -9 $$", "too long .* or too much memory"),
    ("echo garbage", "reply was malformed"),
    ("echo '[1, 2]'", "reply was malformed"),
    ('echo \'{"answers": {"predict": 1}, "twice": [], "n_cells": 1}\'', "reply was malformed"),
    ('echo \'{"answers": {"secret": "x"}, "twice": [], "n_cells": 1}\'', "reply was malformed"),
    ('echo \'{"answers": {}, "twice": [["x"]], "n_cells": 1}\'', "reply was malformed"),
    ('echo \'{"answers": {}, "twice": [], "n_cells": true}\'', "reply was malformed"),
])
def test_a_crashing_or_garbled_reader_is_an_invalid_notebook(tmp_path, monkeypatch, script, reason):
    path = tmp_path / NOTEBOOK
    path.write_bytes(notebook(("predict", "x = 1")))
    monkeypatch.setattr(sub.sys, "executable", fake_python(tmp_path, script))
    with pytest.raises(InvalidNotebook, match=reason):
        sub.read_answers(path, ["predict"])


def test_a_slow_reader_is_stopped(tmp_path, monkeypatch):
    path = tmp_path / NOTEBOOK
    path.write_bytes(notebook(("predict", "x = 1")))
    monkeypatch.setattr(sub.sys, "executable", fake_python(tmp_path, "sleep 30"))
    monkeypatch.setattr(sub, "READ_TIMEOUT", 0.5)
    start = time.monotonic()
    with pytest.raises(InvalidNotebook, match="took too long"):
        sub.read_answers(path, ["predict"])
    assert time.monotonic() - start < 10


def test_the_reader_runs_isolated_from_the_environment(tmp_path, monkeypatch):
    """The child is `python -I -S` with a bare environment: a json.py where the grader runs, or on
    PYTHONPATH, is not imported; a relative path is read from the grader's working directory."""
    (tmp_path / "json.py").write_text("raise SystemExit('hijacked')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    (tmp_path / NOTEBOOK).write_bytes(notebook(("predict", "x = 1")))
    assert sub.read_answers(Path(NOTEBOOK), ["predict"]).answers == {"predict": "x = 1"}
