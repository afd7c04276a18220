"""Tests of chapter 4's verdict (latent_fragments.stats.filaments: nulls, calibration, verdict, carriage).

The verdict is tested on control clouds whose answer is known (:func:`control_cloud`), each run once:
the Gaussian at the chapter's default of 19 null draws per null (alpha 0.05), the others, whose answer is
certain, with 9 draws at alpha 0.1 (the smallest p-value 9 draws can give). The calibration of the
global test is checked on simulated statistics with a known fitting bias. Whole file: about a minute
on two cores.
"""
from __future__ import annotations

import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from latent_fragments.config import REPO_ROOT  # noqa: E402
from latent_fragments.plots import filaments as fp  # noqa: E402
from latent_fragments.stats import filaments as fl  # noqa: E402
from latent_fragments.stats.gaussian import Gaussian  # noqa: E402

K_SIGMA = 4.0
N_STATS = len(fl.FILAMENT_STATISTICS)


def _verdict(kind: str, n: int, dim: int, seed: int, **options) -> fl.FilamentVerdict:
    return fl.filament_verdict(fl.control_cloud(kind, n, dim, np.random.default_rng(seed)), seed=seed, **options)


@pytest.fixture(scope="module")
def gaussian_verdict() -> fl.FilamentVerdict:
    return _verdict("gaussian", 2000, 64, seed=1)  # the chapter's defaults: 19 draws, alpha 0.05


@pytest.fixture(scope="module")
def t_verdict() -> fl.FilamentVerdict:
    return _verdict("student_t", 1200, 64, seed=2, n_null_draws=9, alpha=0.1)


# --------------------------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------------------------

def test_gaussian_control_is_consistent_with_mnd(gaussian_verdict):
    v = gaussian_verdict
    assert v.label == "consistent_with_mnd"
    assert v.n_null_draws == 19 and v.alpha == 0.05 and v.n_points == 2000
    assert not any(t.flagged.any() for t in v.tests.values())
    # relative differences of the continuous statistics are small: the fitting bias is removed
    for test in v.tests.values():
        assert np.all(np.abs(test.relative[:7]) < 0.05), test.relative
        assert 1 / 20 <= test.p_value <= 1 and np.all(np.isfinite(test.standardised))
    assert v.scale > fl.RESOLVED_SCALE  # 2,000 points in ~17 effective dimensions resolve no small scales
    assert v.sentence == fl.verdict_sentence(v.label, v.tests["mnd"], v.tests["radius_matched"], v.scale,
                                             v.alpha, v.min_effect)
    assert "consistent with a multivariate normal" in v.sentence and "p = " in v.sentence


def test_verdict_table_has_every_statistic_against_both_nulls(gaussian_verdict):
    table = gaussian_verdict.table
    assert list(table.index) == list(fl.FILAMENT_STATISTICS)
    for name in fl.NULL_MODELS.values():
        for column in ("mean", "standardised", "relative", "p (adjusted)"):
            assert f"{name}: {column}" in table.columns
    assert np.allclose(table["data"], gaussian_verdict.tests["mnd"].data)
    assert set(gaussian_verdict.p_values) == {"mnd", "radius_matched"}


def test_student_t_control_is_large_scale_never_small_scale(t_verdict):
    assert t_verdict.label == "large_scale_non_gaussian"
    mnd, radius = t_verdict.tests["mnd"], t_verdict.tests["radius_matched"]
    radial = fl.FILAMENT_STATISTICS.index("Mahalanobis radius sd / mean")
    assert mnd.flagged[radial] and mnd.relative[radial] > 1.0  # heavy tails: radii spread far wider
    assert not radius.flagged.any()  # the radius-matched null has the same tails
    assert "not from the radius-matched null" in t_verdict.sentence


def test_curves_control_gets_a_small_scale_label():
    v = _verdict("curves", 1200, 64, seed=3, n_null_draws=9, alpha=0.1)
    assert v.label in ("continuous_small_scale_structure", "separate_clusters")
    lb = fl.FILAMENT_STATISTICS.index("Levina–Bickel dimension")
    assert v.tests["radius_matched"].flagged[lb] and v.tests["radius_matched"].data[lb] < 3  # curves are 1-D
    assert v.scale < fl.RESOLVED_SCALE
    assert "curved, lower-dimensional surface" in v.sentence


def test_cluster_control_is_separate_clusters():
    v = _verdict("clusters", 1200, 64, seed=4, n_null_draws=9, alpha=0.1, max_points=1000)
    assert v.label == "separate_clusters" and v.n_points == 1000 and len(v.indices) == 1000
    assert v.tests["radius_matched"].data[fl.FILAMENT_STATISTICS.index("HDBSCAN clusters")] == 5
    assert "breaks into separate dense pieces" in v.sentence


def test_controls_validate_their_kind():
    with pytest.raises(ValueError, match="unknown control"):
        fl.control_cloud("spiral", 10, 4, np.random.default_rng(0))
    x = fl.control_cloud("gaussian", 20000, 64, np.random.default_rng(0))
    variances = np.sort(np.linalg.eigvalsh(np.cov(x, rowvar=False)))[::-1]
    assert variances[:15].sum() / variances.sum() == pytest.approx(0.9, abs=0.01)


# --------------------------------------------------------------------------------------------
# Calibration on simulated statistics (known answer, no point clouds)
# --------------------------------------------------------------------------------------------

def _simulated_test(rng: np.random.Generator, b: int = 19, s: int = 5, effect: float = 0.0,
                    bias: float = 3.0) -> tuple[float, np.ndarray]:
    """Statistics with a fitting bias: a fitted null's expectation is off by ``bias`` (and correlated)."""
    def noise(size):
        eps = rng.standard_normal(size)
        return eps, 0.3 * eps + 0.6 * rng.standard_normal(size)

    eps0, eta0 = noise(s)
    fit0 = bias + eta0
    eps, eta = noise((b, s))
    first = fit0 + eps
    second = fit0 + bias + eta + rng.standard_normal((b, s))
    data = eps0 + effect * (np.arange(s) == 0)
    null_mean, data_std, rep_std = fl.standardised_differences(data, first, second)
    return fl.global_p_values(data_std, rep_std)[0], null_mean


def test_global_test_is_calibrated_despite_a_fitting_bias():
    rng = np.random.default_rng(5)
    p_values, centres = zip(*(_simulated_test(rng) for _ in range(1000)))
    rate = np.mean(np.array(p_values) <= 0.05)
    assert rate <= 0.05 + K_SIGMA * math.sqrt(0.05 * 0.95 / 1000)  # conservative by construction
    # the corrected null mean estimates the data's expectation (0), not the fitted null's (3)
    centres = np.array(centres)
    assert abs(centres.mean()) < K_SIGMA * centres.std() / math.sqrt(centres.size)
    powerful = np.mean([_simulated_test(rng, effect=8.0)[0] <= 0.05 for _ in range(200)])
    assert powerful > 0.9


def test_global_p_values_rank_the_largest_difference():
    data = np.array([0.5, -3.0])
    replicates = np.array([[1.0, 0.0], [0.0, -2.0], [4.0, 0.0]])  # maxima 1, 2, 4
    p, adjusted, rep_max = fl.global_p_values(data, replicates)
    assert np.allclose(rep_max, [1, 2, 4])
    assert p == pytest.approx(2 / 4)  # only the replicate with 4 reaches 3
    assert np.allclose(adjusted, [4 / 4, 2 / 4])


def test_counts_that_are_zero_in_every_draw_give_finite_differences():
    first = np.zeros((19, N_STATS))
    first[:, 0] = np.random.default_rng(6).normal(10, 1, 19)
    second = first.copy()
    second[:, 0] = np.random.default_rng(7).normal(10, 1, 19)
    data = np.zeros(N_STATS)
    data[0], data[7] = 10.0, 5.0  # five clusters where no null draw has one
    _, data_std, rep_std = fl.standardised_differences(data, first, second, fl.SD_FLOORS)
    assert np.all(np.isfinite(data_std)) and np.all(np.isfinite(rep_std))
    assert data_std[7] == pytest.approx(5.0 / 0.5)  # the floor: half a cluster
    assert data_std[8] == 0.0 and np.all(rep_std[:, 7] == 0.0)
    with pytest.raises(ValueError, match="at least 3"):
        fl.standardised_differences(data, first[:2], second[:2])


# --------------------------------------------------------------------------------------------
# Labels and sentences: one check per branch
# --------------------------------------------------------------------------------------------

def _test(kind: str, flagged: dict[str, float] | None = None, clusters: float = 0.0) -> fl.NullTest:
    """A NullTest with the given statistics flagged at the given relative differences."""
    flagged = flagged or {}
    rel = np.array([flagged.get(name, 0.0) for name in fl.FILAMENT_STATISTICS])
    data = np.ones(N_STATS)
    data[7] = clusters
    return fl.NullTest(kind, data, np.ones(N_STATS), 10 * rel, rel, np.where(rel != 0, 0.05, 1.0), rel != 0,
                       0.05 if flagged else 0.6, np.full(19, 3.0))


@pytest.mark.parametrize("mnd, radius, label", [
    (_test("mnd"), _test("radius_matched"), "consistent_with_mnd"),
    (_test("mnd", {"mean 1-NN distance": -0.2}), _test("radius_matched"), "large_scale_non_gaussian"),
    (_test("mnd"), _test("radius_matched", {"Mahalanobis radius sd / mean": 0.5}), "consistent_with_mnd"),
    (_test("mnd"), _test("radius_matched", {"TwoNN dimension": -0.3}), "continuous_small_scale_structure"),
    (_test("mnd"), _test("radius_matched", {"HDBSCAN clusters": 4.0}, clusters=4), "separate_clusters"),
    (_test("mnd"), _test("radius_matched", {"HDBSCAN clusters": 1.0}, clusters=1),
     "continuous_small_scale_structure"),  # one cluster is not "separate clusters"
    (_test("mnd"), _test("radius_matched", {"HDBSCAN clusters": -1.0}), "continuous_small_scale_structure"),
])
def test_verdict_label_in_its_order(mnd, radius, label):
    assert fl.verdict_label(mnd, radius) == label


@pytest.mark.parametrize("label, words", [
    ("consistent_with_mnd", "consistent with a multivariate normal (which does not prove it is one)"),
    ("large_scale_non_gaussian", "its radial profile is not Gaussian"),
    ("continuous_small_scale_structure", "small-scale structure that is continuous"),
    ("separate_clusters", "This agrees with the blog's first post"),
])
def test_verdict_sentence_per_label(label, words):
    mnd = _test("mnd", {"mean 1-NN distance": -0.2})
    radius = _test("radius_matched", {"HDBSCAN clusters": 3.0, "TwoNN dimension": -0.25}, clusters=3)
    sentence = fl.verdict_sentence(label, mnd, radius, scale=0.5, alpha=0.05, min_effect=0.05)
    assert words in sentence and "at least 5%" in sentence
    with pytest.raises(ValueError, match="unknown label"):
        fl.verdict_sentence("filaments", mnd, radius, 0.5, 0.05, 0.05)


def test_departures_text_lists_flagged_statistics():
    text = fl.departures_text(_test("mnd", {"mean 1-NN distance": -0.123}))
    assert text == "mean 1-NN distance (-12.3%, standardised -1.2)"
    assert fl.departures_text(_test("mnd")) == "no statistic"


def test_surface_sentence_needs_lower_dimension_and_closer_neighbours():
    both = _test("radius_matched", {"Levina–Bickel dimension": -0.3, "mean 1-NN distance": -0.2})
    assert "curved, lower-dimensional surface" in fl.surface_sentence(both)
    only_dim = _test("radius_matched", {"Levina–Bickel dimension": -0.3})
    assert "locally lower-dimensional (Levina–Bickel 1.0 against 1.0" in fl.surface_sentence(only_dim)
    assert "no closer neighbours" in fl.surface_sentence(only_dim)
    higher = _test("radius_matched", {"Levina–Bickel dimension": 0.3, "mean 1-NN distance": -0.2})
    assert "no significant sign of a lower-dimensional surface" in fl.surface_sentence(higher)


def test_scale_resolution_and_sentence():
    gaussian = Gaussian.from_moments(np.zeros(2), np.eye(2))  # trace 2
    m = fl.CloudMeasures(np.array([[1.0], [1.0], [3.0]]), np.zeros((3, 1), int), np.ones(2), np.zeros(3, int),
                         {}, np.ones(3), gaussian)
    assert fl.scale_resolution(m) == pytest.approx(0.5)  # median 1-NN 1 over sqrt(2 * 2)
    assert "does not resolve scales much smaller than the cloud itself" in fl.scale_sentence(0.5)
    assert "at about 50% of its own size" in fl.scale_sentence(0.5)
    assert "resolves scales well below" in fl.scale_sentence(0.1)


def _profile(bulk_observed: float, far_observed: float) -> pd.DataFrame:
    return pd.DataFrame([
        {"criterion": "any axis", "threshold": 3.0, "observed": bulk_observed, "expected": 0.5, "se": 0.01},
        {"criterion": "any axis", "threshold": 5.0, "observed": far_observed, "expected": 1e-4, "se": 1e-4},
    ])


@pytest.mark.parametrize("bulk, far, words", [
    (0.40, 1e-2, "lighter tails than an MND, the far tails much heavier"),
    (0.50, 1e-2, "The far tails are much heavier"),
    (0.40, 1e-4, "lighter tails than an MND, and the far tails are no heavier"),
    (0.50, 1e-4, "no heavier than an MND's"),
])
def test_tails_sentence(bulk, far, words):
    assert words in fl.tails_sentence(_profile(bulk, far))


# --------------------------------------------------------------------------------------------
# Null models
# --------------------------------------------------------------------------------------------

def test_radius_matched_null_keeps_the_radii_and_the_covariance():
    rng = np.random.default_rng(8)
    z = fl.control_cloud("student_t", 4000, 32, rng)
    null = fl.radius_matched_null(z, 4000, rng)
    gaussian = fl.fit_null(z, "mnd").gaussian
    assert stats.ks_2samp(gaussian.mahalanobis(z), gaussian.mahalanobis(null)).pvalue > 1e-3
    mnd = fl.null_model(z, 4000, rng)
    assert stats.ks_2samp(gaussian.mahalanobis(z), gaussian.mahalanobis(mnd)).pvalue < 1e-6  # t has heavy tails
    # the covariance is kept: per-axis variances agree within ~4 standard errors of a heavy-tailed sample
    ratio = null.var(axis=0) / z.var(axis=0)
    assert np.all(np.abs(ratio - 1) < 0.25) and abs(ratio.mean() - 1) < 0.05
    with pytest.raises(ValueError, match="unknown null"):
        fl.fit_null(z, "uniform")


# --------------------------------------------------------------------------------------------
# Label carriage against a linear model of z
# --------------------------------------------------------------------------------------------

def test_label_carriage_separates_large_scale_trends_from_small_scale_labels():
    rng = np.random.default_rng(9)
    n = 3000
    ring = rng.integers(0, 8, n)  # 8 small clusters on a circle; their parity is no linear function of z
    angle = 2 * math.pi * ring / 8
    x = np.zeros((n, 16))
    x[:, 0], x[:, 1] = 10 * np.cos(angle), 10 * np.sin(angle)
    x += rng.normal(size=(n, 16))
    labels = pd.DataFrame({"parity": ring % 2, "side": (x[:, 0] > 0).astype(int)})
    _, idx = fl.knn_search(x, k=20)
    table = fl.label_carriage(idx, labels, scores=fl.large_scale_coordinates(x), rng=rng, n_boot=100)
    assert table.loc["parity", "carried"] == 1.0 and table.loc["parity", "lift over linear"] > 1.5
    # the side of the circle is a linear trend: neighbours share it far above chance, but not above the model
    assert table.loc["side", "lift"] > 1.5 and table.loc["side", "carried"] == 0.0
    assert abs(table.loc["side", "lift over linear"] - 1) < 0.05
    assert list(table.index) == ["parity", "side"]
    assert fl.carriage_sentence(table).startswith("The small scales carry ground truth: the 20 nearest")
    assert "'parity'" in fl.carriage_sentence(table)
    assert "carry no ground truth beyond" in fl.carriage_sentence(table.loc[["side"]])
    assert "no discrete labels" in fl.carriage_sentence(table.iloc[:0])


# --------------------------------------------------------------------------------------------
# Figure and benchmark
# --------------------------------------------------------------------------------------------

def test_plot_verdict(gaussian_verdict):
    fig = fp.plot_verdict(gaussian_verdict)
    ax = fig.axes[0]
    assert fig.get_figwidth() == pytest.approx(10.0) and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_yticklabels()) == N_STATS
    plt.close(fig)


def test_bench_verdict_fpr_smoke():
    out = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "bench_verdict_fpr.py"), "--n", "300",
                          "--dim", "16", "--seeds", "2", "--draws", "3", "--alpha", "0.25"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert "false-positive rate" in out and "2 seeds" in out


def test_whole_cloud_sentence():
    sample = {"points": 6000.0, "TwoNN dimension": 20.04, "Levina–Bickel dimension": 16.5}
    whole = {"points": 153000.0, "TwoNN dimension": 19.0, "Levina–Bickel dimension": 16.0}
    assert fl.whole_cloud_sentence(sample, whole) == ("Here: TwoNN 20.0 on the sample of 6,000 against 19.0 on all "
                                                      "153,000 points, Levina–Bickel 16.5 against 16.0.")
    assert "the sample is the whole cloud (6,000 points)" in fl.whole_cloud_sentence(sample, None)
