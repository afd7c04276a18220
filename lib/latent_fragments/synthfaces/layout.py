"""The layout of one synthfaces portrait: its sizes, key positions, frame, outline and light.

Introduced in chapter 1.  :func:`_layout` turns a factor dict into the measurements that the
drawing functions share (face-local pixels of the supersampled canvas, y down, origin at the face
centre), so none of them needs more than a handful of arguments.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .factors import HAIR_STYLES
from .geometry import _Frame, _Outline
from .textures import _SUPERSAMPLE


@dataclass(frozen=True, slots=True)
class _Layout:
    """Measurements of one face (lengths in supersampled canvas pixels).  Introduced in chapter 1."""

    size: int           # output image side
    big: int            # canvas side (size * _SUPERSAMPLE)
    a: float            # half width of the face
    b: float            # half height of the face, crown to chin (the chin is at y = b)
    fx: float           # face centre on the canvas
    fy: float
    frame: _Frame       # face-local -> canvas (roll about a pivot in the neck)
    outline: _Outline   # the face outline
    yaw: float          # the head turn factor, [-1, 1]
    lx: float           # unit vector towards the light, image plane, y up
    ly: float
    away: float         # side of the face turned from the light (-1 image left, +1 right)
    eye_y: float        # eye line
    nose_tip: float
    mouth_y: float
    eye_dx: float       # sideways shift of eyes, nose and mouth by the head turn
    nose_dx: float
    mouth_dx: float
    eye_w: float        # half width of an eye opening
    nose_w: float       # half the nostril-wing span
    mouth_w: float      # half the mouth width
    ear_h: float        # ear height
    ear_y: float        # ear centre height
    style: str          # hair style name (HAIR_STYLES)


def _layout(f: dict, size: int) -> _Layout:
    """The layout of the face with factors ``f`` at output size ``size``.  Introduced in chapter 1."""
    big = size * _SUPERSAMPLE
    yaw = float(f["yaw"])
    a = 0.5 * float(f["face_width"]) * big
    b = 0.5 * float(f["face_height"]) * big
    fx = (0.5 + float(f["face_x"])) * big
    fy = (0.515 + float(f["face_y"])) * big
    la = math.radians(float(f["light_angle"]))
    lx, ly = math.cos(la), math.sin(la)
    eye_y = float(f["eye_y"]) * big
    nose_tip = eye_y + float(f["nose_length"]) * big
    ear_h = float(f["ear_size"]) * big
    return _Layout(
        size=size, big=big, a=a, b=b, fx=fx, fy=fy,
        frame=_Frame(fx, fy, 0.6 * b, float(f["roll"])),
        outline=_Outline(a, b, float(f["jaw_width"]), yaw),
        yaw=yaw, lx=lx, ly=ly, away=-1.0 if lx > 0 else 1.0,
        eye_y=eye_y, nose_tip=nose_tip, mouth_y=nose_tip + 0.36 * (b - nose_tip),
        eye_dx=yaw * 0.16 * a, nose_dx=yaw * 0.28 * a, mouth_dx=yaw * 0.18 * a,
        eye_w=float(f["eye_size"]) * big, nose_w=0.5 * float(f["nose_width"]) * big,
        mouth_w=0.5 * float(f["mouth_width"]) * big,
        ear_h=ear_h, ear_y=eye_y + 0.45 * ear_h, style=HAIR_STYLES[int(f["hair_style"])])
