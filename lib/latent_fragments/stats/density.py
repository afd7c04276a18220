"""Ex-post density estimation of the z-points: one Gaussian against Gaussian mixtures (chapter 3).

Ghosh et al. (2020) sample a plain autoencoder's latent space from a density fitted to the encoded training
images, and find a 10-component Gaussian mixture better than one Gaussian. Whether a mixture describes the
z-points better is a question of held-out likelihood: :func:`mixture_selection` fits mixtures over a small
grid of component counts ``k`` on the training z-points (``k = 1`` is the single multivariate normal) and
scores each by its mean log-likelihood on the held-out z-points and by BIC on the training points.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import logsumexp
from threadpoolctl import threadpool_limits

from .gaussian import Gaussian
from .generators import GaussianMixtureGenerator

__all__ = ["gaussian_log_density", "mixture_log_density", "mixture_parameter_count", "mixture_selection"]


def gaussian_log_density(gaussian: Gaussian, z: np.ndarray) -> np.ndarray:
    """Log density of the normal distribution ``gaussian`` at the rows of ``z``. Introduced in chapter 3."""
    d2 = gaussian.mahalanobis(np.asarray(z, dtype=np.float64), squared=True)
    return -0.5 * (d2 + gaussian.log_det() + gaussian.dim * math.log(2.0 * math.pi))


def mixture_log_density(mixture: GaussianMixtureGenerator, z: np.ndarray) -> np.ndarray:
    """Log density of a fitted Gaussian mixture at the rows of ``z``. Introduced in chapter 3."""
    per_component = np.stack([
        math.log(w) + gaussian_log_density(Gaussian.from_moments(m, c), z)
        for w, m, c in zip(mixture.weights, mixture.means, mixture.covariances)
    ], axis=1)
    return logsumexp(per_component, axis=1)


def mixture_parameter_count(k: int, dim: int) -> int:
    """Free parameters of a ``k``-component full-covariance mixture in ``dim`` dimensions (BIC; chapter 3)."""
    return int(k * (dim + dim * (dim + 1) // 2) + (k - 1))


def mixture_selection(z_train: np.ndarray, z_held_out: np.ndarray, ks: Sequence[int] = (1, 2, 4, 10),
                      seed: int = 0) -> tuple[pd.DataFrame, dict[int, GaussianMixtureGenerator]]:
    """Fit full-covariance mixtures for each ``k`` in ``ks`` and score them. Introduced in chapter 3.

    Returns a table indexed by ``k`` with ``held_out_loglik`` and ``train_loglik`` (mean log density per
    point), ``bic`` (``-2 log L + p log n`` on the training points, lower is better), ``points_per_component``
    and ``n_parameters``, and the fitted mixtures by ``k``. ``k = 1`` is the single multivariate normal
    (with the same small ridge ``reg_covar`` as the mixtures). With few points per component the mixtures'
    covariances overfit: the training likelihood still rises with ``k`` while the held-out one falls.
    """
    z_train = np.asarray(z_train, dtype=np.float64)
    z_held_out = np.asarray(z_held_out, dtype=np.float64)
    n, dim = z_train.shape
    rows, fitted = {}, {}
    # EM on a few thousand points: one BLAS thread is several times faster than two on 2 shared cores
    with threadpool_limits(limits=1):
        for k in sorted({int(k) for k in ks}):
            if k > n // 2:
                continue
            mixture = GaussianMixtureGenerator.fit(z_train, k=k, seed=seed, name=f"GMM k={k}")
            train_ll = float(mixture_log_density(mixture, z_train).mean())
            params = mixture_parameter_count(k, dim)
            rows[k] = {"held_out_loglik": float(mixture_log_density(mixture, z_held_out).mean()),
                       "train_loglik": train_ll, "bic": -2.0 * n * train_ll + params * math.log(n),
                       "points_per_component": n / k, "n_parameters": float(params)}
            fitted[k] = mixture
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "k"
    return table, fitted
