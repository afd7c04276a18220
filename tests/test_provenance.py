"""The run statement of a chapter page (latent_fragments.provenance): what it names, never a path."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from latent_fragments import __version__, provenance
from latent_fragments.config import RunConfig


def _run(tmp_path: Path, profile: str = "full", epochs: int = 8) -> SimpleNamespace:
    cfg = RunConfig(n_images=600, epochs=epochs, profile=profile)
    path = tmp_path / "runs" / cfg.run_name()
    path.mkdir(parents=True)
    (path / "manifest.json").write_text("{}")
    stamp = dt.datetime(2026, 3, 20, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path / "manifest.json", (stamp, stamp))
    return SimpleNamespace(config=cfg, path=path, train_idx=np.arange(540), test_idx=np.arange(60))


def test_statement_names_data_profile_key_code_and_dates_but_no_path(tmp_path):
    run = _run(tmp_path)
    text = provenance.run_statement(run, today=dt.date(2026, 4, 1), root=None)
    assert text.startswith(f"**{provenance.STATEMENT_PREFIX}** `{run.config.run_name()}`")
    for part in ("data set synthfaces", "600 images", "8 epochs", "full profile", "trained 2026-03-20",
                 f"code package version {__version__}", "page built 2026-04-01"):
        assert part in text, part
    assert str(tmp_path) not in text and "/" not in text.replace("synthfaces", "")
    assert "test build" not in text


def test_small_profile_says_it_is_a_test_build(tmp_path):
    run = _run(tmp_path, profile="small", epochs=2)
    text = provenance.run_statement(run, root=None)
    assert "small profile, a test build" in text and "not the blog's claims" in text


def test_statement_names_a_comparison_run(tmp_path):
    run = _run(tmp_path)
    other = SimpleNamespace(config=RunConfig(dataset="orl", epochs=40), path=tmp_path / "missing",
                            train_idx=np.arange(360), test_idx=np.arange(40))
    text = provenance.run_statement(run, other, root=None)
    assert f", compared with `{other.config.run_name()}` (data set orl, 400 images, 40 epochs" in text
    assert "trained unknown date" in text


def test_code_version_of_a_git_checkout_and_of_no_checkout(tmp_path):
    assert provenance.code_version(None) == f"package version {__version__}"
    assert provenance.code_version(tmp_path) == f"package version {__version__}"  # not a repository
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    try:
        subprocess.run([*git, "init", "-q"], check=True)
        (tmp_path / "a.txt").write_text("1")
        subprocess.run([*git, "add", "a.txt"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not usable here")
    head = subprocess.run([*git, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout
    assert provenance.code_version(tmp_path) == f"commit {head.strip()}"
    (tmp_path / "a.txt").write_text("2")
    assert provenance.code_version(tmp_path) == f"commit {head.strip()}, with local changes"


def test_run_box_is_markdown(tmp_path):
    box = provenance.run_box(_run(tmp_path))
    assert type(box).__name__ == "Markdown" and provenance.STATEMENT_PREFIX in box.data


def test_glue_run_statement_glues_markdown(tmp_path, monkeypatch):
    import myst_nb

    glued = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: glued.update({name: (value, display)}))
    provenance.glue_run_statement(_run(tmp_path))
    value, display = glued["run_statement"]
    assert display is False and value.data.startswith(f"**{provenance.STATEMENT_PREFIX}**")
