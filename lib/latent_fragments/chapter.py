"""A chapter's preamble in one call: its configuration, its run, its z-points, its provenance box (chapter 1).

Every chapter starts with its papermill parameters cell (papermill needs it), then::

    chapter = open_chapter(dataset=dataset, data_dir=data_dir, n_images=n_images, z_dim=z_dim,
                           epochs=epochs, batch_size=batch_size, seed=seed, artifacts_dir=artifacts_dir)
    cfg, run, rng = chapter.cfg, chapter.run, chapter.rng
    z_train, z_test = chapter.z_train, chapter.z_test

and shows ``chapter.run_box()`` in a ``remove-input`` cell. The configuration has the execution profile
applied once; the run is the finished run of exactly that configuration, trained first if it is missing
(:func:`latent_fragments.runs.get_run`), fetched on first use (chapter 1 trains its run further down
its page); the z-points are float64 copies. Opening a chapter also quietens TensorFlow's start-up
noise (:func:`latent_fragments.tfnoise.quiet`): a chapter is where the program starts. A run trained
while a page executes leaves one line on the page (:func:`fetch_run`), not its epoch-by-epoch log.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from . import provenance, tfnoise
from .plots import style
from .config import RunConfig
from .pages import training_summary

if TYPE_CHECKING:  # runs loads Keras: imported when the run is first asked for, after tfnoise.quiet()
    from .runs import Run


@dataclass
class Chapter:
    """The configuration of a chapter's run (profile applied), the run and its z-points, a seeded random
    generator, and the provenance box. Introduced in chapter 1."""

    cfg: RunConfig
    artifacts_dir: str | os.PathLike | None = None
    train: bool = True
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.cfg.seed)

    @cached_property
    def run(self) -> "Run":
        """The finished run of :attr:`cfg`, trained first if it is missing and :attr:`train` is true
        (fetched on first use, by :func:`fetch_run`; without ``train`` a missing run raises
        :class:`~latent_fragments.artifacts.ArtifactError`)."""
        return fetch_run(self.cfg, self.artifacts_dir, train=self.train)

    @cached_property
    def z_train(self) -> np.ndarray:
        """The training z-points as a float64 array (N_train x z_dim)."""
        return np.asarray(self.run.z_train, dtype=np.float64)

    @cached_property
    def z_test(self) -> np.ndarray:
        """The held-out z-points as a float64 array (N_test x z_dim)."""
        return np.asarray(self.run.z_test, dtype=np.float64)

    def run_box(self, *others: "Run"):
        """The provenance box naming this chapter's run (and any ``others`` it compares with), for a
        ``remove-input`` cell (:func:`latent_fragments.provenance.run_box`)."""
        return provenance.run_box(self.run, *others)

    def glue_run_statement(self, *others: "Run", name: str = "run_statement") -> None:
        """Glue the provenance box as ``name``, for a page that states its run before it shows it
        (:func:`latent_fragments.provenance.glue_run_statement`)."""
        provenance.glue_run_statement(self.run, *others, name=name)


def fetch_run(cfg: RunConfig, artifacts_dir: str | os.PathLike | None = None, train: bool = True) -> "Run":
    """The run of ``cfg`` (:func:`latent_fragments.runs.get_run`), for a page: where it is trained here, the
    page shows one line (:func:`latent_fragments.pages.training_summary`) instead of the training log, which
    stays in the run folder. Introduced in chapter 1."""
    from .runs import get_run

    messages: list[str] = []
    run = get_run(cfg, artifacts_dir, train=train, log=messages.append)
    if messages:
        import keras

        print(training_summary(run.history, len(run.train_idx), cfg.loss.upper(), len(run.test_idx),
                               keras.backend.backend()), flush=True)
    return run


def open_chapter(artifacts_dir: str | os.PathLike | None = None, train: bool = True, **params: Any) -> Chapter:
    """The :class:`Chapter` of the run parameters ``params`` (fields of :class:`RunConfig`, checked when
    made; the profile of ``$LF_PROFILE`` applied once); ``train=False`` for a page that only reads a run
    another chapter trained. TensorFlow is quietened first, and the book's figure style applied
    (:func:`latent_fragments.plots.style.use_book_style`: text size, and each figure records its smallest text). Introduced in chapter 1."""
    tfnoise.quiet()
    style.use_book_style()
    return Chapter(RunConfig(**params).with_profile(), artifacts_dir, train)
