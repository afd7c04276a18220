"""Figures of chapter 5: headline figures per variant of a sweep, each run a dot, mean ± sd over seeds."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from .style import PAGE_WIDTH, TEXT_PT, TITLE_PT, color

#: Panels of :func:`plot_headline`: (columns, colour kinds, title, reference line or None).
PANELS = (
    (("n90_share",), ("data",), "share of axes\nfor 90 % of the variance", None),
    (("core_share", "core_expected"), ("data", "mnd"), "share in the 3σ core\n(data, an MND's)", None),
    (("kurtosis_ratio",), ("data",), "Mardia's kurtosis\nover an MND's", 1.0),
    (("origin_heldout_closer",), ("data",), "held-out share nearer\nthe centre than the origin", None),
    (("fd_mnd_rel", "fd_prior_rel"), ("mnd", "isotropic_normal"), "FD of decoded samples\nover the cube's FD", 1.0),
)

_LABELS = {"core_share": "data", "core_expected": "MND", "fd_mnd_rel": "ex-post MND",
           "fd_prior_rel": "VAE prior N(0, I)"}


def _panel(ax, table: pd.DataFrame, variants: Sequence[str], columns, kinds, title: str, reference) -> None:
    offsets = np.linspace(-0.2, 0.2, len(columns)) if len(columns) > 1 else [0.0]
    for column, kind, dy in zip(columns, kinds, offsets):
        if column not in table or table[column].isna().all():
            continue
        for y, variant in enumerate(variants):
            values = table.loc[table["variant"] == variant, column].dropna().to_numpy()
            if not len(values):
                continue
            ax.plot(values, np.full(len(values), y + dy), "o", ms=3, alpha=0.5, color=color(kind))
            sd = values.std(ddof=1) if len(values) > 1 else 0.0
            label = _LABELS.get(column)
            ax.errorbar(values.mean(), y + dy, xerr=sd, fmt="s", ms=5, capsize=3, color=color(kind), label=label)
    if reference is not None:
        ax.axvline(reference, color=color("null"), lw=1, ls="--")
    ax.set_title(title, fontsize=TITLE_PT)
    ax.tick_params(labelsize=TEXT_PT)
    ax.set_yticks(range(len(variants)))
    ax.set_ylim(len(variants) - 0.5, -0.5)
    handles, labels = ax.get_legend_handles_labels()
    if len(set(labels)) > 1:
        unique = dict(zip(labels, handles))
        ax.legend(unique.values(), unique.keys(), fontsize=TEXT_PT, loc="best")


def plot_headline(table: pd.DataFrame, width: float = PAGE_WIDTH, n_cols: int = 3) -> Figure:
    """One panel per headline figure, ``n_cols`` to a row, one row of each panel per variant: each seed's
    value (dots) and mean ± sd (square and bar). FDs are shown over the same run's FD of cube samples, so
    that data sets with their own scoring networks compare. Text is at least :data:`TEXT_PT` points at
    the page width. Introduced in chapter 5."""
    variants = list(dict.fromkeys(table["variant"]))
    table = table.assign(**{f"{c}_rel": table[c] / table["fd_cube"] for c in ("fd_mnd", "fd_prior")
                            if c in table and "fd_cube" in table})
    n_rows = -(-len(PANELS) // n_cols)
    fig, grid = plt.subplots(n_rows, n_cols, figsize=(width, n_rows * (0.5 * len(variants) + 2.0)),
                             sharey=True, squeeze=False)
    axes = grid.ravel()
    for ax, (columns, kinds, title, reference) in zip(axes, PANELS):
        _panel(ax, table, variants, columns, kinds, title, reference)
    for ax in axes[len(PANELS):]:
        fig.delaxes(ax)
    for row in grid:
        row[0].set_yticklabels(variants, fontsize=TEXT_PT)
    fig.tight_layout()
    return fig
