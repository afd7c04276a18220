"""Synthfaces: the procedural face renderer that is the book's default data set (chapter 1).

No face photographs can be downloaded where the book is built, so chapter 1 introduces
*synthfaces*: soft-shaded cartoon portraits, 96x96 RGB by default, drawn from a table of factors
of variation.  Each face is a head-and-shoulders portrait roughly centred in the frame, the head
(crown to chin) filling about 55-70 % of the image height, like an aligned CelebA crop.

What is drawn, back to front: a two-colour gradient background with the sitter's soft drop shadow;
shoulders in a coloured shirt; long hair behind the head; neck, ears and the face outline (its jaw
shape varies); a beard or stubble; almond eyes with white, iris, pupil, eyelids and a catch-light;
eyebrows; a nose made of shading, nostrils and wings; lips that smile, frown or open; the front hair
(bald, short, long, fringe or curly) with strand texture; glasses.  Shapes are drawn at
``_SUPERSAMPLE`` times the output size and box-filtered down (anti-aliasing).  Light comes from a
per-face direction: the head is shaded as an ellipsoid, the neck and shoulders as a cylinder, and
soft shadows (under the hair, nose, lip and chin, in the eye sockets, folds beside the mouth),
highlights (forehead, nose, cheek, hair sheen, glasses) and cheek blush are drawn as blurred masks.
A little skin blotching and film grain is added.

Every face is a deterministic function of ``(seed, index)``: :func:`sample_factors` draws the
factors of face ``index`` from ``np.random.default_rng([seed, index])``, so face *i* is the same
whichever batch renders it, and :func:`render_face` is a pure function of the factor dict.

Factor table (:data:`FACTOR_COLUMNS`; ranges in :data:`FACTOR_RANGES`).  Lengths are fractions of
the image side, angles are degrees, amounts are in [0, 1], signed amounts in [-1, 1]:

====================  =========================================================================
``sex``               hidden binary latent (0/1; 1 = "male": wider face and jaw, thicker brows,
                      shorter hair, beards, no lipstick, baldness with age).  Ground truth for
                      later chapters; never drawn directly.
``age``               [0, 1]; greys hair, raises the odds of baldness and glasses, deepens folds.
``face_x, face_y``    offset of the face centre from the image centre, fraction of image side.
``face_width``        cheek-to-cheek width, fraction of image width [0.36, 0.50].
``face_height``       crown-to-chin height, fraction of image height [0.54, 0.68].
``jaw_width``         [0, 1]: 0 = narrow, pointed chin; 1 = broad, square jaw.
``skin_tone``         [0, 1]: 0 = very light, 1 = very dark.
``hair_style``        int, index into :data:`HAIR_STYLES` ("bald", "short", "long", "fringe", "curly").
``hair_lightness``    [0, 1]: 0 = black, 1 = blond (correlated with skin tone).
``hair_redness``      [0, 1]: copper/red tint of the hair (rare on dark skin).
``hair_grey``         [0, 1]: greying of hair and brows (driven by age).
``hair_volume``       [0, 1]: how far the hair stands off the skull.
``eye_y``             eye line below the face centre, fraction of image height [-0.03, 0.06].
``eye_spacing``       distance between the eye centres, fraction of the *face width* [0.36, 0.50].
``eye_size``          half-width of an eye opening, fraction of image width [0.036, 0.058].
``eye_squint``        [0, 1]: narrows the eye opening (correlated with smile).
``iris_color``        int, index into :data:`IRIS_COLORS` (mostly brown on darker skin).
``brow_thickness``    [0, 1].
``brow_tilt``         [-1, 1]: +1 = inner ends raised (worried), -1 = inner ends lowered (stern).
``nose_length``       eye line to nose tip, fraction of image height [0.08, 0.15].
``nose_width``        nostril-wing span, fraction of image width [0.05, 0.095].
``mouth_width``       corner to corner, fraction of image width [0.12, 0.23].
``smile``             [-1, 1]: mouth curvature, -1 = frown, +1 = broad smile.
``mouth_open``        [0, 1]: opening of the lips, showing teeth (only with a smile).
``lipstick``          [0, 1]: red lip colour (only when ``sex`` = 0).
``blush``             [0, 1]: cheek blush strength.
``ear_size``          ear height, fraction of image height [0.07, 0.12].
``roll``              head roll in degrees [-14, 14], positive = counter-clockwise on screen.
``yaw``               [-1, 1]: small head turn; features slide sideways (+ = towards image right),
                      the far cheek narrows and the shading becomes asymmetric.
``light_angle``       direction the light comes from, degrees [0, 360), 0 = image right,
                      90 = above.
``light_strength``    [0, 1]: share of directional versus ambient light.
``glasses``           int 0/1 (more likely with age).
``beard``             [0, 1]: 0 = clean-shaven, small = stubble, 1 = full beard (only ``sex`` = 1).
``bg_hue``            [0, 1) background hue;  ``bg_saturation``, ``bg_lightness`` in [0, 1].
``bg_gradient``       [-1, 1]: strength and sign of the background's vertical gradient.
``shirt_hue``         [0, 1);  ``shirt_lightness`` in [0, 1].
``detail_seed``       int in [0, 2**31): places texture (grain, blotches, hair strands, fringe
                      jags); not a factor of variation worth modelling.
====================  =========================================================================

Example::

    images, table = render_batch(range(16), seed=0)   # (16, 96, 96, 3) uint8, 16-row DataFrame
"""
from __future__ import annotations

import colorsys
import math
from functools import lru_cache
from typing import Iterable

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFilter

HAIR_STYLES: tuple[str, ...] = ("bald", "short", "long", "fringe", "curly")
"""``hair_style`` codes: index -> name."""

IRIS_COLORS: tuple[str, ...] = ("brown", "hazel", "green", "blue", "grey")
"""``iris_color`` codes: index -> name."""

FACTOR_RANGES: dict[str, tuple[float, float]] = {
    "sex": (0, 1),
    "age": (0.0, 1.0),
    "face_x": (-0.04, 0.04),
    "face_y": (-0.03, 0.03),
    "face_width": (0.36, 0.50),
    "face_height": (0.54, 0.68),
    "jaw_width": (0.0, 1.0),
    "skin_tone": (0.0, 1.0),
    "hair_style": (0, len(HAIR_STYLES) - 1),
    "hair_lightness": (0.0, 1.0),
    "hair_redness": (0.0, 1.0),
    "hair_grey": (0.0, 1.0),
    "hair_volume": (0.0, 1.0),
    "eye_y": (-0.03, 0.06),
    "eye_spacing": (0.36, 0.50),
    "eye_size": (0.036, 0.058),
    "eye_squint": (0.0, 1.0),
    "iris_color": (0, len(IRIS_COLORS) - 1),
    "brow_thickness": (0.0, 1.0),
    "brow_tilt": (-1.0, 1.0),
    "nose_length": (0.08, 0.15),
    "nose_width": (0.05, 0.095),
    "mouth_width": (0.12, 0.23),
    "smile": (-1.0, 1.0),
    "mouth_open": (0.0, 1.0),
    "lipstick": (0.0, 1.0),
    "blush": (0.0, 1.0),
    "ear_size": (0.07, 0.12),
    "roll": (-14.0, 14.0),
    "yaw": (-1.0, 1.0),
    "light_angle": (0.0, 360.0),
    "light_strength": (0.0, 1.0),
    "glasses": (0, 1),
    "beard": (0.0, 1.0),
    "bg_hue": (0.0, 1.0),
    "bg_saturation": (0.0, 1.0),
    "bg_lightness": (0.0, 1.0),
    "bg_gradient": (-1.0, 1.0),
    "shirt_hue": (0.0, 1.0),
    "shirt_lightness": (0.0, 1.0),
    "detail_seed": (0, 2**31 - 1),
}
"""Closed range ``(low, high)`` of every factor (``light_angle``, ``bg_hue``, ``shirt_hue`` are
half-open: the high end is excluded)."""

FACTOR_COLUMNS: tuple[str, ...] = tuple(FACTOR_RANGES)
"""Columns of the factor table, in order (see the module docstring for units)."""

INTEGER_FACTORS: frozenset[str] = frozenset(
    {"sex", "hair_style", "iris_color", "glasses", "detail_seed"})
"""Factors stored as Python ``int``; all others are ``float``."""

_SUPERSAMPLE = 2  # shapes are drawn at this multiple of the output size, then box-filtered down
_SOFT_DIVISOR = 2  # soft masks (shadow, highlight, blush) are drawn at size // _SOFT_DIVISOR


# --------------------------------------------------------------------------------------------
# Factor sampling
# --------------------------------------------------------------------------------------------

def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _choice(u: float, probs: Iterable[float]) -> int:
    """Index chosen by the uniform ``u`` from (unnormalised) ``probs``."""
    probs = list(probs)
    acc, target = 0.0, u * sum(probs)
    for i, p in enumerate(probs):
        acc += p
        if target < acc:
            return i
    return len(probs) - 1


def sample_factors(index: int, seed: int) -> dict[str, float | int]:
    """Factors of face number ``index`` of the data set ``seed`` (both non-negative ints).

    Drawn from ``np.random.default_rng([seed, index])``, so the face does not depend on which
    other faces are rendered with it.  Keys are :data:`FACTOR_COLUMNS`.
    """
    rng = np.random.default_rng([int(seed), int(index)])
    u = rng.random(24).tolist()      # uniforms, used in a fixed order
    n = rng.standard_normal(30).tolist()  # standard normals, used in a fixed order
    male = int(u[0] < 0.5)
    age = float(rng.beta(1.6, 2.2))
    skin = _clip(float(rng.beta(1.5, 2.0)), 0.0, 1.0)

    # hair style: short hair, baldness with age for the male latent; long hair and fringes else
    if male:
        probs = (0.02 + 0.45 * age**2, 0.52, 0.05, 0.10, 0.16)
    else:
        probs = (0.005, 0.14, 0.44, 0.27, 0.15)
    hair_style = _choice(u[1], probs)
    hair_lightness = _clip(0.42 - 0.45 * skin + 0.22 * n[0], 0.0, 1.0)
    hair_redness = _clip(u[2] ** 3 * (1.0 - skin) * 1.3, 0.0, 1.0)
    hair_grey = _clip(2.4 * (age - 0.55) + 0.12 * n[1], 0.0, 1.0)

    smile = _clip(0.3 + 0.45 * n[2], -1.0, 1.0)
    p_brown = 0.3 + 0.7 * skin
    iris = _choice(u[3], (p_brown, *(q * (1.0 - p_brown) for q in (0.25, 0.2, 0.35, 0.2))))
    beard = (0.12 + 0.88 * u[5]) if (male and u[4] < 0.5) else 0.0
    lipstick = (0.3 + 0.7 * u[7]) if (not male and u[6] < 0.45) else 0.0

    f: dict[str, float | int] = {
        "sex": male,
        "age": age,
        "face_x": _clip(0.014 * n[3], -0.04, 0.04),
        "face_y": _clip(0.010 * n[4], -0.03, 0.03),
        "face_width": _clip(0.44 + 0.02 * male + 0.022 * n[5], 0.36, 0.50),
        "face_height": _clip(0.615 + 0.012 * male + 0.022 * n[6], 0.54, 0.68),
        "jaw_width": _clip(0.32 + 0.33 * male + 0.16 * n[7], 0.0, 1.0),
        "skin_tone": skin,
        "hair_style": hair_style,
        "hair_lightness": hair_lightness,
        "hair_redness": hair_redness,
        "hair_grey": hair_grey,
        "hair_volume": float(u[8]),
        "eye_y": _clip(0.012 + 0.013 * n[8], -0.03, 0.06),
        "eye_spacing": _clip(0.43 + 0.025 * n[9], 0.36, 0.50),
        "eye_size": _clip(0.047 - 0.002 * male + 0.0035 * n[10], 0.036, 0.058),
        "eye_squint": _clip(0.12 + 0.5 * max(smile, 0.0) + 0.12 * n[11], 0.0, 1.0),
        "iris_color": iris,
        "brow_thickness": _clip(0.35 + 0.3 * male + 0.17 * n[12], 0.0, 1.0),
        "brow_tilt": _clip(0.35 * n[13], -1.0, 1.0),
        "nose_length": _clip(0.112 + 0.006 * male + 0.01 * n[14], 0.08, 0.15),
        "nose_width": _clip(0.068 + 0.006 * male + 0.007 * n[15], 0.05, 0.095),
        "mouth_width": _clip(0.165 + 0.03 * max(smile, 0.0) + 0.016 * n[16], 0.12, 0.23),
        "smile": smile,
        "mouth_open": _clip(1.6 * u[9] * max(smile - 0.35, 0.0), 0.0, 1.0),
        "lipstick": lipstick,
        "blush": _clip(u[10] * (0.75 - 0.45 * male), 0.0, 1.0),
        "ear_size": _clip(0.092 + 0.004 * male + 0.009 * n[17], 0.07, 0.12),
        "roll": _clip(5.0 * n[18], -14.0, 14.0),
        "yaw": _clip(0.35 * n[19], -1.0, 1.0),
        "light_angle": (90.0 + 55.0 * n[20]) % 360.0,
        "light_strength": 0.35 + 0.6 * u[11],
        "glasses": int(u[12] < 0.08 + 0.35 * age),
        "beard": beard,
        "bg_hue": float(u[13]),
        "bg_saturation": 0.05 + 0.5 * u[14],
        "bg_lightness": 0.25 + 0.7 * u[15],
        "bg_gradient": 2.0 * u[16] - 1.0,
        "shirt_hue": float(u[17]),
        "shirt_lightness": 0.15 + 0.75 * u[18],
        "detail_seed": int(u[19] * (2**31 - 1)),
    }
    return f


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------

_SKIN_PALETTE = np.array([(255, 228, 208), (240, 196, 164), (222, 168, 128), (188, 130, 92),
                          (140, 92, 62), (96, 60, 42)], dtype=float)
_HAIR_PALETTE = np.array([(24, 20, 19), (52, 36, 26), (96, 64, 40), (146, 104, 62),
                          (196, 158, 98), (230, 206, 146)], dtype=float)
_IRIS_RGB = {0: (92, 56, 32), 1: (128, 96, 48), 2: (84, 122, 74), 3: (74, 124, 184),
             4: (122, 134, 146)}
_FRAME_RGB = ((28, 26, 26), (96, 60, 34), (150, 150, 156), (120, 28, 36))


def _palette(pal: np.ndarray, t: float) -> np.ndarray:
    x = _clip(t, 0.0, 1.0) * (len(pal) - 1)
    i = min(int(x), len(pal) - 2)
    return pal[i] + (pal[i + 1] - pal[i]) * (x - i)


def _mix(a, b, t: float) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return a + (np.asarray(b, dtype=float) - a) * t


def _rgb(c) -> tuple[int, int, int]:
    return (int(_clip(c[0], 0, 255)), int(_clip(c[1], 0, 255)), int(_clip(c[2], 0, 255)))


def skin_color(factors: dict) -> np.ndarray:
    """Base skin RGB (0-255 floats) of a factor dict."""
    return _palette(_SKIN_PALETTE, float(factors["skin_tone"]))


def hair_color(factors: dict) -> np.ndarray:
    """Hair RGB (0-255 floats): lightness palette, red tint, then greying."""
    light = float(factors["hair_lightness"])
    c = _palette(_HAIR_PALETTE, light)
    c = _mix(c, np.array((168.0, 74.0, 34.0)) * (0.7 + 0.5 * light), 0.8 * float(factors["hair_redness"]))
    return _mix(c, (196, 194, 192), float(factors["hair_grey"]))


# --------------------------------------------------------------------------------------------
# Module-level precomputation (per output size)
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _grids(size: int) -> dict[str, np.ndarray]:
    """Coordinate grids and fixed texture tiles for an output size (computed once per size)."""
    rng = np.random.default_rng(20240611)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    tile = 2 * size
    grain = rng.standard_normal((tile, tile)).astype(np.float32)
    # skin blotches: coarse noise upsampled smoothly
    coarse = (rng.random((tile // 8, tile // 8)) * 255).astype(np.uint8)
    blot = np.asarray(Image.fromarray(coarse).resize((tile, tile), Image.BICUBIC), np.float32)
    blot = (blot - blot.mean()) / (blot.std() + 1e-6)
    # curls: noise blurred into blobs of about 1.5 px
    curl_src = Image.fromarray((rng.random((tile, tile)) * 255).astype(np.uint8))
    curl = np.asarray(curl_src.filter(ImageFilter.GaussianBlur(1.0)), np.float32)
    curl = (curl - curl.mean()) / (curl.std() + 1e-6)
    # hair strands: 1-D noise indexed by the angle about a point above the head (radial streaks)
    n_ang = 4 * size * 3
    ang = np.arctan2(y - 0.12 * size, x - 0.5 * size)
    ang_idx = ((ang + math.pi) / (2 * math.pi) * (n_ang - 1)).astype(np.intp)
    strands = rng.standard_normal(n_ang + _STRAND_SHIFTS)
    strands = np.convolve(strands, [0.25, 0.5, 0.25], mode="same")
    strands = ((strands - strands.mean()) / strands.std()).astype(np.float32)
    return {"xs": x[:1, :], "ys": y[:, :1], "ramp": (y[:, :1] / size)[None],
            "grain": 0.012 * 255 * grain, "blot": 0.035 * blot, "curl": (0.16 / 255) * curl,
            "strands": (0.16 / 255) * strands, "ang_idx": ang_idx}


_STRAND_SHIFTS = 4096
_UNITS: dict[int, np.ndarray] = {}


def _unit(n: int) -> np.ndarray:
    """``np.linspace(0, 1, n)``, cached (linspace itself is slow for tiny arrays)."""
    u = _UNITS.get(n)
    if u is None:
        u = _UNITS[n] = np.linspace(0.0, 1.0, n)
    return u


def _span(lo: float, hi: float, n: int) -> np.ndarray:
    return lo + (hi - lo) * _unit(n)


def _xy(x, y) -> np.ndarray:
    """Stack coordinate arrays (or scalars) into an (n, 2) point array."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out = np.empty((max(x.size, y.size), 2))
    out[:, 0] = x
    out[:, 1] = y
    return out


def _ellipse(cx: float, cy: float, a: float, b: float, n: int = 24, t0: float = 0.0,
             t1: float = 2 * math.pi) -> np.ndarray:
    t = _span(t0, t1, n)
    return _xy(cx + a * np.cos(t), cy + b * np.sin(t))


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------

class _Frame:
    """Maps face-local points (pixels, origin at the face centre, y down) to canvas pixels,
    rolling the head about a pivot in the neck."""

    __slots__ = ("c", "s", "m", "off")

    def __init__(self, fx: float, fy: float, pivot_dy: float, roll_deg: float) -> None:
        r = math.radians(roll_deg)
        c, s = math.cos(r), math.sin(r)
        self.c, self.s = c, s
        self.m = np.array(((c, -s), (s, c)))
        self.off = np.array((fx - pivot_dy * s, fy + pivot_dy - pivot_dy * c))

    def flat(self, pts: np.ndarray, scale: float = 1.0) -> list[float]:
        """Canvas coordinates (times ``scale``) as the flat list PIL wants."""
        out = pts @ self.m + self.off
        if scale != 1.0:
            out *= scale
        return out.ravel().tolist()

    def point(self, x: float, y: float) -> tuple[float, float]:
        ox, oy = self.off
        return (x * self.c + y * self.s + ox, -x * self.s + y * self.c + oy)


class _Outline:
    """Face outline (face-local): elliptic skull, jaw from pointed (jaw=0) to square (jaw=1)."""

    def __init__(self, a: float, b: float, jaw: float, yaw: float, n: int = 56) -> None:
        t = 2 * math.pi * _unit(n + 1)[:-1]
        c, s = np.cos(t), np.sin(t)
        e = 2.0 / (2.0 + 1.8 * jaw)                 # super-ellipse exponent of the lower half
        taper = 0.30 - 0.16 * jaw
        lower = s > 0
        sl = np.where(lower, s, 0.0)
        x = np.where(lower, a * np.sign(c) * np.abs(c) ** e * (1.0 - taper * sl * sl), a * c)
        y = np.where(lower, b * sl ** e, b * s)
        x = x * (1.0 - 0.10 * yaw * np.sign(x)) + 0.05 * a * yaw   # far cheek narrows
        self.pts = _xy(x, y)
        right = x > 0
        self._sides = {}
        for side, sel in ((1, right), (-1, ~right)):
            order = np.argsort(y[sel])
            self._sides[side] = (y[sel][order], x[sel][order])

    def x_at(self, y, side: int):
        """x of the outline at height(s) y on one side (side=-1 image left, +1 image right)."""
        ys, xs = self._sides[side]
        return np.interp(y, ys, xs)

    def edge(self, y0: float, y1: float, side: int, inset: float, n: int = 5) -> np.ndarray:
        """Points along one side of the face between heights y0 and y1, moved ``inset`` inwards."""
        ys = _span(y0, y1, n)
        return _xy(self.x_at(ys, side) - side * inset, ys)


class _Painter:
    """The drawing surfaces of one face: supersampled colour canvas and coverage (alpha), and the
    low-resolution masks that are blurred later (shadow, highlight, blush) or drive texture (hair).
    Every method takes face-local points and applies the frame's roll."""

    def __init__(self, size: int, frame: _Frame) -> None:
        self.big = size * _SUPERSAMPLE
        self.fr = frame
        self.soft_n = max(size // _SOFT_DIVISOR, 8)
        self.k_soft = self.soft_n / self.big
        self.k_hair = 1.0 / _SUPERSAMPLE
        self.canvas = Image.new("RGB", (self.big, self.big), (0, 0, 0))
        self.alpha = Image.new("L", (self.big, self.big), 0)
        self.hair = Image.new("L", (size, size), 0)
        self.soft = {k: Image.new("L", (self.soft_n, self.soft_n), 0)
                     for k in ("shadow", "glow", "blush")}
        self._dc = ImageDraw.Draw(self.canvas)
        self._da = ImageDraw.Draw(self.alpha)
        self._dh = ImageDraw.Draw(self.hair)
        self._ds = {k: ImageDraw.Draw(v) for k, v in self.soft.items()}

    def px(self, frac: float) -> int:
        """A line width of ``frac`` of the canvas side, at least 1 pixel."""
        return max(1, int(round(frac * self.big)))

    def shape(self, pts: np.ndarray, color, *, opaque: bool = True,
              hair: int | None = None) -> None:
        """Filled polygon on the canvas; ``opaque`` also marks it as figure in the alpha mask;
        ``hair`` sets its value in the hair-texture mask (0 erases hair texture there)."""
        flat = self.fr.flat(pts)
        self._dc.polygon(flat, fill=color)
        if opaque:
            self._da.polygon(flat, fill=255)
        if hair is not None:
            self._dh.polygon(self.fr.flat(pts, self.k_hair), fill=hair)

    def line(self, pts: np.ndarray, color, width: int, curve: bool = False) -> None:
        self._dc.line(self.fr.flat(pts), fill=color, width=width,
                      joint="curve" if curve else None)

    def disc(self, x: float, y: float, r: float, color) -> None:
        cx, cy = self.fr.point(x, y)
        self._dc.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)

    def oval(self, x: float, y: float, rx: float, ry: float, color) -> None:
        cx, cy = self.fr.point(x, y)
        self._dc.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=color)

    def soft_shape(self, mask: str, pts: np.ndarray, value: int) -> None:
        self._ds[mask].polygon(self.fr.flat(pts, self.k_soft), fill=value)

    def soft_line(self, mask: str, pts: np.ndarray, value: int, width_frac: float) -> None:
        w = max(1, int(round(width_frac * self.soft_n)))
        self._ds[mask].line(self.fr.flat(pts, self.k_soft), fill=value, width=w)

    def soft_oval(self, mask: str, x: float, y: float, rx: float, ry: float, value: int) -> None:
        cx, cy = self.fr.point(x, y)
        k = self.k_soft
        self._ds[mask].ellipse(((cx - rx) * k, (cy - ry) * k, (cx + rx) * k, (cy + ry) * k),
                               fill=value)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def render_face(factors: dict, size: int = 96) -> np.ndarray:
    """Render one face from a factor dict (see :func:`sample_factors`) as ``(size, size, 3)`` uint8."""
    f = factors
    big = size * _SUPERSAMPLE
    drng = np.random.default_rng(int(f["detail_seed"]))
    male, age, yaw = int(f["sex"]), float(f["age"]), float(f["yaw"])
    a = 0.5 * float(f["face_width"]) * big          # half width of the face
    b = 0.5 * float(f["face_height"]) * big         # half height, crown to chin
    fx = (0.5 + float(f["face_x"])) * big
    fy = (0.515 + float(f["face_y"])) * big
    fr = _Frame(fx, fy, 0.6 * b, float(f["roll"]))
    p = _Painter(size, fr)

    skin, hair = skin_color(f), hair_color(f)
    skin_i = _rgb(skin)
    style = HAIR_STYLES[int(f["hair_style"])]
    vol = float(f["hair_volume"])
    la = math.radians(float(f["light_angle"]))
    lx, ly = math.cos(la), math.sin(la)             # towards the light, image plane, y up
    away = -1.0 if lx > 0 else 1.0                  # side of the face turned from the light

    # key heights and offsets, face-local pixels
    eye_y = float(f["eye_y"]) * big
    nose_tip = eye_y + float(f["nose_length"]) * big
    chin = b
    mouth_y = nose_tip + 0.36 * (chin - nose_tip)
    eye_dx, nose_dx, mouth_dx = yaw * 0.16 * a, yaw * 0.28 * a, yaw * 0.18 * a
    outline = _Outline(a, b, float(f["jaw_width"]), yaw)

    # shoulders and shirt (they do not roll with the head)
    shirt = np.array(colorsys.hsv_to_rgb(float(f["shirt_hue"]), 0.12 + 0.4 * (1 - 0.5 * male),
                                         float(f["shirt_lightness"]))) * 255
    sh_cx = fx + 0.3 * (fr.point(0, b)[0] - fx)
    sh_top = fy + b + 0.075 * big
    box = (sh_cx - 0.5 * big, sh_top, sh_cx + 0.5 * big, sh_top + 0.55 * big)
    p._dc.ellipse(box, fill=_rgb(shirt))
    p._da.ellipse(box, fill=255)

    hair_front, hair_back = _hair_shapes(style, a, b, vol, eye_y, chin, outline, drng, age, male)
    if hair_back is not None:
        p.shape(hair_back, _rgb(hair * 0.78), hair=255)

    # neck: top rolls with the head, base stays on the shoulders
    nw = (0.56 + 0.10 * male) * a
    base_y = sh_top + 0.12 * big
    neck = np.array([fr.point(-nw, 0.2 * b), fr.point(nw, 0.2 * b),
                     (sh_cx + 1.1 * nw, base_y), (sh_cx + 0.3 * nw, base_y + 0.07 * big),
                     (sh_cx - 0.3 * nw, base_y + 0.07 * big), (sh_cx - 1.1 * nw, base_y)])
    neck_local = (neck - fr.off) @ fr.m.T           # back to face-local for the painter
    p.shape(neck_local, _rgb(skin * 0.94), hair=0)

    # ears
    ear_h = float(f["ear_size"]) * big
    ear_cy = eye_y + 0.45 * ear_h
    for side in (-1, 1):
        far = side * yaw > 0
        w = 0.42 * ear_h * ((0.55 - 0.3 * abs(yaw)) if far else 1.0)
        ex = float(outline.x_at(ear_cy, side)) + side * 0.55 * w
        ear = _ellipse(ex, ear_cy, w, 0.5 * ear_h, 18)
        ear[:, 0] += side * 0.25 * w * ((ear[:, 1] - ear_cy) / (0.5 * ear_h)) ** 2
        p.shape(ear, skin_i, hair=0)
        t0 = -0.45 * math.pi if side > 0 else 0.45 * math.pi
        p.line(_ellipse(ex + side * 0.05 * w, ear_cy, 0.45 * w, 0.32 * ear_h, 10, t0, t0 + math.pi),
               _rgb(skin * 0.72), p.px(0.011))
        p.soft_oval("shadow", ex, ear_cy, 0.45 * w, 0.3 * ear_h, 150)

    # face, and the head's shadow on the neck (outline pushed down, minus the face)
    p.shape(outline.pts, skin_i, hair=0)
    p.soft_shape("shadow", outline.pts + np.array((-0.12 * a * lx, 0.16 * b)), 235)
    p.soft_shape("shadow", outline.pts, 0)

    # modelling: forehead, cheek and chin highlights; blush; the folds beside the mouth
    p.soft_oval("glow", -away * 0.35 * a + eye_dx, -0.45 * b, 0.28 * a, 0.16 * b, 120)
    p.soft_oval("glow", -away * 0.5 * a + eye_dx, nose_tip - 0.02 * big, 0.16 * a, 0.1 * b, 90)
    p.soft_oval("glow", mouth_dx, 0.5 * (mouth_y + chin) + 0.04 * b, 0.16 * a, 0.07 * b, 80)
    for side in (-1, 1):
        p.soft_oval("blush", side * 0.56 * a + eye_dx, nose_tip - 0.01 * big, 0.2 * a, 0.13 * b, 255)

    # beard / stubble
    mw = 0.5 * float(f["mouth_width"]) * big
    nw2 = 0.5 * float(f["nose_width"]) * big
    beard = float(f["beard"])
    if beard > 0:
        col = _mix(skin, hair * 0.85, 0.35 + 0.65 * min(1.0, beard * 1.4))
        pts = _beard_shape(outline, a, b, beard, eye_y, nose_tip, mouth_y, mw, mouth_dx, nw2)
        p.shape(pts, _rgb(col), opaque=False, hair=int(90 + 140 * beard))

    _draw_nose(p, skin, eye_y, eye_dx, nose_tip, nose_dx, nw2, mouth_dx, mouth_y, mw, away,
               0.25 + 0.5 * age + 0.4 * max(float(f["smile"]), 0.0))
    _draw_mouth(p, f, skin, mouth_dx, mouth_y, mw)

    # eyes and brows
    ew0 = float(f["eye_size"]) * big
    eye_sep = float(f["eye_spacing"]) * 2 * a
    squint = float(f["eye_squint"])
    brow_col = _mix(_mix(hair * 0.7, (40, 30, 25), 0.35 * float(f["hair_lightness"])),
                    (170, 168, 166), 0.6 * float(f["hair_grey"]))
    eye_x = []
    for side in (-1, 1):
        far = side * yaw > 0
        ew = ew0 * (1.0 - 0.22 * abs(yaw) if far else 1.0)
        ex = side * 0.5 * eye_sep + eye_dx + (0.0 if far else side * 0.05 * abs(yaw) * a)
        eye_x.append(ex)
        _draw_eye(p, ex, eye_y, ew, ew0, side, squint, skin, _IRIS_RGB[int(f["iris_color"])],
                  lx, ly, yaw, male)
        _draw_brow(p, ex, eye_y, ew, ew0, side, f, brow_col, squint)

    # front hair, its shadow on the forehead (shape pushed down, minus itself), sheen
    for poly in hair_front:
        p.shape(poly, _rgb(hair), hair=255)
        p.soft_shape("shadow", poly + np.array((-0.04 * a * lx, 0.07 * b)), 210)
        p.soft_shape("shadow", poly, 0)
    if style != "bald":
        t0 = math.pi * (1.28 - 0.12 * lx)
        sheen = _ellipse(-0.2 * lx * a, -0.1 * b, 0.85 * a * (1 + 0.1 * vol),
                         0.9 * b * (1 + 0.08 * vol), 10, t0, t0 + 0.35 * math.pi)
        p.soft_line("glow", sheen, 110, 0.04)
    else:
        p.soft_oval("glow", 0.3 * lx * a, -0.8 * b, 0.35 * a, 0.12 * b, 150)

    if int(f["glasses"]):
        _draw_glasses(p, eye_x, eye_y, ew0, outline, ear_cy, drng)

    return _shade_and_compose(f, p, size, fx, fy, a, b, lx, ly, style)


def _hair_shapes(style: str, a: float, b: float, vol: float, eye_y: float, chin: float,
                 outline: _Outline, drng: np.random.Generator, age: float,
                 male: int) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Face-local polygons of the front hair (a list) and of the hair behind the head (or None)."""
    if style == "bald":
        if not (male and age > 0.45):
            return [], None
        patches = []                               # what is left around the ears
        for side in (-1, 1):
            outer = outline.edge(eye_y + 0.05 * b, -0.42 * b, side, -0.05 * a, 5)
            inner = outline.edge(-0.36 * b, eye_y + 0.05 * b, side, 0.07 * a, 5)
            patches.append(np.concatenate([outer, inner]))
        return patches, None

    curly = style == "curly"
    puff = 1.0 + (0.05 + 0.16 * vol) * (1.6 if curly else 1.0)
    top = b * (1.0 + (0.06 + 0.14 * vol) * (1.5 if curly else 1.0))
    n_arc = 40 if curly else 22
    t = _span(math.pi, 2 * math.pi, n_arc)        # left side, over the crown, to the right side
    ox, oy = a * puff * np.cos(t), top * np.sin(t)
    if curly:
        bump = 1.0 + 0.06 * np.abs(np.sin(t * 9 + drng.random() * 3))
        ox, oy = ox * bump, oy * bump
    arc = _xy(ox, oy)

    if style in ("short", "curly"):
        side_bottom = eye_y - 0.02 * b
        recess = (0.10 + 0.25 * age) * b if male else 0.04 * b
        hl_x = _span(0.82 * a, -0.82 * a, 9)
        rel = np.abs(hl_x) / a
        hl_y = -0.52 * b - recess * rel**2 + 0.05 * b * (1 - rel)
        if curly:
            hl_y = hl_y + 0.035 * b * np.abs(np.sin(hl_x / a * 7.0))
        front = np.concatenate([[(-a * puff, side_bottom)], arc, [(a * puff, side_bottom)],
                                outline.edge(side_bottom, hl_y[0], 1, 0.08 * a, 4),
                                _xy(hl_x, hl_y),
                                outline.edge(hl_y[-1], side_bottom, -1, 0.08 * a, 4)])
        return [front], None

    if style == "fringe":                          # bob with bangs down to the brows
        bottom = chin - 0.25 * b
        flare = puff * (1.0 + 0.06 * vol)
        bangs_y = eye_y - 0.36 * b
        n_j = 11
        jx = _span(0.9 * a, -0.9 * a, n_j)
        jy = (bangs_y + 0.05 * b * np.where(np.arange(n_j) % 2 == 0, 1.0, -0.3)
              + 0.03 * b * drng.standard_normal(n_j) + 0.08 * b * (np.abs(jx) / a) ** 2)
        front = np.concatenate([[(-a * flare, bottom)], arc,
                                [(a * flare, bottom), (0.85 * a, bottom + 0.04 * b)],
                                outline.edge(bottom, bangs_y + 0.1 * b, 1, 0.1 * a, 5),
                                _xy(jx, jy),
                                outline.edge(bangs_y + 0.1 * b, bottom, -1, 0.1 * a, 5),
                                [(-0.85 * a, bottom + 0.04 * b)]])
        return [front], None

    # long: a parting, two curtains framing the face, the mass falling behind the shoulders
    bottom = chin + 0.05 * b
    part = (drng.random() - 0.5) * 0.8 * a
    w = np.array([1.0, 0.8, 0.55, 0.28, 0.0])
    cy = np.array([-0.1, -0.45, -0.70, -0.86, -0.93]) * b
    front = np.concatenate([[(-a * puff * 1.08, bottom)], arc, [(a * puff * 1.08, bottom)],
                            outline.edge(bottom - 0.15 * b, -0.1 * b, 1, 0.12 * a, 5),
                            _xy(part + (0.85 * a - part) * w, cy),
                            _xy(part + (-0.85 * a - part) * w, cy)[::-1],
                            outline.edge(-0.1 * b, bottom - 0.15 * b, -1, 0.12 * a, 5)])
    length = chin + (0.35 + 0.35 * vol) * b
    spread = a * (1.22 + 0.2 * vol)
    tb = _span(0.0, math.pi, 9)
    back = np.concatenate([_ellipse(0.0, -0.1 * b, a * puff * 1.1, top * 1.02, 12, math.pi,
                                    2 * math.pi),
                           [(spread, 0.4 * b)],
                           _xy(spread * np.cos(tb) * (0.9 + 0.1 * np.sin(tb * 5)),
                               length + 0.1 * b * np.sin(tb) + 0.04 * b * drng.standard_normal(9)),
                           [(-spread, 0.4 * b)]])
    return [front], back


def _beard_shape(outline: _Outline, a: float, b: float, amount: float, eye_y: float,
                 nose_tip: float, mouth_y: float, mw: float, mouth_dx: float,
                 nose_w: float) -> np.ndarray:
    """Face-local beard polygon: jaw and chin below a cheek line, moustache included."""
    top_y = eye_y + 0.35 * (nose_tip - eye_y)
    pts = outline.pts
    lower = pts[pts[:, 1] > top_y]
    lower = lower[np.argsort(np.arctan2(lower[:, 1], lower[:, 0]))].copy()  # right, chin, left
    grow = 1.0 + 0.06 * amount
    lower[:, 1] = np.where(lower[:, 1] > 0.5 * b, lower[:, 1] * grow + 0.04 * b * amount,
                           lower[:, 1])
    lower[:, 0] *= 1.0 + 0.03 * amount
    cheek = np.array([(-0.86 * a, top_y + 0.05 * b),
                      (mouth_dx - mw - 0.1 * a, mouth_y - 0.12 * b),
                      (mouth_dx - 0.55 * nose_w, nose_tip + 0.035 * b),
                      (mouth_dx + 0.55 * nose_w, nose_tip + 0.035 * b),
                      (mouth_dx + mw + 0.1 * a, mouth_y - 0.12 * b),
                      (0.86 * a, top_y + 0.05 * b)])
    return np.concatenate([lower, cheek])


def _draw_nose(p: _Painter, skin: np.ndarray, eye_y: float, eye_dx: float, tip: float,
               nose_dx: float, nw2: float, mouth_dx: float, mouth_y: float, mw: float,
               away: float, fold: float) -> None:
    """Nose from shading (side and underside shadow, bridge and tip highlight), wings and
    nostrils; nasolabial folds."""
    big = p.big
    top = eye_y - 0.02 * big
    sx = away * 0.55 * nw2
    side = np.array([(0.15 * away * nw2 + eye_dx, top),
                     (sx + nose_dx, tip - 0.3 * (tip - top)),
                     (1.45 * sx + nose_dx, tip),
                     (0.6 * sx + nose_dx, tip + 0.012 * big)])
    p.soft_line("shadow", side, 200, 0.6 * nw2 / big)
    p.soft_oval("shadow", nose_dx, tip + 0.03 * big, 0.95 * nw2, 0.02 * big, 210)
    p.soft_line("glow", np.array([(-0.2 * away * nw2 + eye_dx, top + 0.03 * big),
                                  (-0.25 * away * nw2 + nose_dx, tip - 0.012 * big)]),
                150, 0.3 * nw2 / big)
    p.soft_oval("glow", nose_dx - 0.15 * away * nw2, tip - 0.006 * big, 0.35 * nw2, 0.012 * big, 200)
    wing = _rgb(skin * 0.74)
    for s in (-1, 1):
        t0 = 0.15 * math.pi if s > 0 else 0.55 * math.pi
        p.line(_ellipse(nose_dx + s * 0.72 * nw2, tip + 0.002 * big, 0.36 * nw2, 0.34 * nw2, 9,
                        t0, t0 + 1.3 * math.pi), wing, p.px(0.011))
        p.oval(nose_dx + s * 0.36 * nw2, tip + 0.013 * big, 0.22 * nw2, 0.13 * nw2,
               _rgb(skin * 0.4))
        p.soft_line("shadow", np.array([(nose_dx + s * 1.05 * nw2, tip - 0.004 * big),
                                        (mouth_dx + s * (mw + 0.012 * big), mouth_y + 0.01 * big)]),
                    int(min(255, 150 * fold)), 0.012)
    p.line(_xy(nose_dx + _span(-0.35, 0.35, 5) * nw2,
               tip + 0.02 * big - 0.006 * big * np.cos(_span(-1.2, 1.2, 5))),
           _rgb(skin * 0.8), p.px(0.008))


def _draw_mouth(p: _Painter, f: dict, skin: np.ndarray, mx: float, my: float, mw: float) -> None:
    """Lips (upper with a cupid's bow, lower fuller), smile curvature, opening with teeth."""
    big = p.big
    smile, opening, male = float(f["smile"]), float(f["mouth_open"]), int(f["sex"])
    curve = smile * 0.28 * mw                      # the corners rise by this much
    n = 15
    u = _span(-1.0, 1.0, n)
    x = mx + mw * u
    line_y = my - curve * u * u + 0.15 * curve
    t_up = (0.14 + 0.05 * (1 - male)) * mw
    t_lo = (0.22 + 0.07 * (1 - male)) * mw
    gap = opening * 0.42 * mw
    bow = 1.0 - 0.35 * np.exp(-(u / 0.18) ** 2)
    w = 1.0 - u * u
    upper_top = line_y - t_up * w**0.6 * bow
    lower_bot = line_y + gap * w**0.8 + t_lo * w**0.7
    lip = _mix(_mix(skin, skin * np.array((0.95, 0.62, 0.62)), 0.7), (178, 34, 58),
               0.85 * float(f["lipstick"]))
    p.shape(np.concatenate([_xy(x, line_y), _xy(x, lower_bot)[::-1]]), _rgb(lip * 1.06),
            opaque=False, hair=0)
    p.shape(np.concatenate([_xy(x, upper_top), _xy(x, line_y)[::-1]]), _rgb(lip), opaque=False,
            hair=0)
    if gap > 0.02 * mw:
        ui, xi = u[2:-2], x[2:-2]
        li = line_y[2:-2]
        top = li + 0.1 * gap * (1 - ui * ui)
        bot = li + gap * (1 - ui * ui) ** 0.8
        p.shape(np.concatenate([_xy(xi, top), _xy(xi, bot)[::-1]]), (70, 24, 28), opaque=False)
        xt = 0.92 * xi + 0.08 * mx
        p.shape(np.concatenate([_xy(xt, top), _xy(xt, top + 0.5 * (bot - top))[::-1]]),
                (236, 232, 222), opaque=False)
    p.line(_xy(x, line_y + 0.05 * gap), _rgb(lip * 0.55), p.px(0.008))
    lip_bottom = float(lower_bot[n // 2])
    p.soft_oval("shadow", mx, lip_bottom + 0.02 * big, 0.5 * mw, 0.012 * big, 150)
    p.soft_oval("glow", mx, lip_bottom - 0.35 * t_lo, 0.3 * mw, 0.2 * t_lo, 110)


def _draw_eye(p: _Painter, ex: float, ey: float, ew: float, ew0: float, side: int,
              squint: float, skin: np.ndarray, iris_rgb: tuple, lx: float, ly: float,
              yaw: float, male: int) -> None:
    """Almond opening, iris, pupil, catch-light, lid covers and lash line, crease, socket shade."""
    n = 13
    u = _span(-1.0, 1.0, n)
    hu = ew0 * (0.66 - 0.3 * squint)
    hl = ew0 * (0.40 - 0.14 * squint)
    x = ex + ew * u
    tilt = side * 0.06 * ew0 * u                   # outer corners tilt up a little
    up = ey - hu * (1 - u * u) * (1 - side * 0.25 * u) - tilt
    lo = ey + hl * (1 - u * u) ** 0.9 - tilt
    p.shape(np.concatenate([_xy(x, up), _xy(x, lo)[::-1]]), (238, 233, 228), opaque=False)
    ir = 0.48 * ew0
    ix, iy = ex + 0.2 * yaw * ew, ey + 0.05 * ew0
    p.disc(ix, iy, ir, _rgb(iris_rgb))
    p.disc(ix, iy, 0.62 * ir, _rgb(np.array(iris_rgb) * 0.72))
    p.disc(ix, iy, 0.42 * ir, (14, 12, 12))
    p.disc(ix + 0.35 * ir * lx, iy - 0.35 * ir * ly - 0.1 * ir, 0.2 * ir, (250, 250, 250))
    skin_i = _rgb(skin)                            # skin covers hide the iris outside the opening
    p.shape(np.concatenate([_xy(x, up), _xy(x, up - 1.2 * ew0)[::-1]]), skin_i, opaque=False)
    p.shape(np.concatenate([_xy(x, lo), _xy(x, lo + 0.9 * ew0)[::-1]]), skin_i, opaque=False)
    p.line(_xy(x, up), (34, 24, 22), p.px(0.012 + 0.006 * (1 - male)))
    p.line(_xy(x[2:-1], lo[2:-1]), _rgb(skin * 0.72), p.px(0.006))
    crease = up - (0.3 + 0.1 * squint) * ew0 * (1 - 0.5 * u * u)
    p.line(_xy(x[3:-2], crease[3:-2]), _rgb(skin * 0.84), p.px(0.006))
    p.soft_oval("shadow", ex - side * 0.2 * ew, ey - 0.4 * ew0, 1.05 * ew, 0.6 * ew0, 110)
    p.soft_line("shadow", _xy(x, up + 0.12 * ew0), 170, 0.2 * ew0 / p.big)


def _draw_brow(p: _Painter, ex: float, ey: float, ew: float, ew0: float, side: int, f: dict,
               col: np.ndarray, squint: float) -> None:
    """Tapered, arched eyebrow; thickness and tilt from the factors."""
    thick, tilt = float(f["brow_thickness"]), float(f["brow_tilt"])
    u = _unit(9)                                   # 0 = inner end, 1 = outer end
    x_in, x_out = ex - side * 0.95 * ew, ex + side * 1.2 * ew
    base = ey - ew0 * (1.2 - 0.15 * squint)
    y = base - ew0 * 0.3 * np.sin(math.pi * u**0.8) - tilt * 0.3 * ew0 * (1 - 2 * u)
    x = x_in + (x_out - x_in) * u
    th = ew0 * (0.09 + 0.18 * thick) * (1.0 - 0.55 * u**1.5) * (0.8 + 0.4 * np.sqrt(u + 0.05))
    p.shape(np.concatenate([_xy(x, y - th), _xy(x, y + th)[::-1]]), _rgb(col), opaque=False)


def _draw_glasses(p: _Painter, eye_x: list[float], ey: float, ew: float, outline: _Outline,
                  ear_y: float, drng: np.random.Generator) -> None:
    """Rounded-rectangle lenses, bridge, temple arms and a reflection on each lens."""
    col = _FRAME_RGB[int(drng.integers(len(_FRAME_RGB)))]
    width = p.px(0.016)
    lens_w, lens_h = 1.38 * ew, 1.0 * ew
    t = _span(0.0, 2 * math.pi, 25)
    c, s = np.cos(t), np.sin(t)
    rc, rs = np.sign(c) * np.abs(c) ** 0.7, np.sign(s) * np.abs(s) ** 0.8
    inner = []
    for side, cx in zip((-1, 1), eye_x):
        lens = _xy(cx + lens_w * rc, ey + 0.08 * ew + lens_h * rs)
        p.line(np.concatenate([lens, lens[1:3]]), col, width, curve=True)
        inner.append((cx - side * lens_w, ey - 0.1 * ew))
        arm_x = float(outline.x_at(ear_y, side))
        p.line(np.array([(cx + side * lens_w, ey - 0.1 * ew), (arm_x, ear_y - 0.3 * ew)]), col, width)
        p.soft_line("glow", np.array([(cx - 0.5 * lens_w, ey + 0.5 * lens_h),
                                      (cx + 0.3 * lens_w, ey - 0.6 * lens_h)]), 120,
                    0.35 * lens_w / p.big)
    bridge = np.array([inner[0], (0.5 * (inner[0][0] + inner[1][0]), ey - 0.3 * ew), inner[1]])
    p.line(bridge, col, width, curve=True)


def _shifted(m: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``m`` moved by (dy, dx) pixels, zero-filled (no wrap-around)."""
    out = np.zeros_like(m)
    h, w = m.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        m[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def _shade_and_compose(f: dict, p: _Painter, size: int, fx: float, fy: float, a: float,
                       b: float, lx: float, ly: float, style: str) -> np.ndarray:
    """Box-filter the flat drawing down, light it, add the soft masks and texture, and lay it on
    the background.  Returns uint8 (size, size, 3).

    Works channel-first in 0-255 floats, with the drawing premultiplied by its coverage (the canvas
    starts black), and keeps per-pixel maps separable (row x column) wherever possible: this
    function is most of a face's cost.
    """
    g = _grids(size)
    inv = 1.0 / _SUPERSAMPLE
    img = np.array(np.asarray(p.canvas.reduce(_SUPERSAMPLE)).transpose(2, 0, 1), np.float32,
                   order="C")
    al = np.asarray(p.alpha.reduce(_SUPERSAMPLE), np.float32) * (1.0 / 255.0)
    soft = Image.merge("RGB", (p.soft["shadow"], p.soft["glow"], p.soft["blush"]))
    soft = soft.filter(ImageFilter.BoxBlur(1)).resize((size, size), Image.BILINEAR)
    sh, gl, bl = np.array(np.asarray(soft).transpose(2, 0, 1), np.float32, order="C")
    sh *= 1.0 / 255.0  # (the unpacked rows are views: scaling them scales the array)
    gl *= 1.0 / 255.0
    bl *= 1.0 / 255.0
    strength, yaw = float(f["light_strength"]), float(f["yaw"])

    # light: the head as an ellipsoid (Lambert + ambient), neck and shoulders as a cylinder.
    # u varies along rows only, v down columns only: most terms are (1, W) or (H, 1).
    cx, cy = (fx + 0.08 * yaw * a) * inv, fy * inv
    u = g["xs"] * (1.0 / (1.2 * a * inv)) - (cx / (1.2 * a * inv) + 0.25 * yaw)     # (1, W)
    v = g["ys"] * (1.0 / (1.12 * b * inv)) - cy / (1.12 * b * inv)                  # (H, 1)
    lz = 0.75
    planar = math.sqrt(1.0 - lz * lz)
    nz = np.sqrt(np.maximum((1.0 - 0.9 * u * u) - 0.9 * v * v, 0.0))
    lam = (u * (planar * lx)) + (-planar * ly) * v
    lam += lz * nz
    np.clip(lam, 0.0, 1.0, out=lam)
    amb = 1.0 - 0.55 * strength
    norm = 1.0 / (amb + (1.0 - amb) * lz)
    un = np.clip(g["xs"] * (1.0 / (1.6 * a * inv)) - cx / (1.6 * a * inv), -1.0, 1.0)
    body = 0.86 + (0.86 * 0.25 * strength * lx) * un - (0.08 * strength) * (un * un)   # (1, W)
    w_head = np.clip((b * inv + cy - g["ys"]) * (1.0 / (0.05 * size)) + 0.5, 0.0, 1.0)  # (H, 1)
    shade = lam * ((1.0 - amb) * norm)
    shade += amb * norm - body
    shade *= w_head
    shade += body

    # texture: hair strands or curls where the hair mask is, low-frequency blotches everywhere
    ds = int(f["detail_seed"])
    tile = g["grain"].shape[0]
    ox, oy = ds % (tile - size), (ds // 7919) % (tile - size)
    if style == "curly":
        tex = g["curl"][oy:oy + size, ox:ox + size]
    else:
        tex = g["strands"][g["ang_idx"] + (ds // 13) % _STRAND_SHIFTS]
    hm = np.asarray(p.hair, np.float32)
    texture = hm * tex
    texture += g["blot"][ox:ox + size, oy:oy + size]
    texture += 1.0

    # one multiplier (light, shadows, texture, room left for highlights) and one additive term
    gk = (0.22 + 0.25 * strength) * gl
    mult = shade * texture
    mult *= 1.0 - (0.12 + 0.45 * strength) * sh
    mult *= 1.0 - gk
    add = gk * al
    add *= 255.0

    # background: vertical gradient in one hue, the sitter's soft drop shadow, then grain
    top = np.array(colorsys.hsv_to_rgb(float(f["bg_hue"]), float(f["bg_saturation"]),
                                       float(f["bg_lightness"])), np.float32)[:, None, None]
    bottom = np.clip(top * (1.0 - 0.45 * float(f["bg_gradient"])), 0.0, 1.0)
    bg = (top + (bottom - top) * g["ramp"]) * 255.0                 # (3, H, 1)
    d = 0.06 * size
    drop = _shifted(al, int(round(0.5 * d)), -int(round(lx * d)))
    bgw = 1.0 - al
    bgw *= 1.0 - (0.25 * strength) * drop
    add += g["grain"][oy:oy + size, ox:ox + size]
    add += 0.5                                                     # rounding for the cast

    img *= mult
    blush = 1.0 - (0.3 * float(f["blush"]) * 0.27) * bl
    img[1:] *= blush                                                # blush: less green, blue
    img += add
    img += bg * bgw
    np.clip(img, 0.0, 255.0, out=img)
    u8 = img.astype(np.uint8)
    res = np.empty((size, size, 3), np.uint8)
    for c in range(3):
        res[:, :, c] = u8[c]
    return res


def render_batch(indices: Iterable[int], seed: int = 0,
                 size: int = 96) -> tuple[np.ndarray, pd.DataFrame]:
    """Render faces ``indices`` of data set ``seed``.

    Returns a uint8 array ``(len(indices), size, size, 3)`` and a DataFrame with one row per face:
    column ``index`` then :data:`FACTOR_COLUMNS`.
    """
    indices = [int(i) for i in indices]
    images = np.empty((len(indices), size, size, 3), dtype=np.uint8)
    rows = []
    for k, i in enumerate(indices):
        f = sample_factors(i, seed)
        images[k] = render_face(f, size)
        rows.append(f)
    table = pd.DataFrame(rows, columns=list(FACTOR_COLUMNS))
    for col in FACTOR_COLUMNS:
        table[col] = table[col].astype(np.int64 if col in INTEGER_FACTORS else np.float64)
    table.insert(0, "index", np.asarray(indices, dtype=np.int64))
    return images, table
