"""Run directories: keyed by configuration, complete or refused, trained once (chapter 1)."""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest

import latent_fragments.runs as runs
from latent_fragments.artifacts import ArtifactError, atomic_path
from latent_fragments.runs import get_run, load_run, run_dir


@pytest.fixture
def trained(tiny_cfg, tmp_path):
    cfg = tiny_cfg.validated()
    run = get_run(cfg, tmp_path / "art", log=lambda s: None)
    return cfg, run, tmp_path / "art"


def test_run_holds_every_artefact(trained):
    cfg, run, _ = trained
    for name in runs.RUN_FILES + ("manifest.json",):
        assert (run.path / name).exists(), name
    assert not (run.path / "checkpoint.keras").exists()
    assert run.path.name == f"synthfaces-z8-{cfg.key()}"
    assert run.z_train.shape == (len(run.train_idx), 8) and run.z_test.shape == (len(run.test_idx), 8)
    assert len(run.train_idx) + len(run.test_idx) == 64
    z = run.encode(run.images("test", 4))
    assert np.allclose(z, run.z_test[:4], atol=1e-4)
    decoded = run.decode(z)
    assert decoded.shape == (4, 96, 96, 3) and decoded.dtype == np.uint8
    assert len(run.labels("train")) == len(run.train_idx)


def test_second_call_loads_instead_of_training(trained, monkeypatch):
    cfg, run, art = trained
    monkeypatch.setattr(runs, "fit", lambda *a, **k: pytest.fail("retrained a finished run"))
    again = get_run(cfg, art)
    assert np.array_equal(np.asarray(again.z_train), np.asarray(run.z_train))
    assert again.history == run.history


def test_changed_configuration_never_reuses_the_old_run(trained, monkeypatch):
    cfg, run, art = trained
    other = dataclasses.replace(cfg, z_dim=4).validated()
    assert run_dir(other, art) != run.path
    with pytest.raises(ArtifactError, match="no trained run"):
        get_run(other, art, train=False)


def test_foreign_config_in_run_directory_is_refused(trained):
    cfg, run, art = trained
    stored = json.loads((run.path / "config.json").read_text())
    stored["config"]["z_dim"] = 99
    (run.path / "config.json").write_text(json.dumps(stored))
    with pytest.raises(ArtifactError, match="another configuration"):
        load_run(cfg, art)


@pytest.mark.parametrize("name", ["autoencoder.keras", "z_train.npy"])
def test_truncated_artefact_is_refused_with_advice(trained, name):
    cfg, run, art = trained
    path = run.path / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ArtifactError, match="delete"):
        load_run(cfg, art)


def test_incomplete_run_is_resumed_not_loaded(trained, monkeypatch):
    cfg, run, art = trained
    (run.path / "manifest.json").unlink()
    calls = []
    real_fit = runs.fit
    monkeypatch.setattr(runs, "fit", lambda *a, **k: calls.append(1) or real_fit(*a, **k))
    get_run(cfg, art, log=lambda s: None)
    assert calls == [1] and (run.path / "manifest.json").exists()


def test_unwritable_artifacts_dir_gets_a_clear_error(tiny_cfg, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ArtifactError, match="cannot write to the artefact directory"):
        get_run(tiny_cfg, blocker / "art", log=lambda s: None)


def test_atomic_path_leaves_old_content_on_failure(tmp_path):
    dest = tmp_path / "z.npy"
    np.save(dest, np.arange(3))
    with pytest.raises(RuntimeError):
        with atomic_path(dest) as tmp:
            np.save(tmp, np.arange(10))
            raise RuntimeError("crash mid-write")
    assert np.array_equal(np.load(dest), np.arange(3))
    assert os.listdir(tmp_path) == ["z.npy"]
