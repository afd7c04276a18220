"""Shared test set-up: every test writes artefacts to its own temporary folder, at the full profile
unless it asks for another, with a non-interactive matplotlib backend and TensorFlow quietened."""
from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import dataclasses  # noqa: E402

import pytest  # noqa: E402

from latent_fragments import tfnoise  # noqa: E402

tfnoise.quiet()  # the test session is where this program starts: TensorFlow's start-up noise filtered


@pytest.fixture(autouse=True)
def _isolated_artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("LF_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.delenv("LF_PROFILE", raising=False)
    yield


@pytest.fixture
def notebook_display(monkeypatch):
    """What a notebook's output area would show, in order: each display's first text, then its updates
    (IPython's ``display`` replaced; for progress displays in notebook mode)."""
    shown: list[str] = []

    class Handle:
        def update(self, obj) -> None:
            shown.append(obj.data)

    display_module = pytest.importorskip("IPython.display")
    monkeypatch.setattr(display_module, "display", lambda obj, display_id: shown.append(obj.data) or Handle())
    return shown


@pytest.fixture
def tiny_cfg():
    """A RunConfig small enough to train in seconds: 64 synthfaces, narrow layers, z_dim 8."""
    from latent_fragments.config import RunConfig

    return RunConfig(n_images=64, z_dim=8, epochs=2, batch_size=16, filters=(4, 8, 8, 8))


def replace(cfg, **kw):
    return dataclasses.replace(cfg, **kw)


@pytest.fixture(scope="module")
def trained_art(request, tmp_path_factory):
    """(cfg, artefact dir): the requesting module's ``TINY`` configuration trained once for the module, at
    the full profile; tests work on copies (:func:`trained`)."""
    from latent_fragments import runs
    from latent_fragments.config import RunConfig

    cfg = RunConfig(**request.module.TINY)
    art = tmp_path_factory.mktemp("trained") / "art"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("LF_PROFILE", raising=False)  # subprocesses of the tests run at the full profile, too
        runs.get_run(cfg, art, log=lambda s: None)
    return cfg, art


@pytest.fixture
def trained(trained_art, tmp_path):
    """(cfg, artefact dir, run dir) of a test's own copy of the module's trained run."""
    import shutil

    from latent_fragments import runs

    cfg, src = trained_art
    art = tmp_path / "art"
    shutil.copytree(src, art)
    path = runs.run_dir(cfg, art)
    assert (path / "manifest.json").exists()
    return cfg, art, path
