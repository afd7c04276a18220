"""Figures of chapters 1-2: distributions, radii, correlations and coordinate planes of z-points.

Every function returns a :class:`matplotlib.figure.Figure` (never calls ``plt.show``), sized for
a book page (10 inches wide), with labelled axes and a title that says what is shown. Colours come
from :func:`latent_fragments.plots.style.color` by kind (``"data"``, a generator's ``kind``, ...), so a
generator has the same colour in every figure of the book; clouds are given as
:class:`~latent_fragments.plots.style.Cloud` ``(kind, label, values)``.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from ..stats.generators import cube_b_matching_radius, thin_shell_radius
from ..stats.components import confidence_ellipse
from .images import subsample_for_plot
from .style import COLORS, PAGE_WIDTH, TEXT_PT, TITLE_PT, Cloud, color

__all__ = [
    "COLORS",
    "Cloud",
    "plot_component_grid",
    "plot_summary_histograms",
    "plot_radius_distributions",
    "plot_shell_law",
    "plot_correlation_matrix",
    "plot_coordinate_planes",
    "scatter_planes",
]

_WIDTH = PAGE_WIDTH  # inches, the book's text width


def plot_component_grid(z: np.ndarray, n_cols: int = 16, bins: int = 30, shared_range: bool = True,
                        max_points: int | None = 50_000) -> Figure:
    """Compact grid of histograms of every latent component (a 16x16 grid for 256 components).

    Introduced in chapter 2. Tiny panels without tick labels; each row is labelled with its first component
    index and each column with its offset in the row;
    a shared caption gives the value range. With ``shared_range`` all panels use the same x range
    (0.5 % to 99.5 % quantile of all values), so shifts and widths are comparable; a thin grey line
    marks zero. ``max_points`` rows (fixed-seed subsample) are enough for the shape.
    """
    z = subsample_for_plot(np.asarray(z, dtype=np.float64), max_points)
    n, dim = z.shape
    n_cols = max(1, min(int(n_cols), dim))
    n_rows = math.ceil(dim / n_cols)
    cell = _WIDTH / n_cols
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(_WIDTH, max(2.0, 0.72 * cell * n_rows + 1.1)),
                             squeeze=False)
    lo, hi = np.quantile(z, [0.005, 0.995]) if shared_range else (None, None)
    if shared_range and not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    for index, ax in enumerate(axes.flat):
        if index >= dim:
            ax.remove()
            continue
        values = z[:, index]
        hist_range = (lo, hi) if shared_range else None
        if hist_range is None and not values.max() > values.min():
            hist_range = (values.min() - 0.5, values.max() + 0.5)
        ax.hist(values, bins=bins, range=hist_range, histtype="stepfilled", color=color("data"),
                alpha=0.85, linewidth=0)
        if shared_range:
            ax.set_xlim(lo, hi)
            if lo < 0 < hi:
                ax.axvline(0.0, color=color("null"), linewidth=0.4)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_linewidth(0.3)
        row, column = divmod(index, n_cols)
        if column == 0:  # each row named by its first component, each column by its offset in the row
            ax.set_ylabel(str(index), fontsize=TEXT_PT, rotation=0, ha="right", va="center", labelpad=3)
        if row == 0:
            ax.set_title(f"+{column}", fontsize=TEXT_PT, pad=3)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.6 / fig.get_figheight(),
                        top=1 - 0.75 / fig.get_figheight(), wspace=0.06, hspace=0.06)
    fig.suptitle(f"Histograms of all {dim} latent components ({n:,} z-points)", fontsize=TITLE_PT)
    range_text = f"common range [{lo:.2f}, {hi:.2f}]" if shared_range else "own range per panel"
    fig.supxlabel(f"component value $z_i$ (latent units; {range_text}); panel of component row + column",
                  fontsize=TEXT_PT)
    fig.supylabel("count (own scale per panel)", fontsize=TEXT_PT)
    return fig


_SUMMARY_PANELS = (
    ("mean", "component mean (latent units)", "Means of the components"),
    ("std", "component standard deviation (latent units)", "Standard deviations"),
    ("skew", "skewness (dimensionless)", "Skewness (0 for a normal distribution)"),
    ("kurtosis", "excess kurtosis (dimensionless)", "Excess kurtosis (0 normal, -1.2 uniform)"),
)


def plot_summary_histograms(summary: pd.DataFrame, bins: int = 30, alpha: float = 0.01) -> Figure:
    """Distributions over the components of their mean, std, skewness and excess kurtosis (2x2).

    Introduced in chapter 2; ``summary`` is a :func:`latent_fragments.stats.components.component_summary` table. Each
    panel marks the median (solid) and, for skew and kurtosis, the normal distribution's value 0
    (grey dashed); kurtosis also marks the uniform distribution's -1.2 (red dotted). The title gives
    the share of components whose normality test rejects at level ``alpha``.
    """
    fig, axes = plt.subplots(2, 2, figsize=(_WIDTH, 7.0), layout="constrained")
    for ax, (column, xlabel, title) in zip(axes.flat, _SUMMARY_PANELS):
        values = summary[column].to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size:
            ax.hist(values, bins=bins, color=color("data"), alpha=0.8)
            ax.axvline(np.median(values), color="black", linewidth=1.2,
                       label=f"median {np.median(values):.3g}")
        if column in ("skew", "kurtosis"):
            ax.axvline(0.0, color=color("null"), linestyle="--", linewidth=1.2, label="normal distribution")
        if column == "kurtosis":
            ax.axvline(-1.2, color=color("cube"), linestyle=":", linewidth=1.2,
                       label="uniform distribution")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("number of components")
        ax.set_title(title, fontsize=TEXT_PT)
        ax.legend(fontsize=TEXT_PT, frameon=False)
    title = f"Per-component statistics of {len(summary)} latent components"
    if "normality_p" in summary:
        p = summary["normality_p"].to_numpy(dtype=np.float64)
        p = p[np.isfinite(p)]
        if p.size:
            title += f" (normality rejected at p < {alpha:g} for {np.mean(p < alpha):.0%})"
    fig.suptitle(title)
    return fig


def plot_radius_distributions(clouds: Sequence[Cloud], bins: int = 60,
                              title: str = "Distributions of the radius |z| of z-points",
                              log_density: bool = False) -> Figure:
    """Histograms (densities) of the radii of several point clouds in one panel.

    Introduced in chapter 1. ``clouds`` are :class:`Cloud` ``(kind, label, radii)``, coloured by kind;
    the legend gives mean +- std of each. Each cloud gets its own ``bins`` bins, so very narrow shells
    (uniform ball, cube) stay resolved; the x range is the 0.1 % to 99.9 % quantile range of all radii
    together. ``log_density`` puts the density on a log scale, for when a thin shell's spike dwarfs the
    broad distribution of the data.
    """
    fig, ax = plt.subplots(figsize=(_WIDTH, 5.6), layout="constrained")
    pooled = []
    for kind, label, values in clouds:
        values = np.asarray(values, dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        if not values.size:
            continue
        pooled.append(values)
        colour = color(kind)
        spread = values.std(ddof=1) if values.size > 1 else 0.0
        hist_range = None if values.max() > values.min() else (values.min() - 0.5, values.max() + 0.5)
        ax.hist(values, bins=bins, range=hist_range, density=True, histtype="stepfilled", alpha=0.25,
                color=colour)
        ax.hist(values, bins=bins, range=hist_range, density=True, histtype="step", linewidth=1.6,
                color=colour, label=f"{label}: {values.mean():.2f} ± {spread:.2f}")
    if pooled:
        lo, hi = np.quantile(np.concatenate(pooled), [0.001, 0.999])
        if hi > lo:
            pad = 0.03 * (hi - lo)
            ax.set_xlim(lo - pad, hi + pad)
    if log_density:
        ax.set_yscale("log")
    ax.set_xlabel("radius |z| (latent units)")
    ax.set_ylabel("probability density (1 / latent unit)")
    ax.set_title(title)
    # below the axes: inside, it would cover the histograms' tails
    fig.legend(title="mean ± std of the radius", loc="outside lower center", ncols=2, fontsize=TEXT_PT,
               title_fontsize=TEXT_PT, frameon=False)
    return fig


def plot_shell_law(b_values: Sequence[float], dim: int, measured_means: Sequence[float],
                   measured_stds: Sequence[float], data_mean_radius: float | None = None) -> Figure:
    """Mean radius ``<R>`` of uniform-cube points against the half edge ``b``: the thin-shell law.

    Introduced in chapter 2. Closed form of :func:`latent_fragments.stats.generators.thin_shell_radius` as a line with
    a +-1 std band, measured mean radii with their spread (std of R) as error bars, and - if
    ``data_mean_radius`` is given - a horizontal line at the data's mean radius with the matching
    ``b`` (:func:`latent_fragments.stats.generators.cube_b_matching_radius`) marked.
    """
    b_values = np.asarray(b_values, dtype=np.float64)
    measured_means = np.asarray(measured_means, dtype=np.float64)
    measured_stds = np.asarray(measured_stds, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(_WIDTH, 4.5), layout="constrained")
    b_top = float(b_values.max()) * 1.1 if b_values.size else 1.0
    if data_mean_radius is not None:
        b_match = cube_b_matching_radius(data_mean_radius, dim)
        b_top = max(b_top, 1.1 * b_match)
    grid = np.linspace(0.0, b_top, 200)
    mean, std = thin_shell_radius(grid, dim)
    ax.plot(grid, mean, color=color("null"), linewidth=1.5,
            label=rf"closed form $\langle R\rangle \approx b\sqrt{{{dim}/3}}$")
    ax.fill_between(grid, mean - std, mean + std, color=color("null"), alpha=0.2,
                    label="closed form ± std of R")
    ax.errorbar(b_values, measured_means, yerr=measured_stds, fmt="o", color=color("cube"),
                capsize=3, label="measured mean ± std of R (uniform cube samples)")
    if data_mean_radius is not None:
        ax.axhline(data_mean_radius, color=color("data"), linestyle="--", linewidth=1.2,
                   label=f"mean radius of the data: {data_mean_radius:.2f}")
        ax.axvline(b_match, color=color("data"), linestyle=":", linewidth=1.0)
        ax.plot([b_match], [data_mean_radius], marker="*", markersize=13, color=color("data"),
                linestyle="none", label=f"matching cube: b = {b_match:.3f}")
    ax.set_xlim(0.0, b_top)
    ax.set_xlabel("half edge length b of the cube [-b, b]$^{%d}$ (latent units)" % dim)
    ax.set_ylabel("radius |z| (latent units)")
    ax.set_title(f"Thin-shell law: radius of points uniform in a {dim}-dimensional cube")
    ax.legend(fontsize=TEXT_PT, loc="lower right", framealpha=0.9)
    return fig


def plot_correlation_matrix(corr: np.ndarray, order: np.ndarray | None = None, bins: int = 60) -> Figure:
    """Correlation matrix of the components (reordered by ``order``) and the histogram of its entries.

    Introduced in chapter 2. Left: the matrix with a diverging colour map on [-1, 1] and a colour
    bar, rows and columns permuted by ``order`` (e.g. :func:`latent_fragments.stats.components.correlation_order`);
    right: the distribution of the off-diagonal coefficients. Three axes in all.
    """
    corr = np.asarray(corr, dtype=np.float64)
    dim = corr.shape[0]
    order = np.arange(dim) if order is None else np.asarray(order)
    fig, (ax_matrix, ax_hist) = plt.subplots(1, 2, figsize=(_WIDTH, 5.0), layout="constrained",
                                             gridspec_kw={"width_ratios": [1.35, 1.0]})
    image = ax_matrix.imshow(corr[np.ix_(order, order)], cmap="RdBu_r", vmin=-1.0, vmax=1.0,
                             interpolation="nearest")
    fig.colorbar(image, ax=ax_matrix, shrink=0.85, label="Pearson correlation r")
    fig.get_layout_engine().set(wspace=0.12)
    reordered = "reordered by clustering" if not np.array_equal(order, np.arange(dim)) else "original order"
    ax_matrix.set_xlabel(f"component position ({reordered})")
    ax_matrix.set_ylabel(f"component position ({reordered})")
    ax_matrix.set_title(f"Correlations of {dim} latent components", fontsize=TEXT_PT)
    off_diagonal = corr[np.triu_indices(dim, k=1)]
    off_diagonal = off_diagonal[np.isfinite(off_diagonal)]
    if off_diagonal.size:
        ax_hist.hist(off_diagonal, bins=bins, color=color("data"), alpha=0.8)
        ax_hist.set_yscale("log")
    ax_hist.set_xlabel("correlation coefficient r (off-diagonal pairs)")
    ax_hist.set_ylabel("number of component pairs")
    ax_hist.set_title(f"Distribution of the {off_diagonal.size:,} pair correlations", fontsize=TEXT_PT)
    return fig


_ELLIPSE_STYLES = ("-", "--", ":", "-.")


def draw_confidence_ellipses(ax, centre: np.ndarray, cov2: np.ndarray, levels: Sequence[float],
                             source: str) -> None:
    """Draw the normal confidence ellipses of ``levels`` for a 2-D mean and covariance on ``ax``.

    Introduced in chapter 2 (coordinate planes), reused in chapter 3 (principal planes); each ellipse is
    labelled "<level> ellipse <source>" for the legend.
    """
    for k, level in enumerate(levels):
        width, height, angle = confidence_ellipse(centre, cov2, level)
        ax.add_patch(Ellipse(centre, width, height, angle=angle, fill=False, edgecolor="black", linewidth=1.3,
                             linestyle=_ELLIPSE_STYLES[k % len(_ELLIPSE_STYLES)], label=f"{level:.0%} ellipse {source}"))


def scatter_planes(points: np.ndarray, pairs: Sequence[tuple[int, int]],
                   overlay: Sequence[Cloud] = (), max_points: int = 3000, n_cols: int = 3,
                   data_label: str = "data", panel_height: float = 3.4,
                   decorate: Callable[[Axes, int, int], None] | None = None) -> tuple[Figure, np.ndarray]:
    """A grid of scatter panels, one per plane ``(i, j)`` of columns of ``points``. Introduced in chapter 2.

    Each panel shows the data (kind ``"data"``, at most ``max_points``, fixed-seed subsample) and, drawn
    over it, each ``overlay`` :class:`Cloud` (points in the same columns), coloured by its kind;
    ``decorate(ax, i, j)`` then adds what the panel needs (ellipses, axis labels, title). The legend
    is drawn on the first panel. Returns the figure and its axes; chapter 3's principal planes use it too.
    """
    points = np.asarray(points, dtype=np.float64)
    pairs = [tuple(int(k) for k in pair) for pair in pairs]
    if not pairs:
        raise ValueError("need at least one pair of columns")
    n_cols = max(1, min(int(n_cols), len(pairs)))
    n_rows = math.ceil(len(pairs) / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(_WIDTH, panel_height * n_rows + 0.6), squeeze=False,
                             layout="constrained")
    shown = subsample_for_plot(points, max_points)
    others = [cloud._replace(values=subsample_for_plot(np.asarray(cloud.values, dtype=np.float64), max_points,
                                                       seed=1)) for cloud in overlay]
    for index, ax in enumerate(axes.flat):
        if index >= len(pairs):
            ax.remove()
            continue
        i, j = pairs[index]
        ax.scatter(shown[:, i], shown[:, j], s=3, alpha=0.5, color=color("data"), label=data_label,
                   rasterized=True)
        for cloud in others:
            ax.scatter(cloud.values[:, i], cloud.values[:, j], s=3, alpha=0.35, color=color(cloud.kind),
                       label=cloud.label, rasterized=True)
        if decorate is not None:
            decorate(ax, i, j)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    axes.flat[0].legend(handles, labels, fontsize=TEXT_PT, frameon=False, markerscale=3, loc="best")
    return fig, axes


def plot_coordinate_planes(z: np.ndarray, pairs: Sequence[tuple[int, int]],
                           generators_samples: Sequence[Cloud] = (),
                           level: float | Sequence[float] = (0.95,), max_points: int = 3000,
                           n_cols: int = 3, data_label: str = "data") -> Figure:
    """Scatter plots of the z-points in the coordinate planes ``(z_i, z_j)`` of chosen pairs.

    Introduced in chapter 2. One panel per pair ``(i, j)`` (:func:`scatter_planes`): the data,
    optionally the samples of generators (:class:`Cloud` ``(kind, label, points)``) drawn over it, and the data's normal
    confidence ellipses for each ``level`` (:func:`latent_fragments.stats.components.confidence_ellipse`, chi-square
    with 2 degrees of freedom) as :class:`matplotlib.patches.Ellipse`.
    """
    z = np.asarray(z, dtype=np.float64)
    levels = (float(level),) if np.isscalar(level) else tuple(float(x) for x in level)

    def decorate(ax: Axes, i: int, j: int) -> None:
        draw_confidence_ellipses(ax, z[:, [i, j]].mean(axis=0), np.cov(z[:, [i, j]], rowvar=False), levels,
                                 "of the data")
        ax.set_xlabel(f"$z_{{{i}}}$ (latent units)")
        ax.set_ylabel(f"$z_{{{j}}}$ (latent units)")
        ax.set_title(f"components {i} and {j}", fontsize=TEXT_PT)

    fig, _ = scatter_planes(z, pairs, generators_samples, max_points, n_cols, data_label, 3.4, decorate)
    level_text = ", ".join(f"{lev:.0%}" for lev in levels)
    fig.suptitle(f"z-points in coordinate planes with the data's {level_text} confidence ellipses")
    return fig
