"""The numbers and sentences chapter 2 quotes, one function per section, each returning :class:`Numbers`,
and the claims chapter 2 decides for the findings page (chapter 6).

Every sentence that states a result is worded here from the run's numbers, one branch per outcome; a
share of generated points "misses" the region by :func:`latent_fragments.pages.ae_basics.misses` (an
exact 95 % interval below 10 %), and the origin's place is judged out of sample: against the predictive
regions, which hold stated shares of *new* z-points, and against the held-out z-points.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..stats.gaussian import Gaussian
from ..stats.generators import thin_shell_radius
from ..stats.proportions import clopper_pearson
from ..stats.regions import PredictiveRegion
from . import Numbers, pct, shown
from .ae_basics import calibration_sentence, misses
from .findings import claim_record

#: A log10 volume ratio below this counts as negligible (a cube point inside once in a million draws).
NEGLIGIBLE_LOG10 = -6.0
#: Blog part IV: cube half edges whose radii match the CelebA z-points.
BLOG_B_RANGE = (1.0, 2.0)
#: The predictive levels whose borders bracket "near the border" of the region (blog part IV).
BORDER_LEVELS = (0.90, 0.99, 0.999)
#: The centre lies "away from the origin" when its distance's 95 % lower bound exceeds this share of the
#: cloud's mean radius about its own centre.
OFFCENTRE_SHARE = 0.10
#: The thin-shell law holds when every measured mean radius lies within this many standard errors.
SHELL_SE = 4.0
#: A shell is thin when its relative thickness std(R) / <R> is below this.
THIN_SHELL = 0.10
#: Independent normals "stay near the centre" / give "similar" images below these ratios to the data's.
NEAR_CENTRE_RATIO = SIMILAR_RATIO = 0.75


def cloud_numbers(n_train: int, n_test: int, z_dim: int) -> Numbers:
    """Sizes of the training and held-out clouds and their dimension. Introduced in chapter 2."""
    return Numbers({"n_train": f"{n_train:,}", "n_test": f"{n_test:,}", "N": f"{z_dim}"})


def component_numbers(summary: pd.DataFrame, alpha: float = 0.01) -> Numbers:
    """Per-component summary of :func:`~latent_fragments.stats.components.component_summary`: share
    failing normality at ``alpha``, median |skewness| and excess kurtosis, ranges of means and standard
    deviations, share with |mean| > std / 2. Introduced in chapter 2."""
    mean, std = summary["mean"], summary["std"]
    return Numbers({
        "share_nonnormal": pct(np.mean(summary["normality_p"] < alpha), 0),
        "med_abs_skew": f"{np.median(np.abs(summary['skew'])):.2f}",
        "med_kurt": f"{np.median(summary['kurtosis']):.2f}",
        "mean_range": f"{mean.min():.2f} to {mean.max():.2f}",
        "std_range": f"{std.min():.2f} to {std.max():.2f}",
        "share_off_centre": pct(np.mean(np.abs(mean) > 0.5 * std), 0),
    })


def shell_law_numbers(b_values: np.ndarray, dim: int, means: np.ndarray, stds: np.ndarray,
                      n_shell: int) -> Numbers:
    """Points per ``b`` and the largest deviation of the measured mean radius from ``b·sqrt(N/3)``,
    in standard errors. Introduced in chapter 2."""
    theory = np.array([thin_shell_radius(b, dim)[0] for b in b_values])
    deviation = np.max(np.abs(np.asarray(means) - theory) / (np.asarray(stds) / np.sqrt(n_shell)))
    return Numbers({"n_shell": f"{n_shell:,}", "shell_max_dev": f"{deviation:.1f}"})


def radius_numbers(r_data: np.ndarray, r_centred: np.ndarray, centre: np.ndarray, cube_b: float,
                   region: PredictiveRegion, z_test: np.ndarray) -> Numbers:
    """Mean and spread of the radii, the matching cube against the blog, the radii about the cloud's
    own centre and where the origin lies, judged against held-out z-points. Introduced in chapter 2."""
    distance = float(np.linalg.norm(centre))
    return Numbers({
        "mean_radius": f"{r_data.mean():.2f}", "std_radius": f"{r_data.std(ddof=1):.2f}",
        "b_vs_blog": b_match_sentence(cube_b), "mean_radius_centred": f"{r_centred.mean():.2f}",
        "centre_dist": f"{distance:.2f}", "centre_ratio": f"{distance / r_centred.mean():.2f}",
        "centre_sentence": centre_sentence(origin_position(region, z_test)),
    })


def origin_position(region: PredictiveRegion, z_test: np.ndarray) -> dict[str, Any]:
    """Where the origin lies, out of sample: its Mahalanobis distance under the region's normal, the
    borders of the predictive regions at :data:`BORDER_LEVELS` (which hold those shares of *new*
    z-points), and how many of the held-out z-points lie at least as far out. Introduced in chapter 2."""
    gaussian = region.gaussian
    d2_test = gaussian.mahalanobis(np.asarray(z_test, dtype=np.float64), squared=True)
    d2_origin = float(gaussian.mahalanobis(np.zeros((1, gaussian.dim)), squared=True)[0])
    return {"d_origin": math.sqrt(d2_origin), "d_test_median": float(np.sqrt(np.median(d2_test))),
            "borders": {level: math.sqrt(region.threshold(level)) for level in BORDER_LEVELS},
            "n_test": int(len(d2_test)), "n_farther": int(np.count_nonzero(d2_test >= d2_origin))}


def origin_place(position: Mapping[str, Any]) -> str:
    """``"bulk"`` (inside the 90 % region), ``"border"`` (between the 90 % and 99.9 % borders),
    ``"beyond"`` (past the 99.9 % border, but some held-out z-point lies as far out) or ``"outside"``
    (past it, and no held-out z-point as far out). Introduced in chapter 2."""
    low, high = position["borders"][BORDER_LEVELS[0]], position["borders"][BORDER_LEVELS[-1]]
    if position["d_origin"] <= low:
        return "bulk"
    if position["d_origin"] <= high:
        return "border"
    return "beyond" if position["n_farther"] else "outside"


def _farther(position: Mapping[str, Any]) -> str:
    k, n = position["n_farther"], position["n_test"]
    lo, hi = clopper_pearson(k, n)
    return f"{k:,} of {n:,} held-out z-points lie as far out (95 % interval {pct(lo)} to {pct(hi)})"


def _borders(position: Mapping[str, Any]) -> str:
    return ", ".join(f"{pct(level, 1 if level > 0.99 else 0)}: {d:.1f}" for level, d in position["borders"].items())


def centre_sentence(position: Mapping[str, Any]) -> str:
    """Where the origin lies relative to the cloud (blog part IV), judged out of sample in the full latent
    space (:func:`origin_position`). Introduced in chapter 2."""
    head = (f"Judged against new z-points in the full latent space, the origin lies "
            f"{position['d_origin']:.1f} Mahalanobis units from the cloud's centre, a typical held-out z-point "
            f"{position['d_test_median']:.1f}; the borders of the regions that hold a stated share of new z-points "
            f"lie at ({_borders(position)}), and {_farther(position)}. ")
    return head + {
        "bulk": "The origin lies inside the bulk of the cloud, not near its border as the blog found for CelebA.",
        "border": "The origin lies near the region's border, as the blog found for CelebA.",
        "beyond": ("The origin lies beyond the region's border, farther out than the blog found for CelebA, "
                   "though a few held-out z-points lie farther still."),
        "outside": ("The origin lies far outside the region: the cloud is not centred on the origin, and the "
                    "origin lies farther out than the blog found for CelebA (near the region's border)."),
    }[origin_place(position)]


def origin_claim(position: Mapping[str, Any]) -> dict[str, str]:
    """The claim "the origin lies close to the region's border" (blog part IV), decided out of sample in
    the full latent space: it holds when the origin lies between the borders of the 90 % and 99.9 %
    predictive regions, partly when it lies beyond but held-out z-points reach as far. Chapter 2."""
    figure = (f"origin at Mahalanobis distance {position['d_origin']:.1f}; predictive borders {_borders(position)}; "
              f"{_farther(position)}")
    verdict, why = {
        "bulk": ("does not hold", "the origin lies inside the region that holds 90 % of new z-points"),
        "border": ("holds", "the origin lies between the borders of the regions that hold 90 % and 99.9 % of "
                            "new z-points"),
        "beyond": ("partly", "the origin lies beyond the 99.9 % border, but some held-out z-points lie as far out"),
        "outside": ("does not hold", "the origin lies beyond the 99.9 % border and no held-out z-point lies as "
                                     "far out: the origin is far outside the region, not near its border"),
    }[origin_place(position)]
    return claim_record(verdict, figure, "Chapter 2, Radii and the thin-shell law", why)


def centre_distance_interval(gaussian: Gaussian, n: int) -> tuple[float, float, float]:
    """The distance of the cloud's centre from the origin with a 95 % interval (delta method: the sample
    mean of ``n`` points has covariance ``Sigma / n``). Introduced in chapter 2."""
    mean = gaussian.mean
    distance = float(np.linalg.norm(mean))
    se = math.sqrt(max(float(mean @ gaussian.cov @ mean), 0.0) / n) / distance if distance > 0 else 0.0
    return distance, max(distance - 1.96 * se, 0.0), distance + 1.96 * se


def offcentre_claim(distance: tuple[float, float, float], centred_radius: float,
                    terms: Mapping[str, float]) -> dict[str, str]:
    """The claim "the z-points fill a small region whose centre lies away from the origin" (blog parts
    III-IV): *small* when the 99 % region's volume is a negligible share of the matched cube (bias-corrected
    log10 ratio below :data:`NEGLIGIBLE_LOG10`), *off-centre* when the centre's distance from the origin
    exceeds :data:`OFFCENTRE_SHARE` of the cloud's mean radius about its centre, at 95 % confidence.
    Introduced in chapter 2."""
    log10 = terms["ratio"] - (0.0 if math.isnan(terms["size_bias"]) else terms["size_bias"])
    small = log10 < NEGLIGIBLE_LOG10
    off = distance[1] > OFFCENTRE_SHARE * centred_radius
    figure = (f"centre {distance[0]:.2f} from the origin (95 % interval {distance[1]:.2f}–{distance[2]:.2f}), "
              f"{distance[0] / centred_radius:.2f} of the cloud's mean radius about its centre; 99 % region "
              f"10^{log10:.0f} of the matched cube's volume")
    size = "small" if small else "not small (its volume is not a negligible share of the cube's)"
    place = "off-centre" if off else f"not clearly off-centre (under {pct(OFFCENTRE_SHARE, 0)} of its radius)"
    verdict = "holds" if small and off else "partly" if small or off else "does not hold"
    return claim_record(verdict, figure, "Chapter 2, Radii and the thin-shell law",
                        f"the region is {size} and {place}")


def shell_claim(b_values: Sequence[float], dim: int, means: np.ndarray, stds: np.ndarray,
                n_shell: int) -> dict[str, str]:
    """The claim "uniform-cube vectors sit in a thin shell of radius b·sqrt(N/3)" (blog part II): holds
    when every measured mean radius lies within :data:`SHELL_SE` standard errors of the law and the shell
    is thin (relative thickness below :data:`THIN_SHELL`); partly when thin but off the law. Chapter 2."""
    theory = np.array([thin_shell_radius(b, dim)[0] for b in b_values])
    deviation = float(np.max(np.abs(np.asarray(means) - theory) / (np.asarray(stds) / math.sqrt(n_shell))))
    thickness = float(np.max(np.asarray(stds) / np.asarray(means)))
    figure = (f"measured ⟨R⟩ within {deviation:.1f} standard errors of b·√(N/3) at all {len(theory)} values "
              f"of b ({n_shell:,} points each, N = {dim}); relative thickness std(R)/⟨R⟩ at most {thickness:.3f}")
    thin, on_law = thickness < THIN_SHELL, deviation <= SHELL_SE
    verdict = "holds" if thin and on_law else "partly" if thin else "does not hold"
    why = {"holds": "the radii follow the law and the shell is thin",
           "partly": f"the shell is thin, but some mean radius lies over {SHELL_SE:.0f} standard errors off the law",
           "does not hold": "the shell is not thin"}[verdict]
    return claim_record(verdict, figure, "Chapter 2, Radii and the thin-shell law", why)


def miss_claim(report: pd.DataFrame, n: int) -> dict[str, str]:
    """The claim "random points in a cube or ball around the origin miss the z-points' region" (blog
    parts I, V, VI), from the radius-matched cube and ball of
    :func:`~latent_fragments.stats.components.generator_report` (``n`` points each): holds when both miss
    (:func:`~latent_fragments.pages.ae_basics.misses`), partly when one does. Introduced in chapter 2."""
    row = report.set_index("kind")
    parts, missed = [], []
    for kind, name in (("cube", "cube"), ("ball", "ball")):
        share = float(row.loc[kind, "inside 99% region"])
        lo, hi = clopper_pearson(round(share * n), n)
        parts.append(f"{name} {pct(share)} (95 % interval {pct(lo)} to {pct(hi)})")
        missed.append(misses(share, n))
    figure = (f"{' and '.join(parts)} of {n:,} radius-matched points in the region that holds 99 % of new "
              f"z-points (held-out: {pct(row.loc['held_out', 'inside 99% region'])})")
    verdict = "holds" if all(missed) else "partly" if any(missed) else "does not hold"
    why = {"holds": "both the cube's and the ball's points miss the region (fewer than 1 in 10 inside, at 95 %)",
           "partly": "one of the cube's and the ball's point sets misses the region, the other does not clearly",
           "does not hold": "neither the cube's nor the ball's points clearly miss the region"}[verdict]
    return claim_record(verdict, figure, "Chapter 2, Statistical generators against the data", why)


def correlation_numbers(corr: np.ndarray, pairs: pd.DataFrame, strong_r: float = 0.3) -> Numbers:
    """Number of component pairs, share with |r| > ``strong_r``, the strongest r and the tilt sentence
    of the three strongest pairs. Introduced in chapter 2."""
    off = corr[np.triu_indices(len(corr), k=1)]
    return Numbers({"n_pairs": f"{len(off):,}", "share_strong": pct(np.mean(np.abs(off) > strong_r)),
                    "r_max": f"{pairs['r'].iloc[0]:.2f}", "tilt": tilt_sentence(pairs["r"].to_numpy()[:3])})


def generator_numbers(report: pd.DataFrame, cube_b: float, region: PredictiveRegion, nominal_share: float,
                      n_test: int) -> Numbers:
    """What the generator table says: the cube's half edge, the region's covariance, shares inside the
    99 % region, median Mahalanobis distances against sqrt(N - 2/3), and the calibration sentence.
    Introduced in chapter 2."""
    row = report.set_index("kind")
    dim = len(region.gaussian.mean)
    values = {"b_match": f"{cube_b:.2f}", "region_covariance": region.covariance_name}
    for kind, key in (("cube", "cube"), ("independent_normals", "ind"), ("mnd", "mnd")):
        values[f"{key}_in99"] = pct(row.loc[kind, "inside 99% region"])
    values["cube_maha"] = f"{row.loc['cube', 'median Mahalanobis']:.1f}"
    values["test_maha"] = f"{row.loc['held_out', 'median Mahalanobis']:.1f}"
    values["expected_maha"] = f"{np.sqrt(dim - 2 / 3):.1f}"
    values["calibration"] = calibration_sentence(row.loc["held_out", "inside 99% region"], nominal_share, 0.99,
                                                 n_test, region.method)
    return Numbers(values)


def volume_numbers(terms: Mapping[str, float], p_hit: float, p_se: float, mc_n: int) -> Numbers:
    """The region's log10 volume fraction of the cube and the sentence comparing it with the Monte Carlo
    hit rate. Introduced in chapter 2."""
    return Numbers({"log10_fraction": f"{terms['ratio']:.0f}",
                    "volume_sentence": volume_sentence(terms, p_hit, p_se, mc_n)})


def compare_numbers(name: str | None, other=None) -> Numbers:
    """Name, epochs, batch size and held-out loss of the comparison run (``n/a`` without one).
    Introduced in chapter 2."""
    if other is None:
        return Numbers({"compare_name": name or "none", "compare_epochs": "n/a", "compare_batch": "n/a",
                        "compare_loss": "n/a"})
    history = other.history
    return Numbers({"compare_name": name, "compare_epochs": f"{other.config.epochs}",
                    "compare_batch": f"{other.config.batch_size}",
                    "compare_loss": f"{history[-1]['val_loss']:.4f} (start {history[0]['val_loss']:.4f})"})


#: Columns of :func:`latent_fragments.stats.components.component_summary` as the page names them.
SUMMARY_COLUMNS = {"mean": ("mean", ".3f"), "std": ("sd", ".3f"), "skew": ("skewness", ".3f"),
                   "kurtosis": ("excess kurtosis", ".3f"), "normality_p": ("normality p-value", ".3f")}
_SUMMARY_ROWS = {"mean": "mean over the components", "std": "sd over the components", "min": "smallest",
                 "50%": "median", "max": "largest"}
#: Columns of :func:`latent_fragments.stats.components.generator_report` the page lists.
REPORT_COLUMNS = {"mean radius": ("mean radius", ".3f"), "std radius": ("sd of the radius", ".3f"),
                  "median Mahalanobis": ("median Mahalanobis distance", ".1f"),
                  "inside 95% region": ("inside the 95 % region", "pct"),
                  "inside 99% region": ("inside the 99 % region", "pct"),
                  "median NN distance": ("median distance to nearest training point", ".3f")}


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """How the per-component statistics spread over the components (mean, sd, extremes, median of each
    column of :func:`~latent_fragments.stats.components.component_summary`). Introduced in chapter 2."""
    spread = summary.describe().loc[list(_SUMMARY_ROWS)].rename(index=_SUMMARY_ROWS)
    return shown(spread, SUMMARY_COLUMNS)


def pairs_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """The most correlated pairs of latent components (numbered from 0, as the figures' z_i), strongest
    first. Introduced in chapter 2."""
    ranked = pairs.set_axis(range(1, len(pairs) + 1))
    return shown(ranked, {"i": ("component i", "d"), "j": ("component j", "d"), "r": ("correlation r", ".3f")},
                 "rank")


def report_table(report: pd.DataFrame) -> pd.DataFrame:
    """Chapter 2's generator report, one row per generator, shares as percentages. Introduced in chapter 2."""
    return shown(report.set_index("generator"), REPORT_COLUMNS)


#: Row names of the side-by-side overview (:func:`overview_table`) for the keys of
#: :func:`latent_fragments.stats.components.latent_overview` that are not yet written for a reader.
_OVERVIEW_NAMES = {"z_dim": "latent dimension", "mean radius <|z|>": "mean radius ⟨|z|⟩",
                   "std(|z|) / <|z|>": "radius spread sd(|z|) / ⟨|z|⟩",
                   "cube b matching <|z|>": "cube half edge b matching ⟨|z|⟩"}


def _overview_cell(key: str, value: float | str) -> str:
    if isinstance(value, str):
        return value
    if key in ("training z-points", "z_dim"):
        return f"{value:,.0f}"
    if key.startswith(("components non-normal", "pairs with")) or "inside" in key:
        return pct(value)
    return f"{value:.3g}"


def overview_table(rows: Mapping[str, Mapping[str, float | str]]) -> pd.DataFrame:
    """The side-by-side overview of data sets (``rows``: data set -> :func:`~latent_fragments.stats.
    components.latent_overview`) as a page shows it: counts with thousands separators, shares as
    percentages, other figures to three significant digits, rows named for a reader. Introduced in
    chapter 2."""
    table = pd.DataFrame({name: {key: _overview_cell(key, value) for key, value in row.items()}
                          for name, row in rows.items()})
    return table.rename(index=lambda key: _OVERVIEW_NAMES.get(key, key.replace("99%", "99 %")))


def verdict_numbers(rows: Mapping[str, Mapping[str, float]], dataset: str, n_test: Mapping[str, int]) -> Numbers:
    """The chapter's closing verdict: the main data set's overview and the comparison (``n_test``: data
    set -> held-out points, as many cube points). Introduced in chapter 2."""
    text = f"{overview_sentence(dataset, rows[dataset])} {compare_sentence(rows, n_test)}"
    return Numbers({"verdict": text.strip()})


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


def compare_sentence(rows: Mapping[str, Mapping[str, float]], n_test: Mapping[str, int]) -> str:
    """Chapter 2's closing comparison of data sets (rows of ``latent_overview``). Introduced in chapter 2.

    A data set's cube points *miss* by :func:`~latent_fragments.pages.ae_basics.misses` with ``n_test``
    (data set -> points) points; one data set alone gives "".
    """
    parts, missed = [], []
    for name, row in rows.items():
        cube = row["cube points inside 99% region"]
        missed.append(misses(cube, n_test[name]))
        parts.append(f"on {name} {pct(cube)} of {n_test[name]:,} radius-matched cube points "
                     f"(b = {row['cube b matching <|z|>']:.2f}) and {pct(row['held-out inside 99% region'])} of "
                     f"held-out z-points fall in the 99 % region ({row['region covariance']})")
    if len(rows) < 2:
        return ""
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + "."
    if all(missed):
        return text + " The data sets agree that uniform cube points miss the data region."
    if not any(missed):
        return text + " On no data set do cube points clearly miss the data region."
    return text + " The data sets disagree on whether cube points miss the data region."


def overview_sentence(name: str, row: Mapping[str, float]) -> str:
    """Chapter 2's summary of one data set (a ``latent_overview`` row). Introduced in chapter 2."""
    b_text = b_match_sentence(row["cube b matching <|z|>"])
    return (f"On {name}, a cube matched to the data's mean radius needs {b_text}; "
            f"{pct(row['cube points inside 99% region'])} of its points fall in the data's 99 % region, against "
            f"{pct(row['MND points inside 99% region'])} for the data's own multivariate normal and "
            f"{pct(row['held-out inside 99% region'])} for held-out z-points. Normality is rejected for "
            f"{pct(row['components non-normal (p<0.01)'])} of the components (median |skewness| "
            f"{row['median |skewness|']:.2f}, median excess kurtosis {row['median excess kurtosis']:.2f}), and "
            f"{pct(row['pairs with |r| > 0.3'])} of component pairs have |r| > 0.3.")


def _pixel_spread(images: np.ndarray) -> float:
    """Mean over pixels of the standard deviation across images (pixels in [0, 1])."""
    return float(np.mean(np.std(np.asarray(images, dtype=np.float64) / 255.0, axis=0)))


def independent_normals_numbers(gaussian: Gaussian, z_ind: np.ndarray, z_test: np.ndarray,
                                decoded_ind: np.ndarray, reconstructed: np.ndarray, share_inside: float,
                                k: int = 10) -> Numbers:
    """Why independent normals decode to faces although (almost) none lies in the region: their spread on
    the data's ``k`` leading principal axes against the held-out z-points', and how much their decoded
    images vary (per-pixel spread across images) against reconstructed held-out faces (uint8 images).
    Introduced in chapter 2."""
    k = min(k, gaussian.dim)
    spread = math.sqrt(np.var(gaussian.to_pca(z_ind, k), axis=0).sum() / np.var(gaussian.to_pca(z_test, k),
                                                                                    axis=0).sum())
    variance_share = float(gaussian.variances[:k].sum() / gaussian.variances.sum())
    diversity = _pixel_spread(decoded_ind) / _pixel_spread(reconstructed)
    return Numbers({"ind_sentence": independent_normals_sentence(share_inside, k, variance_share, spread, diversity,
                                                                 len(decoded_ind))})


def independent_normals_sentence(share_inside: float, k: int, variance_share: float, spread: float,
                                 diversity: float, n_images: int) -> str:
    """What the independent normals' decoded images show and why (blog part V). Introduced in chapter 2.

    ``spread``: their spread on the data's ``k`` leading axes (``variance_share`` of the variance) as a
    multiple of the held-out z-points'; ``diversity``: the per-pixel spread of ``n_images`` decoded images
    as a multiple of reconstructed held-out faces'. Near the centre / similar below
    :data:`NEAR_CENTRE_RATIO` / :data:`SIMILAR_RATIO`.
    """
    text = (f"Independent normals land in the 99 % region {pct(share_inside)} of the time, yet their decoded "
            f"images are face-like. On the data's {k} leading principal axes, which carry "
            f"{pct(variance_share)} of its variance, they spread {spread:.2f} times as far as held-out z-points: ")
    varied = (f"Decoded, {n_images} of them vary {diversity:.2f} times as much from image to image as "
              "reconstructed held-out faces")
    if spread >= NEAR_CENTRE_RATIO:
        return text + (f"as far as the data, so staying near the centre does not explain their images here. "
                       f"{varied}.")
    text += ("they keep each component's variance but not the correlations, so their variance is spread about "
             "evenly over all directions; along the leading axes they stay near the centre, where the smooth "
             "decoder draws an average face, and they lie far out (hence outside the region) along the many "
             "minor axes, which change the decoded image little. ")
    if diversity < SIMILAR_RATIO:
        return text + f"{varied}: similar, washed-out average faces."
    return text + f"{varied}: even so, the minor axes vary their images as much as real faces vary."


def findings_record(settings: Mapping[str, Any], claims: Mapping[str, Mapping[str, str]],
                    **numbers: Any) -> dict[str, Any]:
    """Chapter 2's record for the findings page (chapter 6): its settings, the four claims it decides
    (cube_shell, statistical_points_miss, offcentre_region, origin_near_border) and further numbers.
    Introduced in chapter 2."""
    expected = {"cube_shell", "statistical_points_miss", "offcentre_region", "origin_near_border"}
    if set(claims) != expected:
        raise ValueError(f"chapter 2 decides exactly {sorted(expected)}, got {sorted(claims)}")
    return {"settings": dict(settings), "claims": {key: dict(value) for key, value in claims.items()}, **numbers}
