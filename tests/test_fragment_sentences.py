"""Tests of latent_fragments.stats.fragment_sentences: one test per branch of each chapter-3 sentence."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from latent_fragments.stats import fragment_sentences as say


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


@pytest.mark.parametrize("share, words", [(0.995, "outside almost all"), (0.9, "near its border, as the blog"),
                                           (0.5, "inside the bulk")])
def test_subspace_origin_branches(share, words):
    text = say.subspace_origin_sentence(_summary(share))
    assert words in text and "4.2 [4.0, 4.5]" in text and "10 leading principal axes" in text
    assert f"{100 * share:.1f} %" in text


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
                   "precision_hi": 0.8, "recall": 0.5} for name, (v, lo, hi) in fd.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_feature_space_discriminates_or_not():
    table = _table(real=(1.0, 0.5, 1.5), cube=(50.0, 45.0, 55.0))
    table.loc["cube", ["precision", "precision_lo", "precision_hi"]] = [0.02, 0.0, 0.05]
    assert "tell decoded cube points from faces." in say.feature_space_sentence(table, "cube", "real")
    table.loc["cube", "precision"] = 0.6
    table.loc["cube", "recall"] = 0.0
    text = say.feature_space_sentence(table, "cube", "real")
    assert "Precision alone does not separate them" in text and "FD (50.0 against 1.0)" in text
    table.loc["cube", "recall"] = 0.4
    assert "do not clearly tell" in say.feature_space_sentence(table, "cube", "real")


def test_ranking_all_some_none_ahead_and_real_reached():
    real = (1.0, 0.5, 1.5)
    all_ahead = _table(real=real, MND=(3.0, 2.0, 4.0), GMM=(2.5, 1.4, 3.5), cube=(50.0, 45.0, 55.0))
    text = say.ranking_sentence(all_ahead, ["MND", "GMM", "cube"], "cube", ["MND", "GMM"], "real")
    assert text.index("GMM 2.50 [1.40, 3.50]") < text.index("MND 3.00") < text.index("cube 50.00")
    assert "Every density model" in text and "GMM's interval reaches that of real images" in text
    some = _table(real=real, MND=(3.0, 2.0, 4.0), GMM=(40.0, 30.0, 50.0), cube=(50.0, 45.0, 55.0))
    text = say.ranking_sentence(some, ["MND", "GMM", "cube"], "cube", ["MND", "GMM"], "real")
    assert "Only MND is clearly ahead" in text and "No generator comes within" in text
    none = _table(real=real, MND=(48.0, 40.0, 56.0), GMM=(49.0, 41.0, 57.0), cube=(50.0, 45.0, 55.0))
    text = say.ranking_sentence(none, ["MND", "GMM", "cube"], "cube", ["MND", "GMM"], "real")
    assert "No density model is clearly ahead" in text


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
    better = _table(GMM=(2.0, 1.5, 2.5), MND=(4.0, 3.0, 5.0))
    assert "samples are better" in say.mixture_samples_sentence(better, "GMM", "MND")
    worse = _table(GMM=(6.0, 5.5, 6.5), MND=(4.0, 3.0, 5.0))
    assert "samples are worse" in say.mixture_samples_sentence(worse, "GMM", "MND")
    same = _table(GMM=(4.2, 3.5, 5.0), MND=(4.0, 3.0, 5.0))
    assert "cannot tell them apart" in say.mixture_samples_sentence(same, "GMM", "MND")


def test_memorisation_sentence_none_and_copies():
    table = pd.DataFrame({"median_nn": [4.0, 3.4, 3.5, 3.6], "ratio": [1.0, 0.85, 0.875, 0.9],
                          "share_close": [0.05, 0.2, 0.12, 0.06]}, index=["held-out", "recon", "MND", "cube"])
    text = say.memorisation_sentence(table, "recon")
    assert "no sign of memorisation" in text and "0.88 to 0.90 times" in text and "20.0 % of the held-out" in text
    assert "at most 12.0 %" in text
    table.loc["MND", "share_close"] = 0.4
    text = say.memorisation_sentence(table, "recon")
    assert "MND (40.0 %)" in text and "partly reproduce" in text and "cube (" not in text
    same = table.assign(ratio=[1.0, 0.85, 0.9, 0.9])
    assert " 0.90 times" in say.memorisation_sentence(same, "recon")
    # without a smoothing effect in the control, 3 x the quantile is the limit
    low_control = table.assign(share_close=[0.05, 0.0, 0.16, 0.1])
    assert "MND (16.0 %)" in say.memorisation_sentence(low_control, "recon")
