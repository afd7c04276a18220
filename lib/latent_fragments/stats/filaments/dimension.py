"""Intrinsic dimension from neighbour distances: TwoNN and Levina-Bickel (chapter 4).

Filaments would show up as a low (local) dimension. All estimators take precomputed neighbour distances
(:func:`latent_fragments.stats.neighbours.knn_distances`) or compute them.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..neighbours import knn_distances

__all__ = ["twonn_dimension", "levina_bickel_dimension", "local_dimension"]


def _knn_matrix(x: np.ndarray | None, knn: np.ndarray | None, k_needed: int) -> np.ndarray:
    if knn is None:
        if x is None:
            raise ValueError("give the points x or precomputed knn distances")
        knn = knn_distances(x, k_needed)
    knn = np.asarray(knn, dtype=np.float64)
    if knn.ndim != 2 or knn.shape[1] < k_needed:
        raise ValueError(f"need knn distances of shape (n, >= {k_needed}), got {knn.shape}")
    return knn[:, :k_needed]



def twonn_dimension(x: np.ndarray | None, knn: np.ndarray | None = None, method: str = "mle",
                    discard_fraction: float = 0.1) -> float:
    """Intrinsic dimension by TwoNN (Facco, d'Errico, Rodriguez & Laio 2017). Introduced in chapter 4.

    For each point ``mu = r2 / r1``, the ratio of its second to first neighbour distance. If the
    density is locally constant on a ``d``-dimensional manifold, ``mu`` is Pareto distributed,
    ``P(mu > m) = m^-d``, whatever the density's value.

    ``method="mle"`` (default): the maximum-likelihood estimate with the unbiased normalisation,
    ``d = (n - 1) / sum(log mu)`` (``log mu`` is exponential with rate ``d``; ``E[d_hat] = d``).
    ``method="fit"``: Facco et al.'s recipe - a straight line through the origin fitted to
    ``-log(1 - F(mu))`` against ``log mu`` (``F`` the empirical CDF), after discarding the largest
    ``discard_fraction`` of ``mu`` (the tail is most affected by density variations).

    ``x`` may be ``None`` if ``knn`` (distances of shape ``(n, >= 2)``, e.g. from
    :func:`knn_distances`) is given. Points with ``r1 == 0`` (duplicates) are ignored.
    """
    knn = _knn_matrix(x, knn, 2)
    r1, r2 = knn[:, 0], knn[:, 1]
    keep = (r1 > 0) & np.isfinite(r2)
    log_mu = np.log(r2[keep] / r1[keep])
    n = log_mu.size
    if n < 3:
        raise ValueError("need at least 3 points with distinct nearest neighbours")
    if method == "mle":
        total = float(log_mu.sum())
        return math.inf if total == 0 else (n - 1) / total
    if method == "fit":
        log_mu = np.sort(log_mu)
        keep_n = max(2, int(math.floor(n * (1.0 - discard_fraction))))
        cdf = np.arange(1, n + 1) / n
        xs, ys = log_mu[:keep_n], -np.log1p(-cdf[:keep_n])
        return float(np.dot(xs, ys) / np.dot(xs, xs))
    raise ValueError(f"unknown method {method!r}; use 'mle' or 'fit'")


def _k_range(k: int | Sequence[int]) -> tuple[int, int]:
    if np.isscalar(k):
        k1 = k2 = int(k)  # type: ignore[arg-type]
    else:
        k1, k2 = (int(v) for v in k)  # type: ignore[union-attr]
    if not 2 <= k1 <= k2:
        raise ValueError(f"need 2 <= k1 <= k2, got k={k}")
    return k1, k2


def _mean_log_ratios(knn: np.ndarray, k: int) -> np.ndarray:
    """Per point ``1/(k-1) * sum_{j<k} log(T_k / T_j)`` (``T_j`` the j-th neighbour distance)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(knn[:, :k])
        return logs[:, k - 1] - logs[:, :k - 1].mean(axis=1)


def levina_bickel_dimension(x: np.ndarray | None, k: int | Sequence[int] = (10, 20),
                            knn: np.ndarray | None = None) -> float:
    """Global maximum-likelihood intrinsic dimension (Levina & Bickel 2004). Introduced in chapter 4.

    For point ``i`` and neighbour count ``k`` let ``a_k(i) = 1/(k-1) sum_{j=1}^{k-1} log(T_k(i)/T_j(i))``
    (``T_j`` the distance to the ``j``-th neighbour); Levina-Bickel's local estimate is ``1/a_k(i)``.
    Following MacKay & Ghahramani's comment (2005) the *inverse* is averaged over the points,
    ``m_k = 1 / mean_i a_k(i)`` - for a locally uniform density ``a_k`` is a mean of ``k-1``
    exponentials with mean ``1/d``, so this is unbiased in ``1/d``, while averaging ``1/a_k``
    is biased upwards. The result is the mean of ``m_k`` over ``k = k1 .. k2`` (``k=(k1, k2)``,
    inclusive; an int is one ``k``). ``knn`` are precomputed distances of shape ``(n, >= k2)``.
    Points with a zero distance among their neighbours (duplicates) are ignored.
    """
    k1, k2 = _k_range(k)
    knn = _knn_matrix(x, knn, k2)
    estimates = []
    for kk in range(k1, k2 + 1):
        a = _mean_log_ratios(knn, kk)
        a = a[np.isfinite(a)]
        if not a.size:
            raise ValueError("no point with distinct, non-zero neighbour distances")
        mean_a = float(a.mean())
        estimates.append(math.inf if mean_a == 0 else 1.0 / mean_a)
    return float(np.mean(estimates))


def local_dimension(x: np.ndarray | None, k: int = 20, knn: np.ndarray | None = None) -> np.ndarray:
    """Per-point Levina-Bickel dimension estimate, shape ``(n,)``. Introduced in chapter 4.

    ``(k-2) / sum_{j=1}^{k-1} log(T_k/T_j)`` - the Levina-Bickel local MLE with the ``k-2``
    normalisation that makes it unbiased for a locally uniform density (it is the inverse of a
    Gamma variable). Its relative spread is about ``1/sqrt(k-3)`` even for perfectly uniform
    points, so compare *distributions* (data against null), not single values. ``nan`` where a
    neighbour distance is zero.
    """
    k = int(k)
    if k < 3:
        raise ValueError(f"need k >= 3, got {k}")
    knn = _knn_matrix(x, knn, k)
    a = _mean_log_ratios(knn, k) * (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (k - 2) / a
    out[~np.isfinite(out)] = np.nan
    return out

