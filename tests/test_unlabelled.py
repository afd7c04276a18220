"""The book on data without labels (issue 21): a folder of faces in nested subfolders (``dataset="folder"``)
and CelebA's layout without ``list_attr_celeba.txt`` but with ``list_eval_partition.txt``.

Such data carry only file names (and CelebA's split marker), so no statistic may take a target from them:
chapter 3's scoring network falls back to the self-supervised rotation task
(:mod:`latent_fragments.stats.features`; that its feature space discriminates is tested in
``tests/test_features.py``), and every other use of labels says in one sentence that there are none and
carries on. Chapters 1-5 are executed under papermill at the small profile and a tiny size on the folder,
chapters 1 and 3 on CelebA's layout, both written by the test: one module-scoped fixture (pytest-xdist's
``--dist loadfile`` keeps the file on one worker) runs them in two streams side by side (:data:`STREAMS`),
so each layout's chapter 1 trains its run (same data, ``n_images``, epochs and ``z_dim``: the same key) and
the later chapters reuse it. About 105 s of CPU: some 60 s on two idle cores.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from latent_fragments.config import REPO_ROOT
from latent_fragments.data import DataSpec, label_columns, load_faces
from latent_fragments.data.pixels import CELEBA_BOX
from latent_fragments.layout import CONFIG
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


def test_chapter_4_shows_no_carriage_table_for_data_without_labels():
    assert ch4.carriage_display(pd.DataFrame()) is None
    unlabelled = pd.DataFrame({"filename": ["a.png", "b.png"], "partition": [0, 1]})
    assert ch4.carriage_numbers(pd.DataFrame(), unlabelled)["carriage"].startswith("The data carry no labels")


def test_celebas_layout_without_attributes_has_no_target(tmp_path):
    root = write_celeba_layout(tmp_path / "celeba", 20)
    faces = load_faces(DataSpec("celeba", str(root)), tmp_path / "cache", workers=1, progress=False)
    assert list(faces.labels.columns) == ["filename", "partition"]
    assert label_columns(faces.labels) == [] and feat.feature_kind(faces.labels) == feat.ROTATION
    with pytest.raises(ValueError, match="no usable column"):
        feat.label_targets(faces.labels)
    # the faces sit where the loader crops: the grey canvas is cut away
    assert np.abs(np.asarray(faces.images, dtype=float) - 128).mean() > 20


# --------------------------------------------------------------------------------------------------------
# Chapters 1-5 under papermill on both layouts
# --------------------------------------------------------------------------------------------------------

CHAPTERS = ("01_ae_basics", "02_component_distributions", "03_pca_fragment", "04_filaments", "05_generality")
#: Images of each layout: the smallest at which chapter 3's quality table still has neighbours to count.
N_IMAGES = {"folder": 200, "celeba": 160}
#: The run every chapter of a layout opens (with the small profile's 2 epochs): chapter 1 trains it.
RUN = {"z_dim": 32}  # the thin-shell law chapter 2 asserts needs some 30 dimensions
#: Each chapter's own parameters at their tiniest that still reach the code that would read labels.
CHAPTER_PARAMETERS = {
    "02_component_distributions": {"compare_dataset": None},  # no second, labelled, data set
    "04_filaments": {"n_null_draws": 9},  # the label carriage runs whatever the verdict's draws
    "05_generality": {"n_fake": 10, "n_boot": 20},  # verdict_draws stays 0; the scoring network is chapter 3's
}
#: Two streams of (layout, chapter), run side by side, each in order. Every chapter on the folder; on CelebA's
#: layout the two that read its label table differently from a folder's (chapter 1 shows it, chapter 3
#: trains its scoring network on it); that its split marker is no target for chapter 4's carriage or
#: chapter 5's scoring network is tested on the table (above and in tests/test_labels.py). A chapter that
#: opens a run still being trained by the other stream waits for it (the run's lock) and reuses it.
STREAMS = (
    (("folder", "01_ae_basics"), ("folder", "03_pca_fragment"), ("folder", "05_generality")),
    (("celeba", "01_ae_basics"), ("celeba", "03_pca_fragment"), ("folder", "02_component_distributions"),
     ("folder", "04_filaments")),
)
EXECUTED = [pair for stream in STREAMS for pair in stream]


def _execute(chapter: str, dataset: str, data_dir: Path, root: Path) -> dict:
    """Chapter ``chapter`` executed by papermill on ``dataset`` at ``data_dir`` (artefacts in ``root/art``):
    the return code, the output's tail and the executed notebook's path."""
    params = {"dataset": dataset, "data_dir": str(data_dir), **RUN, **CHAPTER_PARAMETERS.get(chapter, {})}
    out = root / f"{dataset}-{chapter}.ipynb"
    args = [a for name, value in params.items() for a in ("-p", name, "None" if value is None else str(value))]
    env = {**os.environ, "LF_PROFILE": "small", "LF_ARTIFACTS": str(root / "art"), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", str(REPO_ROOT / "book" / f"{chapter}.ipynb"), str(out),
         "--cwd", str(REPO_ROOT / "book"), "--no-progress-bar", *args],
        env=env, capture_output=True, text=True, timeout=900)
    return {"rc": proc.returncode, "tail": proc.stdout[-2000:] + proc.stderr[-3000:], "notebook": out}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """{(layout, chapter): :func:`_execute`'s result} for every pair of :data:`STREAMS`, on a folder of faces
    and on CelebA's layout without attributes written here, all in one artefact folder (``"root"``: its
    parent)."""
    root = tmp_path_factory.mktemp("unlabelled")
    data = {"folder": write_faces_folder(root / "faces", N_IMAGES["folder"]),
            "celeba": write_celeba_layout(root / "celeba", N_IMAGES["celeba"])}

    def stream(pairs) -> dict:
        return {(layout, chapter): _execute(chapter, layout, data[layout], root) for layout, chapter in pairs}

    with ThreadPoolExecutor(max_workers=len(STREAMS)) as pool:
        results = {key: value for part in pool.map(stream, STREAMS) for key, value in part.items()}
    return {"root": root, **results}


def _outputs(notebook: Path) -> str:
    """Every text and Markdown output of an executed notebook, joined."""
    texts = []
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            for kind in ("text/markdown", "text/plain"):
                texts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(texts)


def _glued(notebook: Path) -> dict[str, str]:
    """The text each ``glue`` of an executed notebook recorded, by name."""
    glued = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:  # a string is recorded as its repr
                text = output["data"].get("application/papermill.record/text/plain", "")
                glued[name] = ast.literal_eval(text) if text[:1] in "'\"" and text else text
    return glued


@pytest.mark.parametrize("dataset, chapter", EXECUTED)
def test_every_chapter_runs_without_labels(executed, dataset, chapter):
    result = executed[(dataset, chapter)]
    assert result["rc"] == 0, result["tail"]


@pytest.mark.parametrize("dataset", list(N_IMAGES))
def test_chapter_1_says_the_data_carry_no_labels(executed, dataset):
    text = _outputs(executed[(dataset, "01_ae_basics")]["notebook"])
    assert "The data carry no labels (their table holds only `filename`" in text
    assert ("`partition`" in text) == (dataset == "celeba")


@pytest.mark.parametrize("dataset", list(N_IMAGES))
def test_chapter_3_scores_without_labels_and_says_so(executed, dataset):
    glued = _glued(executed[(dataset, "03_pca_fragment")]["notebook"])
    assert "self-supervised task" in glued["scoring_sentence"]
    assert glued["pc1_sentence"].startswith("The data carry no labels")
    assert glued["explorer_colouring"].startswith("The data carry no labels")
    runs = executed["root"] / "art" / "runs"
    findings = json.loads(next(runs.glob(f"{dataset}-*/findings/ch3.json")).read_text())
    assert findings["settings"]["scoring_network"] == feat.ROTATION


def test_chapters_4_and_5_say_the_data_carry_no_labels(executed):
    assert _glued(executed[("folder", "04_filaments")]["notebook"])["carriage"].startswith("The data carry no labels")
    scoring = _glued(executed[("folder", "05_generality")]["notebook"])["scoring_space"]
    assert scoring.startswith("The data carry no labels") and "label-free" in scoring


@pytest.mark.parametrize("dataset", list(N_IMAGES))
def test_chapters_share_chapter_1s_run(executed, dataset):
    """One autoencoder per layout, chapter 1's, reused by the later chapters (beside chapter 5's VAE)."""
    assert all(result["rc"] == 0 for key, result in executed.items() if key != "root")
    runs = executed["root"] / "art" / "runs"
    models = sorted(json.loads((path / CONFIG).read_text())["config"].get("model", "ae")
                    for path in runs.glob(f"{dataset}-*") if path.is_dir())
    assert models == (["ae", "vae"] if (dataset, "05_generality") in EXECUTED else ["ae"])
