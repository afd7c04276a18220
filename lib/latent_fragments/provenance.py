"""What run a chapter page shows: data set, profile, run key, code commit and dates (chapter 1).

Every chapter displays :func:`run_statement` near its top (a ``remove-input`` cell), so that a reader,
and the rendered-book test, can tell a small test build from the book's full run and find the run again.
Paths are never part of it: a page must not carry the build machine's folders.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from . import __version__
from .config import REPO_ROOT
from .layout import MANIFEST

#: The words every run statement starts with (the rendered-book test looks for them).
STATEMENT_PREFIX = "This page shows run"


def code_version(root: Path | None = REPO_ROOT) -> str:
    """``commit <short hash>`` of the git checkout at ``root`` (``, with local changes`` when tracked
    files differ from it), else ``package version <version>``. Introduced in chapter 1."""
    if root is not None:
        try:
            head = _git(root, "rev-parse", "--short=12", "HEAD")
            dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
            return f"commit {head}" + (", with local changes" if dirty else "")
        except (OSError, subprocess.SubprocessError):
            pass
    return f"package version {__version__}"


def _git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20,
                          check=True)
    return proc.stdout.strip()


def trained_on(run_path: Path) -> str:
    """The date (UTC, ISO) the run at ``run_path`` was completed: its manifest's modification time.
    Introduced in chapter 1."""
    manifest = Path(run_path) / MANIFEST
    if not manifest.exists():
        return "unknown date"
    stamp = dt.datetime.fromtimestamp(manifest.stat().st_mtime, tz=dt.timezone.utc)
    return stamp.date().isoformat()


def describe_run(run) -> str:
    """``<run name>`` (data set, images, profile, epochs, trained date) of a :class:`~latent_fragments.runs.Run`,
    without any path. Introduced in chapter 1."""
    cfg = run.config
    n_images = len(run.train_idx) + len(run.test_idx)
    profile = "small profile, a test build" if cfg.profile == "small" else "full profile"
    return (f"`{cfg.run_name()}` (data set {cfg.dataset}, {n_images:,} images, {cfg.epochs} epochs, "
            f"{profile}; trained {trained_on(run.path)})")


def run_statement(run, *others, today: dt.date | None = None, root: Path | None = REPO_ROOT) -> str:
    """One Markdown line naming the run a page shows (and any ``others`` it compares with), the code
    version and the build date. Introduced in chapter 1."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    line = f"**{STATEMENT_PREFIX}** {describe_run(run)}"
    if others:
        line += ", compared with " + ", ".join(describe_run(other) for other in others)
    line += f"; code {code_version(root)}; page built {today.isoformat()}."
    if run.config.profile == "small":
        line += " At the small profile the numbers test the book's machinery, not the blog's claims."
    return line


def run_box(run, *others):
    """:func:`run_statement` as an IPython Markdown display (a chapter's remove-input cell shows it).
    Introduced in chapter 1."""
    from IPython.display import Markdown

    return Markdown(run_statement(run, *others))


def glue_run_statement(run, *others, name: str = "run_statement") -> None:
    """Glue :func:`run_box` as ``name`` for a page that states its run before it loads it, with
    ``{glue:md}`run_statement``` near its top (chapter 1 trains its run further down).
    Introduced in chapter 1."""
    from myst_nb import glue

    glue(name, run_box(run, *others), display=False)
