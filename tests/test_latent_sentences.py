"""Tests of latent_fragments.stats.latent_sentences: one test per branch of each sentence's wording."""
from __future__ import annotations

import math

import numpy as np
import pytest

from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.latent_sentences import (b_match_sentence, calibration_sentence, centre_sentence,
                                                     compare_sentence, level_agreement, random_points_verdict,
                                                     overview_sentence, shell_sentence, tilt_sentence,
                                                     volume_sentence)

LABELS = {"cube": "cube points", "ball": "ball points"}


def test_level_agreement_uses_the_binomial_tolerance() -> None:
    se = math.sqrt(0.99 * 0.01 / 600)
    assert level_agreement(0.99 - 3.9 * se, 0.99, 600) == "within"
    assert level_agreement(0.99 - 4.1 * se, 0.99, 600) == "below"
    assert level_agreement(min(1.0, 0.99 + 4.1 * se), 0.99, 6000) == "above"


@pytest.mark.parametrize("share, words", [(0.99, "as a normal model"), (0.90, "fewer than a normal model"),
                                          (1.0, "more than a normal model")])
def test_calibration_sentence_branches(share: float, words: str) -> None:
    text = calibration_sentence(share, 0.2, 0.99, 6000, "hotelling")
    assert words in text and "sample covariance" in text and "20.0 %" in text and "6,000" in text
    assert "z-points predicts" in text


def test_calibration_sentence_names_the_shrinkage_region() -> None:
    text = calibration_sentence(0.99, 0.0, 0.99, 40, "ledoit-wolf")
    assert "Ledoit-Wolf shrinkage covariance" in text
    assert "as the training z-points' own cross-validated distances predict;" in text


def test_verdict_all_miss_and_rejected() -> None:
    text = random_points_verdict({"held_out": 0.99, "cube": 0.0, "ball": 0.01},
                                 {"held_out": 0.9, "cube": 0.0, "ball": 0.1}, LABELS)
    assert "As in the blog, these random points miss" in text
    assert "does not take the decoded random points for faces" in text
    assert "0.0 % of the cube points and 1.0 % of the ball points" in text and "hold 99 % of new" in text


def test_verdict_some_miss_some_rejected() -> None:
    text = random_points_verdict({"held_out": 0.99, "cube": 0.0, "ball": 0.5},
                                 {"held_out": 0.9, "cube": 0.1, "ball": 0.8}, LABELS)
    assert "Only the cube points miss the region clearly" in text
    assert "rejects the images of the cube points, not those of the others" in text


def test_verdict_none_miss_none_rejected() -> None:
    text = random_points_verdict({"held_out": 0.99, "cube": 0.5, "ball": 0.6},
                                 {"held_out": 0.9, "cube": 0.8, "ball": 0.9}, LABELS)
    assert "do not clearly miss" in text and "does not tell their images from faces" in text


def _shell_gaussian(dim: int = 256, seed: int = 0) -> tuple[Gaussian, np.ndarray]:
    g = Gaussian.from_moments(np.full(dim, 0.3), np.diag(np.linspace(0.05, 0.5, dim)))
    return g, np.linalg.norm(g.sample(4000, np.random.default_rng(seed)), axis=1)


def test_shell_sentence_thin_shell_matched_radius() -> None:
    g, r = _shell_gaussian()
    text = shell_sentence(r, g, {"ball points": r + 0.01, "cube points": r * 3})
    assert "a thin shell too" in text and ", as measured." in text
    assert "The ball points have the data's radius, so where they miss" in text


def test_shell_sentence_no_match_and_wrong_spread() -> None:
    g, r = _shell_gaussian()
    wide = r.mean() + 3 * (r - r.mean())  # three times the predicted spread
    text = shell_sentence(wide, g, {"cube points": r * 3})
    assert "None has the data's radius" in text and "times the predicted one" in text


def test_shell_sentence_not_a_thin_shell() -> None:
    g = Gaussian.from_moments(np.zeros(2), np.eye(2))
    r = np.linalg.norm(g.sample(4000, np.random.default_rng(1)), axis=1)
    assert "not a thin shell" in shell_sentence(r, g, {"cube points": r})


@pytest.mark.parametrize("mean, words", [(1.0, "not centred on the origin, and the origin lies farther out"),
                                         (0.3, "towards its border"),
                                         (0.1, "roughly centred")])
def test_centre_sentence_branches(mean: float, words: str) -> None:
    dim = 16
    g = Gaussian.from_moments(np.full(dim, mean), np.eye(dim) / 16)  # origin at d^2 = 256 mean^2
    text = centre_sentence(g, data_d2_median=dim - 2 / 3, threshold99=32.0)
    assert words in text and f"{math.sqrt(256) * mean:.1f} Mahalanobis units" in text


@pytest.mark.parametrize("r_top, words", [((0.8, -0.6), "clearly tilted ellipses, as in the blog"),
                                          ((0.35, 0.3), "slightly tilted ellipses, weaker than the blog's"),
                                          ((0.1, -0.05), "nearly axis-parallel, unlike the blog's")])
def test_tilt_sentence_branches(r_top: tuple[float, ...], words: str) -> None:
    assert words in tilt_sentence(r_top)


def test_volume_sentence_branches() -> None:
    terms = {"ratio": -80.0, "shape": -100.0, "size": -60.0, "cube": -80.0, "size_bias": -1.3}
    text = volume_sentence(terms, 0.0, 0.0, 100_000)
    assert "bias-corrected ratio is about 10^-79: still negligible" in text and "None of 100,000" in text
    text = volume_sentence({**terms, "ratio": -8.0, "size_bias": -5.0}, 1e-4, 3e-5, 100_000)
    assert "10^-3: no longer negligible" in text and "1.00e-04" in text
    assert "no closed-form bias" in volume_sentence({**terms, "size_bias": math.nan}, 0.0, 0.0, 10)


@pytest.mark.parametrize("b, words", [(1.5, "inside"), (0.4, "below"), (2.5, "above")])
def test_b_match_sentence_branches(b: float, words: str) -> None:
    assert f"{words} the blog's CelebA range" in b_match_sentence(b)


def _row(cube: float, covariance: str = "sample covariance") -> dict[str, float | str]:
    return {"cube points inside 99% region": cube, "cube b matching <|z|>": 1.2,
            "held-out inside 99% region": 0.98, "region covariance": covariance}


@pytest.mark.parametrize("cubes, words", [((0.0, 0.01), "agree that uniform cube points miss"),
                                          ((0.3, 0.4), "On no data set"), ((0.0, 0.4), "disagree")])
def test_compare_sentence_branches(cubes: tuple[float, float], words: str) -> None:
    text = compare_sentence({"synthfaces": _row(cubes[0]), "orl": _row(cubes[1], "Ledoit-Wolf shrinkage covariance")})
    assert words in text and text.startswith("On synthfaces") and "(Ledoit-Wolf shrinkage covariance)" in text


def test_compare_sentence_single_data_set_is_empty() -> None:
    assert compare_sentence({"synthfaces": _row(0.0)}) == ""


def test_overview_sentence_states_the_row() -> None:
    row = {**_row(0.004), "MND points inside 99% region": 0.99, "components non-normal (p<0.01)": 0.25,
           "median |skewness|": 0.1, "median excess kurtosis": 0.3, "pairs with |r| > 0.3": 0.02}
    text = overview_sentence("synthfaces", row)
    assert text.startswith("On synthfaces, a cube matched to the data's mean radius needs b = 1.20, inside")
    assert "0.4 % of its points" in text and "25.0 % of the components" in text and "2.0 % of component pairs" in text
