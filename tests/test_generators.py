"""Tests of latent_fragments.stats.generators: shapes, determinism and the statistics of each generator.

Tolerances are k standard errors of the estimate under test (k = 4 unless noted), so a correct
implementation fails with probability well below 1e-4 per check; seeds are fixed anyway.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from latent_fragments.stats.generators import (
    Generator,
    IndependentNormal,
    IsotropicNormal,
    MultivariateNormal,
    UniformBall,
    UniformCube,
    cube_b_matching_radius,
    thin_shell_radius,
)

K_SIGMA = 4.0


def _correlated_cov(dim: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(dim, dim))
    return a @ a.T / dim + 0.5 * np.eye(dim)


def _all_generators(dim: int = 6) -> list[Generator]:
    cov = _correlated_cov(dim)
    return [
        UniformCube(dim, 1.5),
        UniformBall(dim, 2.0),
        UniformBall(dim, 2.0, center=np.arange(dim, dtype=float)),
        IsotropicNormal(dim, sigma=0.7),
        IsotropicNormal(dim, sigma=0.7, mean=np.ones(dim)),
        IndependentNormal(np.arange(dim, dtype=float), np.linspace(0.5, 2.0, dim)),
        MultivariateNormal(np.zeros(dim), cov),
    ]


@pytest.mark.parametrize("generator", _all_generators(), ids=lambda g: g.label)
def test_shape_dtype_and_seed_determinism(generator: Generator) -> None:
    assert isinstance(generator, Generator)
    assert isinstance(generator.label, str) and generator.label
    assert generator.dim == 6
    first = generator.sample(50, np.random.default_rng(7))
    again = generator.sample(50, np.random.default_rng(7))
    other = generator.sample(50, np.random.default_rng(8))
    assert first.shape == (50, 6)
    assert first.dtype == np.float32
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert generator.sample(0, np.random.default_rng(0)).shape == (0, 6)


def test_labels_and_kinds() -> None:
    cube = UniformCube(256, 1.5)
    assert cube.label == "uniform cube b=1.50" and cube.key == "cube"
    assert not hasattr(cube, "name")  # the old alias of label is gone
    assert UniformCube(4, 1.0, name="my cube").label == "my cube"
    kinds = {g.kind for g in _all_generators()}
    assert kinds == {"cube", "ball", "isotropic_normal", "independent_normals", "mnd"}


def test_uniform_cube_radius_matches_thin_shell_law() -> None:
    n, dim, b = 20_000, 256, 1.5
    r = np.linalg.norm(UniformCube(dim, b).sample(n, np.random.default_rng(11)).astype(np.float64), axis=1)
    mean_expected, std_expected = thin_shell_radius(b, dim)
    se_mean = std_expected / math.sqrt(n)
    # SE of a sample std: sigma * sqrt((kurtosis_excess + 2) / (4 n)); R is close to normal here, but
    # use the measured excess kurtosis of R to be safe.
    kurt = stats.kurtosis(r)
    se_std = std_expected * math.sqrt((kurt + 2.0) / (4.0 * n))
    assert abs(r.mean() - mean_expected) < K_SIGMA * se_mean
    assert abs(r.std(ddof=1) - std_expected) < K_SIGMA * se_std
    # The leading term of the law: <R> ~ b sqrt(dim/3) to O(1/sqrt(dim)) relative.
    assert mean_expected == pytest.approx(b * math.sqrt(dim / 3), rel=1.0 / dim)


def test_uniform_cube_components_are_uniform_in_range() -> None:
    n, dim, b = 20_000, 4, 0.8
    x = UniformCube(dim, b).sample(n, np.random.default_rng(12)).astype(np.float64)
    assert x.min() >= -b and x.max() <= b
    for column in x.T:
        assert stats.kstest(column, "uniform", args=(-b, 2 * b)).pvalue > 1e-4
    # mean 0 with variance b^2/3 per component; the variance of x^2 is 4 b^4 / 45
    se_mean = math.sqrt(b**2 / 3 / n)
    se_var = math.sqrt(4 * b**4 / 45 / n)
    np.testing.assert_array_less(np.abs(x.mean(axis=0)), K_SIGMA * se_mean)
    np.testing.assert_array_less(np.abs((x**2).mean(axis=0) - b**2 / 3), K_SIGMA * se_var)


def test_uniform_ball_radii_and_volume_law() -> None:
    n, dim, radius = 20_000, 3, 2.0
    center = np.array([1.0, -2.0, 0.5])
    x = UniformBall(dim, radius, center=center).sample(n, np.random.default_rng(13)).astype(np.float64)
    r = np.linalg.norm(x - center, axis=1)
    assert r.max() <= radius * (1 + 1e-6)  # float32 rounding
    # Uniform density: P(R <= 0.9 radius) = 0.9^dim.
    p = 0.9**dim
    se = math.sqrt(p * (1 - p) / n)
    assert abs(np.mean(r <= 0.9 * radius) - p) < K_SIGMA * se
    # Directions are isotropic: the mean of the unit vectors is 0 with SE sqrt(1/(dim n)).
    unit = (x - center) / r[:, None]
    np.testing.assert_array_less(np.abs(unit.mean(axis=0)), K_SIGMA * math.sqrt(1 / (dim * n)))


def test_isotropic_normal_moments() -> None:
    n, dim, sigma = 20_000, 5, 0.7
    mean = np.linspace(-1, 1, dim)
    x = IsotropicNormal(dim, sigma, mean).sample(n, np.random.default_rng(14)).astype(np.float64)
    np.testing.assert_array_less(np.abs(x.mean(axis=0) - mean), K_SIGMA * sigma / math.sqrt(n))
    # SE of a normal sample variance: sigma^2 sqrt(2 / n)
    np.testing.assert_array_less(np.abs(x.var(axis=0, ddof=1) - sigma**2), K_SIGMA * sigma**2 * math.sqrt(2 / n))


def test_independent_normal_fit_keeps_moments_but_drops_correlations() -> None:
    n, dim = 20_000, 4
    rng = np.random.default_rng(15)
    cov = np.full((dim, dim), 0.8) + 0.2 * np.eye(dim)  # strongly correlated training data
    data = rng.multivariate_normal(np.arange(dim, dtype=float), cov, size=n)
    generator = IndependentNormal.fit(data)
    np.testing.assert_allclose(generator.mean, data.mean(axis=0))
    np.testing.assert_allclose(generator.std, data.std(axis=0, ddof=1))
    x = generator.sample(n, np.random.default_rng(16)).astype(np.float64)
    corr = np.corrcoef(x, rowvar=False)
    off_diagonal = corr[np.triu_indices(dim, 1)]
    np.testing.assert_array_less(np.abs(off_diagonal), K_SIGMA / math.sqrt(n))  # SE of r near 0
    np.testing.assert_array_less(np.abs(x.std(axis=0, ddof=1) - 1.0), K_SIGMA * math.sqrt(1 / (2 * n)))


def test_multivariate_normal_fit_recovers_mean_and_cov() -> None:
    n, dim = 20_000, 5
    true_cov = _correlated_cov(dim)
    true_mean = np.linspace(-2, 2, dim)
    data = MultivariateNormal(true_mean, true_cov).sample(n, np.random.default_rng(17)).astype(np.float64)
    fitted = MultivariateNormal.fit(data)
    se_mean = np.sqrt(np.diag(true_cov) / n)
    np.testing.assert_array_less(np.abs(fitted.mean - true_mean), K_SIGMA * se_mean)
    # Normal theory: Var(S_ij) = (Sigma_ij^2 + Sigma_ii Sigma_jj) / n
    diag = np.diag(true_cov)
    se_cov = np.sqrt((true_cov**2 + np.outer(diag, diag)) / n)
    np.testing.assert_array_less(np.abs(fitted.cov - true_cov), K_SIGMA * se_cov)
    # The fitted generator's samples reproduce the fitted covariance.
    resampled = fitted.sample(n, np.random.default_rng(18)).astype(np.float64)
    fitted_diag = np.diag(fitted.cov)
    se_fitted = np.sqrt((fitted.cov**2 + np.outer(fitted_diag, fitted_diag)) / n)
    np.testing.assert_array_less(np.abs(np.cov(resampled, rowvar=False) - fitted.cov), K_SIGMA * se_fitted)


def test_multivariate_normal_accepts_singular_covariance() -> None:
    # A dead latent component (zero variance) and a duplicated one: rank 2 of 4.
    base = np.random.default_rng(19).normal(size=(500, 2))
    data = np.column_stack([base[:, 0], base[:, 1], base[:, 0], np.full(500, 3.0)])
    generator = MultivariateNormal.fit(data)
    x = generator.sample(1000, np.random.default_rng(20)).astype(np.float64)
    assert np.all(np.isfinite(x))
    np.testing.assert_allclose(x[:, 3], 3.0, atol=1e-5)
    np.testing.assert_allclose(x[:, 0], x[:, 2], atol=1e-4)


def test_multivariate_normal_rejects_bad_covariance() -> None:
    with pytest.raises(ValueError):
        MultivariateNormal(np.zeros(2), np.array([[1.0, 0.0], [0.0, -1.0]]))
    with pytest.raises(ValueError):
        MultivariateNormal(np.zeros(3), np.eye(2))


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError):
        UniformCube(4, 0.0)
    with pytest.raises(ValueError):
        UniformBall(4, -1.0)
    with pytest.raises(ValueError):
        IsotropicNormal(0)
    with pytest.raises(ValueError):
        UniformBall(3, 1.0, center=np.zeros(4))


@pytest.mark.parametrize("dim", [3, 16, 256])
def test_thin_shell_radius_formula(dim: int) -> None:
    mean, std = thin_shell_radius(1.0, dim)
    # Exact identity E[R]^2 + Var(R) = E[R^2] = dim b^2 / 3.
    assert mean**2 + std**2 == pytest.approx(dim / 3)
    # Scaling with b, and the large-dim limit of the std, b / sqrt(15).
    mean2, std2 = thin_shell_radius(2.5, dim)
    assert (mean2, std2) == pytest.approx((2.5 * mean, 2.5 * std))
    if dim >= 16:
        assert std == pytest.approx(1 / math.sqrt(15), rel=0.02)
    means, stds = thin_shell_radius(np.array([1.0, 2.5]), dim)
    np.testing.assert_allclose(means, [mean, mean2])


def test_thin_shell_radius_against_monte_carlo_in_low_dim() -> None:
    n, dim, b = 200_000, 16, 1.0  # the std approximation is biased by 0.35 % at dim = 8
    r = np.linalg.norm(np.random.default_rng(21).uniform(-b, b, size=(n, dim)), axis=1)
    mean, std = thin_shell_radius(b, dim)
    assert abs(r.mean() - mean) < K_SIGMA * std / math.sqrt(n)
    assert abs(r.std() - std) < K_SIGMA * std * math.sqrt((stats.kurtosis(r) + 2) / (4 * n))


@pytest.mark.parametrize("dim", [2, 16, 256])
def test_cube_b_matching_radius_inverts_thin_shell_radius(dim: int) -> None:
    for b in (0.3, 1.0, 4.2):
        assert cube_b_matching_radius(thin_shell_radius(b, dim)[0], dim) == pytest.approx(b, rel=1e-12)
    assert cube_b_matching_radius(10.0, 256) == pytest.approx(10.0 * math.sqrt(3 / 256), rel=2e-3)


def test_matched_generators_reproduce_the_data_mean_radius():
    from latent_fragments.stats.generators import matched_generators

    rng = np.random.default_rng(11)
    dim, n = 64, 4000
    z = rng.normal(0.5, 2.0, size=(n, dim)) @ np.diag(np.linspace(0.2, 1.5, dim))
    target = np.linalg.norm(z, axis=1).mean()
    gens = matched_generators(z)
    assert [g.kind for g in gens] == ["cube", "ball", "isotropic_normal", "independent_normals", "mnd"]
    for gen in gens[:3]:
        r = np.linalg.norm(gen.sample(n, rng), axis=1)
        # matched in expectation: within 4 standard errors of the sample mean radius
        assert abs(r.mean() - target) < 4 * r.std(ddof=1) / np.sqrt(n) + 1e-3 * target, gen.label


def test_registry_declares_each_family_once_with_its_colour():
    from latent_fragments.plots.style import color
    from latent_fragments.stats.generators import GENERATOR_KINDS, generator_kind

    keys = [kind.key for kind in GENERATOR_KINDS]
    assert len(set(keys)) == len(keys) and len({kind.label for kind in GENERATOR_KINDS}) == len(keys)
    for kind in GENERATOR_KINDS:
        assert color(kind.key) == kind.colour and generator_kind(kind.key) is kind
    assert len({kind.colour for kind in GENERATOR_KINDS}) == len(keys)
    with pytest.raises(KeyError):
        generator_kind("MND")  # a display label is not a key


def test_fragment_generators_have_distinct_keys_and_registered_kinds():
    from latent_fragments.stats.generators import (
        FragmentFit, GaussianMixtureGenerator, fragment_generators, generator_kind)

    rng = np.random.default_rng(5)
    z = rng.standard_normal((400, 4)) @ np.diag([3.0, 1.0, 0.5, 0.2]) + 1.0
    mixtures = {k: GaussianMixtureGenerator.fit(z, k=k, seed=0) for k in (1, 2, 10)}
    gens = fragment_generators(FragmentFit(z, mixtures, best_k=2))
    keys = [g.key for g in gens]
    assert keys == ["cube", "ball", "mnd", "mnd_truncated_2", "mnd_truncated_3", "ellipsoid_99", "gmm_10",
                    "gmm_2"]
    assert all(generator_kind(g.kind) for g in gens) and len({g.label for g in gens}) == len(gens)
    assert [g.key for g in gens if generator_kind(g.kind).density] == ["mnd", "gmm_10", "gmm_2"]
    # the best k is added only when it is neither the single Gaussian nor Ghosh et al.'s k = 10
    for best in (1, 10):
        assert [g.key for g in fragment_generators(FragmentFit(z, mixtures, best))][-1] == "gmm_10"
