"""The book's visual style: one colour per kind of point cloud, used by every figure (chapter 1 on).

"data" (training images and their z-points), "held-out", "null" (reference models) and each generator keep
their colour across chapters; :func:`color_for` maps a legend label such as ``"uniform cube b=1.50"`` to it.
"""
from __future__ import annotations

import zlib

#: Width of a figure on the book's page, in inches.
PAGE_WIDTH = 10.0

#: The book's palette: one colour per kind of point cloud (keys match ``Generator.kind``).
COLORS: dict[str, str] = {
    "data": "#1f77b4",                 # encoded training images: blue
    "held-out": "#17becf",             # encoded test images: cyan
    "null": "#7f7f7f",                 # reference / null model curves: grey
    "uniform cube": "#d62728",         # red
    "uniform ball": "#ff7f0e",         # orange
    "isotropic normal": "#9467bd",     # purple
    "independent normals": "#8c564b",  # brown
    "multivariate normal": "#2ca02c",  # green
    "mnd": "#2ca02c",                  # the same, as chapter 3 names it
    "mnd truncated": "#98df8a",        # light green
    "uniform in": "#bcbd22",           # uniform inside the data's ellipsoid: olive
    "gaussian mixture": "#e377c2",     # pink
    "gmm": "#e377c2",                  # the same, by its short name
    # chapter 1's labels
    "training": "#1f77b4",             # = data
    "training data, centred": "#9edae5",  # pale cyan
    "reconstructions": "#aec7e8",      # light blue
    "decoded cube": "#d62728",         # = uniform cube
    "decoded ball": "#ff7f0e",         # = uniform ball
}
_EXTRA_COLORS = ("#393b79", "#637939", "#843c39", "#7b4173", "#5254a3", "#8ca252")  # for labels not in COLORS


def color_for(label: str) -> str:
    """Colour of a label: the :data:`COLORS` entry whose key starts the label (longest match).

    Introduced in chapter 1. ``"uniform cube b=1.50"`` -> ``COLORS["uniform cube"]``,
    ``"held-out data"`` -> ``COLORS["held-out"]``; unknown labels get a fixed colour derived from
    the label's text, so they too keep their colour across figures.
    """
    lowered = label.lower()
    matches = [key for key in COLORS if lowered.startswith(key)]
    if matches:
        return COLORS[max(matches, key=len)]
    return _EXTRA_COLORS[zlib.crc32(label.encode()) % len(_EXTRA_COLORS)]
