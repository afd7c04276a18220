"""Sphinx extension: every script of a page emitted once.

jupyter-book 1.x registers sphinx-thebe's configuration script (``const THEBE_JS_URL = ...``) twice, so
every page logged ``Uncaught SyntaxError: Identifier 'THEBE_JS_URL' has already been declared`` in the
browser's console. Just before a page is written, this drops repeated entries (same file or inline body,
same attributes) from its script list, keeping the first. Registered in ``_config.yml`` under
``sphinx.local_extensions``; the rendered-book test fails on any console error.
"""
from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _key(script: Any) -> tuple:
    """What makes two scripts the same: file (an inline script's is ``None`` or ``""``) and attributes."""
    attributes = getattr(script, "attributes", {}) or {}
    return (getattr(script, "filename", script) or "", tuple(sorted(attributes.items())))


def unique_scripts(scripts: list[Any]) -> list[Any]:
    """``scripts`` without repeats, in their first order; an inline script repeated with ``None`` for
    its file name in one place and ``""`` in the other (as Thebe's is) counts as a repeat."""
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        if _key(script) not in seen:
            seen.add(_key(script))
            unique.append(script)
    return unique


def _dedupe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if "script_files" in context:
        context["script_files"] = unique_scripts(context["script_files"])


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _dedupe, priority=900)  # after the extensions that add scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
