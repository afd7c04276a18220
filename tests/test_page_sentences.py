"""The result sentences and claims of chapters 1 and 2 (latent_fragments.pages.ae_basics and
component_distributions): one test per branch of the wording, at the sizes the book uses (full profile:
5,400 training and 600 held-out z-points in 256 dimensions; small profile: 60 held-out; ORL: 40)."""
from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest

from latent_fragments.pages import ae_basics as ch1
from latent_fragments.pages import component_distributions as ch2
from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.generators import IndependentNormal, UniformCube
from latent_fragments.stats.regions import PredictiveRegion

LABELS = {"cube": "cube points", "ball": "ball points"}
DIM, N_TRAIN, N_TEST = 256, 5400, 600



# --- chapter 1: the label table, or one sentence for data without labels ---------------------------------

def test_labels_sentence_names_what_the_table_holds():
    assert ch1.labels_sentence(["filename", "partition"]) == (
        "The data carry no labels (their table holds only `filename` and `partition`, which no statistic takes "
        "as a target), so there is no ground truth to show here; the sections that would use labels say so and "
        "go on without them.")


def test_labels_sentence_for_an_empty_table():
    assert ch1.labels_sentence([]).startswith("The data carry no labels, so there is no ground truth to show")


def test_label_table_shows_synthfaces_factors_as_before():
    labels = pd.DataFrame({"index": range(8), "yaw": np.linspace(0, 1, 8), "hair_style": [0, 1] * 4,
                           "sex": [0.123456] * 8})
    table = ch1.label_table(labels)
    assert list(table.columns) == ["sex", "hair style", "yaw"] and len(table) == 5  # SHOWN_LABELS' order
    assert table["sex"].iloc[0] == 0.12


def test_label_table_falls_back_to_the_data_sets_own_labels():
    labels = pd.DataFrame({"filename": [f"{i}.pgm" for i in range(10)], "identity": [1, 2] * 5, "shot": range(10)})
    assert list(ch1.label_table(labels).columns) == ["identity", "shot"]  # ORL: identity and shot


def test_label_table_of_data_without_labels_is_the_sentence():
    shown = ch1.label_table(pd.DataFrame({"filename": ["a.png", "b.png"], "partition": [0, 1]}))
    assert shown.data == ch1.labels_sentence(["filename", "partition"])  # an IPython Markdown display

# --- chapter 1: the calibration sentence (exact binomial test at 1 %) ------------------------------

@pytest.mark.parametrize("k, n, label", [(594, 600, "within"), (586, 600, "below"), (600, 600, "above"),
                                         (40, 40, "within"), (36, 40, "below"), (60, 60, "within")])
def test_level_agreement_at_the_book_sizes(k, n, label):
    assert ch1.level_agreement(k / n, 0.99, n) == label


@pytest.mark.parametrize("k, n, words", [(594, 600, "consistent with what a normal model"),
                                         (586, 600, "fewer than a normal model"),
                                         (600, 600, "more than a normal model")])
def test_calibration_sentence_branches_at_600_held_out_points(k, n, words):
    text = ch1.calibration_sentence(k / n, 0.2, 0.99, n, "hotelling")
    assert words in text and "sample covariance" in text and "20.0 %" in text and "600 held-out" in text
    assert "exact binomial test at the 1 % level" in text and "could not be detected" not in text


def test_calibration_sentence_says_when_above_cannot_be_detected():
    text = ch1.calibration_sentence(1.0, 0.0, 0.99, 40, "ledoit-wolf")
    assert "Ledoit-Wolf shrinkage covariance" in text
    assert "consistent with what the training z-points' own cross-validated distances predict" in text
    assert "with 40 points a share above 99 % could not be detected at all" in text


# --- chapter 1: random points ----------------------------------------------------------------------

@pytest.mark.parametrize("k, n, missed", [(0, 40, True), (0, 60, True), (2, 600, True), (3, 60, False),
                                          (50, 600, False)])
def test_misses_is_an_upper_bound_below_one_in_ten(k, n, missed):
    assert ch1.misses(k / n, n) is missed


def test_verdict_all_miss_and_rejected():
    text = ch1.random_points_verdict({"held_out": 0.99, "cube": 0.0, "ball": 1 / 60},
                                     {"held_out": 0.9, "cube": 0.0, "ball": 0.1}, LABELS, 60)
    assert "As in the blog, these random points miss" in text and "fewer than 1 in 10 inside" in text
    assert "does not take the decoded random points for faces" in text
    assert "0.0 % of the cube points and 1.7 % of the ball points" in text and "60 points each" in text


def test_verdict_some_miss_some_rejected():
    text = ch1.random_points_verdict({"held_out": 0.99, "cube": 0.0, "ball": 0.5},
                                     {"held_out": 0.9, "cube": 0.1, "ball": 0.8}, LABELS, 500)
    assert "Only the cube points miss the region clearly" in text
    assert "rejects the images of the cube points, not those of the others" in text


def test_verdict_none_miss_none_rejected():
    text = ch1.random_points_verdict({"held_out": 0.99, "cube": 0.5, "ball": 0.6},
                                     {"held_out": 0.9, "cube": 0.8, "ball": 0.9}, LABELS, 500)
    assert "do not clearly miss" in text and "does not tell their images from faces" in text


def test_verdict_rejection_needs_evidence_at_small_sizes():
    """Re-encoded 3 of 60 against 40 % for faces: the upper bound 13.9 % is under 20 %, so rejected;
    13 of 60 (upper bound 34 %) is not."""
    inside = {"held_out": 0.99, "cube": 0.0, "ball": 0.0}
    text = ch1.random_points_verdict(inside, {"held_out": 0.4, "cube": 3 / 60, "ball": 13 / 60}, LABELS, 60)
    assert "rejects the images of the cube points, not those of the others" in text


def _shell_gaussian(dim: int = 256, seed: int = 0) -> tuple[Gaussian, np.ndarray]:
    g = Gaussian.from_moments(np.full(dim, 0.3), np.diag(np.linspace(0.05, 0.5, dim)))
    return g, np.linalg.norm(g.sample(4000, np.random.default_rng(seed)), axis=1)


def test_shell_sentence_thin_shell_matched_radius():
    g, r = _shell_gaussian()
    text = ch1.shell_sentence(r, g, {"ball points": r + 0.01, "cube points": r * 3})
    assert "a thin shell too" in text and ", as measured." in text
    assert "The ball points have the data's radius, so where they miss" in text


def test_shell_sentence_no_match_and_wrong_spread():
    g, r = _shell_gaussian()
    wide = r.mean() + 3 * (r - r.mean())  # three times the predicted spread
    text = ch1.shell_sentence(wide, g, {"cube points": r * 3})
    assert "None has the data's radius" in text and "times the predicted one" in text


def test_shell_sentence_not_a_thin_shell():
    g = Gaussian.from_moments(np.zeros(2), np.eye(2))
    r = np.linalg.norm(g.sample(4000, np.random.default_rng(1)), axis=1)
    assert "not a thin shell" in ch1.shell_sentence(r, g, {"cube points": r})


def test_chapter_1_record():
    record = ch1.findings_record({"dataset": "synthfaces"}, {"held_out": 0.785, "cube": 0.0, "ball": 0.0},
                                 {"held_out": 0.9, "cube": 0.0, "ball": 0.0}, 0.7, 600, 500, "hotelling")
    held = record["held_out_in_region"]
    assert held["agreement"] == "below" and held["test_p"] < 1e-10 and held["interval95"][1] < 0.82
    assert record["claims"] == {} and record["settings"] == {"dataset": "synthfaces"} and record["n_random"] == 500


# --- chapter 2: the origin, out of sample, at the book's size ---------------------------------------

@pytest.fixture(scope="module")
def normal_cloud() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.standard_normal((N_TRAIN, DIM)), rng.standard_normal((N_TEST, DIM))


@pytest.mark.parametrize("offset, heavy, place, verdict, words", [
    (10.0, False, "bulk", "does not hold", "inside the bulk"),
    (17.6, False, "border", "holds", "near the region's border, as the blog found"),
    (19.5, True, "beyond", "partly", "though a few held-out z-points lie farther still"),
    (57.0, False, "outside", "does not hold", "far outside the region"),
])
def test_origin_branches_at_the_book_size(normal_cloud, offset, heavy, place, verdict, words):
    """A standard normal cloud whose centre lies ``offset`` from the origin (Mahalanobis units); with
    ``heavy``, a tenth of the held-out points lie twice as far out (heavier tails than the fit)."""
    z_train, z_test = normal_cloud
    shift = np.zeros(DIM)
    shift[0] = offset
    z_test = z_test * np.where(np.arange(N_TEST) % 10 == 0, 2.0, 1.0)[:, None] if heavy else z_test
    position = ch2.origin_position(PredictiveRegion.fit(z_train + shift), z_test + shift)
    assert position["d_origin"] == pytest.approx(offset, rel=0.05) and position["n_test"] == N_TEST
    assert 16.5 < position["borders"][0.9] < position["borders"][0.99] < position["borders"][0.999] < 19.5
    assert ch2.origin_place(position) == place
    assert words in ch2.centre_sentence(position)
    claim = ch2.origin_claim(position)
    assert claim["verdict"] == verdict and claim["section"] == "Chapter 2, Radii and the thin-shell law"
    assert f"of {N_TEST} held-out z-points lie as far out (95 % interval" in claim["figure"]


# --- chapter 2: the other claims --------------------------------------------------------------------

def test_centre_distance_interval_on_a_known_normal():
    g = Gaussian.from_moments(np.array([3.0, 4.0]), np.eye(2) * 25.0)
    d, lo, hi = ch2.centre_distance_interval(g, 100)
    assert d == pytest.approx(5.0) and hi - d == pytest.approx(1.96 * 0.5) and lo == pytest.approx(d - 0.98)


@pytest.mark.parametrize("distance, log10, verdict", [((2.0, 1.8, 2.2), -80.0, "holds"),
                                                      ((0.5, 0.1, 0.9), -80.0, "partly"),
                                                      ((2.0, 1.8, 2.2), -3.0, "partly"),
                                                      ((0.5, 0.1, 0.9), -3.0, "does not hold")])
def test_offcentre_claim_branches(distance, log10, verdict):
    terms = {"ratio": log10 - 1.0, "size_bias": -1.0}
    claim = ch2.offcentre_claim(distance, 8.0, terms)
    assert claim["verdict"] == verdict and f"10^{log10:.0f} of the matched cube" in claim["figure"]


def test_offcentre_claim_without_a_bias_correction():
    claim = ch2.offcentre_claim((2.0, 1.8, 2.2), 8.0, {"ratio": -3.0, "size_bias": math.nan})
    assert claim["verdict"] == "partly" and "10^-3 of the matched cube" in claim["figure"]


def test_shell_claim_holds_on_real_cube_points_at_the_chapter_size():
    rng = np.random.default_rng(3)
    b_values = np.linspace(0.25, 3.0, 12)
    samples = [np.linalg.norm(UniformCube(DIM, b).sample(2000, rng), axis=1) for b in b_values]
    means, stds = np.array([s.mean() for s in samples]), np.array([s.std(ddof=1) for s in samples])
    claim = ch2.shell_claim(b_values, DIM, means, stds, 2000)
    assert claim["verdict"] == "holds" and "at all 12 values of b (2,000 points each, N = 256)" in claim["figure"]
    assert ch2.shell_claim(b_values, DIM, means * 1.01, stds, 2000)["verdict"] == "partly"
    assert ch2.shell_claim(b_values, DIM, means, stds * 5, 2000)["verdict"] == "does not hold"


@pytest.mark.parametrize("n, cube, ball, verdict", [(600, 0.0, 0.0, "holds"), (60, 0.0, 0.0, "holds"),
                                                    (600, 0.0, 0.3, "partly"), (60, 0.2, 0.3, "does not hold")])
def test_miss_claim_branches(n, cube, ball, verdict):
    report = pd.DataFrame([{"kind": "held_out", "inside 99% region": 0.98},
                           {"kind": "cube", "inside 99% region": cube}, {"kind": "ball", "inside 99% region": ball}])
    claim = ch2.miss_claim(report, n)
    assert claim["verdict"] == verdict and f"of {n:,} radius-matched points" in claim["figure"]
    assert "(held-out: 98.0 %)" in claim["figure"]


def test_chapter_2_record_needs_its_four_claims():
    claim = {"verdict": "holds", "figure": "", "section": "", "why": ""}
    keys = ("cube_shell", "statistical_points_miss", "offcentre_region", "origin_near_border")
    record = ch2.findings_record({"z_dim": 256}, {k: claim for k in keys}, n_test=600)
    assert set(record["claims"]) == set(keys) and record["n_test"] == 600
    with pytest.raises(ValueError, match="decides exactly"):
        ch2.findings_record({}, {"cube_shell": claim})


# --- chapter 2: what the independent normals show ---------------------------------------------------

def _images(spread: float, n: int = 100) -> np.ndarray:
    rng = np.random.default_rng(int(spread * 10))
    return np.clip(128 + spread * 40 * rng.standard_normal((n, 8, 8, 3)), 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=2)
def _correlated_cloud(isotropic: bool) -> tuple[Gaussian, np.ndarray, np.ndarray]:
    """Training and held-out points of a normal with 8 strong rotated axes (or an isotropic one)."""
    rng = np.random.default_rng(5)
    sigmas = np.ones(DIM) if isotropic else np.r_[np.full(8, 6.0), np.full(DIM - 8, 0.5)]
    q, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
    z_train = (rng.standard_normal((N_TRAIN, DIM)) * sigmas) @ q.T
    return Gaussian.fit(z_train), z_train, (rng.standard_normal((N_TEST, DIM)) * sigmas) @ q.T


@pytest.mark.parametrize("isotropic, ind_spread, words", [
    (False, 0.3, "similar, washed-out average faces"),
    (False, 1.0, "even so, the minor axes vary their images as much as real faces vary"),
    (True, 0.3, "as far as the data, so staying near the centre does not explain their images here"),
])
def test_independent_normals_branches_at_the_book_size(isotropic, ind_spread, words):
    """On a cloud with a few strong correlated axes, independent normals stay near the centre along the
    leading axes; on an isotropic cloud they spread as far as the data."""
    gaussian, z_train, z_test = _correlated_cloud(isotropic)
    rng = np.random.default_rng(6)
    z_ind = IndependentNormal.fit(z_train).sample(N_TEST, rng)
    text = ch2.independent_normals_numbers(gaussian, z_ind, z_test, _images(ind_spread), _images(1.0), 0.0)[
        "ind_sentence"]
    assert words in text and text.startswith("Independent normals land in the 99 % region 0.0 % of the time")


# --- chapter 2: the other sentences -----------------------------------------------------------------

@pytest.mark.parametrize("r_top, words", [((0.8, -0.6), "clearly tilted ellipses, as in the blog"),
                                          ((0.35, 0.3), "slightly tilted ellipses, weaker than the blog's"),
                                          ((0.1, -0.05), "nearly axis-parallel, unlike the blog's")])
def test_tilt_sentence_branches(r_top, words):
    assert words in ch2.tilt_sentence(r_top)


def test_volume_sentence_branches():
    terms = {"ratio": -80.0, "shape": -100.0, "size": -60.0, "cube": -80.0, "size_bias": -1.3}
    text = ch2.volume_sentence(terms, 0.0, 0.0, 100_000)
    assert "bias-corrected ratio is about 10^-79: still negligible" in text and "None of 100,000" in text
    text = ch2.volume_sentence({**terms, "ratio": -8.0, "size_bias": -5.0}, 1e-4, 3e-5, 100_000)
    assert "10^-3: no longer negligible" in text and "1.00e-04" in text
    assert "no closed-form bias" in ch2.volume_sentence({**terms, "size_bias": math.nan}, 0.0, 0.0, 10)


@pytest.mark.parametrize("b, words", [(1.5, "inside"), (0.4, "below"), (2.5, "above")])
def test_b_match_sentence_branches(b, words):
    assert f"{words} the blog's CelebA range" in ch2.b_match_sentence(b)


def _row(cube: float, covariance: str = "sample covariance") -> dict[str, float | str]:
    return {"cube points inside 99% region": cube, "cube b matching <|z|>": 1.2,
            "held-out inside 99% region": 0.98, "region covariance": covariance}


@pytest.mark.parametrize("cubes, words", [((0.0, 0.0), "agree that uniform cube points miss"),
                                          ((0.3, 0.4), "On no data set"), ((0.0, 0.4), "disagree")])
def test_compare_sentence_branches_at_600_and_40_points(cubes, words):
    rows = {"synthfaces": _row(cubes[0]), "orl": _row(cubes[1], "Ledoit-Wolf shrinkage covariance")}
    text = ch2.compare_sentence(rows, {"synthfaces": 600, "orl": 40})
    assert words in text and text.startswith("On synthfaces") and "(Ledoit-Wolf shrinkage covariance)" in text
    assert "of 40 radius-matched cube points" in text


def test_compare_sentence_single_data_set_is_empty():
    assert ch2.compare_sentence({"synthfaces": _row(0.0)}, {"synthfaces": 600}) == ""


def test_overview_sentence_states_the_row():
    row = {**_row(0.004), "MND points inside 99% region": 0.99, "components non-normal (p<0.01)": 0.25,
           "median |skewness|": 0.1, "median excess kurtosis": 0.3, "pairs with |r| > 0.3": 0.02}
    text = ch2.overview_sentence("synthfaces", row)
    assert text.startswith("On synthfaces, a cube matched to the data's mean radius needs b = 1.20, inside")
    assert "0.4 % of its points" in text and "25.0 % of the components" in text and "2.0 % of component pairs" in text
