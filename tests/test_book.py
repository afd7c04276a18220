"""The book's structure: notebooks match their paired jupytext sources, carry no outputs, have the parameters cell, and
the table of contents lists them all."""
from __future__ import annotations

import ast

import jupytext
import nbformat
import pytest

from latent_fragments.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "book").glob("*.ipynb"))
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


def test_toc_lists_every_chapter():
    toc = (REPO_ROOT / "_toc.yml").read_text()
    for notebook in NOTEBOOKS:
        assert f"book/{notebook.stem}" in toc
