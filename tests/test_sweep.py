"""The sweep of chapter 5: grids from the command line or TOML, cached runs, a table that resumes."""
from __future__ import annotations

import latent_fragments.runs as runs
import numpy as np
import pandas as pd
import pytest
from latent_fragments.config import ConfigError, RunConfig
from latent_fragments.sweep import (
    Settings,
    parse_value,
    plan_from_axes,
    plan_from_toml,
    run_sweep,
    summarise,
    table_path,
)

BASE = RunConfig(n_images=40, z_dim=5, epochs=1, batch_size=8, filters=(4, 4, 8, 8))


def test_axes_make_a_product_once_per_seed():
    plan = plan_from_axes(BASE, ["z_dim=3,5", "model=ae,vae"], seeds=[0, 1])
    assert len(plan.runs) == 8
    names = [name for name, _ in plan.runs]
    assert names[0] == "z_dim=3, model=ae" and names.count("z_dim=5, model=vae") == 2
    assert [(c.z_dim, c.model, c.seed) for c in plan.configs("z_dim=5, model=vae")] == [(5, "vae", 0), (5, "vae", 1)]
    assert len({cfg.key() for _, cfg in plan.runs}) == 8
    assert plan_from_axes(BASE, ["filters=4,4,8,8/8,8,8,8"], [0]).runs[1][1].filters == (8, 8, 8, 8)
    assert parse_value("batch_norm", "true") == "true" and RunConfig(batch_norm="true").batch_norm is True
    assert parse_value("learning_rate", "1e-3") == 1e-3 and parse_value("n_images", "none") is None
    with pytest.raises(ConfigError, match="not a run parameter"):
        plan_from_axes(BASE, ["dropout=0.1"], [0])
    with pytest.raises(ConfigError, match="FIELD=VALUE1,VALUE2"):
        plan_from_axes(BASE, ["z_dim"], [0])


def test_toml_grid_with_variants_and_their_own_seeds(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('seeds = [0, 1, 2]\n[base]\nn_images = 40\nz_dim = 5\nfilters = [4, 4, 8, 8]\n'
                    '[variants]\n"chapter 1" = {}\nbn = {batch_norm = true, seeds = [7]}\n'
                    'orl = {dataset = "orl", n_images = "none", seeds = [0]}\n'
                    '[settings]\nquality = false\n')
    plan = plan_from_toml(path)
    assert [(name, cfg.seed) for name, cfg in plan.runs] == [("chapter 1", 0), ("chapter 1", 1), ("chapter 1", 2),
                                                             ("bn", 7), ("orl", 0)]
    assert plan.runs[3][1].batch_norm is True and plan.runs[0][1].filters == (4, 4, 8, 8)
    assert plan.runs[4][1].dataset == "orl" and plan.runs[4][1].n_images is None  # all 400 images
    assert plan.settings.quality is False
    path.write_text("[grid]\n")
    with pytest.raises(ConfigError, match="unknown key .grid.; use seeds, base, variants, settings"):
        plan_from_toml(path)


def test_sweep_resumes_without_retraining_finished_runs(tmp_path, monkeypatch):
    art = tmp_path / "art"
    plan = plan_from_axes(BASE, ["model=ae,vae"], seeds=[0], settings=Settings(quality=True, n_fake=20))
    second = plan.runs[1][1]
    real_fit = runs.fit

    def interrupted(cfg, *args, **kwargs):
        if cfg.key() == second.key():
            raise KeyboardInterrupt
        return real_fit(cfg, *args, **kwargs)

    monkeypatch.setattr(runs, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, "t", art, log=lambda s: None)
    partial = pd.read_csv(table_path("t", art))
    assert list(partial["variant"]) == ["model=ae"]

    trained = []

    def only_the_missing(cfg, *args, **kwargs):
        trained.append(cfg.key())
        return real_fit(cfg, *args, **kwargs)

    monkeypatch.setattr(runs, "fit", only_the_missing)
    table = run_sweep(plan, "t", art, log=lambda s: None)
    assert trained == [second.key()]
    assert list(table["model"]) == ["ae", "vae"] and list(table["n_train"]) == [36, 36]
    assert table.loc[0, "n90"] == partial.loc[0, "n90"]
    assert np.isnan(table.loc[0, "fd_prior"]) and table.loc[1, "fd_prior"] > 0
    assert (table[["fd_mnd", "fd_cube", "kid_mnd", "recon_mse", "core_share"]].notna()).all().all()
    on_disk = pd.read_csv(table_path("t", art))
    assert on_disk["run"].tolist() == table["run"].tolist()

    summary = summarise(pd.concat([table, table.assign(seed=1)]))
    assert summary.loc["model=vae", ("seeds", "n")] == 2
    assert summary.loc["model=ae", ("n90", "sd")] == 0.0
    assert ("fd_prior", "mean") in summary.columns


def test_cli_sweep_writes_the_table_and_refuses_a_bad_axis(tmp_path, capsys):
    from latent_fragments.cli import main

    tiny = ["--n-images", "40", "--epochs", "1", "--batch-size", "8", "--filters", "4,4,8,8",
            "--artifacts-dir", str(tmp_path)]
    assert main(["sweep", *tiny, "--vary", "z_dim=3,4", "--no-quality", "--name", "cli"]) == 0
    out = capsys.readouterr().out
    assert "2 runs; table" in out and "z_dim=4" in out
    table = pd.read_csv(table_path("cli", tmp_path))
    assert table["z_dim"].tolist() == [3, 4] and table["fd_mnd"].isna().all()
    assert main(["sweep", *tiny, "--vary", "z_dim=three"]) == 2
    assert "not a valid value for z_dim" in capsys.readouterr().err


def test_headline_row_of_a_gaussian_control_with_the_verdict():
    """A stand-in run whose z-points are an exact MND: MND-like figures, verdict consistent_with_mnd,
    the origin (12 sd off on the last axis) outside the predictive regions and beyond every held-out point,
    every unit active, the held-out loss's last change, no FD without a scoring network, and the
    reconstruction error of images against themselves 0."""
    from types import SimpleNamespace

    from latent_fragments.sweep import headline_row

    rng = np.random.default_rng(0)
    z = rng.standard_normal((460, 4)) * [3.0, 2.0, 1.0, 0.5] + 6.0
    images = np.zeros((5, 96, 96, 3), np.uint8)
    history = [{"val_loss": v} for v in (2.0, 1.0, 0.99, 0.98)]
    run = SimpleNamespace(z_train=z[:400], z_test=z[400:], history=history, config=RunConfig(z_dim=4),
                          images=lambda split: images, reconstruct=lambda x: x)
    row = headline_row(run, Settings(quality=True, verdict_draws=19, verdict_points=400), net=None)
    assert row["verdict"] == "consistent_with_mnd" and row["mardia_p"] > 0.05
    assert row["kurtosis_ratio"] == pytest.approx(1.0, abs=0.15) and row["n90"] == 2  # 9 + 4 of 14.25 > 0.9
    assert row["origin_beyond_999"] == 1.0 and row["origin_heldout_closer"] == 1.0 and row["active_units"] == 4
    assert row["heldout_change"] == pytest.approx(0.02 / 1.0)
    assert row["recon_mse"] == 0.0 and np.isnan(row["fd_mnd"]) and np.isnan(row["fd_prior"])
