"""Headline figures of a run (chapter 5): Mardia's moments and the shape figures on controls of known answer."""
from __future__ import annotations

import numpy as np
import pytest
from latent_fragments.stats.headline import generator_quality, mardia, shape_figures


def test_mardia_on_a_gaussian_control_matches_its_expectations():
    """n b1 / 6 ~ chi2(p(p+1)(p+2)/6): sd of b1 = 6 sqrt(2 df) / n; b2 has sd sqrt(8 p (p+2) / n)."""
    n, p = 2000, 5
    z = np.random.default_rng(0).standard_normal((n, p)) @ np.diag([3.0, 2.0, 1.0, 0.5, 0.1]) + 7.0
    m = mardia(z, n_axes=p)
    df = p * (p + 1) * (p + 2) / 6
    assert m["skewness_mnd"] == pytest.approx(p * (p + 1) * (p + 2) / n)
    assert abs(m["skewness"] - m["skewness_mnd"]) < 4 * 6 * np.sqrt(2 * df) / n
    assert m["kurtosis"] == pytest.approx(p * (p + 2), abs=4 * np.sqrt(8 * p * (p + 2) / n))
    assert m["skewness_ratio"] == pytest.approx(1.0, abs=0.5) and m["kurtosis_ratio"] == pytest.approx(1.0, abs=0.05)


def test_mardia_sees_skewed_and_heavy_tailed_controls():
    rng = np.random.default_rng(1)
    skewed = mardia(rng.exponential(size=(2000, 4)), n_axes=4)
    assert skewed["skewness_ratio"] > 20  # exponential marginals: skewness 2 each, b1 ~ 4 * 4 = 16 vs 0.06
    t = rng.standard_normal((2000, 4)) / np.sqrt(rng.chisquare(5, size=(2000, 1)) / 5)
    heavy = mardia(t, n_axes=4)
    assert heavy["kurtosis_ratio"] > 1.5  # multivariate t with 5 degrees of freedom: b2 = p(p+2)(nu-2)/(nu-4) = 3x
    assert mardia(t, max_points=500)["n_points"] == 500


def test_shape_figures_of_a_known_ellipsoid():
    """An MND in 20 dimensions with variances 10 on two axes and 1 on 18: 90 % of the variance needs
    2 + ceil((0.9 * 38 - 20) / 1) = 17 axes; the core share is erf(3/sqrt 2)^20 = 0.947; the origin,
    40 sd off along the first axis, lies outside the cloud. The normal draws are orthonormalised, so the
    sample variances are exactly those."""
    rng = np.random.default_rng(2)
    sd = np.array([np.sqrt(10.0)] * 2 + [1.0] * 18)
    x = rng.standard_normal((4000, 20))
    q, _ = np.linalg.qr(x - x.mean(0))
    z = q * np.sqrt(4000 - 1) * sd
    z[:, 0] += 40 * sd[0]
    fig = shape_figures(z)
    assert fig["n90"] == 17 and fig["n90_share"] == pytest.approx(17 / 20)
    assert fig["core_expected"] == pytest.approx(0.9474, abs=1e-4)
    assert fig["core_share"] == pytest.approx(fig["core_expected"], abs=3 * np.sqrt(0.05 * 0.95 / 4000))
    assert fig["origin_share_closer"] == 1.0 and fig["origin_ratio"] > 5
    assert fig["kurtosis_ratio"] == pytest.approx(1.0, abs=0.05)


def test_generator_quality_names_each_set():
    rng = np.random.default_rng(3)
    real = rng.standard_normal((300, 6))
    q = generator_quality(real, {"same": rng.standard_normal((300, 6)), "shifted": rng.standard_normal((300, 6)) + 2})
    assert set(q) == {"fd_same", "kid_same", "fd_shifted", "kid_shifted"}
    assert q["fd_shifted"] == pytest.approx(6 * 4, rel=0.15) and q["fd_same"] < 0.5  # FD = |shift|^2 = 24
    assert q["kid_shifted"] > 10 * abs(q["kid_same"])
