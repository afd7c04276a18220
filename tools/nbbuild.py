"""Build a chapter notebook from a plain-text source (``tools/chapters/NN_name.py``).

The source uses ``# %% [markdown]`` and ``# %%`` cell markers (the "percent" format); a marker line may
end with ``tags=[...]`` to set cell tags. Run ``python tools/nbbuild.py`` to rewrite every notebook in
``book/`` from its source: the sources are what reviewers read in diffs; the notebooks carry no outputs.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^# %%(?: \[(markdown)\])?(?:\s+tags=(\[.*\]))?\s*$")


def parse_cells(text: str) -> list:
    cells, kind, tags, lines = [], None, [], []

    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.splitlines())
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body)
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)

    for line in text.splitlines():
        m = MARKER.match(line)
        if m:
            flush()
            kind = m.group(1) or "code"
            tags = ast.literal_eval(m.group(2)) if m.group(2) else []
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def build(source: Path, target: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = parse_cells(source.read_text())
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{source.stem[:2]}-{i:03d}"
    nbformat.validate(nb)
    target.write_text(nbformat.writes(nb) + "\n")


def main(argv: list[str]) -> int:
    sources = sorted((ROOT / "tools" / "chapters").glob("*.py"))
    for src in sources:
        if argv and src.stem not in argv:
            continue
        target = ROOT / "book" / f"{src.stem}.ipynb"
        build(src, target)
        print(f"{src.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
