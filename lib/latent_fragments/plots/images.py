"""Figures shared by the chapters: image grids, training curves, error distributions (chapter 1 on).

Colours come from :mod:`latent_fragments.plots.style`. Every function returns a :class:`matplotlib.figure.Figure` with labelled axes and a title that says what
is shown; none calls ``plt.show()``. Sizes suit a book page (10 inches wide).
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import PAGE_WIDTH, TEXT_PT, TITLE_PT, Cloud, color


def subsample_for_plot(points: np.ndarray, max_points: int | None, seed: int = 0) -> np.ndarray:
    """At most ``max_points`` rows of ``points`` (a fixed-seed random subset, in order), for plots (chapter 2)."""
    if max_points is None or len(points) <= max_points:
        return points
    rows = np.random.default_rng(seed).choice(len(points), max_points, replace=False)
    return points[np.sort(rows)]


def tile_images(images: np.ndarray, n_cols: int, pad: int = 2, pad_value: int = 255) -> np.ndarray:
    """Arrange uint8 images (N, H, W, 3) in a grid with ``pad`` pixels between them (chapter 1)."""
    images = np.asarray(images)
    n, h, w, c = images.shape
    n_rows = int(np.ceil(n / n_cols))
    sheet = np.full((n_rows * (h + pad) - pad, n_cols * (w + pad) - pad, c), pad_value, dtype=images.dtype)
    for i, img in enumerate(images):
        r, col = divmod(i, n_cols)
        sheet[r * (h + pad) : r * (h + pad) + h, col * (w + pad) : col * (w + pad) + w] = img
    return sheet


def image_grid(images: np.ndarray, n_cols: int = 12, title: str = "", width: float = PAGE_WIDTH) -> Figure:
    """One figure showing ``images`` as a grid (a contact sheet), with a title (chapter 1)."""
    sheet = tile_images(images, n_cols)
    height = width * sheet.shape[0] / sheet.shape[1]
    fig, ax = plt.subplots(figsize=(width, height + (0.4 if title else 0.0)))
    ax.imshow(sheet, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=TITLE_PT)
    fig.tight_layout()
    return fig


def image_rows(rows: Sequence[np.ndarray], row_labels: Sequence[str], title: str = "",
               width: float = PAGE_WIDTH) -> Figure:
    """Several equally long rows of images, each labelled on the left (e.g. originals above
    reconstructions; chapter 1)."""
    n_cols = len(rows[0])
    fig, axes = plt.subplots(len(rows), 1, figsize=(width, width / n_cols * len(rows) * 1.08 + 0.4))
    axes = np.atleast_1d(axes)
    for ax, row, label in zip(axes, rows, row_labels):
        ax.imshow(tile_images(row, n_cols), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=TEXT_PT)
    if title:
        fig.suptitle(title, fontsize=TITLE_PT)
    fig.tight_layout()
    return fig


def training_curves(history: list[dict], loss_name: str = "BCE") -> Figure:
    """Training and held-out loss per epoch, and the pixel MSE beside it (chapter 1)."""
    epochs = [row["epoch"] for row in history]
    fig, (ax_loss, ax_mse) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.6))
    for ax, key, label in ((ax_loss, "loss", f"loss ({loss_name})"), (ax_mse, "mse", "pixel MSE")):
        ax.plot(epochs, [row[key] for row in history], "o-", color=color("data"), label="training images")
        if f"val_{key}" in history[0]:
            ax.plot(epochs, [row[f"val_{key}"] for row in history], "s--", color=color("held_out"),
                    label="held-out images")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    ax_loss.set_title("Loss per epoch")
    ax_mse.set_title("Mean squared pixel error per epoch (pixels in [0, 1])")
    fig.tight_layout()
    return fig


def error_histograms(groups: Sequence[Cloud], xlabel: str, title: str) -> Figure:
    """Overlaid histograms of per-image errors, one per group, coloured by kind, medians marked (chapter 1)."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.6))
    values = np.concatenate([np.asarray(group.values) for group in groups])
    bins = np.linspace(values.min(), np.quantile(values, 0.995), 50)
    for kind, label, err in groups:
        ax.hist(err, bins=bins, alpha=0.5, color=color(kind), label=f"{label} (median {np.median(err):.4f})")
        ax.axvline(np.median(err), color=color(kind), ls="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("number of images")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig
