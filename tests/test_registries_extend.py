"""Adding a member to a registry is a one-file change (issue 19): a temporary extra generator family, null
model and data set, registered the way a newcomer would add one, reach every consumer (chapter 2's
matched generators, chapter 3's generators, axis walk, palette and quality figure; chapter 4's verdict, its
table, figure and page wording; the data layer, the configuration and the label roles) without a
``KeyError``. The run-file names a user's existing run folders hold are pinned. About 10 s of CPU."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from latent_fragments import layout  # noqa: E402
from latent_fragments.config import RunConfig  # noqa: E402
from latent_fragments.data import datasets, labels, load_faces, sources  # noqa: E402
from latent_fragments.data.spec import DataSpec  # noqa: E402
from latent_fragments.pages import explorer  # noqa: E402
from latent_fragments.pages import filaments as words  # noqa: E402
from latent_fragments.plots import filaments as filament_plots  # noqa: E402
from latent_fragments.plots import fragment as fragment_plots  # noqa: E402
from latent_fragments.plots import style  # noqa: E402
from latent_fragments.stats import filaments as fl  # noqa: E402
from latent_fragments.stats import generators as gen  # noqa: E402
from latent_fragments.stats.filaments import nulls  # noqa: E402
from latent_fragments.stats.gaussian import Gaussian  # noqa: E402


class HalfScaleNormal(gen.Generator):
    """A sixth family: the data's MND with half its spread."""

    kind = "half_mnd"

    def __init__(self, z: np.ndarray) -> None:
        self.gaussian, self.dim, self.label = Gaussian.fit(z), z.shape[1], "MND at half scale"

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        mean = self.gaussian.mean
        return (mean + 0.5 * (self.gaussian.sample(n, rng) - mean)).astype(np.float32)


HALF = gen.GeneratorKind("half_mnd", "MND at half scale", "#010203", HalfScaleNormal,
                         lambda fit: [HalfScaleNormal(fit.z_train)], short="half", walk=9)


@dataclass
class ShuffledCoordinates:
    """A third-kind null: every coordinate of the data resampled on its own (no correlations)."""

    z: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        columns = [rng.choice(self.z[:, j], size=int(n)) for j in range(self.z.shape[1])]
        return np.stack(columns, axis=1).astype(np.float32)


SHUFFLED = nulls.NullModel("shuffled", "coordinate-shuffled null", "elliptical",
                           lambda z, g, s: ShuffledCoordinates(np.asarray(z)),
                           "each coordinate resampled independently", "#040506")


@pytest.fixture
def extended(monkeypatch):
    """The generator and null registries with one member more, as if declared in their modules (the
    palette, built when plots.style is imported, is rebuilt from them)."""
    monkeypatch.setattr(gen, "GENERATOR_KINDS", (*gen.GENERATOR_KINDS, HALF))
    monkeypatch.setitem(nulls.NULL_MODELS, SHUFFLED.key, SHUFFLED)
    importlib.reload(style)
    yield
    monkeypatch.undo()
    importlib.reload(style)


def _cloud(n: int = 300, dim: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dim)) * np.geomspace(2.0, 0.5, dim) + 1.0


def test_a_sixth_generator_reaches_chapters_2_and_3_the_walk_and_the_palette(extended):
    z = _cloud()
    assert [g.kind for g in gen.matched_generators(z)][-1] == "half_mnd"
    chosen = gen.fragment_generators(gen.FragmentFit(z, {}, best_k=1))
    assert chosen[-1].kind == "half_mnd" and len({g.key for g in chosen}) == len(chosen)
    assert gen.walk_kinds()[-1] == "half_mnd" and gen.generator_kind("half_mnd").title == "half"
    assert explorer.walk_generators(chosen)[-1].kind == "half_mnd"
    assert style.color("half_mnd") == "#010203" and style.color("mnd") == gen.generator_kind("mnd").colour
    keys = ["held_out", *[g.key for g in chosen]]
    table = pd.DataFrame({f"{m}{s}": np.linspace(1.0, 2.0, len(keys)) + d for m in ("FD", "KID", "precision", "recall")
                          for s, d in (("", 0.0), ("_lo", -0.1), ("_hi", 0.1))}, index=keys)
    kinds = {"held_out": "held_out", **{g.key: g.kind for g in chosen}}
    fig = fragment_plots.plot_quality(table, kinds, reference="held_out")
    marker_colours = {line.get_color() for line in fig.axes[0].get_lines()}
    assert "#010203" in marker_colours
    plt.close(fig)


def test_a_new_null_model_reaches_the_verdict_its_table_figure_and_wording(extended):
    z = fl.control_cloud("gaussian", 200, 8, np.random.default_rng(3))
    verdict = fl.filament_verdict(z, seed=3, n_null_draws=3, alpha=0.25, nulls=tuple(nulls.NULL_MODELS))
    assert list(verdict.tests) == ["mnd", "radius_matched", "mixture", "shuffled"]
    assert set(verdict.p_values) == set(nulls.NULL_MODELS)
    assert any("shuffled" in str(column) for column in verdict.table.columns)
    fig = filament_plots.plot_verdict(verdict)
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert all(null.label in legend for null in nulls.NULL_MODELS.values())
    plt.close(fig)
    assert words.verdict_sentence(verdict.label, verdict.tests, verdict.alpha)
    record = words.findings_record(verdict, {"nulls": list(nulls.NULL_MODELS)})
    assert set(record["claims"]) == {"no_separate_fragments", "filaments"}


def _people(spec: DataSpec) -> sources.Source:
    """A new data set's source: a folder with one sub-folder of photos per person."""
    root = Path(spec.resolved_data_dir())
    names = sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.png"))

    def make_labels(chosen: list[str]) -> pd.DataFrame:
        people = sorted({name.split("/")[0] for name in chosen})
        return pd.DataFrame({"filename": chosen, "person": [people.index(n.split("/")[0]) for n in chosen]})

    return sources.Source(f"people at {root}", "dir", str(root), names, "center", {"names": names}, make_labels)


def test_a_new_data_set_is_one_record_and_its_source(monkeypatch, tmp_path):
    monkeypatch.setitem(datasets.DATASETS, "people", datasets.DataSet(
        "people", "photos in one folder per person", _people, reads_data_dir=True,
        needs_data_dir="dataset 'people' needs data_dir", labels=datasets.LabelSchema(
            categorical=("person",), identifiers=("filename",))))
    rng = np.random.default_rng(0)
    for person in ("ann", "bob"):
        (tmp_path / "photos" / person).mkdir(parents=True)
        for shot in range(3):
            pixels = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "photos" / person / f"{shot}.png")
    cfg = RunConfig(dataset="people", data_dir=str(tmp_path / "photos"), n_images=None)
    faces = load_faces(DataSpec(dataset="people", data_dir=str(tmp_path / "photos")), tmp_path / "cache",
                       workers=1, progress=False)
    assert cfg.dataset == "people" and faces.images.shape == (6, 96, 96, 3)
    assert labels.label_columns(faces.labels) == ["person"]
    assert labels.column_role(faces.labels["filename"]) == datasets.IDENTIFIER


def test_run_file_names_are_those_existing_run_folders_hold():
    """Run folders written by earlier versions are read by these names: they must not change."""
    assert (layout.CONFIG, layout.MODEL, layout.HISTORY, layout.SPLIT, layout.Z_TRAIN, layout.Z_TEST,
            layout.MANIFEST) == ("config.json", "autoencoder.keras", "history.json", "split.npz", "z_train.npy",
                                 "z_test.npy", "manifest.json")
    assert (layout.CHECKPOINT_MODEL, layout.CHECKPOINT_STATE, layout.HISTORY_CSV, layout.TENSORBOARD,
            layout.FEATURE_NET_PREFIX) == ("checkpoint.keras", "checkpoint.json", "history.csv", "tensorboard",
                                           "feature_net-")
