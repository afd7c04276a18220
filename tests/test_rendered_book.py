"""The book as a reader meets it: every page of the built HTML, read as HTML and opened in headless Chromium.

Runs when a built book exists (``LF_BOOK_HTML``, default ``_build/html``); ``make test`` builds the book
at the small profile first and points ``LF_BOOK_HTML`` at it. Read as HTML (no browser needed), each
chapter page must state the run it shows, give every figure alt text that says what it shows, show no
absolute path of the build machine, no code line wider than 88 characters and no ``glue(`` call. Opened
in Chromium (skipped if it is missing, a failure when ``LF_REQUIRE_CHROMIUM=1``, as in CI), each page
loads, every figure is present and decodes, its smallest text shows at least 10 px high at 1280 px (the size
recorded in each figure's PNG, scaled to its displayed width), no cell output shows a Python traceback or
error, and the table of contents links every chapter; chapter 3's interactive explorer renders, answers a slider, a hover and a
selection, raises no script error and loads nothing from the network (its ``#lf-selftest`` hook), and its
page loads no http(s) script, style or image and stays within 5 MB of its own. Screenshots of every page
are kept in ``<html>/../screenshots/`` as test artefacts. The HTML checks themselves are tested on
hand-made pages, which needs no build.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from latent_fragments.config import REPO_ROOT
from latent_fragments.provenance import STATEMENT_PREFIX

HTML = Path(os.environ.get("LF_BOOK_HTML", REPO_ROOT / "_build" / "html")).resolve()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHAPTERS = sorted(p.stem for p in (REPO_ROOT / "book").glob("*.ipynb"))
#: the chapters that draw figures (they call :mod:`latent_fragments.plots`); chapter 6 is a page of tables
FIGURE_CHAPTERS = [name for name in CHAPTERS if "plots." in (REPO_ROOT / "book" / f"{name}.py").read_text()]
PAGES = re.findall(r"(?:root|file): book/(\S+)", (REPO_ROOT / "_toc.yml").read_text())  # every page of the TOC
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars"]

#: CI sets LF_REQUIRE_CHROMIUM=1 (.ci/run): a missing Chromium then fails the browser tests, not skips them.
REQUIRE_CHROMIUM = os.environ.get("LF_REQUIRE_CHROMIUM") == "1"
EXPLORER_PAGE = "03_pca_fragment"
#: An http(s) (or protocol-relative) address in the src or href of a script, link or img tag.
NETWORK_REFERENCE = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^\s\"'>]*",
                               re.I)

needs_book = pytest.mark.skipif(not (HTML / "index.html").exists(), reason=f"no built book at {HTML} (make book)")
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not REQUIRE_CHROMIUM,
                                    reason="Chromium is not installed (apt-get install chromium)")


def chromium(*args: str, console: list[str] | None = None) -> str:
    """Run headless Chromium; its stdout. Given a list as ``console``, the page's console errors are
    appended to it (:func:`console_errors` of Chromium's log)."""
    if CHROMIUM is None:
        pytest.fail("LF_REQUIRE_CHROMIUM=1 but Chromium is not installed: apt-get install chromium")
    logging = ["--enable-logging=stderr", "--v=0"] if console is not None else []
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([CHROMIUM, *FLAGS, *logging, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    if console is not None:
        console.extend(console_errors(proc.stderr))
    return proc.stdout


#: A console message in Chromium's log (``--enable-logging=stderr``): its level and text.
CONSOLE_LINE = re.compile(r":(INFO|WARNING|ERROR):CONSOLE[^\]]*\] \"(.*)\", source: (\S*)")


def console_errors(log: str) -> list[str]:
    """The script errors a page logged: uncaught exceptions and console errors, with their source."""
    found = []
    for level, message, source in CONSOLE_LINE.findall(log):
        if level == "ERROR" or message.startswith("Uncaught"):
            found.append(f"{message} ({source.rsplit('/', 1)[-1]})")
    return found


#: Output areas of cell outputs: MyST-NB wraps each output in ``<div class="output ...">``.
OUTPUT_AREA = re.compile(r'<div class="(?:output|cell_output)\b[^"]*">')
#: Content that is visible without text: figures, tables, embedded documents, scripted widgets.
VISIBLE_TAGS = re.compile(r"<(?:img|svg|table|iframe|canvas|script|video|math)\b", re.I)


def empty_output_areas(page: str) -> int:
    """How many cell outputs on a page show nothing: no text, no figure, no table, no widget."""
    main = main_html(page)
    empty = 0
    for start in (m.start() for m in OUTPUT_AREA.finditer(main)):
        depth, pos, end = 0, start, len(main)
        for tag in re.finditer(r"<(/?)div\b[^>]*>", main[start:]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = start + tag.end()
                break
        area = main[start:end]
        text = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<(script|style)\b.*?</\1>", "", area, flags=re.S)))
        if not text.strip() and not VISIBLE_TAGS.search(area):
            empty += 1
    return empty


def page_path(name: str) -> Path:
    return HTML / "book" / f"{name}.html"


@needs_chromium
@needs_book
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_with_decodable_figures_and_no_errors(name):
    path = page_path(name)
    assert path.exists(), f"{path} was not built"
    dom = chromium("--dump-dom", "--virtual-time-budget=5000", path.as_uri())
    assert "<main" in dom and "</html>" in dom
    main = dom[dom.index("<main"):]
    text = page_text(dom)  # what a reader sees: not the inline scripts (BokehJS names its own errors)
    for marker in ("Traceback (most recent call last)", "Error:", "NameError", "cell execution failed"):
        assert marker not in text, f"{name}: page shows '{marker}'"
    shown = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)  # not the <img> templates in BokehJS
    images = re.findall(r'<img[^>]+src="([^"]+)"', shown)
    if name in FIGURE_CHAPTERS:  # figures, not the theme's button icons (Binder's SVG, Colab's PNG)
        assert [src for src in images if "_static/" not in src], f"{name}: a chapter page without figures"
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


@needs_chromium
@needs_book
@pytest.mark.parametrize("name", PAGES)
def test_page_logs_no_script_error(name):
    """No page logs an error in the browser's console (jupyter-book 1.x's doubled Thebe configuration
    did, on every page: tools/local_scripts.py)."""
    errors: list[str] = []
    chromium("--dump-dom", "--virtual-time-budget=5000", page_path(name).as_uri(), console=errors)
    assert not errors, f"{name}: script errors in the console: {errors[:3]}"


@needs_chromium
def test_console_check_finds_a_script_error(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><script>const A = 1;</script><script>const A = 2;</script></body></html>")
    errors: list[str] = []
    chromium("--dump-dom", page.as_uri(), console=errors)
    assert len(errors) == 1 and "already been declared" in errors[0]
    page.write_text("<html><body><script>const A = 1; console.log('fine');</script></body></html>")
    errors.clear()
    chromium("--dump-dom", page.as_uri(), console=errors)
    assert errors == []


#: Measured in a copy of a page (:func:`probe_page`): the elements of the article that reach past its
#: column and are not inside a horizontally scrolling container that fits the column, as JSON.
OVERFLOW_SCRIPT = """
  var article = document.querySelector("article") || document.querySelector("main") || document.body;
  var limit = article.getBoundingClientRect().right + 2, bad = [];
  article.querySelectorAll("table, pre, img, svg, div.output, iframe, .bk-root").forEach(function (el) {
    var right = el.getBoundingClientRect().right;
    if (right <= limit || el.closest("mjx-container")) { return; }
    for (var p = el.parentElement; p && p !== article.parentElement; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if ((o === "auto" || o === "scroll") && p.getBoundingClientRect().right <= limit) { return; }
    }
    bad.push(el.tagName.toLowerCase() + "." + String(el.className).split(" ")[0] + " +" + Math.round(right - limit) + "px");
  });
  return JSON.stringify(bad);"""

#: The script :func:`probe_page` injects: once the page has loaded (or after 4 s: a blocked remote font may
#: hold "load"), the text a measurement returns goes into ``<pre id="lf-NAME">``.
PROBE = """<script>(function () { var done = false; function probe() {
  if (done) { return; } done = true;
  var pre = document.createElement("pre"); pre.id = "lf-NAME";
  pre.textContent = (function () { BODY })();
  document.body.appendChild(pre);
}
window.addEventListener("load", probe); setTimeout(probe, 4000);
})();</script>"""


def probe_page(path: Path, measure: str, name: str, width: int = 1280) -> str:
    """The text the JavaScript function body ``measure`` returns, run in a copy of a built page opened in
    Chromium at ``width`` px once the page has loaded (:data:`PROBE`)."""
    script = PROBE.replace("NAME", name).replace("BODY", measure)
    probe = path.with_name(f".lf-{name}-{path.name}")
    probe.write_text(path.read_text().replace("</body>", script + "</body>"))
    try:
        dom = chromium("--dump-dom", "--virtual-time-budget=8000", f"--window-size={width},2400", probe.as_uri())
    finally:
        probe.unlink()
    found = re.search(rf'<pre id="lf-{name}"[^>]*>(.*?)</pre>', dom, flags=re.S)
    assert found, f"the {name} probe did not run on {path.name}"
    return html.unescape(found.group(1))


def overflowing_elements(path: Path, width: int = 1280) -> list[str]:
    """The elements of a built page that stick out of its text column at ``width`` px without a scrollbar
    (measured in Chromium on a copy of the page by :data:`OVERFLOW_SCRIPT`)."""
    return json.loads(probe_page(path, OVERFLOW_SCRIPT, "overflow", width))


@needs_chromium
@needs_book
@pytest.mark.parametrize("name", PAGES)
def test_nothing_is_cut_at_the_column_edge(name):
    """No table, code block, figure or output reaches past the text column at 1280 px, unless it scrolls
    inside it (_static/latent-fragments.css)."""
    wide = overflowing_elements(page_path(name))
    assert not wide, f"{name}: elements wider than the column without a scrollbar: {wide[:5]}"


@needs_chromium
def test_overflow_check_finds_a_wide_table_but_not_a_scrolling_one(tmp_path):
    cells = "".join(f"<td>column {i} with a long name</td>" for i in range(30))
    page = tmp_path / "page.html"
    page.write_text(f'<html><body><main><article style="width:600px"><table><tr>{cells}</tr></table>'
                    f'<div style="overflow-x:auto"><table><tr>{cells}</tr></table></div>'
                    "</article></main></body></html>")
    assert len(overflowing_elements(page)) == 1
    page.write_text('<html><body><main><article style="width:600px"><p>short</p></article></main></body></html>')
    assert overflowing_elements(page) == []


#: Measured in a copy of a chapter page (:func:`probe_page`): how far (px) below the chapter's title its first
#: result starts, the first figure or table of an output or the first number glued into the text.
FIRST_RESULT_SCRIPT = """
  var title = document.querySelector("article h1") || document.querySelector("h1");
  var found = document.querySelector(".cell_output img, .cell_output table, .cell_output > p, .pasted-text, .pasted-inline");
  return (title && found) ? String(Math.round(found.getBoundingClientRect().top
                                              - title.getBoundingClientRect().top)) : "none";"""


def first_result_offset(path: Path, width: int = 1280) -> int | None:
    """Pixels between a built page's title and its first result at ``width`` px (None: no result)."""
    offset = probe_page(path, FIRST_RESULT_SCRIPT, "first", width)
    return None if offset == "none" else int(offset)


@needs_chromium
@needs_book
@pytest.mark.parametrize("name", CHAPTERS)
def test_first_result_is_within_1000_px_of_the_title(name):
    """A reader sees a result (a figure, a table or a number of this run) within 1,000 px of a chapter's
    title at 1280 px wide, not screens of set-up first."""
    offset = first_result_offset(page_path(name))
    assert offset is not None and offset <= 1000, f"{name}: first result {offset} px below the title"


@needs_chromium
def test_first_result_probe_measures_the_distance(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<html><body style="margin:0"><article><h1 style="margin:0;height:50px">T</h1>'
                    '<p style="height:1500px">text</p><div class="cell_output"><table><tr><td>1</td></tr>'
                    "</table></div></article></body></html>")
    assert 1500 <= first_result_offset(page) <= 1600  # the paragraph and its margins
    page.write_text("<html><body><article><h1>T</h1><p>no result</p></article></body></html>")
    assert first_result_offset(page) is None


#: Measured in a copy of a chapter page (:func:`probe_page`): each figure of a cell output, its address and
#: displayed width in px, as JSON.
FIGURES_SCRIPT = """
  var shown = [];
  document.querySelectorAll(".cell_output img").forEach(function (img) {
    shown.push([img.getAttribute("src"), img.getBoundingClientRect().width]);
  });
  return JSON.stringify(shown);"""


def small_figure_text(path: Path, width: int = 1280) -> list[str]:
    """The figures of a built page whose smallest text appears under :data:`style.MIN_TEXT_PX` px high at
    ``width`` px, or that do not record its size (a figure the chapter preamble's formatter did not draw):
    the size recorded in the PNG (:data:`style.TEXT_SIZE_KEY`) scaled by the displayed over the image's width."""
    from latent_fragments.plots import style

    small = []
    for src, shown in json.loads(probe_page(path, FIGURES_SCRIPT, "figures", width)):
        if src.startswith("data:"):
            continue
        with Image.open((path.parent / src).resolve()) as img:
            recorded, natural = img.text.get(style.TEXT_SIZE_KEY), img.size[0]
        if recorded is None:
            small.append(f"{Path(src).name}: no recorded text size")
        elif float(recorded) * shown / natural < style.MIN_TEXT_PX:
            small.append(f"{Path(src).name}: smallest text {float(recorded) * shown / natural:.1f} px")
    return small


@needs_chromium
@needs_book
@pytest.mark.parametrize("name", FIGURE_CHAPTERS)
def test_figure_text_is_readable_at_the_page_width(name):
    """Every figure's smallest text (titles, labels, ticks, legends) is at least 10 px high as the page shows
    it in a 1280 px window."""
    small = small_figure_text(page_path(name))
    assert not small, f"{name}: figures with text under 10 px: {small[:4]}"


@needs_chromium
def test_figure_text_check_measures_the_displayed_size(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from latent_fragments.plots import style

    for points, name in ((6, "small.png"), (12, "large.png")):
        fig, ax = plt.subplots(figsize=(10, 3))
        ax.set_title("title", fontsize=points)
        ax.tick_params(labelsize=points)
        fig.savefig(tmp_path / name, metadata={style.TEXT_SIZE_KEY: f"{style.smallest_text_px(fig):.2f}"})
        plt.close(fig)
    page = tmp_path / "page.html"
    page.write_text('<html><body><article style="width:800px"><div class="cell_output">'
                    '<img src="small.png" style="max-width:100%"><img src="large.png" style="max-width:100%">'
                    "</div></article></body></html>")
    assert small_figure_text(page) == ["small.png: smallest text 6.7 px"]  # 6 pt at 100 dpi, 1000 -> 800 px


@needs_book
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_empty_output_area(name):
    """Every output box on a page shows something (a cleared progress display once left empty boxes)."""
    assert empty_output_areas(page_path(name).read_text()) == 0, f"{name}: empty output boxes"


def test_empty_output_check_counts_only_empty_boxes():
    empty = '<div class="output text_plain highlight-myst-ansi notranslate"><div class="highlight"><pre>' \
            '<span></span></pre></div></div>'
    shown = '<div class="output stream highlight-myst-ansi notranslate"><div class="highlight"><pre>' \
            'epoch 1/2: loss 0.61</pre></div></div>'
    assert empty_output_areas(sample_page(output=empty + empty + shown)) == 2
    assert empty_output_areas(sample_page(output=shown)) == 0  # the sample's figure is not an output box


@needs_chromium
@needs_book
def test_table_of_contents_links_every_chapter():
    dom = chromium("--dump-dom", (HTML / "book" / "intro.html").as_uri())
    links = set(re.findall(r'href="([^"#]+)', dom))
    for chapter in CHAPTERS:
        assert any(link.endswith(f"{chapter}.html") for link in links), f"no link to {chapter} in the TOC"


@needs_chromium
@needs_book
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_download_and_launch_buttons(name):
    """Download as .ipynb always; Binder and Colab when the book was built with a repository URL."""
    dom = chromium("--dump-dom", "--virtual-time-budget=3000", page_path(name).as_uri())
    links = set(html.unescape(h) for h in re.findall(r'href="([^"]+)"', dom))
    ipynb = [link for link in links if link.endswith(f"{name}.ipynb") and "://" not in link]
    assert ipynb, f"{name}: no download link to {name}.ipynb"
    assert (page_path(name).parent / ipynb[0]).resolve().exists(), f"{name}: {ipynb[0]} is not in the build"
    repo = os.environ.get("LF_BOOK_REPO_URL")
    if not repo:  # built without a repository URL: no launch button may open someone else's project
        launch = [link for link in links if "mybinder.org" in link or "colab.research" in link
                  or "executablebooks/jupyter-book" in link]
        assert not launch, f"{name}: launch buttons without a repository URL: {launch[:2]}"
        return
    owner_repo = repo.removeprefix("https://github.com/")
    binder = f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/book/{name}.ipynb"
    colab = f"https://colab.research.google.com/github/{owner_repo}/blob/main/book/{name}.ipynb"
    assert binder in links, f"{name}: no Binder link {binder}"
    assert colab in links, f"{name}: no Colab link {colab}"
    assert repo in links, f"{name}: no repository button"


@needs_chromium
@needs_book
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


# ---------------------------------------------------------------------------------------------------
# The page as HTML: what a reader sees, checked without a browser
# ---------------------------------------------------------------------------------------------------

#: Widest code line a page may show (the theme's code column holds about this many characters).
MAX_CODE_WIDTH = 88
#: Folders of a build machine that must not appear on a page (besides the checkout and the build itself).
MACHINE_FOLDERS = re.compile(r"(?<![\w.:/~-])/(?:tmp|home|root|Users|work|var/folders|private)/[\w.~+-][^\s\"'<>]*")
HASH_ALT = re.compile(r"^[0-9a-f]{16,}(\.\w+)?$")


def main_html(page: str) -> str:
    """The ``<main>`` part of a page (the article, without the theme's navigation)."""
    start = page.find("<main")
    return page[start:] if start >= 0 else page


def page_text(page: str) -> str:
    """The text a reader sees in the article: tags, scripts and styles removed, entities decoded."""
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main_html(page), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def machine_paths(page: str, roots: tuple[str, ...] = ()) -> list[str]:
    """Absolute paths of the build machine in a page's text: the given roots, /tmp/, /home/, ...."""
    text = page_text(page)
    found = [root for root in roots if root and root in text]
    return found + [m.group(0) for m in MACHINE_FOLDERS.finditer(text)]


def bad_alt_texts(page: str) -> list[str]:
    """The figures (``<img>`` of cell outputs, which MyST-NB writes to ``_images/``; not the theme's
    icons and logos) whose alt text is missing, empty, a hash or a file name, or under three words."""
    bad = []
    for tag in re.findall(r"<img\b[^>]*>", main_html(page)):
        src = re.search(r'src="([^"]*)"', tag)
        if not src or not ("_images/" in src.group(1) or src.group(1).startswith("data:image")):
            continue
        alt = re.search(r'alt="([^"]*)"', tag)
        text = html.unescape(alt.group(1)).strip() if alt else ""
        if not text or HASH_ALT.match(text) or len(text.split()) < 3:
            bad.append(tag[:200])
    return bad


def code_blocks(page: str) -> list[str]:
    """The source of every code cell's input on a page, as a reader sees it."""
    blocks = []
    for cell in re.split(r'<div class="cell_input\b', main_html(page))[1:]:
        pre = re.search(r"<pre>(.*?)</pre>", cell, flags=re.S)
        if pre:
            blocks.append(html.unescape(re.sub(r"<[^>]+>", "", pre.group(1))))
    return blocks


def wide_code_lines(page: str, width: int = MAX_CODE_WIDTH) -> list[str]:
    """Code lines of the page's cells wider than ``width`` characters."""
    return [line for block in code_blocks(page) for line in block.splitlines() if len(line) > width]


def shown_glue_calls(page: str) -> list[str]:
    """Code lines of the page's cells that call ``glue(`` (bookkeeping belongs in hidden cells)."""
    return [line for block in code_blocks(page) for line in block.splitlines() if "glue(" in line]


SAMPLE_CELL = ('<div class="cell docutils container"><div class="cell_input docutils container">'
               '<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>'
               '<span></span><span class="n">x</span> <span class="o">=</span> {code}\n</pre></div></div></div>'
               '<div class="cell_output docutils container">{output}</div></div>')


def sample_page(code: str = "1", output: str = "", alt: str = "A grid of 48 face images") -> str:
    image = f'<img alt="{alt}" src="../_images/0123abcd.png" />'
    return ('<html><body><nav><img src="logo.svg" alt=""/>/home/nav</nav><main id="main-content">'
            f"<p><strong>{STATEMENT_PREFIX}</strong> `synthfaces-z256-abc`</p>"
            + SAMPLE_CELL.format(code=code, output=output + image) + "</main></body></html>")


def test_html_checks_pass_a_clean_page():
    page = sample_page(output="<pre>cached 600 images -&gt; &lt;artifacts&gt;/cache/x.npy</pre>")
    assert machine_paths(page, (str(REPO_ROOT),)) == [] and bad_alt_texts(page) == []
    assert wide_code_lines(page) == [] and shown_glue_calls(page) == []
    assert STATEMENT_PREFIX in page_text(page) and code_blocks(page) == ["x = 1\n"]
    assert machine_paths(sample_page(output="see https://example.org/tmp/x and ~/work/x")) == []


@pytest.mark.parametrize("path", ["/tmp/lf-pages/cache/x.npy", "/home/user/latent/runs", "/root/.cache/x",
                                  "/work/main/artifacts/runs/a"])
def test_html_checks_find_a_machine_path(path):
    page = sample_page(output=f"<pre>run stored in {path}</pre>")
    assert machine_paths(page), path
    assert machine_paths(sample_page(output=f"<p>{REPO_ROOT}/x</p>"), (str(REPO_ROOT),))


@pytest.mark.parametrize("alt", ["", "0123456789abcdef0123456789abcdef", "9f86d081884c7d65.png", "figure"])
def test_html_checks_find_a_figure_without_meaningful_alt_text(alt):
    assert bad_alt_texts(sample_page(alt=alt))


def test_html_checks_find_wide_code_and_shown_glue():
    wide = "f(" + "a, " * 30 + ")"
    assert wide_code_lines(sample_page(code=wide)) == ["x = " + wide]
    assert len(wide_code_lines(sample_page(code="y" * (MAX_CODE_WIDTH - 4)))) == 0
    assert shown_glue_calls(sample_page(code='glue("n", f"{n}", display=False)'))


@needs_book
@pytest.mark.parametrize("name", PAGES)
def test_page_shows_no_path_of_the_build_machine(name):
    roots = (str(REPO_ROOT), str(HTML.parent.parent), str(Path.home()))
    found = machine_paths(page_path(name).read_text(), roots)
    assert not found, f"{name}: absolute paths on the page: {found[:5]}"


@needs_book
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_states_its_run_and_describes_its_figures(name):
    page = page_path(name).read_text()
    assert STATEMENT_PREFIX in page_text(page), f"{name}: no run statement ({STATEMENT_PREFIX} ...)"
    bad = bad_alt_texts(page)
    assert not bad, f"{name}: figures without meaningful alt text: {bad[:3]}"


@needs_book
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_code_is_readable(name):
    page = page_path(name).read_text()
    assert code_blocks(page), f"{name}: no code cells found on the page"
    wide = wide_code_lines(page)
    assert not wide, f"{name}: {len(wide)} code lines over {MAX_CODE_WIDTH} characters: {wide[:3]}"
    glue_lines = shown_glue_calls(page)
    assert not glue_lines, f"{name}: code cells show glue( calls: {glue_lines[:3]}"


# ---------------------------------------------------------------------------------------------------
# Chapter 3's interactive explorer (issue 15): offline, and it answers
# ---------------------------------------------------------------------------------------------------

def network_references(page: str) -> list[str]:
    """The http(s) addresses a page's script, link and img tags would load (a page that works offline has
    none; links a reader may follow, ``<a href>``, are not loads)."""
    return [m.group(0)[:200] for m in NETWORK_REFERENCE.finditer(page)]


def selftest_result(dom: str) -> dict:
    """What the page's ``#lf-selftest`` hook wrote into ``<pre id="lf-selftest">``."""
    found = re.search(r'<pre id="lf-selftest">(.*?)</pre>', dom, flags=re.S)
    assert found, "the explorer's self-test wrote nothing (BokehJS did not load, or the hook is missing)"
    return json.loads(html.unescape(found.group(1)))


def test_network_check_finds_loads_but_not_links():
    page = ('<a href="https://mybinder.org/v2/gh/x">Binder</a><script src="../_static/x.js"></script>'
            '<img src="data:image/png;base64,AAAA" alt="a local figure"/>')
    assert network_references(page) == []
    for tag in ('<script src="https://cdn.bokeh.org/bokeh/release/bokeh-3.9.2.min.js">',
                "<link rel='stylesheet' href='//fonts.example.org/a.css'>", '<img alt="x" src=http://a/b.png>'):
        assert network_references(page + tag), tag


def test_selftest_result_is_read_from_the_dom():
    dom = '<body><pre id="lf-selftest">{&quot;slider_changed&quot;: true, &quot;errors&quot;: []}</pre></body>'
    assert selftest_result(dom) == {"slider_changed": True, "errors": []}
    with pytest.raises(AssertionError, match="self-test wrote nothing"):
        selftest_result("<body></body>")


def page_weight(html_dir: Path, page: str, max_mb: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "bench_page_weight.py"), "--html",
                           str(html_dir), "--page", page, "--max-mb", str(max_mb)],
                          capture_output=True, text=True, timeout=120)


def test_page_weight_counts_the_page_and_its_figures_but_not_the_theme(tmp_path):
    for folder, size in (("_images", 300_000), ("_static", 2_000_000)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.png").write_bytes(b"x" * size)
    page = ('<html><script src="../_static/a.png"></script><img alt="a figure of faces" src="../_images/a.png"/>'
            '<a href="other.html">next</a><script>' + "y" * 700_000 + "</script></html>")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ch.html").write_text(page)
    proc = page_weight(tmp_path, "book/ch.html", 1.5)
    assert proc.returncode == 0, proc.stderr
    assert "book/ch.html: 1.00 MB of its own" in proc.stdout and "inline scripts 0.70 MB" in proc.stdout
    assert "1 figure files: 0.30 MB" in proc.stdout and "(_static/): 2.00 MB" in proc.stdout
    proc = page_weight(tmp_path, "book/ch.html", 0.9)
    assert proc.returncode == 1 and "heavier than 0.9 MB" in proc.stderr


@needs_book
def test_explorer_page_loads_nothing_from_the_network_and_is_light():
    page = page_path(EXPLORER_PAGE).read_text()
    assert page.count('class="lf-explorer"') == 2, "the explorer's two interactive figures are missing"
    assert "BEGIN bokeh.min.js" in page, "BokehJS is not inline"
    assert network_references(page) == []
    proc = page_weight(HTML, f"book/{EXPLORER_PAGE}.html", 5)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_chromium
@needs_book
def test_explorer_renders_answers_and_stays_offline():
    """The self-test hook (page address ending in #lf-selftest) moves the first axis's slider and the
    generators' slider, sends a mouse pointer onto a point, selects another, switches the plane and the
    colouring."""
    address = page_path(EXPLORER_PAGE).as_uri() + "#lf-selftest"
    dom = chromium("--dump-dom", "--virtual-time-budget=15000", address)
    result = selftest_result(dom)
    assert "error" not in result, result
    assert result["explorers"] == 2 and result["plots"] >= 9, result
    assert result["canvases"] == result["plots"] and result["finished"], f"plots not drawn: {result}"
    for change in ("slider_changed", "slider_frame", "generator_changed", "hover_changed", "point_changed",
                   "plane_changed", "colour_changed"):
        assert result[change] is True, f"{change}: {result}"
    assert result["errors"] == [], f"script errors: {result['errors']}"
    assert result["network"] == [], f"requested from the network: {result['network']}"
