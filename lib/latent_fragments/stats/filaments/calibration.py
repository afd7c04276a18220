"""One global Monte Carlo test per null model, corrected for fitting the null (chapter 4).

The data's statistics (:data:`~.measures.FILAMENT_STATISTICS`) are compared with ``B`` draws of a null
fitted to the data. Fitting alone changes the statistics (a sample covariance has a broader spectrum
than the true one), so each null replicate is treated exactly as the data are: refitted and compared
with a draw from its own fit (a parametric double bootstrap). Each statistic is standardised by its
spread under the null, the largest absolute standardised difference is the combined statistic, and
its rank among the ``B`` replicates (each standardised leave-one-out) is the global p-value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .measures import CloudMeasures, filament_statistics
from .nulls import NULL_MODELS, fit_null

__all__ = ["NullTest", "SD_FLOORS", "RELATIVE_FLOORS", "standardised_differences", "global_p_values",
           "global_null_test"]

#: Added (in quadrature) to every statistic's null spread: 0 for continuous statistics, half a
#: cluster for the HDBSCAN count and half a percent for the clustered share, so that counts that are
#: 0 in every draw give finite standardised differences.
SD_FLOORS = np.array([0.0] * 7 + [0.5, 0.005, 0.0])
#: Lower bounds of the denominator of the relative difference: 1 cluster, a share of 1 (the
#: relative difference of the share is its absolute difference), else 0.
RELATIVE_FLOORS = np.array([0.0] * 7 + [1.0, 1.0, 0.0])


@dataclass
class NullTest:
    """The data against one null model (:func:`global_null_test`). Introduced in chapter 4.

    Per statistic: ``null_mean`` (the null's expectation for the data, corrected for fitting),
    ``standardised`` and ``relative`` differences, ``p_adjusted`` (family-wise: the share of
    replicates whose combined statistic reaches it) and ``flagged`` (``p_adjusted <= alpha`` and
    ``|relative| >= min_effect``). Globally: ``p_value`` of the combined statistic, the replicates'
    combined statistics ``replicate_max`` and the first null draws' measurements ``measures``.
    """

    kind: str
    data: np.ndarray
    null_mean: np.ndarray
    standardised: np.ndarray
    relative: np.ndarray
    p_adjusted: np.ndarray
    flagged: np.ndarray
    p_value: float
    replicate_max: np.ndarray
    measures: list[CloudMeasures] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Display name of the null model."""
        return NULL_MODELS[self.kind]


def standardised_differences(data: np.ndarray, first: np.ndarray, second: np.ndarray,
                             sd_floors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bias-corrected null means and standardised differences of the data and of every replicate.

    Introduced in chapter 4. ``data`` (S,), ``first`` (B, S) the statistics of B draws of the null
    fitted to the data, ``second`` (B, S) those of one draw from each draw's own refitted null.
    ``D = first - second`` shows what fitting a null does to a cloud that obeys it. Returns
    ``(null_mean, data_std, replicate_std)``: the null's expectation for the data,
    ``mean(first) + mean(D)``; the data's difference from it over ``sqrt(var(D) (1 + 1/B))``; and each
    replicate's ``D_b - mean(D without b)`` over its leave-one-out spread ``sqrt(var(D without b)
    (1 + 1/(B-1)))`` - the same standardisation for the data and every replicate. The data's
    difference varies less than a replicate's (by ``var(first) (1 - 3/B)``: the data are compared with
    the mean of B draws, a replicate with one), so the test is conservative: under the null it rejects
    at most at its nominal rate. ``sd_floors`` (S,), e.g. :data:`SD_FLOORS`, are added to every spread in
    quadrature; non-finite values count as no difference.
    """
    first, second = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    b = first.shape[0]
    if b < 3:
        raise ValueError(f"need at least 3 null draws, got {b}")
    diff = np.nan_to_num(first - second)
    first = np.nan_to_num(first)
    floor2 = 0.0 if sd_floors is None else np.asarray(sd_floors, dtype=np.float64) ** 2
    null_mean = first.mean(axis=0) + diff.mean(axis=0)
    var_data = diff.var(axis=0, ddof=1) * (1 + 1 / b) + floor2
    total, total2 = diff.sum(axis=0), (diff**2).sum(axis=0)
    loo_mean = (total - diff) / (b - 1)
    loo_var = np.maximum((total2 - diff**2) - (b - 1) * loo_mean**2, 0.0) / (b - 2)
    var_rep = loo_var * b / (b - 1) + floor2
    with np.errstate(divide="ignore", invalid="ignore"):
        data_std = np.nan_to_num((np.nan_to_num(data) - null_mean) / np.sqrt(var_data), posinf=0.0, neginf=0.0)
        rep_std = np.nan_to_num((diff - loo_mean) / np.sqrt(var_rep), posinf=0.0, neginf=0.0)
    return null_mean, data_std, rep_std


def global_p_values(data_std: np.ndarray, replicate_std: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The global Monte Carlo p-value of the largest absolute standardised difference. Chapter 4.

    ``data_std`` (S,) and ``replicate_std`` (B, S) from :func:`standardised_differences`. Returns
    ``(p, p_adjusted, replicate_max)``: ``p = (1 + #{b: max_j |r_bj| >= max_j |d_j|}) / (B + 1)``; per
    statistic the single-step max-T adjusted ``(1 + #{b: max_j |r_bj| >= |d_j|}) / (B + 1)``, which keeps
    the family-wise error rate at the level; and each replicate's ``max_j |r_bj|``.
    """
    rep_max = np.abs(np.asarray(replicate_std, dtype=np.float64)).max(axis=1)
    data_abs = np.abs(np.asarray(data_std, dtype=np.float64))
    b = len(rep_max)
    p_adjusted = (1 + (rep_max[np.newaxis, :] >= data_abs[:, np.newaxis]).sum(axis=1)) / (b + 1)
    return float((1 + np.count_nonzero(rep_max >= data_abs.max())) / (b + 1)), p_adjusted, rep_max


def global_null_test(z: np.ndarray, data: CloudMeasures, kind: str, rng: np.random.Generator,
                     measure: Callable[[np.ndarray], CloudMeasures], n_null_draws: int = 19,
                     alpha: float = 0.05, min_effect: float = 0.05, keep: int = 3) -> NullTest:
    """The data against the null ``kind`` by one global Monte Carlo test. Introduced in chapter 4.

    ``data`` is ``measure(z)`` (its ``gaussian`` is reused, as is each draw's). Each of the ``n_null_draws`` replicates is a draw of ``len(z)``
    points from the null fitted to ``z``, refitted, with one draw from its own fit
    (:func:`standardised_differences`). The combined statistic is the largest absolute standardised
    difference; the p-value is ``(1 + #{replicates >= data}) / (B + 1)``, so ``B = 19`` reaches
    ``p = 0.05``. ``keep``: how many first-level measurements to return (for figures).
    """
    values = filament_statistics(data)
    fitted = fit_null(z, kind, data.gaussian)
    first, second, kept = [], [], []
    for _ in range(int(n_null_draws)):
        draw = fitted.sample(len(z), rng)
        m = measure(draw)
        if len(kept) < keep:
            kept.append(m)
        first.append(filament_statistics(m))
        second.append(filament_statistics(measure(fit_null(draw, kind, m.gaussian).sample(len(z), rng))))
    null_mean, data_std, rep_std = standardised_differences(values, np.stack(first), np.stack(second),
                                                              SD_FLOORS)
    p_value, p_adjusted, rep_max = global_p_values(data_std, rep_std)
    denominator = np.maximum(np.abs(null_mean), RELATIVE_FLOORS)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.nan_to_num((values - null_mean) / denominator, posinf=0.0, neginf=0.0)
    flagged = (p_adjusted <= alpha) & (np.abs(relative) >= min_effect)
    return NullTest(kind, values, null_mean, data_std, relative, p_adjusted, flagged, p_value, rep_max, kept)

