"""Two runs with the same seed on the same machine give the same z-points (within a stated tolerance)."""
from __future__ import annotations

import numpy as np

from latent_fragments.runs import get_run

# oneDNN may reorder float sums between runs; relative differences of the z-point statistics must stay
# below 1e-4 (float32 training of two epochs), far below any effect the chapters report.
RTOL = 1e-4


def test_same_seed_same_z_point_statistics(tiny_cfg, tmp_path):
    cfg = tiny_cfg
    a = get_run(cfg, tmp_path / "a", log=lambda s: None)
    b = get_run(cfg, tmp_path / "b", log=lambda s: None)
    assert np.array_equal(a.train_idx, b.train_idx)
    za, zb = np.asarray(a.z_train, dtype=np.float64), np.asarray(b.z_train, dtype=np.float64)
    scale = np.abs(za).mean()
    assert np.abs(za.mean(axis=0) - zb.mean(axis=0)).max() <= RTOL * scale
    assert np.abs(za.std(axis=0) - zb.std(axis=0)).max() <= RTOL * scale
    assert np.abs(za - zb).max() <= 10 * RTOL * scale
    for ha, hb in zip(a.history, b.history):
        assert abs(ha["loss"] - hb["loss"]) <= RTOL * ha["loss"]


def test_another_seed_gives_another_run_on_the_same_split(tiny_cfg, tmp_path):
    """Another model seed: other weights, but the same held-out images (the split has its own seed)."""
    import dataclasses

    a = get_run(tiny_cfg, tmp_path / "a", log=lambda s: None)
    b = get_run(dataclasses.replace(tiny_cfg, seed=1), tmp_path / "b", log=lambda s: None)
    assert np.array_equal(a.test_idx, b.test_idx) and np.array_equal(a.train_idx, b.train_idx)
    assert a.split_method == "seeded"
    images = a.images("test", 4)  # the same images through both encoders
    za, zb = a.encode(images), b.encode(images)
    assert np.abs(za - zb).max() > 100 * RTOL * np.abs(za).mean()  # other initial weights, other z-points
