"""The book as a reader meets it: every page of the built HTML opened in headless Chromium.

Runs when a built book exists (``LF_BOOK_HTML``, default ``_build/html``) and Chromium is installed;
``make test`` builds the book at the small profile first and points ``LF_BOOK_HTML`` at it. Checks that
each chapter page loads, every figure is present and decodes, no cell output shows a Python traceback
or error, and the table of contents links every chapter. Screenshots of every page are kept in
``<html>/../screenshots/`` as test artefacts.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from latent_fragments.config import REPO_ROOT

HTML = Path(os.environ.get("LF_BOOK_HTML", REPO_ROOT / "_build" / "html")).resolve()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHAPTERS = sorted(p.stem for p in (REPO_ROOT / "book").glob("*.ipynb"))
PAGES = re.findall(r"(?:root|file): book/(\S+)", (REPO_ROOT / "_toc.yml").read_text())  # every page of the TOC
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars"]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(not (HTML / "index.html").exists(), reason=f"no built book at {HTML} (make book)"),
]


def chromium(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def page_path(name: str) -> Path:
    return HTML / "book" / f"{name}.html"


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_with_decodable_figures_and_no_errors(name):
    path = page_path(name)
    assert path.exists(), f"{path} was not built"
    dom = chromium("--dump-dom", "--virtual-time-budget=5000", path.as_uri())
    assert "<main" in dom and "</html>" in dom
    main = dom[dom.index("<main"):]
    text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    for marker in ("Traceback (most recent call last)", "Error:", "NameError", "cell execution failed"):
        assert marker not in text, f"{name}: page shows '{marker}'"
    images = re.findall(r'<img[^>]+src="([^"]+)"', main)
    if name in CHAPTERS:  # figures, not just the theme's SVG button icons
        assert [src for src in images if not src.endswith(".svg")], f"{name}: a chapter page without figures"
    for src in images:
        if src.startswith("data:"):
            continue
        file = (path.parent / src).resolve()
        assert file.exists(), f"{name}: broken image {src}"
        if file.suffix == ".svg":  # the theme's button icons
            assert "<svg" in file.read_text(errors="replace"), f"{name}: {src} is not an SVG image"
            continue
        with Image.open(file) as img:
            img.load()
            assert min(img.size) > 20, f"{name}: image {src} is {img.size}"
    shots = HTML.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    chromium(f"--screenshot={shots / f'{name}.png'}", "--window-size=1280,2400", path.as_uri())
    assert (shots / f"{name}.png").stat().st_size > 10_000


def test_table_of_contents_links_every_chapter():
    dom = chromium("--dump-dom", (HTML / "book" / "intro.html").as_uri())
    links = set(re.findall(r'href="([^"#]+)', dom))
    for chapter in CHAPTERS:
        assert any(link.endswith(f"{chapter}.html") for link in links), f"no link to {chapter} in the TOC"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_download_and_launch_buttons(name):
    """Download as .ipynb always; Binder and Colab when the book was built with a repository URL."""
    dom = chromium("--dump-dom", "--virtual-time-budget=3000", page_path(name).as_uri())
    links = set(html.unescape(h) for h in re.findall(r'href="([^"]+)"', dom))
    ipynb = [link for link in links if link.endswith(f"{name}.ipynb") and "://" not in link]
    assert ipynb, f"{name}: no download link to {name}.ipynb"
    assert (page_path(name).parent / ipynb[0]).resolve().exists(), f"{name}: {ipynb[0]} is not in the build"
    repo = os.environ.get("LF_BOOK_REPO_URL")
    if not repo:
        pytest.skip("built without a repository URL (make book REPO_URL=...): no launch buttons expected")
    owner_repo = repo.removeprefix("https://github.com/")
    binder = f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/book/{name}.ipynb"
    colab = f"https://colab.research.google.com/github/{owner_repo}/blob/main/book/{name}.ipynb"
    assert binder in links, f"{name}: no Binder link {binder}"
    assert colab in links, f"{name}: no Colab link {colab}"
    assert repo in links, f"{name}: no repository button"


@pytest.mark.parametrize("name", PAGES)
def test_formulas_are_typeset_offline(name):
    """Formulas render as math (MathJax from the book's own _static, no CDN), not as raw TeX."""
    source = page_path(name).read_text()
    if 'class="math notranslate' not in source:
        pytest.skip(f"{name} has no formulas")
    assert 'src="../_static/mathjax/tex-mml-chtml.js' in source or "_static/mathjax/tex-mml-chtml.js" in source
    assert (HTML / "_static" / "mathjax" / "tex-mml-chtml.js").exists()
    dom = chromium("--dump-dom", "--virtual-time-budget=10000", page_path(name).as_uri())
    main = dom[dom.index("<main"):]
    assert "<mjx-container" in main, f"{name}: MathJax did not typeset the formulas"
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)))
    assert "\\(" not in text and "\\[" not in text, f"{name}: raw TeX left on the page"
