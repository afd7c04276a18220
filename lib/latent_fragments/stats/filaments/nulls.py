"""The null models of chapter 4, declared once in :data:`NULL_MODELS` (chapter 4).

Each null is a :class:`NullModel` record: its ``key`` (also its colour's key in
:data:`latent_fragments.plots.style.COLORS`), display ``label``, its ``role`` in the verdict, its
``colour`` in every figure and how it is fitted to a cloud (the fitted object draws points with ``sample(n, rng)``). The verdict, its table, the
figure and the page loop over the registry; adding a null is one record here (and its test).

- ``mnd`` (role "gaussian"): the multivariate normal with the data's mean and covariance. Any departure
  from it is non-Gaussianity, at whatever scale.
- ``radius_matched`` (role "elliptical"): uniform directions in the whitened coordinates of that
  Gaussian, with Mahalanobis radii resampled from the data's: the data's radial profile (heavy tails, a
  hollow core) in an elliptical cloud. Clusters beyond it are fragments of the large-scale shape.
- ``mixture`` (role "shape"): :class:`~.mixture.HeadMixture`, the data's large-scale, non-elliptical
  shape on the leading axes and no structure finer than its components. Only departures from it are
  small-scale structure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from ..components import as_cloud
from ..gaussian import Gaussian
from ..generators import generator_kind
from .mixture import HeadMixture

__all__ = ["NULL_MODELS", "NULL_ROLES", "NullModel", "NullSettings", "Sampler", "RadiusMatched", "fit_null",
           "null_model", "nulls_with_role"]

#: What a null's departures mean in the verdict (:func:`~.verdict.verdict_label`).
NULL_ROLES: tuple[str, ...] = ("gaussian", "elliptical", "shape")


class Sampler(Protocol):
    """A fitted null: draws ``n`` points (float32) with ``rng``."""

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray: ...


@dataclass(frozen=True)
class NullSettings:
    """What a null's fit may need besides the cloud: the leading axes and the mixture's components."""

    n_axes: int = 5
    n_components: int = 4


def _rank(gaussian: Gaussian) -> int:
    """Number of principal axes with a variance above 1e-12 of the largest (at least 1)."""
    largest = max(float(gaussian.variances[0]), np.finfo(float).tiny)
    return max(1, int(np.count_nonzero(gaussian.variances > 1e-12 * largest)))


@dataclass(frozen=True)
class RadiusMatched:
    """The radius-matched null fitted to one cloud: its Gaussian and its Mahalanobis radii. Chapter 4."""

    gaussian: Gaussian
    radii: np.ndarray

    @classmethod
    def fit(cls, z: np.ndarray, gaussian: Gaussian) -> "RadiusMatched":
        """The radii of ``z`` in ``gaussian``'s non-degenerate axes."""
        return cls(gaussian, np.linalg.norm(gaussian.whiten(z, _rank(gaussian)), axis=1))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points (float32): uniform whitened directions, radii resampled with replacement."""
        directions = rng.standard_normal((int(n), _rank(self.gaussian)))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        white = directions * rng.choice(self.radii, size=int(n), replace=True)[:, np.newaxis]
        return self.gaussian.unwhiten(white).astype(np.float32)


@dataclass(frozen=True)
class NullModel:
    """One null model of chapter 4 (see the module). Introduced in chapter 4.

    ``fit(z, gaussian, settings)`` returns a :class:`Sampler`; ``gaussian`` is ``Gaussian.fit(z)``.
    """

    key: str
    label: str
    role: str
    fit: Callable[[np.ndarray, Gaussian, NullSettings], Sampler]
    description: str
    colour: str


#: The null models of chapter 4, by key, in the order the page shows them.
NULL_MODELS: dict[str, NullModel] = {null.key: null for null in (
    NullModel("mnd", "fitted MND", "gaussian", lambda z, g, s: g,
              "the multivariate normal with the data's mean and covariance", generator_kind("mnd").colour),
    NullModel("radius_matched", "radius-matched null", "elliptical", lambda z, g, s: RadiusMatched.fit(z, g),
              "an elliptical cloud with the data's mean, covariance and Mahalanobis radii", "#393b79"),
    NullModel("mixture", "shape-matched mixture", "shape",
              lambda z, g, s: HeadMixture.fit(z, g, s.n_axes, s.n_components),
              "a Gaussian mixture on the leading principal axes, independent normals in the rest", "#ad494a"),
)}


def nulls_with_role(role: str) -> list[str]:
    """Keys of the nulls of :data:`NULL_MODELS` with ``role``. Introduced in chapter 4."""
    if role not in NULL_ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {NULL_ROLES}")
    return [key for key, null in NULL_MODELS.items() if null.role == role]


def fit_null(z: np.ndarray, kind: str, gaussian: Gaussian | None = None,
             settings: NullSettings = NullSettings()) -> Sampler:
    """The null model ``kind`` (a key of :data:`NULL_MODELS`) fitted to ``z``. Introduced in chapter 4.

    ``gaussian``: ``Gaussian.fit(z)`` if already at hand (it is not checked).
    """
    if kind not in NULL_MODELS:
        raise ValueError(f"unknown null model {kind!r}; use one of {sorted(NULL_MODELS)}")
    z = as_cloud(z, "z")
    return NULL_MODELS[kind].fit(z, Gaussian.fit(z) if gaussian is None else gaussian, settings)


def null_model(z: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (float32) from the multivariate normal fitted to ``z``. Introduced in chapter 4.

    Same mean and full sample covariance as ``z``: the null hypothesis "the z-points are one Gaussian
    ellipsoid without any smaller structure" (the page's zoomed views).
    """
    return fit_null(z, "mnd").sample(n, rng)
