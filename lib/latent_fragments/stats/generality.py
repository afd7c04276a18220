"""Which of the blog's conclusions hold across seeds, architectures and data sets (chapter 5).

Each conclusion is a test on one run's headline figures (:mod:`latent_fragments.stats.headline`);
:func:`conclusion_table` applies them to every run of a sweep and gives, per variant, the share of its
seeds where the conclusion holds; :func:`conclusions_sentence` and :func:`vae_sentence` say what the
chapter prints.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import pandas as pd


class Conclusion(NamedTuple):
    """A conclusion of the blog series and its test on one row of headline figures. Chapter 5."""

    claim: str
    figures: tuple[str, ...]
    holds: Callable[[pd.Series], bool]


#: The blog's conclusions, as tests on a run's headline figures (thresholds in the claims).
CONCLUSIONS: dict[str, Conclusion] = {
    "few_axes": Conclusion("a few principal axes carry most of the variance (90 % of it on fewer than half "
                           "the axes)", ("n90_share",), lambda r: r["n90_share"] < 0.5),
    "mnd_like": Conclusion("the z-points are close to a multivariate normal (Mardia's kurtosis within 10 % of "
                           "an MND's)", ("kurtosis_ratio",), lambda r: abs(r["kurtosis_ratio"] - 1.0) <= 0.1),
    "core_80": Conclusion("a dense core within 3 sigma on every axis holds more than 80 % of the points",
                          ("core_share",), lambda r: r["core_share"] > 0.8),
    "core_like_mnd": Conclusion("the core holds the share an MND would put there (within 5 percentage points)",
                                ("core_share", "core_expected"),
                                lambda r: abs(r["core_share"] - r["core_expected"]) <= 0.05),
    "origin_border": Conclusion("the origin lies near or beyond the cloud's border (more than 90 % of the "
                                "points nearer the centre than the origin)",
                                ("origin_share_closer",), lambda r: r["origin_share_closer"] > 0.9),
    "mnd_beats_cube": Conclusion("decoded samples of the fitted MND look more like the data than decoded cube "
                                 "samples (lower FD)", ("fd_mnd", "fd_cube"), lambda r: r["fd_mnd"] < r["fd_cube"]),
}


def conclusion_table(table: pd.DataFrame) -> pd.DataFrame:
    """Share of each variant's runs in which each conclusion holds (NaN where its figures are missing).

    Introduced in chapter 5; rows are the variants in the sweep's order, columns the keys of
    :data:`CONCLUSIONS`."""
    out = {}
    for key, conclusion in CONCLUSIONS.items():
        present = table[list(conclusion.figures)].notna().all(axis=1) if set(conclusion.figures) <= set(table) \
            else pd.Series(False, index=table.index)
        held = table.apply(lambda r, c=conclusion: bool(c.holds(r)), axis=1) if present.any() else present
        out[key] = held.where(present).astype(float).groupby(table["variant"], sort=False).mean()
    return pd.DataFrame(out)


def _names(variants) -> str:
    names = [f"*{v}*" for v in variants]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def conclusion_line(key: str, shares: pd.Series) -> str:
    """One line of :func:`conclusions_sentence`: does conclusion ``key`` hold in every run, in none, or
    does it depend on the variant or the seed? ``shares``: variant -> share of its runs. Chapter 5."""
    claim = CONCLUSIONS[key].claim
    shares = shares.dropna()
    if shares.empty:
        return f"*{claim}*: not measured in this sweep."
    if (shares == 1).all():
        return f"{claim[0].upper()}{claim[1:]}: **holds** in every run of every variant."
    if (shares == 0).all():
        return f"{claim[0].upper()}{claim[1:]}: **fails** in every run of every variant."
    mixed = shares[(shares > 0) & (shares < 1)]
    parts = []
    if (shares == 1).any():
        parts.append(f"holds for {_names(shares.index[shares == 1])}")
    if (shares == 0).any():
        parts.append(f"fails for {_names(shares.index[shares == 0])}")
    if len(mixed):
        parts.append(f"depends on the seed for {_names(mixed.index)}")
    return f"{claim[0].upper()}{claim[1:]}: **depends** on the run: {'; '.join(parts)}."


def conclusions_sentence(conclusions: pd.DataFrame) -> str:
    """A Markdown list, one :func:`conclusion_line` per conclusion of :func:`conclusion_table`. Chapter 5."""
    return "\n".join(f"- {conclusion_line(key, conclusions[key])}" for key in conclusions.columns)


def _stats(values: pd.Series) -> tuple[float, float, int]:
    values = values.dropna()
    sd = float(values.std()) if len(values) > 1 else math.nan
    return float(values.mean()) if len(values) else math.nan, sd, len(values)


def compare(a: pd.Series, b: pd.Series) -> str:
    """``"lower"``, ``"higher"`` or ``"similar"``: is the mean of ``a`` below that of ``b`` by more than twice
    the standard error of the difference? ``"single"`` with fewer than two values on a side, ``"missing"``
    without values. Introduced in chapter 5."""
    (ma, sa, na), (mb, sb, nb) = _stats(a), _stats(b)
    if na == 0 or nb == 0:
        return "missing"
    if na < 2 or nb < 2:
        return "single"
    se = math.sqrt(sa ** 2 / na + sb ** 2 / nb)
    if abs(ma - mb) <= 2 * se:
        return "similar"
    return "lower" if ma < mb else "higher"


def _pm(values: pd.Series) -> str:
    mean, sd, n = _stats(values)
    if n < 2:
        return f"{mean:.3g}"
    return f"{mean:.3g} ± {0.0 if sd <= 1e-9 * max(1.0, abs(mean)) else sd:.2g}"


def vae_sentence(table: pd.DataFrame, ae_variant: str, vae_variant: str) -> str:
    """Do the VAE's prior samples beat the plain AE's ex-post MND by the scoring network's FD? Chapter 5.

    Compares ``fd_prior`` of the runs of ``vae_variant`` with ``fd_mnd`` of ``ae_variant`` (mean ± sd over
    seeds, :func:`compare`), and adds how the VAE's own ex-post MND compares with its prior.
    """
    ae, vae = table[table["variant"] == ae_variant], table[table["variant"] == vae_variant]
    prior, ae_mnd = vae.get("fd_prior", pd.Series(dtype=float)), ae.get("fd_mnd", pd.Series(dtype=float))
    verdict = compare(prior, ae_mnd)
    if verdict == "missing":
        return "The FD of the VAE's prior samples or of the AE's ex-post MND was not measured in this sweep."
    numbers = f"FD {_pm(prior)} for the VAE's prior N(0, I) against {_pm(ae_mnd)} for the plain AE's ex-post MND"
    first = {
        "lower": f"The VAE's prior samples beat the plain AE's ex-post MND: {numbers}.",
        "higher": f"The plain AE's ex-post MND beats the VAE's prior samples: {numbers}.",
        "similar": f"The VAE's prior samples and the plain AE's ex-post MND are not told apart by the FD over "
                   f"these seeds: {numbers}.",
        "single": f"With a single seed on one side no difference can be judged: {numbers}.",
    }[verdict]
    own = compare(vae.get("fd_mnd", pd.Series(dtype=float)), prior)
    second = {
        "lower": " An MND fitted ex post to the VAE's own posterior means does better than its prior "
                 f"(FD {_pm(vae['fd_mnd'])}).",
        "higher": f" The VAE's prior does better than an MND fitted ex post to its posterior means "
                  f"(FD {_pm(vae['fd_mnd'])}).",
        "similar": f" An MND fitted ex post to the VAE's posterior means does about as well as its prior "
                   f"(FD {_pm(vae['fd_mnd'])}).",
    }.get(own, "")
    return first + second


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many runs of each variant got each label of chapter 4's verdict (empty if it was skipped).

    Introduced in chapter 5."""
    if "verdict" not in table:
        return pd.DataFrame()
    labelled = table[table["verdict"].fillna("").astype(str) != ""]
    return pd.crosstab(labelled["variant"], labelled["verdict"]).reindex(
        [v for v in dict.fromkeys(table["variant"]) if v in set(labelled["variant"])])


def figure_summary(table: pd.DataFrame, figures: tuple[str, ...]) -> pd.DataFrame:
    """``mean ± sd`` text of each figure per variant (one seed: the value alone), for the chapter's table.

    Introduced in chapter 5."""
    rows = {variant: {f: (_pm(group[f]) if f in group and group[f].notna().any() else "–") for f in figures}
            for variant, group in table.groupby("variant", sort=False)}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.insert(0, "seeds", table.groupby("variant", sort=False).size())
    return frame


__all__ = ["CONCLUSIONS", "Conclusion", "compare", "conclusion_line", "conclusion_table", "conclusions_sentence",
           "figure_summary", "vae_sentence", "verdict_counts"]
