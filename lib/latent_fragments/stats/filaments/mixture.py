"""The large-scale shape of a cloud on its leading principal axes, and the null that keeps it (chapter 4).

Chapter 4 separates small scales from the large-scale shape. The **shape-matched null**
(:class:`HeadMixture`) reproduces the large-scale density and nothing finer: a Gaussian mixture of ``k``
components with full covariances on the ``n_axes`` leading principal axes (whitened); in the remaining
axes a uniform direction (in whitened coordinates) with a radius taken from a data point whose radius in
the leading axes is close to the drawn point's. So the null keeps the large-scale density in the leading
axes and how the spread in all other axes grows with the distance from the centre (heavy tails are such a
shared radial scale: without it a multivariate t departs at small scales), and nothing finer. ``k`` is
chosen once, on the data, by BIC (:func:`choose_components`) and kept for every refit, so a replicate is
fitted exactly as the data are.

Why not a smoothed bootstrap (resampling the data's points and adding noise)? Every resampled point
sits next to its own twins, so nearest-neighbour distances would be set by the smoothing width rather
than by the data; a mixture of a few broad components has no scale below its components' widths, which
makes "small" well defined: finer than a component (:meth:`HeadMixture.component_width`).

:func:`shape_statistics` measures what the mixture sees, for the verdict's large-scale reading: Mardia's
skewness and kurtosis (:func:`latent_fragments.stats.headline.mardia`, as ratios to an MND's expectation)
and the flattest leading axis's kurtosis, which sees a second mode (a dip-like statistic on the leading
axes, cheaper and at these sizes more powerful than the held-out gain of a mixture over one Gaussian).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from threadpoolctl import threadpool_limits

from ..density import mixture_log_density
from ..gaussian import Gaussian
from ..generators import GaussianMixtureGenerator
from ..headline import mardia

__all__ = ["HeadMixture", "choose_components", "shape_statistics"]


def _mixture(white: np.ndarray, k: int) -> GaussianMixtureGenerator:
    """A ``k``-component mixture fitted to ``white`` (on one BLAS thread: the matrices are tiny)."""
    with threadpool_limits(1):
        return GaussianMixtureGenerator.fit(white, k=int(k), seed=0, max_fit_points=None, n_init=1)


def shape_statistics(white: np.ndarray) -> dict[str, float]:
    """Large-scale shape of whitened leading-axis scores ``white`` (n, p). Introduced in chapter 4.

    ``skewness`` and ``kurtosis``: Mardia's b1 and b2 over their MND expectations (1 for an MND;
    skewness sees bends and one-sided tails); ``flattest_axis``: the smallest univariate kurtosis among
    the ``p`` axes (3 for a normal axis; two modes or a flat top lower it: 2.0 for two equal normals 3
    standard deviations apart).
    """
    white = np.asarray(white, dtype=np.float64)
    with threadpool_limits(1):  # small matrices: threads only wait on each other
        moments = mardia(white, n_axes=white.shape[1], max_points=2000)
    return {"skewness": moments["skewness_ratio"], "kurtosis": moments["kurtosis_ratio"],
            "flattest_axis": float(np.min(stats.kurtosis(white, axis=0, fisher=False)))}


def choose_components(white: np.ndarray, candidates: tuple[int, ...] = (4, 5, 6, 7, 8)) -> int:
    """The number of mixture components among ``candidates`` with the lowest BIC. Chapter 4.

    ``white``: the data's whitened leading-axis scores. Chosen once on the data; every refit keeps it.
    At least 4: at a few thousand points BIC prefers one full-covariance Gaussian even for a visibly
    skewed cloud (it chose k = 1 for the "softplus" control at 600 points), which would make the
    shape-matched null an MND again.
    """
    white = np.asarray(white, dtype=np.float64)
    p = white.shape[1]
    bics = []
    for k in candidates:
        with threadpool_limits(1):
            log_likelihood = mixture_log_density(_mixture(white, k), white).sum()
        bics.append(-2 * log_likelihood + (k * (p + p * (p + 1) / 2) + k - 1) * math.log(len(white)))
    return int(candidates[int(np.argmin(bics))])


@dataclass(frozen=True)
class HeadMixture:
    """The shape-matched null fitted to one cloud (see the module). Introduced in chapter 4.

    ``gaussian``: the cloud's fit (its principal axes, ``rank`` non-degenerate); ``mixture``: the mixture
    on the whitened ``n_axes`` leading scores; ``head_radius`` (sorted) and ``rest_radius``: each data
    point's whitened radius in the leading axes and in the remaining ones, in the same order.
    """

    gaussian: Gaussian
    n_axes: int
    rank: int
    mixture: GaussianMixtureGenerator
    head_radius: np.ndarray
    rest_radius: np.ndarray

    #: A drawn point takes the rest radius of one of the data points this many ranks around its head radius.
    NEIGHBOURS = 10

    @classmethod
    def fit(cls, z: np.ndarray, gaussian: Gaussian, n_axes: int, n_components: int) -> "HeadMixture":
        """Fit the null to ``z`` (its Gaussian ``gaussian`` given) with ``n_components`` components."""
        largest = max(float(gaussian.variances[0]), np.finfo(float).tiny)
        rank = max(1, int(np.count_nonzero(gaussian.variances > 1e-12 * largest)))
        n_axes = min(int(n_axes), rank)
        white = gaussian.whiten(z, rank)
        head_radius = np.linalg.norm(white[:, :n_axes], axis=1)
        order = np.argsort(head_radius)
        return cls(gaussian, n_axes, rank, _mixture(white[:, :n_axes], n_components), head_radius[order],
                   np.linalg.norm(white[order, n_axes:], axis=1))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points (float32) of this null."""
        n = int(n)
        which = rng.choice(self.mixture.n_components, size=n, p=self.mixture.weights)
        white = np.empty((n, self.rank))
        for c in range(self.mixture.n_components):
            rows = np.flatnonzero(which == c)
            component = Gaussian.from_moments(self.mixture.means[c], self.mixture.covariances[c])
            white[rows, :self.n_axes] = component.sample(len(rows), rng)
        if self.rank > self.n_axes:
            rank_of = np.searchsorted(self.head_radius, np.linalg.norm(white[:, :self.n_axes], axis=1))
            rank_of += rng.integers(-self.NEIGHBOURS, self.NEIGHBOURS + 1, n)
            radius = self.rest_radius[np.clip(rank_of, 0, len(self.rest_radius) - 1)]
            directions = rng.standard_normal((n, self.rank - self.n_axes))
            white[:, self.n_axes:] = directions / np.linalg.norm(directions, axis=1, keepdims=True) * radius[:, None]
        return self.gaussian.unwhiten(white).astype(np.float32)

    def component_width(self) -> float:
        """Typical distance between two points of one component, weighted over components (latent units).

        ``sqrt(2 trace(cov_c))`` of each component in the original coordinates (the leading axes from the
        mixture, the remaining ones with the data's mean square rest radius spread evenly over them),
        averaged with the mixture weights: where chapter 4's "small scale" starts.
        """
        sig = self.gaussian.sigmas[:self.rank]
        head, rest = sig[:self.n_axes], sig[self.n_axes:]
        rest_trace = float(np.mean(self.rest_radius**2)) * float(np.mean(rest**2)) if rest.size else 0.0
        traces = [float(np.trace(c * np.outer(head, head))) + rest_trace for c in self.mixture.covariances]
        return float(np.dot(self.mixture.weights, np.sqrt(2.0 * np.array(traces))))
