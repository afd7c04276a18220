"""Page weight of a built book page: the HTML and every local file it loads (images, scripts, styles).

Chapter 3's page embeds BokehJS and its interactive figures' data inline (issue 15: at most 5 MB at the
default run), so the HTML itself carries most of the weight; the script breaks it down. The page's own
weight is its HTML and its figures (``_images/``); the theme's scripts, styles and fonts under ``_static/``
(about 2 MB, most of it Font Awesome) are the same for every page and counted apart, as is MathJax.

    .venv/bin/python benchmarks/bench_page_weight.py                       # _build/html, chapter 3
    .venv/bin/python benchmarks/bench_page_weight.py --html _build/small/_build/html --max-mb 5

With ``--max-mb`` it exits with status 1 when the page's own weight is more (``tests/test_rendered_book.py``
uses it).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REFERENCE = re.compile(r"<(?:img|script|link)\b[^>]*?\b(?:src|href)=\"([^\"#?]+)", re.I)
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
DATA_URL = re.compile(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+")


def local_files(page: Path, markup: str) -> dict[Path, int]:
    """Sizes of the local files the page's img, script and link tags load (not links to other pages)."""
    found = {}
    for ref in REFERENCE.findall(markup):
        if ref.startswith(("data:", "http:", "https:", "//", "mailto:")) or ref.endswith(".html"):
            continue
        path = (page.parent / ref).resolve()
        if path.is_file():
            found[path] = path.stat().st_size
    return found


def weight(page: Path) -> dict[str, int]:
    """Bytes of the page: ``html`` (the file), ``inline_scripts``, ``data_images`` (both inside the HTML),
    ``figures`` (the other local files it loads, outside ``_static/``), ``shared`` (the theme's files in
    ``_static/``, loaded by every page) and ``own`` (HTML and figures)."""
    markup = page.read_text(encoding="utf-8")
    files = local_files(page, markup)
    shared = {path: size for path, size in files.items() if "_static" in path.parts}
    html_bytes = len(markup.encode("utf-8"))
    figures = sum(files.values()) - sum(shared.values())
    return {"html": html_bytes,
            "inline_scripts": sum(len(s) for s in INLINE_SCRIPT.findall(markup)),
            "data_images": sum(len(m) for m in DATA_URL.findall(markup)),
            "figures": figures, "n_figures": len(files) - len(shared),
            "shared": sum(shared.values()), "n_shared": len(shared), "own": html_bytes + figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=Path("_build/html"), help="the built book's html folder")
    parser.add_argument("--page", default="book/03_pca_fragment.html", help="the page, relative to --html")
    parser.add_argument("--max-mb", type=float, default=None, help="exit 1 if the page weighs more (MB)")
    args = parser.parse_args(argv)
    page = args.html / args.page
    if not page.is_file():
        print(f"no page at {page}: build the book first (make book), or give --html", file=sys.stderr)
        return 2
    w = weight(page)
    mb = 1e6
    print(f"{args.page}: {w['own'] / mb:.2f} MB of its own (HTML and figures)")
    print(f"  HTML {w['html'] / mb:.2f} MB, of which inline scripts {w['inline_scripts'] / mb:.2f} MB and "
          f"embedded images {w['data_images'] / mb:.2f} MB")
    print(f"  {w['n_figures']} figure files: {w['figures'] / mb:.2f} MB")
    print(f"  besides: {w['n_shared']} theme files shared by every page (_static/): "
          f"{w['shared'] / mb:.2f} MB")
    if args.max_mb is not None and w["own"] > args.max_mb * mb:
        print(f"heavier than {args.max_mb:g} MB: shrink the embedded figures (chapter 3's explorer: n_hover, "
              "thumbnail and frame sizes)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
