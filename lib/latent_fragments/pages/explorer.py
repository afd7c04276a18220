"""What chapter 3's interactive explorer shows, precomputed: the training z-points in their leading
principal planes with ground-truth labels, thumbnails of a fixed subsample, and decodings along the
principal axes and of each generator's samples.

Everything here is plain data (arrays and ``data:`` URLs of small JPEG thumbnails), so the figures of
:mod:`latent_fragments.plots.explorer` work in a static page without a kernel. The principal axes are those
of the one fitted :class:`~latent_fragments.stats.gaussian.Gaussian` of chapter 3.
"""
from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from PIL import Image

from ..data.labels import is_categorical
from ..plots.explorer import AxisWalk, Frames, FragmentView
from ..plots.images import tile_images
from ..stats.gaussian import Gaussian
from ..stats.generators import walk_kinds
from . import Numbers

#: At most this many points of the explorer carry a thumbnail (the rest are plain points).
MAX_HOVER = 1000
#: Principal axes the explorer's planes are drawn from (PC1 ... PC6).
N_PLANE_AXES = 6
#: Labels offered for colouring, the most strongly associated with the leading axes first.
N_FACTORS = 8
#: The axis walk runs from -WALK_SIGMA to +WALK_SIGMA standard deviations of each axis.
WALK_SIGMA = 3.0


def image_url(image: np.ndarray, size: int, quality: int = 85) -> str:
    """A uint8 image (H, W, 3), resized to ``size`` pixels high, as a JPEG ``data:`` URL. Chapter 3."""
    picture = Image.fromarray(np.asarray(image, dtype=np.uint8))
    width = max(1, round(size * picture.width / picture.height))
    buffer = io.BytesIO()
    picture.resize((width, int(size)), Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def hover_rows(n: int, max_points: int = 200, seed: int = 0) -> np.ndarray:
    """A fixed random subsample (sorted) of ``min(n, max_points)`` of ``n`` rows for thumbnails. Chapter 3.

    ``max_points`` may be at most :data:`MAX_HOVER`: each row carries two embedded images.
    """
    if not 1 <= int(max_points) <= MAX_HOVER:
        raise ValueError(f"max_points must be between 1 and {MAX_HOVER}, got {max_points}")
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, int(max_points), replace=False))


def factor_codes(column: pd.Series) -> tuple[np.ndarray, str]:
    """uint8 colour codes (0-255) of a numeric label and a caption of what they mean. Chapter 3.

    Categorical labels (:func:`latent_fragments.data.labels.is_categorical`) are coded by the rank of
    their level; other labels are scaled linearly between their 1st and 99th percentiles (clipped).
    """
    values = column.to_numpy(dtype=np.float64)
    levels = np.unique(values)
    if is_categorical(column):
        ranks = np.searchsorted(levels, values)
        codes = np.rint(255.0 * ranks / max(len(levels) - 1, 1))
        caption = f"{column.name}: {len(levels)} levels, {levels[0]:g} (dark) to {levels[-1]:g} (bright)"
        return codes.astype(np.uint8), caption
    low, high = np.percentile(values, [1, 99])
    span = high - low if high > low else 1.0
    codes = np.rint(255.0 * np.clip((values - low) / span, 0.0, 1.0))
    return codes.astype(np.uint8), f"{column.name}: {low:.3g} (dark) to {high:.3g} (bright)"


def _chosen_factors(labels: pd.DataFrame, association: pd.DataFrame | None) -> list[str]:
    """The labels offered for colouring: the strongest associations with the leading axes first."""
    if association is None or association.empty:
        return []
    strength = association.iloc[:, :N_PLANE_AXES].max(axis=1).sort_values(ascending=False)
    return [name for name in strength.index if name in labels.columns][:N_FACTORS]


def fragment_view(run, frag: Gaussian, z_train: np.ndarray, association: pd.DataFrame | None = None,
                  n_hover: int = 200, thumb_size: int = 32, seed: int = 0) -> FragmentView:
    """The explorer's data: PCA scores of ``z_train``, label colour codes, thumbnails. Chapter 3.

    ``run`` gives the training images, their labels (``run.labels("train")``) and the decoder; only the
    ``n_hover`` subsample (:func:`hover_rows`) is decoded, for its reconstructions. ``association`` is
    :func:`latent_fragments.stats.fragment.pc_label_association`'s table: its strongest labels are offered
    for colouring, the one strongest on PC1 first.
    """
    k = min(N_PLANE_AXES, frag.dim)
    scores = frag.to_pca(z_train, k).astype(np.float32)
    labels = run.labels("train")
    names = _chosen_factors(labels, association)
    coded = {name: factor_codes(labels[name]) for name in names}
    default = None
    if names:
        default = str(association.loc[names, association.columns[0]].idxmax())
    rows = hover_rows(len(scores), n_hover, seed)
    faces = np.asarray(run.faces.images[run.train_idx[rows]])
    recon = run.decode(np.asarray(z_train)[rows])
    thumbs = [image_url(np.concatenate([f, r], axis=1), thumb_size, quality=75) for f, r in zip(faces, recon)]
    title = f"{run.config.dataset}: {len(scores)} training z-points, {len(rows)} with thumbnails (ringed)"
    return FragmentView(scores=scores, explained=np.asarray(frag.explained_ratio[:k]),
                        factors={n: c for n, (c, _) in coded.items()},
                        captions={n: cap for n, (_, cap) in coded.items()}, default=default,
                        hover_rows=rows, thumbnails=thumbs, title=title)


def colouring_sentence(view: FragmentView) -> str:
    """What the explorer's points are coloured by at first, or, for data without labels, that they keep one
    colour while the planes and thumbnails work as ever. Introduced in chapter 3."""
    if view.default is None:
        return ("The data carry no labels, so the points keep one colour (the colour menu offers only "
                "\"none\"); the planes and the thumbnails work as described.")
    name = view.default.replace("_", " ")
    return (f"The points are coloured first by {name}, the offered label most strongly associated with the "
            f"first principal axis (the menu offers {len(view.factors)}).")


def colouring_numbers(view: FragmentView) -> Numbers:
    """The explorer's colouring, as one sentence (:func:`colouring_sentence`). Introduced in chapter 3."""
    return Numbers({"explorer_colouring": colouring_sentence(view)})


def axis_points(frag: Gaussian, n_axes: int = 5, steps: int = 13,
                max_sigma: float = WALK_SIGMA) -> np.ndarray:
    """z-points along each of the first ``n_axes`` principal axes, ``-max_sigma ... +max_sigma`` in units of
    that axis's sigma, through the centre: shape (n_axes * steps, dim), axis by axis. Chapter 3."""
    n_axes = min(int(n_axes), frag.dim)
    t = np.linspace(-max_sigma, max_sigma, int(steps))
    scores = np.zeros((n_axes * len(t), n_axes))
    for axis in range(n_axes):
        scores[axis * len(t):(axis + 1) * len(t), axis] = t * frag.sigmas[axis]
    return frag.from_pca(scores)


def plane_points(frag: Gaussian, steps: int = 7, max_sigma: float = WALK_SIGMA) -> np.ndarray:
    """z-points on a ``steps`` x ``steps`` grid of the first two principal axes (in sigmas), row ``i *
    steps + j`` at PC1 step ``i`` and PC2 step ``j``: shape (steps**2, dim). Chapter 3."""
    t = np.linspace(-max_sigma, max_sigma, int(steps))
    pc1, pc2 = np.meshgrid(t * frag.sigmas[0], t * frag.sigmas[1], indexing="ij")
    return frag.from_pca(np.column_stack([pc1.ravel(), pc2.ravel()]))


def ordered_samples(frag: Gaussian, z: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of ``z`` at evenly spaced ranks of their Mahalanobis distance from the centre, nearest
    first, and those distances (in sigmas). Chapter 3."""
    distance = frag.mahalanobis(z)
    order = np.argsort(distance, kind="stable")
    picks = order[np.unique(np.rint(np.linspace(0, len(order) - 1, min(int(n), len(order)))).astype(int))]
    return picks, distance[picks]


def walk_generators(generators: Sequence, kinds: Sequence[str] | None = None) -> list:
    """The first generator of each of ``kinds`` (those present), in that order; by default the families
    the generator registry puts in the axis walk (:func:`~latent_fragments.stats.generators.walk_kinds`).
    Introduced in chapter 3."""
    kinds = walk_kinds() if kinds is None else kinds
    first = {}
    for generator in generators:
        first.setdefault(generator.kind, generator)
    return [first[kind] for kind in kinds if kind in first]


def frame_sheet(images: np.ndarray, n_cols: int, size: int = 64) -> str:
    """Images tiled ``n_cols`` to a row without gaps, each ``size`` pixels, as one JPEG ``data:`` URL (one
    file header for all the frames of a slider). Introduced in chapter 3."""
    n_rows = -(-len(images) // int(n_cols))
    return image_url(tile_images(np.asarray(images), int(n_cols), pad=0), size * n_rows)


def axis_walk(run, frag: Gaussian, samples: Mapping[str, tuple[str, np.ndarray, np.ndarray]],
              n_axes: int = 5, steps: int = 13, grid_steps: int = 7, n_samples: int = 12,
              size: int = 64) -> AxisWalk:
    """Decoded frames along the leading axes, on the PC1-PC2 grid, and of each generator. Chapter 3.

    ``samples`` maps a generator's label to its kind, its z-points and their already decoded images (chapter
    3 decodes them for the quality table), so only the ``n_axes * steps + grid_steps**2`` axis points are
    decoded here. Frames are ``size`` pixels, one JPEG sheet per slider (:func:`frame_sheet`).
    """
    t = np.linspace(-WALK_SIGMA, WALK_SIGMA, int(steps))
    along = run.decode(axis_points(frag, n_axes, steps))
    axes = [Frames(f"PC{a + 1}", "data", frame_sheet(along[a * len(t):(a + 1) * len(t)], len(t), size), 1,
                   len(t), t) for a in range(len(along) // len(t))]
    g = np.linspace(-WALK_SIGMA, WALK_SIGMA, int(grid_steps))
    grid = Frames("PC1 and PC2", "data", frame_sheet(run.decode(plane_points(frag, len(g))), len(g), size),
                  len(g), len(g), g)
    generators = []
    for label, (kind, z, images) in samples.items():
        picks, distance = ordered_samples(frag, z, n_samples)
        generators.append(Frames(label, kind, frame_sheet(images[picks], len(picks), size), 1, len(picks),
                                 distance))
    return AxisWalk(steps=t, axes=axes, grid_steps=g, grid=grid, generators=generators,
                    sheet=tile_images(along, n_cols=len(t)))
