"""Tests of latent_fragments.stats.features: the chapter-3 scoring network.

One tiny run (800 synthfaces, a narrow autoencoder, 30 % held out) serves all tests, with each kind of
scoring network trained on its training split: supervised on the renderer's factors, and self-supervised
on predicting image rotations (the feature space of data without labels; here forced on labelled data so
that both kinds are checked on the same images). The checks, for each kind: the network never trains on
held-out images; its weights are cached and reused; its Fréchet distance to real images grows with blur
and with noise; decoded cube points get low precision while real held-out images get high precision.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from latent_fragments.stats import features as feat
from latent_fragments.stats.quality import (
    frechet_distance_features,
    precision_recall,
    reference_halves,
)
from scipy import ndimage


#: Epochs of each kind: 15 for the labels; for the rotation task, which shows every image four times, its
#: default (about 16,000 presentations).
EPOCHS = {feat.SUPERVISED: 15, feat.ROTATION: 8}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from latent_fragments.config import RunConfig
    from latent_fragments.runs import get_run

    mp = pytest.MonkeyPatch()
    mp.setenv("LF_ARTIFACTS", str(tmp_path_factory.mktemp("artifacts")))
    mp.delenv("LF_PROFILE", raising=False)
    cfg = RunConfig(n_images=800, z_dim=16, epochs=3, batch_size=32, filters=(8, 16, 16, 16),
                    test_fraction=0.3).with_profile()
    yield get_run(cfg)
    mp.undo()


@pytest.fixture(scope="module", params=feat.KINDS)
def scored(request, tiny_run):
    net = feat.feature_net_for_run(tiny_run, epochs=EPOCHS[request.param], kind=request.param)
    assert net.kind == request.param
    return tiny_run, net


def _blur(images: np.ndarray, sigma: float) -> np.ndarray:
    return np.clip(ndimage.gaussian_filter(images.astype(np.float64), (0, sigma, sigma, 0)), 0, 255).astype(np.uint8)


def _noise(images: np.ndarray, sd: float) -> np.ndarray:
    noisy = images + np.random.default_rng(0).normal(0.0, 255.0 * sd, images.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def test_no_leakage_into_the_held_out_reference(scored):
    run, net = scored
    assert not np.intersect1d(net.train_idx, run.test_idx).size
    assert np.array_equal(np.sort(net.train_idx), np.sort(run.train_idx))
    targets = feat.label_targets(run.faces.labels) if net.kind == feat.SUPERVISED else None
    with pytest.raises(feat.LeakageError):
        feat.fit_feature_net(run.faces.images, targets, np.concatenate([run.train_idx, run.test_idx[:1]]),
                             run.test_idx, epochs=1)


def test_weights_are_cached_and_reused(scored, monkeypatch):
    run, net = scored
    path = feat._cache_path(run, EPOCHS[net.kind], 0, net.kind)
    assert path.exists() and path.with_suffix(".npz").exists()
    other = next(k for k in feat.KINDS if k != net.kind)
    assert feat._cache_path(run, EPOCHS[net.kind], 0, other) != path  # the kind is part of the key

    def no_training(*args, **kwargs):
        raise AssertionError("the cached scoring network was not reused")

    monkeypatch.setattr(feat, "fit_feature_net", no_training)
    again = feat.feature_net_for_run(run, epochs=EPOCHS[net.kind], kind=net.kind)
    assert again.kind == net.kind
    images = run.images("test", 8)
    np.testing.assert_allclose(again.features(images), net.features(images), rtol=1e-5, atol=1e-5)
    # another setting is another key: it would train (and here raise)
    with pytest.raises(AssertionError, match="not reused"):
        feat.feature_net_for_run(run, epochs=3, kind=net.kind)


def test_fd_grows_with_blur_and_noise(scored):
    run, net = scored
    test = run.images("test")
    ref_idx, other_idx = reference_halves(len(test))
    ref, other = net.features(test[ref_idx]), test[other_idx]
    blur = [frechet_distance_features(ref, net.features(_blur(other, s))) for s in (0.0, 1.5, 3.0, 6.0)]
    noise = [frechet_distance_features(ref, net.features(_noise(other, s))) for s in (0.0, 0.1, 0.2, 0.4)]
    assert np.all(np.diff(blur) > 0), blur
    assert np.all(np.diff(noise) > 0), noise
    assert blur[-1] > 2 * blur[0] and noise[-1] > 2 * noise[0]


def test_decoded_cube_points_get_low_precision(scored):
    from latent_fragments.stats.generators import UniformCube, matched_generators

    run, net = scored
    test = run.images("test")
    ref_idx, other_idx = reference_halves(len(test))
    ref = net.features(test[ref_idx])
    cube = next(g for g in matched_generators(np.asarray(run.z_train)) if isinstance(g, UniformCube))
    fake = net.features(run.decode(cube.sample(len(other_idx), np.random.default_rng(0))))
    real_precision, _ = precision_recall(ref, net.features(test[other_idx]))
    cube_precision, cube_recall = precision_recall(ref, fake)
    assert real_precision > 0.7 and cube_precision < 0.2 and cube_recall < 0.2, (real_precision, cube_precision)


def test_label_targets_encoding():
    labels = pd.DataFrame({"age": [0.1, 0.5, 0.9, 0.3], "glasses": [0, 1, 0, 1], "style": [0, 1, 2, 2],
                           "seed": [10, 20, 30, 40], "constant": [1.0] * 4, "name": list("abcd")})
    targets = feat.label_targets(labels, max_levels=3)
    # age (1) + glasses (binary, 1) + style (3 levels one-hot, 3); seed has 4 > 3 levels, constant and text dropped
    assert targets.shape == (4, 5) and targets.dtype == np.float32
    np.testing.assert_allclose(targets.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(targets.std(axis=0), 1.0, atol=1e-5)
    with pytest.raises(ValueError):
        feat.label_targets(labels[["constant", "name"]])
    assert feat.default_epochs(540) == 20 and feat.default_epochs(5400) == 4 and feat.default_epochs(1000) == 16


def test_rotation_pairs_and_the_kind_the_labels_allow():
    x = np.arange(2 * 3 * 3 * 1, dtype=np.float32).reshape(2, 3, 3, 1)
    pictures, classes = feat.rotated(x)
    assert pictures.shape == (8, 3, 3, 1) and list(classes) == [0, 0, 1, 1, 2, 2, 3, 3]
    np.testing.assert_array_equal(pictures[3, :, :, 0], np.rot90(x[1, :, :, 0]))  # 90 degrees, second image
    np.testing.assert_array_equal(pictures[5, :, :, 0], x[1, ::-1, ::-1, 0])  # 180 degrees
    assert feat.feature_kind(pd.DataFrame({"filename": ["a.png", "b.png"]})) == feat.ROTATION
    assert feat.feature_kind(pd.DataFrame({"glasses": [0, 1], "filename": ["a.png", "b.png"]})) == feat.SUPERVISED
    with pytest.raises(ValueError, match="kind must be one of"):
        feat.feature_net_for_run(None, kind="contrastive")
