"""One exchangeable Monte Carlo test per null model (chapter 4).

Fitting a null to a finite sample changes the statistics by itself (a sample covariance has a broader
spectrum than the true one), so each cloud is measured *relative to a draw of the null fitted to it*:
for the data ``D_0 = stat(z) - stat(one draw of the null fitted to z)``; for replicate ``b`` a cloud
``x_b`` is drawn from the null fitted to ``z`` and ``D_b = stat(x_b) - stat(one draw of the null refitted
to x_b)``. The data are measured exactly as every replicate, so under the null the ``B + 1`` differences
are (to the accuracy of the fitted null) exchangeable. All ``B + 1`` are standardised by one symmetric
rule - the pooled mean and standard deviation of the ``B + 1`` rows - and the combined statistic of each
row is its largest absolute standardised difference; the p-value is the data's rank among the ``B + 1``,
``(1 + #{b: T_b >= T_0}) / (B + 1)``, uniform on ``{1, ..., B+1} / (B + 1)`` under the null. With
``B = 39`` the smallest p is 0.025, so a decisive p can fall below alpha = 0.05, not only at it.

Per statistic, the single-step max-T adjusted p-value ``(1 + #{b: T_b >= |d_0j|}) / (B + 1)`` keeps the
family-wise error rate at alpha; a statistic is *flagged* on it alone. No minimum relative effect is
required: a fixed percentage would make the label depend on the statistic's units (a 2 % shorter 1-NN
distance can be ten null spreads away), while the adjusted p already says the departure is larger than the
null's own variation; the effect sizes (standardised and relative) are reported beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .measures import STATISTICS, CloudMeasures, filament_statistics, statistic_index
from .nulls import NULL_MODELS, NullModel, NullSettings, fit_null

__all__ = ["NullTest", "SD_FLOORS", "RELATIVE_FLOORS", "pooled_standardise", "global_p_values",
           "global_null_test"]

#: Added (in quadrature) to every statistic's pooled spread (:attr:`~.measures.Statistic.sd_floor`).
SD_FLOORS = np.array([s.sd_floor for s in STATISTICS])
#: Lower bounds of the denominator of the relative difference (:attr:`~.measures.Statistic.relative_floor`).
RELATIVE_FLOORS = np.array([s.relative_floor for s in STATISTICS])


@dataclass
class NullTest:
    """The data against one null model (:func:`global_null_test`). Introduced in chapter 4.

    Per statistic: ``data``, ``null_mean`` (the null's expectation for the data: the data less their
    difference ``D_0`` from the replicates' mean difference), ``standardised`` (pooled) and
    ``relative`` differences, ``p_adjusted`` (family-wise, max-T) and ``flagged`` (``p_adjusted <=
    alpha``). Globally: ``p_value``, the replicates' combined statistics ``replicate_max`` and the first
    draws of the null fitted to the data, measured (``measures``, for figures).
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
    def null(self) -> NullModel:
        """The null model's record in :data:`~.nulls.NULL_MODELS`."""
        return NULL_MODELS[self.kind]

    @property
    def name(self) -> str:
        """Display name of the null model."""
        return self.null.label

    def get(self, key: str, what: str = "data") -> float:
        """One field (``data``, ``null_mean``, ``standardised``, ``relative``, ``p_adjusted``) of the
        statistic ``key``."""
        return float(getattr(self, what)[statistic_index(key)])

    def is_flagged(self, key: str) -> bool:
        """Whether the statistic ``key`` is flagged."""
        return bool(self.flagged[statistic_index(key)])


def pooled_standardise(differences: np.ndarray, sd_floors: np.ndarray | None = None) -> np.ndarray:
    """The rows of ``differences`` (B+1, S) standardised by their pooled mean and sd. Chapter 4.

    Row 0 is the data, rows 1..B the replicates; the rule is symmetric in the rows, so exchangeable rows
    stay exchangeable. ``sd_floors`` (S,) are added to the spread in quadrature; non-finite values count
    as no difference, a zero spread gives 0.
    """
    d = np.nan_to_num(np.asarray(differences, dtype=np.float64), posinf=0.0, neginf=0.0)
    if d.shape[0] < 4:
        raise ValueError(f"need at least 3 replicates besides the data, got {d.shape[0] - 1}")
    floor2 = 0.0 if sd_floors is None else np.asarray(sd_floors, dtype=np.float64) ** 2
    sd = np.sqrt(d.var(axis=0, ddof=1) + floor2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num((d - d.mean(axis=0)) / sd, posinf=0.0, neginf=0.0)


def global_p_values(data_std: np.ndarray, replicate_std: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The global Monte Carlo p-value of the largest absolute standardised difference. Chapter 4.

    ``data_std`` (S,) and ``replicate_std`` (B, S). Returns ``(p, p_adjusted, replicate_max)``:
    ``p = (1 + #{b: max_j |r_bj| >= max_j |d_j|}) / (B + 1)``; per statistic the single-step max-T
    adjusted ``(1 + #{b: max_j |r_bj| >= |d_j|}) / (B + 1)``; and each replicate's ``max_j |r_bj|``.
    """
    rep_max = np.abs(np.asarray(replicate_std, dtype=np.float64)).max(axis=1)
    data_abs = np.abs(np.asarray(data_std, dtype=np.float64))
    b = len(rep_max)
    p_adjusted = (1 + (rep_max[np.newaxis, :] >= data_abs[:, np.newaxis]).sum(axis=1)) / (b + 1)
    return float((1 + np.count_nonzero(rep_max >= data_abs.max())) / (b + 1)), p_adjusted, rep_max


def global_null_test(z: np.ndarray, data: CloudMeasures, kind: str, rng: np.random.Generator,
                     measure: Callable[[np.ndarray], CloudMeasures], n_null_draws: int = 39,
                     alpha: float = 0.05, settings: NullSettings = NullSettings(), keep: int = 3) -> NullTest:
    """The data against the null ``kind`` by one exchangeable Monte Carlo test. Introduced in chapter 4.

    ``data`` is ``measure(z)`` (its ``gaussian`` is reused, as is each replicate's). ``n_null_draws``
    (B) replicates, each measured exactly as the data (see the module); ``keep``: how many measured
    draws of the null fitted to the data to return (for figures). Costs ``2 B + 2`` measurements.
    """
    values = filament_statistics(data)
    fitted = fit_null(z, kind, data.gaussian, settings)
    n = len(z)
    kept: list[CloudMeasures] = []
    rows = [values - filament_statistics(measure(fitted.sample(n, rng)))]
    for _ in range(int(n_null_draws)):
        x = fitted.sample(n, rng)
        m = measure(x)
        if len(kept) < keep:
            kept.append(m)
        refitted = fit_null(x, kind, m.gaussian, settings)
        rows.append(filament_statistics(m) - filament_statistics(measure(refitted.sample(n, rng))))
    differences = np.stack(rows)
    standardised = pooled_standardise(differences, SD_FLOORS)
    p_value, p_adjusted, rep_max = global_p_values(standardised[0], standardised[1:])
    excess = np.nan_to_num(differences[0] - differences[1:].mean(axis=0))
    null_mean = values - excess
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.nan_to_num(excess / np.maximum(np.abs(null_mean), RELATIVE_FLOORS), posinf=0.0, neginf=0.0)
    return NullTest(kind, values, null_mean, standardised[0], relative, p_adjusted, p_adjusted <= alpha, p_value,
                    rep_max, kept)
