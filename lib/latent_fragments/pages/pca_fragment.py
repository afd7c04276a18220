"""Chapter 3's page: the numbers it quotes and every result sentence, worded from this run's numbers.

One function per section returns :class:`~latent_fragments.pages.Numbers`; the sentences below choose
their words from the numbers (one test per branch), and where the numbers disagree with the blog they say
so. :func:`fragment_claims` builds the four claims chapter 3 decides for the findings page (chapter 6).
Quality tables are keyed by stable keys (a generator's :attr:`~latent_fragments.stats.generators.Generator.key`,
``"held_out"`` for the real comparison half, ``"reconstruction"``); ``labels`` maps keys to display text.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..stats.features import SUPERVISED
from ..stats.gaussian import Gaussian
from ..stats.proportions import clopper_pearson
from . import Numbers, pct, shown
from .findings import claim_record


def _interval(row: Mapping[str, float], key: str, fmt: str = ".2f") -> str:
    lo, hi = row.get(f"{key}_lo"), row.get(f"{key}_hi")
    if lo is None or hi is None:
        return f"{row[key]:{fmt}}"
    return f"{row[key]:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


# --------------------------------------------------------------------------------------------
# The tables as the page shows them: columns named for a reader, numbers formatted
# --------------------------------------------------------------------------------------------

#: Columns of :func:`latent_fragments.stats.fragment.origin_in_subspace`'s per-axis table.
ORIGIN_COLUMNS = {"origin_sigma": ("origin (σ of the axis)", ".2f"), "lo": ("90 % interval: low", ".2f"),
                  "hi": ("high", ".2f"), "share_beyond": ("training points farther out", "pct")}
#: Columns of :func:`latent_fragments.stats.density.mixture_selection`.
MIXTURE_COLUMNS = {"held_out_loglik": ("held-out log-likelihood", ",.1f"),
                   "train_loglik": ("training log-likelihood", ",.1f"), "bic": ("BIC", ",.0f"),
                   "points_per_component": ("points per component", ",.0f"), "n_parameters": ("parameters", ",.0f")}
#: Columns of :func:`latent_fragments.stats.quality.quality_table` the page lists (intervals: the figure).
QUALITY_COLUMNS = {"FD": ("FD∞", ".1f"), "FD_plugin": ("FD plug-in", ".1f"), "KID": ("KID", ".3f"),
                   "precision": ("precision", ".2f"), "recall": ("recall", ".2f"),
                   "p_same": ("p (same as real)", ".2f"), "re-encoded inside 99%": ("re-encoded in 99 % region", "pct")}
#: Columns of :func:`latent_fragments.stats.quality.memorisation_table`.
MEMORISATION_COLUMNS = {"median_nn": ("median distance to nearest training image", ".2f"),
                        "ratio": ("over held-out", ".2f"), "share_close": ("nearer than 5 % of held-out", "pct")}
#: Rows of :func:`latent_fragments.stats.fragment.core_normality` the page lists, named for a reader.
CORE_ROWS = {"n_points": ("training points", ",.0f"), "n_core": ("points in the core", ",.0f"),
             "core_share": ("share in the core", "pct"), "core_share_mnd": ("share an exact MND keeps", "pct"),
             "hz_dims": ("Henze–Zirkler: leading axes", ".0f"), "hz_statistic": ("Henze–Zirkler statistic", ".3f"),
             "hz_p": ("Henze–Zirkler p-value", ".4f"),
             "shapiro_share_rejected": ("axes rejected by Shapiro–Wilk (1 %)", "pct"),
             "shapiro_share_rejected_leading": ("of the leading axes", "pct"),
             "shapiro_median_p": ("median Shapiro–Wilk p-value", ".3f")}


def origin_table(axes: pd.DataFrame, n_axes: int = 10) -> pd.DataFrame:
    """The origin's coordinate on the first ``n_axes`` principal axes (PC1 = the first) as the page shows
    it. Introduced in chapter 3."""
    return shown(axes.head(n_axes).rename(index=lambda i: f"PC{int(i) + 1}"), ORIGIN_COLUMNS, "principal axis")


def mixture_table(selection: pd.DataFrame) -> pd.DataFrame:
    """The mixtures compared by held-out likelihood, one row per number of components. Chapter 3."""
    return shown(selection, MIXTURE_COLUMNS, "components k")


def quality_display(table: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The quality table sorted by FD∞, rows by display label. Introduced in chapter 3."""
    return shown(table.sort_values("FD").rename(index=labels), QUALITY_COLUMNS, "image set")


def memorisation_display(table: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The nearest-training-image distances, rows by display label. Introduced in chapter 3."""
    return shown(table.rename(index=labels), MEMORISATION_COLUMNS, "image set")


def association_display(association: pd.DataFrame, n_labels: int = 15):
    """The ``n_labels`` labels most strongly associated with the first ten principal axes (|r| or η, shaded
    0 to 1), strongest first; ``None`` (no empty table) for data without labels, whose sentence
    (:func:`association_sentence`) follows the table's place. Introduced in chapter 3."""
    if association.empty:
        return None
    strongest = association.loc[association.max(axis=1).sort_values(ascending=False).index[:n_labels]]
    strongest = strongest.rename(index=lambda name: name.replace("_", " "))
    return strongest.style.format("{:.2f}").background_gradient(cmap="Blues", vmin=0, vmax=1)


def core_table(core: Mapping[str, float]) -> pd.DataFrame:
    """The dense core's figures (:func:`~latent_fragments.stats.fragment.core_normality`), one row each.
    Introduced in chapter 3."""
    out = shown(pd.DataFrame([dict(core)]), CORE_ROWS).T
    out.columns = ["value"]
    out.index.name = f"the core (within {core['sigma']:g}σ on every axis)"
    return out


# --------------------------------------------------------------------------------------------
# The numbers of each section
# --------------------------------------------------------------------------------------------

def shape_numbers(frag: Gaussian) -> Numbers:
    """Axes holding 95 % and 99 % of the variance and the sentence on the fragment's shape.
    Introduced in chapter 3."""
    sigmas = frag.sigmas
    sentence = shape_sentence(frag.n_components_for(0.90), len(sigmas), float(sigmas[0]), float(np.median(sigmas)))
    return Numbers({"n95": f"{frag.n_components_for(0.95)}", "n99": f"{frag.n_components_for(0.99)}",
                    "shape_sentence": sentence})


def origin_numbers(frag: Gaussian, where: Mapping[str, float], summary: Mapping[str, float]) -> Numbers:
    """Where the origin lies: in Euclidean terms, in the leading subspace, and in the full space,
    whose thin axes (sigma under a tenth of the largest) are counted. Introduced in chapter 3."""
    n_thin = int(np.sum(frag.sigmas < 0.1 * frag.sigmas[0]))
    return Numbers({"origin_euclidean": euclidean_origin_sentence(where["origin_radius_ratio"]),
                    "origin_subspace": subspace_origin_sentence(summary),
                    "origin_full": full_origin_sentence(summary, n_thin, len(frag.sigmas))})


def normality_numbers(per_pc: pd.DataFrame, alpha: float = 0.01, n_lead: int = 10) -> Numbers:
    """Shares of principal components (all, and the first ``n_lead``) whose Shapiro-Wilk test rejects
    at ``alpha``. Introduced in chapter 3."""
    rejected = per_pc["shapiro_p"] < alpha
    return Numbers({"share_sw": pct(np.mean(rejected), 0), "share_sw_lead": pct(np.mean(rejected.iloc[:n_lead]), 0)})


def core_numbers(core: Mapping[str, float], dim: int) -> Numbers:
    """The 3-sigma core and its Henze-Zirkler test. Introduced in chapter 3."""
    hz_p = core["hz_p"]
    return Numbers({"core_sentence": core_sentence(core, dim), "hz_dims": f"{int(core['hz_dims'])}",
                    "hz_n": f"{int(core['hz_n']):,}",
                    "hz_p": f"{hz_p:.2g}" if hz_p > 0 else "0 (below double precision)",
                    "hz_verdict": hz_sentence(hz_p)})


def path_numbers(frag: Gaussian, line: np.ndarray, z_train: np.ndarray) -> Numbers:
    """How far a straight line between two z-points leaves the fragment. Introduced in chapter 3."""
    sentence = path_sentence(frag.mahalanobis(line, squared=True), frag.mahalanobis(z_train, squared=True),
                             len(frag.mean))
    return Numbers({"path_sentence": sentence})


def quality_numbers(table: pd.DataFrame, labels: Mapping[str, str], generators: Sequence[str], cube: str,
                    density: Sequence[str], mixtures: Sequence[str], real: str) -> Numbers:
    """What the quality table says: the feature space, the ranking of the generators, which of them a
    permutation test tells from real images and what mixture samples add over the single MND (all keys of
    ``table``). Introduced in chapter 3."""
    return Numbers({"feature_sentence": feature_space_sentence(table, cube, real),
                    "ranking": ranking_sentence(table, labels, list(generators), cube, list(density), real),
                    "distinguishable": distinguishable_sentence(table, labels, list(generators), real),
                    "mixture_samples": mixture_samples_sentence(table, labels, mixtures[-1], "mnd")})


def association_numbers(association: pd.DataFrame) -> Numbers:
    """What the first principal axis goes with (:func:`association_sentence`). Introduced in chapter 3."""
    return Numbers({"pc1_sentence": association_sentence(association)})


def scoring_numbers(kind: str) -> Numbers:
    """Which scoring network judged the images, and why (:func:`scoring_sentence`). Introduced in chapter 3."""
    return Numbers({"scoring_sentence": scoring_sentence(kind)})


# --------------------------------------------------------------------------------------------
# The result sentences
# --------------------------------------------------------------------------------------------

def shape_sentence(n90: int, dim: int, sigma_max: float, sigma_median: float) -> str:
    """Whether the variance sits in a few axes (the blog's "extended along a few main axes"). Chapter 3."""
    ratio = sigma_max / sigma_median if sigma_median > 0 else float("inf")
    numbers = (f"{n90} of the {dim} axes carry 90 % of the variance, and the largest standard deviation is "
               f"{ratio:.1f} times the median one.")
    if n90 <= 0.25 * dim:
        return numbers + (" The variance sits in a few axes: the cloud is extended along a few main axes and "
                          "thin in most others, as the blog describes.")
    return numbers + (f" The variance is spread over many axes ({pct(n90 / dim)} of them for 90 %), unlike the "
                      "few main axes the blog describes.")


def euclidean_origin_sentence(ratio: float) -> str:
    """The centre's Euclidean distance from the origin against the cloud's mean radius. Chapter 3."""
    text = f"the centre lies {ratio:.2f} times the points' mean distance from their centre away from the origin"
    if ratio < 1.0:
        return f"In Euclidean terms {text}: seen from the centre, the origin is nearer than a typical point."
    return f"In Euclidean terms {text}: seen from the centre, the origin is farther out than a typical point."


def subspace_origin_sentence(summary: Mapping[str, float]) -> str:
    """The origin's position within the leading principal axes, with its interval. Chapter 3."""
    k, share = int(summary["n_axes"]), summary["subspace_share_closer"]
    text = (f"Within the {k} leading principal axes the origin lies at Mahalanobis distance "
            f"{_interval(summary, 'subspace_mahalanobis', '.2f')} (90 % bootstrap interval) from the centre, where "
            f"the median training point lies at {summary['subspace_median_point']:.2f}; {pct(share)} of the points "
            f"are closer to the centre there.")
    decides = (" This leading-subspace view does not decide the claim that the origin lies near the region's "
               "border: chapter 2's judgement in the full latent space, against held-out points, decides it "
               "(see the findings page).")
    if share >= 0.99:
        return text + (" In the axes that carry the variance the origin lies outside almost all of the data, "
                       "farther out than the blog's \"close to the border\".") + decides
    if share >= 0.8:
        return text + (" In the axes that carry the variance the origin lies in the outer part of the cloud, "
                       "near its border.") + decides
    return text + " In the axes that carry the variance the origin lies inside the bulk of the cloud." + decides


def full_origin_sentence(summary: Mapping[str, float], n_thin: int, dim: int) -> str:
    """The full-space Mahalanobis distance of the origin, and how well its resamples agree. Chapter 3."""
    d, lo, hi = summary["full_mahalanobis"], summary["full_mahalanobis_lo"], summary["full_mahalanobis_hi"]
    text = (f"In all {dim} axes the origin lies at {d:.1f}, farther than {pct(summary['full_share_closer'])} of "
            f"the training points (median {summary['full_median_point']:.1f}); resamples of the points give "
            f"{lo:.1f} to {hi:.1f} (90 %).")
    if not lo <= d <= hi or hi - lo > 0.2 * d:
        return text + (f" That figure is not well determined: it rests on the thin axes ({n_thin} of the {dim} "
                       "have less than a tenth of the largest standard deviation), whose variances are the "
                       "worst estimated, and along which a small Euclidean offset is many standard deviations.")
    return text + " The resamples agree with it, so the thin axes are estimated well enough here."


def core_sentence(core: Mapping[str, float], dim: int) -> str:
    """The share of the 3-sigma core against the blog's 80 % and an exact MND's share. Chapter 3."""
    text = (f"The core holds {pct(core['core_share'])} of the training points (the blog: more than 80 %). An "
            f"exact MND would keep {pct(core['core_share_mnd'])}, because in {dim} dimensions some axis is likely to "
            f"exceed 3σ by chance (0.9973^{dim}); ")
    if core["core_share"] > core["core_share_mnd"] + 0.02:
        return text + "a larger share here means tails lighter than a Gaussian's on most axes."
    if core["core_share"] < core["core_share_mnd"] - 0.02:
        return text + "a smaller share here means heavier tails than a Gaussian's."
    return text + "the two agree."


def hz_sentence(hz_p: float, alpha: float = 0.01) -> str:
    """The Henze-Zirkler verdict on the core. Chapter 3."""
    if hz_p < alpha:
        return f"normality is rejected at the {pct(alpha)} level, unlike the blog's CelebA core."
    return f"normality is not rejected at the {pct(alpha)} level, as in the blog."


def path_sentence(d2_path: Sequence[float], d2_train: np.ndarray, dim: int) -> str:
    """What the straight line between two z-points crosses, in squared Mahalanobis distance. Chapter 3."""
    d2_path = np.asarray(d2_path, dtype=np.float64)
    middle = float(d2_path[len(d2_path) // 2])
    share_below = float(np.mean(np.asarray(d2_train) < middle))
    text = (f"Measured in squared Mahalanobis distance d², the path starts at {d2_path[0]:.0f} and ends at "
            f"{d2_path[-1]:.0f}, while the training points lie at a median of {np.median(d2_train):.0f}; its middle "
            f"lies at {middle:.0f} (for two independent points of an MND about {dim / 2:.0f}, half the typical "
            f"{dim}), closer to the centre than {pct(1.0 - share_below)} of the training points.")
    if share_below < 0.01:
        return text + (" So the straight line leaves the shell in which the z-points lie and crosses the "
                       "fragment's empty interior: it stays inside the ellipsoid, but not among the data.")
    if share_below > 0.99:
        return text + (" So the whole line runs outside the training points' range of distances: these held-out "
                       "z-points already lie beyond almost all training points.")
    return text + " So the line stays within the range of distances that the training points occupy."


def association_sentence(association: pd.DataFrame) -> str:
    """The label the first principal axis goes with most strongly, and how strongly; or, for data without
    labels (an empty :func:`~latent_fragments.stats.fragment.pc_label_association` table), that nothing
    can be said (the explorer's colouring says so for itself:
    :func:`latent_fragments.pages.explorer.colouring_sentence`). Introduced in chapter 3."""
    if association.empty:
        return "The data carry no labels, so nothing here says what the principal axes encode."
    return (f"The first principal axis goes most strongly with the label {association['PC1'].idxmax()} "
            f"(|r| or η = {association['PC1'].max():.2f}).")


def scoring_sentence(kind: str) -> str:
    """How the scoring network was trained (:data:`latent_fragments.stats.features.KINDS`), and why.
    Introduced in chapter 3."""
    if kind == SUPERVISED:
        return ("It is trained with supervision to predict the data's ground truth (for `synthfaces` the "
                "renderer's factors, for CelebA its attributes, for ORL the person).")
    return ("The data carry no labels, so it is trained without them, on the self-supervised task of telling "
            "by how much each training image was turned (0°, 90°, 180° or 270°; Gidaris, Singh and Komodakis "
            "2018, arXiv:1803.07728): to know which way is up it has to find eyes, mouth and hair line.")


def feature_space_sentence(table: pd.DataFrame, cube: str, real: str, alpha: float = 0.05) -> str:
    """Whether the scoring network's feature space tells decoded cube points from faces. Chapter 3.

    ``table`` is keyed by stable keys (:attr:`Generator.key`, ``real`` for the real comparison half)."""
    cube_row, real_row = table.loc[cube], table.loc[real]
    text = (f"In this feature space the other half of the real held-out images reaches precision "
            f"{_interval(real_row, 'precision')}, decoded cube points {_interval(cube_row, 'precision')}")
    if cube_row["precision"] < 0.2 and real_row["precision"] > 2 * cube_row["precision"]:
        return text + ": the features tell decoded cube points from faces."
    if cube_row["p_same"] <= alpha and cube_row["FD_lo"] > real_row["FD_hi"]:
        return text + (f". Precision alone does not separate them here, but the permutation test (p = "
                       f"{cube_row['p_same']:.3g}) and the FD ({_interval(cube_row, 'FD')} against "
                       f"{_interval(real_row, 'FD')}) do.")
    return text + (": the features do not clearly tell decoded cube points from faces on this run, so read the "
                   "ranking below with care.")


def ranking_sentence(table: pd.DataFrame, labels: Mapping[str, str], generators: Sequence[str], cube: str,
                     density: Sequence[str], real: str) -> str:
    """The generators ranked by FD_inf, with intervals, against the cube and the real-vs-real row. Chapter 3.

    ``generators``, ``cube``, ``density`` and ``real`` are keys of ``table``; ``labels`` words them."""
    order = sorted(generators, key=lambda key: table.loc[key, "FD"])
    best = order[0]
    text = ("Ranked by the extrapolated Fréchet distance FD∞ (lower is better; 90 % intervals): "
            + ", ".join(f"{labels[key]} {_interval(table.loc[key], 'FD', '.2f')}" for key in order)
            + f". The other half of the real held-out images scores {_interval(table.loc[real], 'FD', '.2f')}. "
            f"The best generator, {labels[best]}, reaches KID {table.loc[best, 'KID']:.3g}, precision "
            f"{table.loc[best, 'precision']:.2f} and recall {table.loc[best, 'recall']:.2f}. ")
    ahead = [labels[key] for key in density if table.loc[key, "FD_hi"] < table.loc[cube, "FD_lo"]]
    if len(ahead) == len(density):
        text += "Every density model of the z-points is ahead of the cube, with intervals that do not overlap."
    elif ahead:
        text += f"Only {' and '.join(ahead)} {'is' if len(ahead) == 1 else 'are'} clearly ahead of the cube."
    else:
        text += "No density model is clearly ahead of the cube on this run."
    if table.loc[best, "FD_lo"] <= table.loc[real, "FD_hi"]:
        return text + f" {labels[best]}'s interval reaches that of real images."
    return text + " No generator comes within the real images' interval."


def distinguishable_sentence(table: pd.DataFrame, labels: Mapping[str, str], generators: Sequence[str],
                             real: str, alpha: float = 0.05) -> str:
    """Which image sets the permutation test tells from real images at level ``alpha``. Chapter 3."""
    apart = [key for key in generators if table.loc[key, "p_same"] <= alpha]
    text = (f"For the other half of the real images, where no difference is expected, the permutation test gives "
            f"p = {table.loc[real, 'p_same']:.2g}. ")
    if len(apart) == len(generators):
        smallest = max(table.loc[key, "p_same"] for key in generators)
        return text + (f"It tells every generator's images from real ones at the {pct(alpha, 0)} level "
                       f"(p ≤ {smallest:.2g} each): none of them is indistinguishable from real images here.")
    same = ", ".join(f"{labels[key]} (p = {table.loc[key, 'p_same']:.2g})" for key in generators
                     if key not in apart)
    return text + (f"It cannot tell {same} from real images at the {pct(alpha, 0)} level: with these sample sizes "
                   "and these features, those images are not shown to differ from real ones (which is not "
                   "the same as shown to be alike).")


def mixture_sentence(selection: pd.DataFrame) -> str:
    """Single Gaussian against mixtures by held-out log-likelihood and BIC. Chapter 3."""
    best_ll, best_bic = int(selection["held_out_loglik"].idxmax()), int(selection["bic"].idxmin())
    ll = selection["held_out_loglik"]
    ks = ", ".join(str(k) for k in selection.index)
    text = (f"Held-out log-likelihood per z-point over k = {ks}: "
            + ", ".join(f"{ll[k]:.1f} (k = {k})" for k in selection.index)
            + f"; BIC on the training points chooses k = {best_bic}. ")
    if best_ll == 1:
        return text + ("The single Gaussian describes unseen z-points best: the mixtures fit the training points "
                       "better but overfit, unlike Ghosh et al.'s finding that a mixture is the better density.")
    edge = " (the largest k tried; more components might do better still)" if best_ll == max(selection.index) else ""
    return text + (f"The mixture with k = {best_ll} describes unseen z-points best, {ll[best_ll] - ll[1]:.1f} nats per "
                   f"point better than one Gaussian{edge}, in line with Ghosh et al.'s choice of a mixture.")


def mixture_samples_sentence(table: pd.DataFrame, labels: Mapping[str, str], mixture: str, single: str) -> str:
    """Whether the mixture's decoded samples score better than the single Gaussian's (keys of ``table``). Chapter 3."""
    m, s = table.loc[mixture], table.loc[single]
    text = (f"Decoded, {labels[mixture]} scores FD∞ {_interval(m, 'FD')} against {_interval(s, 'FD')} for "
            f"{labels[single]}: ")
    if m["FD_hi"] < s["FD_lo"]:
        return text + "the mixture's samples are better."
    if s["FD_hi"] < m["FD_lo"]:
        return text + "the mixture's samples are worse."
    return text + "the intervals overlap, so this run cannot tell them apart."


def memorisation_sentence(table: pd.DataFrame, labels: Mapping[str, str], control: str,
                          quantile: float = 0.05) -> str:
    """Whether any generator's images sit closer to training images than held-out images do. Chapter 3.

    ``control`` names the row of the held-out images' reconstructions: they copy no training image, but
    are smoothed by the decoder as generated images are, and smooth images lie nearer to every image.
    """
    generated = table.drop(index=["held-out", control])
    limit = max(3 * quantile, float(table.loc[control, "share_close"]))
    close = generated[generated["share_close"] > limit]
    low, high = f"{generated['ratio'].min():.2f}", f"{generated['ratio'].max():.2f}"
    text = (f"Held-out images lie at a median distance of {table.loc['held-out', 'median_nn']:.2f} from their "
            f"nearest training image, the generated images at {low if low == high else f'{low} to {high}'} times "
            f"that. Closer to a training image than the nearest {pct(quantile)} of held-out images are: "
            f"{pct(table.loc[control, 'share_close'])} of the held-out reconstructions (the decoder's smoothing "
            f"alone), ")
    if close.empty:
        return text + (f"at most {pct(generated['share_close'].max())} of any generator's images. No generator "
                       "comes closer to the training images than smoothing explains: no sign of memorisation.")
    names = ", ".join(f"{labels[key]} ({pct(row['share_close'])})" for key, row in close.iterrows())
    return text + (f"and more for {names}: these generators put more of their images near training images than "
                   "smoothing explains, a sign that they partly reproduce training images.")


# --------------------------------------------------------------------------------------------
# The claims chapter 3 decides (the findings page, chapter 6)
# --------------------------------------------------------------------------------------------

#: Per-axis limits of "close to Gaussian" for :func:`mnd_claim`: |skewness| and |excess kurtosis|.
MAX_SKEW, MAX_EXCESS_KURTOSIS = 0.5, 1.0


def axes_claim(n90: tuple[int, int, int], dim: int) -> dict[str, str]:
    """The claim "the region extends along a few main axes" (parts IV, IX): ``n90`` is the number of
    principal axes that carry 90 % of the variance with its 90 % bootstrap interval ``(n, lo, hi)``. Holds
    when even the interval's upper end is at most a quarter of the ``dim`` axes, partly when only the
    estimate is, does not hold otherwise. Introduced in chapter 3."""
    n, lo, hi = n90
    figure = f"{n} of {dim} principal axes carry 90 % of the variance (90 % bootstrap interval {lo} to {hi})"
    verdict = "holds" if hi <= 0.25 * dim else "partly" if n <= 0.25 * dim else "does not hold"
    why = {"holds": "the variance sits in at most a quarter of the axes, interval included",
           "partly": "the estimate is within a quarter of the axes, but its interval reaches beyond",
           "does not hold": "the variance is spread over more than a quarter of the axes"}[verdict]
    return claim_record(verdict, figure, "Chapter 3, The shape of the fragment", why)


def mnd_claim(per_pc: pd.DataFrame, n_axes: int, n_points: int) -> dict[str, str]:
    """The claim "the z-points are close to a multivariate normal" (part IX), judged on the ``n_axes``
    leading principal axes (those carrying 90 % of the variance) by effect size, not by a test that
    rejects any departure at thousands of points: an axis is close to Gaussian when |skewness| <=
    :data:`MAX_SKEW` and |excess kurtosis| <= :data:`MAX_EXCESS_KURTOSIS`. Holds when every leading axis
    is, partly when at least half are, does not hold otherwise. The figure gives the largest |skewness|
    with its standard error sqrt(6 / n). Introduced in chapter 3."""
    lead = per_pc.iloc[:n_axes]
    close = (lead["skew"].abs() <= MAX_SKEW) & (lead["kurtosis"].abs() <= MAX_EXCESS_KURTOSIS)
    worst = int(np.argmax(lead["skew"].abs().to_numpy()))
    figure = (f"{int(close.sum())} of the {n_axes} leading principal axes have |skewness| ≤ {MAX_SKEW} and "
              f"|excess kurtosis| ≤ {MAX_EXCESS_KURTOSIS}; the largest |skewness| is "
              f"{abs(lead['skew'].iloc[worst]):.2f} ± {math.sqrt(6.0 / n_points):.2f} (PC{worst + 1}, ± one "
              f"standard error)")
    share = float(close.mean())
    verdict = "holds" if share == 1.0 else "partly" if share >= 0.5 else "does not hold"
    why = {"holds": "every axis that carries the variance is close to Gaussian in shape",
           "partly": "most axes that carry the variance are close to Gaussian, some clearly are not",
           "does not hold": "most axes that carry the variance are skewed or heavy- or light-tailed"}[verdict]
    return claim_record(verdict, figure, "Chapter 3, Is the fragment a multivariate normal?", why)


def core_claim(core: Mapping[str, float], alpha: float = 0.01) -> dict[str, str]:
    """The claim "a dense core holding > 80 % of the points is a multivariate normal" (follow-up
    2023-07): the 3-sigma core's share with its 90 % binomial (Clopper-Pearson) interval, and the Henze-Zirkler
    test on the core at ``alpha``. Holds when the interval lies above 80 % and the test does not reject,
    partly when one of the two holds, does not hold when neither does. Introduced in chapter 3."""
    n, share = int(core["n_points"]), float(core["core_share"])
    lo, hi = clopper_pearson(round(share * n), n, 0.9)
    figure = (f"core {pct(share)} of {n:,} points (90 % interval {pct(lo)} to {pct(hi)}); Henze–Zirkler on its "
              f"{int(core['hz_dims'])} leading axes p = {core['hz_p']:.2g}")
    large, normal = lo > 0.8, core["hz_p"] >= alpha
    verdict = "holds" if large and normal else "partly" if large or normal else "does not hold"
    why = {"holds": "the core holds more than 80 % and its normality is not rejected",
           "partly": ("the core holds more than 80 %, but its normality is rejected" if large else
                      "the core's normality is not rejected, but it is not shown to hold more than 80 %"),
           "does not hold": "the core is not shown to hold 80 % and its normality is rejected"}[verdict]
    return claim_record(verdict, figure, "Chapter 3, Is the fragment a multivariate normal?", why)


def faces_claim(table: pd.DataFrame, mnd: str, cube: str, real: str) -> dict[str, str]:
    """The claim "points drawn inside the region (an MND fitted to the z-points) decode to faces" (parts
    VII-VIII, X): the precision of the MND's decoded images (share inside the k-NN manifold of real
    images' features) with its 90 % interval, against the real comparison half and the cube. Holds when
    the MND's interval reaches that of real images, partly when it lies clearly above the cube's without
    reaching real images', does not hold otherwise. Introduced in chapter 3."""
    m, c, r = table.loc[mnd], table.loc[cube], table.loc[real]
    figure = (f"precision of decoded MND points {_interval(m, 'precision')}, real images "
              f"{_interval(r, 'precision')}, decoded cube points {_interval(c, 'precision')}")
    if m["precision_hi"] >= r["precision_lo"]:
        verdict, why = "holds", "the MND's decoded images lie on the real images' manifold as often as real images"
    elif m["precision_lo"] > c["precision_hi"]:
        verdict, why = "partly", "the MND's decoded images beat the cube's clearly, but fall short of real images"
    else:
        verdict, why = "does not hold", "the MND's decoded images are not clearly better than the cube's"
    return claim_record(verdict, figure, "Chapter 3, A measured quality figure for every generator", why)


def fragment_claims(n90: tuple[int, int, int], dim: int, per_pc: pd.DataFrame, n_points: int,
                    core: Mapping[str, float], table: pd.DataFrame, cube: str, real: str) -> dict[str, Any]:
    """The four claims chapter 3 decides, keyed as on the findings page: few_main_axes, close_to_mnd,
    dense_core_mnd, faces_from_region. Introduced in chapter 3."""
    return {"few_main_axes": axes_claim(n90, dim), "close_to_mnd": mnd_claim(per_pc, n90[0], n_points),
            "dense_core_mnd": core_claim(core), "faces_from_region": faces_claim(table, "mnd", cube, real)}
