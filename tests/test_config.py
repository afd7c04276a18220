"""RunConfig: checked when made, keys, the execution profile applied once (chapter 1)."""
from __future__ import annotations

import dataclasses

import pytest

from latent_fragments.config import SMALL_PROFILE, ConfigError, RunConfig
from latent_fragments.data.datasets import DATASETS


def test_defaults_are_normalised_when_made():
    cfg = RunConfig()
    assert cfg.n_images == DATASETS["synthfaces"].default_n_images == 6000
    assert cfg.profile == "full"
    assert RunConfig(dataset="orl").n_images is None  # all 400
    assert RunConfig(filters=[8, 8, 16, 16], learning_rate=1).filters == (8, 8, 16, 16)
    assert isinstance(RunConfig(learning_rate=1).learning_rate, float)


@pytest.mark.parametrize("field,value", [
    ("z_dim", 0), ("z_dim", -3), ("z_dim", 2.5), ("z_dim", True), ("z_dim", "64"),
    ("epochs", 0), ("batch_size", None), ("n_images", 0), ("n_images", 1.5), ("seed", -1),
    ("split_seed", -1), ("split_seed", 1.0), ("data_seed", -2),
])
def test_bad_parameters_name_themselves(field, value):
    with pytest.raises(ConfigError) as err:
        RunConfig(**{field: value})
    assert field in str(err.value)
    assert repr(value) in str(err.value)


def test_replace_checks_again():
    with pytest.raises(ConfigError, match="z_dim must be a positive integer, got 0"):
        dataclasses.replace(RunConfig(), z_dim=0)


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ConfigError) as err:
        RunConfig(dataset="mnist")
    for name in ("synthfaces", "orl", "celeba", "folder"):
        assert name in str(err.value)


def test_data_fields_are_checked_by_the_data_spec():
    """The data set's own rules (DataSpec.validate) raise as ConfigError with DataSpec's message."""
    with pytest.raises(ConfigError, match="dataset 'celeba' needs data_dir: expected data_dir/img_align_celeba"):
        RunConfig(dataset="celeba")
    with pytest.raises(ConfigError, match="dataset 'folder' needs data_dir"):
        RunConfig(dataset="folder")
    with pytest.raises(ConfigError, match="data_dir must be a path"):
        RunConfig(data_dir=3)


@pytest.mark.parametrize("kw", [dict(filters=(8, 8, 8)), dict(filters=8), dict(loss="hinge"), dict(learning_rate=0),
                                dict(learning_rate=True), dict(test_fraction=1.0), dict(image_size=64),
                                dict(activation="softmaxx"), dict(profile="medium")])
def test_bad_model_parameters(kw):
    with pytest.raises(ConfigError, match=next(iter(kw))):
        RunConfig(**kw)


def test_key_is_stable_and_changes_with_every_parameter():
    base = RunConfig()
    assert base.key() == RunConfig().key()
    changes = dict(z_dim=32, seed=1, epochs=3, batch_size=32, filters=(64, 64, 128, 128), loss="mse",
                   n_images=500, learning_rate=1e-3, dataset="orl", kernel_size=5, activation="relu",
                   test_fraction=0.2, split_seed=1, data_seed=1, profile="small")
    keys = {base.key()}
    for name, value in changes.items():
        keys.add(dataclasses.replace(RunConfig(), **{name: value}).key())
    assert len(keys) == len(changes) + 1


def test_small_profile_caps_sizes_and_gets_its_own_key():
    full = RunConfig(n_images=5000, epochs=10)
    small = full.with_profile("small")
    assert (small.n_images, small.epochs) == (SMALL_PROFILE["n_images"], SMALL_PROFILE["epochs"])
    assert small.profile == "small" and small.key() != full.key()
    assert RunConfig(n_images=100, epochs=1).with_profile("small").n_images == 100  # never enlarged
    assert full.with_profile("full") is full
    assert small.with_profile("small") is small  # applying it again changes nothing


def test_small_profile_survives_replace():
    small = RunConfig().with_profile("small")
    wider = dataclasses.replace(small, epochs=50, n_images=10_000)
    assert (wider.epochs, wider.n_images, wider.profile) == (SMALL_PROFILE["epochs"], SMALL_PROFILE["n_images"], "small")


def test_small_config_is_not_widened():
    with pytest.raises(ConfigError, match="capped by the small profile"):
        RunConfig().with_profile("small").with_profile("full")


def test_with_profile_reads_lf_profile_once(monkeypatch):
    monkeypatch.setenv("LF_PROFILE", "small")
    cfg = RunConfig(n_images=5000, epochs=10)
    assert cfg.profile == "full" and cfg.epochs == 10  # making it does not read the environment
    effective = cfg.with_profile()
    assert (effective.n_images, effective.epochs, effective.profile) == (600, 2, "small")
    monkeypatch.setenv("LF_PROFILE", "full")
    assert dataclasses.replace(effective, z_dim=8).epochs == 2  # the effective config keeps its profile


def test_unknown_profile_is_an_error(monkeypatch):
    monkeypatch.setenv("LF_PROFILE", "huge")
    with pytest.raises(ConfigError, match="LF_PROFILE='huge' is not a profile"):
        RunConfig().with_profile()
    with pytest.raises(ConfigError, match="profile must be one of"):
        RunConfig().with_profile("huge")


def test_round_trip_and_foreign_keys():
    cfg = RunConfig(z_dim=16).with_profile("small")
    assert RunConfig.from_dict(cfg.as_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown configuration keys"):
        RunConfig.from_dict({**cfg.as_dict(), "dropout": 0.5})


def test_data_dir_is_resolved_and_construction_is_idempotent(tmp_path):
    cfg = RunConfig(dataset="folder", data_dir=str(tmp_path / ".." / tmp_path.name))
    assert cfg.data_dir == str(tmp_path.resolve())
    assert dataclasses.replace(cfg) == cfg


def test_key_follows_the_image_data(monkeypatch):
    """The key holds the data's content key (which follows the synthfaces renderer's source; since
    CODE_VERSION 3 not the data's path, see test_runs.test_moved_run_and_copied_data_are_reused_without_training)."""
    from latent_fragments.data import DataSpec

    cfg = RunConfig()
    before = cfg.key()
    monkeypatch.setattr(DataSpec, "content_key", lambda self: "an edited renderer")
    assert RunConfig().key() != before
    assert cfg.key() == before  # computed once per configuration: one run keeps one key


#: Run keys computed with the code of 2026-12-03 (before the data-set registry and the one DataSpec per
#: RunConfig, issue 19), the synthfaces renderer's version pinned: runs users exported must still be found.
PINNED_KEYS = {
    "default": "synthfaces-z256-40b6546e29d6",
    "small": "synthfaces-z256-e990347b644b",
    "orl_z32": "orl-z32-671b08bf3ed6",
    "vae_bn": "synthfaces-z256-5c482971ce24",
    "folder": "folder-z256-156f242610e8",
    "celeba": "celeba-z256-6f86646aa5c4",
}


def test_run_keys_of_earlier_versions_are_unchanged(tmp_path, monkeypatch):
    from latent_fragments.data import synth

    monkeypatch.setattr(synth, "renderer_version", lambda: "sha:pinned")
    (tmp_path / "photos" / "sub").mkdir(parents=True)
    (tmp_path / "photos" / "a.png").write_bytes(b"a" * 100)
    (tmp_path / "photos" / "sub" / "b.jpg").write_bytes(b"b" * 50)
    (tmp_path / "celeba" / "img_align_celeba").mkdir(parents=True)
    for i in (1, 2, 3):
        (tmp_path / "celeba" / "img_align_celeba" / f"{i:06d}.jpg").write_bytes(bytes([i]) * (10 * i))
    (tmp_path / "celeba" / "list_eval_partition.txt").write_text("000001.jpg 0\n000002.jpg 1\n000003.jpg 2\n")
    configs = {
        "default": RunConfig(),
        "small": RunConfig().with_profile("small"),
        "orl_z32": RunConfig(dataset="orl", z_dim=32, epochs=3, seed=2),
        "vae_bn": RunConfig(model="vae", batch_norm=True, n_images=2000),
        "folder": RunConfig(dataset="folder", data_dir=str(tmp_path / "photos")),
        "celeba": RunConfig(dataset="celeba", data_dir=str(tmp_path / "celeba"), n_images=3, split_seed=1),
    }
    assert {name: cfg.run_name() for name, cfg in configs.items()} == PINNED_KEYS


def test_one_parser_of_a_fields_text():
    from latent_fragments.config import parse_value

    assert parse_value("z_dim", "32") == 32 and parse_value("learning_rate", "1e-3") == 1e-3
    assert parse_value("n_images", "None") is None and parse_value("filters", "4,4,8,8") == (4, 4, 8, 8)
    assert parse_value("activation", "relu") == "relu"
    with pytest.raises(ConfigError, match=r"--filters must be 4 comma-separated integers, got '4,x'"):
        parse_value("filters", "4,x", "--filters")
    with pytest.raises(ConfigError, match=r"z_dim='2.5' is not a valid value for z_dim"):
        parse_value("z_dim", "2.5")
    with pytest.raises(ConfigError, match="not a run parameter"):
        parse_value("dropout", "0.1")


@pytest.mark.parametrize("value,seeds", [("0,1,2", [0, 1, 2]), ("7", [7]), (" 0, 10", [0, 10]), ([0, 3], [0, 3]),
                                         ((5,), [5])])
def test_seeds_read_the_same_as_text_or_list(value, seeds):
    from latent_fragments.config import parse_seeds

    assert parse_seeds(value) == seeds


@pytest.mark.parametrize("value,message", [
    ("01", "seeds='01' is ambiguous: write the seeds separated by commas, without leading zeros"),
    ("0,a", "seeds must be comma-separated non-negative integers such as 0,1,2, got '0,a'."),
    ("-1", "seeds must be comma-separated non-negative integers"), ("", "seeds must be comma-separated"),
    ([0, -1], "seeds must be a list of non-negative integers"), ([True], "seeds must be a list"),
    ([], "seeds must be a list"), (3, "seeds must be a list"),
])
def test_ambiguous_or_bad_seeds_are_one_clear_line(value, message):
    from latent_fragments.config import parse_seeds

    with pytest.raises(ConfigError) as err:
        parse_seeds(value)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_a_config_holds_one_data_spec_checked_once(monkeypatch, tmp_path):
    """The DataSpec is made (and so checked) once, with the configuration, and is the one the run's key and
    cache use; a replaced configuration makes its own."""
    from latent_fragments.data import DataSpec

    made = []
    original = DataSpec.validate
    monkeypatch.setattr(DataSpec, "validate", lambda self: made.append(self) or original(self))
    cfg = RunConfig(dataset="folder", data_dir=str(tmp_path), n_images=3)
    assert len(made) == 1 and cfg.data_spec() is made[0] and cfg.data_spec() is cfg.data_spec()
    assert cfg.data_spec().resolved_data_dir() == cfg.data_dir and cfg.data_spec().n_images == 3
    assert dataclasses.replace(cfg, n_images=2).data_spec().n_images == 2 and len(made) == 2
