"""Build reveal.js slide decks of the lectures: `python -m nnlib.course.slides [lectures/NN_topic.ipynb ...]`.

Each lecture is executed (so plots are on the slides; widgets show their static figure) and
exported with nbconvert's slides exporter into slides/NN_topic.slides.html. Cells' slideshow
metadata decides what is a slide, a sub-slide, a fragment or a speaker note.

nbconvert's deck loads reveal.js, require.js, jQuery and MathJax from a CDN. For a deck that works
offline, `make slides` first installs those three into slides/assets with npm (when npm is
available); this module then points the deck at them with relative paths.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "slides"
ASSETS = "assets/node_modules"  # relative to OUT, so the folder can be copied as a whole
LOCAL_URLS = {  # what nbconvert's reveal template loads, and where npm puts each
    "reveal_url_prefix": f"{ASSETS}/reveal.js",
    "require_js_url": f"{ASSETS}/requirejs/require.js",
    "jquery_url": f"{ASSETS}/jquery/dist/jquery.min.js",
    "mathjax_url": f"{ASSETS}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
}


def exporter(out_dir: pathlib.Path = OUT) -> SlidesExporter:
    """A slides exporter using local assets when they are installed, else the CDN defaults."""
    exp = SlidesExporter()
    local = (out_dir / ASSETS / "reveal.js" / "dist" / "reveal.js").exists()
    if local:
        for name, url in LOCAL_URLS.items():
            setattr(exp, name, url)
    return exp


def build(path: pathlib.Path, out_dir: pathlib.Path = OUT, execute: bool = True, timeout: int = 120) -> pathlib.Path:
    nb = nbformat.read(path, as_version=4)
    if execute:
        ExecutePreprocessor(timeout=timeout, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(path.parent)}})
    html, _ = exporter(out_dir).from_notebook_node(nb)
    out_dir.mkdir(exist_ok=True)
    target = out_dir / f"{path.stem}.slides.html"
    target.write_text(html, encoding="utf-8")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build reveal.js decks of the lectures into slides/.")
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path, help="default: every lecture")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb"))
    where = "local assets" if (OUT / ASSETS / "reveal.js").exists() else "assets from the CDN (online only)"
    for path in paths:
        print(f"slides/{build(path).name}  ({where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
