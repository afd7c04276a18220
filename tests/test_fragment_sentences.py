"""Tests of chapter 3's wording in latent_fragments.pages.pca_fragment: one test per branch of each sentence
and of each claim's verdict."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from latent_fragments.pages import pca_fragment as say


def test_shape_few_axes_and_many_axes():
    few = say.shape_sentence(12, 256, 3.0, 0.1)
    assert "12 of the 256 axes" in few and "30.0 times" in few and "as the blog describes" in few
    many = say.shape_sentence(150, 256, 2.0, 1.0)
    assert "spread over many axes (58.6 %" in many and "unlike" in many


def test_euclidean_origin_inside_and_outside():
    assert "nearer than a typical point" in say.euclidean_origin_sentence(0.45)
    outside = say.euclidean_origin_sentence(1.3)
    assert "1.30 times" in outside and "farther out than a typical point" in outside


def _summary(share: float) -> dict[str, float]:
    return {"n_axes": 10.0, "subspace_mahalanobis": 4.2, "subspace_mahalanobis_lo": 4.0,
            "subspace_mahalanobis_hi": 4.5, "subspace_median_point": 3.1, "subspace_share_closer": share,
            "full_mahalanobis": 30.0, "full_mahalanobis_lo": 29.0, "full_mahalanobis_hi": 31.0,
            "full_median_point": 16.0, "full_share_closer": 1.0}


@pytest.mark.parametrize("share, words", [(0.995, "outside almost all"), (0.9, "near its border"),
                                           (0.5, "inside the bulk")])
def test_subspace_origin_branches(share, words):
    text = say.subspace_origin_sentence(_summary(share))
    assert words in text and "4.20 [4.00, 4.50]" in text and "10 leading principal axes" in text
    assert f"{100 * share:.1f} %" in text
    # every branch defers the claim to chapter 2's full-space, out-of-sample judgement
    assert "does not decide the claim" in text and "chapter 2's judgement in the full latent space" in text


def test_full_origin_well_and_poorly_determined():
    good = say.full_origin_sentence(_summary(0.9), n_thin=200, dim=256)
    assert "29.0 to 31.0" in good and "resamples agree" in good and "100.0 %" in good
    bad = dict(_summary(0.9), full_mahalanobis_lo=32.0, full_mahalanobis_hi=39.0)
    text = say.full_origin_sentence(bad, n_thin=200, dim=256)
    assert "not well determined" in text and "200 of the 256" in text
    wide = dict(_summary(0.9), full_mahalanobis_lo=20.0, full_mahalanobis_hi=40.0)
    assert "not well determined" in say.full_origin_sentence(wide, n_thin=1, dim=256)


@pytest.mark.parametrize("share, words", [(0.8, "lighter"), (0.3, "heavier"), (0.5, "the two agree")])
def test_core_sentence_branches(share, words):
    text = say.core_sentence({"core_share": share, "core_share_mnd": 0.5}, 256)
    assert words in text and f"{100 * share:.1f} %" in text and "0.9973^256" in text


def test_hz_sentence_branches():
    assert say.hz_sentence(1e-5).startswith("normality is rejected at the 1.0 % level")
    assert "not rejected" in say.hz_sentence(0.3) and "as in the blog" in say.hz_sentence(0.3)


def test_path_sentence_interior_outside_and_within():
    rng = np.random.default_rng(0)
    d2_train = rng.chisquare(256, 5000)
    interior = say.path_sentence([250, 180, 128, 170, 260], d2_train, 256)
    assert "empty interior" in interior and "about 128" in interior and "starts at 250" in interior
    outside = say.path_sentence([700, 500, 420, 500, 800], d2_train, 256)
    assert "outside the training points' range" in outside
    within = say.path_sentence([260, 255, 256, 250, 258], d2_train, 256)
    assert "stays within the range" in within


def _table(**fd: tuple[float, float, float]) -> pd.DataFrame:
    rows = {name: {"FD": v, "FD_lo": lo, "FD_hi": hi, "KID": 0.01, "precision": 0.7, "precision_lo": 0.6,
                   "precision_hi": 0.8, "recall": 0.5, "p_same": 0.005} for name, (v, lo, hi) in fd.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


LABELS = {"real": "held-out images", "mnd": "MND", "gmm_10": "GMM k=10", "cube": "uniform cube b=0.12"}


def test_feature_space_discriminates_or_not():
    table = _table(real=(0.1, -0.5, 0.7), cube=(50.0, 45.0, 55.0))
    table.loc["real", "p_same"] = 0.4
    table.loc["cube", ["precision", "precision_lo", "precision_hi"]] = [0.02, 0.0, 0.05]
    assert "tell decoded cube points from faces." in say.feature_space_sentence(table, "cube", "real")
    table.loc["cube", "precision"] = 0.6
    text = say.feature_space_sentence(table, "cube", "real")
    assert "Precision alone does not separate them" in text and "permutation test (p = 0.005)" in text
    assert "FD (50.00 [45.00, 55.00] against 0.10 [-0.50, 0.70])" in text
    table.loc["cube", "p_same"] = 0.3  # the test does not tell them apart
    assert "do not clearly tell" in say.feature_space_sentence(table, "cube", "real")
    table.loc["cube", ["p_same", "FD_lo"]] = [0.005, 0.5]  # the FD intervals overlap
    assert "do not clearly tell" in say.feature_space_sentence(table, "cube", "real")


def test_ranking_all_some_none_ahead_and_real_reached():
    real = (1.0, 0.5, 1.5)
    keys = ["mnd", "gmm_10", "cube"]
    all_ahead = _table(real=real, mnd=(3.0, 2.0, 4.0), gmm_10=(2.5, 1.4, 3.5), cube=(50.0, 45.0, 55.0))
    text = say.ranking_sentence(all_ahead, LABELS, keys, "cube", ["mnd", "gmm_10"], "real")
    assert text.index("GMM k=10 2.50 [1.40, 3.50]") < text.index("MND 3.00") < text.index("uniform cube b=0.12 50.00")
    assert "Every density model" in text and "GMM k=10's interval reaches that of real images" in text
    assert "gmm_10" not in text  # keys never reach the page
    some = _table(real=real, mnd=(3.0, 2.0, 4.0), gmm_10=(40.0, 30.0, 50.0), cube=(50.0, 45.0, 55.0))
    text = say.ranking_sentence(some, LABELS, keys, "cube", ["mnd", "gmm_10"], "real")
    assert "Only MND is clearly ahead" in text and "No generator comes within" in text
    none = _table(real=real, mnd=(48.0, 40.0, 56.0), gmm_10=(49.0, 41.0, 57.0), cube=(50.0, 45.0, 55.0))
    text = say.ranking_sentence(none, LABELS, keys, "cube", ["mnd", "gmm_10"], "real")
    assert "No density model is clearly ahead" in text


def test_distinguishable_all_and_some():
    table = _table(real=(0.1, -0.5, 0.7), mnd=(3.0, 2.0, 4.0), cube=(50.0, 45.0, 55.0))
    table["p_same"] = [0.3, 0.01, 0.005]
    text = say.distinguishable_sentence(table, LABELS, ["mnd", "cube"], "real")
    assert "tells every generator's images from real ones at the 5 % level (p ≤ 0.01 each)" in text
    assert "no difference is expected, the permutation test gives p = 0.3" in text
    table.loc["mnd", "p_same"] = 0.2
    text = say.distinguishable_sentence(table, LABELS, ["mnd", "cube"], "real")
    assert "cannot tell MND (p = 0.2) from real images" in text and "uniform cube" not in text


def _selection(lls: dict[int, float], bic_best: int) -> pd.DataFrame:
    bic = {k: (0.0 if k == bic_best else 10.0) for k in lls}
    return pd.DataFrame({"held_out_loglik": lls, "bic": bic}).rename_axis("k")


def test_mixture_sentence_single_best_mixture_best_and_edge():
    single = say.mixture_sentence(_selection({1: 800.0, 2: 500.0, 10: -9000.0}, 1))
    assert "single Gaussian describes unseen z-points best" in single and "800.0 (k = 1)" in single
    middle = say.mixture_sentence(_selection({1: 360.0, 4: 380.5, 10: 370.0}, 4))
    assert "k = 4 describes unseen z-points best, 20.5 nats" in middle and "largest k tried" not in middle
    edge = say.mixture_sentence(_selection({1: 360.0, 4: 380.0, 10: 390.0}, 10))
    assert "largest k tried" in edge and "BIC on the training points chooses k = 10" in edge


def test_mixture_samples_better_worse_overlap():
    better = _table(gmm_10=(2.0, 1.5, 2.5), mnd=(4.0, 3.0, 5.0))
    text = say.mixture_samples_sentence(better, LABELS, "gmm_10", "mnd")
    assert "samples are better" in text and text.startswith("Decoded, GMM k=10 scores FD∞ 2.00 [1.50, 2.50]")
    worse = _table(gmm_10=(6.0, 5.5, 6.5), mnd=(4.0, 3.0, 5.0))
    assert "samples are worse" in say.mixture_samples_sentence(worse, LABELS, "gmm_10", "mnd")
    same = _table(gmm_10=(4.2, 3.5, 5.0), mnd=(4.0, 3.0, 5.0))
    assert "cannot tell them apart" in say.mixture_samples_sentence(same, LABELS, "gmm_10", "mnd")


def test_memorisation_sentence_none_and_copies():
    table = pd.DataFrame({"median_nn": [4.0, 3.4, 3.5, 3.6], "ratio": [1.0, 0.85, 0.875, 0.9],
                          "share_close": [0.05, 0.2, 0.12, 0.06]}, index=["held-out", "recon", "mnd", "cube"])
    text = say.memorisation_sentence(table, LABELS, "recon")
    assert "no sign of memorisation" in text and "0.88 to 0.90 times" in text and "20.0 % of the held-out" in text
    assert "at most 12.0 %" in text
    table.loc["mnd", "share_close"] = 0.4
    text = say.memorisation_sentence(table, LABELS, "recon")
    assert "MND (40.0 %)" in text and "partly reproduce" in text and "cube (" not in text
    same = table.assign(ratio=[1.0, 0.85, 0.9, 0.9])
    assert " 0.90 times" in say.memorisation_sentence(same, LABELS, "recon")
    # without a smoothing effect in the control, 3 x the quantile is the limit
    low_control = table.assign(share_close=[0.05, 0.0, 0.16, 0.1])
    assert "MND (16.0 %)" in say.memorisation_sentence(low_control, LABELS, "recon")


# --- the claims chapter 3 decides -------------------------------------------------------------------

@pytest.mark.parametrize("n90, verdict", [((12, 10, 14), "holds"), ((60, 55, 70), "partly"),
                                          ((150, 140, 160), "does not hold")])
def test_axes_claim_branches(n90, verdict):
    claim = say.axes_claim(n90, 256)
    assert claim["verdict"] == verdict and f"{n90[0]} of 256 principal axes" in claim["figure"]
    assert f"interval {n90[1]} to {n90[2]}" in claim["figure"] and claim["section"].startswith("Chapter 3")


def _per_pc(skews: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"skew": skews, "kurtosis": [0.2] * len(skews), "shapiro_p": [0.5] * len(skews)})


@pytest.mark.parametrize("skews, verdict", [([0.1, -0.2, 0.3, 0.0], "holds"), ([0.1, -1.3, 0.3, 0.0], "partly"),
                                            ([0.9, -1.3, 0.8, 0.0], "does not hold")])
def test_mnd_claim_branches(skews, verdict):
    claim = say.mnd_claim(_per_pc(skews + [5.0]), 4, 5400)  # the fifth axis is not a leading one
    assert claim["verdict"] == verdict
    largest = max(abs(s) for s in skews)
    assert f"largest |skewness| is {largest:.2f} ± 0.03" in claim["figure"]


def test_mnd_claim_counts_kurtosis_too():
    per_pc = _per_pc([0.1, 0.1, 0.1, 0.1]).assign(kurtosis=[0.0, 0.0, 2.0, 2.5])
    claim = say.mnd_claim(per_pc, 4, 540)
    assert claim["verdict"] == "partly" and claim["figure"].startswith("2 of the 4 leading")


@pytest.mark.parametrize("share, hz_p, verdict, why", [
    (0.9, 0.2, "holds", "not rejected"), (0.9, 1e-6, "partly", "but its normality is rejected"),
    (0.5, 0.2, "partly", "not shown to hold more than 80 %"), (0.5, 1e-6, "does not hold", "not shown")])
def test_core_claim_branches(share, hz_p, verdict, why):
    core = {"n_points": 5400.0, "core_share": share, "hz_p": hz_p, "hz_dims": 10.0}
    claim = say.core_claim(core)
    assert claim["verdict"] == verdict and why in claim["why"]
    assert f"core {100 * share:.1f} % of 5,400 points" in claim["figure"]


def test_core_claim_needs_the_interval_above_80_percent():
    # 81 % of 540 points: the binomial interval reaches below 80 %
    claim = say.core_claim({"n_points": 540.0, "core_share": 0.81, "hz_p": 0.2, "hz_dims": 10.0})
    assert claim["verdict"] == "partly"


def _precision_table(mnd: tuple[float, float, float]) -> pd.DataFrame:
    rows = {"held_out": (0.7, 0.65, 0.75), "mnd": mnd, "cube": (0.05, 0.02, 0.08)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["precision", "precision_lo", "precision_hi"])


@pytest.mark.parametrize("mnd, verdict", [((0.62, 0.55, 0.68), "holds"), ((0.4, 0.33, 0.47), "partly"),
                                          ((0.07, 0.03, 0.11), "does not hold")])
def test_faces_claim_branches(mnd, verdict):
    claim = say.faces_claim(_precision_table(mnd), "mnd", "cube", "held_out")
    assert claim["verdict"] == verdict
    assert claim["figure"].startswith(f"precision of decoded MND points {mnd[0]:.2f} [{mnd[1]:.2f}, {mnd[2]:.2f}]")


def test_fragment_claims_keys():
    core = {"n_points": 5400.0, "core_share": 0.9, "hz_p": 0.2, "hz_dims": 10.0}
    claims = say.fragment_claims((3, 2, 4), 256, _per_pc([0.1, 0.2, 0.3]), 5400, core,
                                 _precision_table((0.62, 0.55, 0.68)), "cube", "held_out")
    assert set(claims) == {"few_main_axes", "close_to_mnd", "dense_core_mnd", "faces_from_region"}
    assert {claim["verdict"] for claim in claims.values()} == {"holds"}
