"""The command line `python -m latent_fragments train|encode|info` (chapter 1)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from latent_fragments.cli import _run_args, config_fields, config_from_args, main
from latent_fragments.config import REPO_ROOT, RunConfig

TINY = ["--n-images", "48", "--z-dim", "6", "--epochs", "1", "--batch-size", "16", "--filters", "4,4,8,8"]


def test_train_encode_info(tmp_path, capsys):
    art = ["--artifacts-dir", str(tmp_path / "art")]
    assert main(["train", *TINY, *art]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/1" in out and "img/s" in out and "ready in" in out

    dest = tmp_path / "z.npy"
    assert main(["encode", *TINY, *art, "--output", str(dest), "--no-train"]) == 0
    z = np.load(dest)
    assert z.shape == (48, 6) and np.isfinite(z).all()
    assert "encoded 48 images" in capsys.readouterr().out

    assert main(["info", *TINY, *art]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["complete"] is True and len(info["history"]) == 1 and info["config"]["z_dim"] == 6


def test_encode_without_a_run_and_no_train_fails_clearly(tmp_path, capsys):
    code = main(["encode", *TINY, "--artifacts-dir", str(tmp_path), "--output", str(tmp_path / "z.npy"),
                 "--no-train"])
    assert code == 2
    assert "no trained run" in capsys.readouterr().err
    assert not (tmp_path / "z.npy").exists()


def test_bad_input_exits_2_with_one_line(tmp_path):
    env = {**os.environ, "LF_ARTIFACTS": str(tmp_path)}
    for args, expected in ((["--dataset", "mnist"], "valid names: synthfaces, orl, celeba, folder"),
                           (["--z-dim", "0"], "z_dim must be a positive integer"),
                           (["--dataset", "celeba", "--data-dir", str(tmp_path / "nope")], "img_align_celeba")):
        proc = subprocess.run([sys.executable, "-m", "latent_fragments", "train", *args], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and expected in lines[0], proc.stderr


def test_prepare_builds_the_cache_without_training(tmp_path, capsys):
    assert main(["prepare", "--n-images", "20", "--artifacts-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "20 images" in out
    caches = list((tmp_path / "cache").glob("synthfaces-*.npy"))
    assert len(caches) == 1 and np.load(caches[0], mmap_mode="r").shape == (20, 96, 96, 3)
    assert not (tmp_path / "runs").exists()


def test_every_config_field_but_profile_is_an_option(monkeypatch):
    """The options are made from RunConfig's fields: each value given reaches the config unchanged."""
    names = [f.name for f in config_fields()]
    assert names == [f.name for f in dataclasses.fields(RunConfig) if f.name != "profile"]
    parser = argparse.ArgumentParser()
    _run_args(parser)
    values = dict(dataset="orl", n_images=40, z_dim=6, epochs=3, batch_size=8, seed=4, filters="4,4,8,8",
                  kernel_size=5, activation="relu", loss="mse", learning_rate=0.002, test_fraction=0.25,
                  split_seed=7, image_size=96, data_seed=2, batch_norm="true", model="vae", precision="mixed_bfloat16")
    assert set(values) | {"data_dir"} == set(names), "give each new RunConfig field a value here"
    argv = [f"--{name.replace('_', '-')}={value}" for name, value in values.items()]
    cfg = config_from_args(parser.parse_args(argv + ["--data-dir", "."]))
    expected = {**values, "filters": (4, 4, 8, 8), "batch_norm": True, "data_dir": os.path.abspath("."),
                "profile": "full"}
    assert dataclasses.asdict(cfg) == expected
    assert config_from_args(parser.parse_args([])) == RunConfig()  # options not given keep the defaults
    monkeypatch.setenv("LF_PROFILE", "small")
    assert config_from_args(parser.parse_args(["--epochs", "9"])).epochs == 2  # the profile applied once
    with pytest.raises(SystemExit):
        parser.parse_args(["--profile", "small"])


def test_seeds_and_field_values_are_read_as_in_a_sweep_grid(capsys):
    """One parser (config.parse_value, config.parse_seeds) for the command line and the TOML grid: text
    that reads two ways is refused with one line; ``none`` unsets an optional field on both."""
    assert main(["sweep", "--seeds", "01", "--n-images", "40", "--no-quality"]) == 2
    assert capsys.readouterr().err == ("error: --seeds='01' is ambiguous: write the seeds separated by commas, "
                                       "without leading zeros (0,1 for seeds 0 and 1; 1 for seed 1).\n")
    parser = argparse.ArgumentParser()
    _run_args(parser)
    assert config_from_args(parser.parse_args(["--dataset", "orl", "--n-images", "none"])).n_images is None
