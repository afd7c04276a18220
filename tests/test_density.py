"""Tests of latent_fragments.stats.density: log densities and the choice between one Gaussian and mixtures."""
from __future__ import annotations

import math

import numpy as np
import pytest
from latent_fragments.stats.density import (
    gaussian_log_density,
    mixture_log_density,
    mixture_parameter_count,
    mixture_selection,
)
from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.generators import GaussianMixtureGenerator
from scipy import stats


def test_log_densities_match_scipy_and_sklearn():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    cov, mean = a @ a.T + 0.5 * np.eye(4), np.arange(4.0)
    z = rng.normal(size=(50, 4))
    np.testing.assert_allclose(gaussian_log_density(Gaussian.from_moments(mean, cov), z),
                               stats.multivariate_normal(mean, cov).logpdf(z), rtol=1e-10)
    blobs = np.concatenate([rng.normal(size=(300, 3)), rng.normal(size=(300, 3)) + 6.0])
    mixture = GaussianMixtureGenerator.fit(blobs, k=2, seed=0)
    from sklearn.mixture import GaussianMixture

    reference = GaussianMixture(2, covariance_type="full").fit(blobs)
    reference.weights_, reference.means_ = mixture.weights, mixture.means
    reference.covariances_ = mixture.covariances
    reference.precisions_cholesky_ = np.stack([np.linalg.cholesky(np.linalg.inv(c)) for c in mixture.covariances])
    np.testing.assert_allclose(mixture_log_density(mixture, blobs[:40]), reference.score_samples(blobs[:40]),
                               rtol=1e-8)
    assert mixture_parameter_count(1, 4) == 4 + 10 and mixture_parameter_count(3, 2) == 3 * 5 + 2


def test_two_blobs_choose_a_mixture():
    """Two well-separated unit normal blobs 5 (1, 1, 1) apart: the single Gaussian has variance
    1 + 75/4 along the separation, so the true mixture is better per point by 0.5 log(19.75) - log 2 = 0.80
    nats; BIC picks k = 2."""
    rng = np.random.default_rng(1)
    def draw(n):
        return np.concatenate([rng.normal(size=(n, 3)), rng.normal(size=(n, 3)) + 5.0])
    table, fitted = mixture_selection(draw(500), draw(500), ks=(1, 2, 4), seed=0)
    assert list(table.index) == [1, 2, 4] and set(fitted) == {1, 2, 4}
    assert table["held_out_loglik"].idxmax() in (2, 4)
    gain = table.loc[2, "held_out_loglik"] - table.loc[1, "held_out_loglik"]
    assert gain == pytest.approx(0.5 * math.log(19.75) - math.log(2), abs=0.15)
    assert table["bic"].idxmin() == 2
    # the per-point held-out log-likelihood of the true model is -3/2 log(2 pi e) - log 2 = -4.95; SE ~ 0.05
    assert table.loc[2, "held_out_loglik"] == pytest.approx(-1.5 * math.log(2 * math.pi * math.e) - math.log(2),
                                                            abs=0.25)
    assert table.loc[2, "points_per_component"] == 500.0


def test_one_gaussian_in_many_dimensions_mixtures_overfit():
    """One normal in 30-D with 400 training points: mixtures with 40-100 points per component fit the
    training points better and the held-out points worse."""
    rng = np.random.default_rng(2)
    train, held_out = rng.normal(size=(400, 30)), rng.normal(size=(400, 30))
    table, _ = mixture_selection(train, held_out, ks=(1, 4, 10), seed=0)
    assert table["held_out_loglik"].idxmax() == 1
    assert table["train_loglik"].is_monotonic_increasing
    assert table["bic"].idxmin() == 1
    # k larger than half the points is skipped
    small, _ = mixture_selection(train[:10], held_out[:10, :2][:, :2].repeat(15, axis=1)[:, :30], ks=(1, 6))
    assert list(small.index) == [1]
