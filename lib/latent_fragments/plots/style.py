"""The book's visual style: one colour per kind of point cloud, used by every figure (chapter 1 on).

Colours are keyed by stable kinds, not by display text: :func:`color` takes a kind such as ``"data"``,
``"held_out"`` or a generator's ``kind`` (``"cube"``, ``"mnd"``, ...), so a cloud keeps its colour across
chapters whatever its label says.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..stats.filaments.nulls import NULL_MODELS
from ..stats.generators import GENERATOR_KINDS

#: Width of a figure on the book's page, in inches.
PAGE_WIDTH = 10.0

#: The book's palette: one colour per kind of point cloud; each generator family's colour comes from its
#: record in :data:`latent_fragments.stats.generators.GENERATOR_KINDS` (keys match ``Generator.kind``),
#: each null model's of chapter 4 from :data:`latent_fragments.stats.filaments.NULL_MODELS`.
COLORS: dict[str, str] = {
    "data": "#1f77b4",                 # encoded training images: blue
    "held_out": "#17becf",             # encoded test images: cyan
    "null": "#7f7f7f",                 # reference / null model curves: grey
    "reconstruction": "#aec7e8",       # reconstructed images: light blue
    "data_centred": "#9edae5",         # the training data centred on its mean: pale cyan
    **{kind.key: kind.colour for kind in GENERATOR_KINDS},
    **{key: null.colour for key, null in NULL_MODELS.items()},  # chapter 4's nulls ("mnd": the MND's colour)
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
