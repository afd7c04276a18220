"""The book on data without labels (issue 21): a folder of faces in nested subfolders (``dataset="folder"``)
and CelebA's layout without ``list_attr_celeba.txt`` but with ``list_eval_partition.txt``.

Such data carry only file names (and CelebA's split marker), so no statistic may take a target from them:
chapter 3's scoring network falls back to the self-supervised rotation task
(:mod:`latent_fragments.stats.features`; that its feature space discriminates is tested in
``tests/test_features.py``), and every other use of labels says in one sentence that there are none and
carries on. Chapter 3, whose scoring network needed labels, is executed at the small profile on a folder of
faces written by the test (chapter 4's use of labels, its label carriage, is checked on its table here).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from latent_fragments.config import REPO_ROOT
from latent_fragments.data import DataSpec, label_columns, load_faces
from latent_fragments.data.pixels import CELEBA_BOX
from latent_fragments.pages import filaments as ch4
from latent_fragments.pages import pca_fragment as ch3
from latent_fragments.stats import features as feat
from latent_fragments.synthfaces import render_batch


def write_faces_folder(root: Path, n: int) -> Path:
    """``n`` synthfaces as PNG files in nested subfolders, with nothing beside them: unlabelled faces."""
    images, _ = render_batch(range(n), seed=5)
    for i, image in enumerate(images):
        folder = root / f"person{i % 4}" / f"day{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:04d}.png")
    return root


def write_celeba_layout(root: Path, n: int) -> Path:
    """CelebA's layout: ``img_align_celeba/`` of 178x218 JPEGs with a face where the loader crops, and
    ``list_eval_partition.txt`` (80 % train, 10 % validation, 10 % test), without the attribute file."""
    left, top, right, bottom = CELEBA_BOX
    images, _ = render_batch(range(n), seed=6, size=right - left)
    (root / "img_align_celeba").mkdir(parents=True)
    lines = []
    for i, image in enumerate(images):
        canvas = Image.new("RGB", (178, 218), (128, 128, 128))
        canvas.paste(Image.fromarray(image), (left, top))
        canvas.save(root / "img_align_celeba" / f"{i + 1:06d}.jpg", quality=92)
        lines.append(f"{i + 1:06d}.jpg {0 if i % 10 < 8 else 1 + i % 2}")
    (root / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return root


def test_scoring_sentence_says_which_feature_space_and_why():
    supervised = ch3.scoring_numbers(feat.SUPERVISED)["scoring_sentence"]
    assert supervised.startswith("It is trained with supervision") and "ORL the person" in supervised
    rotation = ch3.scoring_numbers(feat.ROTATION)["scoring_sentence"]
    assert rotation.startswith("The data carry no labels") and "arXiv:1803.07728" in rotation


def test_chapter_4_shows_an_empty_carriage_table_for_data_without_labels():
    assert ch4.carriage_display(pd.DataFrame()).empty
    assert ch4.carriage_sentence(pd.DataFrame()).startswith("The run has no discrete labels")


def test_celebas_layout_without_attributes_has_no_target(tmp_path):
    root = write_celeba_layout(tmp_path / "celeba", 20)
    faces = load_faces(DataSpec("celeba", str(root)), tmp_path / "cache", workers=1, progress=False)
    assert list(faces.labels.columns) == ["filename", "partition"]
    assert label_columns(faces.labels) == [] and feat.feature_kind(faces.labels) == feat.ROTATION
    with pytest.raises(ValueError, match="no usable column"):
        feat.label_targets(faces.labels)
    # the faces sit where the loader crops: the grey canvas is cut away
    assert np.abs(np.asarray(faces.images, dtype=float) - 128).mean() > 20


def _glued(notebook: Path) -> dict[str, str]:
    """The text each ``glue`` of an executed notebook recorded, by name."""
    glued = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                glued[name] = output["data"].get("application/papermill.record/text/plain", "")
    return glued


def test_chapter_3_runs_on_a_folder_without_labels(tmp_path):
    faces = write_faces_folder(tmp_path / "faces", 200)
    env = {**os.environ, "LF_PROFILE": "small", "LF_ARTIFACTS": str(tmp_path / "art"), "MPLBACKEND": "Agg"}
    out = tmp_path / "03_pca_fragment.ipynb"
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", str(REPO_ROOT / "book" / "03_pca_fragment.ipynb"), str(out),
         "--cwd", str(REPO_ROOT / "book"), "-p", "dataset", "folder", "-p", "data_dir", str(faces),
         "-p", "z_dim", "16", "--no-progress-bar"], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    glued = _glued(out)
    assert "self-supervised task" in glued["scoring_sentence"]
    assert "The data carry no labels" in glued["pc1_sentence"]
    findings = json.loads(next((tmp_path / "art" / "runs").glob("folder-*/findings/ch3.json")).read_text())
    assert findings["settings"]["scoring_network"] == feat.ROTATION
