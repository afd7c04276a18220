"""Chapter 5's sentences: which conclusions hold across runs, and the VAE against the AE (one test per branch)."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from latent_fragments.stats.generality import (
    compare,
    conclusion_line,
    conclusion_table,
    conclusions_sentence,
    figure_summary,
    vae_sentence,
    verdict_counts,
)


def _row(variant, seed, **figures):
    base = dict(n90_share=0.2, kurtosis_ratio=1.02, core_share=0.9, core_expected=0.88, origin_share_closer=0.95,
                fd_mnd=1.0,
                fd_cube=5.0, fd_prior=math.nan)
    return {"variant": variant, "seed": seed, **base, **figures}


def test_conclusion_table_counts_the_runs_where_each_holds():
    table = pd.DataFrame([_row("a", 0), _row("a", 1, core_share=0.5), _row("b", 0, kurtosis_ratio=1.5)])
    shares = conclusion_table(table)
    assert list(shares.index) == ["a", "b"]
    assert shares.loc["a", "core_80"] == 0.5 and shares.loc["b", "core_80"] == 1.0
    assert shares.loc["b", "mnd_like"] == 0.0 and shares.loc["a", "few_axes"] == 1.0
    assert shares.loc["a", "core_like_mnd"] == 0.5 and shares.loc["b", "core_like_mnd"] == 1.0
    no_fd = conclusion_table(table.drop(columns=["fd_mnd", "fd_cube"]))
    assert no_fd["mnd_beats_cube"].isna().all()


def test_every_branch_of_the_conclusion_line():
    assert "**holds** in every run" in conclusion_line("few_axes", pd.Series({"a": 1.0, "b": 1.0}))
    assert "**fails** in every run" in conclusion_line("few_axes", pd.Series({"a": 0.0}))
    line = conclusion_line("core_80", pd.Series({"a": 1.0, "b": 0.0, "c": 0.5, "d": 0.0}))
    assert line.endswith("**depends** on the run: holds for *a*; fails for *b* and *d*; depends on the seed for *c*.")
    assert "not measured" in conclusion_line("mnd_beats_cube", pd.Series({"a": math.nan}))
    text = conclusions_sentence(pd.DataFrame({"few_axes": [1.0], "core_80": [0.0]}, index=["a"]))
    assert text.count("\n- ") == 1 and text.startswith("- A few principal axes")


def test_compare_branches():
    assert compare(pd.Series([1.0, 1.1, 0.9]), pd.Series([3.0, 3.1, 2.9])) == "lower"
    assert compare(pd.Series([3.0, 3.1, 2.9]), pd.Series([1.0, 1.1, 0.9])) == "higher"
    assert compare(pd.Series([1.0, 2.0, 3.0]), pd.Series([1.5, 2.5, 3.5])) == "similar"  # se 0.82, difference 0.5
    assert compare(pd.Series([1.0]), pd.Series([1.0, 2.0])) == "single"
    assert compare(pd.Series([math.nan]), pd.Series([1.0, 2.0])) == "missing"


def _vae_table(prior, ae_mnd, vae_mnd):
    rows = [_row("ae", s, fd_mnd=v) for s, v in enumerate(ae_mnd)]
    rows += [_row("vae", s, fd_prior=p, fd_mnd=m) for s, (p, m) in enumerate(zip(prior, vae_mnd))]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("prior, ae_mnd, vae_mnd, first, second", [
    ([1.0, 1.1, 0.9], [3.0, 3.2, 2.8], [0.5, 0.55, 0.45], "The VAE's prior samples beat", "does better than its prior"),
    ([3.0, 3.2, 2.8], [1.0, 1.1, 0.9], [5.0, 5.1, 4.9], "The plain AE's ex-post MND beats", "The VAE's prior does better"),
    ([1.0, 2.0, 3.0], [1.5, 2.5, 3.5], [1.0, 2.0, 3.0], "are not told apart", "does about as well"),
    ([1.0], [1.5, 2.5], [1.0], "With a single seed", None),
])
def test_every_branch_of_the_vae_sentence(prior, ae_mnd, vae_mnd, first, second):
    text = vae_sentence(_vae_table(prior, ae_mnd, vae_mnd), "ae", "vae")
    assert first in text.split(":")[0]
    assert "for the VAE's prior N(0, I) against" in text
    if second:
        assert second in text
    else:
        assert "posterior means" not in text


def test_vae_sentence_without_a_vae_and_the_summary_table():
    table = pd.DataFrame([_row("ae", 0), _row("ae", 1, n90_share=0.4)])
    assert "not measured" in vae_sentence(table, "ae", "vae")
    summary = figure_summary(table, ("n90_share", "fd_prior"))
    assert summary.loc["ae", "seeds"] == 2 and summary.loc["ae", "n90_share"] == "0.3 ± 0.14"
    assert summary.loc["ae", "fd_prior"] == "–"


def test_headline_figure_has_one_panel_per_figure_and_a_row_per_variant():
    from latent_fragments.plots.generality import PANELS, plot_headline

    table = pd.DataFrame([_row("ae", 0, recon_mse=0.01), _row("ae", 1), _row("vae", 0, fd_prior=2.0)])
    fig = plot_headline(table)
    assert len(fig.axes) == len(PANELS)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["ae", "vae"]
    fd = fig.axes[-1]
    assert {t.get_text() for t in fd.get_legend().get_texts()} == {"ex-post MND", "VAE prior N(0, I)"}


def test_verdict_counts_per_variant_and_when_skipped():
    table = pd.DataFrame([_row("b", 0, verdict="consistent_with_mnd"), _row("b", 1, verdict="separate_clusters"),
                          _row("a", 0, verdict="consistent_with_mnd"), _row("c", 0, verdict=math.nan)])
    counts = verdict_counts(table)
    assert list(counts.index) == ["b", "a"]
    assert counts.loc["b"].to_dict() == {"consistent_with_mnd": 1, "separate_clusters": 1}
    assert verdict_counts(table.assign(verdict="")).empty and verdict_counts(table.drop(columns="verdict")).empty
    summary = figure_summary(pd.DataFrame([_row("a", 0, n90_share=0.5), _row("a", 1, n90_share=0.5)]), ("n90_share",))
    assert summary.loc["a", "n90_share"] == "0.5 ± 0"
