"""The book's structure: notebooks match their paired jupytext sources, carry no outputs, have the parameters cell, and
the table of contents lists them all."""
from __future__ import annotations

import ast
import re

import jupytext
import nbformat
import pytest

from latent_fragments.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "book").glob("*.ipynb"))
#: The chapters in the order of the table of contents (book/NN_name entries): a new chapter needs its pair,
#: its line in _toc.yml and its pages/ module, nothing here.
CHAPTERS = re.findall(r"^\s*- file: book/(\d\d_\w+)\s*$", (REPO_ROOT / "_toc.yml").read_text(), flags=re.M)
REQUIRED_PARAMETERS = {"dataset", "data_dir", "n_images", "z_dim", "epochs", "batch_size", "seed", "artifacts_dir"}


def _cells(notebook) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source.strip(), c.metadata.get("tags", [])) for c in notebook.cells]


def test_every_chapter_is_a_jupytext_pair():
    sources = sorted(p.stem for p in (REPO_ROOT / "book").glob("[0-9]*.py"))
    assert sources == [p.stem for p in NOTEBOOKS] and sources


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_matches_its_paired_source(notebook):
    source = notebook.with_suffix(".py")
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
    assert _cells(jupytext.read(source)) == _cells(nb), f"run `make sync` (jupytext --sync {source.name})"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_and_no_outputs(notebook):
    nb = nbformat.read(notebook, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = {t.id for node in ast.parse(tagged[0].source).body if isinstance(node, ast.Assign) for t in node.targets}
    assert REQUIRED_PARAMETERS <= names
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_toc_lists_every_chapter_once_in_order():
    assert CHAPTERS == [notebook.stem for notebook in NOTEBOOKS]


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_has_its_pages_module(name):
    """Chapter ``NN_topic`` words its results in ``latent_fragments.pages.topic`` and imports it."""
    topic = name.split("_", 1)[1]
    assert (REPO_ROOT / "lib" / "latent_fragments" / "pages" / f"{topic}.py").is_file(), f"{name}: no pages/{topic}.py"
    source = (REPO_ROOT / "book" / f"{name}.py").read_text()
    assert re.search(rf"from latent_fragments\.pages(?: import [^\n]*\b{topic}\b|\.{topic} import)", source), name


# ---------------------------------------------------------------------------------------------------
# Pages that read like a book (issue 13): checked on the notebooks, without building the book
# ---------------------------------------------------------------------------------------------------

#: Every chapter; the rendered-book test checks the same on the built pages.
BOOK_LIKE = CHAPTERS
HIDDEN_INPUT = {"remove-input", "remove-cell", "hide-input"}
MAX_CODE_WIDTH = 88


def _shown_code(name: str) -> list[tuple[int, str]]:
    """(cell index, source) of the code cells whose input the page shows."""
    nb = nbformat.read(REPO_ROOT / "book" / f"{name}.ipynb", as_version=4)
    return [(i, c.source) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and not HIDDEN_INPUT & set(c.metadata.get("tags", []))]


@pytest.mark.parametrize("name", BOOK_LIKE)
def test_shown_code_is_narrow_short_and_free_of_glue(name):
    for index, source in _shown_code(name):
        lines = source.splitlines()
        assert all(len(line) <= MAX_CODE_WIDTH for line in lines), f"{name} cell {index}: a line over 88"
        assert len(lines) <= 16, f"{name} cell {index}: {len(lines)} lines; split it or move code to the package"
        assert "glue(" not in source, f"{name} cell {index}: a shown glue( call; tag the cell remove-input"


@pytest.mark.parametrize("name", BOOK_LIKE)
def test_chapter_states_its_run_and_checks_invariants_for_nbval(name):
    nb = nbformat.read(REPO_ROOT / "book" / f"{name}.ipynb", as_version=4)
    hidden = [c.source for c in nb.cells if c.cell_type == "code" and "remove-input" in c.metadata.get("tags", [])]
    assert any("provenance.run_box(" in s or "provenance.glue_run_statement(" in s for s in hidden), name
    checks = [c.source for c in nb.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert any("assert " in s for s in checks), f"{name}: no hidden (remove-cell) assertions for nbval"


@pytest.mark.parametrize("name", BOOK_LIKE)
def test_every_figure_cell_has_alt_text(name):
    """A shown cell that draws (a plotting call ending in ';') sets mystnb.image.alt of three words or more."""
    nb = nbformat.read(REPO_ROOT / "book" / f"{name}.ipynb", as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.rstrip().endswith(";"):
            continue
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt.split()) >= 3, f"{name} cell {index}: a figure without alt text"


def test_nbval_collects_every_code_cell_of_every_chapter():
    """What a reader runs (`pytest --nbval-lax book/`, `make test-notebooks`) finds every chapter's code
    cells; `make test` executes them once, in the small book build, where a failing cell fails the build
    (tests/test_book_config.py)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval-lax",
                           "-p", "no:cacheprovider", *map(str, NOTEBOOKS)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    collected = [line for line in proc.stdout.splitlines() if "::Cell " in line]
    for notebook in NOTEBOOKS:
        nb = nbformat.read(notebook, as_version=4)
        n_code = sum(c.cell_type == "code" for c in nb.cells)
        assert sum(line.startswith(f"book/{notebook.name}::") for line in collected) == n_code, notebook.name
