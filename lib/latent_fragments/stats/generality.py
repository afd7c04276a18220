"""Which of the blog's conclusions hold across runs, judged only on runs trained well enough (chapter 5).

A run is *adequate* when it passes :data:`ADEQUACY` (:func:`adequacy_failures`): its held-out
reconstruction error within a factor of chapter 1's run, the decoded samples of its ex-post MND diverse
(their recall against real images at least a share of the real-vs-real recall), and for a VAE no posterior
collapse and a flat held-out loss. A VAE's prior is not part of the check: how well it generates is what
chapter 5 compares. Each conclusion is a test on one adequate run's headline figures
(:data:`CONCLUSIONS`, :func:`conclusion_table`); :func:`across_runs` says whether it holds in all, none or
some of them, and :func:`miss_probability` what that rule cannot see. Numbers and labels only: the wording
is :mod:`latent_fragments.pages.generality`'s.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import pandas as pd

#: The adequacy check: held-out reconstruction MSE at most ``recon_factor`` times chapter 1's run's;
#: recall of the decoded ex-post MND samples at least ``recall_share`` of the real-vs-real recall (one
#: face decoded ten times over has a recall near 0); for a VAE at least ``min_active`` active units
#: (posterior-mean variance > 0.01) and a held-out loss that changed by less than ``max_change`` over the
#: last 2 epochs.
ADEQUACY = {"recon_factor": 2.0, "recall_share": 0.2, "min_active": 5, "max_change": 0.01}

#: The level of every test behind a conclusion.
ALPHA = 0.05


def adequacy_failures(row: pd.Series, reference_mse: float) -> list[str]:
    """The checks of :data:`ADEQUACY` that the run ``row`` fails, in order: ``"reconstruction"``,
    ``"diversity"``, ``"collapse"``, ``"convergence"`` (a missing figure fails its check; a run without
    the scoring network's recall fails ``"diversity"``). Introduced in chapter 5."""
    failed = []
    if not row["recon_mse"] <= ADEQUACY["recon_factor"] * reference_mse:
        failed.append("reconstruction")
    recall, real = row.get("recall_mnd", math.nan), row.get("recall_real", math.nan)
    if not recall >= ADEQUACY["recall_share"] * real:
        failed.append("diversity")
    if row.get("model") == "vae":
        if not row["active_units"] >= ADEQUACY["min_active"]:
            failed.append("collapse")
        if not row["heldout_change"] < ADEQUACY["max_change"]:
            failed.append("convergence")
    return failed


def adequacy(table: pd.DataFrame, reference_mse: float) -> pd.Series:
    """:func:`adequacy_failures` of every run, a Series of lists (empty: adequate) indexed like ``table``.
    Introduced in chapter 5."""
    return table.apply(lambda r: adequacy_failures(r, reference_mse), axis=1)


class Conclusion(NamedTuple):
    """A conclusion of the blog series (``claim``: its key on the findings page) as a test on one run's
    figures. Chapter 5."""

    claim: str
    figures: tuple[str, ...]
    holds: Callable[[pd.Series], bool]


#: The blog's conclusions as tests on one run's headline figures (their wording: ``pages.generality``).
CONCLUSIONS: dict[str, Conclusion] = {
    "few_axes": Conclusion("few_main_axes", ("n90_share",), lambda r: r["n90_share"] < 0.5),
    "mnd_like": Conclusion("close_to_mnd", ("mardia_p",), lambda r: r["mardia_p"] > ALPHA),
    "core_80": Conclusion("dense_core_mnd", ("core_share",), lambda r: r["core_share"] > 0.8),
    "origin_border": Conclusion("origin_near_border", ("origin_beyond_90", "origin_beyond_999"),
                                lambda r: r["origin_beyond_90"] == 1 and r["origin_beyond_999"] == 0),
    "mnd_beats_cube": Conclusion("faces_from_region", ("fd_mnd_hi", "fd_cube_lo"),
                                 lambda r: r["fd_mnd_hi"] < r["fd_cube_lo"]),
}


def conclusion_table(table: pd.DataFrame) -> pd.DataFrame:
    """1.0 / 0.0 where each conclusion holds / fails in each run of ``table``, NaN where its figures are
    missing; rows like ``table``, columns the keys of :data:`CONCLUSIONS`. Introduced in chapter 5."""
    out = {}
    for key, conclusion in CONCLUSIONS.items():
        cols = list(conclusion.figures)
        present = table[cols].notna().all(axis=1) if set(cols) <= set(table) else pd.Series(False, index=table.index)
        held = [float(conclusion.holds(row)) if ok else math.nan for ok, (_, row) in zip(present, table.iterrows())]
        out[key] = pd.Series(held, index=table.index, dtype=float)
    return pd.DataFrame(out)


def across_runs(held: pd.Series) -> tuple[str, int, int]:
    """``(label, runs where it holds, runs measured)`` of one column of :func:`conclusion_table` restricted
    to the adequate runs: ``"holds"`` in all, ``"fails"`` in none, ``"depends"`` in some, ``"not measured"``.
    Introduced in chapter 5."""
    held = held.dropna()
    n, k = len(held), int(held.sum())
    if n == 0:
        return "not measured", 0, 0
    return ("holds" if k == n else "fails" if k == 0 else "depends"), k, n


def miss_probability(n_runs: int, failure_share: float = 0.3) -> float:
    """Chance that a conclusion failing in a share ``failure_share`` of runs holds in all ``n_runs``
    independent runs, so that "holds in all runs" misses it: ``(1 - failure_share) ** n_runs``.
    Introduced in chapter 5."""
    return (1.0 - float(failure_share)) ** int(n_runs)


def interval_compare(a_lo: pd.Series, a_hi: pd.Series, b_lo: pd.Series, b_hi: pd.Series) -> str:
    """``"lower"`` if every 90 % interval of ``a`` lies below every one of ``b``, ``"higher"`` if above,
    ``"overlap"`` otherwise, ``"missing"`` without intervals. Disjoint 90 % intervals of two independent
    estimates with equal standard errors differ at about the 2 % level (1.645 sqrt(2) = 2.33 standard
    errors of the difference), so the rule is a conservative test at 5 %. Introduced in chapter 5."""
    ends = [pd.Series(s, dtype=float).dropna() for s in (a_lo, a_hi, b_lo, b_hi)]
    if any(e.empty for e in ends):
        return "missing"
    if ends[1].max() < ends[2].min():
        return "lower"
    if ends[0].min() > ends[3].max():
        return "higher"
    return "overlap"


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many runs of each variant got each label of chapter 4's verdict (empty if it was skipped).

    Introduced in chapter 5."""
    if "verdict" not in table:
        return pd.DataFrame()
    labelled = table[table["verdict"].fillna("").astype(str) != ""]
    return pd.crosstab(labelled["variant"], labelled["verdict"]).reindex(
        [v for v in dict.fromkeys(table["variant"]) if v in set(labelled["variant"])])


__all__ = ["ADEQUACY", "ALPHA", "CONCLUSIONS", "Conclusion", "across_runs", "adequacy", "adequacy_failures",
           "conclusion_table", "interval_compare", "miss_probability", "verdict_counts"]
