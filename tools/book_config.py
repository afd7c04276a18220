"""Write the copy of ``_config.yml`` that a build uses: its execution cache keyed on the package's code,
and, given the repository's URL, launch buttons.

jupyter-cache re-executes a notebook only when its code cells change, so a change in the package alone
would leave every page stale. Every build therefore gets a cache folder named by a hash of the package's
sources (every ``.py`` file under ``lib/latent_fragments``) and of the execution profile (``LF_PROFILE``):
any code change re-executes every chapter, a rebuild with nothing changed re-executes none. Older cache
folders beside it are removed. ``make book`` runs::

    python tools/book_config.py _build/config/_config.yml --cache-root _build/.jupyter_cache \\
        [--repo-url https://github.com/OWNER/REPO]

and builds with ``jupyter-book build . --config _build/config/_config.yml``. Binder and Colab open a chapter
from the repository that holds the book, so their buttons need its URL, which only the person publishing
the book knows (``make book REPO_URL=...``); without it the book has download buttons (each page's source -
``.ipynb`` for a chapter - and ``.pdf``) but no launch buttons.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lib" / "latent_fragments"
URL = re.compile(r"^https://(github\.com|gitlab\.com)/[\w.-]+/[\w.-]+$")


def code_hash(package: Path = PACKAGE, profile: str | None = None) -> str:
    """Hash of every ``.py`` file under ``package`` (names and bytes) and of the execution profile."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    profile = os.environ.get("LF_PROFILE", "full") if profile is None else profile
    digest.update(b"profile=" + (profile.strip().lower() or "full").encode())
    return digest.hexdigest()[:12]


def _absolute_paths(config: dict) -> None:
    """Paths in the configuration are relative to the book's root, not to where the copy is written."""
    config["bibtex_bibfiles"] = [str(ROOT / p) for p in config.get("bibtex_bibfiles", [])]
    extensions = config.get("sphinx", {}).get("local_extensions") or {}
    for name, folder in extensions.items():
        extensions[name] = str(ROOT / folder)


#: The launch services, switched on only with a repository URL: without one, jupyter-book's launch
#: buttons would open its own default repository (executablebooks/jupyter-book), someone else's project.
LAUNCH_SERVICES = {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com"}


def config_with_repository(url: str, config: dict) -> dict:
    """``config`` with ``repository.url`` set to ``url`` (a GitHub or GitLab project), its button and the
    Binder and Colab launch buttons (:data:`LAUNCH_SERVICES`)."""
    url = url.rstrip("/").removesuffix(".git")
    if not URL.match(url):
        raise ValueError(f"REPO_URL must look like https://github.com/OWNER/REPO (or gitlab.com), got {url!r}")
    config.setdefault("repository", {})["url"] = url
    config.setdefault("html", {})["use_repository_button"] = True
    config.setdefault("launch_buttons", {}).update(LAUNCH_SERVICES)
    return config


def without_launch_buttons(config: dict) -> dict:
    """``config`` with every launch service switched off (a book built without ``REPO_URL``)."""
    buttons = config.setdefault("launch_buttons", {})
    for service in LAUNCH_SERVICES:
        buttons[service] = ""
    return config


def build_config(cache_root: Path, repo_url: str | None = None, base: Path = ROOT / "_config.yml") -> dict:
    """The book's configuration with its code-keyed execution cache and, if given, the repository."""
    config = yaml.safe_load(base.read_text())
    _absolute_paths(config)
    config.setdefault("execute", {})["cache"] = str(Path(cache_root).resolve() / code_hash())
    return config_with_repository(repo_url, config) if repo_url else without_launch_buttons(config)


def prune_caches(cache_root: Path, keep: str) -> list[Path]:
    """Delete the cache folders under ``cache_root`` other than ``keep``; return what was deleted."""
    removed = [p for p in Path(cache_root).glob("*") if p.is_dir() and p.name != keep]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="where to write the configuration copy")
    parser.add_argument("--cache-root", type=Path, required=True, help="folder holding the execution caches")
    parser.add_argument("--repo-url", default="", help="https://github.com/OWNER/REPO: adds launch buttons")
    args = parser.parse_args(argv)
    try:
        config = build_config(args.cache_root, args.repo_url or None)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    prune_caches(args.cache_root, Path(config["execute"]["cache"]).name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text("# generated by tools/book_config.py from _config.yml - edit that file instead\n"
                   + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
