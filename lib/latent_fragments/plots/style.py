"""The book's visual style: one colour per kind of point cloud, used by every figure (chapter 1 on).

Colours are keyed by stable kinds, not by display text: :func:`color` takes a kind such as ``"data"``,
``"held_out"`` or a generator's ``kind`` (``"cube"``, ``"mnd"``, ...), so a cloud keeps its colour across
chapters whatever its label says.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..stats.filaments.nulls import NULL_MODELS
from ..stats.generators import GENERATOR_KINDS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Width of a figure on the book's page, in inches.
PAGE_WIDTH = 10.0

#: The smallest text a figure may show, in screen pixels, as the page displays it in a 1280 px window (the
#: page test measures it: tests/test_rendered_book.py).
MIN_TEXT_PX = 10.0

#: The size of a figure's text (labels, ticks, legends, notes) and of its titles, in points. The page shows
#: a :data:`PAGE_WIDTH` figure in a column of about 690 px, so 11 points come out about 10.5 px high.
TEXT_PT = 11.0
TITLE_PT = 12.0

#: The key under which each figure a chapter displays records, in its PNG, the height of its smallest
#: text in the image's own pixels (:func:`smallest_text_px`).
TEXT_SIZE_KEY = "latent-fragments:smallest-text-px"

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


def smallest_text_px(fig: "Figure") -> float:
    """Height of the smallest visible text of ``fig`` in pixels of its image (font size in points times
    ``dpi / 72``); infinite for a figure without text. Introduced in chapter 1."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * fig.dpi / 72.0 if sizes else math.inf


def use_book_style() -> None:
    """The book's figure style: default text of :data:`TEXT_PT` points, and, in a notebook, every figure
    displayed as a PNG that records :func:`smallest_text_px` under :data:`TEXT_SIZE_KEY`, so that the page
    test can tell how large its text appears on the page. Called by the chapter preamble (chapter 1)."""
    import matplotlib

    matplotlib.rcParams.update({"font.size": TEXT_PT, "axes.titlesize": TITLE_PT, "figure.titlesize": TITLE_PT})
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    import importlib

    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    if "inline" in matplotlib.get_backend():  # importing the backend registers its formatter: ours goes last
        importlib.import_module("matplotlib_inline.backend_inline")

    def png(fig: Figure) -> str | None:
        size = smallest_text_px(fig)
        return print_figure(fig, "png", bbox_inches="tight", base64=True,
                            metadata={TEXT_SIZE_KEY: "inf" if math.isinf(size) else f"{size:.2f}"})

    shell.display_formatter.formatters["image/png"].for_type(Figure, png)
