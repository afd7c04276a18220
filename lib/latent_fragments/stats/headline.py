"""Headline figures of one run, with chapters 2-4's functions, for comparing runs (chapter 5).

One row of numbers per trained run: how many principal axes carry 90 % of the variance, the dense core's
share against the multivariate normal's expectation, Mardia's multivariate skewness and kurtosis as effect
sizes with a parametric-bootstrap test (:func:`mardia_test`), where the origin lies judged out of sample
(:func:`origin_out_of_sample`), the VAE's active latent units, how flat the held-out loss ended, the scoring
network's FD, KID and recall of decoded samples with intervals, and optionally chapter 4's verdict label.
:func:`latent_fragments.sweep.headline_row` computes them; the sweep gathers the rows into a table.
"""
from __future__ import annotations

import math

import numpy as np

from .fragment import core_expected_share, core_mask, origin_position
from .gaussian import Gaussian, as_cloud
from .regions import PredictiveRegion

#: The generators a sweep scores (``sweep.sample_sets``) and ``real``, held-out images scored the same way.
SCORED = ("real", "mnd", "cube", "prior")

#: Columns of ``sweep.headline_row`` that are numbers (mean and sd over seeds in the sweep's summary).
NUMERIC = ("n90", "n90_share", "core_share", "core_expected", "skewness_ratio", "kurtosis_ratio", "mardia_p",
           "origin_heldout_closer", "origin_beyond_90", "origin_beyond_999", "origin_ratio", "recon_mse",
           "active_units", "heldout_change",
           *(f"{m}_{g}{end}" for g in SCORED for m in ("fd", "kid", "recall") for end in ("", "_lo", "_hi")))

#: Null draws of :func:`mardia_test`: the smallest p-value of each moment is 1/80, of the pair 2/80.
MARDIA_DRAWS = 79


def mardia(z: np.ndarray, n_axes: int | None = None, max_points: int = 2000,
           rng: np.random.Generator | None = None) -> dict[str, float]:
    """Mardia's multivariate skewness ``b1`` and kurtosis ``b2`` of ``z``, with their MND expectations.

    Introduced in chapter 5. On the leading ``n_axes`` principal axes (default: all, at most a tenth of the
    points, so the covariance is well estimated), on a seeded sample of at most ``max_points`` rows. With
    ``w`` the whitened rows (covariance of ddof 0), ``b1 = mean_ij (w_i . w_j)^3`` and ``b2 = mean_i |w_i|^4``.
    For an MND of ``p`` dimensions and ``n`` points ``E[b1] ~ p(p+1)(p+2)/n`` (``n b1 / 6`` is chi-square
    with ``p(p+1)(p+2)/6`` degrees of freedom; 0 only for infinite ``n``) and ``E[b2] = p(p+2)(n-1)/(n+1)``.
    Keys: ``skewness``, ``skewness_mnd``, ``skewness_ratio`` (b1 over its MND value), ``kurtosis``,
    ``kurtosis_mnd``, ``kurtosis_ratio``, ``n_axes``, ``n_points``.
    """
    z = as_cloud(z)
    if len(z) > max_points:
        rng = np.random.default_rng(0) if rng is None else rng
        z = z[np.sort(rng.choice(len(z), int(max_points), replace=False))]
    n = len(z)
    p = min(z.shape[1], max(1, n // 10)) if n_axes is None else int(n_axes)
    white = Gaussian.fit(z).whiten(z, p) * math.sqrt(n / (n - 1.0))
    white = np.ascontiguousarray(white)
    gram = white @ white.T
    b1 = float(np.mean(gram * gram * gram))  # a product, several times faster than the float power
    b2 = float(np.mean(np.diag(gram) ** 2))
    b1_mnd = p * (p + 1) * (p + 2) / n
    b2_mnd = p * (p + 2) * (n - 1) / (n + 1)
    return {"skewness": b1, "skewness_mnd": b1_mnd, "skewness_ratio": b1 / b1_mnd, "kurtosis": b2,
            "kurtosis_mnd": b2_mnd, "kurtosis_ratio": b2 / b2_mnd, "n_axes": float(p), "n_points": float(n)}


def mardia_test(z: np.ndarray, n_draws: int = MARDIA_DRAWS, max_points: int = 2000, seed: int = 0) -> dict[str, float]:
    """Are ``z``'s Mardia skewness and kurtosis those of a multivariate normal? Introduced in chapter 5.

    A parametric bootstrap: ``n_draws`` clouds of the same size drawn from the normal fitted to ``z`` (at
    most ``max_points`` rows, a seeded sample) are measured exactly as the data are (:func:`mardia`, same
    number of leading axes), so data and replicates are exchangeable under normality. ``skewness_p``:
    ``(1 + #{b1* >= b1}) / (n_draws + 1)``; ``kurtosis_p``: the same for ``|b2 - E b2|`` (two-sided);
    ``p``: ``min(1, 2 min(...))`` (Bonferroni over the two moments), a valid p-value for "the cloud is an MND".
    """
    z = as_cloud(z)
    rng = np.random.default_rng([seed, 11])
    if len(z) > max_points:
        z = z[np.sort(rng.choice(len(z), int(max_points), replace=False))]
    data = mardia(z, max_points=len(z))
    fitted, p = Gaussian.fit(z), int(data["n_axes"])
    draws = [mardia(fitted.sample(len(z), rng), n_axes=p, max_points=len(z)) for _ in range(int(n_draws))]

    def p_value(stat) -> float:
        return (1 + sum(stat(d) >= stat(data) for d in draws)) / (len(draws) + 1)

    skew_p = p_value(lambda m: m["skewness"])
    kurt_p = p_value(lambda m: abs(m["kurtosis"] - m["kurtosis_mnd"]))
    return {"skewness_p": skew_p, "kurtosis_p": kurt_p, "p": min(1.0, 2.0 * min(skew_p, kurt_p))}


def origin_out_of_sample(z_train: np.ndarray, z_test: np.ndarray) -> dict[str, float]:
    """Where the origin lies, judged as a *new* point would be (chapter 5, with chapter 1's regions).

    ``origin_beyond_90`` / ``origin_beyond_999``: 1.0 if the origin lies outside the predictive region
    (:class:`~latent_fragments.stats.regions.PredictiveRegion` of ``z_train``) that holds 90 % / 99.9 % of
    new z-points, else 0.0; a new point of the same normal lies outside at the regions' nominal rates, 10 %
    and 0.1 %. ``origin_heldout_closer``: share of the held-out points ``z_test`` nearer the centre
    (Mahalanobis, the region's fit) than the origin.
    """
    region = PredictiveRegion.fit(z_train)
    origin = np.zeros((1, region.gaussian.dim))
    d0 = float(region.gaussian.mahalanobis(origin, squared=True)[0])
    d_test = region.gaussian.mahalanobis(as_cloud(z_test, "z_test"), squared=True)
    return {"origin_beyond_90": float(d0 > region.threshold(0.9)),
            "origin_beyond_999": float(d0 > region.threshold(0.999)),
            "origin_heldout_closer": float(np.mean(d_test < d0))}


def active_units(z: np.ndarray, threshold: float = 0.01) -> int:
    """Latent units whose value varies over the data by more than ``threshold`` (variance; chapter 5).

    For a VAE's posterior means an inactive unit is one the encoder ignores (posterior collapse): its
    mean stays at the prior's 0 whatever the image (Burda et al. 2016 use the same 0.01)."""
    return int(np.sum(as_cloud(z).var(axis=0) > float(threshold)))


def heldout_change(history: list[dict], epochs: int = 2) -> float:
    """Relative change of the held-out loss over the last ``epochs`` epochs of a run's history,
    ``|l[-1] - l[-1-epochs]| / |l[-1-epochs]|``; NaN with fewer epochs. Introduced in chapter 5."""
    losses = [float(row["val_loss"]) for row in history if "val_loss" in row]
    if len(losses) <= epochs:
        return math.nan
    return abs(losses[-1] - losses[-1 - epochs]) / abs(losses[-1 - epochs])


def shape_figures(z: np.ndarray, sigma: float = 3.0) -> dict[str, float]:
    """The geometric headline figures of the z-points ``z`` (chapter 5, with chapters 2-3's functions).

    ``n90`` axes for 90 % of the variance and its share ``n90_share`` of ``z_dim``; ``core_share`` of
    the points within ``sigma`` on every principal axis and ``core_expected``, the MND's share; Mardia's
    ``skewness_ratio`` and ``kurtosis_ratio`` (:func:`mardia`: 1 for an MND) and ``mardia_p``
    (:func:`mardia_test`); ``origin_ratio``, the centre's distance from the origin over the cloud's mean
    radius (the origin's position against new points: :func:`origin_out_of_sample`).
    """
    z = as_cloud(z)
    fragment = Gaussian.fit(z)
    n90 = fragment.n_components_for(0.9)
    origin = origin_position(fragment, z)
    moments = mardia(z)
    return {"n90": float(n90), "n90_share": n90 / fragment.dim,
            "core_share": float(core_mask(fragment, z, sigma).mean()),
            "core_expected": core_expected_share(sigma, fragment.dim),
            "skewness_ratio": moments["skewness_ratio"], "kurtosis_ratio": moments["kurtosis_ratio"],
            "mardia_p": mardia_test(z)["p"], "origin_ratio": origin["origin_radius_ratio"]}


def generator_quality(reference: np.ndarray, scored: dict[str, np.ndarray], n_boot: int = 0,
                      seed: int = 0) -> dict[str, float]:
    """``fd_<name>``, ``kid_<name>`` and ``recall_<name>`` of each set of ``scored`` (``{name: features}``;
    ``"real"``: held-out images not in ``reference``) against the ``reference`` features, with ``_lo`` /
    ``_hi`` ends of chapter 3's 90 % intervals when ``n_boot > 0`` (chapter 5, with chapter 3's
    :func:`~latent_fragments.stats.quality.quality_table`, k = 3)."""
    from .quality import quality_table

    table = quality_table(reference, scored, k=3, n_boot=n_boot, level=0.9, seed=seed)
    out: dict[str, float] = {}
    for name, row in table.iterrows():
        for measure, column in (("FD", "fd"), ("KID", "kid"), ("recall", "recall")):
            for end in ("", "_lo", "_hi"):
                if f"{measure}{end}" in row:
                    out[f"{column}_{name}{end}"] = float(row[f"{measure}{end}"])
    return out
