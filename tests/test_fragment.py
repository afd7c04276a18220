"""Tests of latent_fragments.stats.fragment, latent_fragments.plots.fragment and the chapter-3 generators of latent_fragments.stats.generators.

Statistical tolerances are K_SIGMA standard errors of the estimate under test, derived from the
sample size (so a correct implementation fails with probability far below 1e-4 per check); seeds
are fixed anyway. Figures use the Agg backend on small data and are closed.
"""
from __future__ import annotations

import math
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from latent_fragments.plots.style import Cloud
from latent_fragments.plots.fragment import (
    plot_principal_planes,
    plot_qq,
    plot_quality,
    plot_sigma_extent,
    plot_spectrum,
)
from latent_fragments.stats.fragment import (
    core_expected_share,
    core_mask,
    core_normality,
    normality_by_component,
    origin_in_subspace,
    origin_position,
)
from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.generators import (
    GaussianMixtureGenerator,
    Generator,
    TruncatedNormal,
    UniformEllipsoid,
)
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse
from scipy import special, stats

K_SIGMA = 4.0
VARIANCES = np.array([16.0, 9.0, 5.0, 3.0, 2.0, 1.0, 0.5, 0.25])  # well separated eigenvalues


def _rotation(dim: int, seed: int = 7) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))  # a uniformly random orthogonal matrix


def _gaussian(n: int, variances: np.ndarray = VARIANCES, mean: np.ndarray | None = None,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points of a normal with principal axes = columns of a random rotation; returns (z, rot, mean)."""
    dim = len(variances)
    rot = _rotation(dim)
    mean = np.linspace(-3.0, 5.0, dim) if mean is None else mean
    e = np.random.default_rng(seed).standard_normal((n, dim)) * np.sqrt(variances)
    return mean + e @ rot.T, rot, mean


# --------------------------------------------------------------------------------------------
# Gaussian
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gauss():
    z, rot, mean = _gaussian(20_000)
    return z, rot, mean, Gaussian.fit(z)


def test_fragment_recovers_variances_and_axes(gauss):
    z, rot, mean, frag = gauss
    n = len(z)
    assert frag.dim == 8 and frag.n_points == n
    assert frag.components.shape == (8, 8) and frag.variances.shape == (8,)
    assert np.all(np.diff(frag.variances) <= 0)
    # standard error of a sample variance of normal data: var * sqrt(2 / n)
    assert np.all(np.abs(frag.variances - VARIANCES) <= K_SIGMA * VARIANCES * math.sqrt(2.0 / n))
    np.testing.assert_allclose(frag.explained_ratio.sum(), 1.0)
    np.testing.assert_allclose(frag.components @ frag.components.T, np.eye(8), atol=1e-10)
    dots = np.abs(np.sum(frag.components * rot.T, axis=1))  # axis i against true axis i
    assert np.all(dots > 0.99), dots
    # mean within K_SIGMA standard errors (SE per coordinate sqrt(cov_ii / n))
    true_cov = (rot * VARIANCES) @ rot.T
    assert np.all(np.abs(frag.mean - mean) <= K_SIGMA * np.sqrt(np.diag(true_cov) / n))
    np.testing.assert_allclose(frag.cov, np.cov(z, rowvar=False), atol=1e-9)


def test_fragment_transformations(gauss):
    z, _, _, frag = gauss
    scores = frag.to_pca(z[:500])
    np.testing.assert_allclose(frag.from_pca(scores), z[:500], atol=1e-9)
    white = frag.whiten(z[:500])
    np.testing.assert_allclose(white, scores / np.sqrt(frag.variances))
    np.testing.assert_allclose(frag.unwhiten(white), z[:500], atol=1e-9)
    # scores of the fitting data: mean 0, covariance diag(variances)
    all_scores = frag.to_pca(z)
    np.testing.assert_allclose(all_scores.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(np.cov(all_scores, rowvar=False), np.diag(frag.variances), atol=1e-8)
    # leading components only
    assert frag.to_pca(z[:10], n_components=3).shape == (10, 3)
    np.testing.assert_allclose(frag.whiten(z[:10], 3), white[:10, :3])
    partial = frag.from_pca(scores[:, :3])
    np.testing.assert_allclose(frag.to_pca(partial)[:, 3:], 0.0, atol=1e-9)
    # Mahalanobis distance from the whitened scores equals the one of the fitted moments
    np.testing.assert_allclose(frag.mahalanobis(z[:200]),
                               Gaussian.from_moments(frag.mean, frag.cov).mahalanobis(z[:200]), rtol=1e-8)


def test_n_components_for():
    frag = Gaussian.fit(_gaussian(2000)[0])
    cumulative = np.cumsum(frag.explained_ratio)
    for fraction in (0.1, 0.5, 0.9, 0.95, 0.99, 1.0):
        k = frag.n_components_for(fraction)
        assert cumulative[k - 1] >= fraction - 1e-12
        assert k == 1 or cumulative[k - 2] < fraction
    assert frag.n_components_for(1.0) <= 8
    exact = Gaussian(mean=np.zeros(4), components=np.eye(4), variances=np.array([4.0, 3.0, 2.0, 1.0]),
                     explained_ratio=np.array([0.4, 0.3, 0.2, 0.1]))
    assert [exact.n_components_for(f) for f in (0.4, 0.41, 0.7, 0.9, 0.95, 1.0)] == [1, 2, 2, 3, 4, 4]
    with pytest.raises(ValueError):
        frag.n_components_for(0.0)


def test_fragment_sign_convention_and_degenerate_axis():
    rng = np.random.default_rng(3)
    z = np.column_stack([rng.normal(size=500), 2 * rng.normal(size=500), np.full(500, 4.0)])
    frag = Gaussian.fit(z)
    assert frag.variances[-1] == pytest.approx(0.0, abs=1e-12)
    pivots = np.argmax(np.abs(frag.components), axis=1)
    assert np.all(frag.components[np.arange(3), pivots] > 0)
    assert np.all(np.isfinite(frag.whiten(z))) and np.isfinite(frag.centre_distance_sigma())


def test_origin_position_known_distance():
    dim, n, d = 5, 20_000, 2.5
    variances = np.array([9.0, 4.0, 2.0, 1.0, 0.5])
    rot = _rotation(dim)  # the rotation _gaussian uses
    # mean at Mahalanobis distance d from the origin, along the second principal axis
    mean = d * math.sqrt(variances[1]) * rot[:, 1]
    z, _, _ = _gaussian(n, variances, mean=mean, seed=5)
    frag = Gaussian.fit(z)
    pos = origin_position(frag, z)
    assert pos["origin_mahalanobis"] == pytest.approx(frag.centre_distance_sigma())
    # SE of d0: mean error (1 / sqrt n in whitened units) and sigma error (relative sqrt(1 / 2n))
    se_d = math.sqrt(1.0 / n + d**2 / (2.0 * n))
    assert abs(pos["origin_mahalanobis"] - d) <= K_SIGMA * se_d
    p = stats.chi2.cdf(d**2, dim)
    assert pos["share_closer_mnd"] == pytest.approx(stats.chi2.cdf(pos["origin_mahalanobis"] ** 2, dim))
    # SE of the share: binomial part plus the propagated uncertainty of d0 (chi density at d)
    se_share = math.sqrt(p * (1 - p) / n + (stats.chi.pdf(d, dim) * se_d) ** 2)
    assert abs(pos["share_closer_than_origin"] - p) <= K_SIGMA * se_share
    assert pos["origin_euclidean"] == pytest.approx(np.linalg.norm(frag.mean))
    assert pos["mean_radius_about_centre"] == pytest.approx(np.linalg.norm(z - frag.mean, axis=1).mean())
    assert pos["origin_radius_ratio"] == pytest.approx(pos["origin_euclidean"] / pos["mean_radius_about_centre"])
    # an origin far outside the cloud: every point is closer to the centre
    far = origin_position(Gaussian.fit(z + 100.0), z + 100.0)
    assert far["share_closer_than_origin"] == 1.0 and far["origin_radius_ratio"] > 10


def test_origin_in_subspace_known_position():
    """A normal cloud whose centre lies 2.5 sigma from the origin along its first axis and 0.6 sigma along
    its last (thinnest) axis: within the leading 2 axes the origin's distance is 2.5; in all 8 axes it is
    sqrt(2.5^2 + 0.6^2) = 2.57. Each whitened coordinate has SE about sqrt(1/n + c^2 / 2n)."""
    n = 4000
    rot = _rotation(8)
    mean = 2.5 * math.sqrt(VARIANCES[0]) * rot[:, 0] + 0.6 * math.sqrt(VARIANCES[-1]) * rot[:, -1]
    z, _, _ = _gaussian(n, mean=mean, seed=11)
    summary, table = origin_in_subspace(z, n_axes=2, n_boot=60, rng=np.random.default_rng(0))
    se = math.sqrt(1.0 / n + 2.5**2 / (2.0 * n))
    assert abs(summary["subspace_mahalanobis"] - 2.5) <= K_SIGMA * se
    assert abs(summary["full_mahalanobis"] - math.hypot(2.5, 0.6)) <= K_SIGMA * se
    # the origin's coordinate on axis 1 is -2.5 (origin minus centre) up to the axis's sign convention
    assert abs(abs(table.loc[0, "origin_sigma"]) - 2.5) <= K_SIGMA * se
    assert abs(table.loc[1, "origin_sigma"]) <= K_SIGMA / math.sqrt(n)
    # intervals bracket the estimates and have about the width of the standard error (90 %: +-1.64 SE)
    assert summary["subspace_mahalanobis_lo"] < summary["subspace_mahalanobis"] < summary["subspace_mahalanobis_hi"]
    width = summary["subspace_mahalanobis_hi"] - summary["subspace_mahalanobis_lo"]
    assert 0.5 * 3.29 * se < width < 2.0 * 3.29 * se
    assert np.all(table["lo"] < table["origin_sigma"]) and np.all(table["origin_sigma"] < table["hi"])
    # share of points closer within the 2 axes: chi2 with 2 dof at 2.5^2, binomial SE
    p = stats.chi2.cdf(2.5**2, 2)
    # binomial SE plus the spread of the origin's own distance (density of chi_2 at 2.5 times its SE)
    tolerance = K_SIGMA * (math.sqrt(p * (1 - p) / n) + se * 2.5 * math.exp(-2.5**2 / 2))
    assert abs(summary["subspace_share_closer"] - p) <= tolerance
    # share beyond the origin on axis 1: P(|x| > 2.5) for a standard normal
    q = 2 * stats.norm.sf(2.5)
    assert abs(table.loc[0, "share_beyond"] - q) <= K_SIGMA * math.sqrt(q * (1 - q) / n) + 0.01
    with pytest.raises(ValueError):
        origin_in_subspace(z, n_axes=0)


def test_normality_by_component():
    rng = np.random.default_rng(2)
    scores = np.column_stack([rng.normal(size=8000), rng.uniform(-1, 1, size=8000),
                              rng.exponential(size=8000)])
    table = normality_by_component(scores, max_n=3000)
    assert isinstance(table, pd.DataFrame) and list(table.index) == [0, 1, 2]
    assert set(table.columns) >= {"std", "skew", "kurtosis", "shapiro_p", "n_shapiro"}
    assert (table["n_shapiro"] == 3000).all()
    assert table.loc[0, "shapiro_p"] > 1e-3
    assert table.loc[1, "shapiro_p"] < 1e-10 and table.loc[2, "shapiro_p"] < 1e-10
    # skew SE ~ sqrt(6/n), excess kurtosis SE ~ sqrt(24/n) for normal data
    assert abs(table.loc[0, "skew"]) <= K_SIGMA * math.sqrt(6 / 8000)
    assert abs(table.loc[0, "kurtosis"]) <= K_SIGMA * math.sqrt(24 / 8000)
    assert table.loc[1, "kurtosis"] == pytest.approx(-1.2, abs=0.1)
    assert table.loc[2, "skew"] == pytest.approx(2.0, abs=0.4)
    # fixed default seed: reproducible
    pd.testing.assert_frame_equal(table, normality_by_component(scores, max_n=3000))


# --------------------------------------------------------------------------------------------
# The dense core
# --------------------------------------------------------------------------------------------

def test_core_mask_share_on_gaussian(gauss):
    z, _, _, frag = gauss
    n, dim = z.shape
    mask = core_mask(frag, z, sigma=3.0)
    p = special.erf(3 / math.sqrt(2)) ** dim
    assert core_expected_share(3.0, dim) == pytest.approx(p)
    assert abs(mask.mean() - p) <= K_SIGMA * math.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(frag.whiten(z[mask])) <= 3.0)
    # a tighter box and fewer axes
    p2 = special.erf(2 / math.sqrt(2)) ** 3
    share2 = core_mask(frag, z, sigma=2.0, n_components=3).mean()
    assert abs(share2 - p2) <= K_SIGMA * math.sqrt(p2 * (1 - p2) / n)
    # in 256 dimensions the 3-sigma box keeps only about half of an exact MND
    assert core_expected_share(3.0, 256) == pytest.approx(0.50, abs=0.01)


def test_core_normality_gaussian_passes():
    z, _, _ = _gaussian(2000, seed=21)
    result = core_normality(Gaussian.fit(z), z, sigma=3.0, n_components=5)
    assert result["hz_p"] > 0.01, result
    assert result["hz_dims"] == 5 and result["hz_n"] == result["n_core"] <= 2000
    assert result["core_share"] == pytest.approx(result["n_core"] / 2000)
    assert abs(result["core_share"] - result["core_share_mnd"]) <= K_SIGMA * math.sqrt(
        result["core_share_mnd"] * (1 - result["core_share_mnd"]) / 2000)
    assert 0.0 <= result["shapiro_share_rejected"] <= 0.5
    # reproducible with the default fixed seed
    assert core_normality(Gaussian.fit(z), z, sigma=3.0, n_components=5) == result


@pytest.mark.parametrize("kind", ["cube", "two blobs"])
def test_core_normality_non_gaussian_fails(kind):
    rng = np.random.default_rng(4)
    if kind == "cube":  # distinct edge lengths, so the principal axes are the cube's axes
        z = rng.uniform(-1, 1, size=(2000, 8)) * np.geomspace(3.0, 0.5, 8)
    else:
        z = rng.standard_normal((2000, 8))
        z[:1000, 0] += 4.0
    result = core_normality(Gaussian.fit(z), z, sigma=3.0, n_components=5)
    assert result["hz_p"] < 1e-3, result
    if kind == "cube":  # whitened uniform scores lie within sqrt(3) < 3: the whole cube is core
        assert result["core_share"] == 1.0
        assert result["shapiro_share_rejected"] == 1.0


def test_core_normality_fast_in_256_dimensions():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((5000, 256)) * np.geomspace(3.0, 0.1, 256) + 1.0
    start = time.perf_counter()
    result = core_normality(Gaussian.fit(z), z)
    assert time.perf_counter() - start < 20.0
    assert result["hz_dims"] == 256 and result["hz_n"] <= 2000
    assert result["core_share"] == pytest.approx(core_expected_share(3.0, 256), abs=K_SIGMA * 0.0071)


def test_henze_zirkler_loses_power_in_high_dimension():
    """Documents a limitation: with ~1000 points in 128-D the HZ statistic saturates at 1 (p ~ 0.5)
    even for a uniform box, which is why core_normality takes n_components."""
    z = np.random.default_rng(8).uniform(-1, 1, size=(1000, 128)) * np.geomspace(5.0, 0.5, 128)
    frag = Gaussian.fit(z)
    high = core_normality(frag, z, max_n=1000)
    low = core_normality(frag, z, n_components=5, max_n=1000)
    assert abs(high["hz_statistic"] - 1.0) < 1e-3 and high["hz_p"] > 0.05
    assert low["hz_p"] < 1e-3


# --------------------------------------------------------------------------------------------
# Chapter-3 generators
# --------------------------------------------------------------------------------------------

def _cov(dim: int, seed: int = 3) -> np.ndarray:
    rot = _rotation(dim, seed)
    return (rot * np.geomspace(4.0, 0.3, dim)) @ rot.T


def _chapter3_generators(dim: int = 4) -> list[Generator]:
    mean = np.arange(dim, dtype=float)
    blobs = np.random.default_rng(0).standard_normal((300, dim)) + np.repeat(np.eye(dim)[:3] * 8, 100, axis=0)
    return [TruncatedNormal(mean, _cov(dim), 2.0), UniformEllipsoid(mean, _cov(dim), 0.99),
            GaussianMixtureGenerator.fit(blobs, k=3)]


@pytest.mark.parametrize("generator", _chapter3_generators(), ids=lambda g: g.kind)
def test_chapter3_generators_interface(generator):
    assert isinstance(generator, Generator)
    assert generator.kind in ("mnd_truncated", "ellipsoid", "gmm")
    assert isinstance(generator.label, str) and generator.dim == 4 and generator.key.startswith(generator.kind)
    a = generator.sample(50, np.random.default_rng(1))
    b = generator.sample(50, np.random.default_rng(1))
    assert a.dtype == np.float32 and a.shape == (50, 4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, generator.sample(50, np.random.default_rng(2)))
    assert generator.sample(0, np.random.default_rng(1)).shape == (0, 4)


def test_truncated_normal_statistics():
    dim, n, c = 4, 40_000, 2.0
    mean, cov = np.array([5.0, -2.0, 1.0, 0.0]), _cov(dim)
    gen = TruncatedNormal(mean, cov, c)
    assert gen.label == "MND truncated at 2σ" and gen.key == "mnd_truncated_2"
    z = gen.sample(n, np.random.default_rng(0)).astype(np.float64)
    frag = Gaussian(mean=mean, components=gen.axes.T, variances=gen.sigmas**2,
                    explained_ratio=gen.sigmas**2 / np.sum(gen.sigmas**2))
    white = frag.whiten(z)
    assert np.all(np.abs(white) <= c + 1e-4)  # float32 round-off
    truncated = stats.truncnorm(-c, c)
    assert gen.variance_factor == pytest.approx(truncated.var())
    phi, big_phi = stats.norm.pdf(c), stats.norm.cdf(c)
    assert gen.variance_factor == pytest.approx(1 - 2 * c * phi / (2 * big_phi - 1))
    # SE of a sample variance: sqrt((mu4 - var^2) / n)
    se = math.sqrt((truncated.moment(4) - truncated.var() ** 2) / n)
    assert np.all(np.abs(white.var(axis=0) - truncated.var()) <= K_SIGMA * se)
    assert np.all(np.abs(white.mean(axis=0)) <= K_SIGMA * math.sqrt(truncated.var() / n))
    # far tails are accurate (inverse-CDF sampling, no rejection)
    deep = TruncatedNormal(np.zeros(1), np.eye(1), 8.0).sample_whitened(1000, np.random.default_rng(0))
    assert np.all(np.abs(deep) <= 8.0) and np.all(np.isfinite(deep))
    fitted = TruncatedNormal.fit(z, max_sigma=3.0)
    assert fitted.max_sigma == 3.0 and fitted.dim == dim
    with pytest.raises(ValueError):
        TruncatedNormal(mean, cov, 0.0)


def test_uniform_ellipsoid_statistics():
    dim, n = 3, 30_000
    mean, cov = np.array([1.0, -1.0, 2.0]), _cov(dim)
    gen = UniformEllipsoid(mean, cov, level=0.95)
    assert gen.threshold == pytest.approx(stats.chi2.ppf(0.95, dim))
    z = gen.sample(n, np.random.default_rng(0)).astype(np.float64)
    d = Gaussian.from_moments(mean, cov).mahalanobis(z)
    assert np.all(d**2 <= gen.threshold * (1 + 1e-5))
    for t in (0.3, 0.6, 0.8, 0.95):
        p = t**dim  # uniform in a ball: P(r <= t R) = t^dim
        assert abs(np.mean(d <= t * gen.radius) - p) <= K_SIGMA * math.sqrt(p * (1 - p) / n)
    fitted = UniformEllipsoid.fit(z)
    assert fitted.level == 0.99 and fitted.dim == dim


def test_gaussian_mixture_generator_weights():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    weights = np.array([0.5, 0.3, 0.2])
    counts = (weights * 3000).astype(int)
    blobs = np.concatenate([c + rng.standard_normal((m, 2)) for c, m in zip(centres, counts)])
    gen = GaussianMixtureGenerator.fit(blobs, k=3, seed=0)
    assert gen.label == "GMM k=3" and gen.key == "gmm_3" and gen.n_components == 3
    # blobs 10 sigma apart: the fitted weights are the exact counts
    order = np.argsort([np.argmin(np.linalg.norm(centres - m, axis=1)) for m in gen.means])
    np.testing.assert_allclose(gen.weights[order], weights, atol=1e-6)
    n = 20_000
    z, labels = gen.sample_with_labels(n, np.random.default_rng(1))
    nearest = np.argmin(np.linalg.norm(z[:, np.newaxis, :] - centres, axis=2), axis=1)
    shares = np.bincount(nearest, minlength=3) / n
    assert np.all(np.abs(shares - weights) <= K_SIGMA * np.sqrt(weights * (1 - weights) / n))
    # the labels agree with the blobs (component j of the model -> nearest true centre)
    component_to_blob = np.array([np.argmin(np.linalg.norm(centres - m, axis=1)) for m in gen.means])
    assert np.mean(component_to_blob[labels] == nearest) > 0.999
    np.testing.assert_array_equal(z, gen.sample(n, np.random.default_rng(1)))
    # other covariance types are converted to full covariances
    for covariance_type in ("diag", "spherical", "tied"):
        other = GaussianMixtureGenerator.fit(blobs, k=3, covariance_type=covariance_type)
        assert other.covariances.shape == (3, 2, 2)
        assert other.sample(10, np.random.default_rng(0)).shape == (10, 2)
    # a large cloud is fitted on a sample of max_fit_points: weights within the sample's binomial spread
    sampled = GaussianMixtureGenerator.fit(blobs, k=3, seed=0, max_fit_points=1000)
    order = np.argsort([np.argmin(np.linalg.norm(centres - m, axis=1)) for m in sampled.means])
    assert np.all(np.abs(sampled.weights[order] - weights) <= K_SIGMA * np.sqrt(weights * (1 - weights) / 1000))
    assert not np.allclose(sampled.weights[order], weights, atol=1e-6)  # it did use a sample
    np.testing.assert_allclose(sampled.means[order], centres, atol=K_SIGMA * math.sqrt(1 / (0.2 * 1000)) * 2)
    same = GaussianMixtureGenerator.fit(blobs, k=3, seed=0, max_fit_points=len(blobs))
    np.testing.assert_array_equal(same.means, gen.means)  # at or below the cap: all points


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def _labelled(ax) -> bool:
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel()) and bool(ax.get_title())


def _check_figure(fig, n_axes: int) -> None:
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    assert all(_labelled(ax) for ax in fig.axes)
    assert fig.get_figwidth() == pytest.approx(10.0)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    fig.canvas.draw()
    plt.close(fig)


def test_plot_spectrum(gauss):
    _, _, _, frag = gauss
    fig = plot_spectrum(frag)
    assert fig.axes[0].get_yscale() == "log"
    text = "\n".join(t.get_text() for t in fig.axes[1].texts)
    for fraction in (0.9, 0.95, 0.99):
        assert f"{fraction:.0%} of the variance: {frag.n_components_for(fraction)} of 8" in text
    _check_figure(fig, 2)


def test_plot_principal_planes(gauss):
    z, _, _, frag = gauss
    scores = frag.to_pca(z[:2000])
    overlay = [Cloud("mnd_truncated", "MND truncated at 2σ",
                     frag.to_pca(TruncatedNormal(frag.mean, frag.cov, 2.0).sample(500, np.random.default_rng(0))))]
    fig = plot_principal_planes(scores, variances=frag.variances, overlay=overlay)
    for ax in fig.axes:
        assert sum(isinstance(p, Ellipse) for p in ax.patches) == 2
        assert len(ax.collections) == 2
    _check_figure(fig, 4)
    _check_figure(plot_principal_planes(scores, pairs=((0, 1), (3, 4), (5, 6)), levels=(0.9,)), 3)


def test_plot_qq(gauss):
    z, _, _, frag = gauss
    scores = frag.to_pca(z[:3000])
    fig = plot_qq(scores, components=(0, 1, 2, 3, 9, 49))  # 9 and 49 do not exist in 8-D
    _check_figure(fig, 4)
    _check_figure(plot_qq(frag.whiten(z[:3000])), 4)


def test_plot_sigma_extent(gauss):
    z, _, _, frag = gauss
    fig = plot_sigma_extent(frag)
    assert fig.axes[0].get_yscale() == "log"
    _check_figure(fig, 2)
    _check_figure(plot_sigma_extent(frag, z[:2000]), 2)


def test_pc_label_association_finds_the_planted_labels():
    import pandas as pd
    from latent_fragments.stats.fragment import pc_label_association

    rng = np.random.default_rng(3)
    n = 4000
    scores = rng.normal(size=(n, 4)) * np.array([3.0, 2.0, 1.0, 0.5])
    category = rng.integers(0, 5, n)
    scores[:, 1] += 2.0 * category  # PC2 carries a 5-level category
    labels = pd.DataFrame({
        "continuous": scores[:, 0] + rng.normal(size=n),  # goes with PC1
        "category": category,
        "noise": rng.normal(size=n),
        "constant": np.ones(n),
        "name": ["x"] * n,
    })
    table = pc_label_association(scores, labels, n_pcs=4)
    assert list(table.index) == ["continuous", "category", "noise"]
    assert table.loc["continuous"].idxmax() == "PC1"
    expected = 3.0 / np.sqrt(10.0)  # corr of x and x + e with var(x) = 9, var(e) = 1
    assert abs(table.loc["continuous", "PC1"] - expected) < 4 * (1 - expected**2) / np.sqrt(n)
    # eta^2 = var(2 * category) / var(PC2) = 8 / (8 + 4); its sampling error at n = 4000 is below 0.01
    assert table.loc["category"].idxmax() == "PC2"
    assert abs(table.loc["category", "PC2"] - np.sqrt(8 / 12)) < 0.03
    assert (table.loc["noise"] < 4 / np.sqrt(n)).all()


def test_plot_quality_draws_every_row_with_its_kind_colour():
    from latent_fragments.plots.style import color
    from latent_fragments.stats.quality import quality_table
    from matplotlib.colors import to_hex

    rng = np.random.default_rng(0)
    real = rng.standard_normal((200, 3))
    table = quality_table(real, {"held_out": rng.standard_normal((200, 3)), "cube": rng.uniform(-3, 3, (200, 3))},
                          n_boot=10)
    fig = plot_quality(table, {"held_out": "held_out", "cube": "cube"}, {"held_out": "real images"},
                       reference="held_out")
    assert len(fig.axes) == 4 and [ax.get_title() for ax in fig.axes] == ["FD∞", "KID", "precision", "recall"]
    for ax in fig.axes:
        colours = {to_hex(line.get_color()) for line in ax.lines}
        assert {color("held_out"), color("cube")} <= colours
    # FD and KID on a symmetric-log axis (they may be negative), linear within the reference's half-width
    assert [ax.get_xscale() for ax in fig.axes] == ["symlog", "symlog", "linear", "linear"]
    half = 0.5 * (table.loc["held_out", "FD_hi"] - table.loc["held_out", "FD_lo"])
    assert fig.axes[0].xaxis.get_transform().linthresh == pytest.approx(half)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["real images", "cube"]
    plt.close(fig)
    with pytest.raises(KeyError):
        plot_quality(table, {"held_out": "held_out", "cube": "no such kind"})


def test_variance_axes_interval_holds_its_estimate_and_covers_a_steep_spectrum():
    """The bias-corrected bootstrap range always holds the sample's count (the plain percentile range did
    not, at 240 x 32: chapter 3 on a small folder stopped on it) and covers the population's count of a
    steep spectrum (exp(-i/6): 14 of 64 axes for 90 %) in at least 17 of 20 clouds of 600 x 64."""
    from latent_fragments.stats.fragment import variance_axes_interval

    rng = np.random.default_rng(3)
    flat = 1.0 / np.arange(1, 33) ** 0.7
    for _ in range(5):
        k, lo, hi = variance_axes_interval(rng.standard_normal((240, 32)) * np.sqrt(flat), n_boot=40, rng=rng)
        assert lo <= k <= hi
    steep = np.exp(-np.arange(64) / 6.0)
    hits = sum(lo <= 14 <= hi for _, lo, hi in (
        variance_axes_interval(rng.standard_normal((600, 64)) * np.sqrt(steep), n_boot=40, rng=rng)
        for _ in range(20)))
    assert hits >= 17
