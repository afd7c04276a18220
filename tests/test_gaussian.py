"""Tests of latent_fragments.stats.gaussian: the book's one Gaussian object.

Tolerances are K_SIGMA standard errors of the estimate under test, derived from the sample size;
seeds are fixed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import linalg

from latent_fragments.stats.gaussian import Gaussian, as_cloud, log_det_bias

K_SIGMA = 4.0


def _spd(dim: int, seed: int = 0) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(dim, dim))
    return a @ a.T / dim + 0.3 * np.eye(dim)


def test_sample_moments_within_tolerances_from_n() -> None:
    dim, n = 5, 40_000
    mean, cov = np.linspace(-1.0, 2.0, dim), _spd(dim)
    z = Gaussian.from_moments(mean, cov).sample(n, np.random.default_rng(1)).astype(np.float64)
    assert z.shape == (n, dim)
    se_mean = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(z.mean(axis=0) - mean) < K_SIGMA * se_mean)
    # SE of a normal sample covariance entry: sqrt((s_ij^2 + s_ii s_jj) / n)
    se_cov = np.sqrt((cov ** 2 + np.outer(np.diag(cov), np.diag(cov))) / n)
    assert np.all(np.abs(np.cov(z, rowvar=False) - cov) < K_SIGMA * se_cov)


def test_fit_recovers_the_sample_moments_and_sorted_axes() -> None:
    z = np.random.default_rng(2).normal(size=(300, 4)) @ np.diag([3.0, 1.0, 2.0, 0.5])
    g = Gaussian.fit(z)
    np.testing.assert_allclose(g.mean, z.mean(axis=0))
    np.testing.assert_allclose(g.cov, np.cov(z, rowvar=False), atol=1e-12)
    assert np.all(np.diff(g.variances) <= 0) and g.n_points == 300
    np.testing.assert_allclose(g.components @ g.components.T, np.eye(4), atol=1e-12)
    assert math.isclose(g.explained_ratio.sum(), 1.0)


def test_from_moments_accepts_psd_and_rejects_bad_input() -> None:
    singular = np.diag([2.0, 1.0, 0.0])
    g = Gaussian.from_moments(np.zeros(3), singular)
    np.testing.assert_allclose(g.variances, [2.0, 1.0, 0.0])
    assert g.log_det() == -math.inf
    with pytest.raises(ValueError, match="positive semi-definite"):
        Gaussian.from_moments(np.zeros(2), np.array([[1.0, 0.0], [0.0, -0.5]]))
    with pytest.raises(ValueError, match="shape"):
        Gaussian.from_moments(np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="finite"):
        Gaussian.from_moments(np.zeros(2), np.array([[1.0, np.nan], [np.nan, 1.0]]))
    with pytest.raises(ValueError, match="non-empty vector"):
        Gaussian.from_moments(np.zeros((2, 2)), np.eye(2))
    with pytest.raises(ValueError, match="at least 2"):
        Gaussian.fit(np.zeros((1, 3)))


def test_whiten_and_mahalanobis_agree_with_a_direct_solve() -> None:
    dim = 6
    mean, cov = np.arange(dim, dtype=float), _spd(dim, seed=3)
    g = Gaussian.from_moments(mean, cov)
    x = np.random.default_rng(4).normal(size=(50, dim)) * 2 + mean
    d2_direct = np.einsum("ij,ij->i", x - mean, linalg.solve(cov, (x - mean).T).T)
    np.testing.assert_allclose(g.mahalanobis(x, squared=True), d2_direct, rtol=1e-10)
    np.testing.assert_allclose(g.mahalanobis(x), np.sqrt(d2_direct), rtol=1e-10)
    white = g.whiten(x)
    np.testing.assert_allclose(np.cov(g.whiten(g.sample(20_000, np.random.default_rng(5))), rowvar=False),
                               np.eye(dim), atol=K_SIGMA * math.sqrt(2 / 20_000))
    np.testing.assert_allclose(g.unwhiten(white), x, atol=1e-10)


def test_log_det_matches_slogdet() -> None:
    cov = _spd(8, seed=6)
    sign, logdet = np.linalg.slogdet(cov)
    assert sign > 0 and math.isclose(Gaussian.from_moments(np.zeros(8), cov).log_det(), logdet, rel_tol=1e-10)


def test_log_det_bias_matches_simulation() -> None:
    n, dim, reps = 40, 10, 2000
    rng = np.random.default_rng(7)
    errors = np.array([np.linalg.slogdet(np.cov(rng.normal(size=(n, dim)), rowvar=False))[1]
                       for _ in range(reps)])
    bias = log_det_bias(n, dim)
    assert abs(errors.mean() - bias) < K_SIGMA * errors.std(ddof=1) / math.sqrt(reps)
    assert bias < 0 and abs(log_det_bias(100_000, dim) - (-dim * (dim + 1) / 200_000)) < 1e-6
    with pytest.raises(ValueError, match="n > dim"):
        log_det_bias(10, 10)


def test_radius_moments_match_simulation() -> None:
    dim, n = 20, 20_000
    mean, cov = np.full(dim, 0.8), _spd(dim, seed=8)
    g = Gaussian.from_moments(mean, cov)
    r2 = np.sum(g.sample(n, np.random.default_rng(9)).astype(np.float64) ** 2, axis=1)
    mean_r2, var_r2 = g.radius_moments()
    assert math.isclose(mean_r2, mean @ mean + np.trace(cov), rel_tol=1e-12)
    assert abs(r2.mean() - mean_r2) < K_SIGMA * math.sqrt(var_r2 / n)
    # SE of a sample variance: sqrt((m4 - var^2) / n), with the measured fourth central moment
    m4 = np.mean((r2 - r2.mean()) ** 4)
    assert abs(r2.var(ddof=1) - var_r2) < K_SIGMA * math.sqrt((m4 - var_r2 ** 2) / n)


def test_fit_shrunk_is_positive_definite_when_n_is_below_dim() -> None:
    z = np.random.default_rng(10).normal(size=(30, 50))
    g = Gaussian.fit_shrunk(z)
    assert g.variances.min() > 0 and np.isfinite(g.log_det()) and g.n_points == 30
    np.testing.assert_allclose(g.mean, z.mean(axis=0))
    # shrinkage pulls the spectrum together: the largest variance drops below the sample one
    assert g.variances[0] < Gaussian.fit(z).variances[0]


def test_as_cloud() -> None:
    assert as_cloud(np.arange(3)).shape == (1, 3)
    with pytest.raises(ValueError, match="shape"):
        as_cloud(np.zeros((2, 2, 2)))
