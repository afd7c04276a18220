"""A chapter's preamble in one call (latent_fragments.chapter): configuration with the profile applied,
the run, float64 z-points, a seeded generator and the provenance box."""
from __future__ import annotations

import numpy as np
import pytest

from latent_fragments import runs
from latent_fragments.artifacts import ArtifactError
from latent_fragments.chapter import open_chapter
from latent_fragments.config import ConfigError, RunConfig
from latent_fragments.provenance import STATEMENT_PREFIX

TINY = dict(n_images=48, z_dim=4, epochs=1, batch_size=16, filters=(4, 4, 8, 8))


def test_open_chapter_gives_the_run_of_its_parameters(trained_art):
    cfg, art = trained_art
    chapter = open_chapter(artifacts_dir=art, **TINY)
    assert chapter.cfg == cfg and chapter.cfg.profile == "full"
    assert chapter.run.path == runs.run_dir(cfg, art)
    assert chapter.z_train.dtype == np.float64 and chapter.z_test.dtype == np.float64
    np.testing.assert_array_equal(chapter.z_train, np.asarray(chapter.run.z_train, dtype=np.float64))
    assert chapter.z_train.shape == (len(chapter.run.train_idx), 4) and len(chapter.z_test) == len(chapter.run.test_idx)
    assert chapter.rng.integers(1000) == np.random.default_rng(cfg.seed).integers(1000)
    text = chapter.run_box().data
    assert text.startswith(f"**{STATEMENT_PREFIX}** `{cfg.run_name()}`") and str(art) not in text


def test_open_chapter_applies_the_profile_and_fetches_the_run_only_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("LF_PROFILE", "small")
    chapter = open_chapter(artifacts_dir=tmp_path / "art", n_images=5000, epochs=9, seed=3)
    assert chapter.cfg == RunConfig(n_images=5000, epochs=9, seed=3).with_profile("small")
    assert (chapter.cfg.n_images, chapter.cfg.epochs) == (600, 2)
    assert not (tmp_path / "art").exists()  # nothing trained until chapter.run is asked for
    reader = open_chapter(artifacts_dir=tmp_path / "art", train=False, n_images=5000, epochs=9, seed=3)
    with pytest.raises(ArtifactError, match="no trained run for this configuration"):
        reader.run
    assert not (tmp_path / "art" / "runs").exists()
    with pytest.raises(ConfigError, match="z_dim must be a positive integer"):
        open_chapter(z_dim=0)
