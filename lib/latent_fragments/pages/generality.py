"""What chapter 5 says: the adequacy of each run, which conclusions hold across the adequate runs, the
VAE against the plain AE, and chapter 5's findings record. Numbers and labels come from
:mod:`latent_fragments.stats.generality`; every sentence here has one test per branch.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ..stats.features import SUPERVISED
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


def convergence_sentence(vae: pd.DataFrame, epochs: int) -> str:
    """What the VAE's convergence criterion shows and what it does not, for the VAE runs ``vae`` (rows with
    ``heldout_change``, ``seed``; ``epochs``: the epoch cap). Introduced in chapter 5.

    The criterion (:data:`~latent_fragments.stats.generality.ADEQUACY`'s ``max_change``) is a relative change of
    the held-out loss over the last 2 epochs. It is a stopping rule, not a test: the loss is summed over
    27,648 pixel values and dominated by the reconstruction error no model removes, so a change under 1 % can
    still hide a KL term or a prior that improves with more epochs.
    """
    if vae.empty:
        return "The sweep has no VAE run, so there is no convergence criterion to read."
    limit = ADEQUACY["max_change"]
    changes = ", ".join(f"{pct(row['heldout_change'], 2)} (seed {int(row['seed'])})" if not math.isnan(
        row["heldout_change"]) else f"not measured (seed {int(row['seed'])}, fewer than 3 epochs)"
        for _, row in vae.iterrows())
    flat = vae["heldout_change"] < limit
    head = (f"The VAE's held-out loss (reconstruction summed over the pixels plus the KL term) changed by {changes} "
            f"over its last 2 epochs, against the criterion of less than {pct(limit, 0)} at the cap of {epochs} "
            f"epochs.")
    limits = (f"This shows only that the loss had nearly stopped falling at the cap; it does not show that the VAE "
              f"reached its best ELBO, nor that its prior would not generate better after more epochs (a loss "
              f"falling {pct(limit / 2, 1)} every 2 epochs falls about {pct(1 - (1 - limit / 2) ** 10, 0)} more "
              f"in 20). The comparison below is between the two models as trained within chapter 1's budget, not "
              f"between the best a VAE and a plain AE can do.")
    if flat.all():
        return f"{head} {limits}"
    return (f"{head} A run above it was still improving when it stopped and is excluded; for a run that passes: "
            f"{limits[0].lower()}{limits[1:]}" if flat.any() else
            f"{head} The loss was not shown to be flat when training stopped, so the VAE is excluded from the "
            f"comparison: more epochs (a higher `epochs`) would be needed to judge it.")


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


def scoring_sentence(kind: str) -> str:
    """Which of chapter 3's scoring networks (:data:`latent_fragments.stats.features.KINDS`) gives the
    feature space the sweep's FD, KID and recall are measured in. Introduced in chapter 5."""
    if kind == SUPERVISED:
        return ("The feature space is that of chapter 3's scoring network, trained with supervision on the data's "
                "labels.")
    return ("The data carry no labels, so the feature space is chapter 3's label-free one: its scoring network "
            "trained to tell by how much each training image was turned.")


def scoring_numbers(kind: str) -> Numbers:
    """The feature space the sweep scores in, as one sentence (:func:`scoring_sentence`). Chapter 5."""
    return Numbers({"scoring_space": scoring_sentence(kind)})


def sweep_numbers(n_runs: int, n_adequate: int, variants: Sequence[str]) -> Numbers:
    """Runs, adequate runs and variants of the sweep. Introduced in chapter 5."""
    return Numbers({"n_runs": f"{n_runs}", "n_adequate": f"{n_adequate}", "n_variants": f"{len(variants)}"})


#: The headline figures of a sweep's table as the page names and formats them (:func:`headline_table`):
#: key -> (name for a reader, format: "pct" for a share, "yes/no" for a 0/1 flag, else a format spec).
HEADLINE_FIGURES = {
    "n90_share": ("share of axes for 90 % of the variance", "pct"),
    "core_share": ("share of points in the 3σ core", "pct"),
    "core_expected": ("share an MND puts in the core", "pct"),
    "skewness_ratio": ("Mardia skewness over an MND's", ".3g"),
    "kurtosis_ratio": ("Mardia kurtosis over an MND's", ".3g"),
    "mardia_p": ("p-value, MND test (bootstrap)", ".3g"),
    "origin_heldout_closer": ("held-out points nearer the centre than the origin", "pct"),
    "origin_beyond_90": ("origin outside the 90 % region", "yes/no"),
    "origin_beyond_999": ("origin outside the 99.9 % region", "yes/no"),
    "recon_mse": ("held-out reconstruction MSE", ".4f"),
    "active_units": ("active latent units (VAE)", ",.0f"),
    "heldout_change": ("held-out loss change, last 2 epochs", "pct"),
    "recall_real": ("recall: real images", ".2f"),
    "recall_mnd": ("recall: ex-post MND", ".2f"),
    "recall_prior": ("recall: VAE prior", ".2f"),
    "fd_real": ("FD: real against real", ".3g"),
    "fd_mnd": ("FD: ex-post MND", ".3g"),
    "fd_cube": ("FD: uniform cube", ".3g"),
    "fd_prior": ("FD: VAE prior", ".3g"),
}


def _headline_cell(value: float, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if fmt == "yes/no":
        return "yes" if value else "no"
    return pct(value) if fmt == "pct" else format(value, fmt)


def headline_table(table: pd.DataFrame, figures: Sequence[str] = tuple(HEADLINE_FIGURES)) -> pd.DataFrame:
    """The headline ``figures`` (keys of :data:`HEADLINE_FIGURES`) as the page shows them: one row per
    figure, named for a reader, one column per run (:func:`run_name`). Introduced in chapter 5."""
    columns = {run_name(row): [_headline_cell(row.get(key, math.nan), HEADLINE_FIGURES[key][1]) for key in figures]
               for _, row in table.iterrows()}
    index = pd.Index([HEADLINE_FIGURES[key][0] for key in figures], name="figure")
    return pd.DataFrame(columns, index=index)


__all__ = ["CLAIM_WORDS", "HEADLINE_FIGURES", "across_text", "across_variants", "adequacy_list",
           "conclusions_frame", "excluded", "findings_record", "headline_table", "reason_text", "rule_sentence",
           "run_name", "sweep_numbers", "unenforced_mnd_claim", "vae_comparison", "vae_needed_claim",
           "vae_sentence", "verdict_note"]
