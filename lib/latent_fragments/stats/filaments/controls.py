"""Control clouds whose answer is known, for chapter 4's verdict (tests and benchmarks).

All have the shape of the book's z-points: ``n`` points in ``dim`` dimensions with about 90 % of the
variance in 15 leading axes (unit variance each; the remaining axes share the rest), randomly rotated.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["CONTROL_KINDS", "control_cloud"]

#: The control clouds of :func:`control_cloud` and the verdict each should get.
CONTROL_KINDS: dict[str, str] = {
    "gaussian": "consistent_with_mnd",
    "student_t": "large_scale_non_gaussian",
    "curves": "continuous_small_scale_structure",
    "clusters": "separate_clusters",
}

_HEAD = 15


def _spectrum(dim: int) -> np.ndarray:
    """Standard deviations: 1 on 15 axes, the rest sharing 1/9 of their variance (90 % in the head)."""
    tail = max(dim - _HEAD, 1)
    return np.concatenate([np.ones(min(_HEAD, dim)), np.full(dim - min(_HEAD, dim), math.sqrt(_HEAD / 9 / tail))])


def _curves(n: int, rng: np.random.Generator, n_curves: int = 3, harmonics: int = 4) -> np.ndarray:
    """Points on ``n_curves`` smooth random closed curves in the 15 head axes, unit variance per axis."""
    which = rng.integers(0, n_curves, n)
    t = rng.uniform(0.0, 2.0 * math.pi, n)
    basis = np.concatenate([np.stack([np.cos(h * t), np.sin(h * t)], axis=1) for h in range(1, harmonics + 1)],
                           axis=1)
    decay = np.repeat(np.arange(1, harmonics + 1), 2)[:, None]
    coef = rng.normal(size=(n_curves, 2 * harmonics, _HEAD)) / decay
    points = np.einsum("nh,nhd->nd", basis, coef[which])
    return (points - points.mean(axis=0)) / points.std(axis=0)


def control_cloud(kind: str, n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (float32) of the control ``kind`` (a key of :data:`CONTROL_KINDS`). Chapter 4.

    "gaussian": a normal cloud; "student_t": a multivariate t with 5 degrees of freedom (heavy tails,
    elliptical); "curves": 3 smooth closed curves in the head axes with noise of 2 % of their spread;
    "clusters": 5 Gaussian clusters of standard deviation 1/4 whose centres are normal in the head.
    """
    sigmas = _spectrum(dim)
    white = rng.standard_normal((n, dim))
    if kind == "gaussian":
        x = white * sigmas
    elif kind == "student_t":
        x = white * sigmas / np.sqrt(rng.chisquare(5, n) / 5)[:, None]
    elif kind == "curves":
        x = 0.02 * white * sigmas
        x[:, :_HEAD] += _curves(n, rng)
    elif kind == "clusters":
        x = 0.25 * white * sigmas
        x[:, :_HEAD] += rng.standard_normal((5, _HEAD))[rng.integers(0, 5, n)]
    else:
        raise ValueError(f"unknown control {kind!r}; use one of {sorted(CONTROL_KINDS)}")
    rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    return (x @ rotation).astype(np.float32)
