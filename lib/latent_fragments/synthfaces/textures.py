"""Resolutions, per-size grids and texture tiles, and the detail noise of synthfaces.

Introduced in chapter 1.  Shapes are drawn at ``_SUPERSAMPLE`` times the output size and
box-filtered down (anti-aliasing); everything smooth (light, soft shadows, highlights, blush,
skin blotches) lives on a small soft-mask grid and is brought to full size by one
blur-and-upsample matrix product.  :func:`_grids` computes, once per output size, the grids and
the fixed texture tiles (film grain, blotches, curls, hair strands) that every face shares.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

_SUPERSAMPLE = 2  # shapes are drawn at this multiple of the output size, then box-filtered down
_SOFT_DIVISOR = 3  # soft masks (shadow, highlight, blush) are drawn at size // _SOFT_DIVISOR
_SOFT_SIGMA = 0.65  # ... and blurred with this Gaussian (in mask pixels) while upsampled
_STRAND_SHIFTS = 4096  # offsets into the strand noise, chosen per face by detail_seed
_DETAIL_TABLE = np.random.default_rng(7).random(8192).tolist()


def _soft_size(size: int) -> int:
    """Side of the soft-mask grid for an output size.  Introduced in chapter 1."""
    return max(size // _SOFT_DIVISOR, 8)


@lru_cache(maxsize=8)
def _grids(size: int) -> dict[str, np.ndarray]:
    """Coordinate grids and fixed texture tiles for an output size (computed once per size).

    Introduced in chapter 1.
    """
    rng = np.random.default_rng(20240611)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    tile = 2 * size
    grain = rng.standard_normal((tile, tile)).astype(np.float32)
    # skin blotches, on the soft grid: coarse noise upsampled smoothly (a 32 px margin for offsets)
    n_soft = _soft_size(size)
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


class _DetailNoise:
    """Cheap deterministic noise for small render-time details (jags, partings, frame colour):
    consecutive entries of a fixed table, starting at an offset chosen by ``detail_seed``.
    (A fresh ``np.random.Generator`` per face would cost more than drawing an eye.)

    Introduced in chapter 1.
    """

    __slots__ = ("i",)

    def __init__(self, seed: int) -> None:
        self.i = seed % (len(_DETAIL_TABLE) - 128)

    def random(self) -> float:
        """The next uniform in [0, 1)."""
        self.i += 1
        return _DETAIL_TABLE[self.i]

    def integers(self, n: int) -> int:
        """The next integer in [0, n)."""
        return int(self.random() * n)

    def normals(self, n: int) -> list[float]:
        """``n`` roughly standard-normal values (sums of three uniforms, rescaled)."""
        t, i = _DETAIL_TABLE, self.i
        self.i += 3 * n
        return [(t[j] + t[j + 1] + t[j + 2] - 1.5) * 2.0 for j in range(i, i + 3 * n, 3)]
