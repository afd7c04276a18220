"""Shading and compositing of synthfaces: light, soft masks, hair texture, background, grain.

Introduced in chapter 1.  The flat drawing of :class:`_Painter` is box-filtered down, lit (the head
as an ellipsoid, neck and shoulders as a cylinder), given its soft shadows, highlights, blush,
skin blotches and hair texture, and laid on a two-colour gradient background with the sitter's
soft drop shadow; film grain is added last.  This is about half of a face's cost.
"""
from __future__ import annotations

import colorsys
import math

import numpy as np
from PIL import Image

from .layout import _Layout
from .textures import _STRAND_SHIFTS, _SUPERSAMPLE, _grids


def _shifted(m: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``m`` moved by (dy, dx) pixels, zero-filled (no wrap-around).  Introduced in chapter 1."""
    out = np.zeros_like(m)
    h, w = m.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        m[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def _shade_and_compose(f: dict, im: dict[str, Image.Image], lay: _Layout) -> np.ndarray:
    """Box-filter the flat drawing ``im`` (from ``_Painter.finish``) down, light it, add the soft
    masks and texture, and lay it on the background.  Returns uint8 (size, size, 3).

    Introduced in chapter 1.  Everything smooth is computed on the small soft-mask grid
    (:func:`_soft_light`); only the drawing, its coverage, hair texture, background and grain are
    handled at full size, channel-first in 0-255 floats, with the drawing premultiplied by its
    coverage (the canvas starts black).
    """
    size = lay.size
    g = _grids(size)
    ds = int(f["detail_seed"])
    ox, oy = ds % (g["grain"].shape[0] - size), (ds // 7919) % (g["grain"].shape[0] - size)
    mult, glow, blush = _soft_light(f, im, lay, g, ox, oy)
    rgba = np.frombuffer(im["canvas"].reduce(_SUPERSAMPLE).tobytes(), np.uint8)
    rgba = np.array(rgba.reshape(size, size, 4).transpose(2, 0, 1), np.float32, order="C")
    img, al = rgba[:3], rgba[3]
    al *= 1.0 / 255.0
    if im["hair"] is not None:              # strands (or curls) where the hair mask is
        mult *= _hair_texture(im["hair"], lay.style, ds, g, ox, oy)
    add = glow * al
    add += g["grain"][oy:oy + size, ox:ox + size]                   # (includes +0.5 rounding)
    img *= mult
    img[1:] *= blush                                                # blush: less green and blue
    img += add
    img += _background(f, g) * _drop_shadow(al, lay.lx, float(f["light_strength"]))
    np.clip(img, 0.0, 255.0, out=img)
    u8 = img.astype(np.uint8)
    res = np.empty((size, size, 3), np.uint8)
    for c in range(3):
        res[:, :, c] = u8[c]
    return res


def _soft_light(f: dict, im: dict[str, Image.Image], lay: _Layout, g: dict[str, np.ndarray],
                ox: int, oy: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-size light multiplier (with shadows and blotches), glow and blush factor, computed
    on the soft grid and upsampled by one matrix product.  Introduced in chapter 1.

    The head is lit as an ellipsoid (Lambert + ambient), neck and shoulders as a cylinder; u varies
    along rows only and v down columns only, as (1, n) and (n, 1).
    """
    size, a, b, lx, ly, yaw = lay.size, lay.a, lay.b, lay.lx, lay.ly, lay.yaw
    strength = float(f["light_strength"])
    n = g["soft_up"].shape[1]
    k = size / n                                   # output pixels per soft-grid pixel
    inv = 1.0 / _SUPERSAMPLE
    soft = np.frombuffer(b"".join(im[m].tobytes() for m in ("shadow", "glow", "blush")), np.uint8)
    sh, gl, bl = soft.reshape(3, n, n) * np.float32(1.0 / 255.0)
    cx, cy = (lay.fx + 0.08 * yaw * a) * inv / k, lay.fy * inv / k   # in soft-grid pixels
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
    return mult, glow, blush


def _hair_texture(mask: Image.Image, style: str, ds: int, g: dict[str, np.ndarray],
                  ox: int, oy: int) -> np.ndarray:
    """Light multiplier of the hair: 1 plus strand (or curl) noise where ``mask`` is.

    Introduced in chapter 1.
    """
    size = mask.size[0]
    if style == "curly":
        tex = g["curl"][oy:oy + size, ox:ox + size]
    else:
        shift = (ds // 13) % _STRAND_SHIFTS
        tex = g["strands"][shift:shift + g["n_ang"]][g["ang_idx"]]
    tex = tex * np.frombuffer(mask.tobytes(), np.uint8).reshape(size, size)
    tex += 1.0
    return tex


def _background(f: dict, g: dict[str, np.ndarray]) -> np.ndarray:
    """The background, (3, H, 1): a vertical gradient of the factors' hue.  Introduced in chapter 1."""
    top = colorsys.hsv_to_rgb(float(f["bg_hue"]), float(f["bg_saturation"]),
                              float(f["bg_lightness"]))
    k_bottom = 1.0 - 0.45 * float(f["bg_gradient"])
    ends = np.array([(255.0 * t, 255.0 * (min(t * k_bottom, 1.0) - t)) for t in top],
                    np.float32)[:, :, None, None]
    return ends[:, 0] + ends[:, 1] * g["ramp"]


def _drop_shadow(al: np.ndarray, lx: float, strength: float) -> np.ndarray:
    """Weight of the background: 1 minus the coverage ``al``, darkened by the sitter's soft
    shadow, cast away from the light.  Introduced in chapter 1."""
    d = 0.06 * al.shape[0]
    drop = _shifted(al, int(round(0.5 * d)), -int(round(lx * d)))
    drop *= -0.25 * strength
    drop += 1.0
    drop *= 1.0 - al
    return drop
