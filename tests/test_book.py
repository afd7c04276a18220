"""The book's structure: notebooks match their sources, carry no outputs, have the parameters cell, and
the table of contents lists them all."""
from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import nbformat
import pytest

from lib.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "book").glob("*.ipynb"))
REQUIRED_PARAMETERS = {"dataset", "data_dir", "n_images", "z_dim", "epochs", "batch_size", "seed", "artifacts_dir"}


def _nbbuild():
    spec = importlib.util.spec_from_file_location("nbbuild", REPO_ROOT / "tools" / "nbbuild.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_is_a_notebook_per_source():
    sources = sorted(p.stem for p in (REPO_ROOT / "tools" / "chapters").glob("*.py"))
    assert sources == [p.stem for p in NOTEBOOKS] and sources


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_built_from_its_source(notebook, tmp_path):
    target = tmp_path / notebook.name
    _nbbuild().build(REPO_ROOT / "tools" / "chapters" / f"{notebook.stem}.py", target)
    assert target.read_text() == notebook.read_text(), "run `python tools/nbbuild.py` and commit"


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
