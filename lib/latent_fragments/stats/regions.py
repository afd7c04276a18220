"""Predictive ellipsoids: regions of the latent space that hold a stated share of *new* z-points.

Introduced in chapter 1. A normal distribution fitted to ``n`` training z-points in ``dim`` dimensions
has an estimated mean and covariance; its nominal level-``p`` ellipsoid ``{d^2 <= chi2.ppf(p, dim)}``
holds a share ``p`` of the *fitted* distribution but much less of new points from the true one when
``n`` is not far above ``dim`` (at ``dim = 256``: 0.955 of new points for ``n = 5,400``, 0.55 for
``n = 1,500``, about 0 for ``n = 360``). The predictive region corrects for the estimation:

- ``"hotelling"`` (``n > 2 dim``): with the sample mean and covariance (ddof=1), a new point ``x`` of
  the same normal has ``n / (n + 1) d^2(x) ~ T^2(dim, n - 1) = (n - 1) dim / (n - dim) F(dim, n - dim)``,
  so ``d^2 <= (n + 1) / n * T^2`` quantile is exact at every ``n > dim``;
- ``"ledoit-wolf"`` (``n <= 2 dim``): the Ledoit-Wolf shrinkage covariance
  (:meth:`latent_fragments.stats.gaussian.Gaussian.fit_shrunk`), whose ``d^2`` has no closed-form
  law; its quantiles are those of the training points' own cross-validated distances (20 folds: each
  fold's ``d^2`` under the shrinkage fit to the other 19), which needs no normality. The level is then
  met up to the error of an empirical quantile of ``n`` values, ``sqrt(p (1 - p) / n)``.

"The share of points inside an ellipsoid" is computed here once, by :func:`ellipsoid_share`, at one of
two levels: the nominal chi-square level (:func:`nominal_threshold`; chapters 1 and 2 show it on
purpose, to show that it misses, and chapter 3 applies it to a known normal) or the predictive level
(:meth:`PredictiveRegion.threshold`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
from scipy import stats

from .gaussian import Gaussian, as_cloud

__all__ = ["COVARIANCE_NAMES", "PredictiveRegion", "ellipsoid_share", "nominal_share_inside", "nominal_threshold"]

#: How each method estimates the covariance, for the text.
COVARIANCE_NAMES = {"hotelling": "sample covariance", "ledoit-wolf": "Ledoit-Wolf shrinkage covariance"}

#: The Hotelling region is used when the training set has more than this many points per dimension.
HOTELLING_MIN_RATIO = 2.0
_FOLDS = 20


@dataclass(frozen=True)
class PredictiveRegion:
    """Level-``p`` regions ``{d^2 <= threshold(p)}`` of a Gaussian fitted to training z-points.

    Introduced in chapter 1. ``gaussian`` is the fitted model (its Mahalanobis distance ``d``),
    ``method`` ``"hotelling"`` or ``"ledoit-wolf"`` (see the module), ``null_d2`` the cross-validated
    squared distances of the training points (Ledoit-Wolf only). Make it with :meth:`fit`.
    """

    gaussian: Gaussian
    method: str
    n_train: int
    null_d2: np.ndarray | None = None

    @classmethod
    def fit(cls, z: np.ndarray, method: str = "auto", seed: int = 0) -> "PredictiveRegion":
        """Fit to the training z-points ``z``; ``method`` "auto" picks by ``n / dim`` (see the module)."""
        z = as_cloud(z)
        n, dim = z.shape
        if method == "auto":
            method = "hotelling" if n > HOTELLING_MIN_RATIO * dim else "ledoit-wolf"
        if method == "hotelling":
            if n <= dim + 1:
                raise ValueError(f"the Hotelling region needs n > dim + 1, got n={n}, dim={dim}")
            return cls(Gaussian.fit(z), "hotelling", n)
        if method != "ledoit-wolf":
            raise ValueError(f"unknown method {method!r}; use 'auto', 'hotelling' or 'ledoit-wolf'")
        if n < _FOLDS:
            raise ValueError(f"the Ledoit-Wolf region needs at least {_FOLDS} points, got {n}")
        return cls(Gaussian.fit_shrunk(z), "ledoit-wolf", n, _cross_validated_d2(z, np.random.default_rng(seed)))

    @property
    def covariance_name(self) -> str:
        """How the covariance was estimated, for the text."""
        return COVARIANCE_NAMES[self.method]

    def threshold(self, level: float) -> float:
        """The squared Mahalanobis distance below which a share ``level`` of new points lies."""
        level = float(level)
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        if self.null_d2 is not None:
            return float(np.quantile(self.null_d2, level))
        n, dim = self.n_train, self.gaussian.dim
        t2 = (n - 1) * dim / (n - dim) * stats.f.ppf(level, dim, n - dim)
        return float((n + 1) / n * t2)

    def share_inside(self, x: np.ndarray, levels: Iterable[float] = (0.95, 0.99)) -> dict[float, float]:
        """Share of the rows of ``x`` inside each level's region, ``{level: share}`` (the predictive mode
        of :func:`ellipsoid_share`)."""
        return {float(level): ellipsoid_share(x, self.gaussian, self.threshold(level)) for level in levels}


def _cross_validated_d2(z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Squared distance of every point under the shrinkage fit to the folds it is not in."""
    folds = rng.permutation(len(z)) % _FOLDS
    out = np.empty(len(z))
    for k in range(_FOLDS):
        held = folds == k
        out[held] = Gaussian.fit_shrunk(z[~held]).mahalanobis(z[held], squared=True)
    return out


def ellipsoid_share(x: np.ndarray, gaussian: Gaussian, threshold: float) -> float:
    """Share of the rows of ``x`` inside the ellipsoid ``{d^2 <= threshold}`` of ``gaussian`` (squared
    Mahalanobis distance). The one implementation of this share; ``threshold`` is the nominal
    (:func:`nominal_threshold`) or the predictive (:meth:`PredictiveRegion.threshold`) one. Introduced in
    chapter 1."""
    d2 = gaussian.mahalanobis(as_cloud(x, "x"), squared=True)
    return float(np.mean(d2 <= threshold))


def nominal_threshold(level: float, dim: int) -> float:
    """``chi2.ppf(level, dim)``: the squared distance inside which a share ``level`` of a *known* normal
    lies (not of new points when the normal is estimated from data). Introduced in chapter 1."""
    return float(stats.chi2.ppf(float(level), int(dim)))


def nominal_share_inside(z_train: np.ndarray, x: np.ndarray, level: float = 0.99) -> float:
    """Share of ``x`` in the *nominal* chi-square ellipsoid of the sample Gaussian of ``z_train``.

    Introduced in chapter 1, to show how far the uncorrected ellipsoid misses its level.
    """
    gaussian = Gaussian.fit(z_train)
    return ellipsoid_share(x, gaussian, nominal_threshold(level, gaussian.dim))
