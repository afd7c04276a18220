"""What chapter 5 says: the adequacy of each run, which conclusions hold across the adequate runs, the
VAE against the plain AE, and chapter 5's findings record. Numbers and labels come from
:mod:`latent_fragments.stats.generality`; every sentence here has one test per branch.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ..stats.generality import (
    ADEQUACY,
    ALPHA,
    CONCLUSIONS,
    across_runs,
    conclusion_table,
    interval_compare,
    miss_probability,
)
from . import Numbers, pct
from .findings import claim_record

#: The wording of each conclusion of :data:`~latent_fragments.stats.generality.CONCLUSIONS` (its test).
CLAIM_WORDS = {
    "few_axes": "a few principal axes carry most of the variance (90 % of it on fewer than half the axes)",
    "mnd_like": f"the z-points are consistent with a multivariate normal (Mardia's skewness and kurtosis, "
                f"parametric bootstrap, not rejected at the {pct(ALPHA, 0)} level)",
    "core_80": "a dense core within 3 sigma on every principal axis holds more than 80 % of the points",
    "origin_border": "the origin lies near the border: outside the predictive region that holds 90 % of new "
                     "z-points, inside the one that holds 99.9 %",
    "mnd_beats_cube": "decoded samples of the fitted MND score closer to real images than decoded cube samples "
                      "(FD, disjoint 90 % intervals)",
}

SECTION = "Chapter 5, The VAE's prior against an ex-post MND"


def _figure(value: float, digits: str = ".3g") -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, digits)


def reason_text(failure: str, row: Mapping, reference_mse: float) -> str:
    """Why a run fails one adequacy check (a key of ``stats.generality.adequacy_failures``), with its figure.
    Introduced in chapter 5."""
    texts = {
        "reconstruction": f"held-out reconstruction MSE {_figure(row['recon_mse'], '.4f')}, more than "
                          f"{ADEQUACY['recon_factor']:g} × chapter 1's {reference_mse:.4f}",
        "diversity": f"its ex-post MND samples are not diverse: recall "
                     f"{_figure(row.get('recall_mnd'), '.2f')} against real-vs-real "
                     f"{_figure(row.get('recall_real'), '.2f')} (needs at least {pct(ADEQUACY['recall_share'], 0)} of it)",
        "collapse": f"posterior collapse: {_figure(row['active_units'], '.0f')} active latent units "
                    f"(needs {ADEQUACY['min_active']})",
        "convergence": "held-out loss not flat: " + (
            "fewer than 3 epochs" if math.isnan(row["heldout_change"])
            else f"it changed by {pct(row['heldout_change'], 2)} over the last 2 epochs (needs < "
                 f"{pct(ADEQUACY['max_change'], 0)})"),
    }
    return texts[failure]


def run_name(row: Mapping) -> str:
    """A run as the page names it: ``"<variant>, seed <seed>"``. Introduced in chapter 5."""
    return f"{row['variant']}, seed {int(row['seed'])}"


def excluded(table: pd.DataFrame, failures: pd.Series, reference_mse: float) -> dict[str, str]:
    """Run name -> the reasons it is excluded (``"; "``-joined), for the runs that fail a check.
    Introduced in chapter 5."""
    return {run_name(row): "; ".join(reason_text(f, row, reference_mse) for f in failures[i])
            for i, row in table.iterrows() if failures[i]}


def adequacy_list(table: pd.DataFrame, failures: pd.Series, reference_mse: float) -> str:
    """A Markdown list: each run adequate, or "excluded:" with its reasons. Introduced in chapter 5."""
    reasons = excluded(table, failures, reference_mse)
    lines = [f"- *{run_name(row)}*: " + (f"excluded: {reasons[run_name(row)]}." if failures[i] else "adequate.")
             for i, row in table.iterrows()]
    return "\n".join(lines)


def rule_sentence(n_adequate: int) -> str:
    """The across-runs rule and what it can detect with ``n_adequate`` adequate runs. Introduced in chapter 5."""
    if n_adequate == 0:
        return ("No run passed the adequacy check, so this sweep draws **no conclusion**: every line of the "
                "table below reads \"not measured\".")
    runs = "run" if n_adequate == 1 else "runs"
    return (f"A conclusion *holds across runs* when it holds in all {n_adequate} adequate {runs}. With "
            f"{n_adequate} {runs} a conclusion that fails in 30 % of runs goes unnoticed with probability "
            f"{miss_probability(n_adequate, 0.3):.2f}, one that fails in half of them with probability "
            f"{miss_probability(n_adequate, 0.5):.2f}: \"holds\" here means \"held in the runs we could afford\", "
            f"not \"holds for every seed\".")


def across_text(label: str, holds: int, measured: int) -> str:
    """One cell of the across-runs column: "holds in 2 of 2 adequate runs" and the like. Chapter 5."""
    if label == "not measured":
        return "not measured (no adequate run has its figures)"
    return f"{label}: in {holds} of {measured} adequate run{'s' if measured != 1 else ''}"


def conclusions_frame(conclusions: pd.DataFrame, adequate: pd.Series) -> pd.DataFrame:
    """The page's table: one row per conclusion, its words and :func:`across_text` over the adequate runs.
    Introduced in chapter 5."""
    rows = [{"conclusion": CLAIM_WORDS[key], "across the adequate runs": across_text(*across_runs(
        conclusions.loc[adequate, key]))} for key in CONCLUSIONS]
    return pd.DataFrame(rows).set_index("conclusion")


def across_variants(conclusions: pd.DataFrame, adequate: pd.Series) -> dict[str, str]:
    """Findings key -> :func:`across_text`, for the findings record. Introduced in chapter 5."""
    return {c.claim: across_text(*across_runs(conclusions.loc[adequate, key])) for key, c in CONCLUSIONS.items()}


def _fd(rows: pd.DataFrame, generator: str) -> str:
    parts = [f"{row[f'fd_{generator}']:.3g} [{row[f'fd_{generator}_lo']:.3g}, {row[f'fd_{generator}_hi']:.3g}]"
             for _, row in rows.iterrows()]
    return ", ".join(parts) if parts else "–"


def _ends(rows: pd.DataFrame, generator: str) -> tuple[pd.Series, pd.Series]:
    return rows.get(f"fd_{generator}_lo", pd.Series(dtype=float)), rows.get(f"fd_{generator}_hi", pd.Series(dtype=float))


def vae_comparison(ae: pd.DataFrame, vae: pd.DataFrame) -> str:
    """``stats.generality.interval_compare`` of the VAE's prior against the plain AE's ex-post MND (FD),
    on the adequate runs ``ae`` and ``vae``: "lower" means the VAE's prior scores better. Chapter 5."""
    return interval_compare(*_ends(vae, "prior"), *_ends(ae, "mnd"))


def vae_sentence(ae: pd.DataFrame, vae: pd.DataFrame) -> str:
    """Does the VAE's prior beat the plain AE's ex-post MND by the FD, on the adequate runs? Chapter 5."""
    if ae.empty or vae.empty:
        which = " and ".join(name for name, rows in (("the plain AE", ae), ("the VAE", vae)) if rows.empty)
        return f"No comparison: {which} did not pass the adequacy check (see above)."
    numbers = (f"FD {_fd(vae, 'prior')} for the VAE's prior N(0, I) against {_fd(ae, 'mnd')} for the plain AE's "
               f"ex-post MND (90 % intervals)")
    return {
        "lower": f"The VAE's prior samples score closer to real images than the plain AE's ex-post MND: {numbers}; "
                 "the intervals are disjoint.",
        "higher": f"The plain AE's ex-post MND scores closer to real images than the VAE's prior samples: "
                  f"{numbers}; the intervals are disjoint.",
        "overlap": f"The FD does not tell the VAE's prior samples from the plain AE's ex-post MND: {numbers}; "
                   "the intervals overlap.",
        "missing": "The FD intervals of the VAE's prior or the AE's ex-post MND were not measured in this sweep.",
    }[vae_comparison(ae, vae)]


def vae_needed_claim(ae: pd.DataFrame, vae: pd.DataFrame, conclusions: pd.DataFrame) -> dict[str, str]:
    """The findings entry for "a VAE is needed to generate from a prior; a plain AE cannot", from the
    adequate runs ``ae`` and ``vae`` (``conclusions``: :func:`~latent_fragments.stats.generality.conclusion_table`
    of the whole table). Introduced in chapter 5."""
    if ae.empty or vae.empty:
        return claim_record("not testable here", "–", SECTION,
                            "no adequate plain AE and VAE to compare (see chapter 5's exclusions)")
    figure = f"FD: VAE prior {_fd(vae, 'prior')}, AE ex-post MND {_fd(ae, 'mnd')}"
    verdict = vae_comparison(ae, vae)
    beats_cube = across_runs(conclusions.loc[ae.index, "mnd_beats_cube"])[0] == "holds"
    if verdict == "lower" and not beats_cube:
        return claim_record("holds", figure, SECTION, "the VAE's prior scores better and the plain AE's ex-post "
                            "MND does no better than a uniform cube")
    if verdict == "lower":
        return claim_record("partly", figure, SECTION, "the VAE's prior scores better, but the plain AE generates "
                            "too: its ex-post MND beats the uniform cube")
    if verdict == "missing":
        return claim_record("not testable here", figure, SECTION, "the FD intervals were not measured")
    return claim_record("does not hold", figure, SECTION, "the plain AE's ex-post MND scores no worse than the "
                        "VAE's prior (" + ("intervals overlap" if verdict == "overlap" else "it scores better") + ")")


def unenforced_mnd_claim(ae: pd.DataFrame) -> dict[str, str]:
    """The findings entry for "a plain CAE maps faces onto an MND without any constraint", from the adequate
    plain-AE runs ``ae`` (Mardia's test, ``mardia_p``). Introduced in chapter 5."""
    section = "Chapter 5, Which conclusions hold?"
    untested = "; the dependence on data set and batch normalisation is left to the CLI sweep"
    if ae.empty:
        return claim_record("not testable here", "–", section, "no adequate plain-AE run" + untested)
    figure = "Mardia p " + ", ".join(f"{p:.3f}" for p in ae["mardia_p"])
    consistent = int((ae["mardia_p"] > ALPHA).sum())
    if consistent == len(ae):
        return claim_record("holds", figure, section, f"Mardia's test does not reject normality at "
                            f"{pct(ALPHA, 0)} in any adequate plain-AE run" + untested)
    if consistent == 0:
        return claim_record("does not hold", figure, section, f"Mardia's test rejects normality at "
                            f"{pct(ALPHA, 0)} in every adequate plain-AE run" + untested)
    return claim_record("partly", figure, section, f"normality rejected in {len(ae) - consistent} of {len(ae)} "
                        "adequate plain-AE runs" + untested)


def findings_record(settings: Mapping, table: pd.DataFrame, failures: pd.Series, reference_mse: float,
                    ae_variant: str, vae_variant: str) -> dict:
    """Chapter 5's record for the findings page: ``settings``, the claims ``unenforced_mnd`` and
    ``vae_needed`` (:func:`unenforced_mnd_claim`, :func:`vae_needed_claim`), ``across_variants``,
    ``variants`` (the adequate runs) and ``excluded`` (run -> reasons). Introduced in chapter 5."""
    conclusions = conclusion_table(table)
    adequate = failures.apply(len) == 0
    ae = table[adequate & (table["variant"] == ae_variant)]
    vae = table[adequate & (table["variant"] == vae_variant)]
    return {"settings": dict(settings),
            "claims": {"unenforced_mnd": unenforced_mnd_claim(ae), "vae_needed": vae_needed_claim(ae, vae, conclusions)},
            "across_variants": across_variants(conclusions, adequate),
            "variants": [run_name(row) for _, row in table[adequate].iterrows()],
            "excluded": excluded(table, failures, reference_mse)}


def verdict_note(verdict_draws: int) -> str:
    """What the page says about chapter 4's verdict in the sweep. Introduced in chapter 5."""
    if verdict_draws:
        return f"Chapter 4's verdict ran with {verdict_draws} null draws per run; the table counts its labels."
    return ("Chapter 4's verdict on small-scale structure was skipped in this build (`verdict_draws = 0`): its "
            "null draws cost minutes per run.")


def sweep_numbers(n_runs: int, n_adequate: int, variants: Sequence[str]) -> Numbers:
    """Runs, adequate runs and variants of the sweep. Introduced in chapter 5."""
    return Numbers({"n_runs": f"{n_runs}", "n_adequate": f"{n_adequate}", "n_variants": f"{len(variants)}"})


def figure_summary(table: pd.DataFrame, figures: Sequence[str]) -> pd.DataFrame:
    """One row per run (its :func:`run_name`), the ``figures`` as text (3 significant digits, "–" if missing).
    Introduced in chapter 5."""
    rows = {run_name(row): {f: _figure(row.get(f, math.nan)) for f in figures} for _, row in table.iterrows()}
    return pd.DataFrame.from_dict(rows, orient="index")


__all__ = ["CLAIM_WORDS", "across_text", "across_variants", "adequacy_list", "conclusions_frame", "excluded",
           "figure_summary", "findings_record", "reason_text", "rule_sentence", "run_name", "sweep_numbers", "unenforced_mnd_claim",
           "vae_comparison", "vae_needed_claim", "vae_sentence", "verdict_note"]
