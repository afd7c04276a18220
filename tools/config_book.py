"""One command from a configuration to the rendered book: ``make book CONFIG=celeba.toml``.

A book configuration names the run once, in the schema of a sweep grid's ``[base]`` table (the same
parser: :func:`latent_fragments.sweep.base_config`), plus the chapters' own parameters::

    name = "celeba"              # the output folder: _build/configs/<name>/
    backend = "torch"            # optional: the Keras backend every chapter runs on (KERAS_BACKEND)
    [base]                       # RunConfig fields, as in a sweep grid
    dataset = "celeba"
    data_dir = "/data/celeba"
    n_images = 170000
    epochs = 24
    [chapters]                   # any chapter parameter, given to every chapter that has it
    n_null_draws = 39

The command writes a copy of the book into ``_build/configs/<name>/``: the configuration of the default
build (tools/book_config.py: code-keyed execution cache, launch buttons only with ``--repo-url``), the pages,
and each chapter's notebook *parameterised* (an injected-parameters cell after its parameters cell, as
papermill writes one; nothing executed), then builds it with jupyter-book (``-W --keep-going``), which executes the chapters
with its own cache: a rebuild with nothing changed executes nothing. The intro page of the copy states
the configuration. A field that the chapters cannot take (chapter 1 has no parameter for it) is refused
with one line, so a page never shows a run other than the one configured.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book_config  # noqa: E402  (tools/book_config.py: the default build's configuration copy)

ROOT = book_config.ROOT
#: The Keras backends a configuration may name (``pip install -e ".[torch]"`` etc. installs one).
BACKENDS = ("tensorflow", "torch", "jax")
#: The chapter whose parameters every configured field must reach (it trains the run the others reuse).
FIRST_CHAPTER = "01_ae_basics"


class BookConfigError(ValueError):
    """A book configuration that cannot be built as written; the message says what to change."""


@dataclass
class BookConfig:
    """A parsed book configuration: its ``name``, the validated run fields ``base`` and ``chapters``."""

    name: str
    base: dict[str, Any]
    chapters: dict[str, Any] = field(default_factory=dict)
    backend: str | None = None

    def parameters(self) -> dict[str, Any]:
        """The values injected into a chapter (those of its parameters it has)."""
        return {**self.base, **self.chapters}


def load_book_config(path: Path) -> BookConfig:
    """Read and validate a book configuration (module docstring). Raises :class:`BookConfigError`."""
    from latent_fragments.config import ConfigError
    from latent_fragments.sweep import base_config

    try:
        spec = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BookConfigError(f"cannot read the book configuration {path}: {exc}") from exc
    unknown = set(spec) - {"name", "backend", "base", "chapters"}
    if unknown:
        raise BookConfigError(f"{path}: unknown keys {sorted(unknown)}; use name, backend, [base] and [chapters].")
    backend = spec.get("backend")
    if backend is not None and backend not in BACKENDS:
        raise BookConfigError(f"{path}: backend {backend!r} is not a Keras backend; use one of {list(BACKENDS)}.")
    name = str(spec.get("name", Path(path).stem))
    if not name.replace("-", "_").isidentifier():
        raise BookConfigError(f"{path}: name {name!r} must be letters, digits, '-' or '_' (it names a folder).")
    table = dict(spec.get("base", {}))
    try:
        cfg = base_config(table)  # the sweep grid's parser and RunConfig's validation
    except ConfigError as exc:
        raise BookConfigError(f"{path}: {exc}") from exc
    base = {key: _plain(getattr(cfg, key)) for key in table}
    return BookConfig(name, base, dict(spec.get("chapters", {})), backend)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """The chapters of the table of contents that are notebooks, in its order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [entry["file"] for entry in toc.get("chapters", [])]
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def chapter_parameters(notebook: Path) -> set[str]:
    """The names a chapter's ``parameters`` cell assigns (read with ``ast``: papermill's own inspection
    skips a line whose comment holds parentheses)."""
    import ast

    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    names: set[str] = set()
    for cell in cells:
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def check_reachable(config: BookConfig, notebooks: list[Path]) -> None:
    """Refuse run fields that chapter 1 has no parameter for, and chapter parameters no chapter has."""
    first = next((nb for nb in notebooks if nb.stem == FIRST_CHAPTER), None)
    if first is None:
        raise BookConfigError(f"the table of contents has no chapter {FIRST_CHAPTER}")
    missing = sorted(set(config.base) - chapter_parameters(first))
    if missing:
        raise BookConfigError(f"[base] sets {missing}, which the chapters take no parameter for (chapter 1 takes "
                              f"{sorted(chapter_parameters(first))}); train such a run with the CLI instead.")
    known = set().union(*(chapter_parameters(nb) for nb in notebooks))
    unused = sorted(set(config.chapters) - known)
    if unused:
        raise BookConfigError(f"[chapters] sets {unused}, a parameter of no chapter; check the spelling.")


def parameterised(notebook: Path, values: dict[str, Any], name: str) -> nbformat.NotebookNode:
    """``notebook`` with a cell after its parameters cell that sets those of ``values`` it takes (as
    papermill's injected-parameters cell does), shown on the page so a reader sees what differs."""
    nb = nbformat.read(notebook, as_version=4)
    names = chapter_parameters(notebook)
    given = {k: v for k, v in values.items() if k in names}
    if not given:
        return nb
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    source = "\n".join([f"# Parameters of the book configuration {name!r}"]
                       + [f"{k} = {v!r}" for k, v in given.items()])
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    cell["id"] = "injected-parameters"  # stable, so the execution cache sees only the values
    nb.cells.insert(at + 1, cell)
    return nb


def configuration_note(config: BookConfig) -> str:
    """The admonition the copy's intro page starts with: which configuration its pages show."""
    shown = {**({"backend": config.backend} if config.backend else {}), **config.base, **config.chapters}
    lines = [f"{key} = {json.dumps(value)}" for key, value in shown.items()]
    body = "\n".join(lines) if lines else "(the chapters' defaults)"
    return (f":::{{note}}\nThis copy of the book was built from the configuration **{config.name}**; every "
            f"chapter ran with\n\n```toml\n{body}\n```\n:::\n\n")


def write_copy(config: BookConfig, out: Path, repo_url: str | None = None, root: Path = ROOT,
               chapters: list[str] | None = None) -> Path:
    """Write the parameterised copy of the book into ``out``; returns its configuration file.

    ``chapters``: only these notebooks (names such as ``01_ae_basics``) and the pages that are not
    notebooks; ``None``: every chapter."""
    notebooks = chapter_notebooks(root)
    check_reachable(config, notebooks)
    if chapters is not None:
        unknown = sorted(set(chapters) - {nb.stem for nb in notebooks})
        if unknown:
            raise BookConfigError(f"no chapter {unknown}; the chapters are {[nb.stem for nb in notebooks]}")
        notebooks = [nb for nb in notebooks if nb.stem in chapters]
    (out / "book").mkdir(parents=True, exist_ok=True)
    for source in (root / "book").iterdir():
        if source.suffix in {".md", ".bib"}:
            shutil.copy2(source, out / "book" / source.name)
    intro = out / "book" / "intro.md"
    if intro.exists():
        title, _, rest = intro.read_text().partition("\n")
        intro.write_text(f"{title}\n\n{configuration_note(config)}{rest}")
    for notebook in notebooks:
        nbformat.write(parameterised(notebook, config.parameters(), config.name), out / "book" / notebook.name)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    kept = {f"book/{nb.stem}" for nb in notebooks}
    toc["chapters"] = [e for e in toc.get("chapters", []) if e["file"] in kept
                       or not (root / f"{e['file']}.ipynb").exists()]
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    if (root / "_static").is_dir():
        shutil.copytree(root / "_static", out / "_static", dirs_exist_ok=True)
    settings = book_config.build_config(out / ".jupyter_cache", repo_url)
    conf = out / "_config.yml"
    conf.write_text("# generated by tools/config_book.py - edit the book configuration instead\n"
                    + yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    return conf


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", type=Path, help="the book configuration (TOML)")
    parser.add_argument("--out-root", type=Path, default=ROOT / "_build" / "configs",
                        help="where the copies live (one folder per configuration name)")
    parser.add_argument("--repo-url", default="", help="https://github.com/OWNER/REPO: adds launch buttons")
    parser.add_argument("--chapters", nargs="+",
                        help="only these chapters (e.g. 01_ae_basics), built without -W since links to the "
                             "others cannot resolve; default all, with -W")
    parser.add_argument("--prepare-only", action="store_true", help="write the copy, do not build it")
    args = parser.parse_args(argv)
    try:
        config = load_book_config(args.config)
        out = args.out_root / config.name
        conf = write_copy(config, out, args.repo_url or None, chapters=args.chapters)
    except (BookConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.prepare_only:
        print(f"book copy for {config.name} written to {out}")
        return 0
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    # a subset of chapters leaves links to the others unresolved: warnings are errors only for the whole book
    strict = ["-W"] if args.chapters is None else []
    env = {**os.environ, **({"KERAS_BACKEND": config.backend} if config.backend else {})}
    done = subprocess.run([str(jupyter_book), "build", str(out), "--config", str(conf), *strict, "--keep-going"],
                          env=env)
    if done.returncode == 0:
        print(f"book for {config.name} built: open {out / '_build' / 'html' / 'index.html'}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
