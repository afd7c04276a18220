"""Small-scale structure of the z-point cloud, tested against a null model (chapter 4).

The first post of the blog series promised "filamental structures on small scales"; later posts
found the bulk of the z-points to be one ellipsoid, close to a multivariate normal distribution
(MND). This module asks whether the cloud has *small-scale* structure that an MND with the same
mean and covariance lacks. Every statistic is computed on the data and on draws of the **null
model** (:func:`null_model`, the MND fitted to the data) and compared (:func:`compare_with_null`):

- neighbour distances (:func:`knn_distances`; faiss, exact, scales to 170,000 x 256),
- intrinsic dimension: TwoNN (:func:`twonn_dimension`), Levina-Bickel (:func:`levina_bickel_dimension`,
  per point :func:`local_dimension`) - filaments would show up as a low local dimension,
- the edge lengths of the Euclidean minimum spanning tree (:func:`mst_edge_lengths`),
- density-based clusters in the leading principal components (:func:`cluster_cloud`, HDBSCAN) and
  what they encode (:func:`cluster_label_agreement`),
- the far tail, per axis and radially (:func:`radial_outlier_profile`),
- zoomed projections around dense regions (:func:`densest_point`, :func:`zoom_window`).

Conventions: a point cloud is an array of shape ``(n, dim)``; statistics are computed in float64
(neighbour *searches* in float32, see :func:`knn_distances`). Pure numpy / scipy / scikit-learn /
pandas, with faiss-cpu used when importable.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from scipy import ndimage, stats
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform
from sklearn.cluster import HDBSCAN
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_mutual_info_score

from .generators import MultivariateNormal
from .components import as_cloud
from .neighbours import HAVE_FAISS, knn_distances, knn_search, usable_cores

__all__ = [
    "HAVE_FAISS",
    "null_model",
    "knn_distances",
    "knn_search",
    "twonn_dimension",
    "levina_bickel_dimension",
    "local_dimension",
    "mst_edge_lengths",
    "fit_pca",
    "cluster_cloud",
    "cluster_label_agreement",
    "radial_outlier_profile",
    "CloudMeasures",
    "FILAMENT_STATISTICS",
    "measure_cloud",
    "filament_statistics",
    "compare_with_null",
    "label_carriage",
    "whole_cloud_summary",
    "zoom_window",
    "densest_point",
]

_REFINE_CHUNK = 1024


# --------------------------------------------------------------------------------------------
# Null model
# --------------------------------------------------------------------------------------------

def null_model(z: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (float32) from the multivariate normal fitted to ``z``. Introduced in chapter 4.

    Same mean and full sample covariance as ``z`` (:meth:`latent_fragments.stats.generators.MultivariateNormal.fit`):
    the null hypothesis "the z-points are one Gaussian ellipsoid without any smaller structure".
    Note that the fitted covariance carries sampling noise: for ``n`` not much larger than ``dim``
    its eigenvalue spectrum is broader than the true one (Marchenko-Pastur), which shifts
    neighbour-distance statistics of the null a little - compare like with like (null draws of
    ``len(z)`` points, as :func:`compare_with_null` does).
    """
    return MultivariateNormal.fit(z, name="null model (fitted MND)").sample(n, rng)


# --------------------------------------------------------------------------------------------
# Intrinsic dimension
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Minimum spanning tree
# --------------------------------------------------------------------------------------------

def _mst_from_edges(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # csgraph treats stored zeros as missing edges: give duplicate points a tiny positive weight
    tiny = np.finfo(np.float64).tiny
    w = np.where(weights > 0, weights, tiny)
    graph = coo_matrix((w, (rows, cols)), shape=(n, n)).tocsr()
    graph = graph.maximum(graph.T)  # symmetric (both directions have the same length anyway)
    tree = minimum_spanning_tree(graph)
    edges = tree.data.copy()
    edges[edges <= tiny] = 0.0
    return np.sort(edges)


def _dense_mst(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    dist = squareform(pdist(x))
    iu = np.triu_indices(n, k=1)
    return _mst_from_edges(n, iu[0], iu[1], dist[iu])


def mst_edge_lengths(x: np.ndarray, k: int = 15, dense_max: int = 3000, backend: str = "auto",
                     return_info: bool = False, knn: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> np.ndarray | tuple[np.ndarray, dict[str, Any]]:
    """Edge lengths of the Euclidean minimum spanning tree (EMST), sorted, ``n - 1`` values.

    Introduced in chapter 4. For ``n <= dense_max`` the exact EMST of the complete distance graph
    is computed. For larger clouds the MST is computed on the symmetrised ``k``-nearest-neighbour
    graph (:func:`knn_search`, ``O(n k)`` edges), which scales to 170,000 points.

    How exact is the kNN-graph MST? It equals the EMST exactly when every EMST edge joins a point
    to one of its ``k`` nearest neighbours (or vice versa). That is the case for nearly all edges
    of a cloud without gaps - but it is *not* guaranteed merely because the kNN graph is connected
    (two dense groups can be linked in the graph only through a long detour via a sparse point,
    while their shortest bridge is in nobody's neighbour list). In any case the kNN-graph tree is a
    spanning tree of a subgraph, so its ``i``-th shortest edge is never shorter than the EMST's
    ``i``-th shortest edge: it can only overestimate the long tail. If the kNN graph is
    disconnected, components are joined Borůvka-style: for each component the shortest edge to any
    point outside it is found by an exact search and added, until the graph is connected.

    ``return_info=True`` also returns ``{"method", "k", "knn_components", "bridge_edges"}``:
    ``"dense"`` or ``"knn"``, the number of connected components of the kNN graph before
    bridging (1 = no bridge needed) and the number of bridge edges added.

    ``knn``: the ``(distances, indices)`` of :func:`knn_search` on ``x`` with at least ``k``
    neighbours, if already at hand; its first ``k`` columns are used instead of a new search.
    """
    x = as_cloud(x, "x")
    n = x.shape[0]
    info: dict[str, Any] = {"method": "dense", "k": None, "knn_components": 1, "bridge_edges": 0}
    if n < 2:
        edges = np.empty(0)
    elif n <= dense_max:
        edges = _dense_mst(x)
    else:
        k = min(int(k), n - 1)
        if knn is None:
            dist, idx = knn_search(x, k, backend=backend)
        else:
            dist, idx = (np.asarray(a) for a in knn)
            if dist.shape[0] != n or dist.shape[1] < k or idx.shape != dist.shape:
                raise ValueError(f"knn must hold at least {k} neighbours of each of the {n} points, "
                                 f"got arrays of shape {dist.shape} and {idx.shape}")
            dist, idx = dist[:, :k], idx[:, :k]
        rows = np.repeat(np.arange(n), k)
        cols, weights = idx.ravel(), dist.ravel()
        graph = coo_matrix((np.ones_like(weights), (rows, cols)), shape=(n, n))
        n_comp, comp = connected_components(graph, directed=False)
        info.update(method="knn", k=k, knn_components=int(n_comp))
        extra_r: list[int] = []
        extra_c: list[int] = []
        extra_w: list[float] = []
        while n_comp > 1:
            # Borůvka step: the shortest edge from each component to the rest of the cloud
            for c in range(n_comp):
                inside = np.flatnonzero(comp == c)
                outside = np.flatnonzero(comp != c)
                d_out, i_out = knn_search(x[inside], 1, reference=x[outside], backend=backend)
                best = int(np.argmin(d_out[:, 0]))
                extra_r.append(int(inside[best]))
                extra_c.append(int(outside[i_out[best, 0]]))
                extra_w.append(float(d_out[best, 0]))
            graph = coo_matrix((np.ones(len(rows) + len(extra_r)),
                                (np.concatenate([rows, extra_r]), np.concatenate([cols, extra_c]))),
                               shape=(n, n))
            n_comp, comp = connected_components(graph, directed=False)
        info["bridge_edges"] = len(extra_r)
        edges = _mst_from_edges(n, np.concatenate([rows, np.asarray(extra_r, dtype=np.int64)]),
                                np.concatenate([cols, np.asarray(extra_c, dtype=np.int64)]),
                                np.concatenate([weights, np.asarray(extra_w)]))
    if edges.size != max(n - 1, 0):  # cannot happen for a connected graph; guard against surprises
        raise RuntimeError(f"spanning tree has {edges.size} edges, expected {n - 1}")
    return (edges, info) if return_info else edges


# --------------------------------------------------------------------------------------------
# Density-based clusters
# --------------------------------------------------------------------------------------------

def fit_pca(x: np.ndarray, n_pcs: int = 10) -> PCA:
    """Principal component projection fitted to ``x`` (scikit-learn ``PCA``). Introduced in chapter 4.

    Exact: eigen-decomposition of the covariance matrix when ``n >= dim`` (``O(n dim^2)``, fast
    for 170,000 x 256), full SVD otherwise.
    """
    x = as_cloud(x, "x")
    n_pcs = int(min(n_pcs, x.shape[0], x.shape[1]))
    solver = "covariance_eigh" if x.shape[0] >= x.shape[1] else "full"
    return PCA(n_components=n_pcs, svd_solver=solver).fit(x)


def cluster_cloud(x: np.ndarray, n_pcs: int = 10, min_cluster_size: int | None = None,
                  pca: PCA | None = None, min_samples: int | None = None,
                  allow_single_cluster: bool = False) -> tuple[np.ndarray, dict[str, Any]]:
    """Density-based clusters (HDBSCAN) in the leading principal components. Introduced in chapter 4.

    ``x`` is projected on its ``n_pcs`` leading principal components (``pca=None``: fitted on ``x``;
    for a null draw pass the data's PCA, ``summary["pca"]``, so both are seen in the same
    projection) and clustered with :class:`sklearn.cluster.HDBSCAN` (excess-of-mass selection).
    Defaults: ``min_cluster_size = max(10, n // 100)`` - a cluster must hold at least 1 % of the
    points, so random density fluctuations of a smooth cloud are not reported as clusters - and
    ``allow_single_cluster=False``: the root of the cluster tree (the whole cloud) is never a
    cluster, so a cloud without substructure - a single Gaussian ellipsoid, the null hypothesis -
    comes out as **0 clusters, 100 % noise**, while two or more separated groups come out as
    clusters. (With ``allow_single_cluster=True`` scikit-learn labels only the densest
    ``~min_cluster_size`` points of a unimodal cloud as "the" cluster and the rest as noise, which
    is hard to read.)

    Returns ``(labels, summary)``: labels per point, ``-1`` = noise, and a dict with
    ``n_clusters``, ``sizes`` (descending list), ``noise_share``, ``n_points``, ``n_pcs``,
    ``explained_variance`` (share of the total variance in the projection), ``min_cluster_size``
    and the fitted ``pca``.
    """
    x = as_cloud(x, "x")
    n = x.shape[0]
    if pca is None:
        pca = fit_pca(x, n_pcs)
    scores = pca.transform(x)
    if min_cluster_size is None:
        min_cluster_size = max(10, n // 100)
    min_cluster_size = int(min(max(2, min_cluster_size), n))
    clusterer = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples,
                        allow_single_cluster=allow_single_cluster, copy=True, n_jobs=usable_cores())
    labels = clusterer.fit_predict(scores)
    clustered = labels[labels >= 0]
    sizes = sorted(np.bincount(clustered).tolist(), reverse=True) if clustered.size else []
    sizes = [s for s in sizes if s > 0]
    summary: dict[str, Any] = {
        "n_clusters": len(sizes),
        "sizes": sizes,
        "noise_share": float(np.mean(labels < 0)) if n else math.nan,
        "n_points": n,
        "n_pcs": int(pca.n_components_),
        "explained_variance": float(np.sum(pca.explained_variance_ratio_)),
        "min_cluster_size": min_cluster_size,
        "pca": pca,
    }
    return labels, summary


def cluster_label_agreement(labels_clusters: np.ndarray, labels_truth: np.ndarray) -> float:
    """Adjusted mutual information between cluster labels and known labels. Introduced in chapter 4.

    Asks what clusters encode (synthfaces factors such as glasses, beard or hair style; ORL
    identities): 1 = the clusters are exactly the classes, about 0 = unrelated (AMI is corrected
    for chance, so random labels give ~0 whatever the numbers of clusters and classes). Noise points
    (cluster label ``-1``) are *ignored*: the score says how well the clusters that were found
    separate the classes, not how many points were clustered - report the noise share alongside.
    ``nan`` if fewer than two points are clustered.
    """
    labels_clusters = np.asarray(labels_clusters)
    labels_truth = np.asarray(labels_truth)
    if labels_clusters.shape != labels_truth.shape or labels_clusters.ndim != 1:
        raise ValueError("label arrays must be 1-D and of equal length")
    keep = labels_clusters >= 0
    if keep.sum() < 2:
        return math.nan
    return float(adjusted_mutual_info_score(labels_truth[keep], labels_clusters[keep]))


# --------------------------------------------------------------------------------------------
# Tails
# --------------------------------------------------------------------------------------------

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
    error ``sqrt(p (1-p) / n)`` of the expected share), ``z`` = (observed - expected) / se and
    ``ratio`` = observed / expected.
    """
    z = as_cloud(z, "z")
    mean = np.asarray(mean, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    dim_full = z.shape[1]
    if mean.shape != (dim_full,) or cov.shape != (dim_full, dim_full):
        raise ValueError("mean/cov do not match the dimension of z")
    eigval, eigvec = np.linalg.eigh(0.5 * (cov + cov.T))
    keep = eigval > 1e-12 * max(float(eigval.max(initial=0.0)), np.finfo(float).tiny)
    eigval, eigvec = eigval[keep], eigvec[:, keep]
    dim = int(eigval.size)
    if dim == 0:
        raise ValueError("covariance has no positive eigenvalue")
    n = z.shape[0]
    max_abs = np.empty(n)
    d2 = np.empty(n)
    for start in range(0, n, 16384):
        scores = ((z[start:start + 16384] - mean) @ eigvec) / np.sqrt(eigval)
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
            })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Data against null
# --------------------------------------------------------------------------------------------

@dataclass
class CloudMeasures:
    """Everything chapter 4 measures on one point cloud (data or null draw), from one k-NN search.

    ``knn_dist``/``knn_idx``: the ``k`` nearest neighbours (:func:`knn_search`); ``mst_edges``: the
    sorted EMST edge lengths (:func:`mst_edge_lengths` on the same neighbour lists); ``clusters`` and
    ``cluster_summary``: :func:`cluster_cloud` in the leading principal components.
    """

    knn_dist: np.ndarray
    knn_idx: np.ndarray
    mst_edges: np.ndarray
    clusters: np.ndarray
    cluster_summary: dict[str, Any]


#: Names of the statistics :func:`filament_statistics` returns, in order (chapter 4's effect table).
FILAMENT_STATISTICS: tuple[str, ...] = (
    "mean 1-NN distance", "mean 10-NN distance", "mean 20-NN distance", "TwoNN dimension",
    "Levina–Bickel dimension", "median MST edge", "MST edge 99th percentile / median",
    "HDBSCAN clusters", "share of points in clusters",
)


def measure_cloud(x: np.ndarray, k: int = 20, mst_k: int = 15, n_pcs: int = 10,
                  pca: PCA | None = None) -> CloudMeasures:
    """k-NN lists, EMST edges and HDBSCAN clusters of ``x``, sharing one neighbour search. Chapter 4.

    The search for ``max(k, mst_k)`` neighbours is done once; the spanning tree uses its first
    ``mst_k`` columns (the same lists :func:`mst_edge_lengths` would find itself). ``pca``: project
    on these axes for the clustering (pass the data's for a null draw), else fitted on ``x``.
    """
    x = as_cloud(x, "x")
    dist, idx = knn_search(x, k=max(int(k), int(mst_k)))
    edges = mst_edge_lengths(x, k=mst_k, knn=(dist, idx))
    clusters, summary = cluster_cloud(x, n_pcs=n_pcs, pca=pca)
    return CloudMeasures(dist[:, :k], idx[:, :k], edges, clusters, summary)


def filament_statistics(m: CloudMeasures) -> np.ndarray:
    """The values named in :data:`FILAMENT_STATISTICS` for one measured cloud (needs ``k >= 20``). Chapter 4."""
    if m.knn_dist.shape[1] < 20:
        raise ValueError(f"filament_statistics needs 20 neighbours per point, got {m.knn_dist.shape[1]}")
    dist, edges, summary = m.knn_dist, m.mst_edges, m.cluster_summary
    return np.array([
        dist[:, 0].mean(), dist[:, 9].mean(), dist[:, 19].mean(),
        twonn_dimension(None, knn=dist), levina_bickel_dimension(None, knn=dist),
        np.median(edges), np.quantile(edges, 0.99) / np.median(edges),
        summary["n_clusters"], 1 - summary["noise_share"],
    ])


def compare_with_null(z: np.ndarray, statistic_fn: Callable[[Any], float | np.ndarray],
                      n_null_draws: int = 5, rng: np.random.Generator | None = None,
                      bias_correction: bool = False,
                      measure: Callable[[np.ndarray], Any] | None = None) -> dict[str, Any]:
    """A statistic on the data and on draws of the null model. Introduced in chapter 4.

    The multivariate normal is fitted to ``z`` once (:func:`null_model`); ``n_null_draws`` samples
    of ``len(z)`` points each are drawn and ``statistic_fn`` (returning a float or a 1-D array,
    treated elementwise) is evaluated on ``z`` and on each draw. Returns a dict with ``data``, the
    ``null`` values (one row per draw), ``null_mean``, ``null_std`` (ddof=1) and ``z_score`` =
    ``(data - null_mean) / null_std``, the effect size in units of the null's draw-to-draw spread.
    With few draws the z-score is itself noisy (with 5 draws ``|z| > 4`` happens by chance about
    2 % of the time: ``z * sqrt(5/6)`` is t-distributed with 4 degrees of freedom).

    **Bias of the fitted null.** The null's covariance is the *sample* covariance of ``z``, whose
    eigenvalue spectrum is broader than the true one when ``len(z)`` is not much larger than
    ``dim`` (Marchenko-Pastur). Neighbour statistics are sensitive to this: for a *Gaussian*
    sample of 2,000 points in 256-D, the mean 1-NN distance of the fitted null is about 0.8 %
    smaller than the sample's own, a spurious ``z_score`` of 4-8 (0.15 % at 20,000 points; it
    falls like ``dim / n`` while the null's spread falls like ``1 / sqrt(n)``).
    ``bias_correction=True`` removes this to first order with a parametric double bootstrap:
    each null draw ``z*`` gets its own fitted MND and a second-level draw ``z**``; the mean of
    ``T(z**) - T(z*)`` estimates the shift ``delta`` that fitting causes, and the expectation of
    ``T`` for the data under the null hypothesis is ``null_mean - delta``. It adds the keys
    ``bias`` (``delta``), ``bias_se``, ``null_mean_corrected`` and ``z_score_corrected`` =
    ``(data - null_mean_corrected) / sqrt(null_std^2 + bias_se^2)``, and doubles the cost.

    ``measure``: if given, each cloud is measured once (e.g. :func:`measure_cloud`) and
    ``statistic_fn`` receives the measurement instead of the points; the result then also holds
    ``data_measure`` and ``null_measures`` (one per first-level draw), so figures can reuse them.
    """
    n_null_draws = int(n_null_draws)
    if n_null_draws < 2:
        raise ValueError("need at least 2 null draws for a spread")
    rng = np.random.default_rng() if rng is None else rng
    z = np.asarray(z)
    generator = MultivariateNormal.fit(z, name="null model (fitted MND)")
    kept: list[Any] = []

    def evaluate(x: np.ndarray, keep: bool = False) -> np.ndarray:
        if measure is None:
            return np.asarray(statistic_fn(x), dtype=np.float64)
        m = measure(x)
        if keep:
            kept.append(m)
        return np.asarray(statistic_fn(m), dtype=np.float64)

    data_value = evaluate(z, keep=True)
    null_values, second_values = [], []
    for _ in range(n_null_draws):
        draw = generator.sample(len(z), rng)
        null_values.append(evaluate(draw, keep=True))
        if bias_correction:
            second = MultivariateNormal.fit(draw).sample(len(z), rng)
            second_values.append(evaluate(second))
    null = np.stack(null_values)
    null_mean = null.mean(axis=0)
    null_std = null.std(axis=0, ddof=1)

    def _out(a: np.ndarray) -> float | np.ndarray:
        return float(a) if np.ndim(a) == 0 else a

    with np.errstate(divide="ignore", invalid="ignore"):
        result: dict[str, Any] = {
            "data": _out(data_value),
            "null": null,
            "null_mean": _out(null_mean),
            "null_std": _out(null_std),
            "z_score": _out((data_value - null_mean) / null_std),
            "n_null_draws": n_null_draws,
        }
        if measure is not None:
            result.update(data_measure=kept[0], null_measures=kept[1:])
        if bias_correction:
            shifts = np.stack(second_values) - null
            bias = shifts.mean(axis=0)
            bias_se = shifts.std(axis=0, ddof=1) / math.sqrt(n_null_draws)
            corrected = null_mean - bias
            result.update(
                bias=_out(bias), bias_se=_out(bias_se), null_mean_corrected=_out(corrected),
                z_score_corrected=_out((data_value - corrected) / np.sqrt(null_std**2 + bias_se**2)),
            )
    return result


# --------------------------------------------------------------------------------------------
# Zoomed projections
# --------------------------------------------------------------------------------------------

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


def neighbour_label_agreement(knn_indices: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """How often a point's nearest neighbours share its label, and how often chance alone would do so.

    Introduced in chapter 4. ``knn_indices`` (n, k) are the neighbours' row numbers (e.g. from
    :func:`knn_search`, self excluded); ``labels`` are discrete ground-truth values (a synthfaces factor
    such as glasses or hair style, a CelebA attribute, an ORL identity). Returns ``(observed, chance)``:
    the share of (point, neighbour) pairs with equal labels, and ``sum_c p_c^2``, its expectation if
    neighbours were drawn at random. ``observed`` far above ``chance`` means that the small-scale
    structure of the cloud carries that label.
    """
    labels = np.asarray(labels)
    knn_indices = np.asarray(knn_indices)
    if knn_indices.ndim != 2 or len(knn_indices) != len(labels):
        raise ValueError(f"knn_indices must be (n, k) with n = len(labels) = {len(labels)}")
    observed = float(np.mean(labels[knn_indices] == labels[:, None]))
    _, counts = np.unique(labels, return_counts=True)
    chance = float(np.sum((counts / counts.sum()) ** 2))
    return observed, chance


def label_carriage(knn_indices: np.ndarray, labels: "pd.DataFrame", clusters: np.ndarray | None = None,
                   rng: np.random.Generator | None = None, max_levels: int = 64) -> pd.DataFrame:
    """Which labels the small scales carry: one row per discrete label column. Introduced in chapter 4.

    For every integer column of ``labels`` with 2 to ``max_levels`` values: its number of
    ``levels``, the share of neighbours sharing the label and its ``chance`` value
    (:func:`neighbour_label_agreement`), their ratio ``lift``, and - if HDBSCAN ``clusters`` are
    given - the ``cluster AMI`` (:func:`cluster_label_agreement`) beside the AMI with labels shuffled
    by ``rng``. Sorted by decreasing lift.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    rows: dict[str, dict[str, float]] = {}
    for name in labels.columns:
        column = labels[name]
        if not pd.api.types.is_integer_dtype(column) or not 2 <= column.nunique() <= max_levels:
            continue
        values = column.to_numpy()
        observed, chance = neighbour_label_agreement(knn_indices, values)
        row = {"levels": column.nunique(), "neighbours sharing the label": observed, "chance": chance,
               "lift": observed / chance}
        if clusters is not None:
            row["cluster AMI"] = cluster_label_agreement(clusters, values)
            row["cluster AMI, shuffled labels"] = cluster_label_agreement(clusters, rng.permutation(values))
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    return table.sort_values("lift", ascending=False) if len(table) else table


def whole_cloud_summary(z: np.ndarray, labels: "pd.DataFrame | None" = None, k: int = 20
                        ) -> tuple[dict[str, float], pd.DataFrame | None]:
    """Neighbour statistics of a whole cloud from one exact k-NN search (chapter 4, at full scale).

    Returns ``({"points", "mean 1-NN distance", "mean 20-NN distance", "TwoNN dimension",
    "Levina–Bickel dimension"}, label table)``; the label table (:func:`label_carriage`, no
    clusters) is None without ``labels``. ``k >= 20`` (the Levina-Bickel estimate averages k = 10-20).
    At 153,000 x 256 z-points the search takes about a minute on two cores (``benchmarks/bench_analysis.py``).
    """
    if k < 20:
        raise ValueError(f"k must be at least 20 (Levina–Bickel uses k = 10-20), got {k}")
    dist, idx = knn_search(z, k=k)
    values = {
        "points": float(len(dist)),
        "mean 1-NN distance": float(dist[:, 0].mean()),
        f"mean {k}-NN distance": float(dist[:, -1].mean()),
        "TwoNN dimension": twonn_dimension(None, knn=dist),
        "Levina–Bickel dimension": levina_bickel_dimension(None, knn=dist),
    }
    return values, (label_carriage(idx, labels) if labels is not None else None)
