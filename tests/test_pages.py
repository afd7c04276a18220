"""The numbers the chapter pages quote (latent_fragments.pages): each function on inputs whose numbers
are known, and the one branch each (comparison run or none)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from latent_fragments.pages import Numbers
from latent_fragments.pages import ae_basics as ch1
from latent_fragments.pages import component_distributions as ch2
from latent_fragments.stats.components import component_summary, strongest_pairs
from latent_fragments.stats.regions import PredictiveRegion


def test_numbers_is_a_mapping_that_merges():
    merged = Numbers({"a": "1"}) | {"b": "2"}
    assert dict(merged) == {"a": "1", "b": "2"} and len(merged) == 2 and merged["b"] == "2"


def test_numbers_glue_publishes_every_value(monkeypatch):
    glued = {}
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: glued.update({name: (value, display)}))
    Numbers({"x": "1.0", "y": "two"}).glue()
    assert glued == {"x": ("1.0", False), "y": ("two", False)}


def test_data_numbers_of_the_blog_images():
    numbers = ch1.data_numbers((96, 96, 3), 256, 6000, "synthfaces")
    assert dict(numbers) == {"ivs_dim": "27,648", "z_dim": "256", "compression": "108", "n_images": "6,000",
                             "dataset": "synthfaces"}


def test_model_numbers_sum_each_half():
    table = [{"model": "encoder", "parameters": 896}, {"model": "encoder", "parameters": 1_000_000},
             {"model": "decoder", "parameters": 867}, {"model": "decoder", "parameters": 0}]
    assert dict(ch1.model_numbers(table)) == {"params_encoder": "1,000,896", "params_decoder": "867"}


def test_training_numbers_take_the_last_epoch_and_the_median_speed():
    history = [{"loss": 0.7, "val_loss": 0.71, "mse": 0.05, "val_mse": 0.051, "images_per_s": 10.0},
               {"loss": 0.6, "val_loss": 0.62, "mse": 0.04, "val_mse": 0.042, "images_per_s": 50.0},
               {"loss": 0.5, "val_loss": 0.53, "mse": 0.03, "val_mse": 0.033, "images_per_s": 40.0}]
    numbers = ch1.training_numbers(history, 64, 5400, 600)
    assert dict(numbers) == {"batch_size": "64", "n_train": "5,400", "n_test": "600", "epochs": "3",
                             "loss_train": "0.5000", "loss_test": "0.5300", "mse_train": "0.0300",
                             "mse_test": "0.0330", "img_per_s": "40"}


def test_reconstruction_numbers_are_medians_and_their_ratio():
    numbers = ch1.reconstruction_numbers(np.array([0.01, 0.02, 0.03]), np.array([0.04, 0.03, 0.05, 0.06]))
    assert dict(numbers) == {"recon_mse_train": "0.0200", "recon_mse_test": "0.0450", "recon_ratio": "2.25"}


def test_random_set_numbers():
    assert dict(ch1.random_set_numbers(1.234, 9.876, 500)) == {"cube_b": "1.23", "ball_r": "9.88",
                                                               "n_random": "500"}


def test_random_points_numbers_ratios_and_sentences():
    medians = {"held_out": 0.1, "reconstruction": 0.12, "cube": 0.25, "ball": 0.3}
    inside = {"held_out": 0.99, "cube": 0.0, "ball": 0.0}
    reencoded = {"held_out": 0.95, "cube": 0.1, "ball": 0.2}
    numbers = ch1.random_points_numbers(medians, inside, reencoded, 0.97, 1000, "hotelling", 500)
    assert (numbers["nn_test"], numbers["nn_recon"], numbers["nn_cube"], numbers["nn_ball"]) == (
        "0.100", "0.120", "0.250", "0.300")
    assert (numbers["nn_cube_ratio"], numbers["nn_ball_ratio"]) == ("2.5", "3.0")
    assert "holds 99.0 % of the 1,000 held-out z-points" in numbers["calibration"]
    assert "As in the blog, these random points miss the region" in numbers["verdict"]


def test_cloud_and_component_numbers_on_a_standard_normal():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4000, 8)) + np.array([0, 0, 0, 0, 0, 0, 2.0, -2.0])
    numbers = ch2.component_numbers(component_summary(z))
    assert dict(ch2.cloud_numbers(4000, 400, 8)) == {"n_train": "4,000", "n_test": "400", "N": "8"}
    # 8 normal components: the 1 % test rejects none (P(any) ~ 8 %, allowed), skew ~ 0 +- 0.04
    assert numbers["share_nonnormal"] in ("0 %", "12 %")
    assert abs(float(numbers["med_abs_skew"])) < 0.1 and abs(float(numbers["med_kurt"])) < 0.2
    assert numbers["share_off_centre"] == "25 %"  # the two shifted components, |mean| = 2 > std / 2
    lo, hi = (float(v) for v in numbers["std_range"].split(" to "))
    assert 0.95 < lo <= hi < 1.05


def test_shell_law_numbers_in_standard_errors():
    b_values = np.array([1.0, 2.0])
    theory = np.array([np.sqrt(256 / 3), 2 * np.sqrt(256 / 3)])
    means, stds = theory + np.array([0.0, 0.3]), np.array([1.0, 1.0])
    numbers = ch2.shell_law_numbers(b_values, 256, means, stds, 100)
    exact = ch2.thin_shell_radius(2.0, 256)[0]
    assert numbers["n_shell"] == "100"
    assert float(numbers["shell_max_dev"]) == pytest.approx(abs(theory[1] + 0.3 - exact) * 10, abs=0.06)


def test_radius_and_correlation_numbers_on_a_correlated_normal():
    rng = np.random.default_rng(1)
    cov = np.eye(6)
    cov[0, 1] = cov[1, 0] = 0.8
    z = rng.multivariate_normal(np.full(6, 3.0), cov, size=3000)
    region = PredictiveRegion.fit(z)
    centre = z.mean(axis=0)
    r, r_c = np.linalg.norm(z, axis=1), np.linalg.norm(z - centre, axis=1)
    numbers = ch2.radius_numbers(r, r_c, centre, 1.5, region, z[:300])
    assert float(numbers["centre_dist"]) == pytest.approx(np.sqrt(6 * 9), abs=0.1)
    assert numbers["centre_sentence"] == ch2.centre_sentence(ch2.origin_position(region, z[:300]))
    assert "inside the blog's CelebA range" in numbers["b_vs_blog"]
    corr = np.corrcoef(z, rowvar=False)
    corr_numbers = ch2.correlation_numbers(corr, strongest_pairs(corr, k=3))
    assert corr_numbers["n_pairs"] == "15" and corr_numbers["share_strong"] == "6.7 %"  # 1 of 15 pairs
    assert float(corr_numbers["r_max"]) == pytest.approx(0.8, abs=0.03)


def test_generator_numbers_read_the_report():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((2000, 4))
    region = PredictiveRegion.fit(z)
    report = pd.DataFrame([
        {"kind": "held_out", "median Mahalanobis": 1.9, "inside 99% region": 0.99},
        {"kind": "cube", "median Mahalanobis": 7.26, "inside 99% region": 0.0},
        {"kind": "independent_normals", "median Mahalanobis": 2.5, "inside 99% region": 0.8},
        {"kind": "mnd", "median Mahalanobis": 1.9, "inside 99% region": 0.991},
    ])
    numbers = ch2.generator_numbers(report, 1.23, region, 0.98, 200)
    assert (numbers["b_match"], numbers["cube_in99"], numbers["ind_in99"], numbers["mnd_in99"]) == (
        "1.23", "0.0 %", "80.0 %", "99.1 %")
    assert (numbers["cube_maha"], numbers["test_maha"], numbers["expected_maha"]) == ("7.3", "1.9", "1.8")
    assert "of the 200 held-out z-points" in numbers["calibration"]


def test_volume_numbers_round_the_log_fraction():
    terms = {"ratio": -41.6, "shape": -30.0, "size": 20.0, "cube": 31.6, "size_bias": -1.0}
    numbers = ch2.volume_numbers(terms, 0.0, 0.0, 1000)
    assert numbers["log10_fraction"] == "-42" and numbers["volume_sentence"]


def test_compare_numbers_with_and_without_a_second_run():
    assert dict(ch2.compare_numbers(None)) == {"compare_name": "none", "compare_epochs": "n/a",
                                                "compare_batch": "n/a", "compare_loss": "n/a"}
    other = SimpleNamespace(config=SimpleNamespace(epochs=40, batch_size=32),
                            history=[{"val_loss": 0.69}, {"val_loss": 0.5512}])
    assert dict(ch2.compare_numbers("orl", other)) == {"compare_name": "orl", "compare_epochs": "40",
                                                       "compare_batch": "32",
                                                       "compare_loss": "0.5512 (start 0.6900)"}


# --- chapter 3 --------------------------------------------------------------------------------------

from latent_fragments.pages import pca_fragment as ch3  # noqa: E402
from latent_fragments.stats.gaussian import Gaussian  # noqa: E402


def _fragment(n: int = 4000) -> tuple[Gaussian, np.ndarray]:
    """A normal cloud in 8 dimensions with standard deviations 8, 4, 2, 1, 0.5, 0.5, 0.5, 0.5 along
    rotated axes, centred at (3, 0, ..., 0)."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    sigmas = np.array([8, 4, 2, 1, 0.5, 0.5, 0.5, 0.5])
    z = (rng.standard_normal((n, 8)) * sigmas) @ q.T + np.eye(8)[0] * 3
    return Gaussian.fit(z), z


def test_shape_numbers_count_the_axes_of_a_known_spectrum():
    frag, _ = _fragment()
    numbers = ch3.shape_numbers(frag)
    # variances 64, 16, 4, 1, 4 x 0.25 of 86: 2 axes hold 93 %, 3 hold 97.7 %, 5 hold 99.1 %
    assert (numbers["n95"], numbers["n99"]) == ("3", "5")
    assert numbers["shape_sentence"].startswith("2 of the 8 axes carry 90 % of the variance")


def test_origin_numbers_count_the_thin_axes():
    frag, z = _fragment()
    summary = {"n_axes": 2, "subspace_share_closer": 0.5, "subspace_mahalanobis": 0.4,
               "subspace_mahalanobis_lo": 0.3, "subspace_mahalanobis_hi": 0.5, "subspace_median_point": 1.2,
               "full_mahalanobis": 0.4, "full_mahalanobis_lo": 0.3, "full_mahalanobis_hi": 0.5,
               "full_share_closer": 0.01, "full_median_point": 2.7}
    numbers = ch3.origin_numbers(frag, {"origin_radius_ratio": 0.35}, summary)
    assert numbers["origin_full"] == ch3.full_origin_sentence(summary, 4, 8)  # 0.5 < 0.8: four thin axes
    assert "0.35 times" in numbers["origin_euclidean"] and "inside the bulk" in numbers["origin_subspace"]


def test_normality_numbers_share_of_rejections():
    per_pc = pd.DataFrame({"shapiro_p": [0.001] * 3 + [0.5] * 7 + [0.001] * 10})
    assert dict(ch3.normality_numbers(per_pc)) == {"share_sw": "65 %", "share_sw_lead": "30 %"}


@pytest.mark.parametrize("hz_p, shown", [(0.0123, "0.012"), (0.0, "0 (below double precision)")])
def test_core_numbers_format_the_p_value(hz_p, shown):
    core = {"core_share": 0.9, "core_share_mnd": 0.5, "hz_p": hz_p, "hz_dims": 10.0, "hz_n": 2000.0}
    numbers = ch3.core_numbers(core, 256)
    assert (numbers["hz_p"], numbers["hz_dims"], numbers["hz_n"]) == (shown, "10", "2,000")
    assert numbers["hz_verdict"] == ch3.hz_sentence(hz_p) and "lighter" in numbers["core_sentence"]


def test_path_numbers_measure_the_line_in_the_fragment():
    frag, z = _fragment()
    line = np.linspace(z[0], z[1], 11)
    expected = ch3.path_sentence(frag.mahalanobis(line, squared=True), frag.mahalanobis(z, squared=True), 8)
    assert ch3.path_numbers(frag, line, z)["path_sentence"] == expected


def test_association_numbers_pick_the_strongest_label_of_pc1():
    association = pd.DataFrame({"PC1": [0.1, 0.87, 0.3], "PC2": [0.9, 0.0, 0.0]}, index=["age", "yaw", "smile"])
    assert dict(ch3.association_numbers(association)) == {
        "pc1_sentence": "The first principal axis goes most strongly with the label yaw (|r| or η = 0.87)."}
    assert ch3.association_sentence(association.iloc[:0]).startswith("The data carry no labels")


def test_association_display_strongest_first_and_nothing_without_labels():
    association = pd.DataFrame({"PC1": [0.1, 0.87, 0.3], "PC2": [0.9, 0.0, 0.0]},
                               index=["skin_tone", "yaw", "smile"])
    shown = ch3.association_display(association, n_labels=2)
    assert list(shown.data.index) == ["skin tone", "yaw"] and "0.87" in shown.to_html()
    assert ch3.association_display(association.iloc[:0]) is None


def test_quality_numbers_word_the_table():
    rows = {"held_out": (1.0, 0.8, 1.2, 0.001, 0.7, 0.7, 0.4), "mnd": (2.0, 1.8, 2.2, 0.002, 0.6, 0.5, 0.01),
            "gmm_10": (3.0, 2.8, 3.2, 0.004, 0.5, 0.4, 0.01), "cube": (40.0, 38.0, 42.0, 0.5, 0.01, 0.0, 0.01)}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["FD", "FD_lo", "FD_hi", "KID", "precision",
                                                                  "recall", "p_same"])
    for key in ("precision", "recall", "KID"):
        table[f"{key}_lo"], table[f"{key}_hi"] = table[key] * 0.9, table[key] * 1.1
    labels = {"held_out": "held-out images", "mnd": "MND", "gmm_10": "GMM k=10", "cube": "cube"}
    numbers = ch3.quality_numbers(table, labels, ["mnd", "gmm_10", "cube"], "cube", ["mnd", "gmm_10"],
                                  ["gmm_10"], "held_out")
    assert numbers["feature_sentence"].endswith("the features tell decoded cube points from faces.")
    assert "Every density model of the z-points is ahead of the cube" in numbers["ranking"]
    assert "every generator's images from real ones" in numbers["distinguishable"]
    assert numbers["mixture_samples"].endswith("the mixture's samples are worse.")


# --- chapter 4 --------------------------------------------------------------------------------------

from latent_fragments.pages import filaments as ch4  # noqa: E402


def test_sample_and_cluster_numbers():
    assert dict(ch4.sample_numbers(6000, 153000, 19)) == {"n_points": "6,000", "n_all": "153,000", "n_null": "19"}
    numbers = ch4.cluster_numbers({"n_clusters": 3}, [{"n_clusters": 0}, {"n_clusters": 1}])
    assert dict(numbers) == {"data_clusters": "3", "null_clusters": "0, 1"}


def test_outlier_numbers_on_a_gaussian_cloud():
    from latent_fragments.stats.filaments import radial_outlier_profile

    rng = np.random.default_rng(4)
    z = rng.standard_normal((20000, 16))
    numbers = ch4.outlier_numbers(radial_outlier_profile(z, np.zeros(16), np.eye(16)))
    # any of 16 axes beyond 3 sigma: 1 - 0.9973^16 = 4.2 %; observed within 3 SE (0.14 %) of it
    assert numbers["out_axis3_mnd"] == "4.2 %"
    assert abs(float(numbers["out_axis3"].split()[0]) - 4.2) < 0.5
    assert numbers["tails"]


def test_scale_table_and_whole_cloud_numbers_with_and_without_the_whole_cloud():
    sample = {"points": 600.0, "mean 1-NN distance": 1.0, "mean 20-NN distance": 2.0, "TwoNN dimension": 9.04,
              "Levina–Bickel dimension": 8.0}
    whole = {**sample, "points": 6000.0, "TwoNN dimension": 10.0}
    assert list(ch4.scale_table(sample, None, 600).columns) == ["sample of 600"]
    both = ch4.scale_table(sample, whole, 6000)
    assert list(both.columns) == ["sample of 600", "all 6,000"] and both.loc["TwoNN dimension"].tolist() == [9.04, 10.0]
    assert "nothing more" in ch4.whole_cloud_numbers(sample, None)["whole_note"]
    assert "TwoNN 9.0 on the sample of 600 against 10.0" in ch4.whole_cloud_numbers(sample, whole)["whole_note"]


def test_carriage_numbers_without_labels():
    assert ch4.carriage_numbers(pd.DataFrame())["carriage"].startswith("The run has no discrete labels")
    only_continuous = pd.DataFrame({"filename": ["a", "b", "c"], "yaw": [0.1, 0.5, 0.9]})
    assert ch4.carriage_numbers(pd.DataFrame(), only_continuous)["carriage"].startswith("The run has no discrete")
    unlabelled = pd.DataFrame({"filename": ["a", "b", "c"], "partition": [0, 1, 2]})
    assert ch4.carriage_numbers(pd.DataFrame(), unlabelled)["carriage"] == ch4.carriage_sentence(pd.DataFrame(), False)


def test_carriage_sentence_for_data_without_labels():
    assert ch4.carriage_sentence(pd.DataFrame(), labelled=False) == (
        "The data carry no labels, so what the small scales carry cannot be asked here; the page goes on with the "
        "whole cloud.")
    assert ch4.carriage_display(pd.DataFrame()) is None
