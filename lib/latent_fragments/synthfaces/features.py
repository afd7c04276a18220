"""Facial features of synthfaces: ears, eyes, brows, nose, mouth, beard and glasses.

Introduced in chapter 1.  Each ``_draw_*`` function adds its shapes to a :class:`_Painter` in
face-local coordinates of the face's :class:`_Layout`; soft shadows and highlights go to the
soft masks.
"""
from __future__ import annotations

import math

from .colors import _FRAME_RGB, _IRIS_RGB, Color, _mix, _rgb, _scale
from .geometry import _band, _ellipse, _flat, _lin, _trig
from .layout import _Layout
from .painter import _GLOW, _SHADOW, _Painter
from .textures import _DetailNoise


def _draw_ears(p: _Painter, lay: _Layout, skin: Color) -> None:
    """Both ears, unless long hair or a bob hides them.  Introduced in chapter 1."""
    if lay.style in ("long", "fringe"):
        return
    ear_h, ear_cy, yaw = lay.ear_h, lay.ear_y, lay.yaw
    skin_i, ear_line = _rgb(skin), _rgb(_scale(skin, 0.72))
    for side in (-1, 1):
        far = side * yaw > 0
        w = 0.42 * ear_h * ((0.55 - 0.3 * abs(yaw)) if far else 1.0)
        ex = lay.outline.x_at(ear_cy, side) + side * 0.55 * w
        c, s = _trig(18, 0.0, round(2 * math.pi, 3))
        bend = side * 0.25 * w
        p.shape(_flat([ex + w * cv + bend * sv * sv for cv, sv in zip(c, s)],
                      [ear_cy + 0.5 * ear_h * sv for sv in s]), skin_i, hair=0)
        t0 = -0.45 * math.pi if side > 0 else 0.45 * math.pi
        p.line(_ellipse(ex + side * 0.05 * w, ear_cy, 0.45 * w, 0.32 * ear_h, 10, t0, t0 + math.pi),
               ear_line, p.px(0.011))


def _draw_beard(p: _Painter, f: dict, lay: _Layout, skin: Color, hair: Color) -> None:
    """Stubble or a beard (``beard`` > 0): jaw and chin below a cheek line, moustache included.

    Introduced in chapter 1.
    """
    amount = float(f["beard"])
    if amount <= 0:
        return
    a, b, mw, mouth_dx, nose_w = lay.a, lay.b, lay.mouth_w, lay.mouth_dx, lay.nose_w
    nose_tip, mouth_y = lay.nose_tip, lay.mouth_y
    top_y = lay.eye_y + 0.35 * (nose_tip - lay.eye_y)
    xs, ys = lay.outline.lower(top_y)
    grow, kx = 1.0 + 0.06 * amount, 1.0 + 0.03 * amount
    xs = [x * kx for x in xs]
    ys = [y * grow + 0.04 * b * amount if y > 0.5 * b else y for y in ys]
    cheek = [-0.86 * a, top_y + 0.05 * b,
             mouth_dx - mw - 0.1 * a, mouth_y - 0.12 * b,
             mouth_dx - 0.55 * nose_w, nose_tip + 0.035 * b,
             mouth_dx + 0.55 * nose_w, nose_tip + 0.035 * b,
             mouth_dx + mw + 0.1 * a, mouth_y - 0.12 * b,
             0.86 * a, top_y + 0.05 * b]
    col = _mix(skin, _scale(hair, 0.85), 0.35 + 0.65 * min(1.0, amount * 1.4))
    p.shape(_flat(xs, ys) + cheek, _rgb(col), hair=int(90 + 140 * amount))


def _draw_nose(p: _Painter, f: dict, lay: _Layout, skin: Color) -> None:
    """Nose from shading (side and underside shadow, bridge and tip highlight), wings and
    nostrils; nasolabial folds, deeper with age and smile.  Introduced in chapter 1."""
    big, away, eye_dx, tip = p.big, lay.away, lay.eye_dx, lay.nose_tip
    nose_dx, nw2, mouth_dx, mw = lay.nose_dx, lay.nose_w, lay.mouth_dx, lay.mouth_w
    fold = 0.25 + 0.5 * float(f["age"]) + 0.4 * max(float(f["smile"]), 0.0)
    top = lay.eye_y - 0.02 * big
    sx = away * 0.55 * nw2
    p.soft_line(_SHADOW, [0.15 * away * nw2 + eye_dx, top,
                          sx + nose_dx, tip - 0.3 * (tip - top),
                          1.45 * sx + nose_dx, tip,
                          0.6 * sx + nose_dx, tip + 0.012 * big], 235, 0.7 * nw2 / big)
    p.soft_oval(_SHADOW, nose_dx, tip + 0.03 * big, 0.95 * nw2, 0.02 * big, 240)
    p.soft_line(_GLOW, [-0.2 * away * nw2 + eye_dx, top + 0.03 * big,
                        -0.25 * away * nw2 + nose_dx, tip - 0.012 * big], 150, 0.3 * nw2 / big)
    p.soft_oval(_GLOW, nose_dx - 0.15 * away * nw2, tip - 0.006 * big, 0.35 * nw2, 0.012 * big, 200)
    wing, nostril = _rgb(_scale(skin, 0.74)), _rgb(_scale(skin, 0.4))
    fold_value = int(min(255, 150 * fold))
    for s in (-1, 1):
        t0 = 0.15 * math.pi if s > 0 else 0.55 * math.pi
        p.line(_ellipse(nose_dx + s * 0.72 * nw2, tip + 0.002 * big, 0.36 * nw2, 0.34 * nw2, 9,
                        t0, t0 + 1.3 * math.pi), wing, p.px(0.011))
        p.oval(nose_dx + s * 0.36 * nw2, tip + 0.013 * big, 0.22 * nw2, 0.13 * nw2, nostril)
        p.soft_line(_SHADOW, [nose_dx + s * 1.05 * nw2, tip - 0.004 * big,
                              mouth_dx + s * (mw + 0.012 * big), lay.mouth_y + 0.01 * big],
                    fold_value, 0.012)
    p.line(_flat([nose_dx + k * nw2 for k in (-0.35, -0.17, 0.0, 0.17, 0.35)],
                 [tip + 0.02 * big - 0.006 * big * math.cos(t) for t in (-1.2, -0.6, 0, 0.6, 1.2)]),
           _rgb(_scale(skin, 0.8)), p.px(0.008))


_MOUTH_U = _lin(-1.0, 1.0, 15)
_MOUTH_BOW = [1.0 - 0.35 * math.exp(-(u / 0.18) ** 2) for u in _MOUTH_U]


def _draw_mouth(p: _Painter, f: dict, lay: _Layout, skin: Color) -> None:
    """Lips (upper with a cupid's bow, lower fuller), smile curvature, opening with teeth.

    Introduced in chapter 1.
    """
    big, mx, my, mw = p.big, lay.mouth_dx, lay.mouth_y, lay.mouth_w
    smile, opening, male = float(f["smile"]), float(f["mouth_open"]), int(f["sex"])
    curve = smile * 0.28 * mw                      # the corners rise by this much
    u = _MOUTH_U
    x = [mx + mw * v for v in u]
    line = [my - curve * v * v + 0.15 * curve for v in u]
    t_up = (0.14 + 0.05 * (1 - male)) * mw
    t_lo = (0.22 + 0.07 * (1 - male)) * mw
    gap = opening * 0.42 * mw
    w = [1.0 - v * v for v in u]
    upper = [y - t_up * k ** 0.6 * bow for y, k, bow in zip(line, w, _MOUTH_BOW)]
    lower = [y + gap * k ** 0.8 + t_lo * k ** 0.7 for y, k in zip(line, w)]
    lip = _mix(_mix(skin, (skin[0] * 0.95, skin[1] * 0.62, skin[2] * 0.62), 0.7),
               (178, 34, 58), 0.85 * float(f["lipstick"]))
    p.shape(_band(x, line, lower), _rgb(_scale(lip, 1.06)), hair=0)
    p.shape(_band(x, upper, line), _rgb(lip), hair=0)
    if gap > 0.02 * mw:
        xi, li, wi = x[2:-2], line[2:-2], w[2:-2]
        top = [y + 0.1 * gap * k for y, k in zip(li, wi)]
        bot = [y + gap * k ** 0.8 for y, k in zip(li, wi)]
        p.shape(_band(xi, top, bot), (70, 24, 28))
        p.shape(_band([0.92 * v + 0.08 * mx for v in xi], top,
                      [t + 0.5 * (q - t) for t, q in zip(top, bot)]), (236, 232, 222))
    p.line(_flat(x, [y + 0.05 * gap for y in line]), _rgb(_scale(lip, 0.55)), p.px(0.008))
    lip_bottom = lower[len(u) // 2]
    p.soft_oval(_SHADOW, mx, lip_bottom + 0.02 * big, 0.5 * mw, 0.012 * big, 150)
    p.soft_oval(_GLOW, mx, lip_bottom - 0.35 * t_lo, 0.3 * mw, 0.2 * t_lo, 110)


_EYE_U = _lin(-1.0, 1.0, 11)
_CIRCLES = {n: [(math.cos(t), math.sin(t)) for t in _lin(0.0, 2 * math.pi, n + 1)[:-1]]
            for n in (10, 12, 16)}


class _EyeOpening:
    """The almond opening of one eye: lid heights, and circles clipped to the opening.

    Introduced in chapter 1.
    """

    __slots__ = ("ex", "ey", "ew", "ew0", "hu", "hl", "tilt", "k_side")

    def __init__(self, side: int, ex: float, ey: float, ew: float, ew0: float,
                 squint: float) -> None:
        self.ex, self.ey, self.ew, self.ew0 = ex, ey, ew, ew0
        self.hu = ew0 * (0.66 - 0.3 * squint)
        self.hl = ew0 * (0.40 - 0.14 * squint)
        self.tilt = 0.06 * ew0 * side
        self.k_side = 0.25 * side

    def lids(self, u: float) -> tuple[float, float]:
        """Upper and lower lid heights at eye-relative x (u in [-1, 1])."""
        u = -1.0 if u < -1.0 else 1.0 if u > 1.0 else u
        bump = 1.0 - u * u
        return (self.ey - self.hu * bump * (1.0 - self.k_side * u) - self.tilt * u,
                self.ey + self.hl * bump ** 0.9 - self.tilt * u)

    def ring(self, ix: float, iy: float, r: float, n: int) -> list[float]:
        """Flat polygon of the circle (ix, iy, r) with ``n`` points, clipped to the opening."""
        ex, ey, ew, hu, hl, tilt, k_side = (self.ex, self.ey, self.ew, self.hu, self.hl,
                                            self.tilt, self.k_side)
        ring = []
        for c, s in _CIRCLES[n]:
            px, py = ix + r * c, iy + r * s
            v = (px - ex) / ew                      # lids(v), inlined
            v = -1.0 if v < -1.0 else 1.0 if v > 1.0 else v
            bump = 1.0 - v * v
            top = ey - hu * bump * (1.0 - k_side * v) - tilt * v
            if py < top:
                py = top
            else:
                bottom = ey + hl * bump ** 0.9 - tilt * v
                if py > bottom:
                    py = bottom
            ring += (px, py)
        return ring


def _draw_iris(p: _Painter, eye: _EyeOpening, iris: Color, yaw: float) -> tuple[float, float, float]:
    """Iris, its darker inner ring and the pupil, clipped to the opening; returns the iris
    centre and radius.  Introduced in chapter 1."""
    ex, ey, ew, ew0 = eye.ex, eye.ey, eye.ew, eye.ew0
    ir = 0.48 * ew0
    ix, iy = ex + 0.2 * yaw * ew, ey + 0.05 * ew0
    centre_top, centre_bottom = eye.lids((ix - ex) / ew)
    for r, col, n in ((ir, iris, 16), (0.62 * ir, _scale(iris, 0.72), 12),
                      (0.42 * ir, (14, 12, 12), 10)):
        if n < 16 and centre_top + 0.15 * r < iy - r and iy + r < centre_bottom - 0.15 * r:
            p.oval(ix, iy, r, r, _rgb(col))         # well inside the opening: no clipping
        else:
            p.shape(eye.ring(ix, iy, r, n), _rgb(col))
    return ix, iy, ir


def _draw_eye(p: _Painter, f: dict, lay: _Layout, skin: Color, side: int, ex: float,
              ew: float) -> None:
    """One eye: almond opening; iris and pupil; catch-light towards the light; lash line, lower
    lid, crease; socket shade and the upper lid's shadow on the eyeball.  Introduced in chapter 1."""
    squint, male, ey, ew0 = float(f["eye_squint"]), int(f["sex"]), lay.eye_y, lay.eye_w
    eye = _EyeOpening(side, ex, ey, ew, ew0, squint)
    u = _EYE_U
    x = [ex + ew * v for v in u]
    up, lo = zip(*(eye.lids(v) for v in u))
    up, lo = list(up), list(lo)
    p.shape(_band(x, up, lo), (238, 233, 228))
    ix, iy, ir = _draw_iris(p, eye, _IRIS_RGB[int(f["iris_color"])], float(f["yaw"]))
    gx, gy = ix + 0.35 * ir * lay.lx, iy - 0.35 * ir * lay.ly - 0.1 * ir
    top, bottom = eye.lids((gx - ex) / ew)
    if top < gy < bottom:
        p.oval(gx, gy, 0.2 * ir, 0.2 * ir, (250, 250, 250))
    p.line(_flat(x, up), (34, 24, 22), p.px(0.012 + 0.006 * (1 - male)))
    p.line(_flat(x[2:-1], lo[2:-1]), _rgb(_scale(skin, 0.72)), p.px(0.006))
    crease = [y - (0.3 + 0.1 * squint) * ew0 * (1 - 0.5 * v * v) for y, v in zip(up, u)]
    p.line(_flat(x[2:-2], crease[2:-2]), _rgb(_scale(skin, 0.84)), p.px(0.006))
    p.soft_oval(_SHADOW, ex - side * 0.2 * ew, ey - 0.4 * ew0, 1.05 * ew, 0.6 * ew0, 110)
    p.soft_line(_SHADOW, _flat(x, [y + 0.12 * ew0 for y in up]), 170, 0.2 * ew0 / p.big)


_BROW_U = _lin(0.0, 1.0, 9)                        # 0 = inner end, 1 = outer end
_BROW_ARCH = [math.sin(math.pi * u ** 0.8) for u in _BROW_U]
_BROW_TAPER = [(1.0 - 0.55 * u ** 1.5) * (0.8 + 0.4 * math.sqrt(u + 0.05)) for u in _BROW_U]


def _draw_brow(p: _Painter, f: dict, lay: _Layout, side: int, ex: float, ew: float,
               col: Color) -> None:
    """A tapered, arched eyebrow; thickness and tilt from the factors.  Introduced in chapter 1."""
    thick, tilt, ew0 = float(f["brow_thickness"]), float(f["brow_tilt"]), lay.eye_w
    x_in, x_out = ex - side * 0.95 * ew, ex + side * 1.2 * ew
    base = lay.eye_y - ew0 * (1.2 - 0.15 * float(f["eye_squint"]))
    x = [x_in + (x_out - x_in) * u for u in _BROW_U]
    y = [base - 0.3 * ew0 * arch - tilt * 0.3 * ew0 * (1 - 2 * u)
         for u, arch in zip(_BROW_U, _BROW_ARCH)]
    th = ew0 * (0.09 + 0.18 * thick)
    p.shape(_band(x, [v - th * k for v, k in zip(y, _BROW_TAPER)],
                  [v + th * k for v, k in zip(y, _BROW_TAPER)]), _rgb(col))


def _draw_eyes_and_brows(p: _Painter, f: dict, lay: _Layout, skin: Color,
                         hair: Color) -> list[tuple[int, float, float]]:
    """Both eyes, each with its brow (the far eye of a turned head is narrower); returns
    ``(side, x, half width)`` of each eye.  Introduced in chapter 1."""
    a, yaw, ew0 = lay.a, lay.yaw, lay.eye_w
    eye_sep = float(f["eye_spacing"]) * 2 * a
    brow_col = _mix(_mix(_scale(hair, 0.7), (40, 30, 25), 0.35 * float(f["hair_lightness"])),
                    (170, 168, 166), 0.6 * float(f["hair_grey"]))
    eyes = []
    for side in (-1, 1):
        far = side * yaw > 0
        ew = ew0 * (1.0 - 0.22 * abs(yaw)) if far else ew0
        ex = side * 0.5 * eye_sep + lay.eye_dx + (0.0 if far else side * 0.05 * abs(yaw) * a)
        eyes.append((side, ex, ew))
        _draw_eye(p, f, lay, skin, side, ex, ew)
        _draw_brow(p, f, lay, side, ex, ew, brow_col)
    return eyes


_LENS = [(math.copysign(abs(math.cos(t)) ** 0.7, math.cos(t)),
          math.copysign(abs(math.sin(t)) ** 0.8, math.sin(t))) for t in _lin(0, 2 * math.pi, 25)]


def _draw_glasses(p: _Painter, lay: _Layout, eyes: list[tuple[int, float, float]],
                  drng: _DetailNoise) -> None:
    """Rounded-rectangle lenses, bridge, temple arms, and a reflection on each lens.

    Introduced in chapter 1.
    """
    ey, ew, ear_y = lay.eye_y, lay.eye_w, lay.ear_y
    col = _rgb(_FRAME_RGB[drng.integers(len(_FRAME_RGB))])
    width = p.px(0.016)
    lens_w, lens_h = 1.38 * ew, 1.0 * ew
    inner = []
    for side, cx, _ in eyes:
        lens = [v for c, s in _LENS for v in (cx + lens_w * c, ey + 0.08 * ew + lens_h * s)]
        p.line(lens + lens[2:6], col, width, curve=True)
        inner.append((cx - side * lens_w, ey - 0.1 * ew))
        p.line([cx + side * lens_w, ey - 0.1 * ew, lay.outline.x_at(ear_y, side), ear_y - 0.3 * ew],
               col, width)
        p.soft_line(_GLOW, [cx - 0.5 * lens_w, ey + 0.5 * lens_h, cx + 0.3 * lens_w,
                            ey - 0.6 * lens_h], 120, 0.35 * lens_w / p.big)
    (x0, y0), (x1, y1) = inner
    p.line([x0, y0, 0.5 * (x0 + x1), ey - 0.3 * ew, x1, y1], col, width, curve=True)
