"""RunConfig: validation messages, keys, the small profile (chapter 1)."""
from __future__ import annotations

import dataclasses

import pytest

from latent_fragments.config import DEFAULT_N_IMAGES, SMALL_PROFILE, ConfigError, RunConfig


def test_defaults_validate_and_resolve_synthfaces_size():
    cfg = RunConfig().validated()
    assert cfg.n_images == DEFAULT_N_IMAGES["synthfaces"]
    assert cfg.profile == "full"
    assert RunConfig(dataset="orl").validated().n_images is None  # all 400


@pytest.mark.parametrize("field,value", [
    ("z_dim", 0), ("z_dim", -3), ("z_dim", 2.5), ("z_dim", True), ("z_dim", "64"),
    ("epochs", 0), ("batch_size", None), ("n_images", 0), ("n_images", 1.5), ("seed", -1),
])
def test_bad_parameters_name_themselves(field, value):
    with pytest.raises(ConfigError) as err:
        RunConfig(**{field: value}).validated()
    assert field in str(err.value)
    assert repr(value) in str(err.value)


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ConfigError) as err:
        RunConfig(dataset="mnist").validated()
    for name in ("synthfaces", "orl", "celeba", "folder"):
        assert name in str(err.value)


@pytest.mark.parametrize("kw", [dict(filters=(8, 8, 8)), dict(loss="hinge"), dict(learning_rate=0),
                                dict(test_fraction=1.0), dict(image_size=64)])
def test_bad_model_parameters(kw):
    with pytest.raises(ConfigError):
        RunConfig(**kw).validated()


def test_key_is_stable_and_changes_with_every_parameter():
    base = RunConfig().validated()
    assert base.key() == RunConfig().validated().key()
    changes = dict(z_dim=32, seed=1, epochs=3, batch_size=32, filters=(64, 64, 128, 128), loss="mse",
                   n_images=500, learning_rate=1e-3, dataset="orl", kernel_size=5, activation="relu")
    keys = {base.key()}
    for name, value in changes.items():
        keys.add(dataclasses.replace(RunConfig(), **{name: value}).validated().key())
    assert len(keys) == len(changes) + 1


def test_small_profile_caps_sizes_and_gets_its_own_key(monkeypatch):
    full = RunConfig(n_images=5000, epochs=10).validated()
    monkeypatch.setenv("LF_PROFILE", "small")
    small = RunConfig(n_images=5000, epochs=10).validated()
    assert (small.n_images, small.epochs) == (SMALL_PROFILE["n_images"], SMALL_PROFILE["epochs"])
    assert small.profile == "small" and small.key() != full.key()
    assert RunConfig(n_images=100, epochs=1).validated().n_images == 100  # never enlarged


def test_unknown_profile_is_an_error(monkeypatch):
    monkeypatch.setenv("LF_PROFILE", "huge")
    with pytest.raises(ConfigError, match="LF_PROFILE"):
        RunConfig().validated()


def test_round_trip_and_foreign_keys():
    cfg = RunConfig(z_dim=16).validated()
    assert RunConfig.from_dict(cfg.as_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown configuration keys"):
        RunConfig.from_dict({**cfg.as_dict(), "dropout": 0.5})


def test_validation_is_idempotent(tmp_path):
    cfg = RunConfig(dataset="folder", data_dir=str(tmp_path / ".." / tmp_path.name)).validated()
    assert cfg.data_dir == str(tmp_path.resolve())
    assert cfg.validated() == cfg


def test_key_follows_the_image_data(monkeypatch):
    import latent_fragments.data

    before = RunConfig().validated().key()
    monkeypatch.setattr(latent_fragments.data, "_renderer_version", lambda: "another renderer")
    assert RunConfig().validated().key() != before
