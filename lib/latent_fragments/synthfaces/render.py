"""Rendering synthfaces: one portrait from its factors, and a batch with its factor table.

Introduced in chapter 1.  Each face is a head-and-shoulders portrait roughly centred in the frame,
the head (crown to chin) filling about 55-70 % of the image height, like an aligned CelebA crop.
What is drawn, back to front: a two-colour gradient background with the sitter's soft drop shadow;
shoulders in a coloured shirt; long hair behind the head; neck, ears and the face outline (its jaw
shape varies); a beard or stubble; almond eyes with white, iris, pupil, eyelids and a catch-light;
eyebrows; a nose made of shading, nostrils and wings; lips that smile, frown or open; the front
hair (bald, short, long, fringe or curly) with strand texture; glasses.  Light comes from a
per-face direction; soft shadows (under the hair, nose, lip and chin, in the eye sockets, folds
beside the mouth), highlights (forehead, nose, cheek, hair sheen, glasses) and cheek blush are
drawn as blurred masks.  Long hair and the bob hide the ears.

:func:`render_face` is a pure function of the factor dict (edit a factor and re-render to see what
it does); :func:`render_batch` returns the images and the factor table, the ground truth that
later chapters compare latent codes with.  Speed matters (the book renders about 12,000 faces):
``benchmarks/bench_synthfaces.py`` measures it, roughly 700-850 faces/s of CPU time on one
core of the build machine.

Example::

    images, table = render_batch(range(16), seed=0)   # (16, 96, 96, 3) uint8, 16-row DataFrame
"""
from __future__ import annotations

import colorsys
from typing import Iterable

import numpy as np
import pandas as pd

from .colors import Color, _rgb, _scale, hair_color, skin_color
from .factors import FACTOR_COLUMNS, INTEGER_FACTORS, sample_factors
from .features import (_draw_beard, _draw_ears, _draw_eyes_and_brows, _draw_glasses, _draw_mouth,
                       _draw_nose)
from .hair import _draw_front_hair, _hair_shapes
from .layout import _Layout, _layout
from .painter import _BLUSH, _GLOW, _Painter
from .shading import _shade_and_compose
from .textures import _DetailNoise


def render_face(factors: dict, size: int = 96) -> np.ndarray:
    """Render one face from a factor dict (see :func:`sample_factors`) as ``(size, size, 3)`` uint8.

    Introduced in chapter 1.
    """
    f = factors
    lay = _layout(f, size)
    p = _Painter(size, lay.frame)
    drng = _DetailNoise(int(f["detail_seed"]))
    skin, hair = skin_color(f), hair_color(f)
    hair_front, hair_back = _hair_shapes(lay, f, drng)
    _draw_body(p, f, lay, skin, hair, hair_back)
    _draw_ears(p, lay, skin)
    _draw_skin(p, lay, skin)
    _draw_beard(p, f, lay, skin, hair)
    _draw_nose(p, f, lay, skin)
    _draw_mouth(p, f, lay, skin)
    eyes = _draw_eyes_and_brows(p, f, lay, skin, hair)
    _draw_front_hair(p, f, lay, hair_front, hair)
    if int(f["glasses"]):
        _draw_glasses(p, lay, eyes, drng)
    return _shade_and_compose(f, p.finish(), lay)


def _draw_body(p: _Painter, f: dict, lay: _Layout, skin: Color, hair: Color,
               hair_back: list[float] | None) -> None:
    """Shoulders in a shirt, the long hair behind them, and the neck.  Introduced in chapter 1.

    The shoulders are placed in canvas coordinates (they do not roll with the head); the neck's
    top rolls with the head, its base stays on the shoulders.
    """
    big, b, fr, male = lay.big, lay.b, lay.frame, int(f["sex"])
    shirt = tuple(255 * v for v in colorsys.hsv_to_rgb(
        float(f["shirt_hue"]), 0.12 + 0.4 * (1 - 0.5 * male), float(f["shirt_lightness"])))
    nw = (0.56 + 0.10 * male) * lay.a               # half width of the neck
    sh_cx = lay.fx + 0.3 * (fr.point(0, b)[0] - lay.fx)
    sh_top = lay.fy + b + 0.07 * big
    wide = 1.0 + 0.08 * male
    half = [(1.15 * nw, 0.0), (0.24 * big, 0.03 * big), (0.37 * big * wide, 0.07 * big),
            (0.45 * big * wide, 0.12 * big), (0.5 * big * wide, 0.22 * big),
            (0.52 * big * wide, 0.6 * big)]
    shoulders = [fr.local(sh_cx + dx, sh_top + dy) for dx, dy in half[::-1]] + \
        [fr.local(sh_cx - dx, sh_top + dy) for dx, dy in half]
    p.shape([v for xy in shoulders for v in xy], _rgb(shirt))
    if hair_back is not None:
        p.shape(hair_back, _rgb(_scale(hair, 0.78)), hair=255)
    base_y = sh_top + 0.05 * big
    neck = [fr.point(-nw, 0.2 * b), fr.point(nw, 0.2 * b),
            (sh_cx + 1.12 * nw, base_y), (sh_cx + 0.3 * nw, base_y + 0.07 * big),
            (sh_cx - 0.3 * nw, base_y + 0.07 * big), (sh_cx - 1.12 * nw, base_y)]
    p.shape([v for X, Y in neck for v in fr.local(X, Y)], _rgb(_scale(skin, 0.9)), hair=0)


def _draw_skin(p: _Painter, lay: _Layout, skin: Color) -> None:
    """The face, the head's shadow on the neck, forehead, cheek and chin highlights, and blush.

    Introduced in chapter 1.
    """
    a, b, away, eye_dx, nose_tip, big = lay.a, lay.b, lay.away, lay.eye_dx, lay.nose_tip, lay.big
    face = lay.outline.flat
    p.shape(face, _rgb(skin), hair=0)
    p.soft_drop(face, -0.12 * a * lay.lx, 0.2 * b, 245)
    p.soft_oval(_GLOW, -away * 0.35 * a + eye_dx, -0.45 * b, 0.28 * a, 0.16 * b, 120)
    p.soft_oval(_GLOW, -away * 0.5 * a + eye_dx, nose_tip - 0.02 * big, 0.16 * a, 0.1 * b, 90)
    p.soft_oval(_GLOW, lay.mouth_dx, 0.5 * (lay.mouth_y + b) + 0.04 * b, 0.16 * a, 0.07 * b, 80)
    for side in (-1, 1):
        p.soft_oval(_BLUSH, side * 0.56 * a + eye_dx, nose_tip - 0.01 * big, 0.2 * a, 0.13 * b, 255)


def render_batch(indices: Iterable[int], seed: int = 0,
                 size: int = 96) -> tuple[np.ndarray, pd.DataFrame]:
    """Render faces ``indices`` of data set ``seed``.

    Introduced in chapter 1.  Returns a uint8 array ``(len(indices), size, size, 3)`` and a
    DataFrame with one row per face: column ``index`` then :data:`FACTOR_COLUMNS`.
    """
    indices = [int(i) for i in indices]
    images = np.empty((len(indices), size, size, 3), dtype=np.uint8)
    rows = []
    for k, i in enumerate(indices):
        f = sample_factors(i, seed)
        images[k] = render_face(f, size)
        rows.append(f)
    table = pd.DataFrame({col: np.array([r[col] for r in rows],
                                        dtype=np.int64 if col in INTEGER_FACTORS else np.float64)
                          for col in FACTOR_COLUMNS})
    table.insert(0, "index", np.asarray(indices, dtype=np.int64))
    return images, table
