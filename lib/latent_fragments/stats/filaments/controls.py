"""Control clouds whose answer is known, for chapter 4's verdict (tests and benchmarks).

All have the shape of the book's z-points: ``n`` points in ``dim`` dimensions with about 90 % of the
variance in 15 leading axes (unit variance each before distortion; the remaining axes share the rest),
randomly rotated. :data:`CONTROL_KINDS` says which verdict labels each may get.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["CONTROL_KINDS", "control_cloud"]

#: The control clouds of :func:`control_cloud` and the verdict labels each may get (the first is the
#: expected one). Introduced in chapter 4.
CONTROL_KINDS: dict[str, tuple[str, ...]] = {
    "gaussian": ("consistent_with_mnd",),
    "student_t": ("large_scale_non_gaussian",),
    "softplus": ("large_scale_non_gaussian",),
    "banana": ("large_scale_non_gaussian",),
    "bimodal": ("large_scale_non_gaussian", "separate_clusters"),
    "sheet": ("continuous_small_scale_structure",),
    "curves": ("continuous_small_scale_structure", "separate_clusters"),
    "clusters": ("separate_clusters",),
}

_HEAD = 15


def _spectrum(dim: int) -> np.ndarray:
    """Standard deviations: 1 on 15 axes, the rest sharing 1/9 of their variance (90 % in the head)."""
    tail = max(dim - _HEAD, 1)
    return np.concatenate([np.ones(min(_HEAD, dim)), np.full(dim - min(_HEAD, dim), math.sqrt(_HEAD / 9 / tail))])


def _smooth_map(t: np.ndarray, rng: np.random.Generator, harmonics: int = 3) -> np.ndarray:
    """A smooth random map of parameters ``t`` (n, m) into the 15 head axes, unit variance per axis."""
    basis = np.concatenate([f(h * t) for h in range(1, harmonics + 1) for f in (np.cos, np.sin)], axis=1)
    decay = np.repeat(np.arange(1, harmonics + 1), 2 * t.shape[1])[:, None]
    points = basis @ (rng.normal(size=(basis.shape[1], _HEAD)) / decay)
    return (points - points.mean(axis=0)) / points.std(axis=0)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def control_cloud(kind: str, n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (float32) of the control ``kind`` (a key of :data:`CONTROL_KINDS`). Chapter 4.

    "gaussian": a normal cloud; "student_t": a multivariate t with 5 degrees of freedom (heavy tails,
    elliptical); "softplus": a Gaussian with ``softplus(2 x)`` on two axes, rescaled to standard deviation 2 so
    they lead (skewed, smooth, nothing finer); "banana": a Gaussian with two leading axes of standard deviation 1.5, the first bent,
    ``x1 + 0.5 (x2^2 - 2.25)``;
    "bimodal": two equal Gaussians 3 standard deviations apart on the first axis; "sheet": points on a
    smooth curved 3-D sheet in the head axes (parameters uniform on a cube) with noise of 2 % of their
    spread; "curves": 3 smooth closed curves in the head axes with the same noise; "clusters": 5
    Gaussian clusters of standard deviation 1/4 whose centres are normal in the head.
    """
    if kind not in CONTROL_KINDS:
        raise ValueError(f"unknown control {kind!r}; use one of {sorted(CONTROL_KINDS)}")
    sigmas = _spectrum(dim)
    white = rng.standard_normal((n, dim))
    x = white * sigmas
    if kind == "student_t":
        x /= np.sqrt(rng.chisquare(5, n) / 5)[:, None]
    elif kind == "softplus":
        bent = _softplus(2.0 * x[:, :2])
        x[:, :2] = 2.0 * (bent - bent.mean(axis=0)) / bent.std(axis=0)
    elif kind == "banana":
        x[:, :2] *= 1.5
        x[:, 0] += 0.5 * (x[:, 1] ** 2 - 2.25)
    elif kind == "bimodal":
        x[:, 0] += np.where(rng.random(n) < 0.5, -1.5, 1.5)
    elif kind in ("sheet", "curves"):
        x *= 0.02
        t = (rng.uniform(-1.0, 1.0, (n, 3)) if kind == "sheet"
             else rng.uniform(0.0, 2.0 * math.pi, (n, 1)))
        if kind == "sheet":
            x[:, :_HEAD] += _smooth_map(t, rng)
        else:
            which = rng.integers(0, 3, n)
            maps = [_smooth_map(t, rng, harmonics=4) for _ in range(3)]
            x[:, :_HEAD] += np.choose(which[:, None], maps)
    elif kind == "clusters":
        x *= 0.25
        x[:, :_HEAD] += rng.standard_normal((5, _HEAD))[rng.integers(0, 5, n)]
    rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    return (x @ rotation).astype(np.float32)
