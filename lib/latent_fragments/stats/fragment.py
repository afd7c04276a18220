"""The latent fragment in principal-component coordinates (chapter 3).

Blog parts VI-X: the encoder puts all CelebA images into one compact, coherent region of latent
space - the *fragment* - which lies off the origin. Its principal component analysis (PCA) shows a
shape close to a multivariate normal distribution (MND): after removing outliers beyond about
3 sigma, a dense core of more than 80 % of the points passes univariate (Shapiro-Wilk) and
multivariate (Henze-Zirkler) normality tests, and sampling an MND in PCA coordinates gives faces.

This module provides

- the fitted PCA of a z-point cloud (centre, principal axes, variances) is the one
  :class:`~latent_fragments.stats.gaussian.Gaussian`, with conversions to and from PCA scores,
  whitening and Mahalanobis distances;
- :func:`origin_position`: where the origin lies relative to the fragment;
- :func:`normality_by_component`: per principal component Shapiro-Wilk p-value, skew and kurtosis;
- :func:`origin_in_subspace`: the origin's position within the leading principal axes, with bootstrap
  intervals;
- :func:`core_mask` and :func:`core_normality`: the "dense core" after removing outliers, and its
  normality tests.

Conventions as in :mod:`latent_fragments.stats.components`: point clouds have shape ``(n, dim)``; statistics are
computed in float64. ``pingouin`` (Henze-Zirkler test) is imported only where it is needed.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

from ..data.labels import MAX_LEVELS, is_categorical, label_columns
from threadpoolctl import threadpool_limits

from .components import as_cloud
from .gaussian import Gaussian

__all__ = [
    "core_expected_share",
    "core_mask",
    "core_normality",
    "normality_by_component",
    "origin_in_subspace",
    "origin_position",
    "pc_label_association",
    "variance_axes_interval",
]

def _default_rng(rng: np.random.Generator | None) -> np.random.Generator:
    return np.random.default_rng(0) if rng is None else rng


def _subsample_rows(n: int, max_n: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_n is None or n <= max_n:
        return np.arange(n)
    return np.sort(rng.choice(n, int(max_n), replace=False))


def variance_axes_interval(z: np.ndarray, fraction: float = 0.9, n_boot: int = 100, level: float = 0.9,
                           rng: np.random.Generator | None = None) -> tuple[int, int, int]:
    """How many principal axes carry ``fraction`` of the variance of ``z``, with a bias-corrected interval.

    Introduced in chapter 3 (the claim "a few main axes"): ``(k, lo, hi)``, ``k`` from the fit to all points,
    ``lo`` and ``hi`` the central ``level`` range of ``k`` over ``n_boot`` resamples of the points (rows drawn
    with replacement, the Gaussian refitted each time), shifted by the bootstrap's bias (the resamples'
    median minus ``k``). Resampling repeats rows, which concentrates the variance on fewer axes, so the
    plain percentile range lies below ``k`` when the spectrum is flat; the shifted range always holds ``k``.
    Coverage of the population's count is measured in ``benchmarks/bench_axes_interval.py``: good for a
    steep spectrum, poor for a flat one at few points per dimension (the sample spectrum's own bias).
    """
    z = as_cloud(z)
    rng = _default_rng(rng)
    k = Gaussian.fit(z).n_components_for(fraction)
    draws = [Gaussian.fit(z[rng.integers(0, len(z), len(z))]).n_components_for(fraction) for _ in range(int(n_boot))]
    if not draws:
        return k, k, k
    tail = 50.0 * (1.0 - float(level))
    bias = float(np.median(draws)) - k
    lo, hi = np.percentile(draws, [tail, 100.0 - tail]) - bias
    return k, int(np.floor(lo)), int(np.ceil(hi))


# --------------------------------------------------------------------------------------------
# Where is the origin?
# --------------------------------------------------------------------------------------------

def origin_position(fragment: Gaussian, z: np.ndarray) -> dict[str, float]:
    """Position of the origin of latent space relative to the fragment fitted to ``z``.

    Introduced in chapter 3. Keys:

    - ``"origin_mahalanobis"``: Mahalanobis distance of the origin from the centre,
    - ``"share_closer_than_origin"``: share of the points ``z`` whose Mahalanobis distance from the
      centre is smaller than the origin's (1 means the origin lies outside the whole cloud),
    - ``"share_closer_mnd"``: the same share for an exact MND, ``chi2.cdf(d0^2, dim)``,
    - ``"median_point_mahalanobis"``: median Mahalanobis distance of the points themselves,
    - ``"origin_euclidean"``: Euclidean distance ``|mean|`` of the centre from the origin,
    - ``"mean_radius_about_centre"``: mean Euclidean distance ``<|z - mean|>`` of the points from the
      centre (the size of the cloud),
    - ``"origin_radius_ratio"``: ``origin_euclidean / mean_radius_about_centre``.
    """
    z = as_cloud(z)
    if z.shape[1] != fragment.dim:
        raise ValueError(f"z has dimension {z.shape[1]}, fragment {fragment.dim}")
    d0 = fragment.centre_distance_sigma()
    d = fragment.mahalanobis(z)
    euclid = float(np.linalg.norm(fragment.mean))
    mean_radius = float(np.linalg.norm(z - fragment.mean, axis=1).mean())
    return {
        "origin_mahalanobis": d0,
        "share_closer_than_origin": float(np.mean(d < d0)),
        "share_closer_mnd": float(stats.chi2.cdf(d0**2, fragment.dim)),
        "median_point_mahalanobis": float(np.median(d)),
        "origin_euclidean": euclid,
        "mean_radius_about_centre": mean_radius,
        "origin_radius_ratio": euclid / mean_radius if mean_radius > 0 else math.inf,
    }


def _origin_coordinates(fragment: Gaussian, n_axes: int) -> np.ndarray:
    """The origin's whitened scores on the leading ``n_axes`` principal axes."""
    return fragment.whiten(np.zeros((1, fragment.dim)), n_axes)[0]


def origin_in_subspace(z: np.ndarray, n_axes: int, n_boot: int = 100, level: float = 0.9,
                       rng: np.random.Generator | None = None) -> tuple[dict[str, float], pd.DataFrame]:
    """Where the origin lies within the leading ``n_axes`` principal axes of ``z``, with bootstrap intervals.

    Introduced in chapter 3 (issue: the full-space Mahalanobis distance of the origin is dominated by the
    thinnest, worst-estimated axes). Returns a summary and a per-axis table. Summary keys:
    ``"subspace_mahalanobis"`` (the origin's Mahalanobis distance within the leading axes),
    ``"subspace_share_closer"`` (share of the points ``z`` closer to the centre within those axes),
    ``"subspace_median_point"`` (median of the points' distances there), ``"full_mahalanobis"``,
    ``"full_share_closer"`` and ``"full_median_point"`` (the same in all axes), ``"n_axes"``, and
    ``"<key>_lo"`` / ``"<key>_hi"`` for the two origin distances: the central ``level`` range of the values
    over ``n_boot`` resamples of the points (the fragment refitted each time; a percentile interval). For
    the full space in high dimensions the resamples can lie well away from the estimate: a resample's
    repeated points shrink the thin axes' variances, the worst-estimated ones. The table, one row per
    leading axis, holds the origin's coordinate in standard deviations of that axis (``origin_sigma``, its
    sign fixed by the axis convention of :class:`Gaussian`), its interval (axes of a resample matched to the
    original's by sign), and ``share_beyond``: the share of points farther out on that axis than the origin.
    """
    z = as_cloud(z)
    fragment = Gaussian.fit(z)
    k = int(n_axes)
    if not 1 <= k <= fragment.dim:
        raise ValueError(f"n_axes must be between 1 and {fragment.dim}, got {k}")
    rng = _default_rng(rng)
    coords = _origin_coordinates(fragment, k)
    white = fragment.whiten(z, k)
    d_points = np.linalg.norm(white, axis=1)
    full_points = fragment.mahalanobis(z)
    summary = {"n_axes": float(k), "subspace_mahalanobis": float(np.linalg.norm(coords)),
               "subspace_share_closer": float(np.mean(d_points < np.linalg.norm(coords))),
               "subspace_median_point": float(np.median(d_points)),
               "full_mahalanobis": fragment.centre_distance_sigma(),
               "full_share_closer": float(np.mean(full_points < fragment.centre_distance_sigma())),
               "full_median_point": float(np.median(full_points))}
    boot_coords, boot_full = [], []
    with threadpool_limits(limits=1):  # many small fits: one BLAS thread each is faster on 2 busy cores
        for _ in range(int(n_boot)):
            refit = Gaussian.fit(z[rng.integers(0, len(z), len(z))])
            signs = np.sign(np.sum(refit.components[:k] * fragment.components[:k], axis=1))
            boot_coords.append(_origin_coordinates(refit, k) * np.where(signs == 0, 1.0, signs))
            boot_full.append(refit.centre_distance_sigma())
    tail = 50.0 * (1.0 - float(level))
    table = pd.DataFrame({"origin_sigma": coords,
                          "share_beyond": np.mean(np.abs(white) > np.abs(coords), axis=0)},
                         index=pd.RangeIndex(k, name="component"))
    if n_boot:
        boot_coords = np.array(boot_coords)
        table["lo"], table["hi"] = np.percentile(boot_coords, [tail, 100 - tail], axis=0)
        for key, values in (("subspace_mahalanobis", np.linalg.norm(boot_coords, axis=1)),
                            ("full_mahalanobis", np.array(boot_full))):
            summary[f"{key}_lo"], summary[f"{key}_hi"] = (float(v) for v in np.percentile(values, [tail, 100 - tail]))
    return summary, table


# --------------------------------------------------------------------------------------------
# Normality of the principal components
# --------------------------------------------------------------------------------------------

def _shapiro_p(values: np.ndarray) -> float:
    if values.size < 3 or not np.ptp(values) > 0:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.shapiro(values).pvalue)


def normality_by_component(scores: np.ndarray, max_n: int = 5000,
                           rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Per principal component: std, skewness, excess kurtosis and Shapiro-Wilk p-value.

    Introduced in chapter 3. ``scores`` are PCA scores (or whitened scores), one column per axis.
    Skewness and excess kurtosis use all points; the Shapiro-Wilk test (:func:`scipy.stats.shapiro`,
    whose p-value is only calibrated up to 5,000 points) runs on one random subsample of at most
    ``max_n`` rows shared by all components (``rng`` defaults to a fixed seed, so the table is
    reproducible). Columns ``std``, ``skew``, ``kurtosis``, ``shapiro_p``, ``n_shapiro``; index
    ``component`` (0 = largest variance). With thousands of points Shapiro-Wilk detects even small
    deviations, so read the p-values together with skew and kurtosis.
    """
    scores = as_cloud(scores, "scores")
    n, dim = scores.shape
    rows = _subsample_rows(n, max_n, _default_rng(rng))
    sub = scores[rows]
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        skew = stats.skew(scores, axis=0, bias=False) if n > 2 else np.full(dim, np.nan)
        kurt = stats.kurtosis(scores, axis=0, fisher=True, bias=False) if n > 3 else np.full(dim, np.nan)
    p_values = np.array([_shapiro_p(sub[:, j]) for j in range(dim)])
    return pd.DataFrame(
        {"std": scores.std(axis=0, ddof=1) if n > 1 else np.full(dim, np.nan), "skew": skew,
         "kurtosis": kurt, "shapiro_p": p_values, "n_shapiro": np.full(dim, len(rows))},
        index=pd.RangeIndex(dim, name="component"),
    )


# --------------------------------------------------------------------------------------------
# The dense core
# --------------------------------------------------------------------------------------------

def core_mask(fragment: Gaussian, z: np.ndarray, sigma: float = 3.0,
              n_components: int | None = None) -> np.ndarray:
    """Points of the dense core: whitened score within ``+-sigma`` on *every* principal axis.

    Introduced in chapter 3. This is the blog's outlier removal ("points beyond 3 sigma removed"),
    done axis by axis in PCA coordinates: the core is the box ``|s_i| <= sigma`` aligned with the
    principal axes (only the leading ``n_components`` axes if given). A box is not an ellipsoid: for
    an exact MND the box keeps the share ``erf(sigma / sqrt 2) ** k`` of ``k`` axes
    (:func:`core_expected_share`) - 0.9973 per axis, but only about 50 % for ``k = 256`` at 3 sigma.
    """
    white = fragment.whiten(z, n_components)
    return np.all(np.abs(white) <= float(sigma), axis=1)


def core_expected_share(sigma: float, n_axes: int) -> float:
    """Share of an MND inside the per-axis box ``|s_i| <= sigma`` on ``n_axes`` axes: ``erf(sigma/√2)^n``.

    Introduced in chapter 3, the reference value for :func:`core_mask`.
    """
    return float(special.erf(float(sigma) / math.sqrt(2.0)) ** int(n_axes))


def core_normality(fragment: Gaussian, z: np.ndarray, sigma: float = 3.0,
                   n_components: int | None = None, max_n: int = 2000, max_n_shapiro: int = 5000,
                   alpha: float = 0.01, rng: np.random.Generator | None = None) -> dict[str, float]:
    """Normality tests of the dense core (:func:`core_mask` at ``sigma``), as in blog parts VII-IX.

    Introduced in chapter 3. Returns a dict with

    - ``"core_share"``: share of the points in the core, and ``"core_share_mnd"``, the share an exact
      MND would keep (:func:`core_expected_share`); ``"n_core"``;
    - ``"hz_statistic"``, ``"hz_p"``: Henze-Zirkler test (:func:`pingouin.multivariate_normality`)
      on at most ``max_n`` random core points (its cost and memory grow like ``n^2``), in the leading
      ``n_components`` PCA coordinates (all ``dim`` if None); ``"hz_n"``, ``"hz_dims"``. Beware of
      high dimensions: with a few thousand points the HZ statistic saturates at 1 and the p-value at
      about 0.5 *whatever the data* once the dimension exceeds roughly 50 (measured with pingouin
      0.7: a uniform box is rejected at p ~ 1e-188 in 5-D with 2,000 points, still at p ~ 1e-7 in
      40-D, not at all in 80-D or 160-D). A "passed" HZ test in 256-D therefore says nothing;
      use ``n_components`` of about 5-20;
    - ``"shapiro_share_rejected"``: share of *all* principal axes whose Shapiro-Wilk test on the core
      (at most ``max_n_shapiro`` points) rejects at ``alpha``, ``"shapiro_share_rejected_leading"``
      the same for the leading ``n_components`` axes (all if None), and
      ``"shapiro_median_p"``.

    Caveat: removing everything beyond ``sigma`` on each axis is itself a departure from
    normality - the core of an exact MND is a *truncated* normal distribution, with lighter tails
    (at 3 sigma the per-axis variance drops by 2.7 % and the tails beyond 3 sigma are empty). The
    blog tested such a truncated core; the tests are then approximate: they cannot see the cut
    tails and, with enough points, would eventually reject even an exact MND's core. The
    Henze-Zirkler test is affine invariant, so testing in PCA coordinates equals testing the
    original coordinates of the same subspace. ``rng`` defaults to a fixed seed.
    """
    try:
        import pingouin
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("core_normality needs pingouin for the Henze-Zirkler test: "
                          "pip install pingouin==0.7.0") from exc
    rng = _default_rng(rng)
    z = as_cloud(z)
    dim = fragment.dim
    k = dim if n_components is None else int(n_components)
    if not 2 <= k <= dim:
        raise ValueError(f"n_components must be between 2 and {dim}, got {k}")
    mask = core_mask(fragment, z, sigma)
    core_white = fragment.whiten(z[mask])
    n_core = int(mask.sum())
    result: dict[str, float] = {
        "sigma": float(sigma),
        "n_points": float(len(z)),
        "n_core": float(n_core),
        "core_share": float(mask.mean()) if len(z) else math.nan,
        "core_share_mnd": core_expected_share(sigma, dim),
    }
    if n_core >= 3:
        rows = _subsample_rows(n_core, max_n, rng)
        x = core_white[rows, :k]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hz = pingouin.multivariate_normality(x, alpha=alpha)
        result.update({"hz_statistic": float(hz.hz), "hz_p": float(hz.pval), "hz_n": float(len(rows)),
                       "hz_dims": float(k)})
        table = normality_by_component(core_white, max_n=max_n_shapiro, rng=rng)
        p = table["shapiro_p"].to_numpy()
        finite = np.isfinite(p)
        lead = p[:k][np.isfinite(p[:k])]
        result.update({
            "shapiro_share_rejected": float(np.mean(p[finite] < alpha)) if finite.any() else math.nan,
            "shapiro_share_rejected_leading": float(np.mean(lead < alpha)) if lead.size else math.nan,
            "shapiro_median_p": float(np.median(p[finite])) if finite.any() else math.nan,
        })
    else:
        result.update({key: math.nan for key in ("hz_statistic", "hz_p", "hz_n", "hz_dims",
                                                  "shapiro_share_rejected",
                                                  "shapiro_share_rejected_leading", "shapiro_median_p")})
    return result


def pc_label_association(scores: np.ndarray, labels: pd.DataFrame, n_pcs: int = 10,
                         max_levels: int = MAX_LEVELS) -> pd.DataFrame:
    """How strongly each leading principal component goes with each ground-truth label (chapter 3).

    One row per label column, one column per PC (``PC1`` ...). For a continuous label the entry
    is the absolute Pearson correlation of the label with the PC score; for a categorical label
    (:func:`latent_fragments.data.labels.is_categorical`, e.g. a hair style or an ORL identity) it is the correlation
    ratio eta, the square root of the share of the score's variance explained by the categories. Both lie
    in [0, 1]; 0 means no (linear) association. Only the columns
    :func:`latent_fragments.data.labels.label_columns` keeps are rows (no identifiers, split markers,
    constant or text columns); for a binary label eta equals the absolute correlation.
    """
    import pandas as pd

    scores = as_cloud(scores, "scores")[:, :n_pcs]
    if len(labels) != len(scores):
        raise ValueError(f"labels has {len(labels)} rows but scores {len(scores)}")
    centred = scores - scores.mean(axis=0)
    total = (centred**2).sum(axis=0)
    rows = {}
    for name in label_columns(labels, max_levels):
        column = labels[name]
        values = column.to_numpy(dtype=np.float64)
        levels = np.unique(values)
        if is_categorical(column, max_levels):
            between = np.zeros(scores.shape[1])
            for level in levels:
                member = values == level
                between += member.sum() * centred[member].mean(axis=0) ** 2
            rows[name] = np.sqrt(np.clip(between / total, 0.0, 1.0))
        else:
            v = values - values.mean()
            rows[name] = np.abs(v @ centred) / np.sqrt((v**2).sum() * total)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[f"PC{i + 1}" for i in range(scores.shape[1])])
    frame.index.name = "label"
    return frame
