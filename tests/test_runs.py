"""Run directories: keyed by configuration, complete or refused, trained once (chapter 1)."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil

import numpy as np
import pytest

import latent_fragments.runs as runs
from latent_fragments.artifacts import ArtifactError, atomic_path
from latent_fragments.runs import get_run, load_run, run_dir


#: The module's run (the conftest's tiny_cfg), trained once by the conftest's ``trained_art``.
TINY = dict(n_images=64, z_dim=8, epochs=2, batch_size=16, filters=(4, 8, 8, 8))


@pytest.fixture
def trained(trained_art, tmp_path):
    """(cfg, run, artefact dir) of a private copy of the module's run."""
    cfg, src = trained_art
    shutil.copytree(src, tmp_path / "art")
    return cfg, load_run(cfg, tmp_path / "art"), tmp_path / "art"


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
    other = dataclasses.replace(cfg, z_dim=4)
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


def celeba_stand_in(root, partition):
    """A CelebA folder of noise images (178x218, like the aligned set) and its list_eval_partition.txt."""
    from PIL import Image

    images = root / "img_align_celeba"
    images.mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for i, part in enumerate(partition, start=1):
        name = f"{i:06d}.jpg"
        Image.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(images / name)
        lines.append(f"{name} {part}")
    (root / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return root


def test_celeba_run_uses_the_official_partition(tmp_path):
    partition = [0] * 14 + [1] * 3 + [2] * 3
    root = celeba_stand_in(tmp_path / "celeba", partition)
    cfg = runs.RunConfig(dataset="celeba", data_dir=str(root), z_dim=4, epochs=1, batch_size=8,
                         filters=(4, 4, 4, 4), seed=3)
    lines = []
    run = get_run(cfg, tmp_path / "art", log=lines.append)
    assert run.split_method == "partition"
    assert "held out: CelebA's official validation and test partitions (list_eval_partition.txt)" in lines
    assert any("training on 14 images, 6 held out" in line for line in lines)  # test_fraction 0.1 unused
    assert list(run.train_idx) == list(range(14)) and list(run.test_idx) == list(range(14, 20))
    assert set(run.labels("test")["partition"]) == {1, 2}
    assert load_run(cfg, tmp_path / "art").split_method == "partition"


def test_run_keeps_its_per_epoch_log_as_csv(trained):
    """``history.csv``: one row per epoch, the same numbers as ``history.json`` (written exactly)."""
    import csv

    _, run, _ = trained
    with open(run.path / "history.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:5] == ["epoch", "loss", "val_loss", "seconds", "images_per_s"]
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    for row, hist in zip(rows, run.history):
        assert {k: float(v) for k, v in row.items()} == pytest.approx(hist, rel=0, abs=0)


TINIEST = ["--n-images", "40", "--z-dim", "5", "--epochs", "1", "--batch-size", "16", "--filters", "4,4,8,8"]


def test_train_with_tensorboard_writes_its_logs_into_the_run(tmp_path, capsys):
    pytest.importorskip("tensorboard")  # optional; its absence: tests/test_bad_inputs.py
    from latent_fragments.cli import main

    assert main(["train", *TINIEST, "--tensorboard", "--artifacts-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    (path,) = (tmp_path / "runs").iterdir()
    events = sorted(p.parent.name for p in (path / "tensorboard").rglob("events.out.tfevents.*"))
    assert events == ["train", "validation"]
    assert "epoch 1/1: loss" in out and out.count("encoding ") == 2  # the final lines of both encodings


def png_images(folder, n: int, seed: int = 0):
    from PIL import Image

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(folder / f"{i:03d}.png")
    return folder


def test_moved_run_and_copied_data_are_reused_without_training(tmp_path, monkeypatch):
    """The key holds the images' names and sizes, not their path nor their mtimes: a run moved to another
    artefact folder finds the same images copied elsewhere, and is loaded, not trained again."""
    from PIL import Image

    tiny = dict(dataset="folder", z_dim=5, epochs=1, batch_size=16, filters=(4, 4, 8, 8))
    src = png_images(tmp_path / "gpu" / "pics", 40)
    cfg = runs.RunConfig(data_dir=str(src), **tiny)
    run = get_run(cfg, tmp_path / "gpu" / "art", log=lambda s: None)
    z_test = np.array(run.z_test)
    dst = tmp_path / "laptop" / "pics"
    shutil.copytree(src, dst, copy_function=shutil.copy)  # new mtimes
    (tmp_path / "laptop" / "art" / "runs").mkdir(parents=True)
    shutil.move(run.path, tmp_path / "laptop" / "art" / "runs" / run.path.name)
    monkeypatch.setattr(runs, "fit", lambda *a, **k: pytest.fail("retrained a moved run"))
    moved = runs.RunConfig(data_dir=str(dst), **tiny)
    assert moved.key() == cfg.key()
    again = get_run(moved, tmp_path / "laptop" / "art")
    assert np.array_equal(np.asarray(again.z_test), z_test)
    assert np.allclose(again.encode(again.images("test", 2)), z_test[:2], atol=1e-4)  # same pixels, rebuilt cache
    Image.fromarray(np.zeros((50, 50, 3), np.uint8)).save(dst / "000.png")  # other images: another run
    assert runs.RunConfig(data_dir=str(dst), **tiny).key() != cfg.key()
