"""Which ground-truth labels the small scales of the z-point cloud carry (chapter 4).

Neighbours share a label more often than chance whenever the label varies along the cloud's large
axes, even if the small scales carry nothing. The baseline is therefore a linear model of z: a
multinomial logistic regression of the label on the whitened leading principal scores predicts
how often two points share the label; only agreement beyond that is carried by the small scales.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ...data.labels import MAX_LEVELS, is_categorical, label_columns
from ..components import as_cloud
from ..gaussian import Gaussian
from ..neighbours import knn_search
from .dimension import levina_bickel_dimension, twonn_dimension
from .graphs import cluster_label_agreement

__all__ = ["neighbour_label_agreement", "large_scale_coordinates", "linear_label_model", "label_carriage",
           "whole_cloud_summary"]

_CHUNK = 8192


def neighbour_label_agreement(knn_indices: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """How often a point's nearest neighbours share its label, and how often chance alone would do so.

    Introduced in chapter 4. ``knn_indices`` (n, k) are the neighbours' row numbers (self excluded);
    ``labels`` discrete values. Returns ``(observed, chance)``: the share of (point, neighbour) pairs
    with equal labels, and ``sum_c p_c^2``, its expectation if neighbours were drawn at random.
    """
    labels = np.asarray(labels)
    knn_indices = np.asarray(knn_indices)
    if knn_indices.ndim != 2 or len(knn_indices) != len(labels):
        raise ValueError(f"knn_indices must be (n, k) with n = len(labels) = {len(labels)}")
    observed = float(np.mean(labels[knn_indices] == labels[:, None]))
    _, counts = np.unique(labels, return_counts=True)
    chance = float(np.sum((counts / counts.sum()) ** 2))
    return observed, chance


def large_scale_coordinates(z: np.ndarray, fraction: float = 0.9, max_axes: int = 32) -> np.ndarray:
    """Whitened scores on the leading principal axes holding ``fraction`` of the variance. Chapter 4."""
    gaussian = Gaussian.fit(z)
    return gaussian.whiten(z, min(gaussian.n_components_for(fraction), int(max_axes)))


def linear_label_model(scores: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
                       max_fit: int = 20_000) -> np.ndarray:
    """Label probabilities (n, levels) of a multinomial logistic regression on ``scores``. Chapter 4.

    Fitted on at most ``max_fit`` seeded random points, predicted for all; columns in the order of
    ``np.unique(labels)``.
    """
    scores = as_cloud(scores, "scores")
    fit = rng.choice(len(scores), min(len(scores), int(max_fit)), replace=False)
    model = LogisticRegression(max_iter=500).fit(scores[fit], np.asarray(labels)[fit])
    probabilities = np.zeros((len(scores), len(np.unique(labels))))
    columns = np.searchsorted(np.unique(labels), model.classes_)
    probabilities[:, columns] = model.predict_proba(scores)
    return probabilities


def _per_point_excess(knn_indices: np.ndarray, values: np.ndarray, probabilities: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per point: the share of neighbours sharing its label, and the linear model's expectation of it."""
    n = len(values)
    observed, expected = np.empty(n), np.empty(n)
    for start in range(0, n, _CHUNK):
        rows = knn_indices[start:start + _CHUNK]
        observed[start:start + _CHUNK] = (values[rows] == values[start:start + _CHUNK, None]).mean(axis=1)
        expected[start:start + _CHUNK] = np.einsum("ic,ijc->ij", probabilities[start:start + _CHUNK],
                                                   probabilities[rows]).mean(axis=1)
    return observed, expected


def _carriage_row(knn_indices: np.ndarray, values: np.ndarray, scores: np.ndarray | None,
                  rng: np.random.Generator, n_boot: int, min_effect: float) -> dict[str, float]:
    observed, chance = neighbour_label_agreement(knn_indices, values)
    row = {"levels": float(len(np.unique(values))), "neighbours sharing the label": observed,
           "chance": chance, "lift": observed / chance}
    if scores is None:
        return row
    per_obs, per_exp = _per_point_excess(knn_indices, values, linear_label_model(scores, values, rng))
    excess = per_obs - per_exp
    boot = np.array([excess[rng.integers(0, len(excess), len(excess))].mean() for _ in range(n_boot)])
    low, high = np.quantile(boot, [0.025, 0.975])
    baseline = float(per_exp.mean())
    row.update({"linear-model baseline": baseline, "lift over linear": observed / baseline,
                "excess, 2.5 %": float(low), "excess, 97.5 %": float(high),
                "carried": float(low > 0 and observed / baseline - 1 >= min_effect)})
    return row


def label_carriage(knn_indices: np.ndarray, labels: pd.DataFrame, scores: np.ndarray | None = None,
                   clusters: np.ndarray | None = None, rng: np.random.Generator | None = None,
                   max_levels: int = MAX_LEVELS, n_boot: int = 200, min_effect: float = 0.05) -> pd.DataFrame:
    """Which labels the small scales carry: one row per discrete label column. Introduced in chapter 4.

    For every categorical column (:func:`latent_fragments.data.labels.is_categorical`: integers with 2 to
    ``max_levels`` values, not an identifier or split marker): ``levels``, the share of neighbours
    sharing the label, its ``chance`` value and their ratio ``lift`` (:func:`neighbour_label_agreement`).
    With ``scores`` (e.g. :func:`large_scale_coordinates`): the ``linear-model baseline``
    (:func:`linear_label_model`), ``lift over linear``, a point bootstrap interval (``n_boot``) of the
    excess over the baseline and ``carried`` (1.0 if the interval lies above 0 and the lift over the
    linear model is at least ``min_effect``). With HDBSCAN ``clusters``: ``cluster AMI`` beside the
    AMI with shuffled labels. Sorted by decreasing lift over linear (else lift).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    rows: dict[str, dict[str, float]] = {}
    for name in label_columns(labels, max_levels):
        column = labels[name]
        if not is_categorical(column, max_levels):
            continue
        values = column.to_numpy()
        rows[name] = _carriage_row(knn_indices, values, scores, rng, n_boot, min_effect)
        if clusters is not None:
            rows[name]["cluster AMI"] = cluster_label_agreement(clusters, values)
            rows[name]["cluster AMI, shuffled labels"] = cluster_label_agreement(clusters, rng.permutation(values))
    table = pd.DataFrame.from_dict(rows, orient="index")
    if not len(table):
        return table
    return table.sort_values("lift over linear" if scores is not None else "lift", ascending=False)


def whole_cloud_summary(z: np.ndarray, labels: pd.DataFrame | None = None, k: int = 20
                        ) -> tuple[dict[str, float], pd.DataFrame | None]:
    """Neighbour statistics of a whole cloud from one exact k-NN search (chapter 4, at full scale).

    Returns ``({"points", "mean 1-NN distance", "mean 20-NN distance", "TwoNN dimension",
    "Levina–Bickel dimension"}, label table)``; the label table (:func:`label_carriage` against the
    linear model, no clusters) is None without ``labels``. ``k >= 20`` (Levina-Bickel averages
    k = 10-20). At 153,000 x 256 z-points the search takes about a minute on two cores.
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
    if labels is None:
        return values, None
    return values, label_carriage(idx, labels, scores=large_scale_coordinates(z))


