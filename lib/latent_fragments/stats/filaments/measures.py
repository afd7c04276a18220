"""One measurement per point cloud, and the statistics chapter 4 compares between data and nulls.

:func:`measure_cloud` does one exact neighbour search (:func:`latent_fragments.stats.neighbours.knn_search`),
the spanning tree on those lists, HDBSCAN clusters and the Mahalanobis radii of one :class:`Gaussian`
fit; :func:`filament_statistics` turns it into the values named in :data:`FILAMENT_STATISTICS`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..components import as_cloud
from ..gaussian import Gaussian
from ..neighbours import knn_search
from .dimension import levina_bickel_dimension, twonn_dimension
from .graphs import cluster_cloud, mst_edge_lengths

__all__ = [
    "CloudMeasures", "FILAMENT_STATISTICS", "STATISTIC_SCALES", "measure_cloud", "filament_statistics",
    "scale_resolution", "scale_sentence", "RESOLVED_SCALE",
]


@dataclass
class CloudMeasures:
    """Everything chapter 4 measures on one point cloud (data or null draw), from one k-NN search.

    ``knn_dist``/``knn_idx``: the ``k`` nearest neighbours (:func:`knn_search`); ``mst_edges``: the
    sorted spanning-tree edge lengths (:func:`mst_edge_lengths` on the same neighbour lists);
    ``clusters`` and ``cluster_summary``: :func:`cluster_cloud` in the leading principal axes;
    ``gaussian``: the :class:`Gaussian` fitted to the cloud, ``radii``: the Mahalanobis radii in it.
    """

    knn_dist: np.ndarray
    knn_idx: np.ndarray
    mst_edges: np.ndarray
    clusters: np.ndarray
    cluster_summary: dict[str, Any]
    radii: np.ndarray
    gaussian: Gaussian

    @property
    def total_variance(self) -> float:
        """Trace of the cloud's covariance."""
        return float(self.gaussian.variances.sum())


#: Names of the statistics :func:`filament_statistics` returns, in order (chapter 4's verdict table).
FILAMENT_STATISTICS: tuple[str, ...] = (
    "mean 1-NN distance", "mean 10-NN distance", "mean 20-NN distance", "TwoNN dimension",
    "Levina–Bickel dimension", "median MST edge", "MST edge 99th percentile / median",
    "HDBSCAN clusters", "share of points in clusters", "Mahalanobis radius sd / mean",
)

#: What each statistic of :data:`FILAMENT_STATISTICS` looks at: "small" scales (neighbours, local
#: dimension, spanning tree), "clusters" (HDBSCAN) or the "large" scale (the radial profile).
STATISTIC_SCALES: tuple[str, ...] = ("small",) * 7 + ("clusters", "clusters", "large")

#: Median nearest-neighbour distance, as a fraction of the typical pairwise distance, below which a
#: run is said to resolve small scales (:func:`scale_sentence`).
RESOLVED_SCALE = 0.25


def measure_cloud(x: np.ndarray, k: int = 20, mst_k: int = 15, n_pcs: int = 10,
                  pca: Gaussian | None = None) -> CloudMeasures:
    """k-NN lists, spanning tree, HDBSCAN clusters and radii of ``x``, from one search. Chapter 4.

    The search for ``max(k, mst_k)`` neighbours is done once; the spanning tree is that of the
    ``mst_k``-NN graph, bridged where disconnected (:func:`mst_edge_lengths` with ``dense_max=0``:
    the same method for every cloud size). ``pca``: the Gaussian whose axes the clustering uses
    (pass the data's for a null draw), else the one fitted to ``x``.
    """
    x = as_cloud(x, "x")
    own = Gaussian.fit(x)
    dist, idx = knn_search(x, k=max(int(k), int(mst_k)))
    edges = mst_edge_lengths(x, k=mst_k, knn=(dist, idx), dense_max=0)
    clusters, summary = cluster_cloud(x, n_pcs=n_pcs, pca=own if pca is None else pca)
    rank = int(np.count_nonzero(own.variances > 1e-12 * max(float(own.variances[0]), np.finfo(float).tiny)))
    radii = np.linalg.norm(own.whiten(x, rank), axis=1)
    return CloudMeasures(dist[:, :k], idx[:, :k], edges, clusters, summary, radii, own)


def filament_statistics(m: CloudMeasures) -> np.ndarray:
    """The values named in :data:`FILAMENT_STATISTICS` for one measured cloud (needs ``k >= 20``). Chapter 4."""
    if m.knn_dist.shape[1] < 20:
        raise ValueError(f"filament_statistics needs 20 neighbours per point, got {m.knn_dist.shape[1]}")
    dist, edges, summary = m.knn_dist, m.mst_edges, m.cluster_summary
    median_edge = float(np.median(edges))
    return np.array([
        dist[:, 0].mean(), dist[:, 9].mean(), dist[:, 19].mean(),
        twonn_dimension(None, knn=dist), levina_bickel_dimension(None, knn=dist),
        median_edge, np.quantile(edges, 0.99) / median_edge if median_edge > 0 else math.nan,
        summary["n_clusters"], 1 - summary["noise_share"],
        m.radii.std() / m.radii.mean(),
    ])


def scale_resolution(m: CloudMeasures) -> float:
    """Median nearest-neighbour distance as a fraction of the typical pairwise distance. Chapter 4.

    The typical distance between two points of the cloud is ``sqrt(2 trace(cov))`` (the root mean
    square over all pairs). Near 1, a point's nearest neighbour is about as far as any other point:
    the sample cannot resolve structure finer than the cloud itself.
    """
    typical = math.sqrt(2.0 * m.total_variance)
    return float(np.median(m.knn_dist[:, 0]) / typical) if typical > 0 else math.nan


def scale_sentence(ratio: float, threshold: float = RESOLVED_SCALE) -> str:
    """Whether a run resolves small scales, from :func:`scale_resolution`, as chapter 4 prints it."""
    head = (f"A point's nearest neighbour is on median {ratio:.0%} of the typical distance between two "
            f"z-points away")
    if ratio <= threshold:
        return (f"{head}: the sample resolves scales well below the size of the cloud, so structure on "
                f"small scales could be seen.")
    return (f"{head} (more than {threshold:.0%}): at this sample size and dimension the run does not resolve "
            f"scales much smaller than the cloud itself, so \"small-scale\" below means the texture of the cloud "
            f"at about {ratio:.0%} of its own size.")
