"""Colours of synthfaces: skin, hair, iris and frame palettes and tiny colour arithmetic.

Introduced in chapter 1.  Colours are tuples of 0-255 floats in plain Python: a face needs a few
dozen tiny colour sums, for which numpy's per-call overhead would cost more than the arithmetic.
"""
from __future__ import annotations

from .factors import _clip

Color = tuple[float, float, float]

_SKIN_PALETTE: tuple[Color, ...] = ((255, 228, 208), (240, 196, 164), (222, 168, 128),
                                    (188, 130, 92), (140, 92, 62), (96, 60, 42))
_HAIR_PALETTE: tuple[Color, ...] = ((24, 20, 19), (52, 36, 26), (96, 64, 40), (146, 104, 62),
                                    (196, 158, 98), (230, 206, 146))
_IRIS_RGB: tuple[Color, ...] = ((92, 56, 32), (128, 96, 48), (84, 122, 74), (74, 124, 184),
                                (122, 134, 146))   # indexed like IRIS_COLORS
_FRAME_RGB: tuple[Color, ...] = ((28, 26, 26), (96, 60, 34), (150, 150, 156), (120, 28, 36))


def _palette(pal: tuple[Color, ...], t: float) -> Color:
    """Linear interpolation along ``pal`` at ``t`` in [0, 1].  Introduced in chapter 1."""
    x = _clip(t, 0.0, 1.0) * (len(pal) - 1)
    i = min(int(x), len(pal) - 2)
    w = x - i
    return tuple(p0 + (p1 - p0) * w for p0, p1 in zip(pal[i], pal[i + 1]))


def _mix(c1: Color, c2: Color, t: float) -> Color:
    """``c1`` moved the fraction ``t`` towards ``c2``.  Introduced in chapter 1."""
    return tuple(v1 + (v2 - v1) * t for v1, v2 in zip(c1, c2))


def _scale(c: Color, k: float) -> Color:
    """``c`` times ``k``.  Introduced in chapter 1."""
    return (c[0] * k, c[1] * k, c[2] * k)


def _rgb(c: Color) -> tuple[int, int, int]:
    """``c`` as the int RGB triple PIL draws with.  Introduced in chapter 1."""
    return (int(_clip(c[0], 0, 255)), int(_clip(c[1], 0, 255)), int(_clip(c[2], 0, 255)))


def skin_color(factors: dict) -> Color:
    """Base skin RGB (0-255 floats) of a factor dict.  Introduced in chapter 1."""
    return _palette(_SKIN_PALETTE, float(factors["skin_tone"]))


def hair_color(factors: dict) -> Color:
    """Hair RGB (0-255 floats): lightness palette, red tint, then greying.  Introduced in chapter 1."""
    light = float(factors["hair_lightness"])
    c = _palette(_HAIR_PALETTE, light)
    c = _mix(c, _scale((168.0, 74.0, 34.0), 0.7 + 0.5 * light), 0.8 * float(factors["hair_redness"]))
    return _mix(c, (196, 194, 192), float(factors["hair_grey"]))
