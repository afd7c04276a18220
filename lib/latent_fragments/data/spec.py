"""Which images to cache: :class:`DataSpec`, checked when made, and its cache key (chapter 1).

The key (:meth:`DataSpec.key`) hashes everything that determines the cached pixels: the loader version,
the normalised fields of the spec and, for a rendered data set (``synthfaces``), the renderer's version
(:func:`latent_fragments.data.synth.renderer_version`), so a changed spec or an edited renderer gets a new
cache file. What each data set needs is read from its record (:mod:`latent_fragments.data.datasets`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..artifacts import stable_hash
from . import synth
from .datasets import DATASETS, DataSet
from .errors import DataError, is_int
from .sources import Source, portable_fingerprint

#: Bump when decoding, cropping or label format changes: it is part of every cache key.
LOADER_VERSION = 1


@dataclass(frozen=True)
class DataSpec:
    """Which images to cache: data set, source, how many, at which size. Introduced in chapter 1.

    Checked when made (:meth:`validate`; a bad value raises :class:`DataError` saying what to change).
    ``data_dir`` is read only by the data sets that read it (``celeba``, ``folder``); ``data_seed`` only
    by a rendered one (``synthfaces``); ``n_images=None`` means every available image (not allowed for a
    rendered data set, which is infinite).
    """

    dataset: str = "synthfaces"
    data_dir: str | None = None
    n_images: int | None = None
    image_size: int = 96
    data_seed: int = 0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> "DataSpec":
        """Check types and ranges; return ``self`` or raise :class:`DataError` saying what to change."""
        if not isinstance(self.dataset, str) or self.dataset not in DATASETS:
            raise DataError(f"unknown dataset {self.dataset!r}; valid names: {', '.join(DATASETS)}.")
        if self.data_dir is not None and not isinstance(self.data_dir, (str, os.PathLike)):
            raise DataError(f"data_dir must be a path (str) or None, got {self.data_dir!r}.")
        record = self.record
        if record.reads_data_dir and (self.data_dir is None or str(self.data_dir) == ""):
            raise DataError(record.needs_data_dir)
        if self.n_images is not None and not (is_int(self.n_images) and self.n_images > 0):
            raise DataError(f"n_images must be a positive integer or None, got {self.n_images!r}.")
        if record.rendered and self.n_images is None:
            raise DataError(f"dataset {self.dataset!r} needs n_images (how many faces to render), "
                            f"e.g. {record.default_n_images}.")
        if not (is_int(self.image_size) and self.image_size >= 8):
            raise DataError(f"image_size must be an integer >= 8, got {self.image_size!r}.")
        if not (is_int(self.data_seed) and self.data_seed >= 0):
            raise DataError(f"data_seed must be a non-negative integer, got {self.data_seed!r}.")
        return self

    @property
    def record(self) -> DataSet:
        """The data set's record (:data:`latent_fragments.data.datasets.DATASETS`)."""
        return DATASETS[self.dataset]

    def source(self) -> Source:
        """Where the images come from (the record's source function); raises :class:`DataError` if the
        source is missing or holds too few images."""
        return self.record.source(self)

    def resolved_data_dir(self) -> str | None:
        """Absolute ``data_dir`` for the data sets that read it, else ``None``."""
        if not self.record.reads_data_dir or self.data_dir is None:
            return None
        return str(Path(self.data_dir).expanduser().resolve())

    def key_fields(self) -> dict[str, Any]:
        """The normalised fields that determine the cached pixels (what :meth:`key` hashes)."""
        rendered = self.record.rendered
        return {
            "loader_version": LOADER_VERSION,
            "dataset": self.dataset,
            "data_dir": self.resolved_data_dir(),
            "n_images": None if self.n_images is None else int(self.n_images),
            "image_size": int(self.image_size),
            "data_seed": int(self.data_seed) if rendered else None,
            "renderer": synth.renderer_version() if rendered else None,
        }

    def key(self) -> str:
        """Stable hash of everything that determines the cached pixels (see :meth:`key_fields`)."""
        return stable_hash(self.key_fields())

    def content_key(self) -> str:
        """Hash of the images this spec selects, independent of where they lie: :meth:`key_fields` without
        ``data_dir``, and for the data sets that read ``data_dir`` the source's names, count and bytes (no
        paths, no modification times). Keys runs, so a run and its data can move to another machine
        (chapter 1).

        Raises :class:`DataError` if the source cannot be read."""
        fields = {k: v for k, v in self.key_fields().items() if k != "data_dir"}
        if self.record.reads_data_dir:
            fields["source"] = portable_fingerprint(self.source().fingerprint)
        return stable_hash(fields)
