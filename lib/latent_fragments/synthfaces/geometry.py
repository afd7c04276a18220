"""Geometry of synthfaces: flat coordinate lists, curves, the head's frame and the face outline.

Introduced in chapter 1.  Shapes are flat coordinate lists ``[x0, y0, x1, y1, ...]`` in face-local
pixels of the supersampled canvas (origin at the face centre, y down), built with plain Python:
the curves have 5-40 points, where list arithmetic beats numpy's per-call overhead several times
over.  One numpy product per face then rolls and scales all of them (``_Painter.finish``).
"""
from __future__ import annotations

import bisect
import math
from functools import lru_cache

import numpy as np


def _lin(lo: float, hi: float, n: int) -> list[float]:
    """``n`` evenly spaced values from ``lo`` to ``hi``.  Introduced in chapter 1."""
    step = (hi - lo) / (n - 1)
    return [lo + i * step for i in range(n)]


def _flat(xs: list[float], ys: list[float]) -> list[float]:
    """Interleave x and y lists into a flat coordinate list.  Introduced in chapter 1."""
    out = [0.0] * (2 * len(xs))
    out[0::2] = xs
    out[1::2] = ys
    return out


def _band(xs: list[float], y_top: list[float], y_bottom: list[float]) -> list[float]:
    """Polygon between two curves over the same xs (top left to right, bottom back).

    Introduced in chapter 1.
    """
    return _flat(xs + xs[::-1], y_top + y_bottom[::-1])


@lru_cache(maxsize=256)
def _trig(n: int, t0: float, t1: float) -> tuple[list[float], list[float]]:
    """Cosines and sines of ``n`` angles from ``t0`` to ``t1`` (cached).  Introduced in chapter 1."""
    ts = _lin(t0, t1, n)
    return [math.cos(t) for t in ts], [math.sin(t) for t in ts]


def _ellipse(cx: float, cy: float, a: float, b: float, n: int = 24, t0: float = 0.0,
             t1: float = 2 * math.pi) -> list[float]:
    """``n`` points of an axis-aligned ellipse (or of its arc from ``t0`` to ``t1``).

    Introduced in chapter 1.
    """
    c, s = _trig(n, round(t0, 3), round(t1, 3))
    return _flat([cx + a * v for v in c], [cy + b * v for v in s])


class _Frame:
    """Face-local -> canvas mapping: roll the head about a pivot in the neck, then translate.

    Introduced in chapter 1.
    """

    __slots__ = ("c", "s", "m", "off")

    def __init__(self, fx: float, fy: float, pivot_dy: float, roll_deg: float) -> None:
        r = math.radians(roll_deg)
        c, s = math.cos(r), math.sin(r)
        self.c, self.s = c, s
        self.m = np.array(((c, -s), (s, c)))         # row-vector convention: p @ m + off
        self.off = (fx - pivot_dy * s, fy + pivot_dy - pivot_dy * c)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Canvas position of the face-local point (x, y)."""
        return (x * self.c + y * self.s + self.off[0], -x * self.s + y * self.c + self.off[1])

    def local(self, X: float, Y: float) -> tuple[float, float]:
        """Inverse of :meth:`point` (for shapes placed in canvas coordinates)."""
        X, Y = X - self.off[0], Y - self.off[1]
        return (X * self.c - Y * self.s, X * self.s + Y * self.c)


_OUTLINE_T = _lin(-0.5 * math.pi, 0.5 * math.pi, 24)     # crown (-pi/2) to chin (+pi/2)
_OUTLINE_C = [math.cos(t) for t in _OUTLINE_T]
_OUTLINE_S = [math.sin(t) for t in _OUTLINE_T]


class _Outline:
    """Face outline (face-local): elliptic skull, jaw from pointed (jaw=0) to square (jaw=1).

    Introduced in chapter 1.  Each side runs from the crown (y = -b) to the chin (y = +b) with y
    increasing, so it can be looked up by height; ``flat`` is the closed outline (right side down,
    left side up)."""

    def __init__(self, a: float, b: float, jaw: float, yaw: float) -> None:
        e = 2.0 / (2.0 + 1.8 * jaw)                 # super-ellipse exponent of the lower half
        taper = 0.30 - 0.16 * jaw
        xs, ys = [], []
        for c, s in zip(_OUTLINE_C, _OUTLINE_S):
            if s > 0:
                xs.append(a * c ** e * (1.0 - taper * s * s))
                ys.append(b * s ** e)
            else:
                xs.append(a * c)
                ys.append(b * s)
        shift = 0.05 * a * yaw
        kr, kl = 1.0 - 0.10 * yaw, 1.0 + 0.10 * yaw  # the far cheek narrows
        self.ys = ys
        self.xr = [x * kr + shift for x in xs]
        self.xl = [-x * kl + shift for x in xs]
        self.flat = _flat(self.xr + self.xl[-2:0:-1], ys + ys[-2:0:-1])

    def x_at(self, y: float, side: int) -> float:
        """x of the outline at height y on one side (side=-1 image left, +1 image right)."""
        ys, xs = self.ys, (self.xr if side > 0 else self.xl)
        if y <= ys[0]:
            return xs[0]
        if y >= ys[-1]:
            return xs[-1]
        j = bisect.bisect_right(ys, y)
        w = (y - ys[j - 1]) / (ys[j] - ys[j - 1])
        return xs[j - 1] + (xs[j] - xs[j - 1]) * w

    def edge(self, y0: float, y1: float, side: int, inset: float, n: int = 5) -> list[float]:
        """Flat points along one side between heights y0 and y1, moved ``inset`` inwards."""
        ys = _lin(y0, y1, n)
        return _flat([self.x_at(y, side) - side * inset for y in ys], ys)

    def lower(self, y0: float) -> tuple[list[float], list[float]]:
        """The outline below height y0: right side down to the chin, then the left side up."""
        j = bisect.bisect_right(self.ys, y0)
        ys = self.ys[j:]
        return self.xr[j:] + self.xl[j:][::-1], ys + ys[::-1]
