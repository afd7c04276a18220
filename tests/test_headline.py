"""Headline figures of a run (chapter 5): Mardia's moments and the shape figures on controls of known answer."""
from __future__ import annotations

import numpy as np
import pytest
from latent_fragments.stats.headline import (
    active_units,
    generator_quality,
    heldout_change,
    mardia,
    mardia_test,
    origin_out_of_sample,
    shape_figures,
)


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
    assert fig["origin_ratio"] > 5 and fig["mardia_p"] > 0.05
    assert fig["kurtosis_ratio"] == pytest.approx(1.0, abs=0.05)


def test_generator_quality_names_each_set_with_intervals():
    rng = np.random.default_rng(3)
    real = rng.standard_normal((300, 6))
    q = generator_quality(real, {"same": rng.standard_normal((300, 6)), "shifted": rng.standard_normal((300, 6)) + 2},
                          n_boot=20)
    assert {f"{m}_{g}{e}" for m in ("fd", "kid", "recall") for g in ("same", "shifted") for e in ("", "_lo", "_hi")} \
        == set(q)
    assert q["fd_shifted"] == pytest.approx(6 * 4, rel=0.15) and q["fd_same"] < 0.5  # FD = |shift|^2 = 24
    assert q["kid_shifted"] > 10 * abs(q["kid_same"])
    assert q["recall_shifted"] < q["recall_same"] - 0.2 and q["fd_same_hi"] < q["fd_shifted_lo"]
    assert set(generator_quality(real, {"same": real[::-1] + 0.01})) == {"fd_same", "kid_same", "recall_same"}


def test_mardia_test_size_on_gaussians_and_power_on_skewed_and_heavy_tailed_clouds():
    """Exact normal clouds (300 x 8, anisotropic, off-centre): the test rejects at 5 % in about 5 % of
    them (here at most 3 of 20; binomial(20, 0.05) exceeds 3 with probability 0.016). Exponential
    marginals (skewness 2) and a multivariate t with 5 degrees of freedom (kurtosis 3x): always rejected."""
    rng = np.random.default_rng(4)
    scale = np.linspace(0.2, 3.0, 8)
    ps = [mardia_test(rng.standard_normal((300, 8)) * scale + 5.0, n_draws=39, seed=s)["p"] for s in range(20)]
    assert sum(p <= 0.05 for p in ps) <= 3 and min(ps) >= 2 / 40
    skewed = mardia_test(rng.exponential(size=(300, 8)) * scale, n_draws=39)
    t = rng.standard_normal((300, 8)) / np.sqrt(rng.chisquare(5, size=(300, 1)) / 5)
    heavy = mardia_test(t * scale, n_draws=39)
    assert skewed["skewness_p"] == 1 / 40 and skewed["p"] == 2 / 40
    assert heavy["kurtosis_p"] == 1 / 40 and heavy["p"] <= 0.05


def test_a_new_point_of_an_exact_gaussian_is_beyond_the_90_percent_region_at_about_the_nominal_rate():
    """At chapter 5's size (5,400 training and 600 held-out z-points in 256 dimensions) a new point of the
    same normal, taken as the origin, lies outside the predictive 90 % region in about 10 % of fits
    (binomial(40, 0.1): 1 to 10 with probability 0.983) and outside the 99.9 % one almost never; the share
    of held-out points nearer the centre is uniform (mean 0.5). The in-sample rule it replaces called
    such a point "near or beyond the border" in 92 % of fits."""
    rng = np.random.default_rng(5)
    scale = np.linspace(0.5, 2.0, 256)
    results = []
    for _ in range(40):
        z = rng.standard_normal((6001, 256)) * scale
        new = z[-1]
        results.append(origin_out_of_sample(z[:5400] - new, z[5400:6000] - new))
    beyond90 = sum(r["origin_beyond_90"] for r in results)
    assert 1 <= beyond90 <= 10 and sum(r["origin_beyond_999"] for r in results) <= 1
    assert np.mean([r["origin_heldout_closer"] for r in results]) == pytest.approx(0.5, abs=0.15)
    far = origin_out_of_sample(z[:5400] + 3 * scale, z[5400:6000] + 3 * scale)  # the centre 48 sd away
    assert far == {"origin_beyond_90": 1.0, "origin_beyond_999": 1.0, "origin_heldout_closer": 1.0}


def test_active_units_and_the_last_change_of_the_held_out_loss():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((500, 6)) * [1.0, 0.5, 0.2, 0.05, 0.01, 0.0]  # variances 1, 0.25, 0.04, 0.0025, ...
    assert active_units(z) == 3 and active_units(z, threshold=0.001) == 4
    history = [{"val_loss": v} for v in (100.0, 90.0, 89.0, 88.5)]
    assert heldout_change(history) == pytest.approx(1.5 / 90.0) and heldout_change(history, epochs=1) == \
        pytest.approx(0.5 / 89.0)
    assert np.isnan(heldout_change(history[:2])) and np.isnan(heldout_change([{"loss": 1.0}] * 4))
