"""The numbers chapter 1 quotes, one function per section, each returning :class:`Numbers`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..stats.latent_sentences import calibration_sentence, random_points_verdict
from . import Numbers

#: Names of chapter 1's random-point sets in its verdict sentence.
RANDOM_SET_NAMES = {"cube": "cube points", "ball": "ball points"}


def data_numbers(image_shape: Sequence[int], z_dim: int, n_images: int, dataset: str) -> Numbers:
    """Image-vector dimension, latent dimension, compression factor, size and name of the data set.
    Introduced in chapter 1."""
    ivs_dim = int(np.prod(image_shape))
    return Numbers({"ivs_dim": f"{ivs_dim:,}", "z_dim": f"{z_dim}", "compression": f"{ivs_dim / z_dim:.0f}",
                    "n_images": f"{n_images:,}", "dataset": dataset})


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


def random_points_numbers(medians: Mapping[str, float], inside: Mapping[str, float],
                          reencoded: Mapping[str, float], nominal_share: float, n_test: int,
                          method: str) -> Numbers:
    """Median pixel distances (kinds held_out, reconstruction, cube, ball) with the cube's and ball's
    ratios to held-out images, the region's calibration sentence and the chapter's verdict.
    Introduced in chapter 1."""
    keys = {"held_out": "test", "reconstruction": "recon", "cube": "cube", "ball": "ball"}
    values = {f"nn_{key}": f"{medians[kind]:.3f}" for kind, key in keys.items()}
    for kind in ("cube", "ball"):
        values[f"nn_{kind}_ratio"] = f"{medians[kind] / medians['held_out']:.1f}"
    values["calibration"] = calibration_sentence(inside["held_out"], nominal_share, 0.99, n_test, method)
    values["verdict"] = random_points_verdict(inside, reencoded, RANDOM_SET_NAMES)
    return Numbers(values)
