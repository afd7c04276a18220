"""What chapter 4 says: its numbers, one function per section, and every sentence of its results.

The statistics (:mod:`latent_fragments.stats.filaments`) return numbers and labels; the wording is here,
one tested branch per outcome. Introduced in chapter 4.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..data.labels import label_columns
from ..stats.filaments import (NULL_MODELS, RESOLVED_SCALE, STATISTICS, VERDICT_LABELS, FilamentVerdict, NullTest,
                               more_clusters, small_scale_departure)
from . import Numbers, pct, pct_points, shown

#: The scale statistics chapter 4 compares between the verdict's sample and all z-points.
SCALE_KEYS = ("mean 1-NN distance", "mean 20-NN distance", "TwoNN dimension", "Levina–Bickel dimension")


# --- sentences -------------------------------------------------------------------------------------------

def scale_sentence(ratio: float, threshold: float = RESOLVED_SCALE) -> str:
    """Whether a run resolves scales below the cloud's size (from ``scale_resolution``). Chapter 4."""
    head = (f"A point's nearest neighbour is on median {pct(ratio, 0)} of the typical distance between two "
            f"z-points away")
    if ratio <= threshold:
        return (f"{head}: the sample resolves scales well below the size of the cloud, so structure on "
                f"small scales could be seen.")
    return (f"{head} (more than {pct(threshold, 0)}): at this sample size and dimension the run does not resolve "
            f"scales much smaller than the cloud itself, so \"small-scale\" below means the texture of the cloud "
            f"at about {pct(ratio, 0)} of its own size.")


def component_scale_sentence(ratio: float, n_components: int, n_axes: int) -> str:
    """Where "small" starts - below the shape-matched mixture's component width - and whether the sample
    reaches below it (``ratio``: median 1-NN distance over the typical within-component distance). Chapter 4."""
    head = (f"\"Small\" means finer than one component of the shape-matched mixture ({n_components} components "
            f"on the {n_axes} leading axes): a point's nearest neighbour is on median {pct(ratio, 0)} of the "
            f"typical distance between two points of one component away")
    if ratio < 1:
        return f"{head}, so the sample reaches below the components' width and the small-scale test can see there."
    return (f"{head}: the sample does not reach below the components' width, so no small-scale structure could "
            f"be seen at this size.")


def departures_text(test: NullTest, scales: tuple[str, ...] = ("small", "clusters", "large")) -> str:
    """The flagged statistics of one null test: "label (+12.3 %, standardised -4.1); ...". Chapter 4."""
    parts = [f"{s.label} ({'+' if rel >= 0 else ''}{pct(rel)}, standardised {std:+.1f})"
             for s, rel, std, flag in zip(STATISTICS, test.relative, test.standardised, test.flagged)
             if flag and s.scale in scales]
    return "; ".join(parts) if parts else "no statistic"


def surface_sentence(test: NullTest) -> str:
    """Whether the cloud is locally lower-dimensional than the null of ``test``, as a sentence. Chapter 4.

    The "curved, lower-dimensional surface" reading needs both the Levina-Bickel dimension and the mean
    1-NN distance flagged as lower than the null's; a lower dimension alone is reported as such.
    """
    numbers = (f"Levina–Bickel {test.get('levina_bickel'):.1f} against {test.get('levina_bickel', 'null_mean'):.1f} "
               f"for the {test.name}")
    lower_dim, closer = (test.is_flagged(key) and test.get(key, "relative") < 0 for key in ("levina_bickel", "nn1"))
    if lower_dim and closer:
        return (f"Points have closer neighbours and the cloud is locally lower-dimensional ({numbers}): the "
                f"z-points lie nearer to a curved, lower-dimensional surface than a cloud of the same large-scale "
                f"shape would put them.")
    if lower_dim:
        return (f"The cloud is locally lower-dimensional ({numbers}), but its points have no closer neighbours "
                f"than the null's, so this is not read as a thinner, lower-dimensional surface.")
    return f"The local dimension gives no significant sign of a lower-dimensional surface ({numbers})."


def _by_role(tests: Mapping[str, NullTest], role: str) -> list[NullTest]:
    return [t for key, t in tests.items() if NULL_MODELS[key].role == role]


def verdict_sentence(label: str, tests: Mapping[str, NullTest], alpha: float, component_scale: float = 0.0) -> str:
    """The sentence chapter 4 prints for a verdict; it says where the result disagrees with the blog.

    Introduced in chapter 4. One branch per label of :data:`VERDICT_LABELS` ("separate_clusters" in two:
    clusters finer than the large-scale shape, or the shape's own modes), after the global p-values. Where no
    small-scale label fires, what it says of the blog's filaments agrees with :func:`filaments_claim`: "not
    seen" if the sample reaches below the mixture components' width (``component_scale < 1``), else "could not
    be seen at this size".
    """
    if label not in VERDICT_LABELS:
        raise ValueError(f"unknown label {label!r}; use one of {VERDICT_LABELS}")
    b = len(next(iter(tests.values())).replicate_max)
    ps = ", ".join(f"p = {t.p_value:.3f} against the {t.name}" for t in tests.values())
    head = (f"One exchangeable test per null ({b} replicates each, so the smallest possible p is {1 / (b + 1):.3f}; "
            f"statistics flagged at a family-wise level of {alpha:g}): {ps}.")
    shape, elliptical = _by_role(tests, "shape"), _by_role(tests, "elliptical")
    if label == "separate_clusters":
        test = next((t for t in shape if more_clusters(t)), None)
        where = ("finer than the large-scale shape: the shape-matched mixture does not produce them"
                 if test is not None else "which are modes of the large-scale shape itself: the shape-matched "
                 "mixture reproduces them, the elliptical null does not")
        test = test or next(t for t in elliptical if more_clusters(t))
        body = (f"The cloud breaks into separate dense pieces, {where}. HDBSCAN finds {test.get('clusters'):.0f} "
                f"clusters holding {pct(test.get('cluster_share'), 0)} of the points, against "
                f"{max(test.get('clusters', 'null_mean'), 0.0):.1f} expected under the {test.name}. This agrees with the blog's "
                f"first post: separate fragments, not one compact region.")
    elif label == "continuous_small_scale_structure":
        test = next(t for t in shape if small_scale_departure(t))
        body = (f"Against the {test.name}, which keeps the cloud's large-scale shape, the cloud departs in "
                f"{departures_text(test, ('small', 'clusters'))}, but without more clusters: small-scale structure "
                f"that is continuous, a texture inside one fragment, not filaments that can be isolated as the "
                f"blog's first post suggested. {surface_sentence(test)}")
    elif label == "large_scale_non_gaussian":
        flagged = [t for t in _by_role(tests, "gaussian") if t.flagged.any()]
        smooth = " or ".join(f"the {t.name}" for t in shape) or "a null of the same large-scale shape"
        body = (f"The cloud departs from the {flagged[0].name} in {departures_text(flagged[0])}, but not from "
                f"{smooth} at small scales: the departure is in the large-scale shape, and below it the "
                f"cloud is consistent with a smooth density. " + (
                    "The blog's filaments are not seen here." if component_scale < 1 else _UNRESOLVED))
    else:
        body = ("No statistic departs significantly from any null: at this sample size the cloud is consistent "
                "with a multivariate normal (which does not prove it is one). " + (
                    "This disagrees with the blog's first post (filaments on small scales) and agrees with its "
                    "later posts (one ellipsoid)." if component_scale < 1 else
                    "This agrees with the blog's later posts (one ellipsoid); "
                    + _UNRESOLVED[0].lower() + _UNRESOLVED[1:]))
    return f"{head} {body}"


_UNRESOLVED = ("The sample's nearest neighbours do not reach below the width of the shape-matched mixture's "
               "components, so filaments on smaller scales could not be seen at this size: the blog's first post "
               "is not testable here.")


#: Level of chapter 4's one-sided binomial tests of the tails (:func:`tails_sentence`).
TAILS_LEVEL = 0.01


def _tail_figure(row: pd.Series, sigma: int, side: str) -> str:
    """"12 of 2,000 points beyond 5σ on some axis against 0.3 expected, one-sided binomial p = 0.0001"."""
    p = row["p_more"] if side == "more" else row["p_fewer"]
    return (f"{row['count']:,.0f} of {row['n']:,.0f} points beyond {sigma}σ on some axis against "
            f"{row['expected'] * row['n']:,.1f} expected, one-sided binomial p = {p:.2g}")


def tails_sentence(profile: pd.DataFrame, level: float = TAILS_LEVEL) -> str:
    """What ``radial_outlier_profile`` says about the tails, as the sentence chapter 4 prints.

    Introduced in chapter 4. Two one-sided exact binomial tests at ``level`` (the profile's ``p_fewer``
    and ``p_more`` columns): "lighter bulk" = significantly fewer points beyond 3 sigma on any axis than
    an MND puts there; "heavier far tail" = significantly more beyond 5 sigma on any axis. Needs the rows of
    thresholds 3 and 5. Each branch is reached at chapter 4's size (2,000 x 256) by a control
    (``tests/test_filament_verdict.py``).
    """
    by = profile.set_index(["criterion", "threshold"])
    bulk, far = by.loc[("any axis", 3.0)], by.loc[("any axis", 5.0)]
    light_bulk, heavy_far = bulk["p_fewer"] <= level, far["p_more"] <= level
    test = f"(one-sided binomial tests at the {pct(level, 0)} level)"
    if light_bulk and heavy_far:
        return (f"The bulk has lighter tails than an MND ({_tail_figure(bulk, 3, 'fewer')}) and the far tails are "
                f"heavier ({_tail_figure(far, 5, 'more')}) {test}: the outliers look like a population of "
                f"their own rather than the edge of a Gaussian.")
    if heavy_far:
        return (f"The far tails are heavier than an MND's ({_tail_figure(far, 5, 'more')}), the bulk is not "
                f"lighter {test}.")
    if light_bulk:
        return (f"The bulk has lighter tails than an MND ({_tail_figure(bulk, 3, 'fewer')}), and the far tails "
                f"show no significant excess ({_tail_figure(far, 5, 'more')}) {test}.")
    return (f"Neither test finds a departure from an MND's tails {test}: beyond 5σ "
            f"{_tail_figure(far, 5, 'more')}. At this sample size an excess of a few points far out could "
            f"go unseen.")


def carriage_sentence(table: pd.DataFrame, labelled: bool = True) -> str:
    """What ``label_carriage`` (with scores) says, as chapter 4 prints it. Introduced in chapter 4.

    "The small scales carry ground truth" only if some label is ``carried``. ``labelled``: whether the data
    carry any label at all (:func:`latent_fragments.data.labels.label_columns`); without, the sentence says
    so and the page goes on.
    """
    if not labelled:
        return ("The data carry no labels, so what the small scales carry cannot be asked here; the page goes on "
                "with the whole cloud.")
    if not len(table):
        return "The run has no discrete labels, so what the small scales carry cannot be asked."
    carried = table[table["carried"] > 0]
    row = carried.iloc[0] if len(carried) else table.iloc[0]
    name = carried.index[0] if len(carried) else table.index[0]
    numbers = (f"the 20 nearest neighbours of a point share its '{name}' {pct(row['neighbours sharing the label'])} "
               f"of the time, against {pct(row['linear-model baseline'])} predicted by a linear model of z along the "
               f"large axes and {pct(row['chance'])} by chance (excess over the linear model "
               f"{pct_points(row['excess, 2.5 %'])} to {pct_points(row['excess, 97.5 %'])}, 95 % bootstrap interval)")
    if len(carried):
        return f"The small scales carry ground truth: {numbers}."
    return (f"The small scales carry no ground truth beyond the large-scale trends: even for the label with the "
            f"largest excess, {numbers}.")


def whole_cloud_sentence(sample: dict[str, float], whole: dict[str, float] | None) -> str:
    """The dimension estimates of the verdict's sample beside those of all z-points. Chapter 4.

    ``sample`` and ``whole`` hold "points", "TwoNN dimension" and "Levina–Bickel dimension" (as
    ``whole_cloud_summary`` returns them); ``whole=None``: the sample is the whole cloud.
    """
    if whole is None:
        return (f"Here the sample is the whole cloud ({sample['points']:,.0f} points), so there is nothing more "
                f"to measure.")
    return (f"Here: TwoNN {sample['TwoNN dimension']:.1f} on the sample of {sample['points']:,.0f} against "
            f"{whole['TwoNN dimension']:.1f} on all {whole['points']:,.0f} points, Levina–Bickel "
            f"{sample['Levina–Bickel dimension']:.1f} against {whole['Levina–Bickel dimension']:.1f}.")




# --- findings (the book's findings page) ----------------------------------------------------------------

def _claim(verdict: str, figure: str, why: str) -> dict[str, str]:
    return {"verdict": verdict, "figure": figure, "section": "Chapter 4, Verdict", "why": why}


def fragments_claim(label: str, tests: Mapping[str, NullTest]) -> dict[str, str]:
    """The claim ``no_separate_fragments`` (Part VI: one compact region) from the verdict. Chapter 4.

    "does not hold" when the verdict is "separate_clusters", else "holds"; the figure is HDBSCAN's count
    against the elliptical null (the radius-matched one), with its adjusted p-value.
    """
    test = next((t for t in tests.values() if more_clusters(t)), None) or _by_role(tests, "elliptical")[0]
    figure = (f"HDBSCAN clusters {test.get('clusters'):.0f} against {max(test.get('clusters', 'null_mean'), 0.0):.1f} under the "
              f"{test.name} (adjusted p {test.get('clusters', 'p_adjusted'):.3f})")
    if label == "separate_clusters":
        return _claim("does not hold", figure, "the cloud breaks into more dense clusters than its null has")
    return _claim("holds", figure, "no more clusters than a cloud without fragments")


def filaments_claim(label: str, tests: Mapping[str, NullTest], component_scale: float) -> dict[str, str]:
    """The claim ``filaments`` (Part I: filamental structures on small scales) from the verdict. Chapter 4.

    Judged against the shape-matched null: clusters finer than the large-scale shape -> "holds";
    continuous small-scale departures -> "partly" (structure, but no isolated filaments); none, with the
    sample reaching below a component's width (``component_scale < 1``) -> "does not hold"; none and
    not reaching below it -> "not testable here".
    """
    shape = _by_role(tests, "shape")[0]
    figure = (f"Levina–Bickel dimension {shape.get('levina_bickel'):.1f} against "
              f"{shape.get('levina_bickel', 'null_mean'):.1f} under the {shape.name}; global p {shape.p_value:.3f}")
    if label == "separate_clusters" and more_clusters(shape):
        return _claim("holds", figure, "dense pieces finer than the large-scale shape")
    if small_scale_departure(shape):
        return _claim("partly", figure, "small-scale structure that is continuous, not isolated filaments")
    if component_scale < 1:
        return _claim("does not hold", figure, "no departure from a smooth cloud of the same large-scale shape")
    return _claim("not testable here", figure, "the sample does not reach below the large-scale components' width")


def findings_record(verdict: FilamentVerdict, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What chapter 4 records for the findings page (``record_findings(run.path, "ch4", ...)``). Chapter 4.

    ``settings``: the page's parameters that matter (sample size, draws, ...), stored with the verdict's own.
    """
    return {"settings": {**dict(settings), "n_points": verdict.n_points, "n_null_draws": verdict.n_null_draws,
                         "alpha": verdict.alpha, "n_axes": verdict.settings.n_axes,
                         "n_components": verdict.settings.n_components},
            "claims": {"no_separate_fragments": fragments_claim(verdict.label, verdict.tests),
                       "filaments": filaments_claim(verdict.label, verdict.tests, verdict.component_scale)},
            "label": verdict.label, "p_values": dict(verdict.p_values),
            "scale": verdict.scale, "component_scale": verdict.component_scale}


# --- numbers, one function per section -------------------------------------------------------------------

def sample_numbers(n_points: int, n_all: int, n_null_draws: int) -> Numbers:
    """Points the verdict measures, training z-points in all, null draws per null model.
    Introduced in chapter 4."""
    return Numbers({"n_points": f"{n_points:,}", "n_all": f"{n_all:,}", "n_null": f"{n_null_draws}"})


def verdict_numbers(verdict: FilamentVerdict) -> Numbers:
    """The verdict's sentence, the two scale sentences, the mixture's size and the smallest possible p.
    Introduced in chapter 4."""
    s = verdict.settings
    sentence = verdict_sentence(verdict.label, verdict.tests, verdict.alpha, verdict.component_scale)
    return Numbers({"verdict": sentence,
                    "scale": scale_sentence(verdict.scale),
                    "component_scale": component_scale_sentence(verdict.component_scale, s.n_components, s.n_axes),
                    "n_components": f"{s.n_components}", "n_axes": f"{s.n_axes}",
                    "p_min": f"{1 / (verdict.n_null_draws + 1):.3f}"})


def cluster_numbers(data_summary: Mapping[str, float], null_summaries: Sequence[Mapping[str, float]]) -> Numbers:
    """HDBSCAN's cluster counts in the data and in the null draws shown. Introduced in chapter 4."""
    return Numbers({"data_clusters": f"{data_summary['n_clusters']}",
                    "null_clusters": ", ".join(str(s["n_clusters"]) for s in null_summaries)})


def outlier_numbers(profile: pd.DataFrame) -> Numbers:
    """Shares beyond 3 and 5 sigma on any axis and beyond the 3-sigma Mahalanobis radius, observed and
    expected for an MND, and the tails sentence. Introduced in chapter 4."""
    by = profile.set_index(["criterion", "threshold"])
    axis3, axis5, maha3 = ("any axis", 3.0), ("any axis", 5.0), ("Mahalanobis", 3.0)
    return Numbers({"out_axis3": pct(by.loc[axis3, "observed"], 1), "out_axis3_mnd": pct(by.loc[axis3, "expected"], 1),
                    "out_axis5": pct(by.loc[axis5, "observed"], 2), "out_axis5_mnd": pct(by.loc[axis5, "expected"], 4),
                    "out_maha3": pct(by.loc[maha3, "observed"], 1), "out_maha3_mnd": pct(by.loc[maha3, "expected"], 2),
                    "tails": tails_sentence(profile)})


def carriage_numbers(carried: pd.DataFrame, labels: pd.DataFrame | None = None) -> Numbers:
    """What the small scales carry, as one sentence (:func:`carriage_sentence`); ``labels``, the label table
    the carriage read, tells data without labels apart. Introduced in chapter 4."""
    labelled = labels is None or bool(label_columns(labels))
    return Numbers({"carriage": carriage_sentence(carried, labelled)})


def scale_table(sample: Mapping[str, float], whole: Mapping[str, float] | None, n_all: int) -> pd.DataFrame:
    """The scale statistics of the verdict's sample beside those of all z-points (if measured).
    Introduced in chapter 4."""
    table = pd.DataFrame({f"sample of {sample['points']:,.0f}": [sample[k] for k in SCALE_KEYS]},
                         index=list(SCALE_KEYS))
    if whole is not None:
        table[f"all {n_all:,}"] = [whole[k] for k in SCALE_KEYS]
    return table


def whole_cloud_numbers(sample: Mapping[str, float], whole: Mapping[str, float] | None) -> Numbers:
    """The sentence comparing the sample's dimension estimates with the whole cloud's.
    Introduced in chapter 4."""
    return Numbers({"whole_note": whole_cloud_sentence(dict(sample), None if whole is None else dict(whole))})


# --- the tables as the page shows them: columns named for a reader, numbers formatted ----------------------

#: Columns of :func:`latent_fragments.stats.filaments.radial_outlier_profile` the page lists.
PROFILE_COLUMNS = {"count": ("points beyond", ",.0f"), "observed": ("share", "pct2"),
                   "expected": ("an MND expects", "pct3"), "ratio": ("ratio", ".3g"),
                   "p_more": ("p (more)", ".2g"), "p_fewer": ("p (fewer)", ".2g")}


def verdict_display(verdict: FilamentVerdict) -> pd.DataFrame:
    """The verdict's table as the page shows it: per statistic its scale and the data's value, and under
    each null model the relative difference and the adjusted p-value. Introduced in chapter 4."""
    table = verdict.table.set_index("statistic")
    parts = [shown(table, {"scale": ("scale", "s"), "data": ("data", ".3g")})]
    parts += [shown(table, {f"{key}: relative": ("relative", "pct"), f"{key}: p_adjusted": ("p adj.", ".3f")})
              for key in verdict.tests]
    return pd.concat(parts, axis=1, keys=["", *(NULL_MODELS[key].label for key in verdict.tests)])


def profile_display(profile: pd.DataFrame) -> pd.DataFrame:
    """The radial outlier profile, one row per criterion and threshold. Introduced in chapter 4."""
    rows = [f"{criterion}, {threshold:g}σ" for criterion, threshold in zip(profile["criterion"], profile["threshold"])]
    return shown(profile.set_axis(rows), PROFILE_COLUMNS, "beyond")


def carriage_display(carried: pd.DataFrame) -> pd.DataFrame | None:
    """What each label's small-scale neighbours share, with the excess over the linear-model baseline as
    a 95 % interval in percentage points; ``None`` (no empty table) for data without discrete labels (the
    sentence of :func:`carriage_sentence` says so). Introduced in chapter 4."""
    if carried.empty:
        return None
    table = carried.assign(
        excess=[f"{pct_points(lo)} to {pct_points(hi)}"
                for lo, hi in zip(carried["excess, 2.5 %"], carried["excess, 97.5 %"])],
        carried_text=["yes" if flag else "no" for flag in carried["carried"]])
    columns = {"levels": ("levels", ".0f"), "neighbours sharing the label": ("neighbours sharing it", "pct"),
               "chance": ("chance", "pct"), "linear-model baseline": ("linear-model baseline", "pct"),
               "excess": ("excess over baseline (95 %)", "s"), "carried_text": ("carried", "s")}
    if carried["cluster AMI"].notna().any():
        columns["cluster AMI"] = ("cluster AMI", ".2f")
    return shown(table.rename(index=lambda name: str(name).replace("_", " ")), columns, "label")
