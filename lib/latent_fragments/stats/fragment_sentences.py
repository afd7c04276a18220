"""Chapter 3's result sentences, each written from this run's numbers (chapter 3).

Every function turns measured numbers into one or a few sentences; which words it uses depends on the
numbers (each branch is tested), and where the numbers disagree with the blog the sentence says so. The
notebook only glues the returned text.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "core_sentence",
    "euclidean_origin_sentence",
    "feature_space_sentence",
    "full_origin_sentence",
    "hz_sentence",
    "memorisation_sentence",
    "mixture_samples_sentence",
    "mixture_sentence",
    "path_sentence",
    "ranking_sentence",
    "shape_sentence",
    "subspace_origin_sentence",
]


def _pct(share: float) -> str:
    return f"{100.0 * share:.1f} %"


def _interval(row: Mapping[str, float], key: str, fmt: str = ".2f") -> str:
    lo, hi = row.get(f"{key}_lo"), row.get(f"{key}_hi")
    if lo is None or hi is None:
        return f"{row[key]:{fmt}}"
    return f"{row[key]:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def shape_sentence(n90: int, dim: int, sigma_max: float, sigma_median: float) -> str:
    """Whether the variance sits in a few axes (the blog's "extended along a few main axes"). Chapter 3."""
    ratio = sigma_max / sigma_median if sigma_median > 0 else float("inf")
    numbers = (f"{n90} of the {dim} axes carry 90 % of the variance, and the largest standard deviation is "
               f"{ratio:.1f} times the median one.")
    if n90 <= 0.25 * dim:
        return numbers + (" The variance sits in a few axes: the cloud is extended along a few main axes and "
                          "thin in most others, as the blog describes.")
    return numbers + (f" The variance is spread over many axes ({_pct(n90 / dim)} of them for 90 %), unlike the "
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
            f"{_interval(summary, 'subspace_mahalanobis', '.1f')} (90 % bootstrap interval) from the centre, where "
            f"the median training point lies at {summary['subspace_median_point']:.1f}; {_pct(share)} of the points "
            f"are closer to the centre there.")
    if share >= 0.99:
        return text + " In the axes that carry the variance the origin lies outside almost all of the data, " \
                      "farther out than the blog's \"close to the border\"."
    if share >= 0.8:
        return text + " In the axes that carry the variance the origin lies in the outer part of the cloud, " \
                      "near its border, as the blog describes."
    return text + " In the axes that carry the variance the origin lies inside the bulk of the cloud, not near " \
                  "its border as the blog describes."


def full_origin_sentence(summary: Mapping[str, float], n_thin: int, dim: int) -> str:
    """The full-space Mahalanobis distance of the origin, and how well its resamples agree. Chapter 3."""
    d, lo, hi = summary["full_mahalanobis"], summary["full_mahalanobis_lo"], summary["full_mahalanobis_hi"]
    text = (f"In all {dim} axes the origin lies at {d:.1f}, farther than {_pct(summary['full_share_closer'])} of "
            f"the training points (median {summary['full_median_point']:.1f}); resamples of the points give "
            f"{lo:.1f} to {hi:.1f} (90 %).")
    if not lo <= d <= hi or hi - lo > 0.2 * d:
        return text + (f" That figure is not well determined: it rests on the thin axes ({n_thin} of the {dim} "
                       "have less than a tenth of the largest standard deviation), whose variances are the "
                       "worst estimated, and along which a small Euclidean offset is many standard deviations.")
    return text + " The resamples agree with it, so the thin axes are estimated well enough here."


def core_sentence(core: Mapping[str, float], dim: int) -> str:
    """The share of the 3-sigma core against the blog's 80 % and an exact MND's share. Chapter 3."""
    text = (f"The core holds {_pct(core['core_share'])} of the training points (the blog: more than 80 %). An "
            f"exact MND would keep {_pct(core['core_share_mnd'])}, because in {dim} dimensions some axis is likely to "
            f"exceed 3σ by chance (0.9973^{dim}); ")
    if core["core_share"] > core["core_share_mnd"] + 0.02:
        return text + "a larger share here means tails lighter than a Gaussian's on most axes."
    if core["core_share"] < core["core_share_mnd"] - 0.02:
        return text + "a smaller share here means heavier tails than a Gaussian's."
    return text + "the two agree."


def hz_sentence(hz_p: float, alpha: float = 0.01) -> str:
    """The Henze-Zirkler verdict on the core. Chapter 3."""
    if hz_p < alpha:
        return f"normality is rejected at the {_pct(alpha)} level, unlike the blog's CelebA core."
    return f"normality is not rejected at the {_pct(alpha)} level, as in the blog."


def path_sentence(d2_path: Sequence[float], d2_train: np.ndarray, dim: int) -> str:
    """What the straight line between two z-points crosses, in squared Mahalanobis distance. Chapter 3."""
    d2_path = np.asarray(d2_path, dtype=np.float64)
    middle = float(d2_path[len(d2_path) // 2])
    share_below = float(np.mean(np.asarray(d2_train) < middle))
    text = (f"Measured in squared Mahalanobis distance d², the path starts at {d2_path[0]:.0f} and ends at "
            f"{d2_path[-1]:.0f}, while the training points lie at a median of {np.median(d2_train):.0f}; its middle "
            f"lies at {middle:.0f} (for two independent points of an MND about {dim / 2:.0f}, half the typical "
            f"{dim}), closer to the centre than {_pct(1.0 - share_below)} of the training points.")
    if share_below < 0.01:
        return text + (" So the straight line leaves the shell in which the z-points lie and crosses the "
                       "fragment's empty interior: it stays inside the ellipsoid, but not among the data.")
    if share_below > 0.99:
        return text + (" So the whole line runs outside the training points' range of distances: these held-out "
                       "z-points already lie beyond almost all training points.")
    return text + " So the line stays within the range of distances that the training points occupy."


def feature_space_sentence(table: pd.DataFrame, cube: str, real: str) -> str:
    """Whether the scoring network's feature space tells decoded cube points from faces. Chapter 3."""
    cube_row, real_row = table.loc[cube], table.loc[real]
    text = (f"In this feature space the other half of the real held-out images reaches precision "
            f"{_interval(real_row, 'precision')}, decoded cube points {_interval(cube_row, 'precision')}")
    if cube_row["precision"] < 0.2 and real_row["precision"] > 2 * cube_row["precision"]:
        return text + ": the features tell decoded cube points from faces."
    if cube_row["FD_lo"] > 10 * real_row["FD"] and cube_row["recall"] < 0.1:
        return text + (f". Precision alone does not separate them here, but the FD ({cube_row['FD']:.1f} against "
                       f"{real_row['FD']:.1f}), the KID ({cube_row['KID']:.3g} against {real_row['KID']:.3g}) and "
                       f"the recall ({cube_row['recall']:.2f} against {real_row['recall']:.2f}) do.")
    return text + (": the features do not clearly tell decoded cube points from faces on this run, so read the "
                   "ranking below with care.")


def ranking_sentence(table: pd.DataFrame, generators: Sequence[str], cube: str, density: Sequence[str],
                     real: str) -> str:
    """The generators ranked by FD, with intervals, against the cube and the real-vs-real row. Chapter 3."""
    order = sorted(generators, key=lambda name: table.loc[name, "FD"])
    best = order[0]
    text = ("Ranked by Fréchet distance (lower is better; 90 % bootstrap intervals, corrected for the "
            "estimate's upward bias): "
            + ", ".join(f"{name} {_interval(table.loc[name], 'FD', '.2f')}" for name in order)
            + f". The other half of the real held-out images scores {_interval(table.loc[real], 'FD', '.2f')}. "
            f"The best generator, {best}, reaches KID {table.loc[best, 'KID']:.3g}, precision "
            f"{table.loc[best, 'precision']:.2f} and recall {table.loc[best, 'recall']:.2f}. ")
    ahead = [name for name in density if table.loc[name, "FD_hi"] < table.loc[cube, "FD_lo"]]
    if len(ahead) == len(density):
        text += "Every density model of the z-points is ahead of the cube, with intervals that do not overlap."
    elif ahead:
        text += f"Only {' and '.join(ahead)} {'is' if len(ahead) == 1 else 'are'} clearly ahead of the cube."
    else:
        text += "No density model is clearly ahead of the cube on this run."
    if table.loc[best, "FD_lo"] <= table.loc[real, "FD_hi"]:
        return text + f" {best}'s interval reaches that of real images."
    return text + " No generator comes within the real images' interval."


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


def mixture_samples_sentence(table: pd.DataFrame, mixture: str, single: str) -> str:
    """Whether the mixture's decoded samples score better than the single Gaussian's. Chapter 3."""
    m, s = table.loc[mixture], table.loc[single]
    text = f"Decoded, {mixture} scores FD {_interval(m, 'FD')} against {_interval(s, 'FD')} for {single}: "
    if m["FD_hi"] < s["FD_lo"]:
        return text + "the mixture's samples are better."
    if s["FD_hi"] < m["FD_lo"]:
        return text + "the mixture's samples are worse."
    return text + "the intervals overlap, so this run cannot tell them apart."


def memorisation_sentence(table: pd.DataFrame, control: str, quantile: float = 0.05) -> str:
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
            f"that. Closer to a training image than the nearest {_pct(quantile)} of held-out images are: "
            f"{_pct(table.loc[control, 'share_close'])} of the held-out reconstructions (the decoder's smoothing "
            f"alone), ")
    if close.empty:
        return text + (f"at most {_pct(generated['share_close'].max())} of any generator's images. No generator "
                       "comes closer to the training images than smoothing explains: no sign of memorisation.")
    names = ", ".join(f"{name} ({_pct(row['share_close'])})" for name, row in close.iterrows())
    return text + (f"and more for {names}: these generators put more of their images near training images than "
                   "smoothing explains, a sign that they partly reproduce training images.")
