"""Graphs and clusters of a point cloud: the minimum spanning tree and HDBSCAN clusters (chapter 4)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform
from sklearn.cluster import HDBSCAN
from sklearn.metrics import adjusted_mutual_info_score

from ..components import as_cloud
from ..gaussian import Gaussian
from ..neighbours import knn_search, usable_cores

__all__ = ["mst_edge_lengths", "cluster_cloud", "cluster_label_agreement"]


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


def _knn_graph_edges(x: np.ndarray, dist: np.ndarray, idx: np.ndarray, backend: str
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Edges of the k-NN graph, bridged Borůvka-style until connected (see :func:`mst_edge_lengths`).

    Returns ``(rows, cols, weights, components before bridging, bridge edges added)``.
    """
    n, k = dist.shape
    rows = np.repeat(np.arange(n), k)
    cols, weights = idx.ravel(), dist.ravel()
    graph = coo_matrix((np.ones_like(weights), (rows, cols)), shape=(n, n))
    n_comp, comp = connected_components(graph, directed=False)
    first_comp = int(n_comp)
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
    return (np.concatenate([rows, np.asarray(extra_r, dtype=np.int64)]),
            np.concatenate([cols, np.asarray(extra_c, dtype=np.int64)]),
            np.concatenate([weights, np.asarray(extra_w)]), first_comp, len(extra_r))


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
        rows, cols, weights, n_comp, n_bridges = _knn_graph_edges(x, dist, idx, backend)
        info.update(method="knn", k=k, knn_components=n_comp, bridge_edges=n_bridges)
        edges = _mst_from_edges(n, rows, cols, weights)
    if edges.size != max(n - 1, 0):  # cannot happen for a connected graph; guard against surprises
        raise RuntimeError(f"spanning tree has {edges.size} edges, expected {n - 1}")
    return (edges, info) if return_info else edges


def cluster_cloud(x: np.ndarray, n_pcs: int = 10, min_cluster_size: int | None = None,
                  pca: Gaussian | None = None, min_samples: int | None = None,
                  allow_single_cluster: bool = False) -> tuple[np.ndarray, dict[str, Any]]:
    """Density-based clusters (HDBSCAN) in the leading principal components. Introduced in chapter 4.

    ``x`` is projected on its ``n_pcs`` leading principal axes (``pca=None``: the :class:`Gaussian`
    fitted to ``x``; pass another cloud's, e.g. ``summary["pca"]``, to see both in the same projection)
    and clustered with :class:`sklearn.cluster.HDBSCAN` (excess-of-mass selection).
    Defaults: ``min_cluster_size = max(10, n // 100)`` - a cluster must hold at least 1 % of the
    points, so random density fluctuations of a smooth cloud are not reported as clusters - and
    ``allow_single_cluster=False``: the root of the cluster tree (the whole cloud) is never a
    cluster, so a cloud without substructure - a single Gaussian ellipsoid, the null hypothesis -
    comes out as **0 clusters, 100 % noise**, while two or more separated groups come out as
    clusters.

    Returns ``(labels, summary)``: labels per point, ``-1`` = noise, and a dict with
    ``n_clusters``, ``sizes`` (descending list), ``noise_share``, ``n_points``, ``n_pcs``,
    ``explained_variance`` (share of the total variance in the projection), ``min_cluster_size``
    and the Gaussian ``pca`` whose axes were used.
    """
    x = as_cloud(x, "x")
    n = x.shape[0]
    if pca is None:
        pca = Gaussian.fit(x)
    n_pcs = int(min(n_pcs, x.shape[0], x.shape[1]))
    scores = pca.to_pca(x, n_pcs)
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
        "n_pcs": n_pcs,
        "explained_variance": float(np.sum(pca.explained_ratio[:n_pcs])),
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

