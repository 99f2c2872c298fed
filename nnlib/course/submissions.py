"""Reading a class's submission folder safely: who handed in what, and the answer cells of one file.

Everything here treats the folder's content as hostile (names, links, file contents):

- `collect` walks the folder without following symbolic links and never reads a link, a fifo, a
  socket or a device: those are refused with a note for the student's row.
- `read_answers` parses one notebook in a child Python process with a time limit and a memory limit
  and caps on size, cell count and JSON nesting; the child sends back only the answer cells' code.
- `spreadsheet_safe` and `feedback_folder_names` make names fit for a CSV cell and for a folder.

This module imports only the standard library: `read_answers` runs this very file as the child.
"""
from __future__ import annotations

import array
import hashlib
import itertools
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

MAX_NOTEBOOK_BYTES = 20 * 2**20   # a bigger "notebook" is refused, not parsed
MAX_CELLS = 2000                  # the course's notebooks have fewer than 40
MAX_DEPTH = 64                    # JSON nesting; a notebook's own structure is about 10 deep
READ_TIMEOUT = 20                 # seconds for the child that parses one file
READ_MEMORY = 2**30               # bytes of address space for that child
MAX_FILES = 1000                  # files listed per student (a folder of a million files is not a submission)
SKIPPED_FOLDERS = {"__MACOSX"}    # hidden ones (.ipynb_checkpoints, .git, ...) are skipped too


def printable(text: str) -> str:
    """Text that can be written as UTF-8 (a folder name's undecodable bytes arrive as lone surrogates)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _shown(name: str) -> str:
    """A file name fit for a note: undecodable bytes and control characters written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in printable(name))


# -- who handed in what --------------------------------------------------------------------------

@dataclass
class Student:
    """One student's hand-in: the regular files found (to choose from) and notes for the row."""
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # refusals etc.; shown to the student


@dataclass
class Collected:
    students: dict[str, Student]   # student name (folder name or loose-file prefix) -> hand-in
    ignored: dict[str, str]        # loose entry name -> why it was not graded (for the instructor)


def is_for(name: str, number: str) -> bool:
    """Whether a file name belongs to assignment `number`: '01_linear_regression (1).ipynb', 'bob_01_x.ipynb'."""
    return re.search(rf"(^|_){number}(?!\d)", name) is not None


def _refusal(shown: str, mode: int) -> str:
    """The note for an entry that is not read, by its lstat mode."""
    if stat.S_ISLNK(mode):
        return f"refused: {shown} is a symbolic link; hand in the notebook file itself"
    if stat.S_ISDIR(mode):
        return f"refused: {shown} is a folder, not a file"
    return (f"refused: {shown} is not a regular file (a fifo, socket or device); "
            "hand in the notebook file itself")


def _inside(path: Path, root: str) -> bool:
    return os.path.commonpath([os.path.realpath(path), root]) == root


def _walk(top: Path, root: str, student: Student) -> None:
    """Add the regular files under `top` (any depth) to `student`, refusing links and special files.

    An explicit stack and lstat only: a symbolic link is never followed, so nothing outside the
    submissions folder is reached (and a deep tree cannot exhaust the recursion limit)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            student.notes.append(f"refused: {_shown(str(Path(folder).relative_to(top)))} cannot be listed "
                                 f"({exc.strerror})")
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
                continue
            path = Path(entry.path)
            shown = _shown(str(path.relative_to(top)))
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                stack.append(path)
            elif not stat.S_ISREG(mode):
                student.notes.append(_refusal(shown, mode))
            elif not _inside(path, root):   # only if the folder changed under us: links are not followed
                student.notes.append(f"refused: {shown} lies outside the submissions folder")
            elif len(student.files) < MAX_FILES:
                student.files.append(path)
            else:
                student.notes.append(f"more than {MAX_FILES} files were handed in; the rest were not looked at")
                stack.clear()
                break
    student.files.sort()


def collect(folder: Path, number: str) -> Collected:
    """Every student of the submissions `folder` with their files, and the loose entries that fit no one.

    A sub-folder is one student (the regular files inside it, at any depth); a loose file named
    `<student>_<NN>...` belongs to <student>. Hidden entries and `__MACOSX` folders are skipped.
    Symbolic links (a student's folder, anything inside it, a loose file) and fifos, sockets and
    devices are never read: each becomes a "refused: ..." note on the student's row. A loose file
    of a student who also has a folder is not graded (only the folder counts): it is listed in
    `ignored`, and the folder's row says that a file outside it was not graded.
    """
    root = os.path.realpath(folder)
    flat = re.compile(rf"^(?P<student>.+)_{number}(?!\d)")
    students: dict[str, Student] = {}
    loose = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
            continue
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode):
            _walk(Path(entry.path), root, students.setdefault(entry.name, Student()))
        elif stat.S_ISLNK(mode) and entry.is_dir():   # a linked folder (stat, not opened): refused
            students.setdefault(entry.name, Student()).notes.append(
                f"refused: your folder {_shown(entry.name)} is a symbolic link; hand in the notebook file itself")
        else:
            loose.append((entry, mode))
    folders = set(students)
    ignored = {}
    for entry, mode in loose:   # after all folders: a loose file never joins a folder student
        match = flat.match(entry.name)
        if match is None:
            ignored[entry.name] = f"neither a student folder nor <student>_{number}_....ipynb"
        elif match["student"] in folders:
            ignored[entry.name] = f"{match['student']} handed in a folder; files outside it are not graded"
            students[match["student"]].notes.append(
                f"a file outside your folder was not graded: {_shown(entry.name)}")
        elif not stat.S_ISREG(mode):
            students.setdefault(match["student"], Student()).notes.append(_refusal(_shown(entry.name), mode))
        else:
            students.setdefault(match["student"], Student()).files.append(Path(entry.path))
    return Collected(students, ignored)


def choose(files: list[Path], number: str) -> tuple[Path | None, str]:
    """The notebook to grade among a student's files (the newest `NN*.ipynb` by modification time),
    and a note saying why ('' when there was exactly one); (None, why) when there is none."""
    notebooks = [f for f in files if f.suffix.lower() == ".ipynb" and is_for(f.name, number)]
    if not notebooks:
        if not files:
            return None, "nothing was handed in (empty folder)"
        names = ", ".join(_shown(f.name) for f in files[:5]) + (", ..." if len(files) > 5 else "")
        return None, f"no {number}_*.ipynb notebook was handed in; found only: {names}"
    notebooks.sort(key=lambda f: (f.lstat().st_mtime, f.name))
    chosen = notebooks[-1]
    if len(notebooks) == 1:
        return chosen, ""
    others = ", ".join(_shown(f.name) for f in notebooks[:-1])
    return chosen, f"{len(notebooks)} files found, graded the newest: {_shown(chosen.name)} (not: {others})"


# -- names in the reports ------------------------------------------------------------------------

FORMULA_START = "=+-@＝＋－＠"   # the ASCII formula characters and their full-width forms
_FORMULA = re.compile(rf'(^|[,;|])([\s"]*)([{re.escape(FORMULA_START)}])')


def spreadsheet_safe(text: str) -> str:
    """`text` as a CSV cell that no spreadsheet runs as a formula (names and messages come from students).

    The rule: every control character (tab, CR, newline, ...) and Unicode line separator becomes a
    space; then a formula character (= + - @, or a full-width one) that starts the cell, or that
    follows a separator (, ; |) with only spaces or double quotes in between, gets an apostrophe
    in front of it, so it stays text even when a spreadsheet splits the cell on that separator:
    '=1+1' -> "'=1+1", 'bob;=HYPERLINK(...)' -> "bob;'=HYPERLINK(...)", 'x, -1' -> "x, '-1".
    Lone surrogates (undecodable bytes in a file name) are written as backslash escapes.
    """
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return _FORMULA.sub(r"\1\2'\3", text)


def _folder_key(name: str) -> str:
    """What a case-insensitive, normalising file system (macOS, Windows) sees as the same name."""
    return unicodedata.normalize("NFKC", name).casefold().rstrip(". ")   # Windows drops trailing dots


def _digest(student: str, length: int) -> str:
    return hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def feedback_folder_names(students) -> dict[str, str]:
    """{student: folder name for their feedback}, different for every student (also where case and
    Unicode normalisation do not count) and safe as one path component.

    A name made of letters, digits and `_ . @ + -` that does not start with a dot is kept as it is;
    otherwise the other characters become `_`, leading dots go, it is cut to about 60 bytes and a
    hash of the full name is appended: 'bob smith' -> 'bob_smith-3f0c9a1b2d'. Names that would still
    coincide (e.g. 'Bob' and 'bob') all get the hash. A kept name never ends like a hash suffix.
    """
    def name_for(student: str, hashed: bool, length: int = 10) -> str:
        base = re.sub(r"[^\w.@+-]", "_", student).lstrip(".")
        while len(base.encode("utf-8", "surrogatepass")) > 60:
            base = base[:-1]
        looks_hashed = re.search(r"(?i)-[0-9a-f]{10,}$", unicodedata.normalize("NFKC", base)) is not None
        hashed = hashed or base != student or not base or looks_hashed
        return f"{base or '_'}-{_digest(student, length)}" if hashed else base

    names = {s: name_for(s, False) for s in students}
    for length in (10, 64):   # with a 10-digit hash a collision needs crafted names; the full hash then
        seen: dict[str, list[str]] = {}
        for student, name in names.items():
            seen.setdefault(_folder_key(name), []).append(student)
        clashing = [s for group in seen.values() if len(group) > 1 for s in group]
        if not clashing:
            break
        names.update({s: name_for(s, True, length) for s in clashing})
    return names


# -- the answers in one submitted file -----------------------------------------------------------

class InvalidNotebook(Exception):
    """The submitted file cannot be read as a Jupyter notebook; the message says why (for the student)."""


@dataclass
class Submission:
    """What the grader needs of a submitted notebook."""
    answers: dict[str, str]   # grade_id -> source of the student's answer cell (the last copy wins)
    twice: list[str]          # grade_ids found more than once, each once
    n_cells: int              # cells in the file


TOO_BIG = (f"the file is more than {MAX_NOTEBOOK_BYTES // 2**20} MB; a notebook here is well under that "
           "(clear the outputs and hand it in again)")
TOO_SLOW = (f"the file took too long (over {READ_TIMEOUT} s) or too much memory to read; a notebook here "
            "reads in well under a second (clear the outputs and hand it in again)")
_BRACKETS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")   # as signed bytes: +1 opens, -1 closes
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def json_depth(raw: bytes) -> int:
    """How deep the JSON text `raw` nests (what json.loads would recurse), in linear time, C-speed steps.

    Escaped backslashes and then escaped quotes are dropped, so every quote left opens or closes a
    string; the strings go (an unterminated one to the end: it is invalid JSON anyway), the brackets
    left become +1/-1 and the depth is the largest running sum."""
    outside = re.sub(rb'"[^"]*"?', b"", raw.replace(b"\\\\", b"").replace(b'\\"', b""))
    steps = array.array("b", outside.translate(_BRACKETS, _NOT_BRACKETS))
    return max(itertools.accumulate(steps), default=0)


def _joined(source) -> str | None:
    """A cell's source as one string (a string or a list of strings), else None."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return None


def parse_answers(raw: bytes, answer_ids: list[str]) -> dict:
    """{'answers': {grade_id: source}, 'twice': [grade_id], 'n_cells': int} of the notebook `raw`,
    or raise InvalidNotebook. Unguarded: `read_answers` runs it in a limited child process."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(TOO_BIG)
    for magic, kind in ((b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or .docx)"),
                        (b"\x89PNG", "a PNG image")):
        if raw.startswith(magic):
            raise InvalidNotebook(f"the file is {kind} renamed to .ipynb, not a notebook")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidNotebook("the file is binary, not a notebook (a notebook is JSON text)") from None
    if json_depth(raw) > MAX_DEPTH:   # json.loads would raise RecursionError (or, worse, not)
        raise InvalidNotebook(f"the file is nested too deeply (more than {MAX_DEPTH} levels of brackets) "
                              "to be a notebook")
    del raw
    try:
        nb = json.loads(text)
    except ValueError as exc:
        raise InvalidNotebook(f"the file is not valid JSON ({str(exc)[:200]}); it may be truncated or "
                              "edited by hand") from None
    del text
    if isinstance(nb, dict) and "worksheets" in nb and "cells" not in nb:
        raise InvalidNotebook("the file is an old (version 3) notebook; open it in Jupyter, save it and "
                              "hand it in again")
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    if len(cells) > MAX_CELLS:
        raise InvalidNotebook(f"the notebook has more than {MAX_CELLS} cells ({len(cells)}); "
                              "the assignment has fewer than 100")
    wanted, answers, twice = set(answer_ids), {}, []
    for cell in cells:
        source = _joined(cell.get("source"))
        try:
            (source or "").encode("utf-8")   # a lone surrogate escape ("\ud800") cannot be saved or run
        except UnicodeError as exc:
            raise InvalidNotebook(f"the notebook contains text that is not valid Unicode ({exc})") from None
        meta = cell.get("metadata")
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if isinstance(grade_id, str) and grade_id in wanted and source is not None:
            if grade_id in answers and grade_id not in twice:
                twice.append(grade_id)
            answers[grade_id] = source
    return {"answers": answers, "twice": twice, "n_cells": len(cells)}


def _child(path: str, ids_json: str) -> None:
    """The child's whole job: limit itself, read `path` (never through a link, never a fifo), parse,
    print one JSON object to stdout: the parse_answers result or {'invalid': reason}."""
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (READ_MEMORY, READ_MEMORY))
        resource.setrlimit(resource.RLIMIT_CPU, (READ_TIMEOUT, READ_TIMEOUT))
    except (ImportError, ValueError, OSError):
        pass   # no rlimits on this system: the parent's timeout still holds
    reply = None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise InvalidNotebook("the file is not a regular file")
            reply = parse_answers(f.read(MAX_NOTEBOOK_BYTES + 1), json.loads(ids_json))
    except InvalidNotebook as exc:
        reply = {"invalid": str(exc)}
    except OSError as exc:   # ELOOP: the file became a symbolic link
        reply = {"invalid": f"the file cannot be read ({exc.strerror})"}
    except (MemoryError, RecursionError):
        pass   # the big objects are gone once the except clause ends; then report
    reply = json.dumps(reply or {"invalid": TOO_SLOW}, ensure_ascii=False)   # sources are valid Unicode
    sys.stdout.buffer.write(reply.encode("utf-8", "backslashreplace"))


def read_answers(path: Path, answer_ids: list[str], within: Path | None = None) -> Submission:
    """The answer cells (nbgrader grade_id in `answer_ids`) of the submitted file `path`, or raise
    InvalidNotebook with a reason a student understands. Never raises anything else for a bad file.

    The parse runs in a child Python process (`python -I -S` this file) limited to READ_TIMEOUT
    seconds and READ_MEMORY bytes, so a file built to be slow or big to parse costs the grader
    nothing; the child sends back only the answers as JSON, which is checked here. The file must be
    a regular file (not a link), at most MAX_NOTEBOOK_BYTES, nested at most MAX_DEPTH deep, with at
    most MAX_CELLS cells. With `within`, a file whose real path lies outside that folder is refused.
    A crash, a timeout or a garbled reply of the child is an InvalidNotebook too; only a child that
    cannot be started at all (OSError: a fault of the grader's machine) raises something else.
    """
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise InvalidNotebook(f"the file cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InvalidNotebook(_refusal("the file", info.st_mode).removeprefix("refused: "))
    if within is not None and not _inside(path, os.path.realpath(within)):
        raise InvalidNotebook("the file lies outside the submissions folder")
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(f"the file is {info.st_size / 2**20:.0f} MB; a notebook here is well under "
                              f"{MAX_NOTEBOOK_BYTES // 2**20} MB (clear the outputs and hand it in again)")
    # A file, not a pipe, for the child's output: its size is known before it is read.
    with tempfile.TemporaryFile() as out:
        try:
            done = subprocess.run([sys.executable, "-I", "-S", __file__, "--child", os.fspath(path),
                                   json.dumps(list(answer_ids))],
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL, timeout=READ_TIMEOUT,
                                  env={"LC_ALL": "C.UTF-8"})
        except subprocess.TimeoutExpired:   # run() has killed the child
            raise InvalidNotebook(TOO_SLOW) from None
        out.seek(0)   # the reply is the answers' code: never bigger than the file (a bigger one is garbage)
        data = out.read() if os.fstat(out.fileno()).st_size <= 2 * MAX_NOTEBOOK_BYTES else b""
    if done.returncode < 0:   # killed: by the CPU limit or the system's out-of-memory killer
        raise InvalidNotebook(TOO_SLOW)
    if done.returncode != 0:
        raise InvalidNotebook(f"the file could not be read (the reader stopped with exit code "
                              f"{done.returncode})")
    try:
        reply = json.loads(data)
    except ValueError:
        reply = None
    reply = reply if isinstance(reply, dict) else {}
    if isinstance(reply.get("invalid"), str):
        raise InvalidNotebook(reply["invalid"][:1000])
    answers, twice, n_cells = reply.get("answers"), reply.get("twice"), reply.get("n_cells")
    wanted = set(answer_ids)
    if not (isinstance(answers, dict) and all(k in wanted and isinstance(v, str) for k, v in answers.items())
            and isinstance(twice, list) and all(isinstance(t, str) and t in answers for t in twice)
            and type(n_cells) is int and 0 <= n_cells <= MAX_CELLS):
        raise InvalidNotebook("the file could not be read (the reader's reply was malformed)")
    return Submission(answers, twice, n_cells)


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    _child(sys.argv[2], sys.argv[3])
