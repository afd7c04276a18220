"""The package's layers, as ARCHITECTURE.md draws them: no module imports a layer above its own.

Every ``import`` of every module counts, those inside functions (lazy imports) included. The order is
declared once, here, bottom first; ARCHITECTURE.md's diagram lists the same layers top first (checked).
A new module must be placed in a layer (checked too).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from latent_fragments.config import REPO_ROOT

PACKAGE = REPO_ROOT / "lib" / "latent_fragments"

#: The layers, bottom first: each a name and the modules or packages in it (relative to latent_fragments;
#: "" is the package itself). A module may import its own layer and the layers below.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("", "artifacts", "progress", "locks", "tfnoise")),
    ("synthfaces", ("synthfaces",)),
    ("data", ("data",)),
    ("config", ("config", "layout", "faults")),
    ("model", ("model", "vae", "training")),
    ("runs", ("runs", "archive")),
    ("stats", ("stats",)),
    ("plots", ("plots",)),
    ("sweep", ("sweep", "cluster")),
    ("pages", ("pages", "provenance", "findings_store", "chapter")),
    ("cli", ("cli", "__main__")),
]


def module_name(path: Path) -> str:
    """``data.spec`` for lib/latent_fragments/data/spec.py, ``data`` for its ``__init__``, ``""`` for the package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of the layer holding ``module`` (the longest declared prefix)."""
    best, index = -1, None
    for i, (_, members) in enumerate(LAYERS):
        for member in members:
            if member == "" and best < 0:
                best, index = 0, i
            elif member and (module == member or module.startswith(member + ".")) and len(member) > best:
                best, index = len(member), i
    if index is None or (best == 0 and module != ""):
        raise LookupError(module)
    return index


def imported_modules(module: str) -> set[str]:
    """The package modules ``module`` imports anywhere in its file (relative names, ``""`` the package)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".") if package else []
            base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
            target = ".".join(base + ([node.module] if node.module else []))
            names = [target] if node.module else [".".join(filter(None, [target, a.name])) for a in node.names]
            found.update(names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "latent_fragments":
            found.add(node.module.partition(".")[2])
        elif isinstance(node, ast.Import):
            found.update(a.name.partition(".")[2] for a in node.names if a.name.split(".")[0] == "latent_fragments")
    return {_existing(name) for name in found}


def _existing(name: str) -> str:
    """``name`` itself if it is a module, else its nearest enclosing module (``from . import __version__``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def test_every_module_has_a_layer():
    unplaced = []
    for module in MODULES:
        try:
            layer_of(module)
        except LookupError:
            unplaced.append(module)
    assert unplaced == [], f"place these modules in a layer of LAYERS and ARCHITECTURE.md: {unplaced}"


def test_no_module_imports_a_layer_above_its_own():
    upward = [f"{module or 'latent_fragments'} ({LAYERS[layer_of(module)][0]}) imports {target} "
              f"({LAYERS[layer_of(target)][0]})"
              for module in MODULES for target in sorted(imported_modules(module))
              if layer_of(target) > layer_of(module)]
    assert upward == []


def test_the_check_sees_lazy_and_relative_imports():
    """A lazy import inside a function and a ``from .. import`` are found (so an upward one would fail)."""
    assert "runs" in imported_modules("chapter")  # imported inside Chapter.run
    assert "data.labels" in imported_modules("stats.filaments.carriage")  # from ...data.labels import
    assert "" in imported_modules("provenance")  # from . import __version__
    assert layer_of("stats.filaments.carriage") > layer_of("data.labels") > layer_of("artifacts")


def test_architecture_draws_the_same_layers_top_first():
    text = (REPO_ROOT / "ARCHITECTURE.md").read_text()
    diagram = re.search(r"## Layers\n.*?```text\n(.*?)```", text, re.S)
    assert diagram is not None
    named = [line.split(":")[0] for line in diagram.group(1).splitlines() if line and not line[0].isspace()]
    assert named == [name for name, _ in reversed(LAYERS)]


@pytest.mark.parametrize("name,members", LAYERS)
def test_architecture_lists_each_layers_modules(name, members):
    text = (REPO_ROOT / "ARCHITECTURE.md").read_text()
    line = next(line for line in text.splitlines() if line.startswith(f"{name}:"))
    for member in members:
        assert (member or "latent_fragments") in line, (name, member)
