"""Tests of latent_fragments.stats.regions: predictive ellipsoids hold their level for new points.

Controls are normal clouds of the chapters' sizes (dim 256; n = 5,400 and 540 for synthfaces at the
default and the small profile, 1,500, and ORL's 360) with a latent-space-like spectrum. Each check
repeats the fit on REPS training sets and compares the mean share of new points inside with the
nominal level, within K_SIGMA standard errors measured across the repetitions (or the binomial one,
if larger). BLAS runs on one thread: under load, multithreaded eigh of 256 x 256 is 30 times slower.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.regions import PredictiveRegion, nominal_share_inside

K_SIGMA = 4.0
DIM = 256
REPS = 6
N_NEW = 1000


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _latent_like(dim: int = DIM, seed: int = 0) -> Gaussian:
    rng = np.random.default_rng(seed)
    variances = np.exp(-np.arange(dim) / 30.0) + 0.01
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    return Gaussian.from_moments(np.full(dim, 0.5), (rotation * variances) @ rotation.T)


LEVELS = (0.95, 0.99)


def _mean_coverage(true: Gaussian, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Mean share inside per level over REPS fits, its standard error, and the method used."""
    rng = np.random.default_rng(seed)
    shares, methods = [], set()
    for _ in range(REPS):
        region = PredictiveRegion.fit(true.sample(n, rng), seed=int(rng.integers(1 << 30)))
        methods.add(region.method)
        inside = region.share_inside(true.sample(N_NEW, rng), levels=LEVELS)
        shares.append([inside[level] for level in LEVELS])
    shares = np.array(shares)
    levels = np.array(LEVELS)
    binomial = np.sqrt(levels * (1 - levels) / (REPS * N_NEW))
    se = np.maximum(shares.std(axis=0, ddof=1) / math.sqrt(REPS), binomial)
    (method,) = methods
    return shares.mean(axis=0), se, method


@pytest.mark.parametrize("n, method", [(5400, "hotelling"), (1500, "hotelling"), (540, "hotelling"),
                                       (360, "ledoit-wolf")])
def test_new_normal_points_land_in_the_nominal_level(n: int, method: str) -> None:
    mean, se, used = _mean_coverage(_latent_like(), n, seed=n)
    assert used == method
    assert np.all(np.abs(mean - np.array(LEVELS)) < K_SIGMA * se), (n, mean, se)


def test_the_nominal_chi_square_ellipsoid_misses_its_level() -> None:
    rng = np.random.default_rng(1)
    true = _latent_like()
    z, x = true.sample(1500, rng), true.sample(2000, rng)
    share = nominal_share_inside(z, x, 0.99)
    # the blog-style ellipsoid holds about 0.55 of new points at n = 1,500 (module docstring)
    assert 0.45 < share < 0.65
    assert nominal_share_inside(true.sample(360, rng), x, 0.99) < 0.01


def test_hotelling_threshold_tends_to_the_chi_square_quantile() -> None:
    from scipy import stats

    z = np.random.default_rng(2).normal(size=(200_000, 4))
    region = PredictiveRegion.fit(z)
    assert region.method == "hotelling" and region.covariance_name == "sample covariance"
    assert math.isclose(region.threshold(0.99), stats.chi2.ppf(0.99, 4), rel_tol=1e-3)
    # and exceeds it for small n, by the factor (n+1)/n * (n-1)p/(n-p) * F / chi2
    small = PredictiveRegion.fit(z[:20])
    expected = 21 / 20 * 19 * 4 / 16 * stats.f.ppf(0.99, 4, 16)
    assert math.isclose(small.threshold(0.99), expected, rel_tol=1e-12)


def test_ledoit_wolf_region_for_fewer_points_than_dimensions() -> None:
    rng = np.random.default_rng(3)
    true = _latent_like(dim=64)
    region = PredictiveRegion.fit(true.sample(50, rng))
    assert region.method == "ledoit-wolf" and region.null_d2.shape == (50,)
    assert region.covariance_name == "Ledoit-Wolf shrinkage covariance"
    inside = region.share_inside(true.sample(4000, rng), levels=(0.9,))[0.9]
    # one training set: the empirical 0.9 quantile of 50 values is off by about sqrt(0.09 / 50) in level
    assert abs(inside - 0.9) < K_SIGMA * math.sqrt(0.09 / 50)
    # cube points far outside the data: none inside
    cube = rng.uniform(-3, 3, size=(500, 64))
    assert region.share_inside(cube, levels=(0.99,))[0.99] == 0.0


def test_bad_arguments() -> None:
    z = np.random.default_rng(4).normal(size=(30, 20))
    with pytest.raises(ValueError, match="Hotelling"):
        PredictiveRegion.fit(z[:20], method="hotelling")
    with pytest.raises(ValueError, match="unknown method"):
        PredictiveRegion.fit(z, method="chi2")
    with pytest.raises(ValueError, match="at least 20"):
        PredictiveRegion.fit(z[:10, :8], method="ledoit-wolf")
    with pytest.raises(ValueError, match="level"):
        PredictiveRegion.fit(z).threshold(1.0)
