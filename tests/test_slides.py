"""Slide decks: every slide fits, nothing is fetched from the network, speaker notes work, lectures are
executed once (cached) and quietly. The last test opens a real lecture's deck in headless Chromium."""
import base64
import pathlib
import re
import shutil
import struct
import zlib

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nnlib.course import slides


def tiny_lecture(path):
    nb = new_notebook(cells=[new_markdown_cell("# Title"), new_markdown_cell("## Second slide"),
                             new_code_cell("x = 1"), new_markdown_cell("a speaker note"),
                             new_code_cell("import secret_setup")])
    for cell, kind in zip(nb.cells, ["slide", "slide", "fragment", "notes", "skip"]):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nbformat.write(nb, path)
    return path


def png(width, height):
    """A valid PNG of the given size (one grey pixel per row, enough for the header to be read)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw))
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")).decode()


def groups_fit(nb):
    """Every sub-slide's estimated height, with its "(continued)" label, within the slide."""
    heights = []
    for group in slides.subslide_groups(nb.cells):
        label = slides.CONTINUED_H if group[0].metadata.get("slideshow", {}).get("data", {}).get("continued") else 0
        heights.append(label + sum(slides.estimate_height(c) for c in group))
    return heights


def test_deck_loads_nothing_from_the_network(tmp_path):
    deck = slides.build(tiny_lecture(tmp_path / "00_x.ipynb"), out_dir=tmp_path / "out", execute=False)
    html = deck.read_text()
    assert deck.name == "00_x.slides.html"
    assert html.count("<section") >= 2 and '<aside class="notes">' in html and "a speaker note" in html
    assert "secret_setup" not in html  # skip cells are not on the deck
    urls = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert urls and all(u.startswith(slides.ASSETS + "/") for u in urls), urls
    for needle in ("require.js", "jquery", "mermaid", "unpkg", "cdnjs", "jsdelivr", "googleapis", "@import"):
        assert needle not in html.lower(), needle
    assert "S speaker notes" in html  # the title slide says how to present


def test_figure_code_goes_to_the_notes_and_dead_outputs_go(tmp_path):
    plot = new_code_cell("fig, ax = plt.subplots()\nax.plot(x)\nplt.show()", outputs=[
        new_output("stream", name="stderr", text="UserWarning: something\n"),
        new_output("display_data", data={"image/png": png(1600, 500), "text/plain": "<Figure>"}),
        new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}),
        new_output("stream", name="stdout", text="loss 0.1\n")])
    nb = new_notebook(cells=[new_markdown_cell("# Plot"), plot], metadata={"widgets": {"state": {}}})
    prepared, stats = slides.prepare(nb)
    cell = next(c for c in prepared.cells if c.cell_type == "code")
    assert cell.metadata["transient"]["remove_source"] and stats["figure_code_hidden"] == 1
    assert [o.get("name", o["output_type"]) for o in cell.outputs] == ["display_data", "stdout"]
    assert "widgets" not in prepared.metadata
    note = prepared.cells[prepared.cells.index(cell) + 1]
    assert slides.slide_type(note) == "notes" and "ax.plot(x)" in note.source
    size = cell.outputs[0].metadata["image/png"]
    assert size["width"] <= slides.CONTENT_W and abs(size["width"] / size["height"] - 1600 / 500) < 0.02
    slide, notes = re.sub(r"<[^>]+>", "", slides.render(prepared, "t")).split("Code of the figure", 1)
    assert "ax.plot(x)" in notes and "ax.plot(x)" not in slide  # in the speaker notes, not on the slide
    assert 'alt="Figure: Plot"' in slides.render(prepared, "t")
    assert len(nb.cells[1].outputs) == 4 and "transient" not in nb.cells[1].metadata  # a copy was laid out


def test_tall_cells_are_split_onto_sub_slides_that_fit():
    defs = "\n\n".join(f"def f{i}(x):\n" + "\n".join(f"    x = x + {j}  # step {j}" for j in range(9)) + "\n    return x"
                       for i in range(8))
    text = "\n\n".join(f"Paragraph {i}: " + "a fairly long sentence about gradients " * 6 for i in range(20))
    nb = new_notebook(cells=[new_markdown_cell("## 1. Long things"), new_code_cell(defs),
                             new_markdown_cell(text), new_markdown_cell("## 2. Next"),
                             new_code_cell("print(1)", outputs=[new_output("display_data", data={"image/png": png(900, 600)}),
                                                                 new_output("display_data", data={"image/png": png(900, 600)})]),
                             new_code_cell("for i in range(60):\n    print(i)",
                                           outputs=[new_output("stream", name="stdout", text="".join(f"{i}\n" for i in range(60)))])])
    for cell, kind in zip(nb.cells, ["slide", "-", "-", "slide", "-", "-"]):
        cell.metadata["slideshow"] = {"slide_type": kind}
    prepared, stats = slides.prepare(nb)
    assert max(groups_fit(prepared)) <= slides.BUDGET
    code = [c for c in prepared.cells if c.cell_type == "code" and "x = x" in c.source]
    assert len(code) >= 2 and "\n\n".join(c.source for c in code) == defs  # cut, nothing lost
    assert all(c.source.startswith("def ") for c in code)                    # at definitions
    paragraphs = [c for c in prepared.cells if c.cell_type == "markdown" and "Paragraph" in c.source]
    assert len(paragraphs) >= 2 and "\n\n".join(c.source for c in paragraphs) == text
    labels = [c.metadata["slideshow"]["data"]["continued"] for c in prepared.cells
              if c.metadata.get("slideshow", {}).get("data", {}).get("continued")]
    assert "1. Long things (continued)" in labels and stats["continued"] == len(labels)
    figures = [c for c in prepared.cells if c.cell_type == "code" and c.outputs and "image/png" in c.outputs[0].get("data", {})]
    assert len(figures) == 2  # two tall figures of one cell: one sub-slide each
    printed = [o["text"] for c in prepared.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stdout"]
    assert len(printed) >= 2 and "".join(printed) == "".join(f"{i}\n" for i in range(60))  # long output cut by lines


def test_executed_lectures_are_cached_by_content(tmp_path, monkeypatch):
    lecture = tiny_lecture(tmp_path / "00_x.ipynb")
    ran = []
    monkeypatch.setattr(slides, "execute", lambda nb, cwd, timeout=0: ran.append(cwd) or nb)
    first, cached = slides.executed(lecture, tmp_path / "cache")
    assert not cached and len(ran) == 1
    again, cached = slides.executed(lecture, tmp_path / "cache")
    assert cached and len(ran) == 1 and again.cells[0].source == "# Title"
    nb = nbformat.read(lecture, as_version=4)
    nb.cells[0].source = "# Title, edited"
    nbformat.write(nb, lecture)
    edited, cached = slides.executed(lecture, tmp_path / "cache")
    assert not cached and len(ran) == 2
    assert len(list((tmp_path / "cache").glob("00_x-*.ipynb"))) == 1  # the stale copy is gone


@pytest.mark.slow
def test_execution_is_quiet_single_threaded_and_static(tmp_path, capfd):
    nb = new_notebook(cells=[new_code_cell("import os\nprint(os.environ['OPENBLAS_NUM_THREADS'], os.environ['NNLIB_WIDGETS'])"),
                             new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()")])
    slides.execute(nb, tmp_path)
    err = capfd.readouterr().err
    assert "without encryption" not in err and "WARNING" not in err, err
    assert nb.cells[0].outputs[0]["text"].split() == ["1", "0"]
    figure = nb.cells[1].outputs[0]
    assert "image/png" in figure["data"] and figure["metadata"]["image/png"]["width"]  # retina: sized


def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not pathlib.Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium (Debian: apt-get install chromium); playwright's own browser "
                    "download does not work offline")
    return sync_api.sync_playwright


def assets_or_skip():
    if slides.assets_missing(slides.OUT):
        if not shutil.which("npm"):
            pytest.skip("reveal.js and MathJax are not in slides/assets and npm is missing: run `make slides`")
        try:
            slides.ensure_assets(slides.OUT)
        except (SystemExit, Exception) as e:  # no registry
            pytest.skip(f"could not install reveal.js and MathJax with npm: {e}")
    return slides.OUT / "assets"


@pytest.mark.slow
def test_a_real_deck_fits_works_offline_and_has_speaker_notes(tmp_path):
    """Lecture 00 (short), executed afresh: every slide fits 1280x720 with nothing clipped at the side,
    every request stays on disk, and S opens the speaker view with the notes."""
    sync_playwright = browser()
    out = tmp_path / "slides"
    out.mkdir()
    (out / "assets").symlink_to(assets_or_skip(), target_is_directory=True)
    info = {}
    deck = slides.build(slides.ROOT / "lectures" / "00_numpy_vectorization.ipynb", out_dir=out,
                        cache_dir=tmp_path / "cache", info=info)
    requests, failed, errors = [], [], []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = chromium.new_context(viewport={"width": 1280, "height": 720})
        context.on("request", lambda r: requests.append(r.url))
        context.on("requestfailed", lambda r: failed.append(r.url))
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(deck.as_uri())
        page.wait_for_function("document.body.dataset.fitted === 'true'", timeout=20000)
        measured = page.evaluate("""() => {
            const H = Reveal.getConfig().height, res = [];
            Reveal.getHorizontalSlides().forEach((stack, h) => {
                const n = stack.querySelectorAll(':scope > section').length || 1;
                for (let v = 0; v < n; v++) {
                    Reveal.slide(h, v);
                    const s = Reveal.getCurrentSlide();
                    res.push({at: h + '.' + v, height: s.scrollHeight, H: H, fit: parseFloat(s.dataset.fit),
                              scrolls: s.classList.contains('fit-scroll'), text: s.innerText.slice(0, 40),
                              clipped: Array.from(s.querySelectorAll('pre, .jp-RenderedHTMLCommon, mjx-container'))
                                            .filter(e => e.scrollWidth > e.clientWidth + 1).length});
                }
            });
            return res;
        }""")
        assert page.evaluate("!!Reveal.getPlugin('notes')")
        page.evaluate("Reveal.slide(0, 0)")
        with page.expect_popup() as popup:
            page.keyboard.press("s")
        speaker = popup.value
        speaker.wait_for_function("document.querySelector('.speaker-controls-notes') !== null", timeout=10000)
        assert "Speaker View" in speaker.title()
        chromium.close()

    assert measured and len(measured) == info["subslides"]
    assert measured[0]["H"] == slides.SLIDE_H
    too_tall = [m for m in measured if m["height"] > m["H"] + 1 or m["scrolls"]]
    assert not too_tall, too_tall
    assert sum(m["fit"] < 0.9 for m in measured) == 0, [m for m in measured if m["fit"] < 0.9]  # text stays legible
    assert not [m for m in measured if m["clipped"]]  # long code lines wrap, wide formulas fit
    assert requests and all(u.startswith("file://") for u in requests), [u for u in requests if not u.startswith("file://")]
    assert not failed and not errors, (failed, errors)
