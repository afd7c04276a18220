"""Tests of latent_fragments.stats.neighbours: the exact k-nearest-neighbour search (chapters 2-4)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from latent_fragments.stats import neighbours as nb


def test_knn_distances_shape_self_excluded_and_exact():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 16)).astype(np.float32)
    dist, idx = nb.knn_search(x, 5)
    assert dist.shape == idx.shape == (300, 5)
    assert not np.any(idx == np.arange(300)[:, None]), "a point must not be its own neighbour"
    assert np.all(np.diff(dist, axis=1) >= 0)
    full = cdist(x.astype(np.float64), x.astype(np.float64))
    np.fill_diagonal(full, np.inf)
    assert np.allclose(dist, np.sort(full, axis=1)[:, :5], rtol=1e-10, atol=1e-12)
    assert np.allclose(nb.knn_distances(x, 5), dist)
    # against a separate reference set: no exclusion
    queries = rng.normal(size=(40, 16))
    against = nb.knn_distances(queries, 3, reference=x)
    assert against.shape == (40, 3)
    assert np.allclose(against, np.sort(cdist(queries, x.astype(np.float64)), axis=1)[:, :3])


def test_knn_duplicates_count_as_neighbours():
    x = np.random.default_rng(4).normal(size=(50, 6))
    x = np.concatenate([x, x[:5]])  # points 50..54 duplicate 0..4
    dist, idx = nb.knn_search(x, 2)
    assert np.all(dist[:5, 0] == 0.0) and np.all(dist[50:, 0] == 0.0)
    assert np.array_equal(idx[:5, 0], np.arange(50, 55))
    assert not np.any(idx == np.arange(55)[:, None])


@pytest.mark.skipif(not nb.HAVE_FAISS, reason="faiss-cpu not installed")
def test_knn_faiss_and_sklearn_agree():
    x = np.random.default_rng(5).normal(size=(500, 30)).astype(np.float32)
    d_faiss, i_faiss = nb.knn_search(x, 7, backend="faiss")
    d_sk, i_sk = nb.knn_search(x, 7, backend="sklearn")
    assert np.allclose(d_faiss, d_sk)
    assert np.mean(i_faiss == i_sk) > 0.999  # continuous data: no ties, identical neighbours
    with pytest.raises(ValueError):
        nb.knn_search(x, 7, backend="annoy")


def test_knn_rejects_too_many_neighbours():
    with pytest.raises(ValueError):
        nb.knn_distances(np.zeros((5, 3)), k=5)  # only 4 others


def test_pruned_search_is_exact(monkeypatch):
    """The two-pass search of low-rank clouds finds the same neighbours as the plain search."""
    rng = np.random.default_rng(21)
    n, dim = 3000, 64
    x = rng.normal(size=(n, dim)) * np.geomspace(10.0, 0.001, dim)  # variance in a few leading axes
    monkeypatch.setattr(nb, "_PRUNE_MIN_POINTS", 10**9)
    plain_d, plain_i = nb.knn_search(x, k=10)
    ref_d, ref_i = nb.knn_search(x[:500], k=7, reference=x)
    calls = []
    original = nb._search_faiss if nb.HAVE_FAISS else nb._search_sklearn

    def spy(queries, reference, n_neighbors):
        calls.append((queries.shape, reference.shape[1]))
        return original(queries, reference, n_neighbors)

    monkeypatch.setattr(nb, "_search_faiss" if nb.HAVE_FAISS else "_search_sklearn", spy)
    monkeypatch.setattr(nb, "_PRUNE_MIN_POINTS", 0)
    head = nb._head_axes(x - x.mean(axis=0)).shape[1]
    assert head < dim // 2
    d, i = nb.knn_search(x, k=10)
    assert calls[0] == ((n, head), head)  # pass 1 in the head space
    np.testing.assert_array_equal(i, plain_i)
    np.testing.assert_allclose(d, plain_d, rtol=1e-12)
    d, i = nb.knn_search(x[:500], k=7, reference=x)
    np.testing.assert_array_equal(i, ref_i)
    # an isotropic cloud has no head: one plain search
    calls.clear()
    iso = rng.normal(size=(2000, dim))
    assert nb._head_axes(iso - iso.mean(axis=0)) is None
    nb.knn_search(iso, k=5)
    assert calls == [((2000, dim), dim)]


def test_pruned_search_falls_back_where_the_bound_fails(monkeypatch):
    """Queries whose candidates cannot be proven complete are searched again in all dimensions."""
    rng = np.random.default_rng(22)
    dim = 32
    x = rng.normal(size=(2000, dim)) * np.geomspace(3.0, 0.05, dim)
    x[:40, -8:] += rng.normal(scale=20.0, size=(40, 8))  # points far out along the tail axes only
    monkeypatch.setattr(nb, "_PRUNE_MIN_POINTS", 10**9)
    plain_d, plain_i = nb.knn_search(x, k=8)
    monkeypatch.setattr(nb, "_PRUNE_MIN_POINTS", 0)
    monkeypatch.setattr(nb, "_PRUNE_MAX_HEAD_SHARE", 1.0)
    calls = []
    original = nb._search_faiss if nb.HAVE_FAISS else nb._search_sklearn

    def spy(queries, reference, n_neighbors):
        calls.append(queries.shape[0])
        return original(queries, reference, n_neighbors)

    monkeypatch.setattr(nb, "_search_faiss" if nb.HAVE_FAISS else "_search_sklearn", spy)
    d, i = nb.knn_search(x, k=8)
    assert len(calls) == 2 and 0 < calls[1] < 2000  # some queries needed the second pass
    np.testing.assert_array_equal(i, plain_i)
    np.testing.assert_allclose(d, plain_d, rtol=1e-12)
