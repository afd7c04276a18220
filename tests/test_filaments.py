"""Tests of latent_fragments.stats.filaments and latent_fragments.plots.filaments (chapter 4: small-scale structure vs a null model).

Seeds are fixed. Statistical tolerances are k standard errors (k = 4 unless noted) of the quantity
under test, or are stated with their reason at the check. Sizes are small (at most a few thousand
points) so that the whole file runs in well under a minute on two cores.
"""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.sparse.csgraph import minimum_spanning_tree  # noqa: E402
from scipy.spatial.distance import pdist, squareform  # noqa: E402

from latent_fragments.plots import filaments as fp  # noqa: E402
from latent_fragments.stats import filaments as fl  # noqa: E402
from latent_fragments.stats.gaussian import Gaussian  # noqa: E402
from latent_fragments.stats.generators import MultivariateNormal  # noqa: E402

K_SIGMA = 4.0
EMBED_DIM = 256


def _rotation(dim: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q


@pytest.fixture(scope="module")
def closed_curve() -> np.ndarray:
    """2,000 points on a smooth random closed curve (4 Fourier harmonics) in 256-D, noise 1e-5.

    Parameters are drawn uniformly at random (a Poisson process along the curve, as the
    estimators assume; a regular grid would make r2/r1 = 1). The mean nearest-neighbour distance
    is ~3e-3, while the noise moves neighbours apart by ~1e-5 * sqrt(2 * 256) ~ 2e-4, so on the
    scale of 1-20 neighbours the set is one-dimensional.
    """
    rng = np.random.default_rng(11)
    n, harmonics = 2000, 4
    t = rng.uniform(0.0, 2.0 * math.pi, n)
    basis = np.concatenate([np.stack([np.cos(h * t), np.sin(h * t)], axis=1) for h in range(1, harmonics + 1)],
                           axis=1)
    coef = rng.normal(size=(2 * harmonics, EMBED_DIM)) / np.repeat(np.arange(1, harmonics + 1), 2)[:, None]
    return basis @ coef / math.sqrt(EMBED_DIM) + 1e-5 * rng.normal(size=(n, EMBED_DIM))


@pytest.fixture(scope="module")
def gauss10() -> np.ndarray:
    """2,000 points of a 10-D standard normal, rotated into 256-D."""
    rng = np.random.default_rng(12)
    x = np.zeros((2000, EMBED_DIM))
    x[:, :10] = rng.normal(size=(2000, 10))
    return x @ _rotation(EMBED_DIM, 13)


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """5 unit-variance Gaussian blobs in 20-D, 1,500 points; centres ~ N(0, 6^2) (>= ~20 apart)."""
    rng = np.random.default_rng(14)
    centres = rng.normal(size=(5, 20)) * 6.0
    labels = rng.integers(0, 5, 1500)
    return centres[labels] + rng.normal(size=(1500, 20)), labels


def _anisotropic_gaussian(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dim)) * np.linspace(2.0, 0.5, dim)


# --------------------------------------------------------------------------------------------
# Null model and neighbour search
# --------------------------------------------------------------------------------------------

def test_null_model_matches_mean_and_covariance():
    rng = np.random.default_rng(1)
    z = _anisotropic_gaussian(3000, 8, seed=2) + 3.0
    null = fl.null_model(z, 20000, rng)
    assert null.shape == (20000, 8) and null.dtype == np.float32
    # standard error of a mean is std / sqrt(n); of a variance ~ var * sqrt(2 / n)
    std = z.std(axis=0, ddof=1)
    assert np.all(np.abs(null.mean(axis=0) - z.mean(axis=0)) < K_SIGMA * std / math.sqrt(20000))
    assert np.allclose(null.var(axis=0, ddof=1), std**2, rtol=K_SIGMA * math.sqrt(2 / 20000))


# --------------------------------------------------------------------------------------------
# Data against null: the fitting bias that the double bootstrap removes
# --------------------------------------------------------------------------------------------

def _mean_nn(points: np.ndarray) -> float:
    return float(fl.knn_distances(points, 1)[:, 0].mean())


def test_measuring_relative_to_a_refitted_draw_removes_the_bias_of_the_fitted_null_in_256_dimensions():
    # In 256-D with 1,500 points the fitted covariance's spectrum is broadened (Marchenko-Pastur),
    # so the fitted null's 1-NN distances are ~0.5 % shorter than those of the Gaussian itself - a
    # spurious effect of several null sigmas. Measured relative to a draw of the null fitted to it, the
    # data's difference D_0 is distributed as a replicate's D_b, whose cloud was fitted the same way.
    z = _anisotropic_gaussian(1500, EMBED_DIM, seed=8)
    rng = np.random.default_rng(9)
    fitted = fl.fit_null(z, "mnd")
    first = [_mean_nn(fitted.sample(len(z), rng)) for _ in range(6)]
    replicates = []
    for _ in range(6):
        draw = fitted.sample(len(z), rng)
        replicates.append(_mean_nn(draw) - _mean_nn(fl.fit_null(draw, "mnd").sample(len(z), rng)))
    raw = (_mean_nn(z) - np.mean(first)) / np.std(first, ddof=1)
    assert abs(raw) > K_SIGMA  # compared with draws of its fitted null, the Gaussian looks structured
    data_difference = _mean_nn(z) - first[0]
    standardised = fl.pooled_standardise(np.array([[data_difference]] + [[d] for d in replicates]))
    assert abs(standardised[0, 0]) < 2.5 and np.mean(replicates) > 0  # a fitted null is "tighter"


# --------------------------------------------------------------------------------------------
# Intrinsic dimension
# --------------------------------------------------------------------------------------------

def test_dimension_of_a_curve_is_one(closed_curve):
    knn = fl.knn_distances(closed_curve, 20)
    # TwoNN MLE: relative standard error 1/sqrt(n) ~ 2 %; [0.7, 1.5] leaves room for curvature
    assert 0.7 <= fl.twonn_dimension(None, knn=knn) <= 1.5
    assert 0.7 <= fl.twonn_dimension(closed_curve, method="fit") <= 1.5
    assert 0.7 <= fl.levina_bickel_dimension(None, k=(10, 20), knn=knn) <= 1.5
    assert 0.7 <= float(np.nanmedian(fl.local_dimension(None, k=20, knn=knn))) <= 1.5


def test_dimension_of_a_10d_gaussian_in_256d(gauss10):
    # +-25 %: maximum-likelihood estimators assume a locally constant density; a Gaussian's density
    # falls off within a neighbourhood in its tails, which biases them downwards (about 9.2-9.6 at
    # n = 2,000, converging slowly to 10), on top of a ~2 % statistical error.
    knn = fl.knn_distances(gauss10, 20)
    for estimate in (fl.twonn_dimension(None, knn=knn), fl.twonn_dimension(None, knn=knn, method="fit"),
                     fl.levina_bickel_dimension(None, knn=knn), fl.levina_bickel_dimension(gauss10, k=15),
                     float(np.nanmedian(fl.local_dimension(None, knn=knn)))):
        assert 7.5 <= estimate <= 12.5, estimate


def test_dimension_estimators_validate_input():
    with pytest.raises(ValueError):
        fl.levina_bickel_dimension(None, k=(10, 20), knn=np.ones((10, 5)))
    with pytest.raises(ValueError):
        fl.twonn_dimension(None, knn=np.ones((10, 2)), method="median")
    with pytest.raises(ValueError):
        fl.twonn_dimension(None)


# --------------------------------------------------------------------------------------------
# Minimum spanning tree
# --------------------------------------------------------------------------------------------

def _dense_reference(x: np.ndarray) -> np.ndarray:
    return np.sort(minimum_spanning_tree(squareform(pdist(x))).data)


def test_mst_knn_graph_equals_exact_mst():
    x = np.random.default_rng(15).normal(size=(400, 8))
    edges, info = fl.mst_edge_lengths(x, k=10, dense_max=0, return_info=True)
    assert info["method"] == "knn" and info["knn_components"] == 1
    assert edges.shape == (399,)
    assert np.allclose(edges, _dense_reference(x))
    assert np.allclose(fl.mst_edge_lengths(x), edges)  # dense path (n <= dense_max)


def test_mst_bridges_a_disconnected_knn_graph():
    rng = np.random.default_rng(16)
    shift = np.zeros(6)
    shift[0] = 40.0
    x = np.concatenate([rng.normal(size=(150, 6)), rng.normal(size=(150, 6)) + shift])
    edges, info = fl.mst_edge_lengths(x, k=5, dense_max=0, return_info=True)
    assert info["knn_components"] == 2 and info["bridge_edges"] >= 1
    assert edges.shape == (299,)
    assert np.allclose(edges, _dense_reference(x))
    assert edges[-1] > 30.0  # the bridge between the two groups


def test_mst_keeps_zero_length_edges_of_duplicates():
    x = np.random.default_rng(17).normal(size=(100, 4))
    x = np.concatenate([x, x[:3]])
    for dense_max in (0, 1000):
        edges = fl.mst_edge_lengths(x, k=6, dense_max=dense_max)
        assert edges.shape == (102,) and np.count_nonzero(edges == 0.0) == 3


# --------------------------------------------------------------------------------------------
# Clusters
# --------------------------------------------------------------------------------------------

def test_hdbscan_finds_no_clusters_in_a_gaussian():
    z = _anisotropic_gaussian(3000, EMBED_DIM, seed=18)
    labels, summary = fl.cluster_cloud(z, n_pcs=10)
    assert labels.shape == (3000,)
    assert summary["n_clusters"] <= 1
    if summary["n_clusters"] == 1:
        assert summary["noise_share"] > 0.5
    # the null in the data's projection
    null = fl.null_model(z, 3000, np.random.default_rng(19))
    _, null_summary = fl.cluster_cloud(null, pca=summary["pca"])
    assert isinstance(summary["pca"], Gaussian) and 0 < summary["explained_variance"] <= 1
    assert null_summary["n_clusters"] <= 1 and null_summary["n_pcs"] == 10


def test_cluster_cloud_recovers_separated_blobs(blobs):
    x, truth = blobs
    labels, summary = fl.cluster_cloud(x, n_pcs=10)
    assert summary["n_clusters"] == 5
    assert sum(summary["sizes"]) + round(summary["noise_share"] * len(x)) == len(x)
    assert summary["sizes"] == sorted(summary["sizes"], reverse=True)
    assert fl.cluster_label_agreement(labels, truth) > 0.9
    random_labels = np.random.default_rng(20).integers(0, 5, len(x))
    assert abs(fl.cluster_label_agreement(labels, random_labels)) < 0.05


def test_cluster_label_agreement_ignores_noise():
    truth = np.repeat([0, 1, 2], 20)
    clusters = truth.copy()
    clusters[::4] = -1
    assert fl.cluster_label_agreement(clusters, truth) == pytest.approx(1.0)
    assert math.isnan(fl.cluster_label_agreement(np.full(60, -1), truth))


# --------------------------------------------------------------------------------------------
# Tails
# --------------------------------------------------------------------------------------------

def test_radial_outlier_profile_of_a_normal_sample():
    dim, n = EMBED_DIM, 20000
    rng = np.random.default_rng(21)
    a = rng.normal(size=(dim, dim)) / math.sqrt(dim)
    cov = a @ a.T + 0.1 * np.eye(dim)
    mean = rng.normal(size=dim)
    z = MultivariateNormal(mean, cov).sample(n, rng)
    profile = fl.radial_outlier_profile(z, mean, cov, thresholds=(2.5, 3.0, 3.5, 4.0))
    assert len(profile) == 8 and set(profile["criterion"]) == {"any axis", "Mahalanobis"}
    # closed forms: any axis beyond 3 sigma in 256-D is ~50 %; radial uses the 1-D tail share
    row = profile[(profile.criterion == "any axis") & (profile.threshold == 3.0)].iloc[0]
    assert row["expected"] == pytest.approx(1 - (1 - 2 * stats.norm.sf(3.0)) ** dim)
    assert 0.49 < row["expected"] < 0.51
    row = profile[(profile.criterion == "Mahalanobis") & (profile.threshold == 3.0)].iloc[0]
    assert row["expected"] == pytest.approx(2 * stats.norm.sf(3.0))
    assert row["cutoff"] == pytest.approx(stats.chi.isf(2 * stats.norm.sf(3.0), dim))
    for _, row in profile.iterrows():
        if row["expected"] * n >= 5:  # normal approximation of the binomial is fine
            assert abs(row["z"]) < K_SIGMA, row.to_dict()
        else:  # tiny expected counts: exact binomial tail at the same ~1e-4 level
            assert row["count"] <= stats.binom.isf(1e-4, n, row["expected"]) + 1, row.to_dict()


# --------------------------------------------------------------------------------------------
# Zoom helpers
# --------------------------------------------------------------------------------------------

def test_densest_point_and_zoom_window():
    rng = np.random.default_rng(22)
    background = rng.uniform(-10, 10, size=(5000, 2))
    clump = rng.normal(loc=(3.0, -4.0), scale=0.2, size=(500, 2))
    scores = np.concatenate([background, clump])
    centre = fl.densest_point(scores, bandwidth=0.3)
    assert np.allclose(centre, (3.0, -4.0), atol=0.2)  # ~ clump sigma / sqrt(500) + grid cell
    mask = fl.zoom_window(scores, centre, 1.0)
    assert mask.shape == (5500,) and mask[5000:].mean() > 0.99
    assert np.all(np.abs(scores[mask] - centre) <= 1.0)
    with pytest.raises(ValueError):
        fl.zoom_window(np.zeros((3, 3)), (0, 0), 1.0)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def _check_axes(fig: Figure, n_axes: int) -> None:
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    assert fig.get_figwidth() == pytest.approx(10.0)
    assert fig.get_suptitle() or fig.axes[0].get_title()
    for ax in fig.axes:
        assert ax.get_xlabel() or ax.get_ylabel()
        assert ax.get_ylabel()
    plt.close(fig)


def test_plots_return_labelled_figures(blobs):
    rng = np.random.default_rng(23)
    data = rng.normal(size=(300, 6))
    nulls = [rng.normal(size=(300, 6)) for _ in range(3)]
    data_knn = fl.knn_distances(data, 10)
    null_knns = [fl.knn_distances(p, 10) for p in nulls]
    _check_axes(fp.plot_knn_distance_curves(data_knn, null_knns), 2)
    _check_axes(fp.plot_mst_edges(fl.mst_edge_lengths(data), [fl.mst_edge_lengths(p) for p in nulls]), 2)
    _check_axes(fp.plot_local_dimension(fl.local_dimension(None, 10, knn=data_knn),
                                        [fl.local_dimension(None, 10, knn=k) for k in null_knns]), 1)
    fig = fp.plot_zoom_planes(data[:, :2], nulls[0][:, :2], centres=(0.0, 0.0), half_widths=(3.0, 1.0))
    _check_axes_limits = [(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes]
    assert _check_axes_limits[0] == _check_axes_limits[1] and _check_axes_limits[2] == _check_axes_limits[3]
    _check_axes(fig, 4)
    x, _ = blobs
    _, summary = fl.cluster_cloud(x)
    null_summaries = [fl.cluster_cloud(fl.null_model(x, len(x), rng), pca=summary["pca"])[1] for _ in range(2)]
    _check_axes(fp.plot_cluster_sizes(summary, null_summaries), 3)  # sizes, counts + twin noise axis
    profile = fl.radial_outlier_profile(data, data.mean(axis=0), np.cov(data, rowvar=False))
    _check_axes(fp.plot_radial_profile(profile), 2)


def test_neighbour_label_agreement_against_chance():
    from latent_fragments.stats.filaments import knn_search, neighbour_label_agreement

    rng = np.random.default_rng(8)
    centres = rng.normal(scale=10.0, size=(4, 12))
    truth = rng.integers(0, 4, 800)
    x = centres[truth] + rng.normal(size=(800, 12))
    _, idx = knn_search(x, k=5)
    observed, chance = neighbour_label_agreement(idx, truth)
    counts = np.bincount(truth) / len(truth)
    assert chance == pytest.approx(np.sum(counts**2))
    assert observed > 0.95  # separated blobs: neighbours share the blob
    shuffled, chance2 = neighbour_label_agreement(idx, rng.permutation(truth))
    se = np.sqrt(chance * (1 - chance) / idx.size)
    assert abs(shuffled - chance2) < 6 * se * np.sqrt(5)  # pairs are correlated within a point: inflate


# --------------------------------------------------------------------------------------------
# One measurement per cloud (chapter 4's effect table and figures share it)
# --------------------------------------------------------------------------------------------

def test_mst_reuses_given_neighbour_lists():
    x = np.random.default_rng(17).normal(size=(500, 8))
    knn = fl.knn_search(x, k=20)
    own = fl.mst_edge_lengths(x, k=10, dense_max=0)
    reused = fl.mst_edge_lengths(x, k=10, dense_max=0, knn=knn)
    assert np.array_equal(own, reused)
    assert np.allclose(reused, _dense_reference(x))
    with pytest.raises(ValueError, match="at least 10 neighbours"):
        fl.mst_edge_lengths(x, k=10, dense_max=0, knn=fl.knn_search(x, k=5))


def test_measure_cloud_matches_the_separate_functions(blobs):
    x, _ = blobs
    m = fl.measure_cloud(x)
    dist, idx = fl.knn_search(x, k=20)
    assert np.array_equal(m.knn_idx, idx) and np.allclose(m.knn_dist, dist)
    assert np.allclose(m.mst_edges, fl.mst_edge_lengths(x, dense_max=0))
    assert np.allclose(m.radii, Gaussian.fit(x).mahalanobis(x)) and m.total_variance == pytest.approx(
        np.trace(np.cov(x, rowvar=False)))
    labels, summary = fl.cluster_cloud(x, n_pcs=10)
    assert np.array_equal(m.clusters, labels) and m.cluster_summary["n_clusters"] == summary["n_clusters"] == 5
    values = dict(zip(fl.STATISTIC_KEYS, fl.filament_statistics(m)))
    assert len(values) == len(fl.STATISTICS)
    assert values["nn1"] == pytest.approx(dist[:, 0].mean()) and values["twonn"] == pytest.approx(
        fl.twonn_dimension(None, knn=dist))
    assert values["clusters"] == 5 and 0.5 < values["cluster_share"] <= 1.0
    assert values["radius_spread"] == pytest.approx(m.radii.std() / m.radii.mean())
    assert values["skewness"] > 1 and values["flattest_axis"] < 2.5  # five blobs: far from one Gaussian
    with pytest.raises(ValueError, match="20 neighbours"):
        fl.filament_statistics(fl.measure_cloud(x, k=10))


def test_label_carriage_and_whole_cloud_summary():
    import pandas as pd

    rng = np.random.default_rng(19)
    centres = rng.normal(scale=10.0, size=(3, 24))
    blob = rng.integers(0, 3, 900)
    x = centres[blob] + rng.normal(size=(900, 24))
    labels = pd.DataFrame({"blob": blob, "coin": rng.integers(0, 2, 900), "name": ["a"] * 900,
                           "id": np.arange(900)})
    values, table = fl.whole_cloud_summary(x, labels)
    assert set(table.index) == {"blob", "coin"}  # text and 900-level columns are skipped
    assert table.loc["blob", "lift"] > 2.5 and table.loc["blob", "levels"] == 3
    se = np.sqrt(0.5 * 0.5 / (900 * 20)) * np.sqrt(20)  # neighbour pairs of one point are correlated
    assert abs(table.loc["coin", "lift"] - 1.0) < 6 * se / table.loc["coin", "chance"]
    dist, idx = fl.knn_search(x, k=20)
    assert values["points"] == 900 and values["mean 1-NN distance"] == pytest.approx(dist[:, 0].mean())
    assert values["Levina–Bickel dimension"] == pytest.approx(fl.levina_bickel_dimension(None, knn=dist))
    with_clusters = fl.label_carriage(idx, labels, clusters=blob, rng=rng)
    assert with_clusters.loc["blob", "cluster AMI"] == pytest.approx(1.0)
    assert abs(with_clusters.loc["blob", "cluster AMI, shuffled labels"]) < 0.05
    assert fl.whole_cloud_summary(x)[1] is None
    with pytest.raises(ValueError, match="at least 20"):
        fl.whole_cloud_summary(x, k=10)


