"""Figures of chapter 3: the PCA spectrum of the latent fragment, its principal planes, Q-Q plots.

Same style as :mod:`latent_fragments.plots.components`: every function returns a :class:`matplotlib.figure.Figure`
(never calls ``plt.show``), 10 inches wide, with labelled axes and a title; colours come from
:func:`latent_fragments.plots.style.color` by kind, so a point cloud has the same colour throughout the book.
Principal axes are given as 0-based indices (0 = largest variance) and labelled "PC1", "PC2", ...
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from ..stats.gaussian import Gaussian
from .components import draw_confidence_ellipses, scatter_planes
from .images import subsample_for_plot
from .style import COLORS, PAGE_WIDTH, TEXT_PT, Cloud, color

__all__ = [
    "plot_principal_planes",
    "plot_qq",
    "plot_sigma_extent",
    "plot_spectrum",
]

_WIDTH = PAGE_WIDTH  # inches, the book's text width (latent_fragments.plots.style)
_LINESTYLES = ("-", "--", ":", "-.")


def _per_axis_log_plot(ax, values: np.ndarray, ylabel: str, title: str) -> None:
    """One positive value per principal axis (1 = largest variance) on a log scale; zeros are left out."""
    values = np.asarray(values, dtype=np.float64)
    index = np.arange(1, values.size + 1)
    positive = values > 0
    ax.plot(index[positive], values[positive], marker="o", markersize=2.5, linewidth=1.0, color=COLORS["data"])
    ax.set_yscale("log")
    ax.set_xlabel("principal component (1 = largest variance)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=TEXT_PT)


def plot_spectrum(fragment: Gaussian, marks: Sequence[float] = (0.90, 0.95, 0.99)) -> Figure:
    """Explained-variance ratio per principal component (log scale) and its cumulative curve.

    Introduced in chapter 3. Left: share of the total variance on each axis; right: the cumulative
    share, with the number of leading axes needed for each fraction in ``marks`` marked
    (:meth:`latent_fragments.stats.gaussian.Gaussian.n_components_for`) and annotated. Two axes.
    """
    ratio = np.asarray(fragment.explained_ratio, dtype=np.float64)
    dim = ratio.size
    index = np.arange(1, dim + 1)
    fig, (ax_ratio, ax_cum) = plt.subplots(1, 2, figsize=(_WIDTH, 4.2), layout="constrained")
    _per_axis_log_plot(ax_ratio, ratio, "share of the total variance", "Explained-variance ratio per component")

    cumulative = np.cumsum(ratio)
    ax_cum.plot(index, cumulative, color=COLORS["data"], linewidth=1.6, label="cumulative share")
    lines = []
    for j, fraction in enumerate(marks):
        k = fragment.n_components_for(fraction)
        style = _LINESTYLES[j % len(_LINESTYLES)]
        ax_cum.axhline(fraction, color=COLORS["null"], linestyle=style, linewidth=0.9)
        ax_cum.axvline(k, color=COLORS["null"], linestyle=style, linewidth=0.9)
        ax_cum.plot([k], [cumulative[k - 1]], marker="o", color="black", markersize=4)
        lines.append(f"{fraction:.0%} of the variance: {k} of {dim} components")
    if lines:
        ax_cum.text(0.97, 0.05, "\n".join(lines), transform=ax_cum.transAxes, ha="right", va="bottom",
                    fontsize=TEXT_PT, bbox={"facecolor": "white", "edgecolor": "0.8", "alpha": 0.9})
    ax_cum.set_xlim(0, dim + 1)
    ax_cum.set_ylim(min(0.0, float(cumulative[0])), 1.02)
    ax_cum.set_xlabel("number of leading principal components k")
    ax_cum.set_ylabel("cumulative share of the variance")
    ax_cum.set_title("Cumulative explained variance", fontsize=TEXT_PT)
    fig.suptitle(f"PCA spectrum of the latent fragment ({dim} dimensions"
                 + (f", {fragment.n_points:,} z-points)" if fragment.n_points else ")"))
    return fig


def plot_principal_planes(scores: np.ndarray,
                          pairs: Sequence[tuple[int, int]] = ((0, 1), (0, 2), (1, 2), (2, 3)),
                          variances: np.ndarray | None = None, levels: Sequence[float] = (0.95, 0.99),
                          overlay: Sequence[Cloud] = (), max_points: int = 3000,
                          n_cols: int = 2, data_label: str = "data") -> Figure:
    """Scatter plots of PCA scores in the planes of leading principal axes, with confidence ellipses.

    Introduced in chapter 3. ``scores`` are the data's PCA scores (:meth:`Gaussian.to_pca`); one
    panel per pair ``(i, j)`` of 0-based axis indices. The ellipses (one per ``level``, chi-square with
    2 degrees of freedom, :func:`latent_fragments.stats.components.confidence_ellipse`) belong to the normal model
    centred at 0 with variances ``variances[i], variances[j]`` (the fragment's variances) if given,
    else to the sample mean and covariance of the shown columns. ``overlay`` holds further :class:`Cloud` objects of
    scores (e.g. a generator's points in the same PCA coordinates), drawn over the data in its kind's
    colour. At most ``max_points`` points per
    cloud (fixed-seed subsample).
    """
    scores = np.asarray(scores, dtype=np.float64)
    pairs = [tuple(int(k) for k in pair) for pair in pairs]
    if not pairs:
        raise ValueError("need at least one pair of principal axes")
    needed = max(max(pair) for pair in pairs) + 1
    if scores.ndim != 2 or scores.shape[1] < needed:
        raise ValueError(f"scores need at least {needed} columns, got shape {scores.shape}")

    def decorate(ax, i: int, j: int) -> None:
        if variances is not None:
            var = np.asarray(variances, dtype=np.float64)
            centre, cov2, source = np.zeros(2), np.diag([var[i], var[j]]), "normal model"
        else:
            centre, cov2 = scores[:, [i, j]].mean(axis=0), np.cov(scores[:, [i, j]], rowvar=False)
            source = "sample covariance"
        draw_confidence_ellipses(ax, centre, cov2, levels, f"({source})")
        ax.set_xlabel(f"score on PC{i + 1} (latent units)")
        ax.set_ylabel(f"score on PC{j + 1} (latent units)")
        ax.set_title(f"principal plane PC{i + 1} / PC{j + 1}", fontsize=TEXT_PT)

    fig, _ = scatter_planes(scores, pairs, overlay, max_points, n_cols, data_label, 4.2, decorate)
    fig.suptitle("z-points in principal planes of the latent fragment")
    return fig


def plot_qq(scores: np.ndarray, components: Sequence[int] = (0, 1, 2, 3, 9, 49),
            max_points: int = 5000, n_cols: int = 3, kind: str = "data") -> Figure:
    """Normal Q-Q plots of standardised PCA scores for selected principal axes.

    Introduced in chapter 3. Each chosen column of ``scores`` (0-based axis indices; indices beyond
    the number of columns are skipped) is standardised by its own mean and standard deviation, so
    raw and whitened scores give the same plot, and its sorted values are plotted against standard
    normal quantiles (Blom positions ``(r - 3/8) / (n + 1/4)``) together with the identity line,
    on which normal data lie. Skewness and excess kurtosis are noted in each panel. At most
    ``max_points`` points (fixed-seed subsample), drawn in the colour of ``kind``
    (:func:`latent_fragments.plots.style.color`).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores[:, np.newaxis]
    components = [int(c) for c in components if 0 <= int(c) < scores.shape[1]]
    if not components:
        raise ValueError(f"no valid component among those requested for {scores.shape[1]} columns")
    n_cols = max(1, min(int(n_cols), len(components)))
    n_rows = math.ceil(len(components) / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(_WIDTH, 3.3 * n_rows + 0.5), squeeze=False,
                             layout="constrained")
    shown = subsample_for_plot(scores, max_points)
    n = len(shown)
    theoretical = stats.norm.ppf((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    for index, ax in enumerate(axes.flat):
        if index >= len(components):
            ax.remove()
            continue
        c = components[index]
        values = shown[:, c]
        spread = values.std(ddof=1)
        standardised = np.sort((values - values.mean()) / (spread if spread > 0 else 1.0))
        ax.plot(theoretical, standardised, ".", markersize=2, color=color(kind), rasterized=True)
        low = min(theoretical[0], standardised[0])
        high = max(theoretical[-1], standardised[-1])
        ax.plot([low, high], [low, high], color=COLORS["null"], linestyle="--", linewidth=1.0,
                label="identity (normal)")
        ax.text(0.04, 0.96, f"skew {stats.skew(values):+.2f}\nexcess kurt. {stats.kurtosis(values):+.2f}",
                transform=ax.transAxes, fontsize=TEXT_PT, va="top", ha="left")
        ax.set_xlabel("standard normal quantile")
        ax.set_ylabel(f"standardised score, PC{c + 1}")
        ax.set_title(f"PC{c + 1}", fontsize=TEXT_PT)
    axes.flat[0].legend(fontsize=TEXT_PT, frameon=False, loc="lower right")
    fig.suptitle(f"Normal Q-Q plots of principal-component scores ({n:,} points)")
    return fig


def plot_sigma_extent(fragment: Gaussian, z: np.ndarray | None = None, sigma_band: float = 3.0) -> Figure:
    """Standard deviation per principal axis, and where the origin (and the data) lie in sigma units.

    Introduced in chapter 3. Top: ``sigma_i = sqrt(variance_i)`` per principal axis (log scale).
    Bottom: the origin's whitened coordinate on each axis - how many sigmas the origin lies off the
    centre along that axis (its Euclidean norm is :meth:`Gaussian.centre_distance_sigma`) - with the
    band ``+-sigma_band`` shaded; with ``z`` also the data's 0.5 % - 99.5 % range and min / max of the
    whitened scores per axis. Two axes.
    """
    sigmas = fragment.sigmas
    dim = fragment.dim
    index = np.arange(1, dim + 1)
    fig, (ax_sigma, ax_origin) = plt.subplots(2, 1, figsize=(_WIDTH, 7.0), layout="constrained",
                                              sharex=True)
    ax_sigma.xaxis.set_tick_params(labelbottom=True)
    _per_axis_log_plot(ax_sigma, sigmas, "standard deviation σ (latent units)",
                       "Extent of the fragment: σ along each principal axis")

    ax_origin.axhspan(-sigma_band, sigma_band, color=COLORS["null"], alpha=0.15,
                      label=f"±{sigma_band:g} σ")
    if z is not None:
        white = fragment.whiten(z)
        lo, hi = np.quantile(white, [0.005, 0.995], axis=0)
        ax_origin.fill_between(index, lo, hi, color=COLORS["data"], alpha=0.3, step="mid",
                               label="data, 0.5 % - 99.5 % range")
        ax_origin.plot(index, white.min(axis=0), color=COLORS["data"], linewidth=0.6)
        ax_origin.plot(index, white.max(axis=0), color=COLORS["data"], linewidth=0.6,
                       label="data, min / max")
    origin = fragment.whiten(np.zeros(dim))[0]
    ax_origin.plot(index, origin, marker="o", markersize=2.5, linestyle="none", color="black",
                   label=f"origin (Mahalanobis distance {fragment.centre_distance_sigma():.1f})")
    ax_origin.axhline(0.0, color="black", linewidth=0.5)
    ax_origin.set_xlabel("principal component (1 = largest variance)")
    ax_origin.set_ylabel("whitened coordinate (σ of the axis)")
    ax_origin.set_title("Position of the origin relative to the centre, per principal axis", fontsize=TEXT_PT)
    ax_origin.legend(fontsize=TEXT_PT, loc="lower left", ncols=2, framealpha=0.9)
    fig.suptitle(f"Principal axes of the latent fragment ({dim} dimensions)")
    return fig


def _symlog_threshold(table, measure: str, reference: str | None) -> float:
    """Where the FD/KID axis turns from linear to logarithmic: the reference row's interval half-width
    (the scale at which real images already scatter), else a thousandth of the largest value."""
    largest = float(np.nanmax(np.abs(table[[measure, f"{measure}_lo", f"{measure}_hi"]].to_numpy(dtype=float))))
    if reference is not None:
        half = 0.5 * float(table.loc[reference, f"{measure}_hi"] - table.loc[reference, f"{measure}_lo"])
        if half > 0:
            return half
    return max(1e-3 * largest, 1e-12)


def plot_quality(table, kinds: Mapping[str, str], labels: Mapping[str, str] | None = None,
                 measures: Sequence[str] = ("FD", "KID", "precision", "recall"),
                 reference: str | None = None) -> Figure:
    """One panel per quality measure: each row of ``table`` as a point with its 90 % interval.

    Introduced in chapter 3. ``table`` is :func:`latent_fragments.stats.quality.quality_table` with
    intervals (columns ``<measure>``, ``<measure>_lo``, ``<measure>_hi``), keyed by stable keys; ``kinds``
    maps each key to its colour kind (:func:`latent_fragments.plots.style.color`), ``labels`` to its display
    text (default: the key). The row ``reference`` (real images) is also drawn as a vertical band of its
    interval. FD and KID are drawn on a symmetric-log axis, linear within the reference's interval width of
    0 (both may be negative) and logarithmic beyond, so that sets near real images are not squeezed by a
    far-off one such as the cube.
    """
    keys = list(table.index)
    labels = labels or {}
    fig, axes = plt.subplots(1, len(measures), figsize=(_WIDTH, 0.32 * len(keys) + 1.6), sharey=True,
                             layout="constrained", squeeze=False)
    y = np.arange(len(keys))
    for ax, measure in zip(axes[0], measures):
        values = table[measure].to_numpy(dtype=np.float64)
        low = table[f"{measure}_lo"].to_numpy(dtype=np.float64)
        high = table[f"{measure}_hi"].to_numpy(dtype=np.float64)
        if reference is not None:
            ax.axvspan(table.loc[reference, f"{measure}_lo"], table.loc[reference, f"{measure}_hi"],
                       color=color(kinds[reference]), alpha=0.2, linewidth=0)
        for i, key in enumerate(keys):
            ax.errorbar(values[i], y[i], xerr=[[values[i] - low[i]], [high[i] - values[i]]], fmt="o",
                        color=color(kinds[key]), markersize=4, capsize=2, linewidth=1.2)
        if measure in ("FD", "KID"):
            ax.set_xscale("symlog", linthresh=_symlog_threshold(table, measure, reference))
            ax.axvline(0.0, color=COLORS["null"], linewidth=0.8)
        name = "FD∞" if measure == "FD" else measure
        better = "lower" if measure in ("FD", "KID") else "higher"
        ax.set_xlabel(f"{name} ({better} is better)")
        ax.set_title(name, fontsize=TEXT_PT)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y, [labels.get(key, key) for key in keys], fontsize=TEXT_PT)
    axes[0][0].invert_yaxis()
    fig.suptitle("Quality of each image set against held-out real images (90 % intervals)")
    return fig
