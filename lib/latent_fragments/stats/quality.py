"""Measured image quality: how close generated images come to real ones (chapter 1; chapter 3 extends it).

Chapter 1 judges decoded random z-points by a plain pixel measure: the root-mean-square pixel distance
from each image to its nearest neighbour among real training images, on images shrunk to 24x24 so that
the search is cheap and small shifts matter less. Real held-out images give the reference value.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from .components import nearest_distance


def pixel_vectors(images: np.ndarray, size: int = 24) -> np.ndarray:
    """uint8 images (N, H, W, 3) -> float32 vectors of the images shrunk to ``size`` x ``size``, in [0, 1]."""
    images = np.asarray(images)
    out = np.empty((len(images), size * size * images.shape[-1]), dtype=np.float32)
    for i, img in enumerate(images):
        small = Image.fromarray(img).resize((size, size), Image.Resampling.BOX)
        out[i] = np.asarray(small, dtype=np.float32).ravel() / 255.0
    return out


def nearest_image_rmse(images: np.ndarray, reference: np.ndarray, size: int = 24) -> np.ndarray:
    """Per image: RMS pixel distance (pixels in [0, 1]) to the nearest image of ``reference`` (chapter 1)."""
    x, ref = pixel_vectors(images, size), pixel_vectors(reference, size)
    return nearest_distance(x, ref) / np.sqrt(x.shape[1])


# --------------------------------------------------------------------------------------------
# Chapter 3: distribution-level quality measures in a feature space
# --------------------------------------------------------------------------------------------
#
# Chapter 3 compares generators by the distribution of their decoded images in a feature space
# (the notebook uses the z-points of a second, independently trained encoder): the Frechet distance
# between normal fits of real and generated features (the recipe of the FID), and improved precision
# and recall (Kynkaanniemi et al. 2019): precision = how much of the generated distribution lies on
# the real data's manifold (fidelity), recall = how much of the real manifold the generator covers
# (diversity). The functions take plain feature arrays of shape (n, dim).

def _features(x: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"{what} must have shape (n >= 2, dim), got {x.shape}")
    return x


def _psd_sqrt(cov: np.ndarray) -> np.ndarray:
    eigval, eigvec = np.linalg.eigh(0.5 * (cov + cov.T))
    return (eigvec * np.sqrt(np.clip(eigval, 0.0, None))) @ eigvec.T


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """Squared Frechet (2-Wasserstein) distance between the normal distributions ``(mu1, cov1)`` and ``(mu2, cov2)``.

    Introduced in chapter 3: ``|mu1 - mu2|^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2))``, the formula of the
    FID. The trace of the matrix square root is computed in the symmetric form
    ``Tr((C1^(1/2) C2 C1^(1/2))^(1/2))`` (the same eigenvalues as ``C1 C2``), from eigenvalues
    clipped at 0, so it is real and stable also for singular covariances - no imaginary parts from
    ``scipy.linalg.sqrtm`` to discard. Scalars are accepted for one dimension (variances). Clipped at 0.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    cov1 = np.atleast_2d(np.asarray(cov1, dtype=np.float64))
    cov2 = np.atleast_2d(np.asarray(cov2, dtype=np.float64))
    dim = mu1.shape[0]
    if mu1.shape != (dim,) or mu2.shape != (dim,) or cov1.shape != (dim, dim) or cov2.shape != (dim, dim):
        raise ValueError(f"inconsistent shapes: {mu1.shape}, {cov1.shape}, {mu2.shape}, {cov2.shape}")
    root1 = _psd_sqrt(cov1)
    middle = root1 @ cov2 @ root1
    eigval = np.linalg.eigvalsh(0.5 * (middle + middle.T))
    trace_sqrt = float(np.sqrt(np.clip(eigval, 0.0, None)).sum())
    diff = mu1 - mu2
    value = float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * trace_sqrt)
    return max(value, 0.0)


def frechet_distance_features(features1: np.ndarray, features2: np.ndarray) -> float:
    """Frechet distance between normal fits (mean, covariance with ddof=1) of two feature arrays.

    Introduced in chapter 3. The estimate is biased upwards by finite samples (for two samples of one
    distribution it is about ``Tr(C) (1/n1 + 1/n2)`` plus a covariance term of order
    ``dim^2 / n``), so compare generators with equal sample sizes.
    """
    f1 = _features(features1, "features1")
    f2 = _features(features2, "features2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(f"feature dimensions differ: {f1.shape[1]} and {f2.shape[1]}")
    dim = f1.shape[1]
    return frechet_distance(f1.mean(axis=0), np.cov(f1, rowvar=False).reshape(dim, dim),
                            f2.mean(axis=0), np.cov(f2, rowvar=False).reshape(dim, dim))


def _inside_knn_balls(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray,
                      max_block: int = 1 << 22) -> np.ndarray:
    """Whether each query lies in at least one ball ``|q - centre_j| <= radius_j``."""
    from sklearn.metrics.pairwise import euclidean_distances

    inside = np.zeros(len(queries), dtype=bool)
    squared_radii = radii**2
    centre_norms = np.einsum("ij,ij->i", centres, centres)[np.newaxis, :]
    rows = max(1, max_block // max(1, len(centres)))
    for start in range(0, len(queries), rows):
        block = queries[start:start + rows]
        d2 = euclidean_distances(block, centres, Y_norm_squared=centre_norms, squared=True)
        inside[start:start + rows] = np.any(d2 <= squared_radii, axis=1)
    return inside


def precision_recall(real_features: np.ndarray, fake_features: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of Kynkaanniemi et al. (2019) with k-NN manifolds.

    Introduced in chapter 3. Each set approximates its manifold by the union of balls around its
    points, each ball's radius the distance to the point's ``k``-th nearest neighbour *within its own
    set*. Precision = share of fake points inside the real manifold; recall = share of real points
    inside the fake manifold. Both are in [0, 1]; the paper uses ``k = 3`` and equal sample sizes
    (the values depend on both). Even for identical distributions they stay below 1 - a point lies
    outside if it is not among the ``k`` nearest neighbours of any point of the other sample - and
    decrease with the dimension (hubness); compare generators with the real-vs-real value of a
    held-out set as reference.
    """
    real = _features(real_features, "real_features")
    fake = _features(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature dimensions differ: {real.shape[1]} and {fake.shape[1]}")
    k = int(k)
    if k < 1 or k >= min(len(real), len(fake)):
        raise ValueError(f"k must be in [1, min(n_real, n_fake) - 1], got {k}")
    real_radii = nearest_distance(real, real, k=k, exclude_self=True)
    fake_radii = nearest_distance(fake, fake, k=k, exclude_self=True)
    precision = float(np.mean(_inside_knn_balls(fake, real, real_radii)))
    recall = float(np.mean(_inside_knn_balls(real, fake, fake_radii)))
    return precision, recall


def inside_ellipsoid_share(z_reencoded: np.ndarray, mean: np.ndarray, cov: np.ndarray,
                           level: float = 0.99) -> float:
    """Share of re-encoded z-points inside the level-``level`` ellipsoid of the data's normal fit.

    Introduced in chapter 3: decoded generated images, encoded again, should land where real images
    do. Wraps :func:`latent_fragments.stats.components.ellipsoid_fraction`.
    """
    from .components import ellipsoid_fraction

    return ellipsoid_fraction(z_reencoded, mean, cov, levels=(float(level),))[float(level)]


def quality_row(real_features: np.ndarray, fake_features: np.ndarray, k: int = 3) -> dict[str, float]:
    """Frechet distance, precision and recall of ``fake_features`` against ``real_features``.

    Introduced in chapter 3. Keys ``"FD"``, ``"precision"``, ``"recall"``, ``"n_real"``, ``"n_fake"``.
    """
    precision, recall = precision_recall(real_features, fake_features, k=k)
    return {
        "FD": frechet_distance_features(real_features, fake_features),
        "precision": precision,
        "recall": recall,
        "n_real": float(len(real_features)),
        "n_fake": float(len(fake_features)),
    }


def quality_table(real_features: np.ndarray, generated: dict[str, np.ndarray], k: int = 3):
    """One :func:`quality_row` per entry of ``generated`` (``{name: features}``) as a DataFrame.

    Introduced in chapter 3; the index is the generator's name. Include a held-out set of real
    features as one entry to get the reference row.
    """
    import pandas as pd

    rows = {name: quality_row(real_features, features, k=k) for name, features in generated.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "generator"
    return frame
