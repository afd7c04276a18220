"""Hair of synthfaces: the shapes of the five hair styles, and the front hair's drawing.

Introduced in chapter 1.  ``bald`` (a fringe of hair around the ears for older men), ``short``
and ``curly`` (a cap with a receding hair line), ``fringe`` (a bob with bangs down to the brows),
``long`` (a parting, curtains framing the face and a mass behind head and shoulders).
"""
from __future__ import annotations

import math

from .colors import Color, _rgb
from .geometry import _ellipse, _flat, _lin, _trig
from .layout import _Layout
from .painter import _GLOW, _Painter
from .textures import _DetailNoise


def _hair_shapes(lay: _Layout, f: dict,
                 drng: _DetailNoise) -> tuple[list[list[float]], list[float] | None]:
    """Face-local flat polygons of the front hair (a list) and of the hair behind the head.

    Introduced in chapter 1.
    """
    style, vol = lay.style, float(f["hair_volume"])
    age, male = float(f["age"]), int(f["sex"])
    if style == "bald":
        return _bald_hair(lay, age, male), None
    curly = style == "curly"
    puff = 1.0 + (0.05 + 0.16 * vol) * (1.6 if curly else 1.0)
    top = lay.b * (1.0 + (0.06 + 0.14 * vol) * (1.5 if curly else 1.0))
    arc = _crown_arc(lay.a, puff, top, curly, drng)
    if style in ("short", "curly"):
        return [_short_hair(lay, arc, puff, age, male, curly)], None
    if style == "fringe":
        return [_bob_hair(lay, arc, puff, vol, drng)], None
    return _long_hair(lay, arc, puff, top, vol, drng)


def _bald_hair(lay: _Layout, age: float, male: int) -> list[list[float]]:
    """What is left around the ears of an older bald man (nothing otherwise).

    Introduced in chapter 1.
    """
    if not (male and age > 0.45):
        return []
    a, b, eye_y, outline = lay.a, lay.b, lay.eye_y, lay.outline
    return [outline.edge(eye_y + 0.05 * b, -0.42 * b, side, -0.05 * a, 5)
            + outline.edge(-0.36 * b, eye_y + 0.05 * b, side, 0.07 * a, 5)
            for side in (-1, 1)]


def _crown_arc(a: float, puff: float, top: float, curly: bool,
               drng: _DetailNoise) -> list[float]:
    """The hair's outer arc: left side (angle pi), over the crown, to the right side (angle
    2 pi); bumpy for curls.  Introduced in chapter 1."""
    c, s = _trig(40 if curly else 22, round(math.pi, 3), round(2 * math.pi, 3))
    if not curly:
        return _flat([a * puff * cv for cv in c], [top * sv for sv in s])
    phase = drng.random() * 3
    bump = [1.0 + 0.06 * abs(math.sin(9 * (math.pi + i * math.pi / 39) + phase))
            for i in range(40)]
    return _flat([a * puff * cv * k for cv, k in zip(c, bump)],
                 [top * sv * k for sv, k in zip(s, bump)])


def _short_hair(lay: _Layout, arc: list[float], puff: float, age: float, male: int,
                curly: bool) -> list[float]:
    """Short or curly hair: a cap down to the eye line with a hair line that recedes with age
    for the male latent.  Introduced in chapter 1."""
    a, b, outline = lay.a, lay.b, lay.outline
    bottom = lay.eye_y - 0.02 * b
    recess = (0.10 + 0.25 * age) * b if male else 0.04 * b
    hl_x = _lin(0.82 * a, -0.82 * a, 9)
    hl_y = [-0.52 * b - recess * (x / a) ** 2 + 0.05 * b * (1 - abs(x) / a) for x in hl_x]
    if curly:
        hl_y = [y + 0.035 * b * abs(math.sin(x / a * 7.0)) for x, y in zip(hl_x, hl_y)]
    return ([-a * puff, bottom] + arc + [a * puff, bottom]
            + outline.edge(bottom, hl_y[0], 1, 0.08 * a, 4) + _flat(hl_x, hl_y)
            + outline.edge(hl_y[-1], bottom, -1, 0.08 * a, 4))


def _bob_hair(lay: _Layout, arc: list[float], puff: float, vol: float,
              drng: _DetailNoise) -> list[float]:
    """A bob with jagged bangs down to the brows (the ``fringe`` style).  Introduced in chapter 1."""
    a, b, outline = lay.a, lay.b, lay.outline
    bottom = b - 0.25 * b
    flare = puff * (1.0 + 0.06 * vol)
    bangs_y = lay.eye_y - 0.36 * b
    jx = _lin(0.9 * a, -0.9 * a, 11)
    jy = [bangs_y + 0.05 * b * (1.0 if i % 2 == 0 else -0.3) + 0.03 * b * z
          + 0.08 * b * (x / a) ** 2 for i, (x, z) in enumerate(zip(jx, drng.normals(11)))]
    return ([-a * flare, bottom] + arc + [a * flare, bottom, 0.85 * a, bottom + 0.04 * b]
            + outline.edge(bottom, bangs_y + 0.1 * b, 1, 0.1 * a, 5) + _flat(jx, jy)
            + outline.edge(bangs_y + 0.1 * b, bottom, -1, 0.1 * a, 5)
            + [-0.85 * a, bottom + 0.04 * b])


def _long_hair(lay: _Layout, arc: list[float], puff: float, top: float, vol: float,
               drng: _DetailNoise) -> tuple[list[list[float]], list[float]]:
    """Long hair: a parting, two curtains framing the face and falling in front of the shoulders
    beside the neck, and the mass behind the head and shoulders.  Introduced in chapter 1."""
    a, b, outline = lay.a, lay.b, lay.outline
    length = b + (0.35 + 0.35 * vol) * b
    part = (drng.random() - 0.5) * 0.8 * a
    w = (1.0, 0.8, 0.55, 0.28, 0.0)
    cy = [-0.1 * b, -0.45 * b, -0.70 * b, -0.86 * b, -0.93 * b]
    right = _flat([part + (0.85 * a - part) * k for k in w], cy)
    left = _flat([part + (-0.85 * a - part) * k for k in w[::-1]], cy[::-1])
    jaw = 0.75 * b
    ends = drng.normals(4)
    front = ([-a * puff * 1.1, length - (0.12 + 0.03 * ends[0]) * b] + arc
             + [a * puff * 1.1, length - (0.12 + 0.03 * ends[1]) * b,
                0.7 * a, length + 0.03 * ends[2] * b, 0.64 * a, jaw + 0.25 * b]
             + outline.edge(jaw, -0.1 * b, 1, 0.12 * a, 5) + right + left
             + outline.edge(-0.1 * b, jaw, -1, 0.12 * a, 5)
             + [-0.64 * a, jaw + 0.25 * b, -0.7 * a, length + 0.03 * ends[3] * b])
    spread = a * (1.22 + 0.2 * vol)
    tb = _lin(0.0, math.pi, 9)
    back = (_ellipse(0.0, -0.1 * b, a * puff * 1.1, top * 1.02, 12, math.pi, 2 * math.pi)
            + [spread, 0.4 * b]
            + _flat([spread * math.cos(t) * (0.9 + 0.1 * math.sin(5 * t)) for t in tb],
                    [length + 0.1 * b * math.sin(t) + 0.04 * b * z
                     for t, z in zip(tb, drng.normals(9))])
            + [-spread, 0.4 * b])
    return [front], back


def _draw_front_hair(p: _Painter, f: dict, lay: _Layout, shapes: list[list[float]],
                     hair: Color) -> None:
    """The front hair, its shadow on the forehead, and its sheen (or the bald head's highlight).

    Introduced in chapter 1.
    """
    a, b, lx, vol = lay.a, lay.b, lay.lx, float(f["hair_volume"])
    for poly in shapes:
        p.shape(poly, _rgb(hair), hair=255)
        p.soft_drop(poly, -0.04 * a * lx, 0.07 * b, 210)
    if lay.style != "bald":
        t0 = math.pi * (1.28 - 0.12 * lx)
        sheen = _ellipse(-0.2 * lx * a, -0.1 * b, 0.85 * a * (1 + 0.1 * vol),
                         0.9 * b * (1 + 0.08 * vol), 10, t0, t0 + 0.35 * math.pi)
        p.soft_line(_GLOW, sheen, 110, 0.04)
    else:
        p.soft_oval(_GLOW, 0.3 * lx * a, -0.8 * b, 0.35 * a, 0.12 * b, 150)
