"""The far tail of the z-point cloud and zoomed views of its densest part (chapter 4)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import ndimage, stats

from ..components import as_cloud
from ..gaussian import Gaussian

__all__ = ["radial_outlier_profile", "zoom_window", "densest_point"]


def radial_outlier_profile(z: np.ndarray, mean: np.ndarray, cov: np.ndarray,
                           thresholds: Sequence[float] = (3.0, 4.0, 5.0, 6.0)) -> pd.DataFrame:
    """Share of points beyond ``t`` "sigma", observed against the normal expectation. Introduced in chapter 4.

    In 256 dimensions "beyond 3 sigma" needs a definition; two are used, both in the whitened
    coordinates of ``(mean, cov)`` - the principal axes scaled to unit variance (axes with zero
    variance are dropped; ``dim`` below is the number of remaining axes):

    - ``"any axis"``: ``|whitened PCA score| > t`` on *any* axis. For the normal distribution the
      scores are independent standard normals, so the expected share is
      ``1 - (1 - 2 (1 - Phi(t)))^dim`` - about 50 % for ``t = 3`` in 256-D.
    - ``"Mahalanobis"``: the Mahalanobis distance ``d_M`` (whitened radius), chi-distributed with
      ``dim`` degrees of freedom, beyond the radius ``r_t`` that is exceeded with the *same*
      probability ``2 (1 - Phi(t))`` as ``|N(0,1)| > t``: ``r_t = chi.ppf(1 - 2 (1 - Phi(t)), dim)``.
      So "3 sigma" keeps its familiar 0.27 % meaning, radially.

    One row per criterion and threshold: ``criterion``, ``threshold`` (t), ``cutoff`` (t or
    ``r_t``), ``n``, ``count``, ``observed`` share, ``expected`` share, ``se`` (binomial standard
    error ``sqrt(p (1-p) / n)`` of the expected share), ``z`` = (observed - expected) / se,
    ``ratio`` = observed / expected, and the one-sided exact binomial p-values of the count against
    ``Binomial(n, expected)``: ``p_more`` = P(X >= count) (more points beyond the cutoff than a normal
    puts there) and ``p_fewer`` = P(X <= count). With the data's own mean and covariance (as chapter 4
    uses it) the whitened scores of a normal sample are a little lighter-tailed than the model's, so both
    tests are then slightly conservative for "more".
    """
    z = as_cloud(z, "z")
    mean = np.asarray(mean, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    dim_full = z.shape[1]
    if mean.shape != (dim_full,) or cov.shape != (dim_full, dim_full):
        raise ValueError("mean/cov do not match the dimension of z")
    gauss = Gaussian.from_moments(mean, cov)
    keep = gauss.variances > 1e-12 * max(float(gauss.variances.max(initial=0.0)), np.finfo(float).tiny)
    dim = int(np.count_nonzero(keep))
    if dim == 0:
        raise ValueError("covariance has no positive eigenvalue")
    n = z.shape[0]
    max_abs = np.empty(n)
    d2 = np.empty(n)
    for start in range(0, n, 16384):
        scores = gauss.whiten(z[start:start + 16384], dim)
        max_abs[start:start + 16384] = np.abs(scores).max(axis=1)
        d2[start:start + 16384] = np.einsum("ij,ij->i", scores, scores)
    d_m = np.sqrt(d2)
    rows = []
    for t in thresholds:
        t = float(t)
        p_axis = 2.0 * stats.norm.sf(t)
        expected_any = -math.expm1(dim * math.log1p(-p_axis))
        r_t = float(stats.chi.isf(p_axis, dim))
        for criterion, cutoff, values, expected in (("any axis", t, max_abs, expected_any),
                                                    ("Mahalanobis", r_t, d_m, p_axis)):
            count = int(np.count_nonzero(values > cutoff))
            observed = count / n if n else math.nan
            se = math.sqrt(expected * (1.0 - expected) / n) if n else math.nan
            rows.append({
                "criterion": criterion, "threshold": t, "cutoff": cutoff, "n": n, "count": count,
                "observed": observed, "expected": expected, "se": se,
                "z": (observed - expected) / se if se > 0 else math.nan,
                "ratio": observed / expected if expected > 0 else math.nan,
                "p_more": float(stats.binom.sf(count - 1, n, expected)),
                "p_fewer": float(stats.binom.cdf(count, n, expected)),
            })
    return pd.DataFrame(rows)


def zoom_window(scores2d: np.ndarray, centre: Sequence[float], half_width: float) -> np.ndarray:
    """Boolean mask of the points inside the square ``centre +- half_width``. Introduced in chapter 4.

    ``scores2d`` has shape ``(n, 2)`` (e.g. the two leading principal component scores).
    """
    scores2d = np.asarray(scores2d, dtype=np.float64)
    if scores2d.ndim != 2 or scores2d.shape[1] != 2:
        raise ValueError(f"scores2d must have shape (n, 2), got {scores2d.shape}")
    centre = np.asarray(centre, dtype=np.float64).reshape(2)
    return np.all(np.abs(scores2d - centre) <= float(half_width), axis=1)


def densest_point(scores2d: np.ndarray, bandwidth: float) -> np.ndarray:
    """Centre of the densest region of a 2-D projection, shape ``(2,)``. Introduced in chapter 4.

    A Gaussian kernel density estimate with standard deviation ``bandwidth`` on a grid: a 2-D
    histogram with bins of ``bandwidth / 4`` smoothed with a Gaussian filter (``O(n)``, fine for
    170,000 points); the centre of the highest grid cell is returned. Used to choose zoom centres
    (:func:`zoom_window`).
    """
    scores2d = np.asarray(scores2d, dtype=np.float64)
    if scores2d.ndim != 2 or scores2d.shape[1] != 2 or not len(scores2d):
        raise ValueError(f"scores2d must have shape (n >= 1, 2), got {scores2d.shape}")
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth}")
    cell = bandwidth / 4.0
    lo = scores2d.min(axis=0) - 3 * bandwidth
    hi = scores2d.max(axis=0) + 3 * bandwidth
    n_bins = np.minimum(np.ceil((hi - lo) / cell).astype(int), 2048)
    hist, xedges, yedges = np.histogram2d(scores2d[:, 0], scores2d[:, 1], bins=n_bins,
                                          range=[[lo[0], hi[0]], [lo[1], hi[1]]])
    sigma = (bandwidth / np.diff(xedges[:2])[0], bandwidth / np.diff(yedges[:2])[0])
    density = ndimage.gaussian_filter(hist, sigma=sigma, mode="constant")
    i, j = np.unravel_index(int(np.argmax(density)), density.shape)
    return np.array([0.5 * (xedges[i] + xedges[i + 1]), 0.5 * (yedges[j] + yedges[j + 1])])
