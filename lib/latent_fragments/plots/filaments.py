"""Figures of chapter 4: small-scale structure of the z-points, data against the null model.

Every function returns a :class:`matplotlib.figure.Figure` (never calls ``plt.show``), 10 inches
wide, with labelled axes and a title that says what is shown. The data are drawn in
``COLORS["data"]`` and a null model's draws in ``COLORS["null"]`` (grey), as in the rest of the book; the
verdict figure loops over the null models (:data:`latent_fragments.stats.filaments.NULL_MODELS`), each in
the colour keyed by its own key. Inputs are the outputs of
:mod:`latent_fragments.stats.filaments`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..stats.filaments import STATISTICS, FilamentVerdict
from .style import COLORS, PAGE_WIDTH, TEXT_PT, color

__all__ = [
    "plot_knn_distance_curves",
    "plot_mst_edges",
    "plot_local_dimension",
    "plot_zoom_planes",
    "plot_cluster_sizes",
    "plot_radial_profile",
    "plot_verdict",
]

_WIDTH = PAGE_WIDTH  # inches, the book's text width (latent_fragments.plots.style)
DATA = COLORS["data"]
NULL = COLORS["null"]


def _as_list(arrays: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    """One array, or a sequence of arrays (one per null draw), as a list of float64 arrays."""
    if isinstance(arrays, np.ndarray):
        return [np.asarray(arrays, dtype=np.float64)]
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64).ravel()
    return values[np.isfinite(values)]


def _common_bins(arrays: Sequence[np.ndarray], bins: int, log: bool = False,
                 quantiles: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    pooled = np.concatenate([_finite(a) for a in arrays]) if arrays else np.empty(0)
    if log:
        pooled = pooled[pooled > 0]
    if not pooled.size:
        return np.linspace(0.0, 1.0, bins + 1)
    lo, hi = np.quantile(pooled, quantiles)
    if not hi > lo:
        lo, hi = lo - 0.5 * (abs(lo) or 1.0), hi + 0.5 * (abs(hi) or 1.0)
    if log:
        lo = max(lo, np.finfo(float).tiny)
        return np.geomspace(lo, hi, bins + 1)
    return np.linspace(lo, hi, bins + 1)


def _null_label(n_draws: int) -> str:
    return f"null model (fitted MND), {n_draws} draw{'s' if n_draws != 1 else ''}"


def _label_panel(ax, xlabel: str, ylabel: str, title: str) -> None:
    """Axis labels, a panel title and the legend, the same way on every panel of this module."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=TEXT_PT)
    ax.legend(fontsize=TEXT_PT, frameon=False)


def _density_against_null(ax, data: np.ndarray, pooled: np.ndarray, edges: np.ndarray, null_label: str,
                          value_format: str = ".3g", mark_medians: bool = False) -> None:
    """Density histograms of one data sample (filled and outlined) and the pooled null draws (dashed),
    each labelled with its median; ``mark_medians`` also draws the medians as vertical lines."""
    ax.hist(data, bins=edges, density=True, histtype="stepfilled", alpha=0.35, color=DATA)
    if data.size:
        ax.hist(data, bins=edges, density=True, histtype="step", linewidth=1.5, color=DATA,
                label=f"data (median {np.median(data):{value_format}})")
        if mark_medians:
            ax.axvline(np.median(data), color=DATA, linewidth=1.2)
    if pooled.size:
        ax.hist(pooled, bins=edges, density=True, histtype="step", linewidth=1.5, linestyle="--", color=NULL,
                label=f"{null_label} (median {np.median(pooled):{value_format}})")
        if mark_medians:
            ax.axvline(np.median(pooled), color=NULL, linewidth=1.2, linestyle="--")


def plot_knn_distance_curves(data_knn: np.ndarray, null_knns: np.ndarray | Sequence[np.ndarray],
                             bins: int = 60) -> Figure:
    """Mean k-NN distance against k, and the distribution of 1-NN distances, data vs null.

    Introduced in chapter 4. ``data_knn`` has shape ``(n, K)`` (:func:`latent_fragments.stats.filaments.knn_distances`),
    ``null_knns`` one such array per null draw. Left: mean distance to the k-th neighbour for
    k = 1..K, the data as a line, the null as mean +- std across draws (band). Right: histograms
    (densities) of the distance to the nearest neighbour, data against all null draws pooled.
    """
    data_knn = np.asarray(data_knn, dtype=np.float64)
    nulls = _as_list(null_knns)
    k_max = data_knn.shape[1]
    ks = np.arange(1, k_max + 1)
    fig, (ax_curve, ax_hist) = plt.subplots(1, 2, figsize=(_WIDTH, 4.3), layout="constrained")
    ax_curve.plot(ks, data_knn.mean(axis=0), color=DATA, marker="o", markersize=3, label="data")
    if nulls:
        curves = np.stack([n[:, :k_max].mean(axis=0) for n in nulls])
        mean = curves.mean(axis=0)
        std = curves.std(axis=0, ddof=1) if len(curves) > 1 else np.zeros_like(mean)
        ax_curve.plot(ks, mean, color=NULL, linestyle="--", label=_null_label(len(nulls)) + ": mean")
        ax_curve.fill_between(ks, mean - std, mean + std, color=NULL, alpha=0.3, label="null ± std across draws")
    _label_panel(ax_curve, "neighbour rank k",
                 "mean distance to the k-th neighbour (latent units)",
                 "Mean k-NN distance against k")

    edges = _common_bins([data_knn[:, 0]] + [n[:, 0] for n in nulls], bins, quantiles=(0.0, 0.999))
    pooled = np.concatenate([_finite(n[:, 0]) for n in nulls]) if nulls else np.empty(0)
    _density_against_null(ax_hist, _finite(data_knn[:, 0]), pooled, edges, "null, pooled")
    _label_panel(ax_hist, "distance to the nearest neighbour (latent units)",
                 "probability density (1 / latent unit)",
                 "Distribution of 1-NN distances")
    fig.suptitle(f"Nearest-neighbour distances of {len(data_knn):,} z-points against the null model")
    return fig


def plot_mst_edges(data_edges: np.ndarray, null_edges_list: np.ndarray | Sequence[np.ndarray],
                   bins: int = 60) -> Figure:
    """Edge lengths of the minimum spanning tree, data vs null draws.

    Introduced in chapter 4 (edges from :func:`latent_fragments.stats.filaments.mst_edge_lengths`). Left: densities of
    the edge lengths (filaments and clumps show up as an excess of short edges, gaps between
    groups as a tail of long ones). Right: the tail, the share of edges longer than a length
    (complementary CDF, log scale), data against each null draw.
    """
    data_edges = _finite(data_edges)
    nulls = [_finite(e) for e in _as_list(null_edges_list)]
    fig, (ax_hist, ax_tail) = plt.subplots(1, 2, figsize=(_WIDTH, 4.3), layout="constrained")
    edges = _common_bins([data_edges] + nulls, bins, quantiles=(0.0, 0.999))
    _density_against_null(ax_hist, data_edges, np.concatenate(nulls) if nulls else np.empty(0), edges,
                          _null_label(len(nulls)))
    _label_panel(ax_hist, "MST edge length (latent units)",
                 "probability density (1 / latent unit)",
                 "Distribution of the edge lengths")

    def ccdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.sort(values)
        return values, 1.0 - np.arange(len(values)) / max(len(values), 1)

    for i, null in enumerate(nulls):
        ax_tail.step(*ccdf(null), where="post", color=NULL, linewidth=1.0, alpha=0.8,
                     label=_null_label(len(nulls)) if i == 0 else None)
    ax_tail.step(*ccdf(data_edges), where="post", color=DATA, linewidth=1.6, label="data")
    ax_tail.set_yscale("log")
    _label_panel(ax_tail, "MST edge length (latent units)",
                 "share of edges longer than this",
                 "Tail of long edges (complementary CDF)")
    fig.suptitle(f"Minimum spanning tree of {data_edges.size + 1:,} z-points against the null model")
    return fig


def plot_local_dimension(data_local: np.ndarray, null_local: np.ndarray | Sequence[np.ndarray],
                         bins: int = 60) -> Figure:
    """Distribution of the per-point intrinsic dimension, data vs null.

    Introduced in chapter 4 (values from :func:`latent_fragments.stats.filaments.local_dimension`; ``null_local`` one
    array or one per null draw, pooled). Filaments would show up as an excess of low local
    dimensions. Medians are marked; the x range is the 0.5 % to 99.5 % quantile range.
    """
    data_local = _finite(data_local)
    nulls = _as_list(null_local)
    pooled = np.concatenate([_finite(a) for a in nulls]) if nulls else np.empty(0)
    fig, ax = plt.subplots(figsize=(_WIDTH, 4.3), layout="constrained")
    edges = _common_bins([data_local, pooled], bins, quantiles=(0.005, 0.995))
    _density_against_null(ax, data_local, pooled, edges, _null_label(len(nulls)), value_format=".1f",
                          mark_medians=True)
    ax.set_xlabel("local intrinsic dimension (Levina-Bickel MLE per point, dimensionless)")
    ax.set_ylabel("probability density")
    ax.set_title(f"Local intrinsic dimension of {data_local.size:,} z-points against the null model")
    ax.legend(fontsize=TEXT_PT, frameon=False)
    return fig


def plot_zoom_planes(data_scores: np.ndarray, null_scores: np.ndarray,
                     centres: Sequence[float] | Sequence[Sequence[float]],
                     half_widths: Sequence[float], max_points: int = 20_000,
                     axis_labels: tuple[str, str] = ("PC 1 score (latent units)", "PC 2 score (latent units)"),
                     ) -> Figure:
    """The leading principal plane at several zoom levels, data beside null.

    Introduced in chapter 4. ``data_scores`` and ``null_scores`` have shape ``(n, 2)`` - both
    projected with the *data's* PCA. One row per zoom level: the square ``centre +- half_width``
    (``centres`` one point for all levels, e.g. :func:`latent_fragments.stats.filaments.densest_point`, or one per
    level); left the data, right the null, with identical axis limits. Point size shrinks with the
    number of points shown; at most ``max_points`` per panel (the first ones inside the window).
    """
    data_scores = np.asarray(data_scores, dtype=np.float64)[:, :2]
    null_scores = np.asarray(null_scores, dtype=np.float64)[:, :2]
    half_widths = [float(h) for h in half_widths]
    if not half_widths:
        raise ValueError("need at least one zoom level")
    centres_arr = np.asarray(centres, dtype=np.float64)
    if centres_arr.ndim == 1:
        centres_arr = np.tile(centres_arr.reshape(1, 2), (len(half_widths), 1))
    if centres_arr.shape != (len(half_widths), 2):
        raise ValueError("centres must be one point (2,) or one per zoom level (levels, 2)")
    n_rows = len(half_widths)
    fig, axes = plt.subplots(n_rows, 2, figsize=(_WIDTH, 4.6 * n_rows + 0.4), squeeze=False,
                             layout="constrained")
    for row, (centre, half) in enumerate(zip(centres_arr, half_widths)):
        for col, (scores, label, colour) in enumerate(((data_scores, "data", DATA),
                                                       (null_scores, "null model", NULL))):
            ax = axes[row, col]
            inside = np.all(np.abs(scores - centre) <= half, axis=1)
            shown = scores[inside][:max_points]
            size = float(np.clip(2000.0 / max(len(shown), 1), 0.3, 12.0))
            ax.scatter(shown[:, 0], shown[:, 1], s=size, alpha=0.6, color=colour, linewidths=0,
                       rasterized=True)
            ax.set_xlim(centre[0] - half, centre[0] + half)
            ax.set_ylim(centre[1] - half, centre[1] + half)
            ax.set_aspect("equal")
            ax.set_xlabel(axis_labels[0])
            ax.set_ylabel(axis_labels[1])
            ax.set_title(f"{label}: window ±{half:.3g} around ({centre[0]:.2f}, {centre[1]:.2f}), "
                         f"{int(inside.sum()):,} points", fontsize=TEXT_PT)
    fig.suptitle("Zooming into the leading principal plane: data (left) beside the null model (right)")
    return fig


def plot_cluster_sizes(data_summary: Mapping[str, Any], null_summaries: Sequence[Mapping[str, Any]]) -> Figure:
    """HDBSCAN clusters of the data and of null draws: sizes by rank, number and noise share.

    Introduced in chapter 4 (summaries from :func:`latent_fragments.stats.filaments.cluster_cloud`). Left: cluster
    sizes (share of the points) against their rank, data and each null draw. Right: number of
    clusters and noise share side by side, data against each null draw.
    """
    null_summaries = list(null_summaries)
    fig, (ax_sizes, ax_counts) = plt.subplots(1, 2, figsize=(_WIDTH, 4.3), layout="constrained")

    def shares(summary: Mapping[str, Any]) -> np.ndarray:
        return np.asarray(summary["sizes"], dtype=np.float64) / max(int(summary["n_points"]), 1)

    for i, summary in enumerate(null_summaries):
        s = shares(summary)
        if s.size:
            ax_sizes.plot(np.arange(1, s.size + 1), s, color=NULL, marker="s", markersize=3, linestyle="--",
                          alpha=0.8, label=_null_label(len(null_summaries)) if i == 0 else None)
    if null_summaries and not any(summary["n_clusters"] for summary in null_summaries):
        ax_sizes.plot([], [], color=NULL, marker="s", linestyle="--",
                      label=f"{_null_label(len(null_summaries))}: no clusters")
    s = shares(data_summary)
    if s.size:
        ax_sizes.plot(np.arange(1, s.size + 1), s, color=DATA, marker="o", markersize=4, label="data")
    ax_sizes.set_yscale("log")
    ax_sizes.set_xlabel("cluster rank (largest first)")
    ax_sizes.set_ylabel("cluster size (share of all points)")
    ax_sizes.set_title("Cluster sizes", fontsize=TEXT_PT)
    if ax_sizes.get_legend_handles_labels()[0]:
        ax_sizes.legend(fontsize=TEXT_PT, frameon=False)
    if not ax_sizes.lines or not any(len(line.get_xdata()) for line in ax_sizes.lines):
        ax_sizes.set_xlim(0.5, 5.5)
        ax_sizes.set_ylim(1e-3, 1.0)
    ax_sizes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not s.size:
        ax_sizes.text(0.5, 0.5, "no clusters found\n(all points noise)", transform=ax_sizes.transAxes,
                      ha="center", va="center", color="0.3")

    labels = ["data"] + [f"null {i + 1}" for i in range(len(null_summaries))]
    summaries = [data_summary] + null_summaries
    colours = [DATA] + [NULL] * len(null_summaries)
    positions = np.arange(len(summaries))
    counts = [int(s["n_clusters"]) for s in summaries]
    noise = [100.0 * float(s["noise_share"]) for s in summaries]
    ax_counts.bar(positions - 0.2, counts, width=0.4, color=colours, label="number of clusters")
    ax_noise = ax_counts.twinx()
    ax_noise.bar(positions + 0.2, noise, width=0.4, color=colours, alpha=0.4, hatch="//",
                 label="noise share (%)")
    ax_noise.set_ylim(0, 105)
    ax_noise.set_ylabel("noise share (% of points, hatched bars)")
    ax_counts.set_ylim(0, 1.15 * max(counts + [1]))
    ax_counts.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_counts.set_xticks(positions, labels, rotation=45 if len(labels) > 6 else 0)
    ax_counts.set_ylabel("number of clusters (solid bars)")
    ax_counts.set_xlabel("point cloud")
    ax_counts.set_title("Number of clusters and noise share", fontsize=TEXT_PT)
    fig.suptitle(f"HDBSCAN clusters in the leading {data_summary.get('n_pcs', '?')} principal components: "
                 "data against the null model")
    return fig


def plot_radial_profile(profile_df: pd.DataFrame) -> Figure:
    """Observed share of points beyond ``t`` sigma against the normal expectation.

    Introduced in chapter 4 (table from :func:`latent_fragments.stats.filaments.radial_outlier_profile`). One panel per
    criterion ("any axis": ``|whitened score| > t`` on any axis; "Mahalanobis": ``d_M`` beyond
    the chi quantile with the same tail probability as ``t`` sigma in 1-D): observed share with
    +- 2 standard-error bars (of the expected share) and the expectation, on a log scale. Shares
    of 0 are drawn at the panel's bottom as open triangles.
    """
    criteria = list(dict.fromkeys(profile_df["criterion"]))
    fig, axes = plt.subplots(1, max(1, len(criteria)), figsize=(_WIDTH, 4.3), squeeze=False,
                             layout="constrained")
    for ax, criterion in zip(axes.flat, criteria):
        rows = profile_df[profile_df["criterion"] == criterion].sort_values("threshold")
        t = rows["threshold"].to_numpy(dtype=np.float64)
        observed = rows["observed"].to_numpy(dtype=np.float64)
        expected = rows["expected"].to_numpy(dtype=np.float64)
        se = rows["se"].to_numpy(dtype=np.float64)
        n = int(rows["n"].iloc[0]) if len(rows) else 0
        ax.plot(t, expected, color=NULL, linestyle="--", marker="s", markersize=4,
                label="normal expectation")
        floor = 0.5 / n if n else 1e-9
        # on a log axis a band reaching below zero is cut at the floor 1/(2n) (where zeros are drawn)
        ax.fill_between(t, np.clip(expected - 2 * se, floor, None), np.maximum(expected + 2 * se, floor),
                        color=NULL, alpha=0.25, label="expectation ± 2 SE (cut at 1/(2n))")
        positive = observed > 0
        ax.plot(t[positive], observed[positive], color=DATA, marker="o", linestyle="-", label="observed")
        if (~positive).any():
            ax.plot(t[~positive], np.full((~positive).sum(), floor), color=DATA, marker="v",
                    markerfacecolor="none", linestyle="none", label="observed 0 (drawn at 1/(2n))")
        ax.set_yscale("log")
        ax.set_xlabel("threshold t (standard deviations)")
        ax.set_ylabel("share of points beyond the threshold")
        if criterion == "any axis":
            title = "|whitened score| > t on any axis"
        elif criterion == "Mahalanobis":
            title = "Mahalanobis distance beyond the t-sigma chi quantile"
        else:
            title = str(criterion)
        ax.set_title(title, fontsize=TEXT_PT)
        ax.legend(fontsize=TEXT_PT, frameon=False)
    n_total = int(profile_df["n"].iloc[0]) if len(profile_df) else 0
    fig.suptitle(f"Outliers of {n_total:,} z-points against the multivariate normal expectation")
    return fig


def plot_verdict(verdict: FilamentVerdict) -> Figure:
    """Standardised differences of every statistic from every null, against each test's bar.

    Introduced in chapter 4 (from :func:`latent_fragments.stats.filaments.filament_verdict`). One row per
    statistic, one marker per null model in its own colour (filled where the statistic is flagged); the
    dashed lines mark each null's critical value, the largest combined statistic among its replicates.
    """
    fig, ax = plt.subplots(figsize=(_WIDTH, 5.2), layout="constrained")
    positions = np.arange(len(STATISTICS))
    n_tests = len(verdict.tests)
    for i, test in enumerate(verdict.tests.values()):
        colour = color(test.kind)
        y = positions + 0.6 * ((i + 0.5) / n_tests - 0.5)
        ax.scatter(test.standardised, y, color=colour, marker="o", facecolors="none", s=36,
                   label=f"{test.name} (global p = {test.p_value:.3f})")
        ax.scatter(test.standardised[test.flagged], y[test.flagged], color=colour, marker="o", s=36)
        bar = float(test.replicate_max.max())
        for sign in (-1, 1):
            ax.axvline(sign * bar, color=colour, linestyle="--", linewidth=1.0)
    ax.axvline(0.0, color="0.6", linewidth=0.8)
    # linear within +-2, logarithmic beyond: one far-off statistic no longer squeezes the others
    ax.set_xscale("symlog", linthresh=2.0, linscale=0.5)
    low, high = ax.get_xlim()
    ticks = [t for t in (-1000, -200, -50, -20, -5, -2, -1, 0, 1, 2, 5, 20, 50, 200, 1000) if low <= t <= high]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks(positions, [s.label for s in STATISTICS])
    ax.invert_yaxis()
    ax.set_xlabel("standardised difference, data against the null (linear within ±2, log beyond)")
    ax.set_ylabel("statistic")
    ax.set_title(f"Data against {n_tests} nulls ({verdict.n_null_draws} replicates each, {verdict.n_points:,} "
                 f"points); dashed: largest replicate, filled: flagged", fontsize=TEXT_PT)
    fig.legend(fontsize=TEXT_PT, frameon=False, loc="outside lower center", ncols=min(n_tests, 2))
    return fig
