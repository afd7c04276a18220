"""Tables and log lines as the pages show them (issue 22): columns named for a reader, shares as
percentages and differences of shares in points, numbers rounded, one line for a run trained while a page
executes, and chapter 5's figure readable at the page width. About 5 s of CPU."""
from __future__ import annotations

import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from latent_fragments import chapter as chapter_module  # noqa: E402
from latent_fragments.config import RunConfig  # noqa: E402
from latent_fragments.pages import component_distributions, filaments, pca_fragment, shown, training_summary  # noqa: E402
from latent_fragments.plots.generality import plot_headline  # noqa: E402
from latent_fragments.plots.style import TEXT_PT, use_book_style  # noqa: E402
from latent_fragments.stats.components import latent_overview  # noqa: E402

HISTORY = [{"epoch": 1, "loss": 0.61, "val_loss": 0.63, "seconds": 40.0},
           {"epoch": 2, "loss": 0.5512, "val_loss": 0.5601, "seconds": 41.4}]


def test_training_summary_is_one_line_per_branch():
    assert training_summary(HISTORY, 5400, "BCE") == (
        "trained 2 epochs on 5,400 images in 1 min 21 s: final BCE 0.5512, held-out 0.5601 "
        "(epoch log: history.csv in the run folder)")
    no_held_out = [{"loss": 0.3, "seconds": 12.2}]
    assert training_summary(no_held_out, 10) == (
        "trained 1 epoch on 10 images in 12 s: final loss 0.3000 (epoch log: history.csv in the run folder)")
    assert "in 2 h 05 min" in training_summary([{"loss": 0.3, "seconds": 7500.0}], 10)
    assert training_summary([], 10).startswith("no epoch trained on 10 images")
    assert training_summary(HISTORY, 360, "BCE", 40, "torch").startswith(
        "trained 2 epochs on 360 images (40 held out, backend torch) in 1 min 21 s")


def test_fetch_run_leaves_one_line_only_where_it_trains(monkeypatch, capsys):
    run = types.SimpleNamespace(history=HISTORY, train_idx=np.arange(5400), test_idx=np.arange(600))

    def trains(cfg, artifacts_dir=None, train=True, log=None):
        for row in HISTORY:
            log(f"epoch {row['epoch']}/2: loss {row['loss']}")
        return run

    monkeypatch.setattr("latent_fragments.runs.get_run", trains)
    assert chapter_module.fetch_run(RunConfig()) is run
    backend = __import__("keras").backend.backend()
    assert capsys.readouterr().out == training_summary(HISTORY, 5400, "BCE", 600, backend) + "\n"
    monkeypatch.setattr("latent_fragments.runs.get_run", lambda cfg, artifacts_dir=None, train=True, log=None: run)
    chapter_module.fetch_run(RunConfig())
    assert capsys.readouterr().out == ""


def test_shown_renames_keeps_order_and_formats_every_kind():
    table = pd.DataFrame({"a_share": [0.1234, np.nan], "diff": [0.062, -0.01], "n": [5400.0, 12.0],
                          "name": ["x", "y"], "unused": [1, 2]}, index=pd.Index([1, 2], name="k"))
    out = shown(table, {"n": ("images", ",.0f"), "a_share": ("share", "pct2"), "diff": ("change", "points"),
                        "name": ("what", "s")})
    assert list(out.columns) == ["images", "share", "change", "what"] and out.index.name == "k"
    assert out.loc[1].tolist() == ["5,400", "12.34 %", "+6.2 points", "x"]
    assert out.loc[2].tolist() == ["12", "–", "-1.0 points", "y"]


def test_chapter_2_overview_has_readable_rows_and_numbers():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(300, 8))
    rows = {"synthfaces": latent_overview(z[:250], z[250:], rng)}
    table = component_distributions.overview_table(rows)
    assert "latent dimension" in table.index and "z_dim" not in table.index
    assert table.loc["training z-points", "synthfaces"] == "250"
    assert table.loc["held-out inside 99 % region", "synthfaces"].endswith(" %")
    radius = table.loc["mean radius ⟨|z|⟩", "synthfaces"]
    assert len(radius.replace(".", "").lstrip("0")) <= 3  # three significant digits, not 2.8284271


def test_chapter_3_tables_are_named_for_a_reader():
    axes = pd.DataFrame({"origin_sigma": [-4.451, 0.18], "share_beyond": [0.0, 0.84], "lo": [-4.67, -0.53],
                         "hi": [-4.32, 0.54]}, index=pd.Index([0, 1], name="component"))
    origin = pca_fragment.origin_table(axes)
    assert list(origin.index) == ["PC1", "PC2"] and origin.loc["PC1", "origin (σ of the axis)"] == "-4.45"
    assert origin.loc["PC2", "training points farther out"] == "84.0 %"
    selection = pd.DataFrame({"held_out_loglik": [802.61], "train_loglik": [931.0], "bic": [-796924.3],
                              "points_per_component": [540.0], "n_parameters": [33152.0]},
                             index=pd.Index([1], name="k"))
    assert pca_fragment.mixture_table(selection).loc[1].tolist() == ["802.6", "931.0", "-796,924", "540", "33,152"]
    quality = pd.DataFrame({"FD": [292.1, 17.31], "FD_plugin": [334.4, 30.9], "KID": [12.94, 0.111],
                            "precision": [1.0, 0.867], "recall": [0.0, 0.833], "p_same": [0.01, 0.14],
                            "re-encoded inside 99%": [1.0, 0.1]}, index=["cube", "held_out"])
    shown_quality = pca_fragment.quality_display(quality, {"cube": "uniform cube", "held_out": "held-out"})
    assert list(shown_quality.index) == ["held-out", "uniform cube"]
    assert shown_quality.loc["held-out", "re-encoded in 99 % region"] == "10.0 %"
    memo = pd.DataFrame({"median_nn": [4.745], "ratio": [1.0], "share_close": [0.0667]}, index=["held-out"])
    assert pca_fragment.memorisation_display(memo, {}).loc["held-out"].tolist() == ["4.75", "1.00", "6.7 %"]
    core = {"sigma": 3.0, "n_points": 540.0, "n_core": 250.0, "core_share": 0.463, "core_share_mnd": 0.5005,
            "hz_statistic": 1.15, "hz_p": 0.0, "hz_n": 250.0, "hz_dims": 10.0, "shapiro_share_rejected": 0.0195,
            "shapiro_share_rejected_leading": 0.2, "shapiro_median_p": 0.5071}
    table = pca_fragment.core_table(core)
    assert table.loc["share in the core", "value"] == "46.3 %" and table.index.name.startswith("the core (within 3σ")


def test_chapter_4_tables_are_named_for_a_reader():
    keys = ("mnd", "mixture")
    verdict_table = pd.DataFrame({"statistic": ["mean 1-NN distance"], "scale": ["small"], "data": [0.3631],
                                  **{f"{k}: {c}": [v] for k in keys
                                     for c, v in (("null_mean", 0.4), ("relative", -0.094), ("p_adjusted", 0.025))}})
    verdict = types.SimpleNamespace(table=verdict_table, tests=dict.fromkeys(keys))
    shown_verdict = filaments.verdict_display(verdict)
    assert ("fitted MND", "relative") in shown_verdict.columns and ("shape-matched mixture", "p adj.") in shown_verdict
    assert shown_verdict.loc["mean 1-NN distance", ("fitted MND", "relative")] == "-9.4 %"
    profile = pd.DataFrame({"criterion": ["any axis"], "threshold": [3.0], "n": [540], "count": [290],
                            "observed": [0.537], "expected": [0.4995], "ratio": [1.075], "p_more": [0.0442],
                            "p_fewer": [0.963]})
    assert filaments.profile_display(profile).loc["any axis, 3σ", "share"] == "53.70 %"
    carried = pd.DataFrame({"levels": [5.0], "neighbours sharing the label": [0.409], "chance": [0.243],
                            "linear-model baseline": [0.333], "excess, 2.5 %": [0.062], "excess, 97.5 %": [0.089],
                            "carried": [1.0], "cluster AMI": [np.nan]}, index=["hair_style"])
    row = filaments.carriage_display(carried).loc["hair style"]
    assert row["excess over baseline (95 %)"] == "+6.2 points to +8.9 points" and row["carried"] == "yes"
    assert "cluster AMI" not in row.index  # no clusters: the column is left out


def test_chapter_5_figure_text_is_readable_at_the_page_width():
    table = pd.DataFrame({"variant": ["plain AE", "plain AE", "VAE"], "n90_share": [0.2, 0.25, 0.4],
                          "core_share": [0.5, 0.6, 0.7], "core_expected": [0.5] * 3, "kurtosis_ratio": [1.0, 1.1, 0.9],
                          "origin_heldout_closer": [0.5, 0.6, 0.4], "fd_mnd": [3.0, 4.0, 5.0],
                          "fd_prior": [np.nan, np.nan, 9.0], "fd_cube": [30.0, 30.0, 40.0]})
    with matplotlib.rc_context():
        use_book_style()
        fig = plot_headline(table)
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert sizes and min(sizes) >= TEXT_PT >= 11
    assert {ax.get_subplotspec().get_gridspec().ncols for ax in fig.axes} == {3}  # at most three panels a row
    plt.close(fig)


def test_chapter_2_tables_are_named_for_a_reader():
    summary = pd.DataFrame({"mean": [0.1, -0.2], "std": [0.06, 0.07], "skew": [0.0, 0.3], "kurtosis": [-0.2, 0.1],
                            "normality_p": [0.5, 0.001]})
    spread = component_distributions.summary_table(summary)
    assert list(spread.columns) == ["mean", "sd", "skewness", "excess kurtosis", "normality p-value"]
    assert spread.loc["largest", "normality p-value"] == "0.500" and spread.index[0] == "mean over the components"
    pairs = pd.DataFrame({"i": [146, 4], "j": [195, 148], "r": [0.9891, -0.987]})
    assert component_distributions.pairs_table(pairs).loc[1].tolist() == ["146", "195", "0.989"]
    report = pd.DataFrame({"generator": ["held-out data"], "mean radius": [4.892], "std radius": [0.842],
                           "median Mahalanobis": [22.789], "inside 95% region": [0.65], "inside 99% region": [0.767],
                           "median NN distance": [0.367], "kind": ["held_out"]})
    row = component_distributions.report_table(report).loc["held-out data"]
    assert row["inside the 99 % region"] == "76.7 %" and "kind" not in row.index


def test_chapter_1_shares_inside_the_region_are_percentages():
    from latent_fragments.pages import ae_basics

    table = ae_basics.inside_table({"held_out": 0.767, "cube": 0.0}, {"held_out": 1.0, "cube": 1.0})
    assert list(table.index) == ["held-out images", "cube points"]
    assert table.loc["held-out images"].tolist() == ["76.7 %", "100.0 %"]
