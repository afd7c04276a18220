"""The sentences of chapters 1 and 2 that state a result, each worded from the run's numbers.

Every function returns text whose claim follows the numbers it is given (one branch per outcome), so
the chapters only call them. Shares are fractions in [0, 1]; "within" means within ``K_SIGMA``
binomial standard errors of the sample size.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from .gaussian import Gaussian
from .regions import COVARIANCE_NAMES

__all__ = [
    "K_SIGMA",
    "level_agreement",
    "calibration_sentence",
    "random_points_verdict",
    "shell_sentence",
    "centre_sentence",
    "tilt_sentence",
    "volume_sentence",
    "b_match_sentence",
    "compare_sentence",
    "overview_sentence",
]

#: Tolerance of the level checks, in binomial standard errors.
K_SIGMA = 4.0
#: A log10 volume ratio below this counts as negligible (a cube point inside once in a million draws).
NEGLIGIBLE_LOG10 = -6.0
#: Blog part IV: cube half edges whose radii match the CelebA z-points.
BLOG_B_RANGE = (1.0, 2.0)


def _pct(share: float) -> str:
    return f"{100 * share:.1f} %"


def _level(level: float) -> str:
    return f"{100 * level:.0f} %"


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def level_agreement(share: float, level: float, n: int) -> str:
    """``"within"``, ``"below"`` or ``"above"``: ``share`` of ``n`` points against ``level``. Chapter 1."""
    se = math.sqrt(level * (1.0 - level) / max(int(n), 1))
    if abs(share - level) <= K_SIGMA * se:
        return "within"
    return "below" if share < level else "above"


_LEVEL_MODEL = {  # method of PredictiveRegion -> what predicts its level, with its verb
    "hotelling": "a normal model of the training z-points predicts",
    "ledoit-wolf": "the training z-points' own cross-validated distances predict",
}


def calibration_sentence(share: float, nominal_share: float, level: float, n: int, method: str) -> str:
    """How many held-out z-points the predictive region holds, against its level. Introduced in chapter 1.

    ``share``: held-out share inside the level-``level`` predictive region of ``method`` (see
    :class:`latent_fragments.stats.regions.PredictiveRegion`); ``nominal_share``: inside the uncorrected
    chi-square ellipsoid; ``n`` held-out points.
    """
    covariance, model = COVARIANCE_NAMES[method], _LEVEL_MODEL[method]
    head = (f"The region that should hold {_level(level)} of new z-points (predictive region, {covariance}) "
            f"holds {_pct(share)} of the {n:,} held-out z-points")
    tail = f"; the uncorrected chi-square ellipsoid would hold {_pct(nominal_share)}."
    verdict = {
        "within": f", as {model}",
        "below": f", fewer than {model}: held-out faces stray farther out",
        "above": f", more than {model}: held-out faces crowd closer to the centre",
    }[level_agreement(share, level, n)]
    return head + verdict + tail


def random_points_verdict(inside: Mapping[str, float], reencoded: Mapping[str, float],
                          labels: Mapping[str, str], level: float = 0.99) -> str:
    """Chapter 1's verdict on random points: do they land where faces do, in latent and re-encoded terms?

    Introduced in chapter 1. ``inside`` and ``reencoded`` map ``"held_out"`` and each generator kind
    (``labels``: kind -> display name) to the share inside the level region, of the z-points themselves
    and of the re-encoded decoded images (for ``"held_out"``: re-encoded reconstructions). A generator
    *misses* when under 5 % of its points land inside; the encoder *rejects* its images when their
    re-encodings land inside less than half as often as reconstructed faces.
    """
    kinds = list(labels)
    parts = _and([f"{_pct(inside[k])} of the {labels[k]}" for k in kinds])
    text = (f"On this run, {parts} fall in the region that should hold {_level(level)} of new z-points "
            f"(held-out z-points: {_pct(inside['held_out'])}). ")
    missed = [k for k in kinds if inside[k] < 0.05]
    rejected = [k for k in kinds if reencoded[k] < 0.5 * reencoded["held_out"]]
    if len(missed) == len(kinds):
        text += "As in the blog, these random points miss the region where the encoder puts faces. "
    elif missed:
        text += (f"Only the {_and([labels[k] for k in missed])} miss the region clearly; unlike the "
                 "blog's CelebA run, the others do not. ")
    else:
        text += "Unlike the blog's CelebA run, random points do not clearly miss the region here. "
    re_parts = _and([f"{_pct(reencoded[k])} ({labels[k]})" for k in kinds])
    text += (f"Decoded and fed back to the encoder, their images land inside in {re_parts}, against "
             f"{_pct(reencoded['held_out'])} for reconstructed held-out faces: ")
    if len(rejected) == len(kinds):
        return text + "the encoder does not take the decoded random points for faces."
    if rejected:
        return text + (f"the encoder rejects the images of the {_and([labels[k] for k in rejected])}, "
                       "not those of the others.")
    return text + ("by this measure the encoder does not tell their images from faces (the figures above show "
                   "what they look like).")


def shell_sentence(data_radii: np.ndarray, gaussian: Gaussian, generator_radii: Mapping[str, np.ndarray]) -> str:
    """Chapter 1's "why": the data's radii form a thin shell too; does a generator miss radius or direction?

    Introduced in chapter 1. ``gaussian`` is the normal fitted to the training z-points (its radius
    law, :meth:`Gaussian.radius_moments`); ``generator_radii`` maps plural display names ("cube points")
    to radii. A radius
    *matches* when the generator's mean radius lies within one standard deviation of the data's.
    """
    r = np.asarray(data_radii, dtype=np.float64)
    mean_r2, var_r2 = gaussian.radius_moments()
    predicted_mean, predicted_std = math.sqrt(mean_r2), math.sqrt(var_r2) / (2.0 * math.sqrt(mean_r2))
    mean, std = float(r.mean()), float(r.std(ddof=1))
    shell = "a thin shell too" if std < 0.15 * mean else "not a thin shell"
    text = (f"The training z-points themselves have radii {mean:.2f} ± {std:.2f} (relative spread "
            f"{std / mean:.2f}): {shell}. A normal distribution with their mean and covariance predicts "
            f"sqrt(|mu|^2 + tr Sigma) = {predicted_mean:.2f} ± {predicted_std:.2f}")
    text += (", as measured. " if abs(predicted_std - std) <= 0.2 * std else
             f"; the measured spread is {std / predicted_std:.1f} times the predicted one. ")
    text += "Random points: " + "; ".join(f"the {name} at {np.mean(v):.2f} ± {np.std(v, ddof=1):.2f}"
                                          for name, v in generator_radii.items()) + ". "
    matched = [name for name, v in generator_radii.items() if abs(np.mean(v) - mean) <= std]
    if matched:
        return text + (f"The {_and(matched)} have the data's radius, so where they miss the data, "
                       "they miss it in direction and anisotropy, not in radius.")
    return text + "None has the data's radius; chapter 2 matches the radius and asks whether that is enough."


def centre_sentence(gaussian: Gaussian, data_d2_median: float, threshold99: float) -> str:
    """Where the origin lies relative to the cloud (blog part IV). Introduced in chapter 2.

    ``data_d2_median`` is the median squared Mahalanobis distance of the training z-points,
    ``threshold99`` the squared distance of the 99 % predictive region.
    """
    d = gaussian.centre_distance_sigma()
    head = (f"The origin lies {d:.1f} Mahalanobis units from the cloud's centre (a typical z-point: "
            f"{math.sqrt(data_d2_median):.1f}; the 99 % region's border: {math.sqrt(threshold99):.1f}), ")
    if d * d > threshold99:
        return head + ("outside the region that holds 99 % of new z-points: the cloud is not centred on the origin, "
                       "and the origin lies farther out than the blog found for CelebA (near the region's border).")
    if d * d > data_d2_median:
        return head + ("inside the region but farther out than most z-points, towards its border, "
                       "as the blog found for CelebA.")
    return head + "closer than most z-points: the cloud is roughly centred on the origin, unlike the blog's."


def tilt_sentence(r_top: Sequence[float]) -> str:
    """How tilted the confidence ellipses of the most correlated coordinate planes are. Chapter 2.

    Tilted clearly from ``|r| >= 0.5``, slightly from 0.3; blog part IX found strong correlations.
    """
    r_top = np.asarray(r_top, dtype=np.float64)
    listed = ", ".join(f"{r:.2f}" for r in r_top)
    strongest = float(np.max(np.abs(r_top))) if r_top.size else 0.0
    if strongest >= 0.5:
        return f"The most correlated pairs shown (r = {listed}) form clearly tilted ellipses, as in the blog."
    if strongest >= 0.3:
        return (f"Even the most correlated pairs (r = {listed}) form only slightly tilted ellipses, "
                "weaker than the blog's strong correlations.")
    return (f"No pair is strongly correlated (at most |r| = {strongest:.2f}): the ellipses are nearly "
            "axis-parallel, unlike the blog's.")


def volume_sentence(terms: Mapping[str, float], mc_p: float, mc_se: float, mc_n: int) -> str:
    """What drives the ellipsoid-to-cube volume ratio and how biased its estimate is. Chapter 2.

    ``terms`` from :func:`latent_fragments.stats.components.volume_ratio_terms`; ``mc_p``, ``mc_se``
    the Monte Carlo hit rate of ``mc_n`` cube points.
    """
    text = (f"In log10, the ratio {terms['ratio']:.0f} is the unit ball scaled to the region's threshold "
            f"({terms['shape']:+.0f}) plus half the log-determinant of the covariance ({terms['size']:+.0f}, "
            f"the data's own extent) minus the cube's {terms['cube']:.0f}. ")
    if math.isnan(terms["size_bias"]):
        text += "The covariance is a shrinkage estimate, whose log-determinant has no closed-form bias. "
    else:
        corrected = terms["ratio"] - terms["size_bias"]
        text += (f"A sample covariance's log-determinant is biased low, by about {terms['size_bias']:.1f} in the "
                 f"half-log-det at this sample size, so the bias-corrected ratio is about 10^{corrected:.0f}: "
                 + ("still negligible. " if corrected < NEGLIGIBLE_LOG10 else "no longer negligible. "))
    if mc_p > 0:
        return text + f"Of {mc_n:,} cube points, a share {mc_p:.2e} ± {mc_se:.1e} landed inside."
    return text + f"None of {mc_n:,} cube points landed inside (probability below about {3 / mc_n:.0e})."


def b_match_sentence(b: float) -> str:
    """The matched cube half edge against the blog's range 1.0-2.0. Introduced in chapter 2."""
    lo, hi = BLOG_B_RANGE
    if lo < b < hi:
        return f"b = {b:.2f}, inside the blog's CelebA range {lo}–{hi}"
    return f"b = {b:.2f}, {'below' if b <= lo else 'above'} the blog's CelebA range {lo}–{hi}"


def compare_sentence(rows: Mapping[str, Mapping[str, float]]) -> str:
    """Chapter 2's closing comparison of data sets (rows of ``latent_overview``). Introduced in chapter 2.

    A data set's cube points *miss* when under 5 % land in its 99 % region; one data set alone gives "".
    """
    parts, misses = [], []
    for name, row in rows.items():
        cube = row["cube points inside 99% region"]
        misses.append(cube < 0.05)
        parts.append(f"on {name} {_pct(cube)} of radius-matched cube points (b = {row['cube b matching <|z|>']:.2f}) "
                     f"and {_pct(row['held-out inside 99% region'])} of held-out z-points fall in the 99 % region "
                     f"({row['region covariance']})")
    if len(rows) < 2:
        return ""
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + "."
    if all(misses):
        return text + " The data sets agree that uniform cube points miss the data region."
    if not any(misses):
        return text + " On no data set do cube points clearly miss the data region."
    return text + " The data sets disagree on whether cube points miss the data region."


def overview_sentence(name: str, row: Mapping[str, float]) -> str:
    """Chapter 2's summary of one data set (a ``latent_overview`` row). Introduced in chapter 2."""
    b_text = b_match_sentence(row["cube b matching <|z|>"])
    return (f"On {name}, a cube matched to the data's mean radius needs {b_text}; "
            f"{_pct(row['cube points inside 99% region'])} of its points fall in the data's 99 % region, against "
            f"{_pct(row['MND points inside 99% region'])} for the data's own multivariate normal and "
            f"{_pct(row['held-out inside 99% region'])} for held-out z-points. Normality is rejected for "
            f"{_pct(row['components non-normal (p<0.01)'])} of the components (median |skewness| "
            f"{row['median |skewness|']:.2f}, median excess kurtosis {row['median excess kurtosis']:.2f}), and "
            f"{_pct(row['pairs with |r| > 0.3'])} of component pairs have |r| > 0.3.")
