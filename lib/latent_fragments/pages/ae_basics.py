"""The numbers and sentences chapter 1 quotes, one function per section, each returning :class:`Numbers`.

Every sentence that states a result is worded here from the run's numbers, one branch per outcome, each
backed by a stated test: a share against a region's level by an exact binomial test at
:data:`CALIBRATION_ALPHA`, "random points miss the region" by an exact 95 % interval below
:data:`MISS_SHARE`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..data.labels import label_columns
from ..stats.gaussian import Gaussian
from ..stats.proportions import all_inside_detectable, clopper_pearson, level_test_p
from ..stats.regions import COVARIANCE_NAMES
from . import Numbers, pct, shown

#: Level of the two-sided exact binomial test of a held-out share against its region's level.
CALIBRATION_ALPHA = 0.01
#: A set of random points *misses* the region when the 95 % upper bound of its share inside is below this.
MISS_SHARE = 0.10

#: Names of chapter 1's random-point sets in its verdict sentence.
RANDOM_SET_NAMES = {"cube": "cube points", "ball": "ball points"}
#: The labels chapter 1 shows for its first images where the data have them (synthfaces' factors).
SHOWN_LABELS = ("sex", "age", "skin_tone", "hair_style", "smile", "glasses", "beard", "yaw")


def data_numbers(image_shape: Sequence[int], z_dim: int, n_images: int, dataset: str) -> Numbers:
    """Image-vector dimension, latent dimension, compression factor, size and name of the data set.
    Introduced in chapter 1."""
    ivs_dim = int(np.prod(image_shape))
    return Numbers({"ivs_dim": f"{ivs_dim:,}", "z_dim": f"{z_dim}", "compression": f"{ivs_dim / z_dim:.0f}",
                    "n_images": f"{n_images:,}", "dataset": dataset})


def labels_sentence(columns: Sequence[str]) -> str:
    """Chapter 1's one sentence for data without labels (a folder of photos, CelebA without its attribute
    file): what the label table holds instead, if anything, and that the book goes on. Introduced in chapter 1."""
    held = ""
    if len(columns):
        held = (f" (their table holds only {_and([f'`{name}`' for name in columns])}, which no statistic takes "
                f"as a target)")
    return (f"The data carry no labels{held}, so there is no ground truth to show here; the sections that would "
            f"use labels say so and go on without them.")


def label_table(labels: pd.DataFrame, shown: Sequence[str] = SHOWN_LABELS, n: int = 5):
    """The first ``n`` images' labels: the ``shown`` columns the data have (synthfaces' factors), else up to
    as many of their label columns (:func:`latent_fragments.data.labels.label_columns`: ORL's identity,
    CelebA's attributes), rounded to 2 decimals; for data without labels, :func:`labels_sentence` as an
    IPython Markdown display. Introduced in chapter 1."""
    columns = [name for name in shown if name in labels.columns] or label_columns(labels)[:len(shown)]
    if not columns:
        from IPython.display import Markdown

        return Markdown(labels_sentence(list(labels.columns)))
    return labels[columns].head(n).round(2).rename(columns=lambda name: name.replace("_", " "))


def model_numbers(table: Sequence[Mapping[str, object]]) -> Numbers:
    """Parameter counts of encoder and decoder from :func:`latent_fragments.model.layer_table` rows.
    Introduced in chapter 1."""
    counts = {part: sum(int(row["parameters"]) for row in table if row["model"] == part)
              for part in ("encoder", "decoder")}
    return Numbers({f"params_{part}": f"{count:,}" for part, count in counts.items()})


def training_numbers(history: Sequence[Mapping[str, float]], batch_size: int, n_train: int,
                     n_test: int) -> Numbers:
    """Batch size, split sizes, epochs, last epoch's losses and the median training speed.
    Introduced in chapter 1."""
    last = history[-1]
    speed = float(np.median([row["images_per_s"] for row in history]))
    return Numbers({
        "batch_size": f"{batch_size}", "n_train": f"{n_train:,}", "n_test": f"{n_test:,}",
        "epochs": f"{len(history)}", "loss_train": f"{last['loss']:.4f}", "loss_test": f"{last['val_loss']:.4f}",
        "mse_train": f"{last['mse']:.4f}", "mse_test": f"{last['val_mse']:.4f}", "img_per_s": f"{speed:.0f}",
    })


def reconstruction_numbers(err_train: np.ndarray, err_test: np.ndarray) -> Numbers:
    """Median per-image reconstruction errors of training and held-out images and their ratio.
    Introduced in chapter 1."""
    train, test = float(np.median(err_train)), float(np.median(err_test))
    return Numbers({"recon_mse_train": f"{train:.4f}", "recon_mse_test": f"{test:.4f}",
                    "recon_ratio": f"{test / train:.2f}"})


def random_set_numbers(cube_b: float, ball_radius: float, n_random: int) -> Numbers:
    """The cube's half edge, the ball's radius and how many points of each are decoded.
    Introduced in chapter 1."""
    return Numbers({"cube_b": f"{cube_b:.2f}", "ball_r": f"{ball_radius:.2f}", "n_random": f"{n_random}"})


#: Row names of chapter 1's tables, by cloud kind.
_KIND_ROWS = {"held_out": "held-out images", "cube": "cube points", "ball": "ball points"}


def inside_table(inside: Mapping[str, float], reencoded: Mapping[str, float]) -> pd.DataFrame:
    """Shares inside the 99 % predictive region of z-points and of their decoded-and-re-encoded images,
    by kind ("held_out", "cube", "ball"), as percentages. Introduced in chapter 1."""
    table = pd.DataFrame({"z": inside, "re": reencoded}).rename(index=_KIND_ROWS)
    return shown(table, {"z": ("z-points inside the 99 % region", "pct"), "re": ("re-encoded images inside", "pct")})


def random_points_numbers(medians: Mapping[str, float], inside: Mapping[str, float],
                          reencoded: Mapping[str, float], nominal_share: float, n_test: int,
                          method: str, n_random: int) -> Numbers:
    """Median pixel distances (kinds held_out, reconstruction, cube, ball) with the cube's and ball's
    ratios to held-out images, the region's calibration sentence and the chapter's verdict (``n_test``
    held-out z-points, ``n_random`` points per random set). Introduced in chapter 1."""
    keys = {"held_out": "test", "reconstruction": "recon", "cube": "cube", "ball": "ball"}
    values = {f"nn_{key}": f"{medians[kind]:.3f}" for kind, key in keys.items()}
    for kind in ("cube", "ball"):
        values[f"nn_{kind}_ratio"] = f"{medians[kind] / medians['held_out']:.1f}"
    values["calibration"] = calibration_sentence(inside["held_out"], nominal_share, 0.99, n_test, method)
    values["verdict"] = random_points_verdict(inside, reencoded, RANDOM_SET_NAMES, n_random)
    return Numbers(values)


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def level_agreement(share: float, level: float, n: int) -> str:
    """``"within"``, ``"below"`` or ``"above"``: ``share`` of ``n`` points against ``level``, by a two-sided
    exact binomial test at :data:`CALIBRATION_ALPHA`. Introduced in chapter 1."""
    if level_test_p(round(share * n), n, level) >= CALIBRATION_ALPHA:
        return "within"
    return "below" if share < level else "above"


_LEVEL_MODEL = {  # method of PredictiveRegion -> what predicts its level
    "hotelling": "a normal model of the training z-points predicts",
    "ledoit-wolf": "the training z-points' own cross-validated distances predict",
}


def calibration_sentence(share: float, nominal_share: float, level: float, n: int, method: str) -> str:
    """How many held-out z-points the predictive region holds, against its level. Introduced in chapter 1.

    ``share``: held-out share inside the level-``level`` predictive region of ``method`` (see
    :class:`latent_fragments.stats.regions.PredictiveRegion`); ``nominal_share``: inside the uncorrected
    chi-square ellipsoid; ``n`` held-out points. The comparison is an exact binomial test at 1 %; with
    too few points to ever show a share *above* the level, the sentence says so.
    """
    covariance, model = COVARIANCE_NAMES[method], _LEVEL_MODEL[method]
    head = (f"The region that should hold {pct(level, 0)} of new z-points (predictive region, {covariance}) "
            f"holds {pct(share)} of the {n:,} held-out z-points")
    test = f"exact binomial test at the {pct(CALIBRATION_ALPHA, 0)} level"
    blind = ("" if all_inside_detectable(n, level, CALIBRATION_ALPHA) else
             f"; with {n:,} points a share above {pct(level, 0)} could not be detected at all")
    verdict = {
        "within": f", consistent with what {model} ({test}{blind})",
        "below": f", fewer than {model} ({test}): held-out faces stray farther out",
        "above": f", more than {model} ({test}): held-out faces crowd closer to the centre",
    }[level_agreement(share, level, n)]
    return head + verdict + f"; the uncorrected chi-square ellipsoid would hold {pct(nominal_share)}."


def misses(share: float, n: int) -> bool:
    """Whether ``n`` points with ``share`` inside a region *miss* it: the exact 95 % upper bound of the
    share is below :data:`MISS_SHARE`. Introduced in chapter 1."""
    return clopper_pearson(round(share * n), n)[1] < MISS_SHARE


def random_points_verdict(inside: Mapping[str, float], reencoded: Mapping[str, float],
                          labels: Mapping[str, str], n: int, level: float = 0.99) -> str:
    """Chapter 1's verdict on random points: do they land where faces do, in latent and re-encoded terms?

    Introduced in chapter 1. ``inside`` and ``reencoded`` map ``"held_out"`` and each generator kind
    (``labels``: kind -> display name) to the share inside the level region, of the z-points themselves
    and of the re-encoded decoded images (for ``"held_out"``: re-encoded reconstructions); ``n`` points
    per set. A set *misses* when :func:`misses`; the encoder *rejects* its images when the exact 95 %
    upper bound of their re-encoded share is below half the reconstructed faces' share.
    """
    kinds = list(labels)
    parts = _and([f"{pct(inside[k])} of the {labels[k]}" for k in kinds])
    text = (f"On this run, {parts} fall in the region that should hold {pct(level, 0)} of new z-points "
            f"(held-out z-points: {pct(inside['held_out'])}; {n:,} points each). ")
    missed = [k for k in kinds if misses(inside[k], n)]
    rejected = [k for k in kinds if clopper_pearson(round(reencoded[k] * n), n)[1] < 0.5 * reencoded["held_out"]]
    rule = f"fewer than 1 in {round(1 / MISS_SHARE)} inside, at 95 % confidence"
    if len(missed) == len(kinds):
        text += f"As in the blog, these random points miss the region where the encoder puts faces ({rule}). "
    elif missed:
        text += (f"Only the {_and([labels[k] for k in missed])} miss the region clearly ({rule}); unlike the "
                 "blog's CelebA run, the others do not. ")
    else:
        text += f"Unlike the blog's CelebA run, random points do not clearly miss the region here ({rule}). "
    re_parts = _and([f"{pct(reencoded[k])} ({labels[k]})" for k in kinds])
    text += (f"Decoded and fed back to the encoder, their images land inside in {re_parts}, against "
             f"{pct(reencoded['held_out'])} for reconstructed held-out faces: ")
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
    to radii. A radius *matches* when the generator's mean radius lies within one standard deviation of
    the data's.
    """
    r = np.asarray(data_radii, dtype=np.float64)
    mean_r2, var_r2 = gaussian.radius_moments()
    predicted_mean, predicted_std = math.sqrt(mean_r2), math.sqrt(var_r2) / (2.0 * math.sqrt(mean_r2))
    mean, std = float(r.mean()), float(r.std(ddof=1))
    shell = "a thin shell too" if std < 0.15 * mean else "not a thin shell"
    text = (f"The training z-points themselves have radii {mean:.2f} ± {std:.2f} (relative spread "
            f"{std / mean:.2f}): {shell}. A normal distribution with their mean and covariance predicts "
            f"√(‖μ‖² + tr Σ) = {predicted_mean:.2f} ± {predicted_std:.2f}")
    text += (", as measured. " if abs(predicted_std - std) <= 0.2 * std else
             f"; the measured spread is {std / predicted_std:.1f} times the predicted one. ")
    text += "Random points: " + "; ".join(f"the {name} at {np.mean(v):.2f} ± {np.std(v, ddof=1):.2f}"
                                          for name, v in generator_radii.items()) + ". "
    matched = [name for name, v in generator_radii.items() if abs(np.mean(v) - mean) <= std]
    if matched:
        return text + (f"The {_and(matched)} have the data's radius, so where they miss the data, "
                       "they miss it in direction and anisotropy, not in radius.")
    return text + "None has the data's radius; chapter 2 matches the radius and asks whether that is enough."


def findings_record(settings: Mapping[str, Any], inside: Mapping[str, float], reencoded: Mapping[str, float],
                    nominal_share: float, n_test: int, n_random: int, method: str) -> dict[str, Any]:
    """Chapter 1's record for the findings page (chapter 6): the held-out share in the calibrated 99 %
    region with its exact 95 % interval and test, the nominal ellipsoid's share, and the random sets'
    shares. Chapter 1 decides no claim (chapter 2 decides the random points' miss). Chapter 1."""
    k = round(inside["held_out"] * n_test)
    return {
        "settings": dict(settings), "region_method": method, "n_test": n_test, "n_random": n_random,
        "held_out_in_region": {"share": inside["held_out"], "interval95": list(clopper_pearson(k, n_test)),
                               "level": 0.99, "test_p": level_test_p(k, n_test, 0.99),
                               "agreement": level_agreement(inside["held_out"], 0.99, n_test)},
        "nominal_share": nominal_share, "inside": dict(inside), "reencoded": dict(reencoded),
        "claims": {},
    }
