"""One measurement per point cloud, and the registry of statistics chapter 4 compares (chapter 4).

:func:`measure_cloud` does one exact neighbour search (:func:`latent_fragments.stats.neighbours.knn_search`),
the spanning tree on those lists, HDBSCAN clusters, the Mahalanobis radii of one :class:`Gaussian` fit
and the large-scale shape on the leading principal axes (:func:`~.mixture.shape_statistics`);
:data:`STATISTICS` declares every statistic once, as a :class:`Statistic` record (key, label, scale,
how to read it from a :class:`CloudMeasures`), and :func:`filament_statistics` returns them in that order.
Adding a statistic is one record here (and its test).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..components import as_cloud
from ..gaussian import Gaussian
from ..neighbours import knn_search
from .dimension import levina_bickel_dimension, twonn_dimension
from .graphs import cluster_cloud, mst_edge_lengths
from .mixture import shape_statistics

__all__ = [
    "CloudMeasures", "Statistic", "STATISTICS", "STATISTIC_KEYS", "SCALES", "statistic", "statistic_index",
    "measure_cloud", "filament_statistics", "scale_resolution", "RESOLVED_SCALE",
]


@dataclass
class CloudMeasures:
    """Everything chapter 4 measures on one point cloud (data or null draw), from one k-NN search.

    ``knn_dist``/``knn_idx``: the ``k`` nearest neighbours (:func:`knn_search`); ``mst_edges``: the
    sorted spanning-tree edge lengths (:func:`mst_edge_lengths` on the same neighbour lists);
    ``clusters`` and ``cluster_summary``: :func:`cluster_cloud` in the leading principal axes;
    ``gaussian``: the :class:`Gaussian` fitted to the cloud, ``radii``: the Mahalanobis radii in it;
    ``shape``: the large-scale shape on the leading axes (:func:`~.mixture.shape_statistics`).
    Introduced in chapter 4.
    """

    knn_dist: np.ndarray
    knn_idx: np.ndarray
    mst_edges: np.ndarray
    clusters: np.ndarray
    cluster_summary: dict[str, Any]
    radii: np.ndarray
    gaussian: Gaussian
    shape: dict[str, float] = field(default_factory=dict)

    @property
    def total_variance(self) -> float:
        """Trace of the cloud's covariance."""
        return float(self.gaussian.variances.sum())


@dataclass(frozen=True)
class Statistic:
    """One statistic of chapter 4's verdict. Introduced in chapter 4.

    ``key`` (stable, used in tables and code), ``label`` (display), ``scale``: what it looks at -
    "small" (neighbours, local dimension, spanning tree), "clusters" (HDBSCAN) or "large" (the radial
    profile and the shape on the leading axes); ``value`` reads it from a :class:`CloudMeasures`;
    ``sd_floor`` is added in quadrature to its spread between null draws (so counts that are 0 in every
    draw give finite standardised differences), ``relative_floor`` bounds the denominator of its
    relative difference from below.
    """

    key: str
    label: str
    scale: str
    value: Callable[[CloudMeasures], float]
    sd_floor: float = 0.0
    relative_floor: float = 0.0


def _mst_tail(m: CloudMeasures) -> float:
    median = float(np.median(m.mst_edges))
    return float(np.quantile(m.mst_edges, 0.99) / median) if median > 0 else math.nan


#: The statistics of chapter 4's verdict, in table order. Introduced in chapter 4.
STATISTICS: tuple[Statistic, ...] = (
    Statistic("nn1", "mean 1-NN distance", "small", lambda m: float(m.knn_dist[:, 0].mean())),
    Statistic("nn10", "mean 10-NN distance", "small", lambda m: float(m.knn_dist[:, 9].mean())),
    Statistic("nn20", "mean 20-NN distance", "small", lambda m: float(m.knn_dist[:, 19].mean())),
    Statistic("twonn", "TwoNN dimension", "small", lambda m: twonn_dimension(None, knn=m.knn_dist)),
    Statistic("levina_bickel", "Levina–Bickel dimension", "small",
              lambda m: levina_bickel_dimension(None, knn=m.knn_dist)),
    Statistic("mst_median", "median MST edge", "small", lambda m: float(np.median(m.mst_edges))),
    Statistic("mst_tail", "MST edge 99th percentile / median", "small", _mst_tail),
    Statistic("clusters", "HDBSCAN clusters", "clusters", lambda m: float(m.cluster_summary["n_clusters"]),
              sd_floor=0.5, relative_floor=1.0),
    Statistic("cluster_share", "share of points in clusters", "clusters",
              lambda m: 1.0 - float(m.cluster_summary["noise_share"]), sd_floor=0.005, relative_floor=1.0),
    Statistic("radius_spread", "Mahalanobis radius sd / mean", "large",
              lambda m: float(m.radii.std() / m.radii.mean())),
    Statistic("skewness", "Mardia skewness (leading axes)", "large", lambda m: m.shape["skewness"]),
    Statistic("kurtosis", "Mardia kurtosis (leading axes)", "large", lambda m: m.shape["kurtosis"]),
    Statistic("flattest_axis", "kurtosis of the flattest leading axis", "large",
              lambda m: m.shape["flattest_axis"]),
)

#: The keys of :data:`STATISTICS`, in order.
STATISTIC_KEYS: tuple[str, ...] = tuple(s.key for s in STATISTICS)
#: The scale of each statistic of :data:`STATISTICS`, as an array (for masks).
SCALES: np.ndarray = np.array([s.scale for s in STATISTICS])

#: Median nearest-neighbour distance, as a fraction of the cloud's typical pairwise distance, below which a
#: run is said to resolve scales well below the cloud's size (chapter 4's page).
RESOLVED_SCALE = 0.25


def statistic_index(key: str) -> int:
    """Position of the statistic ``key`` in :data:`STATISTICS`. Introduced in chapter 4."""
    try:
        return STATISTIC_KEYS.index(key)
    except ValueError:
        raise KeyError(f"unknown statistic {key!r}; known: {', '.join(STATISTIC_KEYS)}") from None


def statistic(key: str) -> Statistic:
    """The :class:`Statistic` record of ``key``. Introduced in chapter 4."""
    return STATISTICS[statistic_index(key)]


def measure_cloud(x: np.ndarray, k: int = 20, mst_k: int = 15, n_pcs: int = 10, pca: Gaussian | None = None,
                  n_axes: int = 5) -> CloudMeasures:
    """k-NN lists, spanning tree, HDBSCAN clusters, radii and large-scale shape of ``x``. Chapter 4.

    The search for ``max(k, mst_k)`` neighbours is done once; the spanning tree is that of the
    ``mst_k``-NN graph, bridged where disconnected (:func:`mst_edge_lengths` with ``dense_max=0``:
    the same method for every cloud size). ``pca``: the Gaussian whose axes the clustering uses
    (pass the data's for a null draw), else the one fitted to ``x``. The shape statistics use the
    ``n_axes`` leading axes of ``x``'s own fit.
    """
    x = as_cloud(x, "x")
    own = Gaussian.fit(x)
    dist, idx = knn_search(x, k=max(int(k), int(mst_k)))
    edges = mst_edge_lengths(x, k=mst_k, knn=(dist, idx), dense_max=0)
    clusters, summary = cluster_cloud(x, n_pcs=n_pcs, pca=own if pca is None else pca)
    rank = int(np.count_nonzero(own.variances > 1e-12 * max(float(own.variances[0]), np.finfo(float).tiny)))
    radii = np.linalg.norm(own.whiten(x, rank), axis=1)
    shape = shape_statistics(own.whiten(x, min(int(n_axes), rank)))
    return CloudMeasures(dist[:, :k], idx[:, :k], edges, clusters, summary, radii, own, shape)


def filament_statistics(m: CloudMeasures) -> np.ndarray:
    """The values of :data:`STATISTICS` for one measured cloud (needs ``k >= 20``). Chapter 4."""
    if m.knn_dist.shape[1] < 20:
        raise ValueError(f"filament_statistics needs 20 neighbours per point, got {m.knn_dist.shape[1]}")
    return np.array([s.value(m) for s in STATISTICS], dtype=np.float64)


def scale_resolution(m: CloudMeasures, width: float | None = None) -> float:
    """Median nearest-neighbour distance as a fraction of a typical pairwise distance. Chapter 4.

    ``width=None``: the typical distance between two points of the cloud, ``sqrt(2 trace(cov))`` (the
    root mean square over all pairs); else ``width``, e.g. the typical distance between two points of
    one mixture component (:meth:`~.mixture.HeadMixture.component_width`). Near 1, a point's nearest
    neighbour is about as far as any other point: the sample resolves nothing finer than the reference.
    """
    typical = math.sqrt(2.0 * m.total_variance) if width is None else float(width)
    return float(np.median(m.knn_dist[:, 0]) / typical) if typical > 0 else math.nan
