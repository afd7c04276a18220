"""The book's one Gaussian object: mean, covariance, eigendecomposition, whitening, Mahalanobis.

Introduced in chapter 1 (the multivariate normal fitted to the z-points, against which random points
are judged), measured in chapter 2 and read as a principal component analysis in chapter 3 (the
fragment). Point clouds have shape ``(n, dim)``; statistics are computed in float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["Gaussian", "as_cloud", "log_det_bias"]

#: Principal axes whose variance is below this fraction of the largest variance count as degenerate:
#: their standard deviation is floored at ``sqrt(_REL_VAR_FLOOR) * sigma_1`` when whitening.
_REL_VAR_FLOOR = 1e-12


def as_cloud(z: np.ndarray, what: str = "z") -> np.ndarray:
    """A point cloud as a float64 array of shape (n, dim) (one point may be given as a vector); chapter 1."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 1:
        z = z[np.newaxis, :]
    if z.ndim != 2:
        raise ValueError(f"{what} must have shape (n, dim), got {z.shape}")
    return z


def log_det_bias(n: int, dim: int) -> float:
    """Expected error ``E[log det S] - log det Sigma`` of the sample covariance ``S`` (ddof=1) of ``n`` normal points.

    Introduced in chapter 2 (the volume of the data's ellipsoid). ``(n - 1) S`` is Wishart with ``n - 1``
    degrees of freedom, so ``E[log det S] = log det Sigma + sum_{i=1..dim} psi((n - i) / 2) + dim log(2 / (n - 1))``
    whatever ``Sigma`` is (``psi`` the digamma function); about ``-dim (dim + 1) / (2 n)`` for ``n >> dim``.
    Always negative: the estimate makes the ellipsoid too small. Needs ``n > dim``.
    """
    n, dim = int(n), int(dim)
    if dim < 1 or n <= dim:
        raise ValueError(f"need n > dim >= 1, got n={n}, dim={dim}")
    i = np.arange(1, dim + 1)
    return float(np.sum(special.digamma((n - i) / 2.0)) + dim * math.log(2.0 / (n - 1)))


@dataclass
class Gaussian:
    """A multivariate normal model of a point cloud: mean, covariance and its eigendecomposition.

    The book's one Gaussian object (chapters 1-2 fit it to the z-points; chapter 3 calls it the fragment
    and reads it as a principal component analysis). Fitted once and passed around: whitening,
    Mahalanobis distances, sampling and the log-determinant all use the same eigendecomposition.

    Attributes
    ----------
    mean : (dim,)
        Centre of the cloud (sample mean).
    components : (dim, dim)
        Principal axes as *rows*, orthonormal, ordered by decreasing variance. The sign of each axis
        is fixed so that its largest-magnitude entry is positive (reproducible plots).
    variances : (dim,)
        Variance of the scores along each axis (eigenvalues of the sample covariance, ddof=1),
        descending, clipped at 0.
    explained_ratio : (dim,)
        ``variances / variances.sum()``.
    n_points : int
        Number of z-points the PCA was fitted on.

    Scores are ``(z - mean) @ components.T``; the whitened scores divide them by ``sqrt(variances)``,
    so that a normal cloud becomes a standard normal one and the Mahalanobis distance is the
    Euclidean norm of the whitened scores.
    """

    mean: np.ndarray
    components: np.ndarray
    variances: np.ndarray
    explained_ratio: np.ndarray
    n_points: int = 0

    # ------------------------------------------------------------------ construction
    @classmethod
    def fit(cls, z: np.ndarray) -> "Gaussian":
        """PCA of the z-points ``z`` via ``numpy.linalg.eigh`` of the sample covariance (ddof=1).

        Eigenvalues are sorted in decreasing order and clipped at 0 (round-off can make the smallest
        ones slightly negative).
        """
        z = as_cloud(z)
        n, dim = z.shape
        if n < 2:
            raise ValueError(f"need at least 2 z-points, got {n}")
        mean = z.mean(axis=0)
        cov = np.cov(z, rowvar=False).reshape(dim, dim)
        eigval, eigvec = np.linalg.eigh(0.5 * (cov + cov.T))
        return cls._from_eigh(mean, eigval, eigvec, n)

    @classmethod
    def fit_shrunk(cls, z: np.ndarray) -> "Gaussian":
        """Sample mean and Ledoit-Wolf shrinkage covariance of ``z``. Introduced in chapter 1.

        For clouds with not many more points than dimensions (ORL: 360 points in 256 dimensions) the
        sample covariance is noisy or singular; :class:`sklearn.covariance.LedoitWolf` shrinks it towards
        a multiple of the identity with the shrinkage that minimises the expected squared error (its
        covariance is the ddof=0 one). Always positive definite.
        """
        from sklearn.covariance import LedoitWolf

        z = as_cloud(z)
        if z.shape[0] < 2:
            raise ValueError(f"need at least 2 z-points, got {z.shape[0]}")
        cov = LedoitWolf(assume_centered=False).fit(z).covariance_
        return cls.from_moments(z.mean(axis=0), cov, n_points=z.shape[0])

    @classmethod
    def from_moments(cls, mean: np.ndarray, cov: np.ndarray, n_points: int = 0) -> "Gaussian":
        """The Gaussian of a given mean and symmetric positive semi-definite covariance.

        Round-off may leave tiny negative eigenvalues (clipped to 0); clearly negative ones are an error.
        """
        mean = np.asarray(mean, dtype=np.float64)
        if mean.ndim != 1 or mean.shape[0] < 1:
            raise ValueError(f"mean must be a non-empty vector, got shape {mean.shape}")
        dim = mean.shape[0]
        cov = np.asarray(cov, dtype=np.float64)
        if cov.shape != (dim, dim):
            raise ValueError(f"cov must have shape ({dim}, {dim}), got {cov.shape}")
        if not (np.all(np.isfinite(cov)) and np.all(np.isfinite(mean))):
            raise ValueError("mean and cov must be finite")
        eigval, eigvec = np.linalg.eigh(0.5 * (cov + cov.T))
        tolerance = 1e-10 * max(float(np.abs(eigval).max(initial=0.0)), np.finfo(float).tiny)
        if eigval.min(initial=0.0) < -tolerance * dim:
            raise ValueError(f"covariance is not positive semi-definite (smallest eigenvalue {eigval.min():.3g})")
        return cls._from_eigh(mean, eigval, eigvec, n_points)

    @classmethod
    def _from_eigh(cls, mean: np.ndarray, eigval: np.ndarray, eigvec: np.ndarray, n_points: int) -> "Gaussian":
        dim = mean.shape[0]
        order = np.argsort(eigval)[::-1]
        variances = np.clip(eigval[order], 0.0, None)
        components = eigvec[:, order].T.copy()
        # deterministic sign: largest-magnitude entry of every axis positive
        pivots = np.argmax(np.abs(components), axis=1)
        signs = np.sign(components[np.arange(dim), pivots])
        signs[signs == 0] = 1.0
        components *= signs[:, np.newaxis]
        total = variances.sum()
        explained = variances / total if total > 0 else np.full(dim, 1.0 / dim)
        return cls(mean=mean, components=components, variances=variances, explained_ratio=explained,
                   n_points=int(n_points))

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        """Dimension of the latent space."""
        return int(self.mean.shape[0])

    @property
    def sigmas(self) -> np.ndarray:
        """Standard deviation along each principal axis, ``sqrt(variances)``."""
        return np.sqrt(self.variances)

    @property
    def cov(self) -> np.ndarray:
        """The covariance matrix ``components.T @ diag(variances) @ components``."""
        return (self.components.T * self.variances) @ self.components

    def _whitening_sigmas(self) -> np.ndarray:
        sigmas = self.sigmas
        floor = math.sqrt(_REL_VAR_FLOOR) * float(sigmas.max(initial=0.0))
        return np.maximum(sigmas, floor if floor > 0 else 1.0)

    # ------------------------------------------------------------------ transformations
    def to_pca(self, z: np.ndarray, n_components: int | None = None) -> np.ndarray:
        """PCA scores ``(z - mean) @ components.T``, shape ``(n, dim)`` or ``(n, n_components)``."""
        z = as_cloud(z)
        axes = self.components if n_components is None else self.components[:int(n_components)]
        return (z - self.mean) @ axes.T

    def from_pca(self, scores: np.ndarray) -> np.ndarray:
        """Back from scores to z-points: ``mean + scores @ components[:k]`` for ``k`` score columns.

        Fewer than ``dim`` columns mean the remaining scores are 0 (a point in the span of the
        leading axes).
        """
        scores = as_cloud(scores, "scores")
        k = scores.shape[1]
        if k > self.dim:
            raise ValueError(f"scores have {k} columns, more than dim={self.dim}")
        return self.mean + scores @ self.components[:k]

    def whiten(self, z: np.ndarray, n_components: int | None = None) -> np.ndarray:
        """Whitened scores: PCA scores divided by the standard deviation of their axis.

        Degenerate axes (variance below 1e-12 of the largest) are divided by the floored standard
        deviation ``1e-6 * sigma_1`` instead of 0.
        """
        k = self.dim if n_components is None else int(n_components)
        return self.to_pca(z, k) / self._whitening_sigmas()[:k]

    def unwhiten(self, white: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`whiten`: whitened scores (leading ``k`` columns) -> z-points."""
        white = as_cloud(white, "white")
        return self.from_pca(white * self.sigmas[:white.shape[1]])

    def mahalanobis(self, z: np.ndarray, squared: bool = False) -> np.ndarray:
        """Mahalanobis distances of the rows of ``z`` from the centre (norm of the whitened scores)."""
        white = self.whiten(z)
        d2 = np.einsum("ij,ij->i", white, white)
        return d2 if squared else np.sqrt(d2)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points drawn from this normal distribution, float32 of shape ``(n, dim)``."""
        n = int(n)
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        white = rng.standard_normal((n, self.dim))
        return (self.mean + (white * self.sigmas) @ self.components).astype(np.float32)

    def log_det(self) -> float:
        """Natural log of the covariance's determinant (``-inf`` for a singular covariance)."""
        with np.errstate(divide="ignore"):
            return float(np.sum(np.log(self.variances)))

    def radius_moments(self) -> tuple[float, float]:
        """Mean and variance of the squared radius ``R^2 = |z|^2`` of this normal's points. Chapter 1.

        ``E[R^2] = |mu|^2 + tr Sigma`` and ``Var(R^2) = 2 tr(Sigma^2) + 4 mu^T Sigma mu``, so the radius
        ``R`` concentrates at about ``sqrt(E[R^2])`` with spread about ``sqrt(Var(R^2)) / (2 sqrt(E[R^2]))``:
        a normal cloud in many dimensions is a thin shell too, off-centre if ``mu != 0``.
        """
        along = self.components @ self.mean
        mean_r2 = float(self.mean @ self.mean + self.variances.sum())
        var_r2 = float(2.0 * np.sum(self.variances ** 2) + 4.0 * np.sum(self.variances * along ** 2))
        return mean_r2, var_r2

    # ------------------------------------------------------------------ summaries
    def n_components_for(self, fraction: float) -> int:
        """Smallest number ``k`` of leading axes that explain at least ``fraction`` of the variance."""
        fraction = float(fraction)
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        cumulative = np.cumsum(self.explained_ratio)
        k = int(np.searchsorted(cumulative, fraction * (1.0 - 1e-12), side="left")) + 1
        return min(k, self.dim)

    def centre_distance_sigma(self) -> float:
        """Mahalanobis distance of the origin from the centre: how many "sigmas" the origin lies off.

        For a normal cloud, ``d^2`` of its own points is chi-square distributed with ``dim`` degrees of
        freedom (typical value ``sqrt(dim)``), so compare the result with ``sqrt(dim)``, not with 1.
        """
        return float(self.mahalanobis(np.zeros(self.dim))[0])
