"""The book's visual style: one colour per kind of point cloud, used by every figure (chapter 1 on).

Colours are keyed by stable kinds, not by display text: :func:`color` takes a kind such as ``"data"``,
``"held_out"`` or a generator's ``kind`` (``"cube"``, ``"mnd"``, ...), so a cloud keeps its colour across
chapters whatever its label says.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Width of a figure on the book's page, in inches.
PAGE_WIDTH = 10.0

#: The book's palette: one colour per kind of point cloud (keys match ``Generator.kind``).
COLORS: dict[str, str] = {
    "data": "#1f77b4",                 # encoded training images: blue
    "held_out": "#17becf",             # encoded test images: cyan
    "null": "#7f7f7f",                 # reference / null model curves: grey
    "reconstruction": "#aec7e8",       # reconstructed images: light blue
    "data_centred": "#9edae5",         # the training data centred on its mean: pale cyan
    "cube": "#d62728",                 # uniform cube: red
    "ball": "#ff7f0e",                 # uniform ball: orange
    "isotropic_normal": "#9467bd",     # purple
    "independent_normals": "#8c564b",  # brown
    "mnd": "#2ca02c",                  # multivariate normal fitted to the data: green
    "mnd_truncated": "#98df8a",        # light green
    "ellipsoid": "#bcbd22",            # uniform inside the data's ellipsoid: olive
    "gmm": "#e377c2",                  # Gaussian mixture: pink
    "radius_null": "#393b79",          # chapter 4's null with the data's own radii: dark blue
}


class Cloud(NamedTuple):
    """A labelled set of values to draw: its ``kind`` (colour key), ``label`` (legend) and ``values``. Chapter 1."""

    kind: str
    label: str
    values: np.ndarray


def color(kind: str) -> str:
    """Colour of a kind of point cloud (a key of :data:`COLORS`). Introduced in chapter 1."""
    try:
        return COLORS[kind]
    except KeyError:
        raise KeyError(f"unknown kind {kind!r}; known kinds: {', '.join(COLORS)}") from None
