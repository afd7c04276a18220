"""Exact k-nearest-neighbour search, the one neighbour search of the book (chapters 2-4).

:func:`knn_search` is exact brute force in float32 with float64 refinement (faiss-cpu when importable,
else scikit-learn), with a two-pass pruned search for clouds whose variance sits in a few principal
axes; :func:`knn_distances` returns just the distances.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..data.pool import usable_cores  # the one core count of the package (re-exported here)
from .gaussian import as_cloud

try:  # optional: exact brute-force search with faiss is several times faster than scikit-learn
    import faiss  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - exercised only where faiss-cpu is not installed
    faiss = None

__all__ = ["HAVE_FAISS", "knn_search", "knn_distances", "usable_cores"]

#: Whether the faiss backend of :func:`knn_search` is available.
HAVE_FAISS: bool = faiss is not None

_SKLEARN_CHUNK = 4096
_REFINE_CHUNK = 1024


def _search_faiss(queries: np.ndarray, reference: np.ndarray, n_neighbors: int) -> np.ndarray:
    faiss.omp_set_num_threads(usable_cores())
    index = faiss.IndexFlatL2(reference.shape[1])
    index.add(np.ascontiguousarray(reference, dtype=np.float32))
    _, indices = index.search(np.ascontiguousarray(queries, dtype=np.float32), n_neighbors)
    return indices.astype(np.int64, copy=False)


def _search_sklearn(queries: np.ndarray, reference: np.ndarray, n_neighbors: int) -> np.ndarray:
    index = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute", metric="euclidean")
    index.fit(np.asarray(reference, dtype=np.float32))
    out = np.empty((queries.shape[0], n_neighbors), dtype=np.int64)
    for start in range(0, queries.shape[0], _SKLEARN_CHUNK):
        chunk = np.asarray(queries[start:start + _SKLEARN_CHUNK], dtype=np.float32)
        out[start:start + _SKLEARN_CHUNK] = index.kneighbors(chunk, return_distance=False)
    return out


#: Pruned search (:func:`_exact_neighbours`): the head space holds this share of the variance, ...
_PRUNE_VARIANCE = 0.995
#: ... the pruning is used only if the head has at most this share of the dimensions ...
_PRUNE_MAX_HEAD_SHARE = 0.6
#: ... and the reference at least this many points; candidates per query beyond the ones needed.
_PRUNE_MIN_POINTS = 5000
_PRUNE_EXTRA = 12


def _head_axes(centred: np.ndarray) -> np.ndarray | None:
    """Leading principal axes (columns) holding ``_PRUNE_VARIANCE`` of the variance, or None if too many."""
    dim = centred.shape[1]
    eigval, eigvec = np.linalg.eigh(centred.T @ centred)
    eigval, eigvec = np.clip(eigval[::-1], 0.0, None), eigvec[:, ::-1]
    total = eigval.sum()
    if total <= 0:
        return None
    head = int(np.searchsorted(np.cumsum(eigval) / total, _PRUNE_VARIANCE)) + 1
    head = min(dim, 8 * math.ceil(head / 8))
    return eigvec[:, :head] if head <= _PRUNE_MAX_HEAD_SHARE * dim else None


def _exact_neighbours(x: np.ndarray, ref: np.ndarray, n_neighbors: int,
                      search: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
                      self_search: bool) -> np.ndarray:
    """Indices of the ``n_neighbors`` nearest reference points of each row of ``x`` (exact, unsorted).

    Plain: one float32 search in all dimensions of the centred points. Pruned, for clouds whose
    variance lies in a few principal axes: distances in the rotated frame split exactly into a
    head part (the leading axes) and a tail part, ``d^2 = d_head^2 + d_tail^2 >= d_head^2``. Pass 1
    searches the head space for ``n_neighbors + 12`` candidates per query and computes their exact
    distances; let ``U`` be the ``n_neighbors``-th smallest. Every point that is not a candidate is
    at least as far in the head space as the last candidate, ``h``; where ``h^2`` exceeds ``U^2``
    by more than a float32 error margin, no other point can be closer than ``U`` and the candidates
    hold the answer. The remaining queries (pass 2) are searched in all dimensions.
    """
    centre = ref.mean(axis=0)
    ref_c = ref - centre
    x_c = ref_c if self_search else x - centre
    ref32 = ref_c.astype(np.float32)
    x32 = ref32 if self_search else x_c.astype(np.float32)
    n_ref = ref.shape[0]
    axes = None
    if n_ref >= _PRUNE_MIN_POINTS and n_neighbors + _PRUNE_EXTRA < n_ref:
        axes = _head_axes(ref_c)
    if axes is None:
        return search(x32, ref32, n_neighbors)
    ref_h32 = (ref_c @ axes).astype(np.float32)
    x_h32 = ref_h32 if self_search else (x_c @ axes).astype(np.float32)
    cand = search(x_h32, ref_h32, n_neighbors + _PRUNE_EXTRA)
    # the search's float32 error: |a|^2 + |b|^2 - 2 a.b is off by a few ulp of the squared norms
    # (the margin is ~80 times that); differences of centred float32 points lose ~1e-7 relative
    margin = 4e-5 * float(max(np.max(np.einsum("ij,ij->i", ref_h32, ref_h32)),
                              np.max(np.einsum("ij,ij->i", x_h32, x_h32))))
    out = np.empty((x.shape[0], n_neighbors), dtype=np.int64)
    redo = []
    for start in range(0, x.shape[0], _REFINE_CHUNK):
        stop = min(start + _REFINE_CHUNK, x.shape[0])
        c = np.where(cand[start:stop] < 0, 0, cand[start:stop])
        diff = ref32[c] - x32[start:stop, np.newaxis, :]
        exact2 = np.einsum("ijk,ijk->ij", diff, diff)
        dh = ref_h32[c[:, -1]] - x_h32[start:stop]
        last_head2 = np.einsum("ij,ij->i", dh, dh)
        order = np.argsort(exact2, axis=1, kind="stable")[:, :n_neighbors]
        out[start:stop] = np.take_along_axis(c, order, axis=1)
        bound2 = np.take_along_axis(exact2, order[:, -1:], axis=1)[:, 0]
        redo.append(start + np.flatnonzero(~(last_head2 - margin > bound2 * (1 + 1e-5))))
    redo_rows = np.concatenate(redo)
    if redo_rows.size:
        out[redo_rows] = search(x32[redo_rows], ref32, n_neighbors)
    return out


def knn_search(x: np.ndarray, k: int = 20, reference: np.ndarray | None = None,
               backend: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``k`` nearest neighbours of each row of ``x``. Introduced in chapter 4.

    Exact brute-force search. ``reference=None`` searches ``x`` itself and excludes each point from
    its own neighbours (by index, so duplicate points still count as neighbours at distance 0).
    ``backend``: ``"faiss"`` (``IndexFlatL2``, all usable cores via ``faiss.omp_set_num_threads``),
    ``"sklearn"`` (brute-force ``NearestNeighbors`` in chunks), or ``"auto"`` (faiss if importable).

    Both backends *search* in float32 on mean-centred coordinates (centring makes the float32
    expansion ``|a|^2 + |b|^2 - 2 a.b`` accurate for close pairs); the distances of the found
    neighbours are then recomputed exactly in float64 and each row re-sorted, so both backends
    return the same distances up to float64 round-off (neighbours may differ only in exact or
    float32-level ties). Returns ``(distances, indices)``, float64 and int64 arrays of shape
    ``(n, k)``, sorted by increasing distance.

    Clouds whose variance sits in a few principal axes (the book's z-points: 99.5 % in 40 of 256)
    are searched in two passes that stay exact, see :func:`_exact_neighbours`; for 153,000 x 256
    z-points this took chapter 4's whole-cloud search from 136 s to 57 s on two cores.
    """
    x = as_cloud(x, "x")
    self_search = reference is None
    ref = x if self_search else as_cloud(reference, "reference")
    if x.shape[1] != ref.shape[1]:
        raise ValueError(f"dimension mismatch: x has {x.shape[1]}, reference {ref.shape[1]}")
    k = int(k)
    n_neighbors = k + int(self_search)
    if k < 1 or n_neighbors > ref.shape[0]:
        raise ValueError(f"k={k} neighbours requested but the reference has {ref.shape[0]} points"
                         + (" (the point itself excluded)" if self_search else ""))
    if backend == "auto":
        backend = "faiss" if HAVE_FAISS else "sklearn"
    if backend == "faiss" and not HAVE_FAISS:
        raise ImportError("faiss is not installed; use backend='sklearn'")
    if backend not in ("faiss", "sklearn"):
        raise ValueError(f"unknown backend {backend!r}; use 'auto', 'faiss' or 'sklearn'")
    search = _search_faiss if backend == "faiss" else _search_sklearn
    indices = _exact_neighbours(x, ref, n_neighbors, search, self_search)
    if self_search:
        rows = np.arange(x.shape[0])[:, np.newaxis]
        is_self = indices == rows
        # drop the point itself; if ties pushed it out of the list, drop the last neighbour instead
        missing = ~is_self.any(axis=1)
        is_self[missing, -1] = True
        indices = indices[~is_self].reshape(x.shape[0], k)
    indices = np.where(indices < 0, 0, indices)  # faiss marks "not found" with -1 (cannot happen here)
    distances = np.empty((x.shape[0], k))
    for start in range(0, x.shape[0], _REFINE_CHUNK):
        stop = min(start + _REFINE_CHUNK, x.shape[0])
        diff = ref[indices[start:stop]] - x[start:stop, np.newaxis, :]
        distances[start:stop] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    order = np.argsort(distances, axis=1, kind="stable")
    return np.take_along_axis(distances, order, axis=1), np.take_along_axis(indices, order, axis=1)


def knn_distances(x: np.ndarray, k: int = 20, reference: np.ndarray | None = None,
                  backend: str = "auto") -> np.ndarray:
    """Euclidean distances to the ``k`` nearest neighbours, shape ``(n, k)``. Introduced in chapter 4.

    Column ``j`` holds the distance to the ``(j+1)``-th neighbour. ``reference=None``: neighbours
    within ``x``, the point itself excluded. Exact search with faiss-cpu (``IndexFlatL2``) or, if
    faiss is not importable, scikit-learn - see :func:`knn_search`. 170,000 x 256 float32 points with
    ``k=20`` take a few minutes on two cores (``benchmarks/bench_knn.py``).
    """
    return knn_search(x, k, reference, backend)[0]
