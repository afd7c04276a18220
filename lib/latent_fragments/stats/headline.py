"""Headline figures of one run, with chapters 2-4's functions, for comparing runs (chapter 5).

One row of numbers per trained run: how many principal axes carry 90 % of the variance, the dense core's
share against the multivariate normal's expectation, Mardia's multivariate skewness and kurtosis as effect
sizes, where the origin lies, the scoring network's FD and KID of decoded MND and cube samples, and
optionally chapter 4's verdict label. :func:`headline_row` computes them; the sweep
(:mod:`latent_fragments.sweep`) gathers the rows into a table.
"""
from __future__ import annotations

import math

import numpy as np

from .fragment import core_expected_share, core_mask, origin_position
from .gaussian import Gaussian, as_cloud

#: Columns of :func:`headline_row` that are numbers (mean and sd over seeds in the sweep's summary).
NUMERIC = ("n90", "n90_share", "core_share", "core_expected", "skewness_ratio", "kurtosis_ratio",
           "origin_share_closer", "origin_ratio", "recon_mse", "fd_mnd", "fd_cube", "kid_mnd", "kid_cube",
           "fd_prior", "kid_prior")


def mardia(z: np.ndarray, n_axes: int | None = None, max_points: int = 2000,
           rng: np.random.Generator | None = None) -> dict[str, float]:
    """Mardia's multivariate skewness ``b1`` and kurtosis ``b2`` of ``z``, with their MND expectations.

    Introduced in chapter 5. On the leading ``n_axes`` principal axes (default: all, at most a tenth of the
    points, so the covariance is well estimated), on a seeded sample of at most ``max_points`` rows. With
    ``w`` the whitened rows (covariance of ddof 0), ``b1 = mean_ij (w_i . w_j)^3`` and ``b2 = mean_i |w_i|^4``.
    For an MND of ``p`` dimensions and ``n`` points ``E[b1] ~ p(p+1)(p+2)/n`` (``n b1 / 6`` is chi-square
    with ``p(p+1)(p+2)/6`` degrees of freedom; 0 only for infinite ``n``) and ``E[b2] = p(p+2)(n-1)/(n+1)``.
    Keys: ``skewness``, ``skewness_mnd``, ``skewness_ratio`` (b1 over its MND value), ``kurtosis``,
    ``kurtosis_mnd``, ``kurtosis_ratio``, ``n_axes``, ``n_points``.
    """
    z = as_cloud(z)
    if len(z) > max_points:
        rng = np.random.default_rng(0) if rng is None else rng
        z = z[np.sort(rng.choice(len(z), int(max_points), replace=False))]
    n = len(z)
    p = min(z.shape[1], max(1, n // 10)) if n_axes is None else int(n_axes)
    white = Gaussian.fit(z).whiten(z, p) * math.sqrt(n / (n - 1.0))
    gram = white @ white.T
    b1 = float(np.mean(gram ** 3))
    b2 = float(np.mean(np.diag(gram) ** 2))
    b1_mnd = p * (p + 1) * (p + 2) / n
    b2_mnd = p * (p + 2) * (n - 1) / (n + 1)
    return {"skewness": b1, "skewness_mnd": b1_mnd, "skewness_ratio": b1 / b1_mnd, "kurtosis": b2,
            "kurtosis_mnd": b2_mnd, "kurtosis_ratio": b2 / b2_mnd, "n_axes": float(p), "n_points": float(n)}


def shape_figures(z: np.ndarray, sigma: float = 3.0) -> dict[str, float]:
    """The geometric headline figures of the z-points ``z`` (chapter 5, with chapters 2-3's functions).

    ``n90`` axes for 90 % of the variance and its share ``n90_share`` of ``z_dim``; ``core_share`` of
    the points within ``sigma`` on every principal axis and ``core_expected``, the MND's share; Mardia's
    ``skewness_ratio`` and ``kurtosis_ratio`` (:func:`mardia`: 1 for an MND); the origin's position:
    ``origin_share_closer``, the share of points nearer the centre (Mahalanobis) than the origin, and
    ``origin_ratio``, the centre's distance from the origin over the cloud's mean radius.
    """
    z = as_cloud(z)
    fragment = Gaussian.fit(z)
    n90 = fragment.n_components_for(0.9)
    origin = origin_position(fragment, z)
    moments = mardia(z)
    return {"n90": float(n90), "n90_share": n90 / fragment.dim,
            "core_share": float(core_mask(fragment, z, sigma).mean()),
            "core_expected": core_expected_share(sigma, fragment.dim),
            "skewness_ratio": moments["skewness_ratio"], "kurtosis_ratio": moments["kurtosis_ratio"],
            "origin_share_closer": origin["share_closer_than_origin"], "origin_ratio": origin["origin_radius_ratio"]}


def generator_quality(real_features: np.ndarray, fake_features: dict[str, np.ndarray]) -> dict[str, float]:
    """``fd_<name>`` and ``kid_<name>`` of each generated set against the real features (chapter 5, with
    chapter 3's :func:`~latent_fragments.stats.quality.quality_row`)."""
    from .quality import quality_row

    out: dict[str, float] = {}
    for name, features in fake_features.items():
        row = quality_row(real_features, features, k=3)
        out.update({f"fd_{name}": row["FD"], f"kid_{name}": row["KID"]})
    return out
