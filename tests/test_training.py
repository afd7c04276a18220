"""Streaming training, checkpoints and resume (chapter 1)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from latent_fragments.artifacts import ArtifactError, read_json
from latent_fragments.training import epoch_order, fit, iter_batches, make_stream, split_for, split_indices


@pytest.fixture(scope="module")
def images():
    from latent_fragments.synthfaces import render_batch

    return render_batch(range(64), seed=0)[0]


def test_split_is_disjoint_complete_and_seeded():
    train, test = split_indices(1000, 0.1, seed=3)
    assert len(test) == 100 and len(train) == 900
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(1000))
    assert np.array_equal(test, split_indices(1000, 0.1, seed=3)[1])
    assert not np.array_equal(test, split_indices(1000, 0.1, seed=4)[1])


def test_split_without_a_partition_is_the_seeded_split_of_split_seed():
    train, test, method = split_for(1000, pd.DataFrame({"filename": range(1000)}), 0.1, split_seed=3)
    assert method == "seeded" and len(test) == 100
    assert np.array_equal(test, split_indices(1000, 0.1, seed=3)[1])
    assert np.array_equal(train, split_for(1000, None, 0.1, split_seed=3)[0])


def test_split_follows_the_celeba_partition():
    """train = partition 0, held-out = partitions 1 (validation) and 2 (test); test_fraction unused."""
    part = np.array([0, 0, 1, 0, 2, 2, 0, 1, 0, 0])
    train, test, method = split_for(10, pd.DataFrame({"partition": part}), 0.5, split_seed=0)
    assert method == "partition"
    assert list(train) == [0, 1, 3, 6, 8, 9] and list(test) == [2, 4, 5, 7]


def test_split_of_a_one_sided_partition_falls_back_to_the_seeded_split():
    """The first 162770 CelebA images are all partition 0: a smaller selection has no official held-out."""
    train, test, method = split_for(50, pd.DataFrame({"partition": np.zeros(50, int)}), 0.1, split_seed=1)
    assert method == "seeded" and np.array_equal(test, split_indices(50, 0.1, 1)[1])


def test_epoch_order_is_a_seeded_permutation_per_epoch():
    idx = np.arange(10, 60)
    a0, a1 = epoch_order(idx, 0, 0), epoch_order(idx, 0, 1)
    assert sorted(a0) == list(idx) and not np.array_equal(a0, a1)
    assert np.array_equal(a0, epoch_order(idx, 0, 0))


def test_iter_batches_keeps_the_requested_order(images):
    order = np.array([5, 2, 9, 0, 7])
    batches = list(iter_batches(images, order, 2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert np.array_equal(np.concatenate(batches), images[order])


def test_stream_yields_scaled_float_batches_in_epoch_order(images, tiny_cfg):
    cfg = tiny_cfg
    idx = np.arange(40)
    stream, steps = make_stream(images, idx, cfg, shuffle=True, first_epoch=1)
    assert steps == 3  # ceil(40 / 16)
    x, y = next(iter(stream))
    x = np.asarray(x)
    expected = images[epoch_order(idx, cfg.seed, 1)[:16]].astype(np.float32) / 255
    assert x.dtype == np.float32 and np.allclose(x, expected) and np.array_equal(x, np.asarray(y))


def test_loss_decreases_and_checkpoint_is_written(images, tiny_cfg, tmp_path):
    cfg = dataclasses.replace(tiny_cfg, epochs=3)
    train, test = split_indices(len(images), 0.25, cfg.seed)
    lines = []
    _, history = fit(cfg, images, train, test, tmp_path, log=lines.append)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert history[-1]["loss"] < history[0]["loss"]
    assert all(row["images_per_s"] > 0 for row in history)
    assert sum("img/s" in line for line in lines) == 3
    assert read_json(tmp_path / "checkpoint.json")["epochs_done"] == 3


def test_interrupted_training_resumes_after_last_epoch(images, tiny_cfg, tmp_path):
    import keras

    cfg = dataclasses.replace(tiny_cfg, epochs=3)
    train, test = split_indices(len(images), 0.25, cfg.seed)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(cfg, images, train, test, tmp_path, log=lambda s: None, callbacks=[Interrupt()])
    state = read_json(tmp_path / "checkpoint.json")
    assert state["epochs_done"] == 1
    lines = []
    _, history = fit(cfg, images, train, test, tmp_path, log=lines.append)
    assert any("resuming from the checkpoint after epoch 1/3" in line for line in lines)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert history[0] == state["history"][0]  # epoch 1 was not trained again
    assert sum("img/s" in line for line in lines) == 2


def test_checkpoint_of_another_configuration_is_refused(images, tiny_cfg, tmp_path):
    cfg = dataclasses.replace(tiny_cfg, epochs=1)
    train, test = split_indices(len(images), 0.25, cfg.seed)
    fit(cfg, images, train, test, tmp_path, log=lambda s: None)
    other = dataclasses.replace(cfg, epochs=2, seed=5)
    with pytest.raises(ArtifactError, match="another configuration"):
        fit(other, images, train, test, tmp_path, log=lambda s: None)


def test_read_rows_from_a_memory_mapped_cache_equals_indexing(tmp_path, images):
    from latent_fragments.training import _npy_rows, read_rows

    path = tmp_path / "cache.npy"
    np.save(path, images)
    mapped = np.load(path, mmap_mode="r")
    idx = np.array([3, 0, 63, 17, 17])
    assert _npy_rows(mapped) is not None  # the pread path is taken
    assert np.array_equal(read_rows(mapped, idx), images[idx])
    assert _npy_rows(mapped[5:]) is None  # a slice falls back to plain indexing, still correct
    assert np.array_equal(read_rows(mapped[5:], np.array([0, 2])), images[[5, 7]])
    assert np.array_equal(read_rows(images, idx), images[idx])  # plain arrays too
