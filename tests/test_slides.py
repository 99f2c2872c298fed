"""Slide decks: slideshow metadata becomes reveal.js slides; local assets are used when installed."""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nnlib.course import slides


def tiny_lecture(path):
    nb = new_notebook(cells=[new_markdown_cell("# Title"), new_markdown_cell("## Second slide"),
                             new_code_cell("x = 1"), new_markdown_cell("a speaker note")])
    for cell, kind in zip(nb.cells, ["slide", "slide", "fragment", "notes"]):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nbformat.write(nb, path)
    return path


def test_deck_uses_the_cdn_without_local_assets(tmp_path):
    deck = slides.build(tiny_lecture(tmp_path / "00_x.ipynb"), out_dir=tmp_path / "out", execute=False)
    html = deck.read_text()
    assert deck.name == "00_x.slides.html"
    assert html.count("<section") >= 2  # two slides
    assert "https://" in html and "assets/node_modules" not in html


def test_deck_uses_local_assets_when_installed(tmp_path):
    out = tmp_path / "out"
    (out / slides.ASSETS / "reveal.js" / "dist").mkdir(parents=True)
    (out / slides.ASSETS / "reveal.js" / "dist" / "reveal.js").write_text("")
    html = slides.build(tiny_lecture(tmp_path / "00_x.ipynb"), out_dir=out, execute=False).read_text()
    for url in slides.LOCAL_URLS.values():
        assert url.split("?")[0] in html
    assert 'src="https://' not in html  # nothing left to fetch: the deck works offline
