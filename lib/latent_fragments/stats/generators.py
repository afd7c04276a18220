"""Statistical generators of latent points (chapters 1-3).

A *generator* draws artificial z-points that are fed to the decoder instead of encoded images. The
blog series compares several of them: a uniform distribution in a cube (part II), a uniform ball,
isotropic and per-component normal distributions, and a multivariate normal fitted to the encoded
training data (parts III-IV). All share one small interface::

    gen.label                     # display text for legends and page text, e.g. "uniform cube b=1.50"
    gen.kind                      # the family's key in GENERATOR_KINDS (its colour), e.g. "cube"
    gen.key                       # stable key of this generator in a table, e.g. "mnd_truncated_2"
    gen.dim                       # dimension of the latent space
    gen.sample(n, rng)            # float32 array of shape (n, dim)

The families are declared once, in :data:`GENERATOR_KINDS` (key, display label, colour, how chapter 2
matches it to the data and which members chapter 3 compares); the book's palette
(:mod:`latent_fragments.plots.style`), chapter 2's :func:`matched_generators` and chapter 3's
:func:`fragment_generators` iterate over it, so a new family is a class and one record here (plus its
test). The normal generators sample through :class:`latent_fragments.stats.gaussian.Gaussian`.

Sampling is done in float64 and cast to float32 (the dtype of the encoder's output); the same
``numpy.random.Generator`` state always gives the same points.

This module only needs numpy; it imports no deep-learning framework.
"""
from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .gaussian import Gaussian

__all__ = [
    "Generator",
    "UniformCube",
    "UniformBall",
    "IsotropicNormal",
    "IndependentNormal",
    "MultivariateNormal",
    "thin_shell_radius",
    "cube_b_matching_radius",
    "matched_generators",
    "TruncatedNormal",
    "UniformEllipsoid",
    "GaussianMixtureGenerator",
    "GeneratorKind",
    "FragmentFit",
    "GENERATOR_KINDS",
    "generator_kind",
    "walk_kinds",
    "fragment_generators",
]


class Generator(abc.ABC):
    """Common interface of all latent-point generators. Introduced in chapter 1.

    Subclasses set ``label`` (display text for legends and pages), ``kind`` (the family's key in
    :data:`GENERATOR_KINDS`, also its colour key) and ``dim``, and implement :meth:`sample`; a family with
    parameters overrides :attr:`key` so that two members of it can share a table.
    """

    label: str
    kind: str
    dim: int

    @property
    def key(self) -> str:
        """Stable key of this generator in a table (never its display label): the family's by default."""
        return self.kind

    @abc.abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` points as a float32 array of shape ``(n, dim)``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label!r} dim={self.dim}>"


def _check_n(n: int) -> int:
    n = int(n)
    if n < 0:
        raise ValueError(f"number of samples must be >= 0, got {n}")
    return n


def _check_dim(dim: int) -> int:
    dim = int(dim)
    if dim < 1:
        raise ValueError(f"dimension must be >= 1, got {dim}")
    return dim


def _positive(value: float, what: str) -> float:
    if not value > 0:
        raise ValueError(f"{what} must be > 0, got {value}")
    return float(value)


def _as_vector(value, dim: int, what: str) -> np.ndarray:
    vec = np.zeros(dim) if value is None else np.asarray(value, dtype=np.float64)
    if vec.ndim == 0:
        vec = np.full(dim, float(vec))
    if vec.shape != (dim,):
        raise ValueError(f"{what} must have shape ({dim},), got {vec.shape}")
    return vec


class UniformCube(Generator):
    """Each component iid uniform in ``[-b, b]`` (blog part II). Introduced in chapter 1.

    In high dimension almost all points of the cube lie in a thin shell of radius about
    ``b * sqrt(dim / 3)`` (see :func:`thin_shell_radius`) - far from where encoded images lie.
    """

    kind = "cube"

    def __init__(self, dim: int, b: float, name: str | None = None) -> None:
        self.dim = _check_dim(dim)
        self.b = _positive(b, "half edge length b")
        self.label = name or f"uniform cube b={self.b:.2f}"

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = _check_n(n)
        return rng.uniform(-self.b, self.b, size=(n, self.dim)).astype(np.float32)


class UniformBall(Generator):
    """Uniform distribution in the solid ball of ``radius`` around ``center``. Introduced in chapter 1.

    A direction is drawn from an isotropic normal and normalised; the distance from the centre is
    ``radius * U**(1/dim)`` with ``U`` uniform in [0, 1], so that the density is constant in the ball.
    In high dimension nearly all the volume (and all points) sits just below the surface.
    """

    kind = "ball"

    def __init__(self, dim: int, radius: float, center: np.ndarray | None = None,
                 name: str | None = None) -> None:
        self.dim = _check_dim(dim)
        self.radius = _positive(radius, "radius")
        self.center = _as_vector(center, self.dim, "center")
        self.label = name or f"uniform ball r={self.radius:.2f}"

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = _check_n(n)
        directions = rng.standard_normal((n, self.dim))
        norms = np.linalg.norm(directions, axis=1, keepdims=True)
        norms[norms == 0] = 1.0  # probability zero, but never divide by zero
        distances = self.radius * rng.uniform(0.0, 1.0, size=(n, 1)) ** (1.0 / self.dim)
        return (self.center + directions / norms * distances).astype(np.float32)


class IsotropicNormal(Generator):
    """Normal distribution with covariance ``sigma**2 * I`` around ``mean``. Introduced in chapter 2."""

    kind = "isotropic_normal"

    def __init__(self, dim: int, sigma: float = 1.0, mean: np.ndarray | None = None,
                 name: str | None = None) -> None:
        self.dim = _check_dim(dim)
        self.sigma = _positive(sigma, "sigma")
        self.mean = _as_vector(mean, self.dim, "mean")
        self.label = name or f"isotropic normal σ={self.sigma:.2f}"

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = _check_n(n)
        return (self.mean + self.sigma * rng.standard_normal((n, self.dim))).astype(np.float32)


class IndependentNormal(Generator):
    """Independent normal components with per-component ``mean`` and ``std``. Introduced in chapter 2.

    Reproduces each component's first two moments but ignores all correlations between components.
    """

    kind = "independent_normals"

    def __init__(self, mean: np.ndarray, std: np.ndarray, name: str | None = None) -> None:
        mean = np.asarray(mean, dtype=np.float64)
        if mean.ndim != 1:
            raise ValueError(f"mean must be a vector, got shape {mean.shape}")
        self.dim = _check_dim(mean.shape[0])
        self.mean = mean
        self.std = _as_vector(std, self.dim, "std")
        if np.any(self.std < 0) or not np.all(np.isfinite(self.std)):
            raise ValueError("std must be finite and >= 0")
        self.label = name or "independent normals"

    @classmethod
    def fit(cls, z: np.ndarray, name: str | None = None) -> "IndependentNormal":
        """Per-component sample mean and standard deviation (ddof=1) of the z-points ``z``."""
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 2 or z.shape[0] < 2:
            raise ValueError(f"z must have shape (n >= 2, dim), got {z.shape}")
        return cls(z.mean(axis=0), z.std(axis=0, ddof=1), name=name)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = _check_n(n)
        return (self.mean + self.std * rng.standard_normal((n, self.dim))).astype(np.float32)


class MultivariateNormal(Generator):
    """Normal distribution with full covariance matrix. Introduced in chapter 2.

    Fitted to the encoded training data (:meth:`fit`) it reproduces means, variances *and*
    correlations of the z-points (blog parts III-IV). Samples through its
    :class:`~latent_fragments.stats.gaussian.Gaussian` (eigendecomposition, so singular covariances
    - dead latent components - are fine).
    """

    kind = "mnd"

    def __init__(self, mean: np.ndarray, cov: np.ndarray, name: str | None = None) -> None:
        self.gaussian = Gaussian.from_moments(mean, cov)
        self.mean, self.cov, self.dim = self.gaussian.mean, self.gaussian.cov, self.gaussian.dim
        self.label = name or "multivariate normal"

    @classmethod
    def fit(cls, z: np.ndarray, name: str | None = None) -> "MultivariateNormal":
        """Sample mean and sample covariance (ddof=1) of the z-points ``z``."""
        gaussian = Gaussian.fit(z)
        return cls(gaussian.mean, gaussian.cov, name=name)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.gaussian.sample(_check_n(n), rng)


def thin_shell_radius(b: float, dim: int) -> tuple[float, float]:
    """Mean and standard deviation of the radius ``R = |x|`` of points uniform in ``[-b, b]^dim``.

    Introduced in chapter 2. With ``S = R^2 = sum x_i^2`` and ``x_i`` iid uniform in ``[-b, b]``
    (so ``x_i^2 = b^2 u^2`` with ``u`` uniform in [0, 1], ``E[u^(2k)] = 1/(2k+1)``), exactly

        m  = E[S]            = dim * b^2 / 3,
        v  = Var(S)          = dim * (b^4/5 - b^4/9) = dim * 4 b^4 / 45,
        k3 = E[(S - m)^3]    = dim * 16 b^6 / 945.

    The delta method - a Taylor expansion of ``sqrt(S)`` around ``m`` - gives the mean

        E[R] ~ sqrt(m) - v / (8 m^(3/2)) + k3 / (16 m^(5/2)) - 15 v^2 / (128 m^(7/2))

    (leading term ``b * sqrt(dim/3)``, the thin shell; the first correction is O(dim^-1/2), the
    last two O(dim^-3/2), the neglected terms O(dim^-5/2)), and the exact identity
    ``Var(R) = E[R^2] - E[R]^2 = m - E[R]^2`` gives the std, which tends to
    ``sqrt(v / (4 m)) = b / sqrt(15) = 0.258 b`` independently of ``dim``: the shell does not
    get thinner, but its radius grows like ``sqrt(dim)``. Compared with Monte Carlo the std is
    within 0.1 % for dim >= 16 (1 % at dim = 3). ``b`` may be a numpy array (element-wise result).
    """
    dim = _check_dim(dim)
    b = np.asarray(b, dtype=np.float64)
    m = dim * b**2 / 3.0
    v = dim * 4.0 * b**4 / 45.0
    k3 = dim * 16.0 * b**6 / 945.0
    with np.errstate(divide="ignore", invalid="ignore"):
        safe_m = np.where(m > 0, m, 1.0)
        correction = -v / (8.0 * safe_m**1.5) + k3 / (16.0 * safe_m**2.5) - 15.0 * v**2 / (128.0 * safe_m**3.5)
        mean = np.sqrt(m) + np.where(m > 0, correction, 0.0)
        std = np.sqrt(np.clip(m - mean**2, 0.0, None))
    if mean.ndim == 0:
        return float(mean), float(std)
    return mean, std


def cube_b_matching_radius(mean_radius: float, dim: int) -> float:
    """Half edge ``b`` of the cube whose thin-shell mean radius equals ``mean_radius``.

    Introduced in chapter 2. The mean radius of :func:`thin_shell_radius` is proportional to ``b``,
    so ``b = mean_radius / E[R](b=1)``; for large ``dim`` this is ``mean_radius * sqrt(3 / dim)``.
    """
    if not mean_radius > 0:
        raise ValueError(f"mean_radius must be > 0, got {mean_radius}")
    unit_mean, _ = thin_shell_radius(1.0, dim)
    return float(mean_radius) / unit_mean


def _mean_radius(z: np.ndarray) -> float:
    return float(np.linalg.norm(z, axis=1).mean())


def _matched_cube(z: np.ndarray) -> Generator:
    dim = z.shape[1]
    return UniformCube(dim, cube_b_matching_radius(_mean_radius(z), dim))


def _matched_ball(z: np.ndarray) -> Generator:
    dim = z.shape[1]
    return UniformBall(dim, _mean_radius(z) * (dim + 1) / dim)


def _matched_isotropic(z: np.ndarray) -> Generator:
    return IsotropicNormal(z.shape[1], _mean_radius(z) / np.sqrt(z.shape[1]))


def matched_generators(z_train: np.ndarray) -> list[Generator]:
    """The five generators of chapter 2, each matched to the training z-points ``z_train``.

    Introduced in chapter 2: every family of :data:`GENERATOR_KINDS` with a ``matched`` fit, in its order.
    The three generators that ignore the data's shape are matched to its mean radius ``<|z|>``: the
    uniform cube through :func:`cube_b_matching_radius`, the uniform ball through
    ``E[R] = r * dim / (dim + 1)``, the isotropic normal through ``E[R] ~ sigma * sqrt(dim)``. The
    independent normals take each component's mean and std; the multivariate normal the mean and full
    covariance (the reference).
    """
    z = np.asarray(z_train, dtype=np.float64)
    return [kind.matched(z) for kind in GENERATOR_KINDS if kind.matched is not None]


# --------------------------------------------------------------------------------------------
# Chapter 3: generators inside the latent fragment
# --------------------------------------------------------------------------------------------

class TruncatedNormal(Generator):
    """Multivariate normal in PCA coordinates with every whitened score cut at ``+-max_sigma``.

    Introduced in chapter 3. The covariance ``cov`` is diagonalised, ``cov = V diag(sigma^2) V^T``;
    each whitened score ``s_i`` is drawn independently from a standard normal truncated to
    ``|s_i| <= max_sigma`` and the point is ``mean + V (sigma * s)``. This keeps the generator inside
    the box around the fragment's dense core (compare :func:`latent_fragments.stats.fragment.core_mask`). Sampling is
    rejection-free, by inverting the normal CDF: with ``q = Phi(-c)`` and ``u`` uniform in (-1, 1),
    ``s = sign(u) * (-Phi^-1(q + |u| (1/2 - q)))``, accurate also far in the tails.

    The truncation shrinks each axis' variance by :attr:`variance_factor`
    ``= 1 - 2 c phi(c) / (2 Phi(c) - 1)`` (0.774 at c = 2, 0.973 at c = 3); the parameters are not
    rescaled to compensate.
    """

    kind = "mnd_truncated"

    def __init__(self, mean: np.ndarray, cov: np.ndarray, max_sigma: float,
                 name: str | None = None) -> None:
        from scipy import special

        self.gaussian = Gaussian.from_moments(mean, cov)
        self.mean, self.cov, self.dim = self.gaussian.mean, self.gaussian.cov, self.gaussian.dim
        max_sigma = float(max_sigma)
        if not (max_sigma > 0 and np.isfinite(max_sigma)):
            raise ValueError(f"max_sigma must be finite and > 0, got {max_sigma}")
        self.max_sigma = max_sigma
        self.sigmas, self.axes = self.gaussian.sigmas, self.gaussian.components.T
        self._q = float(special.ndtr(-max_sigma))
        self.label = name or f"MND truncated at {max_sigma:g}σ"

    @property
    def key(self) -> str:
        return f"{self.kind}_{self.max_sigma:g}"

    @classmethod
    def fit(cls, z: np.ndarray, max_sigma: float = 2.0, name: str | None = None) -> "TruncatedNormal":
        """Sample mean and covariance (ddof=1) of the z-points ``z``, truncated at ``max_sigma``."""
        gaussian = Gaussian.fit(z)
        return cls(gaussian.mean, gaussian.cov, max_sigma, name=name)

    @property
    def variance_factor(self) -> float:
        """Variance of the truncated standard normal, ``1 - 2 c phi(c) / (2 Phi(c) - 1)``."""
        c = self.max_sigma
        phi = np.exp(-0.5 * c * c) / np.sqrt(2.0 * np.pi)
        return float(1.0 - 2.0 * c * phi / (1.0 - 2.0 * self._q))

    def sample_whitened(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """The whitened scores ``s`` (float64, shape ``(n, dim)``), each in ``[-max_sigma, max_sigma]``."""
        from scipy import special

        n = _check_n(n)
        u = rng.uniform(-1.0, 1.0, size=(n, self.dim))
        magnitude = -special.ndtri(self._q + np.abs(u) * (0.5 - self._q))
        return np.copysign(np.clip(magnitude, 0.0, self.max_sigma), u)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        s = self.sample_whitened(n, rng)
        return self.gaussian.unwhiten(s).astype(np.float32)


class UniformEllipsoid(Generator):
    """Uniform distribution in the level-``level`` confidence ellipsoid of a normal ``(mean, cov)``.

    Introduced in chapter 3. The ellipsoid is ``{z: d_M(z)^2 <= chi2.ppf(level, dim)}`` with the
    Mahalanobis distance ``d_M`` of ``(mean, cov)``. A point uniform in the unit ball (normalised
    normal direction, radius ``U^(1/dim)``) is scaled by ``R = sqrt(chi2.ppf(level, dim))`` and mapped
    by ``A`` with ``A A^T = cov``; affine maps keep uniformity. In high dimension nearly all points
    lie just inside the surface, at ``d_M ~ R``.
    """

    kind = "ellipsoid"

    def __init__(self, mean: np.ndarray, cov: np.ndarray, level: float = 0.99,
                 name: str | None = None) -> None:
        from scipy import stats

        self.gaussian = Gaussian.from_moments(mean, cov)
        self.mean, self.cov, self.dim = self.gaussian.mean, self.gaussian.cov, self.gaussian.dim
        level = float(level)
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        self.level = level
        self.threshold = float(stats.chi2.ppf(level, self.dim))
        self.radius = float(np.sqrt(self.threshold))
        self.label = name or f"uniform ellipsoid {level:.0%}"

    @property
    def key(self) -> str:
        return f"{self.kind}_{100 * self.level:g}"

    @classmethod
    def fit(cls, z: np.ndarray, level: float = 0.99, name: str | None = None) -> "UniformEllipsoid":
        """Sample mean and covariance (ddof=1) of the z-points ``z``."""
        gaussian = Gaussian.fit(z)
        return cls(gaussian.mean, gaussian.cov, level, name=name)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = _check_n(n)
        directions = rng.standard_normal((n, self.dim))
        norms = np.linalg.norm(directions, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        radius = self.radius * rng.uniform(0.0, 1.0, size=(n, 1)) ** (1.0 / self.dim)
        return self.gaussian.unwhiten(directions / norms * radius).astype(np.float32)


class GaussianMixtureGenerator(Generator):
    """Samples of a fitted Gaussian mixture model (GMM). Introduced in chapter 3.

    Ghosh et al. (2020, "From variational to deterministic autoencoders") sample a plain
    autoencoder's latent space by *ex-post density estimation*: fit a density to the encoded
    training data - one Gaussian, or a 10-component GMM - and decode samples of it. Wraps a fitted
    :class:`sklearn.mixture.GaussianMixture` (any ``covariance_type``); its weights, means and
    covariance factors are copied, so sampling needs only numpy and depends only on ``rng``: component
    labels come from ``rng.choice`` with the mixture weights, then each component's normal points
    from ``mean + e @ L^T`` with ``L L^T`` its covariance (sklearn's own ``sample`` uses the model's
    ``random_state`` instead).
    """

    kind = "gmm"

    def __init__(self, gmm, name: str | None = None) -> None:
        weights = np.asarray(gmm.weights_, dtype=np.float64)
        means = np.asarray(gmm.means_, dtype=np.float64)
        if means.ndim != 2 or weights.shape != (means.shape[0],):
            raise ValueError("gmm must be a fitted GaussianMixture (weights_ and means_ missing or inconsistent)")
        k, dim = means.shape
        self.dim = _check_dim(dim)
        covariances = np.asarray(gmm.covariances_, dtype=np.float64)
        covariance_type = getattr(gmm, "covariance_type", "full")
        if covariance_type == "full":
            full = covariances
        elif covariance_type == "tied":
            full = np.broadcast_to(covariances, (k, dim, dim))
        elif covariance_type == "diag":
            full = np.stack([np.diag(c) for c in covariances])
        elif covariance_type == "spherical":
            full = np.stack([c * np.eye(dim) for c in covariances])
        else:
            raise ValueError(f"unknown covariance_type {covariance_type!r}")
        self.weights = weights / weights.sum()
        self.means = means
        self.covariances = np.array(full)
        self._gaussians = [Gaussian.from_moments(m, c) for m, c in zip(self.means, self.covariances)]
        self.n_components = int(k)
        self.covariance_type = covariance_type
        self.label = name or f"GMM k={k}"

    @property
    def key(self) -> str:
        return f"{self.kind}_{self.n_components}"

    @classmethod
    def fit(cls, z: np.ndarray, k: int = 10, covariance_type: str = "full", seed: int = 0,
            reg_covar: float | None = None, max_iter: int = 200, n_init: int = 1,
            name: str | None = None, max_fit_points: int | None = 20_000) -> "GaussianMixtureGenerator":
        """Fit a ``k``-component GMM to the z-points ``z`` (scikit-learn, k-means initialisation).

        ``reg_covar`` (added to every covariance's diagonal for stability) defaults to ``1e-4`` times
        the mean per-component variance of ``z``, so it scales with the latent units. ``seed`` is the
        model's ``random_state`` (initialisation) and picks the fitting sample: EM on more than
        ``max_fit_points`` points uses a random sample of that many (None: all). Each EM step costs
        ``O(n k dim^2)``; on 153,000 x 256 points the full fit ran for more than 5 minutes on two cores
        (``benchmarks/bench_analysis.py``), and 20,000 points still give each of 10 components about
        2,000 points for its 256 x 256 covariance.
        """
        from sklearn.mixture import GaussianMixture

        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 2 or z.shape[0] < int(k):
            raise ValueError(f"z must have shape (n >= k, dim), got {z.shape}")
        if max_fit_points is not None and z.shape[0] > int(max_fit_points):
            keep = np.random.default_rng(seed).choice(z.shape[0], int(max_fit_points), replace=False)
            z = z[np.sort(keep)]
        if reg_covar is None:
            reg_covar = 1e-4 * float(np.mean(np.var(z, axis=0))) or 1e-6
        gmm = GaussianMixture(n_components=int(k), covariance_type=covariance_type, reg_covar=reg_covar,
                              max_iter=int(max_iter), n_init=int(n_init), random_state=seed)
        gmm.fit(z)
        return cls(gmm, name=name)

    def sample_with_labels(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Points (float32, ``(n, dim)``) and the index of the component each was drawn from."""
        n = _check_n(n)
        labels = rng.choice(self.n_components, size=n, p=self.weights)
        out = np.empty((n, self.dim))
        for j in range(self.n_components):
            rows = np.flatnonzero(labels == j)
            if rows.size:
                out[rows] = self._gaussians[j].sample(rows.size, rng)
        return out.astype(np.float32), labels

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.sample_with_labels(n, rng)[0]


# --------------------------------------------------------------------------------------------
# The registry: every family of generators, declared once
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FragmentFit:
    """What chapter 3's generators are fitted from: the training z-points, and the Gaussian mixtures the
    chapter fitted for its held-out likelihoods (``{k: mixture}``) with the best ``k``. Chapter 3."""

    z_train: np.ndarray
    mixtures: Mapping[int, GaussianMixtureGenerator]
    best_k: int


@dataclass(frozen=True)
class GeneratorKind:
    """One family of statistical generators. Introduced in chapter 1.

    ``key`` is the family's :attr:`Generator.kind` (and its colour key), ``label`` its display name,
    ``colour`` its colour in every figure; ``matched`` builds chapter 2's member matched to the training
    z-points (None: not in chapter 2), ``in_fragment`` chapter 3's members (an empty list: not compared);
    ``density`` says whether the family is a density model fitted to the z-points (ex-post density
    estimation), which chapter 3's ranking holds against the cube. ``short`` is a title that fits above
    one small image (empty: the label); ``walk`` the family's place among the generators chapter 3's
    axis walk shows side by side (None: not shown).
    """

    key: str
    label: str
    colour: str
    matched: Callable[[np.ndarray], Generator] | None
    in_fragment: Callable[[FragmentFit], list[Generator]]
    density: bool = False
    short: str = ""
    walk: int | None = None

    @property
    def title(self) -> str:
        """The short title above one image: :attr:`short`, else :attr:`label`."""
        return self.short or self.label


def _mixtures(fit: FragmentFit) -> list[Generator]:
    """Ghosh et al.'s k = 10 and, if another k > 1 is best on held-out points, that one too."""
    ks = [10] + ([fit.best_k] if fit.best_k not in (1, 10) else [])
    return [fit.mixtures[k] for k in ks if k in fit.mixtures]


#: Every family of generators, in the order of chapter 2's comparison and chapter 3's table.
GENERATOR_KINDS: tuple[GeneratorKind, ...] = (
    GeneratorKind("cube", "uniform cube", "#d62728", _matched_cube,
                  lambda fit: [_matched_cube(fit.z_train)], short="cube", walk=3),
    GeneratorKind("ball", "uniform ball", "#ff7f0e", _matched_ball,
                  lambda fit: [_matched_ball(fit.z_train)]),
    GeneratorKind("isotropic_normal", "isotropic normal", "#9467bd", _matched_isotropic, lambda fit: []),
    GeneratorKind("independent_normals", "independent normals", "#8c564b", IndependentNormal.fit,
                  lambda fit: []),
    GeneratorKind("mnd", "MND", "#2ca02c", MultivariateNormal.fit,
                  lambda fit: [MultivariateNormal.fit(fit.z_train, name="MND")], density=True, walk=0),
    GeneratorKind("mnd_truncated", "truncated MND", "#98df8a", None,
                  lambda fit: [TruncatedNormal.fit(fit.z_train, max_sigma=c) for c in (2.0, 3.0)]),
    GeneratorKind("ellipsoid", "uniform in the ellipsoid", "#bcbd22", None,
                  lambda fit: [UniformEllipsoid.fit(fit.z_train, 0.99, name="uniform in 99 % ellipsoid")],
                  short="ellipsoid", walk=2),
    GeneratorKind("gmm", "Gaussian mixture", "#e377c2", None, _mixtures, density=True, short="mixture", walk=1),
)


def generator_kind(key: str) -> GeneratorKind:
    """The family of :data:`GENERATOR_KINDS` with this key. Introduced in chapter 1."""
    for kind in GENERATOR_KINDS:
        if kind.key == key:
            return kind
    raise KeyError(f"unknown generator kind {key!r}; known: {', '.join(k.key for k in GENERATOR_KINDS)}")


def walk_kinds() -> list[str]:
    """Keys of the families chapter 3's axis walk shows, in their ``walk`` order. Introduced in chapter 3."""
    return [kind.key for kind in sorted((k for k in GENERATOR_KINDS if k.walk is not None), key=lambda k: k.walk)]


def fragment_generators(fit: FragmentFit) -> list[Generator]:
    """Chapter 3's generators: each family's ``in_fragment`` members, in registry order. Chapter 3."""
    return [generator for kind in GENERATOR_KINDS for generator in kind.in_fragment(fit)]
