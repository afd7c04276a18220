"""Chapter 5: the adequacy check, the conclusions across adequate runs, the VAE against the AE, and the
page's wording and findings record (one test per branch, with figures of the sizes the book uses)."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from latent_fragments.pages import generality as words
from latent_fragments.stats.features import ROTATION, SUPERVISED
from latent_fragments.stats.generality import (
    ADEQUACY,
    CONCLUSIONS,
    across_runs,
    adequacy,
    adequacy_failures,
    conclusion_table,
    interval_compare,
    miss_probability,
    verdict_counts,
)

REF = 0.010  # chapter 1's held-out reconstruction MSE


def _row(variant="plain AE", seed=0, **figures):
    """A run's figures as the sweep writes them: an adequate, MND-like plain AE unless overridden."""
    base = dict(model="ae", n90_share=0.2, mardia_p=0.4, core_share=0.9, origin_beyond_90=1.0,
                origin_beyond_999=0.0, recon_mse=0.011, recall_real=0.7, recall_mnd=0.4, recall_prior=math.nan,
                active_units=256.0, heldout_change=0.02, fd_mnd=10.0, fd_mnd_lo=8.0, fd_mnd_hi=12.0, fd_cube=40.0,
                fd_cube_lo=35.0, fd_cube_hi=45.0, fd_prior=math.nan, fd_prior_lo=math.nan, fd_prior_hi=math.nan,
                n90=50.0, core_expected=0.88, kurtosis_ratio=1.0)
    return {"variant": variant, "seed": seed, **base, **figures}


def _vae(seed=0, **figures):
    good = dict(model="vae", recall_prior=0.3, active_units=40.0, heldout_change=0.004, fd_prior=9.0,
                fd_prior_lo=7.0, fd_prior_hi=11.0)
    return _row("VAE", seed, **{**good, **figures})


# --- the adequacy check: one test per failure ---------------------------------------------------------

@pytest.mark.parametrize("row, failed", [
    (_row(), []),
    (_row(recon_mse=0.021), ["reconstruction"]),
    (_row(recall_mnd=0.1), ["diversity"]),  # 0.1 < 0.2 * 0.7: one face ten times over
    (_row(recall_real=math.nan), ["diversity"]),  # no scoring network: not shown to be diverse
    (_vae(), []),
    (_vae(recall_prior=0.0), []),  # the VAE's prior is what chapter 5 compares, not part of the check
    (_vae(recall_mnd=0.13), ["diversity"]),
    (_vae(active_units=2.0), ["collapse"]),
    (_vae(heldout_change=0.03), ["convergence"]),
    (_vae(heldout_change=math.nan, recon_mse=0.05), ["reconstruction", "convergence"]),
])
def test_adequacy_failures(row, failed):
    assert adequacy_failures(pd.Series(row), REF) == failed


def test_adequacy_of_a_table_and_the_stated_thresholds():
    assert ADEQUACY == {"recon_factor": 2.0, "recall_share": 0.2, "min_active": 5, "max_change": 0.01}
    table = pd.DataFrame([_row(), _row(seed=1, recall_mnd=0.0), _vae()])
    assert adequacy(table, REF).tolist() == [[], ["diversity"], []]


# --- conclusions and the across-runs rule ------------------------------------------------------------

def test_conclusion_table_tests_each_conclusion_on_each_run():
    table = pd.DataFrame([_row(), _row(seed=1, n90_share=0.6, mardia_p=0.025, core_share=0.5, origin_beyond_999=1.0,
                                       fd_mnd_hi=36.0), _row(seed=2, origin_beyond_90=0.0, fd_cube_lo=math.nan)])
    held = conclusion_table(table)
    assert list(held.columns) == list(CONCLUSIONS)
    assert held.iloc[0].tolist() == [1.0] * 5 and held.iloc[1].tolist() == [0.0] * 5
    assert held.loc[2, "origin_border"] == 0.0 and math.isnan(held.loc[2, "mnd_beats_cube"])


@pytest.mark.parametrize("values, expected", [
    ([1.0, 1.0], ("holds", 2, 2)), ([0.0, 0.0, math.nan], ("fails", 0, 2)), ([1.0, 0.0], ("depends", 1, 2)),
    ([math.nan], ("not measured", 0, 0)), ([], ("not measured", 0, 0)),
])
def test_across_runs(values, expected):
    assert across_runs(pd.Series(values, dtype=float)) == expected


def test_miss_probability_of_the_all_runs_rule():
    assert miss_probability(2, 0.3) == pytest.approx(0.49) and miss_probability(1, 0.5) == 0.5
    assert miss_probability(5, 0.3) == pytest.approx(0.168, abs=1e-3)


@pytest.mark.parametrize("a, b, expected", [
    ((1.0, 2.0), (3.0, 4.0), "lower"), ((5.0, 6.0), (3.0, 4.0), "higher"), ((1.0, 3.5), (3.0, 4.0), "overlap"),
    ((math.nan, math.nan), (3.0, 4.0), "missing"),
])
def test_interval_compare(a, b, expected):
    s = lambda v: pd.Series([v])  # noqa: E731
    assert interval_compare(s(a[0]), s(a[1]), s(b[0]), s(b[1])) == expected


def test_verdict_counts_per_variant_and_when_skipped():
    table = pd.DataFrame([_row("b", 0, verdict="consistent_with_mnd"), _row("b", 1, verdict="separate_clusters"),
                          _row("a", 0, verdict="consistent_with_mnd"), _row("c", 0, verdict=math.nan)])
    counts = verdict_counts(table)
    assert list(counts.index) == ["b", "a"]
    assert counts.loc["b"].to_dict() == {"consistent_with_mnd": 1, "separate_clusters": 1}
    assert verdict_counts(table.assign(verdict="")).empty and verdict_counts(table.drop(columns="verdict")).empty


# --- the page's wording ------------------------------------------------------------------------------

@pytest.mark.parametrize("failure, row, text", [
    ("reconstruction", _row(recon_mse=0.03), "held-out reconstruction MSE 0.0300, more than 2 × chapter 1's 0.0100"),
    ("diversity", _row(recall_mnd=0.0), "its ex-post MND samples are not diverse: recall 0.00 against real-vs-real "
                                        "0.70 (needs at least 20 % of it)"),
    ("diversity", _vae(recall_mnd=math.nan), "its ex-post MND samples are not diverse: recall – against"),
    ("collapse", _vae(active_units=2.0), "posterior collapse: 2 active latent units (needs 5)"),
    ("convergence", _vae(heldout_change=math.nan), "held-out loss not flat: fewer than 3 epochs"),
    ("convergence", _vae(heldout_change=0.031), "it changed by 3.10 % over the last 2 epochs (needs < 1 %)"),
])
def test_reason_text(failure, row, text):
    assert text in words.reason_text(failure, row, REF)


def test_adequacy_list_names_every_run_and_the_excluded_ones_reasons():
    table = pd.DataFrame([_row(), _vae(active_units=1.0)])
    failures = adequacy(table, REF)
    text = words.adequacy_list(table, failures, REF)
    assert text.splitlines() == ["- *plain AE, seed 0*: adequate.",
                                 "- *VAE, seed 0*: excluded: posterior collapse: 1 active latent units (needs 5)."]
    assert words.excluded(table, failures, REF) == {"VAE, seed 0": "posterior collapse: 1 active latent units (needs 5)"}


@pytest.mark.parametrize("k, text", [
    (0, "No run passed the adequacy check, so this sweep draws **no conclusion**"),
    (1, "holds in all 1 adequate run. With 1 run a conclusion that fails in 30 % of runs goes unnoticed with "
        "probability 0.70"),
    (2, "With 2 runs a conclusion that fails in 30 % of runs goes unnoticed with probability 0.49, one that fails "
        "in half of them with probability 0.25"),
])
def test_rule_sentence(k, text):
    assert text in words.rule_sentence(k)


def test_conclusions_frame_is_a_table_over_the_adequate_runs_only():
    table = pd.DataFrame([_row(), _row(seed=1, mardia_p=0.01), _row(seed=2, recall_mnd=0.0, n90_share=0.9)])
    failures = adequacy(table, REF)
    frame = words.conclusions_frame(conclusion_table(table), failures.apply(len) == 0)
    assert frame.index.tolist() == [words.CLAIM_WORDS[k] for k in CONCLUSIONS]
    col = frame["across the adequate runs"]
    assert col.iloc[0] == "holds: in 2 of 2 adequate runs" and col.iloc[1] == "depends: in 1 of 2 adequate runs"
    none = words.conclusions_frame(conclusion_table(table), pd.Series(False, index=table.index))
    assert set(none["across the adequate runs"]) == {"not measured (no adequate run has its figures)"}
    assert words.across_text("fails", 0, 1) == "fails: in 0 of 1 adequate run"


@pytest.mark.parametrize("vae, ae, start", [
    ([_vae()], [], "No comparison: the plain AE did not pass"),
    ([], [_row()], "No comparison: the VAE did not pass"),
    ([], [], "No comparison: the plain AE and the VAE did not pass"),
    ([_vae(fd_prior_lo=2.0, fd_prior_hi=6.0)], [_row()], "The VAE's prior samples score closer to real images"),
    ([_vae(fd_prior_lo=13.0, fd_prior_hi=16.0)], [_row()], "The plain AE's ex-post MND scores closer"),
    ([_vae()], [_row()], "The FD does not tell the VAE's prior samples from the plain AE's ex-post MND: FD 9 [7, 11]"),
    ([_vae(fd_prior_lo=math.nan)], [_row()], "The FD intervals of the VAE's prior or the AE's ex-post MND were not"),
])
def test_vae_sentence(vae, ae, start):
    frame = lambda rows: pd.DataFrame(rows, columns=list(_vae()))  # noqa: E731
    assert words.vae_sentence(frame(ae), frame(vae)).startswith(start)


@pytest.mark.parametrize("vae, ae, verdict", [
    ([], [_row()], "not testable here"),
    ([_vae(fd_prior_lo=2.0, fd_prior_hi=6.0)], [_row(fd_mnd_hi=36.0)], "holds"),  # AE's MND no better than a cube
    ([_vae(fd_prior_lo=2.0, fd_prior_hi=6.0)], [_row()], "partly"),
    ([_vae()], [_row()], "does not hold"),
    ([_vae(fd_prior_lo=13.0, fd_prior_hi=16.0)], [_row()], "does not hold"),
    ([_vae(fd_prior_hi=math.nan)], [_row()], "not testable here"),
])
def test_vae_needed_claim(vae, ae, verdict):
    rows = pd.DataFrame(ae + vae)
    ae_rows, vae_rows = rows[rows["variant"] == "plain AE"] if ae else rows.iloc[:0], \
        rows[rows["variant"] == "VAE"] if vae else rows.iloc[:0]
    claim = words.vae_needed_claim(ae_rows, vae_rows, conclusion_table(rows))
    assert claim["verdict"] == verdict and set(claim) == {"verdict", "figure", "section", "why"}


@pytest.mark.parametrize("ps, verdict", [([], "not testable here"), ([0.3, 0.5], "holds"),
                                         ([0.0125, 0.025], "does not hold"), ([0.3, 0.025], "partly")])
def test_unenforced_mnd_claim(ps, verdict):
    ae = pd.DataFrame([_row(seed=i, mardia_p=p) for i, p in enumerate(ps)], columns=list(_row()))
    claim = words.unenforced_mnd_claim(ae)
    assert claim["verdict"] == verdict and "batch normalisation is left to the CLI sweep" in claim["why"]


def test_scoring_sentence_names_the_feature_space():
    assert words.scoring_sentence(SUPERVISED) == ("The feature space is that of chapter 3's scoring network, trained "
                                                  "with supervision on the data's labels.")
    rotation = words.scoring_numbers(ROTATION)["scoring_space"]
    assert rotation.startswith("The data carry no labels, so the feature space is chapter 3's label-free one")


def test_verdict_note_and_sweep_numbers():
    assert words.verdict_note(0).startswith("Chapter 4's verdict on small-scale structure was skipped")
    assert words.verdict_note(19) == "Chapter 4's verdict ran with 19 null draws per run; the table counts its labels."
    assert dict(words.sweep_numbers(2, 1, ["plain AE", "VAE"])) == {"n_runs": "2", "n_adequate": "1", "n_variants": "2"}


def test_findings_record_and_the_headline_table():
    table = pd.DataFrame([_row(), _vae(), _vae(seed=1, active_units=0.0)])
    failures = adequacy(table, REF)
    record = words.findings_record({"epochs": 8}, table, failures, REF, "plain AE", "VAE")
    assert record["claims"]["unenforced_mnd"]["verdict"] == "holds"
    assert record["claims"]["vae_needed"]["verdict"] == "does not hold"
    assert record["variants"] == ["plain AE, seed 0", "VAE, seed 0"] and list(record["excluded"]) == ["VAE, seed 1"]
    assert record["across_variants"]["few_main_axes"] == "holds: in 2 of 2 adequate runs"
    assert set(record["across_variants"]) == {c.claim for c in CONCLUSIONS.values()}
    summary = words.headline_table(table, ("n90_share", "fd_prior", "origin_beyond_90"))
    assert summary["plain AE, seed 0"].tolist()[:2] == ["20.0 %", "–"] and summary.loc["FD: VAE prior", "VAE, seed 0"] == "9"
    assert set(summary.loc["origin outside the 90 % region"]) <= {"yes", "no"}


def test_headline_figure_has_one_panel_per_figure_and_a_row_per_variant():
    from latent_fragments.plots.generality import PANELS, plot_headline

    table = pd.DataFrame([_row("ae", 0, origin_heldout_closer=0.5), _row("ae", 1, origin_heldout_closer=0.6),
                          _vae(origin_heldout_closer=0.4)])
    fig = plot_headline(table)
    assert len(fig.axes) == len(PANELS)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["ae", "VAE"]
    fd = fig.axes[-1]
    assert {t.get_text() for t in fd.get_legend().get_texts()} == {"ex-post MND", "VAE prior N(0, I)"}


@pytest.mark.parametrize("changes, words_", [
    ([], "The sweep has no VAE run"),
    ([0.004], "This shows only that the loss had nearly stopped falling at the cap"),
    ([0.004, 0.03], "A run above it was still improving when it stopped and is excluded; for a run that passes: "
                    "this shows only"),
    ([0.03], "so the VAE is excluded from the comparison"),
    ([math.nan], "not measured (seed 0, fewer than 3 epochs)"),
])
def test_convergence_sentence_says_what_the_criterion_shows(changes, words_):
    vae = pd.DataFrame([_row("VAE", seed=i, model="vae", heldout_change=c) for i, c in enumerate(changes)])
    sentence = words.convergence_sentence(vae, 8)
    assert words_ in sentence
    if changes and all(c < 0.01 for c in changes):
        assert "does not show that the VAE reached its best ELBO" in sentence and "cap of 8 epochs" in sentence
        assert "falling 0.5 % every 2 epochs falls about 5 % more in 20" in sentence
