"""Build reveal.js slide decks of the lectures: `python -m nnlib.course.slides [lectures/NN_topic.ipynb ...]`.

Presenting: open slides/NN_topic.slides.html in a browser, straight from disk (no server, no network).
S opens the speaker view (notes, next slide, timer), F full screen, Esc the overview; arrows or space
move on (down/up: the sub-slides of a section). The title slide says so in small print.

A deck is made in three steps; the lecture on disk is never changed.

1. Execute, once. The executed notebook is cached as slides/.cache/NN_topic-<key>.ipynb, where the key
   hashes the lecture file, nnlib's sources (outside nnlib/course) and the execution settings below, so
   `make slides` re-executes only a lecture (or nnlib) that changed; `--force` re-executes anyway.
   The kernel talks to nbclient over IPC sockets, not TCP: ipykernel warns "Kernel is running over TCP
   without encryption" only for TCP, so there is nothing to warn about. It runs with
   OPENBLAS_NUM_THREADS=1, NNLIB_WIDGETS=0 (every widget draws its static figure, see nnlib.widgets)
   and retina PNG figures (sharp when the deck is scaled up to full screen).

2. Lay out a copy for slides of 1280x720 CSS px (`prepare`). The same few rules, applied by code to
   every lecture; none needs slide metadata beyond the slide/sub-slide/fragment/notes the lectures have:
   R1  Nothing the audience can't use: skip cells, stderr (warnings, progress bars), execution prompts,
       widget views and widget state (the static figure stays) are dropped.
   R2  A figure shows without its code: a code cell with an image output loses its input on the slide,
       and the code goes to the speaker notes of that slide, so the presenter still has it.
   R3  Every cell's height is estimated with a model of the slide's CSS (`estimate_height`: lines after
       wrapping at the slide's width, display math, tables, figures at their displayed size), measured
       against Chromium on the lectures (system fonts; it errs on the tall side).
   R4  A cell taller than a slide is cut: markdown at paragraph boundaries, code after a blank line
       (before a top-level statement when possible). Outputs that do not fit under their code (or
       under the outputs before them: two tall figures of one cell) follow on their own.
   R5  Packing: a cell that does not fit below what its sub-slide already holds starts a new sub-slide,
       labelled "<section title> (continued)"; a figure may shrink to 60% (not below 300 px) to stay
       with the content above it. Then the figures of each sub-slide take the height left free (up to
       1.4x their size in the notebook). So no figure ends up below the bottom of a slide.
   R6  In the browser (slides_assets/.../slides.js) every slide is measured after MathJax has typeset;
       one still taller than 720 px (the estimate was short) shrinks its figures (down to 45% of the
       slide's height), then its text (down to 70%); only then would it scroll. Code wraps at the
       slide's width instead of being clipped; figures keep their aspect ratio.

3. Export with nbconvert's SlidesExporter and the template in slides_assets/templates/nnlib_slides:
   reveal.js with its notes plugin and MathJax 3 (SVG output: no font files) from slides/assets, by
   relative paths, so slides/ can be copied as a whole. No jQuery, require.js, mermaid, widget
   manager or web fonts (system fonts only): opening a deck makes no request outside the machine.

The assets come from the npm registry, pinned (`ASSET_PACKAGES`), installed once into
slides/assets/node_modules by `make slides` (or on first build). Without npm, copy slides/assets from
a machine that has built decks; the build stops with a message saying so rather than write a deck
that needs the network.
"""
from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import html
import json
import math
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import nbformat
from nbconvert import SlidesExporter

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "slides"
HERE = pathlib.Path(__file__).resolve().parent / "slides_assets"
ASSETS = "assets/node_modules"  # relative to the deck, so the folder can be copied as a whole
ASSET_PACKAGES = {"reveal.js": "5.2.1", "mathjax": "3.2.2"}
ASSET_FILES = ("reveal.js/dist/reveal.js", "reveal.js/dist/reveal.css", "reveal.js/plugin/notes/notes.js",
               "mathjax/es5/tex-svg-full.js")  # what the template loads

# Execution: part of the cache key, so changing a setting re-executes.
EXEC_SETTINGS = {"version": 1, "figure_formats": "retina", "env": {"OPENBLAS_NUM_THREADS": "1", "NNLIB_WIDGETS": "0"}}

# The slide, in CSS px. slides_assets/slides.css and slides.js use the same numbers (passed to them).
SLIDE_W, SLIDE_H = 1280, 720
PAD_X, PAD_Y = 36, 18                      # padding of a slide
CONTENT_W = SLIDE_W - 2 * PAD_X
BUDGET = SLIDE_H - 2 * PAD_Y               # what one sub-slide may hold
TEXT_PX, TEXT_LH = 23, 1.45                # markdown text
TEXT_CHAR = 0.52                           # average width of a character of text, in em
CODE_PX, CODE_LH = 17, 1.3                 # code and text outputs
CODE_CHAR = 0.602                          # width of a monospace character, in em
CODE_PAD = 8                               # padding around a code block
FIG_MAX = BUDGET - 40                      # a figure's largest height (CSS max-height)
FIG_MIN, FIG_MIN_FRACTION = 300, 0.6       # how far packing may plan to shrink a figure (R5)
FIG_GROW = 1.4                             # how far a figure may grow into free space (R5)
MARGIN = 16                                # packing leaves this much of a slide free (estimates err)
CONTINUED_H = 34                           # the "(continued)" label of a sub-slide made by packing

# The code of a figure in the speaker notes: small and wrapped, as the speaker view's notes are large.
FIGURE_NOTE = ('Code of the figure:\n\n<pre style="font-size: 0.5em; line-height: 1.3; white-space: pre-wrap; '
               'margin: 0">{}</pre>')
KEYS = "To present: S speaker notes &middot; F full screen &middot; Esc overview &middot; arrows move (down: sub-slides)"
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
WIDGET_TYPES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")


# ----------------------------------------------------------------------------------------------------
# 1. Execution, cached

def cache_key(path: pathlib.Path) -> str:
    """Hash of what an executed lecture depends on: the file, nnlib's sources and the settings."""
    h = hashlib.sha256(pathlib.Path(path).read_bytes())
    for src in sorted((ROOT / "nnlib").rglob("*.py")):
        if "course" not in src.relative_to(ROOT / "nnlib").parts:
            h.update(src.relative_to(ROOT).as_posix().encode() + b"\0" + src.read_bytes())
    h.update(json.dumps(EXEC_SETTINGS, sort_keys=True).encode())
    return h.hexdigest()[:16]


def kernel_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME", "VSCODE_PID", "MPLBACKEND")}
    env.update(EXEC_SETTINGS["env"])
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger warning about frozen modules on stderr
    return env


def execute(nb, cwd: pathlib.Path, timeout: int = 300):
    """Run every cell of nb (in place) in a fresh kernel over IPC; returns nb."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="nnslides-") as sockets:
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(sockets, "kernel")  # IPC socket files live here
        client = NotebookClient(nb, config=config, kernel_name="python3", timeout=timeout,
                                resources={"metadata": {"path": str(cwd)}},
                                extra_arguments=[f"--InlineBackend.figure_formats={EXEC_SETTINGS['figure_formats']}"])
        client.execute(env=kernel_env())  # starts, runs and shuts down the kernel
    return nb


def executed(path: pathlib.Path, cache_dir: pathlib.Path | None, timeout: int = 300, force: bool = False):
    """The executed notebook of a lecture, from the cache when it is current. Returns (nb, from_cache)."""
    path = pathlib.Path(path)
    cached = cache_dir / f"{path.stem}-{cache_key(path)}.ipynb" if cache_dir else None
    if cached and cached.exists() and not force:
        return nbformat.read(cached, as_version=4), True
    nb = execute(nbformat.read(path, as_version=4), path.parent, timeout)
    if cached:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob(f"{path.stem}-*.ipynb"):
            old.unlink()
        tmp = cached.with_suffix(".tmp")
        nbformat.write(nb, tmp)
        tmp.replace(cached)
    return nb, False


# ----------------------------------------------------------------------------------------------------
# 2. Layout for slides

def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-") or "-"


def set_slide_type(cell, kind: str) -> None:
    cell.metadata.setdefault("slideshow", {})["slide_type"] = kind


def has_figure(cell) -> bool:
    return cell.cell_type == "code" and any(
        t in out.get("data", {}) for out in cell.get("outputs", []) for t in FIGURE_TYPES)


def image_size(output) -> tuple[float, float] | None:
    """Displayed (width, height) in CSS px of an image output: its metadata, else the PNG's pixels."""
    for mime in FIGURE_TYPES:
        if mime not in output.get("data", {}):
            continue
        meta = output.get("metadata", {}).get(mime, {})
        if meta.get("width") and meta.get("height"):
            return float(meta["width"]), float(meta["height"])
        if mime == "image/png":
            head = base64.b64decode("".join(output["data"][mime].split())[:44])
            w, h = struct.unpack(">II", head[16:24])
            return float(w), float(h)
        return 640.0, 480.0
    return None


def size_for_slide(output) -> None:
    """Give a PNG or JPEG output the size it has on the slide (fits CONTENT_W x FIG_MAX, same aspect)."""
    for mime in ("image/png", "image/jpeg"):
        if mime in output.get("data", {}):
            w, h = image_size(output)
            scale = min(1.0, CONTENT_W / w, FIG_MAX / h)
            output.setdefault("metadata", {}).setdefault(mime, {}).update(width=round(w * scale), height=round(h * scale))


def figure_height(output) -> float:
    """Height of a figure as the slide's CSS draws it (max-width: 100%, max-height: FIG_MAX)."""
    w, h = image_size(output)
    h = h * min(1.0, CONTENT_W / w)
    return min(h, FIG_MAX)


def _wrapped(lines, chars_per_line: float) -> int:
    return sum(max(1, math.ceil(len(line.expandtabs(4)) / chars_per_line)) for line in lines)


def code_height(text: str, px: float = CODE_PX) -> float:
    lines = text.rstrip("\n").split("\n")
    cpl = (CONTENT_W - 2 * CODE_PAD) / (px * CODE_CHAR)
    return _wrapped(lines, cpl) * px * CODE_LH + 2 * CODE_PAD + 6


_MATH_INLINE = re.compile(r"\$([^$]+)\$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _visible_length(text: str) -> float:
    """Characters a line of markdown takes once rendered (markup gone, TeX shorter than its source)."""
    text = _LINK.sub(r"\1", text)
    text = _MATH_INLINE.sub(lambda m: "x" * max(1, round(len(m.group(1)) * 0.45)), text)
    text = re.sub(r"\\[a-zA-Z]+", "x", text)
    return len(re.sub(r"[*_`]", "", text))


_MATRIX = re.compile(r"\\begin\{([pbvBV]?matrix|array|cases)\}(.*?)\\end\{\1\}", re.S)


def _math_height(tex: str) -> float:
    """A display equation: a line per row (\\\\), taller for fractions, sums, matrices, underbraces."""
    matrix_rows = max((len(re.findall(r"\\\\", body)) + 1 for _, body in _MATRIX.findall(tex)), default=0)
    outside = _MATRIX.sub("M", tex)
    rows = [r for r in re.split(r"\\\\", outside) if r.strip()] or [""]
    tall = sum(1 for r in rows if re.search(r"\\(d?frac|sum|prod|int|over|under)", r))
    h = len(rows) * TEXT_PX * 1.35 + tall * TEXT_PX * 0.9
    if matrix_rows:
        h = max(h, matrix_rows * TEXT_PX * 1.3 + (TEXT_PX * 1.3 if "underbrace" in tex else 0))
    return h + TEXT_PX * 1.2


def _table_height(block: str) -> float:
    """A markdown table: columns as wide as their longest cell allows, rows as tall as their tallest cell."""
    rows = [r.strip().strip("|").split("|") for r in block.split("\n")
            if r.strip().startswith("|") and not re.match(r"^\s*\|[\s:|-]+\|\s*$", r)]
    ncol = max(len(r) for r in rows)
    lengths = [[_visible_length(c.strip()) for c in r] + [0] * (ncol - len(r)) for r in rows]
    char, pad = TEXT_PX * 0.98 * TEXT_CHAR, TEXT_PX  # cells: 0.98em text, 0.5em padding on each side
    widest = [max(r[j] for r in lengths) * char for j in range(ncol)]
    avail = CONTENT_W - ncol * pad
    widths = widest if sum(widest) <= avail else [max(avail * w / sum(widest), avail * 0.08) for w in widest]
    h = 0.0
    for r, row in zip(lengths, rows):
        lines = max(math.ceil(r[j] * char / max(widths[j], 1)) or 1 for j in range(ncol))
        tall = TEXT_PX * 0.8 if re.search(r"\\d?frac", "|".join(row)) else 0
        h += lines * TEXT_PX * 1.17 + pad + tall
    return h + TEXT_PX * 0.9


def markdown_blocks(source: str) -> list[str]:
    """The source split at blank lines, keeping $$...$$ and ``` blocks whole."""
    blocks, current, fence, math = [], [], False, False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = not fence
        elif not fence and stripped.count("$$") % 2 == 1:
            math = not math
        if not stripped and not fence and not math:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def block_height(block: str) -> float:
    """Estimated height of one markdown block (a heading, paragraph, list, table, equation, code)."""
    line_h = TEXT_PX * TEXT_LH
    first = block.lstrip()
    if first.startswith("```"):
        body = "\n".join(block.strip().split("\n")[1:-1])
        return code_height(body) + 8
    m = re.match(r"(#{1,6})\s", first)
    if m:
        size = {1: 2.0, 2: 1.6, 3: 1.3}.get(len(m.group(1)), 1.1) * TEXT_PX
        rest = block.split("\n", 1)[1] if "\n" in block else ""
        title = block.split("\n", 1)[0]
        h = max(1, math.ceil(_visible_length(title) / (CONTENT_W / (size * TEXT_CHAR)))) * size * 1.2 + size * 0.6
        return h + (block_height(rest) if rest.strip() else 0)
    if first.startswith("|"):
        return _table_height(block)
    if 'class="deck-keys"' in first:
        return TEXT_PX * 1.75
    h = 0.0
    segments = re.split(r"(\$\$.*?\$\$)", block, flags=re.S)
    for seg in segments:
        if seg.startswith("$$"):
            h += _math_height(seg.strip("$"))
            continue
        items, cur = [], []
        for line in seg.split("\n"):
            if re.match(r"\s*([-*+]|\d+\.)\s", line) and cur:
                items.append(" ".join(cur))
                cur = []
            if line.strip():
                cur.append(line.strip())
        if cur:
            items.append(" ".join(cur))
        for item in items:
            indent = 40 if re.match(r"([-*+]|\d+\.)\s", item) else 0
            per = (CONTENT_W - indent) / (TEXT_PX * TEXT_CHAR)
            h += max(1, math.ceil(_visible_length(item) / per)) * line_h
    return h + TEXT_PX * 0.5  # paragraph margin


def markdown_height(source: str) -> float:
    return sum(block_height(b) for b in markdown_blocks(source))


def output_height(output) -> float:
    kind = output.get("output_type")
    if kind == "stream":
        return code_height(output.get("text", ""))
    data = output.get("data", {})
    if any(t in data for t in FIGURE_TYPES):
        return figure_height(output) + 16
    if "text/html" in data:
        text = re.sub(r"<[^>]+>", "", "".join(data["text/html"]))
        return code_height(text)
    if "text/latex" in data or "text/markdown" in data:
        return markdown_height("".join(data.get("text/markdown", data.get("text/latex", ""))))
    if "text/plain" in data:
        return code_height("".join(data["text/plain"]))
    if kind == "error":
        return code_height("\n".join(output.get("traceback", [])))
    return 0.0


def estimate_height(cell) -> float:
    """Estimated height in CSS px of a cell on a 1280x720 slide (see the module docstring, R3)."""
    if slide_type(cell) in ("notes", "skip"):
        return 0.0
    if cell.cell_type == "markdown":
        return markdown_height(cell.source)
    if cell.cell_type != "code":
        return code_height(cell.source)
    h = 0.0 if cell.metadata.get("transient", {}).get("remove_source") else code_height(cell.source)
    return h + sum(output_height(o) for o in cell.get("outputs", []))


def figure_slack(outputs) -> float:
    """How much these outputs' figures may shrink so that they stay with the content above (R5)."""
    slack = 0.0
    for out in outputs:
        if any(t in out.get("data", {}) for t in FIGURE_TYPES):
            h = figure_height(out)
            slack += h - min(h, max(FIG_MIN, FIG_MIN_FRACTION * h))
    return slack


def heading_of(cell) -> str | None:
    if cell.cell_type != "markdown":
        return None
    for line in cell.source.split("\n"):
        m = re.match(r"#{1,6}\s+(.*)", line.strip())
        if m:
            return re.sub(r"[*_`]", "", m.group(1)).strip()
    return None


def split_markdown(cell) -> list:
    """R4: a markdown cell taller than a slide becomes several, cut at paragraph boundaries."""
    if cell.cell_type != "markdown" or markdown_height(cell.source) <= BUDGET - MARGIN:
        return [cell]
    parts, current, used = [], [], 0.0
    for block in markdown_blocks(cell.source):
        h = block_height(block)
        if current and used + h > BUDGET - MARGIN - CONTINUED_H:
            parts.append(current)
            current, used = [], 0.0
        current.append(block)
        used += h
    parts.append(current)
    cells = []
    for i, blocks in enumerate(parts):
        piece = nbformat.v4.new_markdown_cell("\n\n".join(blocks))
        piece.metadata = copy.deepcopy(cell.metadata)
        if i:
            set_slide_type(piece, "-")  # packing (R5) puts it on a sub-slide of its own
        cells.append(piece)
    return cells


def cut_code(source: str, limit: float) -> list[str]:
    """Source lines in pieces of at most `limit` px: cut after a blank line, before an unindented line
    if that keeps at least 40% of a slide's worth, else after any blank line, else where the slide ends."""
    lines = source.rstrip("\n").split("\n")
    height = lambda a, b: code_height("\n".join(lines[a:b]))
    pieces, start = [], 0
    while height(start, len(lines)) > limit:
        end = start + 1
        while end < len(lines) and height(start, end + 1) <= limit:
            end += 1
        blank = [i for i in range(start + 1, end + 1) if i < len(lines) and lines[i].strip() and not lines[i - 1].strip()]
        top = [i for i in blank if not lines[i][0].isspace() and height(start, i) >= 0.4 * limit]
        cut = (top or [i for i in blank if height(start, i) >= 0.4 * limit] or [end])[-1]
        pieces.append("\n".join(lines[start:cut]).rstrip("\n"))
        start = cut
    pieces.append("\n".join(lines[start:]).rstrip("\n"))
    return pieces


def split_stream(outputs, limit: float) -> list:
    """Printed text taller than `limit` px, cut into runs of lines that fit."""
    result = []
    for out in outputs:
        if out.get("output_type") != "stream" or code_height(out["text"]) <= limit:
            result.append(out)
            continue
        lines, run = out["text"].rstrip("\n").split("\n"), []
        for line in lines:
            if run and code_height("\n".join(run + [line])) > limit:
                result.append(nbformat.v4.new_output("stream", name=out["name"], text="\n".join(run) + "\n"))
                run = []
            run.append(line)
        result.append(nbformat.v4.new_output("stream", name=out["name"], text="\n".join(run) + "\n"))
    return result


def split_code(cell) -> list:
    """R4 for code: a cell whose code is taller than a slide is cut (`cut_code`); outputs that do not fit
    under the code (or under the outputs before them) follow in cells of their own, input hidden."""
    limit = BUDGET - MARGIN - CONTINUED_H
    hidden = bool(cell.metadata.get("transient", {}).get("remove_source"))
    sources = [cell.source] if hidden or code_height(cell.source) <= limit else cut_code(cell.source, limit)
    pieces = []

    def piece(source, hide):
        new = nbformat.v4.new_code_cell(source)
        new.metadata = copy.deepcopy(cell.metadata)
        new.execution_count = cell.get("execution_count")
        if hide:
            new.metadata.setdefault("transient", {})["remove_source"] = True
        if pieces:
            set_slide_type(new, "-")
        pieces.append(new)
        return new

    for source in sources:
        last = piece(source, hidden)
    used = 0.0 if hidden else code_height(sources[-1])
    for out in split_stream(cell.get("outputs", []), limit):
        h = output_height(out)
        if used > 0 and used + h - figure_slack([out]) > limit:
            last = piece(cell.source, True)
            used = 0.0
        last.outputs.append(out)
        used += h
    return pieces


def subslide_groups(cells) -> list[list]:
    """The cells of each sub-slide, in order (notes included)."""
    groups = []
    for cell in cells:
        if not groups or slide_type(cell) in ("slide", "subslide"):
            groups.append([])
        groups[-1].append(cell)
    return groups


def size_figures(group, natural: dict) -> None:
    """R5: the figures of a sub-slide take the height the rest leaves them: they grow into free space
    (up to FIG_GROW x their size in the notebook) or shrink when packing counted on their slack."""
    figures = [out for cell in group if cell.cell_type == "code" for out in cell.get("outputs", [])
               if natural.get(id(out)) and any(m in out.get("data", {}) for m in ("image/png", "image/jpeg"))]
    if not figures:
        return
    continued = bool(group[0].metadata.get("slideshow", {}).get("data", {}).get("continued"))
    free = BUDGET - MARGIN - sum(estimate_height(c) for c in group) - (CONTINUED_H if continued else 0)
    if abs(free) < 1:
        return
    total = sum(figure_height(out) for out in figures)
    for out in figures:
        mime = "image/png" if "image/png" in out["data"] else "image/jpeg"
        w, h = out["metadata"][mime]["width"], out["metadata"][mime]["height"]
        scale = (h + free * h / total) / h
        scale = min(scale, CONTENT_W / w, FIG_MAX / h, FIG_GROW * natural[id(out)][0] / w)
        if free < 0:
            scale = max(scale, min(1.0, max(FIG_MIN / h, FIG_MIN_FRACTION)))
        if abs(scale - 1) > 0.01:
            out["metadata"][mime].update(width=round(w * scale), height=round(h * scale))


def prepare(nb, notes_code: bool = True):
    """The copy of an executed lecture that becomes the deck (rules R1-R5). Returns (nb, stats)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    cells, natural = [], {}
    for cell in nb.cells:
        if slide_type(cell) == "skip":
            continue
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    continue
                if "data" in out:
                    for mime in WIDGET_TYPES:
                        out["data"].pop(mime, None)
                    if not out["data"]:
                        continue
                outputs.append(out)
            cell.outputs = outputs
            for out in outputs:
                natural[id(out)] = image_size(out)
                size_for_slide(out)
            if has_figure(cell) and cell.source.strip():
                cell.metadata.setdefault("transient", {})["remove_source"] = True
                cells.extend(split_code(cell))
                if notes_code:
                    note = nbformat.v4.new_markdown_cell(FIGURE_NOTE.format(html.escape(cell.source.strip("\n"))))
                    set_slide_type(note, "notes")
                    cells.append(note)
                continue
            cells.extend(split_code(cell))
            continue
        cells.extend(split_markdown(cell))
    first = next((i for i, c in enumerate(cells) if slide_type(c) != "notes"), None)
    if first is not None:
        keys = nbformat.v4.new_markdown_cell(f'<p class="deck-keys">{KEYS}</p>')
        cells.insert(first + 1, keys)
    nb.cells = cells

    # R5: packing into sub-slides.
    title, used, started, continued = None, 0.0, False, 0
    for i, cell in enumerate(nb.cells):
        kind = slide_type(cell)
        if kind == "notes":
            continue
        title = heading_of(cell) or title
        for out in cell.get("outputs", []):
            for mime in ("image/png", "image/jpeg"):
                if mime in out.get("data", {}):
                    out["metadata"][mime]["alt"] = f"Figure: {title}" if title else "Figure"
        h = estimate_height(cell)
        if kind in ("slide", "subslide") or not started:
            used, started = h, True
            continue
        if used + h > BUDGET - MARGIN and used + h - figure_slack(cell.get("outputs", [])) > BUDGET - MARGIN:
            set_slide_type(cell, "subslide")
            cell.metadata["slideshow"]["data"] = {"continued": f"{title} (continued)" if title else "(continued)"}
            used = CONTINUED_H + h
            continued += 1
        else:
            used += h
    groups = subslide_groups(nb.cells)
    for group in groups:
        size_figures(group, natural)
    hidden = sum(1 for c in nb.cells if c.metadata.get("transient", {}).get("remove_source"))
    return nb, {"subslides": len(groups), "continued": continued, "figure_code_hidden": hidden}


# ----------------------------------------------------------------------------------------------------
# 3. Export

def exporter() -> SlidesExporter:
    return SlidesExporter(extra_template_basedirs=[str(HERE / "templates")], template_name="nnlib_slides",
                          exclude_input_prompt=True, exclude_output_prompt=True)


def render(nb, name: str, assets_url: str = ASSETS) -> str:
    """The deck's HTML for a prepared notebook."""
    resources = {"metadata": {"name": name},
                 "slides": {"assets": assets_url, "width": SLIDE_W, "height": SLIDE_H, "pad_x": PAD_X, "pad_y": PAD_Y,
                            "text_px": TEXT_PX, "text_lh": TEXT_LH, "code_px": CODE_PX, "code_lh": CODE_LH,
                            "fig_max": FIG_MAX}}
    page, _ = exporter().from_notebook_node(nb, resources=resources)
    return page


def build(path: pathlib.Path, out_dir: pathlib.Path = OUT, execute: bool = True, timeout: int = 300,
          cache_dir: pathlib.Path | None = None, force: bool = False, info: dict | None = None) -> pathlib.Path:
    """Write out_dir/NN_topic.slides.html for one lecture; returns its path.

    execute=False exports the notebook as it is (with whatever outputs it has). cache_dir defaults to
    out_dir/.cache. `info`, when given, is filled with what happened (cached, seconds, slides).
    """
    path = pathlib.Path(path)
    out_dir = pathlib.Path(out_dir)
    start = time.perf_counter()
    if execute:
        nb, from_cache = executed(path, cache_dir or out_dir / ".cache", timeout, force)
    else:
        nb, from_cache = nbformat.read(path, as_version=4), None
    prepared, stats = prepare(nb)
    page = render(prepared, path.stem)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.slides.html"
    target.write_text(page, encoding="utf-8")
    if info is not None:
        info.update(stats, cached=from_cache, seconds=time.perf_counter() - start)
    return target


def assets_missing(out_dir: pathlib.Path = OUT) -> list[str]:
    """What is missing from out_dir/assets: files the template loads, or a package of another version."""
    missing = [f for f in ASSET_FILES if not (out_dir / ASSETS / f).exists()]
    for name, version in ASSET_PACKAGES.items():
        manifest = out_dir / ASSETS / name / "package.json"
        if manifest.exists() and json.loads(manifest.read_text(encoding="utf-8")).get("version") != version:
            missing.append(f"{name}@{version}")
    return missing


def ensure_assets(out_dir: pathlib.Path = OUT) -> None:
    """Install reveal.js and MathJax into out_dir/assets with npm, unless they are there already."""
    if not assets_missing(out_dir):
        return
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit(
            f"slides: {out_dir / ASSETS} lacks reveal.js and MathJax, and npm is not installed.\n"
            "  Install Node.js with npm (Debian/Ubuntu: apt-get install npm) and run `make slides` again,\n"
            f"  or copy the folder {out_dir / 'assets'} from a machine that has built the decks.")
    prefix = out_dir / "assets"
    prefix.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in ASSET_PACKAGES.items()]
    print(f"slides: npm install {' '.join(specs)} into {prefix}", flush=True)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(prefix), *specs],
                   check=True)
    missing = assets_missing(out_dir)
    if missing:
        raise SystemExit(f"slides: npm ran, but these files are still missing: {', '.join(missing)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlib.course.slides",
                                     description="Build reveal.js decks of the lectures into slides/.")
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path, help="default: every lecture")
    parser.add_argument("--force", action="store_true", help="re-execute even when the cache is current")
    parser.add_argument("--out", type=pathlib.Path, default=OUT, help="default: slides/")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb"))
    ensure_assets(args.out)
    total = time.perf_counter()
    for path in paths:
        info = {}
        deck = build(path, args.out, force=args.force, info=info)
        how = "cached run" if info["cached"] else "executed"
        print(f"{args.out.name}/{deck.name}: {info['subslides']} slides, {how}, {info['seconds']:.1f} s", flush=True)
    print(f"{len(paths)} decks in {time.perf_counter() - total:.0f} s. Open one in a browser: "
          "S speaker notes, F full screen, Esc overview.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
