"""Tests of latent_fragments.synthfaces, the procedural face renderer that is the book's default data set."""
from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from latent_fragments import synthfaces as sf

N_RENDER = 400      # faces rendered once for the table and image checks
N_SAMPLE = 2000     # factor dicts drawn (cheap) for the distribution checks


@pytest.fixture(scope="module")
def batch() -> tuple[np.ndarray, pd.DataFrame]:
    return sf.render_batch(range(N_RENDER), seed=3)


@pytest.fixture(scope="module")
def sampled() -> pd.DataFrame:
    return pd.DataFrame([sf.sample_factors(i, 0) for i in range(N_SAMPLE)])


def _significant(n: int) -> float:
    """A correlation above this is about 3 standard errors away from zero."""
    return 3.0 / math.sqrt(n)


# --- shape, type, determinism ----------------------------------------------------------------

def test_batch_shape_and_dtype(batch):
    images, table = batch
    assert images.shape == (N_RENDER, 96, 96, 3)
    assert images.dtype == np.uint8
    assert isinstance(table, pd.DataFrame) and len(table) == N_RENDER


@pytest.mark.parametrize("size", [64, 128])
def test_other_sizes(size):
    image = sf.render_face(sf.sample_factors(1, 0), size=size)
    assert image.shape == (size, size, 3) and image.dtype == np.uint8
    # the same face at another size is the same picture, resampled
    small = sf.render_face(sf.sample_factors(1, 0), size=96).astype(float).mean(axis=(0, 1))
    assert np.abs(image.astype(float).mean(axis=(0, 1)) - small).max() < 12


def test_same_seed_and_index_give_identical_bytes():
    a, ta = sf.render_batch([5, 6, 7], seed=11)
    b, tb = sf.render_batch([5, 6, 7], seed=11)
    assert a.tobytes() == b.tobytes()
    pd.testing.assert_frame_equal(ta, tb)


def test_face_does_not_depend_on_its_batch():
    together, table = sf.render_batch([5, 6, 7], seed=11)
    for k, i in enumerate([5, 6, 7]):
        alone, row = sf.render_batch([i], seed=11)
        assert alone[0].tobytes() == together[k].tobytes()
        pd.testing.assert_frame_equal(row.reset_index(drop=True),
                                      table.iloc[[k]].reset_index(drop=True))
    # and inside a longer, shuffled batch
    mixed, _ = sf.render_batch([9, 7, 0, 5], seed=11)
    assert mixed[1].tobytes() == together[2].tobytes()
    assert mixed[3].tobytes() == together[0].tobytes()


def test_render_face_is_pure():
    f = sf.sample_factors(4, 2)
    before = dict(f)
    assert sf.render_face(f).tobytes() == sf.render_face(f).tobytes()
    assert f == before


def test_different_seeds_and_indices_differ():
    a, ta = sf.render_batch(range(6), seed=0)
    b, tb = sf.render_batch(range(6), seed=1)
    diff = np.abs(a.astype(int) - b.astype(int)).mean(axis=(1, 2, 3))
    assert (diff > 5).all(), diff
    assert not ta[list(sf.FACTOR_COLUMNS)].equals(tb[list(sf.FACTOR_COLUMNS)])
    # neighbouring faces of one seed differ too
    assert (np.abs(np.diff(a.astype(int), axis=0)).mean(axis=(1, 2, 3)) > 5).all()


def test_negative_seed_or_index_is_rejected():
    with pytest.raises(ValueError):
        sf.sample_factors(-1, 0)
    with pytest.raises(ValueError):
        sf.render_batch([0], seed=-3)


def test_empty_batch():
    images, table = sf.render_batch([], seed=0)
    assert images.shape == (0, 96, 96, 3)
    assert list(table.columns) == ["index", *sf.FACTOR_COLUMNS] and len(table) == 0


# --- the factor table ---------------------------------------------------------------------------

def test_table_columns_and_index(batch):
    _, table = batch
    assert list(table.columns) == ["index", *sf.FACTOR_COLUMNS]
    assert table["index"].tolist() == list(range(N_RENDER))
    assert len(sf.FACTOR_COLUMNS) >= 12 + 1          # >= 12 factors of variation, plus sex


def test_table_values_in_documented_ranges(batch):
    _, table = batch
    for col in sf.FACTOR_COLUMNS:
        lo, hi = sf.FACTOR_RANGES[col]
        values = table[col]
        assert values.notna().all(), col
        assert values.min() >= lo and values.max() <= hi, (col, values.min(), values.max())
        if col in sf.INTEGER_FACTORS:
            assert values.dtype.kind == "i", col
        else:
            assert values.dtype.kind == "f", col
    for col in ("light_angle", "bg_hue", "shirt_hue"):      # half-open ranges
        assert table[col].max() < sf.FACTOR_RANGES[col][1]
    # continuous factors really vary over a good part of their range
    for col in ("age", "skin_tone", "face_width", "eye_y", "smile", "roll", "yaw", "bg_hue"):
        lo, hi = sf.FACTOR_RANGES[col]
        assert table[col].max() - table[col].min() > 0.4 * (hi - lo), col


def test_sample_factors_keys_and_types():
    f = sf.sample_factors(0, 0)
    assert tuple(f) == sf.FACTOR_COLUMNS
    for key, value in f.items():
        assert isinstance(value, int if key in sf.INTEGER_FACTORS else float), key


def test_factor_columns_are_documented():
    doc = sf.factors.__doc__                          # the factor table lives with the factors
    for col in sf.FACTOR_COLUMNS:
        assert f"``{col}" in doc or f"{col}``" in doc, col
    for name in sf.HAIR_STYLES:
        assert f'"{name}"' in doc, name


def test_clip_factor_reads_the_documented_range():
    from latent_fragments.synthfaces.factors import _clip_factor
    for col, (lo, hi) in sf.FACTOR_RANGES.items():
        assert _clip_factor(col, lo - 1) == lo and _clip_factor(col, hi + 1) == hi, col
        inside = (lo + hi) // 2 if col in sf.INTEGER_FACTORS else 0.5 * (lo + hi)
        assert _clip_factor(col, inside) is inside, col          # inside: the value itself
    assert _clip_factor("face_width", 0.2) == 0.36 and _clip_factor("roll", 30.0) == 14.0


def test_public_api_is_re_exported():
    for name in sf.__all__:
        assert getattr(sf, name) is not None, name
    assert sf.render_batch is sf.render.render_batch and sf.FACTOR_RANGES is sf.factors.FACTOR_RANGES


def test_every_category_occurs(sampled):
    assert set(sampled["hair_style"]) == set(range(len(sf.HAIR_STYLES)))
    assert set(sampled["iris_color"]) == set(range(len(sf.IRIS_COLORS)))
    assert set(sampled["glasses"]) == {0, 1}
    assert set(sampled["sex"]) == {0, 1}
    assert (sampled["beard"] == 0).any() and (sampled["beard"] > 0).any()
    assert (sampled["mouth_open"] > 0).any() and (sampled["lipstick"] > 0).any()
    # no category is vanishingly rare
    assert sampled["hair_style"].value_counts().min() >= 0.02 * N_SAMPLE
    assert sampled["glasses"].mean() > 0.05


def test_designed_correlations(sampled):
    n, s = len(sampled), _significant(len(sampled))
    has_beard = (sampled["beard"] > 0).astype(float)
    assert has_beard.corr(sampled["sex"].astype(float)) > s
    assert (sampled.loc[sampled["sex"] == 0, "beard"] == 0).all()
    assert (sampled.loc[sampled["sex"] == 1, "lipstick"] == 0).all()
    assert sampled["sex"].corr(sampled["jaw_width"]) > s
    assert sampled["smile"].corr(sampled["eye_squint"]) > s
    assert sampled["skin_tone"].corr(sampled["hair_lightness"]) < -s
    assert sampled["age"].corr(sampled["hair_grey"]) > s
    assert sampled["age"].corr(sampled["glasses"].astype(float)) > s
    bald = sampled["hair_style"] == sf.HAIR_STYLES.index("bald")
    long_hair = sampled["hair_style"] == sf.HAIR_STYLES.index("long")
    assert bald.astype(float).corr(sampled["age"]) > s
    assert long_hair.astype(float).corr(sampled["sex"].astype(float)) < -s
    # and independent factors stay (nearly) uncorrelated
    assert abs(sampled["roll"].corr(sampled["skin_tone"])) < s
    assert n == N_SAMPLE


# --- the pictures respond to the factors -----------------------------------------------------

def _eye_row(f: dict, size: int = 96) -> int:
    return int(round((0.515 + f["face_y"] + f["eye_y"]) * size))


def _first_with(pred) -> dict:
    for i in range(500):
        f = sf.sample_factors(i, 0)
        if pred(f):
            return f
    raise AssertionError("no such face in the first 500")


def test_glasses_change_only_the_eye_region():
    f = _first_with(lambda f: f["glasses"] == 0 and abs(f["roll"]) < 5)
    plain = sf.render_face(f).astype(int)
    spectacled = sf.render_face(dict(f, glasses=1)).astype(int)
    row = _eye_row(f)
    band = np.abs(spectacled - plain)[row - 8:row + 8]
    assert band.mean() > 2.0
    assert (np.abs(spectacled - plain)[row + 30:] == 0).all()   # chin and shoulders untouched


def test_beard_changes_the_lower_face():
    f = _first_with(lambda f: f["sex"] == 1 and f["beard"] == 0 and abs(f["roll"]) < 5)
    shaven = sf.render_face(f).astype(int)
    bearded = sf.render_face(dict(f, beard=0.9)).astype(int)
    row = _eye_row(f)
    diff = np.abs(bearded - shaven)
    assert diff[row + 12:row + 35].mean() > 5.0
    assert (diff[:row - 10] == 0).all()


def test_hair_style_and_smile_change_the_picture():
    f = _first_with(lambda f: f["hair_style"] == sf.HAIR_STYLES.index("long"))
    long_hair = sf.render_face(f).astype(int)
    bald = sf.render_face(dict(f, hair_style=sf.HAIR_STYLES.index("bald"))).astype(int)
    assert np.abs(long_hair - bald)[:40].mean() > 8.0
    frown = sf.render_face(dict(f, smile=-0.8, mouth_open=0.0)).astype(int)
    grin = sf.render_face(dict(f, smile=0.9, mouth_open=0.8)).astype(int)
    assert np.abs(grin - frown)[55:85, 30:66].mean() > 3.0


def test_skin_tone_and_background_change_colours():
    f = sf.sample_factors(2, 0)
    light = sf.render_face(dict(f, skin_tone=0.05)).astype(float)
    dark = sf.render_face(dict(f, skin_tone=0.95)).astype(float)
    row = _eye_row(f)
    cheek = (slice(row + 6, row + 14), slice(40, 56))
    assert light[cheek].mean() - dark[cheek].mean() > 60
    red = sf.render_face(dict(f, bg_hue=0.0, bg_saturation=0.6, bg_lightness=0.8)).astype(float)
    assert red[:6, :6, 0].mean() - red[:6, :6, 2].mean() > 50   # top-left corner is background


def test_light_direction_shades_the_face():
    f = dict(_first_with(lambda f: f["hair_style"] != sf.HAIR_STYLES.index("long")),
             roll=0.0, yaw=0.0, face_x=0.0, light_strength=0.95)
    row = _eye_row(f)
    cheeks = slice(row + 4, row + 16)

    def left_minus_right(angle: float) -> float:
        img = sf.render_face(dict(f, light_angle=angle)).astype(float).mean(axis=2)
        return img[cheeks, 30:42].mean() - img[cheeks, 54:66].mean()

    from_left, from_right = left_minus_right(180.0), left_minus_right(0.0)
    assert from_left > 8 and from_right < -8, (from_left, from_right)
    # light from above brightens the forehead relative to the chin
    above = sf.render_face(dict(f, light_angle=90.0)).astype(float).mean(axis=2)
    below = sf.render_face(dict(f, light_angle=270.0)).astype(float).mean(axis=2)
    assert above[row - 12:row - 6, 40:56].mean() - below[row - 12:row - 6, 40:56].mean() > 8


def test_face_stands_out_from_the_background(batch):
    images, _ = batch
    img = images.astype(float)
    centre = img[:, 40:56, 40:56].mean(axis=(1, 2))            # nose and cheeks
    corner = np.concatenate([img[:, :6, :6], img[:, :6, -6:]], axis=1).mean(axis=(1, 2))
    distance = np.linalg.norm(centre - corner, axis=1)
    assert np.median(distance) > 40
    assert (distance > 12).mean() > 0.9


def _figure_mask(f: dict) -> np.ndarray:
    """Pixels of the sitter: those that do not change when only the background changes."""
    a = sf.render_face(dict(f, bg_hue=0.0, bg_saturation=0.9, bg_lightness=0.9)).astype(int)
    b = sf.render_face(dict(f, bg_hue=0.5, bg_saturation=0.9, bg_lightness=0.3)).astype(int)
    return np.abs(a - b).max(axis=2) < 8


def test_face_is_centred_and_fills_the_frame():
    for i in range(12):
        f = sf.sample_factors(i, 5)
        mask = _figure_mask(f)
        rows = np.flatnonzero(mask.any(axis=1))
        top = rows[0] / 96                                   # top of the hair or skull
        assert 0.03 <= top <= 0.25, (i, top)
        assert rows[-1] == 95                                # neck and shoulders reach the edge
        ys, xs = np.nonzero(mask[int(0.2 * 96):int(0.75 * 96)])  # the head's rows
        assert abs(xs.mean() - 47.5) < 8, (i, xs.mean())
        assert 0.15 < mask[:int(0.8 * 96)].mean() < 0.7      # the head is the dominant object
        assert not mask[:4, :4].any() and not mask[:4, -4:].any()   # corners are background


def test_images_are_not_trivially_low_dimensional(batch):
    images, _ = batch
    x = images[:, ::4, ::4].reshape(len(images), -1).astype(np.float64)
    x -= x.mean(axis=0)
    variances = np.linalg.eigvalsh(x @ x.T)[::-1]          # PCA spectrum, via the Gram matrix
    explained = np.cumsum(variances) / variances.sum()
    assert np.searchsorted(explained, 0.9) + 1 >= 15    # >= 15 components for 90 % variance


def test_rendering_is_reasonably_fast():
    """A loose guard against gross slow-downs (the benchmark measures the real rate)."""
    sf.render_batch(range(5), seed=0)
    t = time.process_time()
    sf.render_batch(range(100), seed=0)
    rate = 100 / max(time.process_time() - t, 1e-9)
    assert rate > 100, f"{rate:.0f} faces/s"
