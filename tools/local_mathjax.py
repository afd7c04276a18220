"""Sphinx extension: serve MathJax from the built book instead of a CDN, so formulas render offline.

MathJax 3.2.2 comes from PyPI (``django-static-mathjax``, Apache-2.0: the ``es5`` build as static files,
no Django needed at run time). After an HTML build its ``es5`` tree is copied to ``_static/mathjax/`` and
``_config.yml`` points ``mathjax_path`` at ``mathjax/tex-mml-chtml.js``, the bundle Sphinx would otherwise
load from the CDN. Registered in ``_config.yml`` under ``sphinx.local_extensions``.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

BUNDLE = "tex-mml-chtml.js"


def mathjax_source() -> Path:
    """The installed MathJax ``es5`` folder; a clear error if the package is missing."""
    spec = importlib.util.find_spec("mathjax")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        es5 = Path(folder) / "static" / "mathjax" / "es5"
        if (es5 / BUNDLE).exists():
            return es5
    raise ExtensionError("MathJax is not installed: pip install -r requirements.txt "
                         "(package django-static-mathjax) so that formulas render without a CDN")


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / BUNDLE).exists():  # already copied by an earlier build of this output folder
        return
    tmp = target.with_name("mathjax.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(mathjax_source(), tmp)
    if target.exists():  # a partial copy
        shutil.rmtree(target)
    tmp.replace(target)


def setup(app: Sphinx) -> dict:
    mathjax_source()  # fail early, before any notebook executes
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
