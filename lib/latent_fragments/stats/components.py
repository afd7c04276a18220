"""Statistics of z-point clouds (chapters 1-3).

The functions here quantify where the encoder puts images in latent space and how artificial
z-points from :mod:`latent_fragments.stats.generators` compare with them: per-component distributions, radii,
correlations, confidence ellipses, nearest-neighbour distances, and the
volume arithmetic behind the "curse of dimensionality" of blog part II.

Conventions: a point cloud is an array of shape ``(n, dim)``; statistics are computed in float64
whatever the input dtype. Pure numpy / scipy / scikit-learn / pandas.
"""
from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from .gaussian import Gaussian, as_cloud, log_det_bias
from .generators import Generator
from .neighbours import knn_distances
from .regions import PredictiveRegion, nominal_threshold

__all__ = [
    "component_summary",
    "summarise_components",
    "radii",
    "correlation_order",
    "strongest_pairs",
    "nearest_distance",
    "generator_report",
    "log_ellipsoid_volume",
    "log_cube_volume",
    "ellipsoid_cube_volume_fraction",
    "volume_ratio_terms",
    "cube_hit_probability",
    "confidence_ellipse",
    "latent_overview",
]

_CHUNK_ROWS = 16384


# --------------------------------------------------------------------------------------------
# Per-component distributions
# --------------------------------------------------------------------------------------------

def component_summary(z: np.ndarray) -> pd.DataFrame:
    """Per-component mean, std, skewness, excess kurtosis and normality-test p-value.

    Introduced in chapter 2. One row per latent component (index ``component``); columns
    ``mean``, ``std`` (ddof=1), ``skew``, ``kurtosis`` (excess: 0 for a normal distribution, -1.2
    for a uniform one) and ``normality_p``, the p-value of D'Agostino-Pearson's test
    (:func:`scipy.stats.normaltest`), which is NaN for fewer than 20 points or a constant
    component. With many points even tiny deviations from normality give small p-values, so read
    the p-values together with skew and kurtosis.
    """
    z = as_cloud(z)
    n, dim = z.shape
    if n < 2:
        raise ValueError("need at least two points per component")
    mean = z.mean(axis=0)
    std = z.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant components: precision-loss warnings, NaN results
        skew = stats.skew(z, axis=0, bias=False) if n > 2 else np.full(dim, np.nan)
        kurt = stats.kurtosis(z, axis=0, fisher=True, bias=False) if n > 3 else np.full(dim, np.nan)
        if n >= 20:
            p_values = np.asarray(stats.normaltest(z, axis=0).pvalue, dtype=np.float64)
        else:
            p_values = np.full(dim, np.nan)
    constant = ~(std > 1e-12 * np.maximum(1.0, np.abs(mean)))  # round-off std of a constant column
    for column in (skew, kurt, p_values):
        column[constant] = np.nan
    frame = pd.DataFrame(
        {"mean": mean, "std": std, "skew": skew, "kurtosis": kurt, "normality_p": p_values},
        index=pd.RangeIndex(dim, name="component"),
    )
    return frame


def summarise_components(summary: pd.DataFrame, alpha: float = 0.01,
                         quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> dict[str, float]:
    """Condense a :func:`component_summary` table into a flat dict of numbers for the text.

    Introduced in chapter 2. For each of ``mean``, ``std``, ``skew``, ``kurtosis`` the keys
    ``"<stat>_q05"``, ``"<stat>_median"``, ``"<stat>_q95"`` (for the default ``quantiles``),
    ``"<stat>_min"`` and ``"<stat>_max"``; further ``"n_components"``, ``"alpha"``,
    ``"share_normality_rejected"`` (share of components with ``normality_p < alpha``),
    ``"share_abs_skew_gt_0.5"`` and ``"share_abs_kurtosis_gt_1"``. NaNs (constant components) are
    ignored in the statistics.
    """
    result: dict[str, float] = {"n_components": float(len(summary)), "alpha": float(alpha)}
    for column in ("mean", "std", "skew", "kurtosis"):
        values = summary[column].to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        for q in quantiles:
            key = "median" if q == 0.5 else f"q{round(100 * q):02d}"
            result[f"{column}_{key}"] = float(np.quantile(values, q)) if values.size else math.nan
        result[f"{column}_min"] = float(values.min()) if values.size else math.nan
        result[f"{column}_max"] = float(values.max()) if values.size else math.nan
    p = summary["normality_p"].to_numpy(dtype=np.float64)
    finite_p = p[np.isfinite(p)]
    result["share_normality_rejected"] = float(np.mean(finite_p < alpha)) if finite_p.size else math.nan
    skew = summary["skew"].to_numpy(dtype=np.float64)
    kurt = summary["kurtosis"].to_numpy(dtype=np.float64)
    result["share_abs_skew_gt_0.5"] = float(np.mean(np.abs(skew[np.isfinite(skew)]) > 0.5)) if np.isfinite(skew).any() else math.nan
    result["share_abs_kurtosis_gt_1"] = float(np.mean(np.abs(kurt[np.isfinite(kurt)]) > 1.0)) if np.isfinite(kurt).any() else math.nan
    return result


def radii(z: np.ndarray, center: np.ndarray | None = None) -> np.ndarray:
    """Euclidean norms ``|z - center|`` of the points (``center`` defaults to the origin).

    Introduced in chapter 1.
    """
    z = as_cloud(z)
    if center is not None:
        z = z - np.asarray(center, dtype=np.float64)
    return np.linalg.norm(z, axis=1)


# --------------------------------------------------------------------------------------------
# Correlations
# --------------------------------------------------------------------------------------------

def _clean_corr(corr: np.ndarray) -> np.ndarray:
    corr = np.asarray(corr, dtype=np.float64)
    if corr.ndim != 2 or corr.shape[0] != corr.shape[1]:
        raise ValueError(f"corr must be a square matrix, got shape {corr.shape}")
    corr = np.nan_to_num(0.5 * (corr + corr.T), nan=0.0)  # constant components: no correlation
    np.fill_diagonal(corr, 1.0)
    return np.clip(corr, -1.0, 1.0)


def correlation_order(corr: np.ndarray, optimal_ordering: bool = False) -> np.ndarray:
    """Ordering of components that puts mutually correlated components next to each other.

    Introduced in chapter 2. Hierarchical clustering (scipy average linkage) on the distance
    ``1 - |corr|``; the result is the dendrogram's leaf order, a permutation of
    ``range(dim)`` to index rows and columns of ``corr`` with (``corr[np.ix_(order, order)]``).
    ``optimal_ordering=True`` additionally orders leaves so that neighbours are most similar (slower).
    NaN correlations (constant components) count as zero.
    """
    corr = _clean_corr(corr)
    dim = corr.shape[0]
    if dim < 3:
        return np.arange(dim)
    distance = 1.0 - np.abs(corr)
    np.fill_diagonal(distance, 0.0)
    condensed = squareform(np.clip(distance, 0.0, None), checks=False)
    tree = hierarchy.linkage(condensed, method="average", optimal_ordering=optimal_ordering)
    return hierarchy.leaves_list(tree).astype(np.intp)


def strongest_pairs(corr: np.ndarray, k: int = 10) -> pd.DataFrame:
    """The ``k`` component pairs ``i < j`` with the largest ``|corr[i, j]|``.

    Introduced in chapter 2. Columns ``i``, ``j``, ``r``, sorted by ``|r|`` descending.
    """
    corr = np.asarray(corr, dtype=np.float64)
    if corr.ndim != 2 or corr.shape[0] != corr.shape[1]:
        raise ValueError(f"corr must be a square matrix, got shape {corr.shape}")
    i, j = np.triu_indices(corr.shape[0], k=1)
    r = corr[i, j]
    strength = np.nan_to_num(np.abs(r), nan=-1.0)
    order = np.argsort(-strength, kind="stable")[: max(int(k), 0)]
    return pd.DataFrame({"i": i[order], "j": j[order], "r": r[order]}).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Confidence ellipses (the shares inside ellipsoids: stats.regions)
# --------------------------------------------------------------------------------------------

def confidence_ellipse(mean2: np.ndarray, cov2: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Full width, full height and rotation (degrees) of a 2-D normal's level-``level`` ellipse.

    Introduced in chapter 2, for :class:`matplotlib.patches.Ellipse` centred at ``mean2``:
    ``Ellipse(mean2, width, height, angle=angle_deg)``. Uses the chi-square quantile with 2
    degrees of freedom; ``width`` belongs to the major axis, ``angle_deg`` is its direction measured
    counter-clockwise from the x axis.
    """
    mean2 = np.asarray(mean2, dtype=np.float64)
    cov2 = np.asarray(cov2, dtype=np.float64)
    if mean2.shape != (2,) or cov2.shape != (2, 2):
        raise ValueError(f"need a 2-vector and a 2x2 matrix, got {mean2.shape} and {cov2.shape}")
    gaussian = Gaussian.from_moments(mean2, cov2)
    scale = stats.chi2.ppf(level, 2)
    width, height = 2.0 * np.sqrt(scale * gaussian.variances)
    major = gaussian.components[0]
    return float(width), float(height), math.degrees(math.atan2(major[1], major[0]))


# --------------------------------------------------------------------------------------------
# Nearest neighbours and the comparison of generators
# --------------------------------------------------------------------------------------------

def nearest_distance(x: np.ndarray, reference: np.ndarray, k: int = 1, exclude_self: bool = False,
                     return_all: bool = False) -> np.ndarray:
    """Euclidean distance from each row of ``x`` to its ``k``-th nearest row of ``reference``.

    Introduced in chapter 2; a thin wrapper of :func:`latent_fragments.stats.neighbours.knn_distances`
    (the book's one exact neighbour search). Returns shape ``(n,)``, or ``(n, k)`` with all ``k``
    distances if ``return_all``. ``exclude_self=True`` is for ``x`` being ``reference`` itself: each
    point's own entry is skipped.
    """
    x = as_cloud(x, "x")
    reference = as_cloud(reference, "reference")
    if exclude_self and x.shape != reference.shape:
        raise ValueError("exclude_self=True needs x to be the reference itself")
    out = knn_distances(x, int(k), None if exclude_self else reference)
    return out if return_all else out[:, -1]


def generator_report(generators: Sequence[Generator], data_train: np.ndarray, data_test: np.ndarray,
                     rng: np.random.Generator, levels: Sequence[float] = (0.95, 0.99),
                     center: np.ndarray | None = None, nn_reference_size: int | None = None,
                     region: PredictiveRegion | None = None) -> pd.DataFrame:
    """Compare generators with held-out encoded data, one table row each.

    Introduced in chapter 2. ``region`` (default: :meth:`PredictiveRegion.fit` on ``data_train``) is the
    normal fitted to the training data with predictive levels, so held-out points from that normal land
    in the level-``p`` region with probability ``p``. The first row, kind ``"held_out"``, is
    ``data_test`` itself; then each generator draws ``len(data_test)`` points. Columns:

    - ``kind`` (the stable key: ``"held_out"`` or the generator's kind) and ``generator`` (its label),
    - ``mean radius`` / ``std radius``: of ``|z - center|`` (``center`` defaults to the origin),
    - ``median Mahalanobis``: median distance under the fitted normal,
    - ``inside 95% region``, ``inside 99% region`` (one per level): shares inside the predictive regions,
    - ``median NN distance``: median Euclidean distance to the nearest training point (against a
      random subset of ``nn_reference_size`` training points if given, to save time).
    """
    data_train = as_cloud(data_train, "data_train")
    data_test = as_cloud(data_test, "data_test")
    dim = data_train.shape[1]
    if data_test.shape[1] != dim:
        raise ValueError("data_train and data_test have different dimensions")
    region = region or PredictiveRegion.fit(data_train)
    thresholds = {level: region.threshold(level) for level in levels}
    reference = data_train
    if nn_reference_size is not None and nn_reference_size < len(data_train):
        reference = data_train[np.sort(rng.choice(len(data_train), nn_reference_size, replace=False))]

    def row(kind: str, label: str, points: np.ndarray) -> dict[str, float | str]:
        points = as_cloud(points)
        r = radii(points, center)
        d2 = region.gaussian.mahalanobis(points, squared=True)
        result: dict[str, float | str] = {
            "kind": kind, "generator": label,
            "mean radius": float(r.mean()),
            "std radius": float(r.std(ddof=1)) if len(r) > 1 else math.nan,
            "median Mahalanobis": float(np.median(np.sqrt(d2))),
        }
        for level, threshold in thresholds.items():
            result[f"inside {level:.0%} region"] = float(np.mean(d2 <= threshold))
        result["median NN distance"] = float(np.median(nearest_distance(points, reference)))
        return result

    rows = [row("held_out", "held-out data", data_test)]
    for generator in generators:
        if generator.dim != dim:
            raise ValueError(f"{generator.label}: dimension {generator.dim} != data dimension {dim}")
        rows.append(row(generator.kind, generator.label, generator.sample(len(data_test), rng)))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Curse of dimensionality: volumes
# --------------------------------------------------------------------------------------------

def _threshold(level: float, dim: int, threshold: float | None) -> float:
    return nominal_threshold(level, dim) if threshold is None else float(threshold)


def log_ellipsoid_volume(cov: np.ndarray, level: float, threshold: float | None = None) -> float:
    """Natural log of the volume of the level-``level`` ellipsoid ``{x: x^T cov^-1 x <= c}`` of ``cov``.

    Introduced in chapter 2. ``c`` is ``threshold`` if given (e.g.
    :meth:`PredictiveRegion.threshold`), else ``chi2.ppf(level, dim)``. The volume is
    ``V_dim * sqrt(det cov) * c^(dim/2)`` with the unit-ball volume ``V_dim = pi^(dim/2) / Gamma(dim/2 + 1)``,
    computed in logs (``lgamma``, :meth:`Gaussian.log_det`) since it over- or underflows in 256
    dimensions. ``-inf`` for a singular ``cov``.
    """
    cov = np.asarray(cov, dtype=np.float64)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square matrix, got shape {cov.shape}")
    dim = cov.shape[0]
    log_det = Gaussian.from_moments(np.zeros(dim), cov).log_det()
    if log_det == -math.inf:
        return -math.inf
    log_unit_ball = 0.5 * dim * math.log(math.pi) - math.lgamma(0.5 * dim + 1.0)
    return float(log_unit_ball + 0.5 * log_det + 0.5 * dim * math.log(_threshold(level, dim, threshold)))


def log_cube_volume(b: float, dim: int) -> float:
    """Natural log of the volume ``(2 b)^dim`` of the cube ``[-b, b]^dim``. Introduced in chapter 2."""
    if not b > 0:
        raise ValueError(f"b must be > 0, got {b}")
    return float(dim * math.log(2.0 * b))


def ellipsoid_cube_volume_fraction(mean: np.ndarray, cov: np.ndarray, b: float, level: float,
                                   threshold: float | None = None) -> float:
    """``log10(vol(ellipsoid) / vol(cube))`` for the level ellipsoid of ``(mean, cov)`` and ``[-b, b]^dim``.

    Introduced in chapter 2. The probability that a point drawn uniformly from the cube lands in the
    ellipsoid is ``vol(ellipsoid ∩ cube) / vol(cube)``, so this ratio is an *upper bound* of that
    probability (it may even exceed 0 when the ellipsoid is bigger than the cube), exact when the
    ellipsoid lies inside the cube. ``mean`` matters only for that containment. ``threshold`` as in
    :func:`log_ellipsoid_volume`. Returned as a log10: in 256 dimensions the ratio underflows.
    """
    mean = np.asarray(mean, dtype=np.float64)
    dim = len(mean)
    if np.asarray(cov).shape != (dim, dim):
        raise ValueError(f"cov must have shape ({dim}, {dim})")
    return (log_ellipsoid_volume(cov, level, threshold) - log_cube_volume(b, dim)) / math.log(10.0)


def volume_ratio_terms(region: PredictiveRegion, b: float, level: float = 0.99) -> dict[str, float]:
    """The log10 volume ratio of the region's level ellipsoid to the cube ``[-b, b]^dim``, split into terms.

    Introduced in chapter 2. ``ratio = shape + size - cube``: ``shape = log10(V_dim c^(dim/2))`` (the unit
    ball scaled to the region's threshold ``c``), ``size = log10(det Sigma) / 2`` (what the data's
    covariance contributes) and ``cube = dim log10(2 b)``. ``size_bias`` is the expected error of ``size``
    for a sample covariance of ``n`` normal points (:func:`log_det_bias`, halved, in log10); NaN for the
    Ledoit-Wolf region, whose estimate has no such formula.
    """
    gaussian, dim, ln10 = region.gaussian, region.gaussian.dim, math.log(10.0)
    c = region.threshold(level)
    shape = (0.5 * dim * math.log(math.pi) - math.lgamma(0.5 * dim + 1.0) + 0.5 * dim * math.log(c)) / ln10
    size = 0.5 * gaussian.log_det() / ln10
    cube = log_cube_volume(b, dim) / ln10
    bias = 0.5 * log_det_bias(region.n_train, dim) / ln10 if region.method == "hotelling" else math.nan
    return {"ratio": shape + size - cube, "shape": shape, "size": size, "cube": cube, "size_bias": bias}


def cube_hit_probability(mean: np.ndarray, cov: np.ndarray, b: float, level: float, n: int,
                         rng: np.random.Generator, threshold: float | None = None) -> tuple[float, float]:
    """Monte Carlo estimate of P(uniform cube point inside the level ellipsoid) and its standard error.

    Introduced in chapter 2. Draws ``n`` points uniform in ``[-b, b]^dim`` (in chunks) and counts those
    with ``d^2 <= c`` (``c`` as in :func:`log_ellipsoid_volume`). Returns ``(p_hat, sqrt(p_hat (1 - p_hat) / n))``.
    With zero hits the standard error is 0; then ``3 / n`` is an approximate 95 % upper bound ("rule of three").
    """
    gaussian = Gaussian.from_moments(mean, cov)
    n = int(n)
    if n < 1:
        raise ValueError("n must be >= 1")
    c = _threshold(level, gaussian.dim, threshold)
    hits = 0
    for start in range(0, n, _CHUNK_ROWS):
        points = rng.uniform(-b, b, size=(min(_CHUNK_ROWS, n - start), gaussian.dim))
        hits += int(np.count_nonzero(gaussian.mahalanobis(points, squared=True) <= c))
    p_hat = hits / n
    return p_hat, math.sqrt(p_hat * (1.0 - p_hat) / n)


def latent_overview(z_train: np.ndarray, z_test: np.ndarray, rng: np.random.Generator,
                    alpha: float = 0.01, strong_r: float = 0.3) -> dict[str, float | str]:
    """The key figures of chapter 2 for one run, as one row of a side-by-side table.

    Introduced in chapter 2 (data set beside data set, e.g. synthfaces beside ORL photos): size, share
    of components whose normality test rejects at ``alpha``, median |skewness| and excess kurtosis,
    mean radius and its relative spread, the cube half edge ``b`` matching the mean radius, the share
    of component pairs with ``|r| > strong_r``, the covariance estimate of the predictive region
    (:class:`PredictiveRegion`) and how many held-out, cube and multivariate-normal points fall inside
    its 99 % level.
    """
    from .generators import UniformCube, cube_b_matching_radius

    z_train = as_cloud(z_train, "z_train")
    z_test = as_cloud(z_test, "z_test")
    dim = z_train.shape[1]
    summary = component_summary(z_train)
    r = radii(z_train)
    corr = np.corrcoef(z_train, rowvar=False)
    off_diagonal = np.abs(corr[np.triu_indices(dim, k=1)])
    region = PredictiveRegion.fit(z_train)
    b = cube_b_matching_radius(float(r.mean()), dim)
    inside = {
        name: region.share_inside(points, levels=(0.99,))[0.99]
        for name, points in (
            ("held-out", z_test),
            ("cube", UniformCube(dim, b).sample(len(z_test), rng)),
            ("mnd", Gaussian.fit(z_train).sample(len(z_test), rng)),
        )
    }
    return {
        "training z-points": float(len(z_train)),
        "z_dim": float(dim),
        f"components non-normal (p<{alpha})": float(np.mean(summary["normality_p"] < alpha)),
        "median |skewness|": float(np.median(np.abs(summary["skew"]))),
        "median excess kurtosis": float(np.median(summary["kurtosis"])),
        "mean radius <|z|>": float(r.mean()),
        "std(|z|) / <|z|>": float(r.std(ddof=1) / r.mean()),
        "cube b matching <|z|>": b,
        f"pairs with |r| > {strong_r}": float(np.nanmean(off_diagonal > strong_r)),
        "region covariance": region.covariance_name,
        "held-out inside 99% region": inside["held-out"],
        "cube points inside 99% region": inside["cube"],
        "MND points inside 99% region": inside["mnd"],
    }
