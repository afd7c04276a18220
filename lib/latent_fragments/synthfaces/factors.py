"""The factor table of synthfaces: the factors of variation, their ranges, and their sampling.

Introduced in chapter 1.  Every face is a deterministic function of ``(seed, index)``
(non-negative ints): :func:`sample_factors` draws the factors of face ``index`` from
``np.random.default_rng([seed, index])``, so face *i* is the same whichever batch renders it.

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
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

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


def _clip(x: float, lo: float, hi: float) -> float:
    """``x`` limited to ``[lo, hi]`` (``x`` itself, type kept, when inside).  Introduced in chapter 1."""
    return lo if x < lo else hi if x > hi else x


def _clip_factor(name: str, value: float) -> float:
    """``value`` limited to the range of factor ``name`` in :data:`FACTOR_RANGES`.

    Introduced in chapter 1.
    """
    lo, hi = FACTOR_RANGES[name]
    return _clip(value, lo, hi)


def _choice(u: float, probs: Iterable[float]) -> int:
    """Index chosen by the uniform ``u`` from (unnormalised) ``probs``.  Introduced in chapter 1."""
    probs = list(probs)
    acc, target = 0.0, u * sum(probs)
    for i, p in enumerate(probs):
        acc += p
        if target < acc:
            return i
    return len(probs) - 1


def sample_factors(index: int, seed: int) -> dict[str, float | int]:
    """Factors of face number ``index`` of the data set ``seed`` (both non-negative ints).

    Introduced in chapter 1.  Drawn from ``np.random.default_rng([seed, index])``, so the face does
    not depend on which other faces are rendered with it.  Keys are :data:`FACTOR_COLUMNS`, each
    value inside its :data:`FACTOR_RANGES`.
    """
    rng = np.random.default_rng([int(seed), int(index)])
    u = rng.random(24).tolist()      # uniforms, used in a fixed order
    n = rng.standard_normal(30).tolist()  # standard normals, used in a fixed order
    male = int(u[0] < 0.5)
    age = float(rng.beta(1.6, 2.2))
    skin = _clip_factor("skin_tone", float(rng.beta(1.5, 2.0)))
    smile = _clip_factor("smile", 0.3 + 0.45 * n[2])
    raw = {"sex": male, "age": age, "skin_tone": skin, "smile": smile,
           **_hair_factors(u, n, male, age, skin), **_face_factors(n, male, smile),
           **_expression_factors(u, n, male, skin, smile), **_scene_factors(u, n, age)}
    return {name: _clip(raw[name], lo, hi) for name, (lo, hi) in FACTOR_RANGES.items()}


def _hair_factors(u: list[float], n: list[float], male: int, age: float,
                  skin: float) -> dict[str, float | int]:
    """Hair style (short hair and baldness with age for the male latent; long hair and fringes
    else), colour and volume, before clipping.  Introduced in chapter 1."""
    if male:
        probs = (0.02 + 0.45 * age**2, 0.52, 0.05, 0.10, 0.16)
    else:
        probs = (0.005, 0.14, 0.44, 0.27, 0.15)
    return {"hair_style": _choice(u[1], probs),
            "hair_lightness": 0.42 - 0.45 * skin + 0.22 * n[0],
            "hair_redness": u[2] ** 3 * (1.0 - skin) * 1.3,
            "hair_grey": 2.4 * (age - 0.55) + 0.12 * n[1],
            "hair_volume": float(u[8])}


def _face_factors(n: list[float], male: int, smile: float) -> dict[str, float]:
    """Placement, proportions and pose of the face, before clipping.  Introduced in chapter 1."""
    return {"face_x": 0.014 * n[3],
            "face_y": 0.010 * n[4],
            "face_width": 0.44 + 0.02 * male + 0.022 * n[5],
            "face_height": 0.615 + 0.012 * male + 0.022 * n[6],
            "jaw_width": 0.32 + 0.33 * male + 0.16 * n[7],
            "eye_y": 0.012 + 0.013 * n[8],
            "eye_spacing": 0.43 + 0.025 * n[9],
            "eye_size": 0.047 - 0.002 * male + 0.0035 * n[10],
            "nose_length": 0.112 + 0.006 * male + 0.01 * n[14],
            "nose_width": 0.068 + 0.006 * male + 0.007 * n[15],
            "mouth_width": 0.165 + 0.03 * max(smile, 0.0) + 0.016 * n[16],
            "ear_size": 0.092 + 0.004 * male + 0.009 * n[17],
            "roll": 5.0 * n[18],
            "yaw": 0.35 * n[19]}


def _expression_factors(u: list[float], n: list[float], male: int, skin: float,
                        smile: float) -> dict[str, float | int]:
    """Eyes, brows, mouth, make-up and beard, before clipping.  Introduced in chapter 1."""
    p_brown = 0.3 + 0.7 * skin
    return {"eye_squint": 0.12 + 0.5 * max(smile, 0.0) + 0.12 * n[11],
            "iris_color": _choice(u[3], (p_brown, *(q * (1.0 - p_brown)
                                                    for q in (0.25, 0.2, 0.35, 0.2)))),
            "brow_thickness": 0.35 + 0.3 * male + 0.17 * n[12],
            "brow_tilt": 0.35 * n[13],
            "mouth_open": 1.6 * u[9] * max(smile - 0.35, 0.0),
            "lipstick": (0.3 + 0.7 * u[7]) if (not male and u[6] < 0.45) else 0.0,
            "blush": u[10] * (0.75 - 0.45 * male),
            "beard": (0.12 + 0.88 * u[5]) if (male and u[4] < 0.5) else 0.0}


def _scene_factors(u: list[float], n: list[float], age: float) -> dict[str, float | int]:
    """Light, glasses, background, shirt and the texture seed.  Introduced in chapter 1."""
    return {"light_angle": (90.0 + 55.0 * n[20]) % 360.0,
            "light_strength": 0.35 + 0.6 * u[11],
            "glasses": int(u[12] < 0.08 + 0.35 * age),
            "bg_hue": float(u[13]),
            "bg_saturation": 0.05 + 0.5 * u[14],
            "bg_lightness": 0.25 + 0.7 * u[15],
            "bg_gradient": 2.0 * u[16] - 1.0,
            "shirt_hue": float(u[17]),
            "shirt_lightness": 0.15 + 0.75 * u[18],
            "detail_seed": int(u[19] * (2**31 - 1))}
