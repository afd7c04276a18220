"""Shares of points and what a sample of them can show: exact binomial intervals and tests.

Introduced in chapter 1, where the share of held-out z-points inside a predictive region is checked
against its level, and used in chapter 2 for the shares of generated points that land in the region.
"""
from __future__ import annotations

from scipy import stats

__all__ = ["clopper_pearson", "level_test_p", "all_inside_detectable"]


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval of a share from ``k`` successes in ``n`` trials. Chapter 1.

    It covers the true share at least ``confidence`` of the time for every share and ``n``.
    """
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    tail = (1.0 - float(confidence)) / 2.0
    lower = 0.0 if k == 0 else float(stats.beta.ppf(tail, k, n - k + 1))
    upper = 1.0 if k == n else float(stats.beta.ppf(1.0 - tail, k + 1, n - k))
    return lower, upper


def level_test_p(k: int, n: int, level: float) -> float:
    """Two-sided exact binomial p-value of ``k`` of ``n`` points inside a region of level ``level``.
    Introduced in chapter 1."""
    return float(stats.binomtest(int(k), int(n), float(level)).pvalue)


def all_inside_detectable(n: int, level: float, alpha: float) -> bool:
    """Whether ``n`` points, all inside, would show a share above ``level`` at ``alpha`` (two-sided test).

    Introduced in chapter 1: at ``alpha = 0.01`` a region of level 0.99 can be shown to hold *more*
    than its level only from 530 points on; with fewer (ORL's 40 held-out points), "above" cannot be
    detected at all.
    """
    return level_test_p(n, n, level) < alpha
