"""The numbers chapter 2 quotes, one function per section, each returning :class:`Numbers`."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..stats.generators import thin_shell_radius
from ..stats.latent_sentences import (b_match_sentence, calibration_sentence, centre_sentence, compare_sentence,
                                      overview_sentence, tilt_sentence, volume_sentence)
from ..stats.regions import PredictiveRegion
from . import Numbers


def cloud_numbers(n_train: int, n_test: int, z_dim: int) -> Numbers:
    """Sizes of the training and held-out clouds and their dimension. Introduced in chapter 2."""
    return Numbers({"n_train": f"{n_train:,}", "n_test": f"{n_test:,}", "N": f"{z_dim}"})


def component_numbers(summary: pd.DataFrame, alpha: float = 0.01) -> Numbers:
    """Per-component summary of :func:`~latent_fragments.stats.components.component_summary`: share
    failing normality at ``alpha``, median |skewness| and excess kurtosis, ranges of means and standard
    deviations, share with |mean| > std / 2. Introduced in chapter 2."""
    mean, std = summary["mean"], summary["std"]
    return Numbers({
        "share_nonnormal": f"{100 * np.mean(summary['normality_p'] < alpha):.0f} %",
        "med_abs_skew": f"{np.median(np.abs(summary['skew'])):.2f}",
        "med_kurt": f"{np.median(summary['kurtosis']):.2f}",
        "mean_range": f"{mean.min():.2f} to {mean.max():.2f}",
        "std_range": f"{std.min():.2f} to {std.max():.2f}",
        "share_off_centre": f"{100 * np.mean(np.abs(mean) > 0.5 * std):.0f} %",
    })


def shell_law_numbers(b_values: np.ndarray, dim: int, means: np.ndarray, stds: np.ndarray,
                      n_shell: int) -> Numbers:
    """Points per ``b`` and the largest deviation of the measured mean radius from ``b·sqrt(N/3)``,
    in standard errors. Introduced in chapter 2."""
    theory = np.array([thin_shell_radius(b, dim)[0] for b in b_values])
    deviation = np.max(np.abs(np.asarray(means) - theory) / (np.asarray(stds) / np.sqrt(n_shell)))
    return Numbers({"n_shell": f"{n_shell:,}", "shell_max_dev": f"{deviation:.1f}"})


def radius_numbers(r_data: np.ndarray, r_centred: np.ndarray, centre: np.ndarray, cube_b: float,
                   region: PredictiveRegion, z_train: np.ndarray) -> Numbers:
    """Mean and spread of the radii, the matching cube against the blog, the radii about the cloud's
    own centre and where the origin lies. Introduced in chapter 2."""
    distance = float(np.linalg.norm(centre))
    d2_median = float(np.median(region.gaussian.mahalanobis(z_train, squared=True)))
    return Numbers({
        "mean_radius": f"{r_data.mean():.2f}", "std_radius": f"{r_data.std(ddof=1):.2f}",
        "b_vs_blog": b_match_sentence(cube_b), "mean_radius_centred": f"{r_centred.mean():.2f}",
        "centre_dist": f"{distance:.2f}", "centre_ratio": f"{distance / r_centred.mean():.2f}",
        "centre_sentence": centre_sentence(region.gaussian, d2_median, region.threshold(0.99)),
    })


def correlation_numbers(corr: np.ndarray, pairs: pd.DataFrame, strong_r: float = 0.3) -> Numbers:
    """Number of component pairs, share with |r| > ``strong_r``, the strongest r and the tilt sentence
    of the three strongest pairs. Introduced in chapter 2."""
    off = corr[np.triu_indices(len(corr), k=1)]
    return Numbers({"n_pairs": f"{len(off):,}", "share_strong": f"{100 * np.mean(np.abs(off) > strong_r):.1f} %",
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
        values[f"{key}_in99"] = f"{100 * row.loc[kind, 'inside 99% region']:.1f} %"
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


def verdict_numbers(rows: Mapping[str, Mapping[str, float]], dataset: str) -> Numbers:
    """The chapter's closing verdict: the main data set's overview and the comparison.
    Introduced in chapter 2."""
    return Numbers({"verdict": f"{overview_sentence(dataset, rows[dataset])} {compare_sentence(rows)}".strip()})
