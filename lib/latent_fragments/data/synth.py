"""The ``synthfaces`` renderer seen from the cache: which module renders, its version, the render worker (chapter 1).

:data:`SYNTHFACES_MODULE` names the module providing ``render_batch`` (:mod:`latent_fragments.synthfaces`);
it is read at call time, here and by :mod:`latent_fragments.data.sources`, so a test may point it at a
stand-in renderer. :func:`render_chunk` is module-level so that spawned worker processes can import it.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..artifacts import ArtifactError

if TYPE_CHECKING:  # pandas is imported lazily: spawned decoding workers never need it
    import pandas as pd

#: The module providing ``render_batch`` for ``synthfaces`` (imported by name in the workers).
SYNTHFACES_MODULE = "latent_fragments.synthfaces"


def renderer_version() -> str | None:
    """``RENDERER_VERSION`` of the synthfaces renderer if it declares one, else a hash of its source.

    Introduced in chapter 1. The renderer is a package (every ``.py`` file of it is hashed, so an edit of
    any of them gives new caches) or a single module. Found without importing it, so a key costs a few
    file reads.
    """
    try:
        found = importlib.util.find_spec(SYNTHFACES_MODULE)
    except (ImportError, ValueError):
        found = None
    if found is None or not found.origin or not os.path.isfile(found.origin):
        return None
    origin = Path(found.origin)
    files = sorted(origin.parent.rglob("*.py")) if found.submodule_search_locations else [origin]
    for line in origin.read_text("utf-8", "replace").splitlines():
        if line.startswith("RENDERER_VERSION") and "=" in line:
            return "v:" + line.split("=", 1)[1].split("#", 1)[0].strip()
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(origin.parent).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha:" + digest.hexdigest()[:12]


@dataclass(frozen=True)
class RenderJob:
    """Faces ``start..stop-1`` of ``module``'s renderer, at ``size`` pixels. Introduced in chapter 1."""

    module: str
    start: int
    stop: int
    seed: int
    size: int


def render_chunk(job: RenderJob) -> tuple[np.ndarray, "pd.DataFrame"]:
    """Render one chunk with ``<module>.render_batch`` and check the result. Introduced in chapter 1."""
    renderer = importlib.import_module(job.module)
    n = job.stop - job.start
    images, labels = renderer.render_batch(np.arange(job.start, job.stop), seed=job.seed, size=job.size)
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.shape != (n, job.size, job.size, 3):
        raise ArtifactError(
            f"{job.module}.render_batch returned {images.dtype} {images.shape}, "
            f"expected uint8 {(n, job.size, job.size, 3)}."
        )
    if len(labels) != n:
        raise ArtifactError(f"{job.module}.render_batch returned {len(labels)} label rows for {n} faces.")
    return images, labels
