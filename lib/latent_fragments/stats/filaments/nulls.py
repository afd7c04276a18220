"""Null models of chapter 4: the fitted multivariate normal, and one with the data's own radii.

Both keep the data's mean and covariance (one :class:`latent_fragments.stats.gaussian.Gaussian` fit).
The MND null draws Gaussian points; the radius-matched null draws uniform directions in the whitened
coordinates and Mahalanobis radii resampled from the data, so that it matches the data's large-scale
radial profile (heavy tails, a hollow core) and differs from them only at smaller scales.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import as_cloud
from ..gaussian import Gaussian

__all__ = ["NULL_MODELS", "FittedNull", "fit_null", "null_model", "radius_matched_null"]

#: The null models of chapter 4: key -> display name.
NULL_MODELS: dict[str, str] = {"mnd": "fitted MND", "radius_matched": "radius-matched null"}


def _rank(gaussian: Gaussian) -> int:
    """Number of principal axes with a variance above 1e-12 of the largest (at least 1)."""
    largest = max(float(gaussian.variances[0]), np.finfo(float).tiny)
    return max(1, int(np.count_nonzero(gaussian.variances > 1e-12 * largest)))


@dataclass(frozen=True)
class FittedNull:
    """A null model fitted to one cloud: its Gaussian and, for the radius-matched null, the radii.

    Introduced in chapter 4. ``radii=None``: the MND; else the Mahalanobis radii of the cloud in
    ``gaussian``'s non-degenerate axes, resampled with replacement for each drawn point.
    """

    kind: str
    gaussian: Gaussian
    radii: np.ndarray | None = None

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points (float32) of this null."""
        if self.radii is None:
            return self.gaussian.sample(n, rng)
        rank = _rank(self.gaussian)
        directions = rng.standard_normal((int(n), rank))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        white = directions * rng.choice(self.radii, size=int(n), replace=True)[:, np.newaxis]
        return self.gaussian.unwhiten(white).astype(np.float32)


def fit_null(z: np.ndarray, kind: str, gaussian: Gaussian | None = None) -> FittedNull:
    """The null model ``kind`` (a key of :data:`NULL_MODELS`) fitted to ``z``. Introduced in chapter 4.

    ``gaussian``: ``Gaussian.fit(z)`` if already at hand (it is not checked).
    """
    if kind not in NULL_MODELS:
        raise ValueError(f"unknown null model {kind!r}; use one of {sorted(NULL_MODELS)}")
    z = as_cloud(z, "z")
    gaussian = Gaussian.fit(z) if gaussian is None else gaussian
    if kind == "mnd":
        return FittedNull(kind, gaussian)
    radii = np.linalg.norm(gaussian.whiten(z, _rank(gaussian)), axis=1)
    return FittedNull(kind, gaussian, radii)


def null_model(z: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (float32) from the multivariate normal fitted to ``z``. Introduced in chapter 4.

    Same mean and full sample covariance as ``z``: the null hypothesis "the z-points are one Gaussian
    ellipsoid without any smaller structure".
    """
    return fit_null(z, "mnd").sample(n, rng)


def radius_matched_null(z: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (float32) with the data's mean, covariance and Mahalanobis radii. Chapter 4.

    Uniform directions in the whitened coordinates of the fitted Gaussian, radii resampled from the
    data's: an elliptical distribution with the data's radial profile and no other structure.
    """
    return fit_null(z, "radius_matched").sample(n, rng)
