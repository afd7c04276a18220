"""Tests of latent_fragments.stats.components and latent_fragments.plots.components (chapter 2).

Statistical tolerances are K_SIGMA standard errors of the estimate under test, derived from the
sample size; seeds are fixed. Figures are drawn with the Agg backend on small data and closed.
"""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402

from latent_fragments.stats.generators import IndependentNormal, IsotropicNormal, MultivariateNormal, UniformCube  # noqa: E402
from latent_fragments.plots.style import color  # noqa: E402
from latent_fragments.plots.components import (  # noqa: E402
    COLORS,
    Cloud,
    plot_component_grid,
    plot_coordinate_planes,
    plot_correlation_matrix,
    plot_radius_distributions,
    plot_shell_law,
    plot_summary_histograms,
)
from latent_fragments.stats.components import (  # noqa: E402
    component_summary,
    confidence_ellipse,
    correlation_order,
    cube_hit_probability,
    ellipsoid_cube_volume_fraction,
    generator_report,
    log_cube_volume,
    log_ellipsoid_volume,
    nearest_distance,
    radii,
    strongest_pairs,
    summarise_components,
    volume_ratio_terms,
)
from latent_fragments.stats.gaussian import Gaussian, log_det_bias  # noqa: E402
from latent_fragments.stats.regions import (  # noqa: E402
    PredictiveRegion, ellipsoid_share, nominal_threshold)

K_SIGMA = 4.0


def _spd(dim: int, seed: int = 0) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(dim, dim))
    return a @ a.T / dim + 0.3 * np.eye(dim)


def _binomial_se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


# ------------------------------------------------------------------------------------------------
# per-component statistics
# ------------------------------------------------------------------------------------------------

def test_component_summary_columns_and_values() -> None:
    n = 5000
    rng = np.random.default_rng(1)
    z = np.column_stack([rng.normal(0, 1, n), rng.normal(2, 0.5, n), rng.normal(-1, 3, n),
                         rng.uniform(-1, 1, n)]).astype(np.float32)
    summary = component_summary(z)
    assert list(summary.columns) == ["mean", "std", "skew", "kurtosis", "normality_p"]
    assert len(summary) == 4 and summary.index.name == "component"
    np.testing.assert_allclose(summary["mean"], z.astype(np.float64).mean(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(summary["std"], z.astype(np.float64).std(axis=0, ddof=1), rtol=1e-10)
    # Normal columns: skew and excess kurtosis 0 within their normal-theory SEs sqrt(6/n), sqrt(24/n).
    normal = summary.iloc[:3]
    np.testing.assert_array_less(np.abs(normal["skew"]), K_SIGMA * math.sqrt(6 / n))
    np.testing.assert_array_less(np.abs(normal["kurtosis"]), K_SIGMA * math.sqrt(24 / n))
    assert (normal["normality_p"] > 1e-4).all()
    # Uniform column: excess kurtosis -1.2 (its SE, about sqrt(1.3/n), is below the normal one).
    assert abs(summary.loc[3, "kurtosis"] + 1.2) < K_SIGMA * math.sqrt(24 / n)
    assert summary.loc[3, "normality_p"] < 1e-10


def test_component_summary_constant_component_and_tiny_sample() -> None:
    z = np.column_stack([np.random.default_rng(2).normal(size=100), np.full(100, 0.7)])
    summary = component_summary(z)
    assert summary.loc[1, "std"] == pytest.approx(0.0, abs=1e-12)
    assert summary.loc[1, ["skew", "kurtosis", "normality_p"]].isna().all()
    assert np.isfinite(summary.loc[0]).all()
    assert component_summary(z[:10])["normality_p"].isna().all()


def test_summarise_components() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    z = np.column_stack([rng.normal(size=(n, 3)), rng.uniform(-1, 1, size=(n, 1))])
    result = summarise_components(component_summary(z), alpha=0.01)
    assert result["n_components"] == 4
    assert result["share_normality_rejected"] == pytest.approx(0.25)
    for stat in ("mean", "std", "skew", "kurtosis"):
        assert result[f"{stat}_q05"] <= result[f"{stat}_median"] <= result[f"{stat}_q95"]
        assert result[f"{stat}_min"] <= result[f"{stat}_q05"] and result[f"{stat}_q95"] <= result[f"{stat}_max"]
    assert result["kurtosis_min"] == pytest.approx(-1.2, abs=K_SIGMA * math.sqrt(24 / n))


def test_radii() -> None:
    z = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(radii(z), [5.0, 0.0, math.sqrt(2)])
    np.testing.assert_allclose(radii(z, center=np.array([1.0, 1.0])), [math.sqrt(13), math.sqrt(2), 0.0])


# ------------------------------------------------------------------------------------------------
# correlations
# ------------------------------------------------------------------------------------------------

def test_correlation_order_groups_blocks() -> None:
    rng = np.random.default_rng(4)
    n = 2000
    factor_a, factor_b = rng.normal(size=(2, n))
    z = np.empty((n, 8))
    z[:, 0::2] = factor_a[:, None] + 0.5 * rng.normal(size=(n, 4))  # block A: 0, 2, 4, 6
    z[:, 1::2] = factor_b[:, None] + 0.5 * rng.normal(size=(n, 4))  # block B: 1, 3, 5, 7
    order = correlation_order(np.corrcoef(z, rowvar=False))
    assert sorted(order.tolist()) == list(range(8))
    assert {frozenset(order[:4].tolist()), frozenset(order[4:].tolist())} == {
        frozenset({0, 2, 4, 6}), frozenset({1, 3, 5, 7})}


def test_correlation_order_tolerates_nan() -> None:
    corr = np.eye(4)
    corr[0, 1] = corr[1, 0] = 0.9
    corr[3, :] = corr[:, 3] = np.nan  # a constant component
    order = correlation_order(corr)
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    assert abs(order.tolist().index(0) - order.tolist().index(1)) == 1


def test_strongest_pairs() -> None:
    corr = np.eye(5)
    for (i, j), r in {(0, 3): -0.9, (1, 2): 0.5, (2, 4): 0.7}.items():
        corr[i, j] = corr[j, i] = r
    pairs = strongest_pairs(corr, k=2)
    assert isinstance(pairs, pd.DataFrame) and list(pairs.columns) == ["i", "j", "r"]
    assert pairs[["i", "j"]].values.tolist() == [[0, 3], [2, 4]]
    assert pairs["r"].tolist() == [-0.9, 0.7]
    assert len(strongest_pairs(corr, k=100)) == 10


# ------------------------------------------------------------------------------------------------
# Mahalanobis distances and ellipsoids
# ------------------------------------------------------------------------------------------------

def test_mahalanobis_singular_covariance_is_finite() -> None:
    cov = np.array([[1.0, 1.0], [1.0, 1.0]])  # rank 1: along (1, 1) variance 2
    d = Gaussian.from_moments(np.zeros(2), cov).mahalanobis(np.array([[1.0, 1.0], [0.5, 0.5]]))
    np.testing.assert_allclose(d, [1.0, 0.5], rtol=1e-8)


def test_nominal_ellipsoid_share_on_gaussian_data() -> None:
    """The nominal mode of stats.regions.ellipsoid_share holds its level for a *known* normal."""
    n, dim = 20_000, 10
    cov = _spd(dim, seed=6)
    mean = np.linspace(-1, 1, dim)
    x = np.random.default_rng(7).multivariate_normal(mean, cov, size=n)
    known = Gaussian.from_moments(mean, cov)
    fractions = {level: ellipsoid_share(x, known, nominal_threshold(level, dim)) for level in (0.5, 0.95, 0.99)}
    for level, fraction in fractions.items():
        assert abs(fraction - level) < K_SIGMA * _binomial_se(level, n)


def test_confidence_ellipse_boundary_and_matplotlib_convention() -> None:
    mean2 = np.array([1.0, -2.0])
    cov2 = np.array([[2.0, 1.2], [1.2, 1.0]])
    level = 0.9
    width, height, angle = confidence_ellipse(mean2, cov2, level)
    assert width >= height > 0
    threshold = stats.chi2.ppf(level, 2)
    a = math.radians(angle)
    major = mean2 + width / 2 * np.array([math.cos(a), math.sin(a)])
    minor = mean2 + height / 2 * np.array([-math.sin(a), math.cos(a)])
    np.testing.assert_allclose(Gaussian.from_moments(mean2, cov2).mahalanobis(np.vstack([major, minor]), squared=True),
                               threshold, rtol=1e-10)
    # matplotlib's Ellipse with these parameters holds a share `level` of normal points.
    n = 20_000
    points = np.random.default_rng(8).multivariate_normal(mean2, cov2, size=n)
    patch = Ellipse(mean2, width, height, angle=angle)
    inside = patch.get_path().contains_points(points, transform=patch.get_patch_transform())
    assert abs(inside.mean() - level) < K_SIGMA * _binomial_se(level, n)


# ------------------------------------------------------------------------------------------------
# nearest neighbours and the generator report
# ------------------------------------------------------------------------------------------------

def test_nearest_distance_matches_brute_force() -> None:
    rng = np.random.default_rng(9)
    reference = rng.normal(size=(300, 16))
    x = rng.normal(size=(50, 16)).astype(np.float32)
    full = np.sort(cdist(x.astype(np.float64), reference), axis=1)
    np.testing.assert_allclose(nearest_distance(x, reference), full[:, 0], rtol=1e-6)
    np.testing.assert_allclose(nearest_distance(x, reference, k=3), full[:, 2], rtol=1e-6)
    np.testing.assert_allclose(nearest_distance(x, reference, k=3, return_all=True), full[:, :3], rtol=1e-6)
    self_full = np.sort(cdist(reference, reference), axis=1)
    np.testing.assert_allclose(nearest_distance(reference, reference, exclude_self=True), self_full[:, 1],
                               rtol=1e-6)


def test_generator_report_rows_and_predictive_region_shares() -> None:
    dim = 8
    rng = np.random.default_rng(10)
    population = MultivariateNormal(np.linspace(0, 1, dim), _spd(dim, seed=11))
    data_train = population.sample(3000, rng)
    data_test = population.sample(1000, rng)
    fitted = MultivariateNormal.fit(data_train)
    wide_b = 3.0 * float(np.sqrt(np.diag(fitted.cov)).max())
    generators = [fitted, IndependentNormal.fit(data_train), UniformCube(dim, wide_b)]
    report = generator_report(generators, data_train, data_test, np.random.default_rng(12))
    assert list(report.columns) == ["kind", "generator", "mean radius", "std radius", "median Mahalanobis",
                                    "inside 95% region", "inside 99% region", "median NN distance"]
    assert report["kind"].tolist() == ["held_out", "mnd", "independent_normals", "cube"]
    assert report["generator"].tolist() == ["held-out data"] + [g.label for g in generators]
    n = len(data_test)
    by_kind = report.set_index("kind")
    # Held-out data from the same population: the predictive region holds its level for new points
    # (the share varies with the training set too; a 2x wider tolerance covers that at n = 3,000).
    for level in (0.95, 0.99):
        share = by_kind.loc["held_out", f"inside {level:.0%} region"]
        assert abs(share - level) < 2 * K_SIGMA * _binomial_se(level, n)
    # A wide cube puts far fewer points into the regions.
    cube = by_kind.loc["cube"]
    assert cube["inside 95% region"] < 0.5
    assert cube["median Mahalanobis"] > by_kind.loc["held_out", "median Mahalanobis"]
    assert (report.drop(columns=["kind", "generator"]) >= 0).all().all()
    small = generator_report(generators[:1], data_train, data_test, np.random.default_rng(12),
                             levels=(0.9,), nn_reference_size=500)
    assert "inside 90% region" in small.columns and len(small) == 2


# ------------------------------------------------------------------------------------------------
# volumes and the curse of dimensionality
# ------------------------------------------------------------------------------------------------

def test_log_ellipsoid_volume_exact_small_cases() -> None:
    sigma, level = 1.7, 0.9
    r2 = sigma**2 * stats.chi2.ppf(level, 2)  # circle radius^2
    assert math.exp(log_ellipsoid_volume(sigma**2 * np.eye(2), level)) == pytest.approx(math.pi * r2, rel=1e-12)
    r = sigma * math.sqrt(stats.chi2.ppf(level, 3))  # sphere radius
    assert math.exp(log_ellipsoid_volume(sigma**2 * np.eye(3), level)) == pytest.approx(4 / 3 * math.pi * r**3,
                                                                                        rel=1e-12)
    # A general covariance scales the unit-covariance volume by sqrt(det cov).
    cov = _spd(4, seed=13)
    expected = log_ellipsoid_volume(np.eye(4), level) + 0.5 * math.log(np.linalg.det(cov))
    assert log_ellipsoid_volume(cov, level) == pytest.approx(expected, rel=1e-12)
    assert log_ellipsoid_volume(np.zeros((2, 2)), level) == -math.inf


def test_log_cube_volume() -> None:
    assert log_cube_volume(1.5, 3) == pytest.approx(3 * math.log(3.0))
    assert log_cube_volume(0.5, 256) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("dim", [2, 3])
def test_cube_hit_probability_matches_volume_fraction(dim: int) -> None:
    n, level, b = 40_000, 0.95, 1.5
    cov = 0.04 * _spd(dim, seed=14)
    mean = np.full(dim, 0.1)
    assert np.all(np.abs(mean) + np.sqrt(stats.chi2.ppf(level, dim) * np.diag(cov)) <= b)  # inside the cube
    exact = 10 ** ellipsoid_cube_volume_fraction(mean, cov, b, level)
    p_hat, se = cube_hit_probability(mean, cov, b, level, n, np.random.default_rng(15))
    assert se == pytest.approx(_binomial_se(p_hat, n))
    assert abs(p_hat - exact) < K_SIGMA * _binomial_se(exact, n)


def test_volume_fraction_is_an_upper_bound_when_ellipsoid_sticks_out() -> None:
    n, level, b, dim = 40_000, 0.95, 1.0, 3
    cov = 0.5 * np.eye(dim)
    mean = np.full(dim, 0.8)
    assert np.any(np.abs(mean) + np.sqrt(stats.chi2.ppf(level, dim) * np.diag(cov)) > b)  # sticks out
    bound = 10 ** ellipsoid_cube_volume_fraction(mean, cov, b, level)
    p_hat, se = cube_hit_probability(mean, cov, b, level, n, np.random.default_rng(16))
    assert p_hat < bound - K_SIGMA * se


def test_threshold_argument_scales_the_volume_and_the_hits() -> None:
    cov, level = np.eye(2), 0.9
    c = 2 * stats.chi2.ppf(level, 2)
    assert math.exp(log_ellipsoid_volume(cov, level, threshold=c)) == pytest.approx(math.pi * c, rel=1e-12)
    n = 40_000
    p_hat, _ = cube_hit_probability(np.zeros(2), 0.01 * cov, 1.0, level, n, np.random.default_rng(3),
                                    threshold=c)
    exact = math.pi * 0.01 * c / 4
    assert abs(p_hat - exact) < K_SIGMA * _binomial_se(exact, n)


def test_volume_ratio_terms_add_up_and_state_the_log_det_bias() -> None:
    dim, n = 16, 200
    z = np.random.default_rng(4).normal(size=(n, dim)) * 0.3
    region = PredictiveRegion.fit(z, method="hotelling")
    terms = volume_ratio_terms(region, 1.5)
    ratio = ellipsoid_cube_volume_fraction(region.gaussian.mean, region.gaussian.cov, 1.5, 0.99,
                                           threshold=region.threshold(0.99))
    assert terms["ratio"] == pytest.approx(ratio, rel=1e-10)
    assert terms["ratio"] == pytest.approx(terms["shape"] + terms["size"] - terms["cube"], rel=1e-12)
    assert terms["size"] == pytest.approx(0.5 * np.linalg.slogdet(np.cov(z, rowvar=False))[1] / math.log(10))
    assert terms["size_bias"] == pytest.approx(0.5 * log_det_bias(n, dim) / math.log(10)) and terms["size_bias"] < 0
    shrunk = PredictiveRegion.fit(z[:30], method="ledoit-wolf")
    assert math.isnan(volume_ratio_terms(shrunk, 1.5)["size_bias"])


def test_curse_of_dimensionality_in_256_dimensions() -> None:
    dim = 256
    fraction = ellipsoid_cube_volume_fraction(np.zeros(dim), 0.25 * np.eye(dim), 1.5, 0.99)
    assert np.isfinite(fraction) and fraction < -20  # about -32
    p_hat, se = cube_hit_probability(np.zeros(dim), 0.25 * np.eye(dim), 1.5, 0.99, 2000, np.random.default_rng(17))
    assert p_hat == 0.0 and se == 0.0


# ------------------------------------------------------------------------------------------------
# plots
# ------------------------------------------------------------------------------------------------

@pytest.fixture()
def small_cloud() -> np.ndarray:
    cov = _spd(6, seed=18)
    return MultivariateNormal(np.zeros(6), cov).sample(400, np.random.default_rng(19))


def _labelled(ax) -> bool:
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_generator_kinds_have_colours() -> None:
    for generator in (UniformCube(3, 1.0), IsotropicNormal(3), IndependentNormal(np.zeros(3), np.ones(3))):
        assert color(generator.kind) == COLORS[generator.kind]
    with pytest.raises(KeyError, match="unknown kind"):
        color("uniform cube b=1.50")  # display labels are not keys


def test_plot_component_grid() -> None:
    z = np.random.default_rng(20).normal(size=(100, 20))
    fig = plot_component_grid(z, n_cols=8)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 20  # the 4 unused cells of the 3x8 grid are removed
    assert all(not ax.get_xticks().size and not ax.get_yticks().size for ax in fig.axes)
    assert fig.get_suptitle() and fig.get_figwidth() == pytest.approx(10)
    plt.close(fig)
    fig = plot_component_grid(np.random.default_rng(21).normal(size=(50, 256)))
    assert len(fig.axes) == 256
    assert fig.axes[0].get_gridspec().get_geometry() == (16, 16)
    plt.close(fig)


def test_plot_summary_histograms(small_cloud: np.ndarray) -> None:
    fig = plot_summary_histograms(component_summary(small_cloud))
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    assert all(_labelled(ax) and ax.get_title() for ax in fig.axes)
    plt.close(fig)


def test_plot_radius_distributions(small_cloud: np.ndarray) -> None:
    cube = UniformCube(6, 1.0)
    fig = plot_radius_distributions([Cloud("data", "training data", radii(small_cloud)),
                                     Cloud(cube.kind, cube.label, radii(cube.sample(400, np.random.default_rng(22))))])
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert _labelled(ax) and ax.get_title()
    texts = [t.get_text() for t in fig.legends[0].get_texts()]  # the legend sits below the axes
    assert len(texts) == 2 and texts[1].startswith("uniform cube b=1.00: ")
    outline_colours = {matplotlib.colors.to_hex(p.get_edgecolor()) for p in ax.patches if p.get_fill() is False}
    assert outline_colours == {COLORS["data"], COLORS["cube"]}
    plt.close(fig)


def test_plot_shell_law() -> None:
    dim, b_values = 32, np.array([0.5, 1.0, 2.0])
    rng = np.random.default_rng(23)
    measured = [radii(UniformCube(dim, b).sample(500, rng)) for b in b_values]
    fig = plot_shell_law(b_values, dim, [r.mean() for r in measured], [r.std() for r in measured],
                         data_mean_radius=4.0)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert _labelled(ax) and ax.get_title()
    assert any("matching cube" in text.get_text() for text in ax.get_legend().get_texts())
    plt.close(fig)
    fig = plot_shell_law(b_values, dim, [r.mean() for r in measured], [r.std() for r in measured])
    assert len(fig.axes) == 1
    plt.close(fig)


def test_plot_correlation_matrix(small_cloud: np.ndarray) -> None:
    corr = np.corrcoef(small_cloud, rowvar=False)
    fig = plot_correlation_matrix(corr, correlation_order(corr))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3  # matrix, colour bar, histogram
    assert _labelled(fig.axes[0]) and _labelled(fig.axes[1])
    plt.close(fig)


def test_plot_coordinate_planes(small_cloud: np.ndarray) -> None:
    fitted = MultivariateNormal.fit(small_cloud).sample(300, np.random.default_rng(24))
    samples = [Cloud("mnd", "fitted normal", fitted),
               Cloud("cube", "cube points", UniformCube(6, 2.0).sample(300, np.random.default_rng(25)))]
    pairs = [(0, 1), (2, 3), (4, 5), (0, 5)]
    fig = plot_coordinate_planes(small_cloud, pairs, samples, level=(0.95, 0.99))
    assert isinstance(fig, Figure) and len(fig.axes) == len(pairs)
    for ax in fig.axes:
        assert _labelled(ax)
        assert sum(isinstance(patch, Ellipse) for patch in ax.patches) == 2
        colours = [matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in ax.collections]
        assert colours == [COLORS["data"], COLORS["mnd"], COLORS["cube"]]
    plt.close(fig)
    fig = plot_coordinate_planes(small_cloud, [(0, 1)], level=0.9)
    assert len(fig.axes) == 1 and len(fig.axes[0].patches) == 1
    plt.close(fig)


def test_latent_overview_separates_gaussian_data_from_cube_points():
    from latent_fragments.stats.components import latent_overview

    rng = np.random.default_rng(5)
    dim = 16
    a = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    cov = a @ a.T + 0.05 * np.eye(dim)
    mean = np.full(dim, 2.0)
    train = rng.multivariate_normal(mean, cov, size=6000)
    test = rng.multivariate_normal(mean, cov, size=2000)
    row = latent_overview(train, test, rng)
    n = 2000
    se = np.sqrt(0.99 * 0.01 / n)
    assert abs(row["held-out inside 99% region"] - 0.99) < 4 * se + 0.005  # + estimation error of cov
    assert abs(row["MND points inside 99% region"] - 0.99) < 4 * se + 0.005
    assert row["cube points inside 99% region"] < 0.2
    assert row["region covariance"] == "sample covariance"
    # Gaussian components: normality rejected at 1 % for about 1 % of components (16 here: at most 3)
    assert row["components non-normal (p<0.01)"] <= 3 / dim
    assert row["training z-points"] == 6000 and row["z_dim"] == dim


def test_scatter_planes_colours_overlays_by_kind(small_cloud: np.ndarray) -> None:
    from latent_fragments.plots.components import scatter_planes

    overlay = [Cloud("mnd", "fitted", small_cloud[:50]), Cloud("cube", "uniform cube b=1.00", small_cloud[50:100])]
    fig, axes = scatter_planes(small_cloud, [(0, 1)], overlay)
    colours = [matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in axes.flat[0].collections]
    assert colours == [COLORS["data"], COLORS["mnd"], COLORS["cube"]]
    plt.close(fig)


def test_error_histograms_and_training_curves_use_the_kinds_colours() -> None:
    from latent_fragments.plots.images import error_histograms, training_curves

    rng = np.random.default_rng(30)
    fig = error_histograms([Cloud("held_out", "held-out images", rng.random(100)),
                            Cloud("cube", "decoded cube points", rng.random(100) + 1)], "error", "title")
    ax = fig.axes[0]
    assert [matplotlib.colors.to_hex(line.get_color()) for line in ax.lines] == [COLORS["held_out"], COLORS["cube"]]
    assert ax.get_legend().get_texts()[1].get_text().startswith("decoded cube points (median 1.")
    plt.close(fig)
    history = [{"epoch": e, "loss": 1.0 / e, "val_loss": 1.1 / e, "mse": 0.1 / e, "val_mse": 0.11 / e}
               for e in (1, 2)]
    fig = training_curves(history)
    assert [matplotlib.colors.to_hex(line.get_color()) for line in fig.axes[0].lines] == [COLORS["data"],
                                                                                          COLORS["held_out"]]
    plt.close(fig)


def test_nearest_distance_exclude_self_needs_the_reference_itself() -> None:
    reference = np.random.default_rng(31).normal(size=(20, 3))
    with pytest.raises(ValueError, match="reference itself"):
        nearest_distance(reference[:5], reference, exclude_self=True)
