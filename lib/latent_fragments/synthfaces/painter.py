"""The painter of synthfaces: a display list of one face's shapes, drawn with PIL in one go.

Introduced in chapter 1.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .geometry import _Frame
from .textures import _SUPERSAMPLE, _soft_size

_POLY, _LINE, _OVAL = 0, 1, 2          # display-list operations
_CANVAS, _SHADOW, _GLOW, _BLUSH = 0, 1, 2, 3  # display-list targets (the soft masks after canvas)


class _Painter:
    """A display list for one face, drawn by :meth:`finish`.

    Introduced in chapter 1.  Targets: the supersampled colour canvas (RGBX: the fourth band is
    coverage) together with the hair-texture mask (output size), and three small soft masks that
    are blurred later (shadow, highlight, blush).  Methods take flat face-local coordinates; all
    canvas coordinates, and all soft-mask coordinates, are rolled and scaled by one numpy product
    each.
    """

    def __init__(self, size: int, frame: _Frame) -> None:
        self.size = size
        self.big = size * _SUPERSAMPLE
        self.fr = frame
        self.soft_n = _soft_size(size)
        self._pts: tuple[list[float], list[float]] = ([], [])  # canvas, soft-mask coordinates
        self._ops: list[tuple] = []

    def _add(self, soft: bool, flat) -> tuple[int, int]:
        lst = self._pts[soft]
        i0 = len(lst)
        lst.extend(flat)
        return i0, len(lst)

    def px(self, frac: float) -> int:
        """A line width of ``frac`` of the canvas side, at least 1 pixel."""
        return max(1, int(round(frac * self.big)))

    def shape(self, flat: list[float], color: tuple, *, hair: int | None = None) -> None:
        """Filled polygon on the canvas; ``hair`` sets its value in the hair-texture mask
        (0 erases texture where, say, the face covers long hair)."""
        self._ops.append((_POLY, _CANVAS, self._add(False, flat), color + (255,), None, hair))

    def line(self, flat: list[float], color: tuple, width: int, curve: bool = False) -> None:
        """Polyline on the canvas (``curve``: rounded joints)."""
        self._ops.append((_LINE, _CANVAS, self._add(False, flat), color + (255,), width,
                          "curve" if curve else None))

    def oval(self, x: float, y: float, rx: float, ry: float, color: tuple) -> None:
        """Filled axis-aligned ellipse on the canvas."""
        self._ops.append((_OVAL, _CANVAS, self._add(False, (x, y)), color + (255,), rx, ry))

    def soft_shape(self, mask: int, flat: list[float], value: int) -> None:
        """Filled polygon of ``value`` in a soft mask."""
        self._ops.append((_POLY, mask, self._add(True, flat), value, None, None))

    def soft_drop(self, flat: list[float], dx: float, dy: float, value: int) -> None:
        """The shadow a shape casts: the shape moved by (dx, dy) minus the shape itself."""
        self.soft_shape(_SHADOW, [v + dx if i % 2 == 0 else v + dy for i, v in enumerate(flat)],
                        value)
        self.soft_shape(_SHADOW, flat, 0)

    def soft_line(self, mask: int, flat: list[float], value: int, width_frac: float) -> None:
        """Polyline of ``value`` in a soft mask, ``width_frac`` of the mask side wide."""
        w = max(1, int(round(width_frac * self.soft_n)))
        self._ops.append((_LINE, mask, self._add(True, flat), value, w, None))

    def soft_oval(self, mask: int, x: float, y: float, rx: float, ry: float, value: int) -> None:
        """Filled ellipse of ``value`` in a soft mask (radii in canvas pixels)."""
        self._ops.append((_OVAL, mask, self._add(True, (x, y)), value, rx, ry))

    def _transformed(self, soft: bool, scale: float) -> list[float]:
        lst = self._pts[soft]
        if not lst:
            return lst
        xy = np.array(lst).reshape(-1, 2) @ (self.fr.m * scale)
        xy += (self.fr.off[0] * scale, self.fr.off[1] * scale)
        return xy.ravel().tolist()

    def finish(self) -> dict[str, Image.Image]:
        """Draw the display list; return the canvas (RGBX), the hair-texture mask (None where
        no hair was drawn) and the shadow, glow and blush masks."""
        big, soft_n = self.big, self.soft_n
        k_soft, k_hair = soft_n / big, 1.0 / _SUPERSAMPLE
        flat_c = self._transformed(False, 1.0)
        flat_s = self._transformed(True, k_soft)
        canvas = Image.new("RGBX", (big, big), (0, 0, 0, 0))
        hair = Image.new("L", (self.size, self.size), 0)
        masks = [Image.new("L", (soft_n, soft_n), 0) for _ in range(3)]
        dc, dh = ImageDraw.Draw(canvas), ImageDraw.Draw(hair)
        ds = [None] + [ImageDraw.Draw(m) for m in masks]
        any_hair = False                    # erasing the empty hair mask is skipped
        for kind, target, (i0, i1), fill, extra, last in self._ops:
            if target == _CANVAS:
                if kind == _POLY:
                    xy = flat_c[i0:i1]
                    dc.polygon(xy, fill=fill)
                    if last is not None and (last or any_hair):
                        dh.polygon([v * k_hair for v in xy], fill=last)
                        any_hair = True
                elif kind == _LINE:
                    dc.line(flat_c[i0:i1], fill=fill, width=extra, joint=last)
                else:
                    x, y = flat_c[i0], flat_c[i0 + 1]
                    dc.ellipse((x - extra, y - last, x + extra, y + last), fill=fill)
            else:
                d = ds[target]
                if kind == _POLY:
                    d.polygon(flat_s[i0:i1], fill=fill)
                elif kind == _LINE:
                    d.line(flat_s[i0:i1], fill=fill, width=extra)
                else:
                    x, y = flat_s[i0], flat_s[i0 + 1]
                    rx, ry = extra * k_soft, last * k_soft
                    d.ellipse((x - rx, y - ry, x + rx, y + ry), fill=fill)
        return {"canvas": canvas, "hair": hair if any_hair else None, "shadow": masks[0],
                "glow": masks[1], "blush": masks[2]}
