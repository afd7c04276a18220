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
Hair carries strand (or curl) texture; a little skin blotching and film grain is added.  Long
hair and the bob hide the ears.

Every face is a deterministic function of ``(seed, index)`` (non-negative ints):
:func:`sample_factors` draws the factors of face ``index`` from
``np.random.default_rng([seed, index])``, so face *i* is the same whichever batch renders it, and
:func:`render_face` is a pure function of the factor dict (edit a factor and re-render to see what
it does).  :func:`render_batch` returns the images and the factor table, the ground truth that
later chapters compare latent codes with.

Speed matters (the book renders about 12,000 faces; ``benchmarks/bench_synthfaces.py`` measures
it, roughly 600-700 faces/s on one core of a small build machine): shapes are collected as flat
coordinate lists in plain Python and rolled into place by one matrix product, PIL fills them, and
everything smooth is computed on a 32x32 grid and upsampled by one matrix product.

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
``ear_size``          ear height, fraction of image height [0.07, 0.12] (hidden by long hair).
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

import bisect
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
_SOFT_DIVISOR = 3  # soft masks (shadow, highlight, blush) are drawn at size // _SOFT_DIVISOR
_SOFT_SIGMA = 0.65  # ... and blurred with this Gaussian (in mask pixels) while upsampled


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
# Colours: tuples of 0-255 floats (plain Python: a face needs a few dozen tiny colour sums, for
# which numpy's per-call overhead would cost more than the arithmetic)
# --------------------------------------------------------------------------------------------

Color = tuple[float, float, float]

_SKIN_PALETTE: tuple[Color, ...] = ((255, 228, 208), (240, 196, 164), (222, 168, 128),
                                    (188, 130, 92), (140, 92, 62), (96, 60, 42))
_HAIR_PALETTE: tuple[Color, ...] = ((24, 20, 19), (52, 36, 26), (96, 64, 40), (146, 104, 62),
                                    (196, 158, 98), (230, 206, 146))
_IRIS_RGB: tuple[Color, ...] = ((92, 56, 32), (128, 96, 48), (84, 122, 74), (74, 124, 184),
                                (122, 134, 146))   # indexed like IRIS_COLORS
_FRAME_RGB: tuple[Color, ...] = ((28, 26, 26), (96, 60, 34), (150, 150, 156), (120, 28, 36))


def _palette(pal: tuple[Color, ...], t: float) -> Color:
    x = _clip(t, 0.0, 1.0) * (len(pal) - 1)
    i = min(int(x), len(pal) - 2)
    w = x - i
    return tuple(p0 + (p1 - p0) * w for p0, p1 in zip(pal[i], pal[i + 1]))


def _mix(c1: Color, c2: Color, t: float) -> Color:
    return tuple(v1 + (v2 - v1) * t for v1, v2 in zip(c1, c2))


def _scale(c: Color, k: float) -> Color:
    return (c[0] * k, c[1] * k, c[2] * k)


def _rgb(c: Color) -> tuple[int, int, int]:
    return (int(_clip(c[0], 0, 255)), int(_clip(c[1], 0, 255)), int(_clip(c[2], 0, 255)))


def skin_color(factors: dict) -> Color:
    """Base skin RGB (0-255 floats) of a factor dict."""
    return _palette(_SKIN_PALETTE, float(factors["skin_tone"]))


def hair_color(factors: dict) -> Color:
    """Hair RGB (0-255 floats): lightness palette, red tint, then greying."""
    light = float(factors["hair_lightness"])
    c = _palette(_HAIR_PALETTE, light)
    c = _mix(c, _scale((168.0, 74.0, 34.0), 0.7 + 0.5 * light), 0.8 * float(factors["hair_redness"]))
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
    # skin blotches, on the soft grid: coarse noise upsampled smoothly (a 32 px margin for offsets)
    n_soft = max(size // _SOFT_DIVISOR, 8)
    coarse = (rng.random(((n_soft + 32) // 3, (n_soft + 32) // 3)) * 255).astype(np.uint8)
    blot = np.asarray(Image.fromarray(coarse).resize((n_soft + 32, n_soft + 32), Image.BICUBIC),
                      np.float32)
    blot = (blot - blot.mean()) / (blot.std() + 1e-6)
    # curls: noise blurred into blobs of about 1.5 px
    curl_src = Image.fromarray((rng.random((tile, tile)) * 255).astype(np.uint8))
    curl = np.asarray(curl_src.filter(ImageFilter.GaussianBlur(1.0)), np.float32)
    curl = (curl - curl.mean()) / (curl.std() + 1e-6)
    # hair strands: 1-D noise indexed by the angle about a point above the head (radial streaks)
    n_ang = 4 * size * 3
    ang = np.arctan2(y - 0.12 * size, x - 0.5 * size)
    ang_idx = ((ang + math.pi) / (2 * math.pi) * (n_ang - 1)).astype(np.int32)
    strands = rng.standard_normal(n_ang + _STRAND_SHIFTS)
    strands = np.convolve(strands, [0.25, 0.5, 0.25], mode="same")
    strands = ((strands - strands.mean()) / strands.std()).astype(np.float32)
    # soft masks: one linear operator blurs and upsamples (n_soft -> size) along an axis
    src = (np.arange(size) + 0.5) * (n_soft / size) - 0.5
    up = np.exp(-0.5 * ((np.arange(n_soft)[None, :] - src[:, None]) / _SOFT_SIGMA) ** 2)
    up = (up / up.sum(axis=1, keepdims=True)).astype(np.float32)
    centres = np.arange(n_soft, dtype=np.float32) + 0.5
    grids = {"soft_xs": centres[None, :], "soft_ys": centres[:, None], "soft_up": up,
             "soft_up_t": up.T.copy(), "ramp": (y[:, :1] / size)[None],
             "grain": 0.012 * 255 * grain + 0.5, "blot": 0.035 * blot,
             "curl": (0.16 / 255) * curl, "strands": (0.14 / 255) * strands,
             "ang_idx": ang_idx, "n_ang": n_ang}
    for value in grids.values():            # shared by every face: make accidents loud
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return grids


_STRAND_SHIFTS = 4096
_DETAIL_TABLE = np.random.default_rng(7).random(8192).tolist()


class _DetailNoise:
    """Cheap deterministic noise for small render-time details (jags, partings, frame colour):
    consecutive entries of a fixed table, starting at an offset chosen by ``detail_seed``.
    (A fresh ``np.random.Generator`` per face would cost more than drawing an eye.)"""

    __slots__ = ("i",)

    def __init__(self, seed: int) -> None:
        self.i = seed % (len(_DETAIL_TABLE) - 128)

    def random(self) -> float:
        self.i += 1
        return _DETAIL_TABLE[self.i]

    def integers(self, n: int) -> int:
        return int(self.random() * n)

    def normals(self, n: int) -> list[float]:
        """``n`` roughly standard-normal values (sums of three uniforms, rescaled)."""
        t, i = _DETAIL_TABLE, self.i
        self.i += 3 * n
        return [(t[j] + t[j + 1] + t[j + 2] - 1.5) * 2.0 for j in range(i, i + 3 * n, 3)]


# --------------------------------------------------------------------------------------------
# Geometry.  Shapes are flat coordinate lists [x0, y0, x1, y1, ...] in face-local pixels of the
# supersampled canvas (origin at the face centre, y down), built with plain Python: the curves
# have 5-40 points, where list arithmetic beats numpy's per-call overhead several times over.
# One numpy product per face then rolls and scales all of them (_Painter.finish).
# --------------------------------------------------------------------------------------------

def _lin(lo: float, hi: float, n: int) -> list[float]:
    step = (hi - lo) / (n - 1)
    return [lo + i * step for i in range(n)]


def _flat(xs: list[float], ys: list[float]) -> list[float]:
    """Interleave x and y lists into a flat coordinate list."""
    out = [0.0] * (2 * len(xs))
    out[0::2] = xs
    out[1::2] = ys
    return out


def _band(xs: list[float], y_top: list[float], y_bottom: list[float]) -> list[float]:
    """Polygon between two curves over the same xs (top left to right, bottom back)."""
    return _flat(xs + xs[::-1], y_top + y_bottom[::-1])


@lru_cache(maxsize=256)
def _trig(n: int, t0: float, t1: float) -> tuple[list[float], list[float]]:
    ts = _lin(t0, t1, n)
    return [math.cos(t) for t in ts], [math.sin(t) for t in ts]


def _ellipse(cx: float, cy: float, a: float, b: float, n: int = 24, t0: float = 0.0,
             t1: float = 2 * math.pi) -> list[float]:
    c, s = _trig(n, round(t0, 3), round(t1, 3))
    return _flat([cx + a * v for v in c], [cy + b * v for v in s])


class _Frame:
    """Face-local -> canvas mapping: roll the head about a pivot in the neck, then translate."""

    __slots__ = ("c", "s", "m", "off")

    def __init__(self, fx: float, fy: float, pivot_dy: float, roll_deg: float) -> None:
        r = math.radians(roll_deg)
        c, s = math.cos(r), math.sin(r)
        self.c, self.s = c, s
        self.m = np.array(((c, -s), (s, c)))         # row-vector convention: p @ m + off
        self.off = (fx - pivot_dy * s, fy + pivot_dy - pivot_dy * c)

    def point(self, x: float, y: float) -> tuple[float, float]:
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

    Each side runs from the crown (y = -b) to the chin (y = +b) with y increasing, so it can be
    looked up by height; ``flat`` is the closed outline (right side down, left side up)."""

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


_POLY, _LINE, _OVAL = 0, 1, 2          # display-list operations
_CANVAS, _SHADOW, _GLOW, _BLUSH = 0, 1, 2, 3  # display-list targets (the soft masks after canvas)


class _Painter:
    """A display list for one face, drawn by :meth:`finish`.

    Targets: the supersampled colour canvas (RGBX: the fourth band is coverage) together with the
    hair-texture mask (output size), and three small soft masks that are blurred later (shadow,
    highlight, blush).  Methods take flat face-local coordinates; all canvas coordinates, and all
    soft-mask coordinates, are rolled and scaled by one numpy product each.
    """

    def __init__(self, size: int, frame: _Frame) -> None:
        self.size = size
        self.big = size * _SUPERSAMPLE
        self.fr = frame
        self.soft_n = max(size // _SOFT_DIVISOR, 8)
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
        self._ops.append((_LINE, _CANVAS, self._add(False, flat), color + (255,), width,
                          "curve" if curve else None))

    def oval(self, x: float, y: float, rx: float, ry: float, color: tuple) -> None:
        self._ops.append((_OVAL, _CANVAS, self._add(False, (x, y)), color + (255,), rx, ry))

    def soft_shape(self, mask: int, flat: list[float], value: int) -> None:
        self._ops.append((_POLY, mask, self._add(True, flat), value, None, None))

    def soft_line(self, mask: int, flat: list[float], value: int, width_frac: float) -> None:
        w = max(1, int(round(width_frac * self.soft_n)))
        self._ops.append((_LINE, mask, self._add(True, flat), value, w, None))

    def soft_oval(self, mask: int, x: float, y: float, rx: float, ry: float, value: int) -> None:
        self._ops.append((_OVAL, mask, self._add(True, (x, y)), value, rx, ry))

    def _transformed(self, soft: bool, scale: float) -> list[float]:
        lst = self._pts[soft]
        if not lst:
            return lst
        xy = np.array(lst).reshape(-1, 2) @ (self.fr.m * scale)
        xy += (self.fr.off[0] * scale, self.fr.off[1] * scale)
        return xy.ravel().tolist()

    def finish(self) -> dict[str, Image.Image]:
        """Draw the display list; return the canvas (RGBX), the hair-texture mask and the
        shadow, glow and blush masks."""
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


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def render_face(factors: dict, size: int = 96) -> np.ndarray:
    """Render one face from a factor dict (see :func:`sample_factors`) as ``(size, size, 3)`` uint8."""
    f = factors
    big = size * _SUPERSAMPLE
    drng = _DetailNoise(int(f["detail_seed"]))
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

    # shoulders (placed in canvas coordinates: they do not roll with the head)
    shirt = tuple(255 * v for v in colorsys.hsv_to_rgb(
        float(f["shirt_hue"]), 0.12 + 0.4 * (1 - 0.5 * male), float(f["shirt_lightness"])))
    nw = (0.56 + 0.10 * male) * a                   # half width of the neck
    sh_cx = fx + 0.3 * (fr.point(0, b)[0] - fx)
    sh_top = fy + b + 0.07 * big
    wide = 1.0 + 0.08 * male
    half = [(1.15 * nw, 0.0), (0.24 * big, 0.03 * big), (0.37 * big * wide, 0.07 * big),
            (0.45 * big * wide, 0.12 * big), (0.5 * big * wide, 0.22 * big),
            (0.52 * big * wide, 0.6 * big)]
    shoulders = [fr.local(sh_cx + dx, sh_top + dy) for dx, dy in half[::-1]] + \
        [fr.local(sh_cx - dx, sh_top + dy) for dx, dy in half]
    p.shape([v for xy in shoulders for v in xy], _rgb(shirt))

    hair_front, hair_back = _hair_shapes(style, a, b, vol, eye_y, chin, outline, drng, age, male)
    if hair_back is not None:
        p.shape(hair_back, _rgb(_scale(hair, 0.78)), hair=255)

    # neck: the top rolls with the head, the base stays on the shoulders
    base_y = sh_top + 0.05 * big
    neck = [fr.point(-nw, 0.2 * b), fr.point(nw, 0.2 * b),
            (sh_cx + 1.12 * nw, base_y), (sh_cx + 0.3 * nw, base_y + 0.07 * big),
            (sh_cx - 0.3 * nw, base_y + 0.07 * big), (sh_cx - 1.12 * nw, base_y)]
    p.shape([v for X, Y in neck for v in fr.local(X, Y)], _rgb(_scale(skin, 0.9)), hair=0)

    # ears
    ear_h = float(f["ear_size"]) * big
    ear_cy = eye_y + 0.45 * ear_h
    ear_line = _rgb(_scale(skin, 0.72))
    for side in ((-1, 1) if style not in ("long", "fringe") else ()):   # else hidden by hair
        far = side * yaw > 0
        w = 0.42 * ear_h * ((0.55 - 0.3 * abs(yaw)) if far else 1.0)
        ex = outline.x_at(ear_cy, side) + side * 0.55 * w
        c, s = _trig(18, 0.0, round(2 * math.pi, 3))
        bend = side * 0.25 * w
        p.shape(_flat([ex + w * cv + bend * sv * sv for cv, sv in zip(c, s)],
                      [ear_cy + 0.5 * ear_h * sv for sv in s]), skin_i, hair=0)
        t0 = -0.45 * math.pi if side > 0 else 0.45 * math.pi
        p.line(_ellipse(ex + side * 0.05 * w, ear_cy, 0.45 * w, 0.32 * ear_h, 10, t0, t0 + math.pi),
               ear_line, p.px(0.011))

    # face, and the head's shadow on the neck (outline pushed down, minus the face)
    face = outline.flat
    p.shape(face, skin_i, hair=0)
    dx, dy = -0.12 * a * lx, 0.2 * b
    p.soft_shape(_SHADOW, [v + dx if i % 2 == 0 else v + dy for i, v in enumerate(face)], 245)
    p.soft_shape(_SHADOW, face, 0)

    # modelling: forehead, cheek and chin highlights, blush
    p.soft_oval(_GLOW, -away * 0.35 * a + eye_dx, -0.45 * b, 0.28 * a, 0.16 * b, 120)
    p.soft_oval(_GLOW, -away * 0.5 * a + eye_dx, nose_tip - 0.02 * big, 0.16 * a, 0.1 * b, 90)
    p.soft_oval(_GLOW, mouth_dx, 0.5 * (mouth_y + chin) + 0.04 * b, 0.16 * a, 0.07 * b, 80)
    for side in (-1, 1):
        p.soft_oval(_BLUSH, side * 0.56 * a + eye_dx, nose_tip - 0.01 * big, 0.2 * a, 0.13 * b, 255)

    # beard or stubble
    mw = 0.5 * float(f["mouth_width"]) * big
    nw2 = 0.5 * float(f["nose_width"]) * big
    beard = float(f["beard"])
    if beard > 0:
        col = _mix(skin, _scale(hair, 0.85), 0.35 + 0.65 * min(1.0, beard * 1.4))
        p.shape(_beard_shape(outline, a, b, beard, eye_y, nose_tip, mouth_y, mw, mouth_dx, nw2),
                _rgb(col), hair=int(90 + 140 * beard))

    _draw_nose(p, skin, eye_y, eye_dx, nose_tip, nose_dx, nw2, mouth_dx, mouth_y, mw, away,
               0.25 + 0.5 * age + 0.4 * max(float(f["smile"]), 0.0))
    _draw_mouth(p, f, skin, mouth_dx, mouth_y, mw)

    # eyes and brows
    ew0 = float(f["eye_size"]) * big
    eye_sep = float(f["eye_spacing"]) * 2 * a
    brow_col = _mix(_mix(_scale(hair, 0.7), (40, 30, 25), 0.35 * float(f["hair_lightness"])),
                    (170, 168, 166), 0.6 * float(f["hair_grey"]))
    eyes = []
    for side in (-1, 1):
        far = side * yaw > 0
        ew = ew0 * (1.0 - 0.22 * abs(yaw)) if far else ew0
        ex = side * 0.5 * eye_sep + eye_dx + (0.0 if far else side * 0.05 * abs(yaw) * a)
        eyes.append((side, ex, ew))
        _draw_eye(p, side, ex, eye_y, ew, ew0, f, skin, lx, ly)
        _draw_brow(p, side, ex, eye_y, ew, ew0, f, brow_col)

    # front hair, its shadow on the forehead (shape pushed down, minus itself), sheen
    dx, dy = -0.04 * a * lx, 0.07 * b
    for poly in hair_front:
        p.shape(poly, _rgb(hair), hair=255)
        p.soft_shape(_SHADOW, [v + dx if i % 2 == 0 else v + dy for i, v in enumerate(poly)], 210)
        p.soft_shape(_SHADOW, poly, 0)
    if style != "bald":
        t0 = math.pi * (1.28 - 0.12 * lx)
        sheen = _ellipse(-0.2 * lx * a, -0.1 * b, 0.85 * a * (1 + 0.1 * vol),
                         0.9 * b * (1 + 0.08 * vol), 10, t0, t0 + 0.35 * math.pi)
        p.soft_line(_GLOW, sheen, 110, 0.04)
    else:
        p.soft_oval(_GLOW, 0.3 * lx * a, -0.8 * b, 0.35 * a, 0.12 * b, 150)

    if int(f["glasses"]):
        _draw_glasses(p, eyes, eye_y, ew0, outline, ear_cy, drng)

    return _shade_and_compose(f, p.finish(), size, fx, fy, a, b, lx, ly, style)


def _hair_shapes(style: str, a: float, b: float, vol: float, eye_y: float, chin: float,
                 outline: _Outline, drng: _DetailNoise, age: float,
                 male: int) -> tuple[list[list[float]], list[float] | None]:
    """Face-local flat polygons of the front hair (a list) and of the hair behind the head."""
    if style == "bald":
        if not (male and age > 0.45):
            return [], None
        # what is left around the ears
        return [outline.edge(eye_y + 0.05 * b, -0.42 * b, side, -0.05 * a, 5)
                + outline.edge(-0.36 * b, eye_y + 0.05 * b, side, 0.07 * a, 5)
                for side in (-1, 1)], None

    curly = style == "curly"
    puff = 1.0 + (0.05 + 0.16 * vol) * (1.6 if curly else 1.0)
    top = b * (1.0 + (0.06 + 0.14 * vol) * (1.5 if curly else 1.0))
    # outer arc: left side (angle pi), over the crown, to the right side (angle 2 pi)
    c, s = _trig(40 if curly else 22, round(math.pi, 3), round(2 * math.pi, 3))
    if curly:
        phase = drng.random() * 3
        bump = [1.0 + 0.06 * abs(math.sin(9 * (math.pi + i * math.pi / 39) + phase))
                for i in range(40)]
        arc = _flat([a * puff * cv * k for cv, k in zip(c, bump)],
                    [top * sv * k for sv, k in zip(s, bump)])
    else:
        arc = _flat([a * puff * cv for cv in c], [top * sv for sv in s])

    if style in ("short", "curly"):
        bottom = eye_y - 0.02 * b
        recess = (0.10 + 0.25 * age) * b if male else 0.04 * b
        hl_x = _lin(0.82 * a, -0.82 * a, 9)
        hl_y = [-0.52 * b - recess * (x / a) ** 2 + 0.05 * b * (1 - abs(x) / a) for x in hl_x]
        if curly:
            hl_y = [y + 0.035 * b * abs(math.sin(x / a * 7.0)) for x, y in zip(hl_x, hl_y)]
        front = ([-a * puff, bottom] + arc + [a * puff, bottom]
                 + outline.edge(bottom, hl_y[0], 1, 0.08 * a, 4) + _flat(hl_x, hl_y)
                 + outline.edge(hl_y[-1], bottom, -1, 0.08 * a, 4))
        return [front], None

    if style == "fringe":                          # a bob with bangs down to the brows
        bottom = chin - 0.25 * b
        flare = puff * (1.0 + 0.06 * vol)
        bangs_y = eye_y - 0.36 * b
        jx = _lin(0.9 * a, -0.9 * a, 11)
        jy = [bangs_y + 0.05 * b * (1.0 if i % 2 == 0 else -0.3) + 0.03 * b * z
              + 0.08 * b * (x / a) ** 2 for i, (x, z) in enumerate(zip(jx, drng.normals(11)))]
        front = ([-a * flare, bottom] + arc + [a * flare, bottom, 0.85 * a, bottom + 0.04 * b]
                 + outline.edge(bottom, bangs_y + 0.1 * b, 1, 0.1 * a, 5) + _flat(jx, jy)
                 + outline.edge(bangs_y + 0.1 * b, bottom, -1, 0.1 * a, 5)
                 + [-0.85 * a, bottom + 0.04 * b])
        return [front], None

    # long: a parting, two curtains framing the face and falling in front of the shoulders
    # beside the neck, and the mass behind the head and shoulders
    length = chin + (0.35 + 0.35 * vol) * b
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


def _beard_shape(outline: _Outline, a: float, b: float, amount: float, eye_y: float,
                 nose_tip: float, mouth_y: float, mw: float, mouth_dx: float,
                 nose_w: float) -> list[float]:
    """Face-local beard polygon: jaw and chin below a cheek line, moustache included."""
    top_y = eye_y + 0.35 * (nose_tip - eye_y)
    xs, ys = outline.lower(top_y)
    grow, kx = 1.0 + 0.06 * amount, 1.0 + 0.03 * amount
    xs = [x * kx for x in xs]
    ys = [y * grow + 0.04 * b * amount if y > 0.5 * b else y for y in ys]
    cheek = [-0.86 * a, top_y + 0.05 * b,
             mouth_dx - mw - 0.1 * a, mouth_y - 0.12 * b,
             mouth_dx - 0.55 * nose_w, nose_tip + 0.035 * b,
             mouth_dx + 0.55 * nose_w, nose_tip + 0.035 * b,
             mouth_dx + mw + 0.1 * a, mouth_y - 0.12 * b,
             0.86 * a, top_y + 0.05 * b]
    return _flat(xs, ys) + cheek


def _draw_nose(p: _Painter, skin: Color, eye_y: float, eye_dx: float, tip: float,
               nose_dx: float, nw2: float, mouth_dx: float, mouth_y: float, mw: float,
               away: float, fold: float) -> None:
    """Nose from shading (side and underside shadow, bridge and tip highlight), wings and
    nostrils; nasolabial folds."""
    big = p.big
    top = eye_y - 0.02 * big
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
                              mouth_dx + s * (mw + 0.012 * big), mouth_y + 0.01 * big],
                    fold_value, 0.012)
    p.line(_flat([nose_dx + k * nw2 for k in (-0.35, -0.17, 0.0, 0.17, 0.35)],
                 [tip + 0.02 * big - 0.006 * big * math.cos(t) for t in (-1.2, -0.6, 0, 0.6, 1.2)]),
           _rgb(_scale(skin, 0.8)), p.px(0.008))


_MOUTH_U = _lin(-1.0, 1.0, 15)
_MOUTH_BOW = [1.0 - 0.35 * math.exp(-(u / 0.18) ** 2) for u in _MOUTH_U]


def _draw_mouth(p: _Painter, f: dict, skin: Color, mx: float, my: float, mw: float) -> None:
    """Lips (upper with a cupid's bow, lower fuller), smile curvature, opening with teeth."""
    big = p.big
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


def _draw_eye(p: _Painter, side: int, ex: float, ey: float, ew: float, ew0: float, f: dict,
              skin: Color, lx: float, ly: float) -> None:
    """One eye: almond opening; iris, its darker inner ring and the pupil, clipped to the
    opening; catch-light towards the light; lash line, lower lid, crease; socket shade and the
    upper lid's shadow on the eyeball."""
    squint, yaw, male = float(f["eye_squint"]), float(f["yaw"]), int(f["sex"])
    hu = ew0 * (0.66 - 0.3 * squint)
    hl = ew0 * (0.40 - 0.14 * squint)
    tilt = 0.06 * ew0 * side

    def lids(u: float) -> tuple[float, float]:
        """Upper and lower lid heights at eye-relative x (u in [-1, 1])."""
        u = -1.0 if u < -1.0 else 1.0 if u > 1.0 else u
        bump = 1.0 - u * u
        return (ey - hu * bump * (1.0 - 0.25 * side * u) - tilt * u,
                ey + hl * bump ** 0.9 - tilt * u)

    u = _EYE_U
    x = [ex + ew * v for v in u]
    up, lo = zip(*(lids(v) for v in u))
    up, lo = list(up), list(lo)
    p.shape(_band(x, up, lo), (238, 233, 228))
    iris = _IRIS_RGB[int(f["iris_color"])]
    ir = 0.48 * ew0
    ix, iy = ex + 0.2 * yaw * ew, ey + 0.05 * ew0
    k_side = 0.25 * side
    v = (ix - ex) / ew
    centre_top, centre_bottom = lids(v)
    for r, col, n in ((ir, iris, 16), (0.62 * ir, _scale(iris, 0.72), 12),
                      (0.42 * ir, (14, 12, 12), 10)):
        if n < 16 and centre_top + 0.15 * r < iy - r and iy + r < centre_bottom - 0.15 * r:
            p.oval(ix, iy, r, r, _rgb(col))         # well inside the opening: no clipping
            continue
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
        p.shape(ring, _rgb(col))
    gx, gy = ix + 0.35 * ir * lx, iy - 0.35 * ir * ly - 0.1 * ir
    top, bottom = lids((gx - ex) / ew)
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


def _draw_brow(p: _Painter, side: int, ex: float, ey: float, ew: float, ew0: float, f: dict,
               col: Color) -> None:
    """A tapered, arched eyebrow; thickness and tilt from the factors."""
    thick, tilt = float(f["brow_thickness"]), float(f["brow_tilt"])
    x_in, x_out = ex - side * 0.95 * ew, ex + side * 1.2 * ew
    base = ey - ew0 * (1.2 - 0.15 * float(f["eye_squint"]))
    x = [x_in + (x_out - x_in) * u for u in _BROW_U]
    y = [base - 0.3 * ew0 * arch - tilt * 0.3 * ew0 * (1 - 2 * u)
         for u, arch in zip(_BROW_U, _BROW_ARCH)]
    th = ew0 * (0.09 + 0.18 * thick)
    p.shape(_band(x, [v - th * k for v, k in zip(y, _BROW_TAPER)],
                  [v + th * k for v, k in zip(y, _BROW_TAPER)]), _rgb(col))


_LENS = [(math.copysign(abs(math.cos(t)) ** 0.7, math.cos(t)),
          math.copysign(abs(math.sin(t)) ** 0.8, math.sin(t))) for t in _lin(0, 2 * math.pi, 25)]


def _draw_glasses(p: _Painter, eyes: list[tuple[int, float, float]], ey: float, ew: float,
                  outline: _Outline, ear_y: float, drng: _DetailNoise) -> None:
    """Rounded-rectangle lenses, bridge, temple arms, and a reflection on each lens."""
    col = _rgb(_FRAME_RGB[drng.integers(len(_FRAME_RGB))])
    width = p.px(0.016)
    lens_w, lens_h = 1.38 * ew, 1.0 * ew
    inner = []
    for side, cx, _ in eyes:
        lens = [v for c, s in _LENS for v in (cx + lens_w * c, ey + 0.08 * ew + lens_h * s)]
        p.line(lens + lens[2:6], col, width, curve=True)
        inner.append((cx - side * lens_w, ey - 0.1 * ew))
        p.line([cx + side * lens_w, ey - 0.1 * ew, outline.x_at(ear_y, side), ear_y - 0.3 * ew],
               col, width)
        p.soft_line(_GLOW, [cx - 0.5 * lens_w, ey + 0.5 * lens_h, cx + 0.3 * lens_w,
                            ey - 0.6 * lens_h], 120, 0.35 * lens_w / p.big)
    (x0, y0), (x1, y1) = inner
    p.line([x0, y0, 0.5 * (x0 + x1), ey - 0.3 * ew, x1, y1], col, width, curve=True)


def _shifted(m: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``m`` moved by (dy, dx) pixels, zero-filled (no wrap-around)."""
    out = np.zeros_like(m)
    h, w = m.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        m[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def _shade_and_compose(f: dict, im: dict[str, Image.Image], size: int, fx: float, fy: float,
                       a: float, b: float, lx: float, ly: float, style: str) -> np.ndarray:
    """Box-filter the flat drawing down, light it, add the soft masks and texture, and lay it on
    the background.  Returns uint8 (size, size, 3).

    Everything smooth (lighting, soft shadows, highlights, blush, blotches) is computed on the
    small soft-mask grid and brought to full size by one blur-and-upsample matrix product; only
    the drawing, its coverage, hair texture, background and grain are handled at full size,
    channel-first in 0-255 floats, with the drawing premultiplied by its coverage (the canvas
    starts black).  This function is about half of a face's cost.
    """
    g = _grids(size)
    n = g["soft_up"].shape[1]
    k = size / n                                   # output pixels per soft-grid pixel
    inv = 1.0 / _SUPERSAMPLE
    strength, yaw = float(f["light_strength"]), float(f["yaw"])
    ds = int(f["detail_seed"])
    ox, oy = ds % (g["grain"].shape[0] - size), (ds // 7919) % (g["grain"].shape[0] - size)

    # --- small grid: light the head as an ellipsoid (Lambert + ambient), neck and shoulders as
    # a cylinder; u varies along rows only and v down columns only, as (1, n) and (n, 1).
    soft = np.frombuffer(b"".join(im[k].tobytes() for k in ("shadow", "glow", "blush")), np.uint8)
    sh, gl, bl = soft.reshape(3, n, n) * np.float32(1.0 / 255.0)
    cx, cy = (fx + 0.08 * yaw * a) * inv / k, fy * inv / k      # in soft-grid pixels
    ax, by = 1.2 * a * inv / k, 1.12 * b * inv / k
    u = g["soft_xs"] * (1.0 / ax) - (cx / ax + 0.25 * yaw)
    v = g["soft_ys"] * (1.0 / by) - cy / by
    lz = 0.75
    planar = math.sqrt(1.0 - lz * lz)
    nz = np.sqrt(np.maximum((1.0 - 0.9 * u * u) - 0.9 * v * v, 0.0))
    lam = np.clip((u * (planar * lx)) + (-planar * ly) * v + lz * nz, 0.0, 1.0)
    amb = 1.0 - 0.55 * strength
    norm = 1.0 / (amb + (1.0 - amb) * lz)
    half = ax / 1.2                                                # half face width, grid px
    un = np.clip((g["soft_xs"] - cx) * (1.0 / (1.6 * half)), -1.0, 1.0)
    neck = np.minimum(((g["soft_xs"] - cx) * (1.0 / (0.7 * half))) ** 2, 1.0)
    body = 0.84 + (0.84 * 0.25 * strength * lx) * un - (0.06 + 0.1 * strength) * neck
    w_head = np.clip((b * inv / k + cy - g["soft_ys"]) * (k / (0.12 * size)) + 0.3, 0.0, 1.0)
    shade = body + (lam * ((1.0 - amb) * norm) + (amb * norm) - body) * w_head
    gk = (0.22 + 0.25 * strength) * gl
    small = np.empty((3, n, n), np.float32)
    small[0] = shade * (1.0 - (0.12 + 0.45 * strength) * sh) * (1.0 - gk) \
        * (1.0 + g["blot"][oy % 32:oy % 32 + n, ox % 32:ox % 32 + n])
    small[1] = gk * 255.0
    small[2] = 1.0 - (0.3 * 0.27 * float(f["blush"])) * bl
    mult, glow, blush = (g["soft_up"] @ small) @ g["soft_up_t"]

    # --- full size: drawing and coverage, hair texture, background with drop shadow, grain
    rgba = np.frombuffer(im["canvas"].reduce(_SUPERSAMPLE).tobytes(), np.uint8)
    rgba = np.array(rgba.reshape(size, size, 4).transpose(2, 0, 1), np.float32, order="C")
    img, al = rgba[:3], rgba[3]
    al *= 1.0 / 255.0
    if im["hair"] is not None:              # strands (or curls) where the hair mask is
        if style == "curly":
            tex = g["curl"][oy:oy + size, ox:ox + size]
        else:
            shift = (ds // 13) % _STRAND_SHIFTS
            tex = g["strands"][shift:shift + g["n_ang"]][g["ang_idx"]]
        tex = tex * np.frombuffer(im["hair"].tobytes(), np.uint8).reshape(size, size)
        tex += 1.0
        mult *= tex
    add = glow * al
    add += g["grain"][oy:oy + size, ox:ox + size]                   # (includes +0.5 rounding)

    top = colorsys.hsv_to_rgb(float(f["bg_hue"]), float(f["bg_saturation"]),
                              float(f["bg_lightness"]))
    k_bottom = 1.0 - 0.45 * float(f["bg_gradient"])
    ends = np.array([(255.0 * t, 255.0 * (min(t * k_bottom, 1.0) - t)) for t in top],
                    np.float32)[:, :, None, None]
    bg = ends[:, 0] + ends[:, 1] * g["ramp"]                        # (3, H, 1) vertical gradient
    d = 0.06 * size
    drop = _shifted(al, int(round(0.5 * d)), -int(round(lx * d)))
    drop *= -0.25 * strength
    drop += 1.0
    drop *= 1.0 - al

    img *= mult
    img[1:] *= blush                                                # blush: less green and blue
    img += add
    img += bg * drop
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
    table = pd.DataFrame({col: np.array([r[col] for r in rows],
                                        dtype=np.int64 if col in INTEGER_FACTORS else np.float64)
                          for col in FACTOR_COLUMNS})
    table.insert(0, "index", np.asarray(indices, dtype=np.int64))
    return images, table
