"""Chapter 3's interactive explorer: the precomputed data (latent_fragments.pages.explorer) and the Bokeh
figures (latent_fragments.plots.explorer), on a small Gaussian cloud and a stand-in run whose decoder is a
known function of the z-point. The browser checks of the built page are in test_rendered_book.py."""
from __future__ import annotations

import base64
import io
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from latent_fragments.pages import explorer
from latent_fragments.plots import explorer as explorer_plots
from latent_fragments.plots.style import COLORS
from latent_fragments.stats.gaussian import Gaussian
from latent_fragments.stats.generators import (
    MultivariateNormal, TruncatedNormal, UniformCube, UniformEllipsoid)

DIM = 8
#: http(s) addresses in the src or href attribute of a script, link or img tag
NETWORK_REFERENCE = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


class StandInRun:
    """What the explorer reads from a run: images, labels, a decoder. The decoder paints the whole image
    with a grey level that grows with the first coordinate, and counts what it decodes."""

    def __init__(self, n: int = 400, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.z_train = rng.normal(size=(n, DIM)) * np.linspace(3.0, 0.5, DIM) + 1.0
        self.train_idx = np.arange(n)[::-1].copy()
        images = np.zeros((n, 24, 24, 3), dtype=np.uint8)
        images[:, :, :, 0] = (np.arange(n) % 256)[:, None, None]
        self.faces = SimpleNamespace(images=images)
        self.config = SimpleNamespace(dataset="synthfaces")
        self._labels = pd.DataFrame({"hair": rng.integers(0, 4, n), "skin": self.z_train[:, 0] * 0.1,
                                     "noise": rng.normal(size=n)})
        self.decoded = 0

    def labels(self, split: str) -> pd.DataFrame:
        assert split == "train"
        return self._labels

    def decode(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z)
        self.decoded += len(z)
        grey = np.clip(128 + 20 * z[:, 0], 0, 255).astype(np.uint8)
        return np.broadcast_to(grey[:, None, None, None], (len(z), 24, 24, 3)).copy()


def decode_url(url: str) -> np.ndarray:
    prefix = "data:image/jpeg;base64,"
    assert url.startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url[len(prefix):]))))


@pytest.fixture(scope="module")
def run():
    return StandInRun()


@pytest.fixture(scope="module")
def frag(run):
    return Gaussian.fit(run.z_train)


def association(run, frag):
    from latent_fragments.stats.fragment import pc_label_association

    return pc_label_association(frag.to_pca(run.z_train), run.labels("train"), n_pcs=6)


def test_hover_rows_are_a_fixed_sorted_subsample_capped_at_1000():
    rows = explorer.hover_rows(5000, 1000, seed=3)
    assert len(rows) == 1000 == len(np.unique(rows)) and np.all(np.diff(rows) > 0) and rows[-1] < 5000
    np.testing.assert_array_equal(rows, explorer.hover_rows(5000, 1000, seed=3))
    np.testing.assert_array_equal(explorer.hover_rows(50, 300), np.arange(50))
    for bad in (0, 1001):
        with pytest.raises(ValueError, match="between 1 and 1000"):
            explorer.hover_rows(5000, bad)


def test_axis_points_walk_one_axis_at_a_time_in_sigmas(frag):
    z = explorer.axis_points(frag, n_axes=5, steps=13)
    assert z.shape == (5 * 13, DIM)
    white = frag.whiten(z)
    t = np.linspace(-3, 3, 13)
    for axis in range(5):
        block = white[axis * 13:(axis + 1) * 13]
        np.testing.assert_allclose(block[:, axis], t, atol=1e-9)
        np.testing.assert_allclose(np.delete(block, axis, axis=1), 0.0, atol=1e-9)


def test_plane_points_are_row_major_over_pc1_then_pc2(frag):
    z = explorer.plane_points(frag, steps=7)
    white = frag.whiten(z)
    t = np.linspace(-3, 3, 7)
    assert z.shape == (49, DIM)
    np.testing.assert_allclose(white[2 * 7 + 5, :2], [t[2], t[5]], atol=1e-9)
    np.testing.assert_allclose(white[:, 2:], 0.0, atol=1e-9)


def test_ordered_samples_go_from_the_centre_outwards(frag):
    z = frag.sample(200, np.random.default_rng(1))
    picks, distance = explorer.ordered_samples(frag, z, 12)
    all_distances = frag.mahalanobis(z)
    assert len(picks) == 12 and np.all(np.diff(distance) >= 0)
    assert distance[0] == pytest.approx(all_distances.min())
    assert distance[-1] == pytest.approx(all_distances.max())
    np.testing.assert_allclose(distance, all_distances[picks])
    assert len(explorer.ordered_samples(frag, z[:5], 12)[0]) == 5


def test_factor_codes_rank_categories_and_clip_continuous_labels():
    codes, caption = explorer.factor_codes(pd.Series([3, 1, 2, 3, 1], name="hair"))
    np.testing.assert_array_equal(codes, [255, 0, 128, 255, 0])
    assert caption == "hair: 3 levels, 1 (dark) to 3 (bright)" and codes.dtype == np.uint8
    values = pd.Series(np.linspace(0.0, 1.0, 101), name="skin")
    codes, caption = explorer.factor_codes(values)
    assert codes[0] == 0 and codes[-1] == 255 and codes[50] == 128 and caption.startswith("skin: 0.01")


def test_walk_generators_takes_the_first_of_each_kind_in_order(run):
    z = run.z_train
    gens = [UniformCube(DIM, 1.0), TruncatedNormal.fit(z, 2.0), MultivariateNormal.fit(z, name="MND"),
            MultivariateNormal.fit(z, name="second"), UniformEllipsoid.fit(z)]
    chosen = explorer.walk_generators(gens)
    assert [g.kind for g in chosen] == ["mnd", "ellipsoid", "cube"] and chosen[0].label == "MND"


def test_colouring_sentence_names_the_first_colour(run, frag):
    view = explorer.fragment_view(run, frag, run.z_train, association(run, frag), n_hover=10, seed=2)
    assert explorer.colouring_numbers(view)["explorer_colouring"] == (
        "The points are coloured first by skin, the offered label most strongly associated with the first "
        "principal axis (the menu offers 3).")


def test_colouring_sentence_for_data_without_labels(run, frag):
    view = explorer.fragment_view(run, frag, run.z_train, association(run, frag).iloc[:0], n_hover=10, seed=2)
    assert view.default is None and not view.factors
    assert explorer.colouring_sentence(view).startswith("The data carry no labels, so the points keep one colour")


def test_fragment_view_decodes_only_the_subsample(run, frag):
    before = run.decoded
    view = explorer.fragment_view(run, frag, run.z_train, association(run, frag), n_hover=100, seed=2)
    assert run.decoded - before == 100
    assert view.scores.shape == (400, 6) and view.scores.dtype == np.float32
    np.testing.assert_allclose(view.scores, frag.to_pca(run.z_train, 6), rtol=1e-5, atol=1e-5)
    assert len(view.thumbnails) == len(view.hover_rows) == 100
    assert view.default == "skin" and set(view.factors) == {"hair", "skin", "noise"}
    # a thumbnail is the training image (red level = its index) beside its reconstruction (grey level)
    row = int(view.hover_rows[7])
    thumb = decode_url(view.thumbnails[7]).astype(int)
    assert thumb.shape == (32, 64, 3)
    assert abs(thumb[16, 8, 0] - run.faces.images[run.train_idx[row]][0, 0, 0]) <= 12
    assert abs(thumb[16, 48, 1] - run.decode(run.z_train[row:row + 1])[0, 0, 0, 1]) <= 12


def frame_of(frames, k: int, size: int = 64) -> np.ndarray:
    """Frame ``k`` of a sheet of frames (row ``k // n_cols``, column ``k % n_cols``)."""
    sheet = decode_url(frames.url)
    assert sheet.shape[:2] == (frames.n_rows * size, frames.n_cols * size)
    row, col = divmod(k, frames.n_cols)
    return sheet[row * size:(row + 1) * size, col * size:(col + 1) * size]


def test_axis_walk_frames_are_in_slider_order(run, frag):
    z = MultivariateNormal.fit(run.z_train).sample(30, np.random.default_rng(0))
    images = run.decode(z)
    before = run.decoded
    walk = explorer.axis_walk(run, frag, {"MND": ("mnd", z, images)})
    assert run.decoded - before == 5 * 13 + 49  # the generator's images are reused, not decoded again
    assert [f.label for f in walk.axes] == ["PC1", "PC2", "PC3", "PC4", "PC5"]
    assert all((f.n_rows, f.n_cols) == (1, 13) for f in walk.axes)
    assert (walk.grid.n_rows, walk.grid.n) == (7, 49)
    expected = run.decode(explorer.axis_points(frag))[:13, 0, 0, 0].astype(int)
    shown = [int(frame_of(walk.axes[0], k)[32, 32, 0]) for k in range(13)]
    np.testing.assert_allclose(shown, expected, atol=6)
    expected = run.decode(explorer.plane_points(frag))[:, 0, 0, 0].astype(int)
    grid = [int(frame_of(walk.grid, k)[32, 32, 0]) for k in (0, 9, 48)]
    np.testing.assert_allclose(grid, expected[[0, 9, 48]], atol=6)
    gen = walk.generators[0]
    assert gen.label == "MND" and gen.n == 12 and np.all(np.diff(gen.values) >= 0)
    picks, _ = explorer.ordered_samples(frag, z, 12)
    np.testing.assert_allclose(frame_of(gen, 11)[32, 32, 0], images[picks[11]][0, 0, 0], atol=6)
    assert walk.sheet.shape[0] == 5 * 24 + 4 * 2 and walk.sheet.shape[1] == 13 * 24 + 12 * 2


def test_bokeh_is_inline_and_nothing_comes_from_the_network():
    page = explorer_plots.load_bokeh().html
    assert "BEGIN bokeh.min.js" in page and "BEGIN bokeh-widgets.min.js" in page
    assert "bokeh-mathjax" not in page and "bokeh-tables" not in page  # megabytes the figures do not use
    assert not re.search(r"<script\b[^>]*\bsrc=", page) and not NETWORK_REFERENCE.search(page)
    assert "@media print" in page and "#lf-selftest" in page
    assert NETWORK_REFERENCE.search('<script src="https://cdn.bokeh.org/bokeh.js"></script>')


def test_explorer_sources_hold_points_thumbnails_and_switch_planes(run, frag):
    view = explorer.fragment_view(run, frag, run.z_train, association(run, frag), n_hover=50)
    layout = explorer_plots.fragment_layout(view)
    hover = layout.select_one({"name": "lf-explorer-hover"})
    assert list(hover.data["url"]) == view.thumbnails and len(hover.data["pc1"]) == 50
    np.testing.assert_array_equal(hover.data["pc3"], view.scores[view.hover_rows, 2])
    np.testing.assert_array_equal(hover.data["f:skin"], view.factors["skin"][view.hover_rows])
    plain = layout.select_one({"name": "lf-explorer-points"}).data
    assert len(plain["pc1"]) == 350 and set(plain) == set(hover.data) - {"url", "row"}  # the rest, plain
    ringed = layout.select_one({"name": "lf-explorer-ringed"}).glyph
    assert (ringed.x, ringed.y, ringed.fill_color["field"]) == ("pc1", "pc2", "f:skin")
    share = 100 * frag.explained_ratio[1]
    assert layout.select_one({"name": "lf-explorer-figure"}).yaxis[0].axis_label == (
        f"PC2 score ({share:.1f} % of the variance)")
    plane = layout.select_one({"name": "lf-explorer-plane"})
    assert len(plane.options) == 15 and plane.options[0] == "PC1 / PC2" and plane.options[-1] == "PC5 / PC6"
    factor = layout.select_one({"name": "lf-explorer-factor"})
    assert factor.value == "skin" and factor.options[-1] == "none"
    markup = explorer_plots.fragment_explorer(view).html
    assert 'class="lf-explorer"' in markup and 'class="lf-print" src="data:image/jpeg;base64,' in markup
    assert not NETWORK_REFERENCE.search(markup)


def test_walk_sliders_show_their_frames_from_one_sheet(run, frag):
    z = UniformCube(DIM, 2.0).sample(20, np.random.default_rng(0))
    walk = explorer.axis_walk(run, frag, {"cube": ("cube", z, run.decode(z))}, n_samples=8)
    layout = explorer_plots.walk_layout(walk)
    for frames in walk.axes:
        shown = layout.select_one({"name": f"lf-walk-shown-{frames.label}"}).data
        # the middle frame (0 sigma, column 6 of 13) lies under the plot's unit square
        assert (shown["url"], shown["x"], shown["y"]) == ([frames.url], [-6], [0])
        assert (shown["w"], shown["h"]) == ([13], [1])
        slider = layout.select_one({"name": f"lf-walk-slider-{frames.label}"})
        assert (slider.start, slider.end, slider.step, slider.value) == (-3.0, 3.0, 0.5, 0.0)
    grid = layout.select_one({"name": "lf-walk-shown-grid"}).data
    assert (grid["url"], grid["x"], grid["y"], grid["w"]) == ([walk.grid.url], [-3], [-3], [7])
    generator = layout.select_one({"name": "lf-walk-shown-generator-0"}).data
    assert generator["url"] == [walk.generators[0].url] and walk.generators[0].n == 8
    assert layout.select_one({"name": "lf-walk-slider-generators"}).end == 7
    assert 'alt="Rows of faces decoded' in explorer_plots.axis_walk(walk).html


def test_explorer_without_labels_draws_the_data_colour(run, frag):
    """A folder of images has no numeric labels: nothing to colour by, the points keep the data's colour."""
    view = explorer.fragment_view(run, frag, run.z_train, None, n_hover=20)
    assert view.default is None and view.factors == {} and view.captions == {}
    layout = explorer_plots.fragment_layout(view)
    assert layout.select_one({"name": "lf-explorer-factor"}).options == ["none"]
    assert layout.select_one({"name": "lf-explorer-ringed"}).glyph.fill_color.value == COLORS["data"]
    assert "coloured by nothing" in explorer_plots.fragment_explorer(view).html
