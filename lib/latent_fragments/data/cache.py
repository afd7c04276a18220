"""The uint8 image cache of a data set: :func:`load_faces` builds it once, then hands it back memory-mapped (chapter 1).

Whatever the source (:mod:`latent_fragments.data.sources`), :func:`load_faces` turns it into one
``uint8`` array of shape ``(N, S, S, 3)`` stored as ``<cache_dir>/<dataset>-<key>.npy`` and hands it back
memory-mapped and read-only, so that 200,000 CelebA faces (5.5 GB at 96x96) never have to fit into
memory. Beside it lie ``<dataset>-<key>.labels.csv`` (one row per image, same order) and
``<dataset>-<key>.meta.json`` (written last: the spec, the shape, a fingerprint of the source, the
skipped files, the pixels' SHA-256, checked by ``prepare``). The key
(:meth:`latent_fragments.data.DataSpec.key`) hashes everything that determines the pixels, so a changed
spec gets a new cache file, and a damaged, foreign or outdated cache is rebuilt
with a warning, never silently reused.

The cache is built chunk by chunk (:data:`SYNTH_CHUNK` rendered or :data:`DECODE_CHUNK` decoded images
each, in the worker pool of :mod:`latent_fragments.data.pool`), written sequentially after a ``.npy``
header (``np.lib.format``) on a temporary file that is renamed into place only when complete
(:func:`latent_fragments.artifacts.atomic_path`).
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..artifacts import ArtifactError, atomic_path, clean_stale_temps, read_json, write_json
from ..locks import file_lock
from .pixels import DecodeJob, decode_chunk
from ..progress import Progress
from .pool import ordered_results, pool_size, usable_cores
from .errors import DataError, describe_error, is_int
from .sources import Source
from .spec import LOADER_VERSION, DataSpec
from .synth import RenderJob, render_chunk

if TYPE_CHECKING:  # pandas is imported lazily: spawned decoding workers never need it
    import pandas as pd

#: Images per rendered / decoded chunk; each chunk is written into the cache as soon as it is ready.
SYNTH_CHUNK = 512
DECODE_CHUNK = 256

_READ_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "bool"}


@dataclass
class FaceSet:
    """A cached face data set: read-only memory-mapped ``uint8`` images and their label table.

    Introduced in chapter 1.
    """

    images: np.ndarray  # uint8 (N, S, S, 3), np.load(mmap_mode="r") of the cache
    labels: "pd.DataFrame"  # one row per image, same order
    spec: DataSpec
    cache_path: Path
    meta: dict[str, Any] = field(default_factory=dict, repr=False)  # the cache's meta.json

    def __len__(self) -> int:
        return int(self.images.shape[0])


def load_faces(
    spec: DataSpec, cache_dir: str | os.PathLike, workers: int | None = None, progress: bool = True,
    verify: bool = False,
) -> FaceSet:
    """Return the images of ``spec`` as a :class:`FaceSet`, building the cache under ``cache_dir`` if needed.

    Introduced in chapter 1. The cache is reused only if its meta.json matches the spec's key, the
    ``.npy`` has the recorded shape and size, and (celeba/folder) the source's fingerprint (selected
    file names, count, total bytes, newest mtime, label files) is unchanged; otherwise it is rebuilt
    with a warning saying why. If the source has gone but a valid cache remains, the cache is used with
    a warning.

    ``workers`` processes (default: all usable cores) render or decode in parallel; ``progress`` prints
    a line about every 10 %. Every load checks meta.json and the ``.npy``'s shape and size; ``verify``
    (``prepare``) also checks the pixels against the SHA-256 recorded at build time
    (:func:`pixels_problem`: one read of the file), and rebuilds a cache whose pixels were changed.
    Raises :class:`DataError` for a bad spec or a missing / empty / too small source.

    Labels per data set: ``synthfaces`` the factor table of :mod:`latent_fragments.synthfaces` (with ``index``);
    ``orl`` ``identity`` (1..40), ``shot`` (1..10), ``filename``; ``celeba`` ``filename``, the 40
    attributes as int8 -1/1 exactly as in ``list_attr_celeba.txt`` (if present) and ``partition``
    0/1/2 (train/validation/test, if ``list_eval_partition.txt`` is present); ``folder`` ``filename``
    (path relative to ``data_dir``). ``n_images`` takes the first files in sorted order; unreadable
    ones among them are skipped (one warning), so the cache may then hold fewer than ``n_images``.
    """
    if not isinstance(spec, DataSpec):
        raise DataError(f"spec must be a latent_fragments.data.DataSpec, got {type(spec).__name__}.")
    if workers is None:
        workers = usable_cores()
    elif not (is_int(workers) and workers > 0):
        raise DataError(f"workers must be a positive integer or None, got {workers!r}.")
    cache_dir = Path(cache_dir).expanduser().resolve()

    cached, why = _open_cache(spec, cache_dir, verify)
    try:
        source = spec.source()
    except DataError as exc:
        if cached is not None and spec.record.reads_data_dir:
            warnings.warn(
                f"cannot read the source of {cached.cache_path.name} ({exc}); using the cache built "
                f"{cached.meta.get('created', '?')}.",
                UserWarning,
                stacklevel=2,
            )
            return cached
        raise
    if cached is not None:
        old = cached.meta.get("source_fingerprint")
        if old == source.fingerprint:
            return cached
        change = _fingerprint_change(old, source.fingerprint)
        why = f"the source {source.what} changed since the cache was built ({change})"
    if why is not None:
        warnings.warn(f"rebuilding the image cache: {why}.", UserWarning, stacklevel=2)
    npy = _cache_paths(spec, cache_dir)[0]
    with file_lock(npy.parent / f".{npy.stem}.lock", print, f"another process is building the image cache "
                   f"{npy.name}; waiting for it"):  # built once, however many processes (a sweep's tasks) ask
        built, _ = _open_cache(spec, cache_dir, verify)
        if built is None or built.meta.get("source_fingerprint") != source.fingerprint:
            _build_cache(spec, source, cache_dir, int(workers), progress)
    built, why = _open_cache(spec, cache_dir)
    if built is None:  # pragma: no cover - only if something else rewrote the files meanwhile
        raise ArtifactError(f"the cache just built in {cache_dir} is unusable: {why}; delete it and rerun.")
    return built


def _fingerprint_change(old: Any, new: Any) -> str:
    """What differs between two source fingerprints, for the rebuild warning (chapter 1)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return "no fingerprint recorded"
    changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    parts = []
    for k in changed[:4]:
        if k == "names":
            parts.append("file names differ")
        else:
            parts.append(f"{k}: {old.get(k)} -> {new.get(k)}")
    return "; ".join(parts) or "fingerprint differs"


# --------------------------------------------------------------------------------------------------
# Reading a cache
# --------------------------------------------------------------------------------------------------
def _cache_paths(spec: DataSpec, cache_dir: Path) -> tuple[Path, Path, Path]:
    """The ``.npy``, ``.labels.csv`` and ``.meta.json`` of ``spec``'s cache in ``cache_dir`` (chapter 1)."""
    stem = f"{spec.dataset}-{spec.key()}"
    return cache_dir / f"{stem}.npy", cache_dir / f"{stem}.labels.csv", cache_dir / f"{stem}.meta.json"


def _read_labels(path: Path, dtypes: dict[str, str]) -> "pd.DataFrame":
    """The label CSV with the column types recorded in meta.json (others as text) (chapter 1)."""
    import pandas as pd

    spec = {col: (d if d in _READ_DTYPES else str) for col, d in dtypes.items()}
    return pd.read_csv(path, dtype=spec, keep_default_na=False, na_values=[""], encoding_errors="surrogateescape")


def pixels_problem(images: np.ndarray, meta: dict[str, Any]) -> str | None:
    """What is wrong with the pixels of a memory-mapped cache ``images`` against the SHA-256 its meta.json
    recorded when it was built (``pixels_sha256``: the bytes after the ``.npy`` header), or ``None`` if
    they match or no checksum was recorded (caches built before it was). Reads the whole file once.
    Introduced in chapter 1."""
    expected = meta.get("pixels_sha256")
    if expected is None or not isinstance(images, np.memmap):
        return None
    digest = hashlib.sha256()
    with open(images.filename, "rb") as fh:
        fh.seek(images.offset)
        while block := fh.read(1 << 22):
            digest.update(block)
    if digest.hexdigest() != expected:
        return (f"{Path(images.filename).name}'s pixels do not match the checksum recorded when it was built "
                f"(changed in place)")
    return None


def _open_cache(spec: DataSpec, cache_dir: Path, verify: bool = False) -> tuple[FaceSet | None, str | None]:
    """The valid cache of ``spec`` (ignoring the source fingerprint), or ``(None, why it is unusable)``;
    with ``verify`` the pixels are checked against their checksum too (:func:`pixels_problem`).

    Introduced in chapter 1. ``why`` is ``None`` when there simply is no cache yet.
    """
    npy, csv, meta_path = _cache_paths(spec, cache_dir)
    if not meta_path.exists():
        if npy.exists() or csv.exists():
            return None, f"{npy.name} has no meta.json (an interrupted build)"
        return None, None
    try:
        meta = read_json(meta_path)
    except (ArtifactError, OSError) as exc:
        return None, f"{meta_path.name} is unreadable ({exc})"
    if not isinstance(meta, dict) or meta.get("key") != spec.key() or meta.get("loader_version") != LOADER_VERSION:
        return None, f"{meta_path.name} was written for another spec or loader version"
    try:
        images = np.load(npy, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        return None, f"{npy.name} is missing, truncated or corrupt ({describe_error(exc)})"
    expected_shape = tuple(meta.get("shape", ()))
    if images.shape != expected_shape or images.dtype != np.uint8:
        return None, f"{npy.name} holds {images.dtype} {images.shape}, meta.json says uint8 {expected_shape}"
    if isinstance(images, np.memmap) and npy.stat().st_size != images.offset + images.nbytes:
        return None, f"{npy.name} has {npy.stat().st_size} bytes, expected {images.offset + images.nbytes}"
    try:
        labels = _read_labels(csv, meta.get("label_dtypes", {}))
    except Exception as exc:  # pandas raises many parser errors
        return None, f"{csv.name} is missing or unreadable ({describe_error(exc)})"
    if len(labels) != images.shape[0]:
        return None, f"{csv.name} has {len(labels)} rows for {images.shape[0]} images"
    if verify and (problem := pixels_problem(images, meta)) is not None:
        return None, problem
    return FaceSet(images=images, labels=labels, spec=spec, cache_path=npy, meta=meta), None


# --------------------------------------------------------------------------------------------------
# Building a cache
# --------------------------------------------------------------------------------------------------
@dataclass
class _Plan:
    """The chunks to render or decode, the function that does one, how many processes (chapter 1)."""

    jobs: list[Any]
    func: Callable[[Any], Any]
    chunk: int
    processes: int


@dataclass
class _Written:
    """What :func:`_write_pixels` wrote: image count, label parts (synthfaces), good rows, skipped files (chapter 1)."""

    count: int = 0
    label_parts: list["pd.DataFrame"] = field(default_factory=list)
    good_rows: list[int] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)  # of the pixel bytes, in the order written


def _build_cache(spec: DataSpec, source: Source, cache_dir: Path, workers: int, progress: bool) -> None:
    """Render or decode ``source`` chunk by chunk into the cache files (meta.json last). Introduced in chapter 1."""
    npy, csv, meta_path = _cache_paths(spec, cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(cache_dir)  # what a killed build left behind (a build in progress keeps its files)
    meta_path.unlink(missing_ok=True)  # the old cache is invalid from here on, whatever happens next
    started = time.perf_counter()
    meter = Progress(len(source.names), f"preparing {spec.dataset}", "images", enabled=progress)
    plan = _plan(spec, source, workers)
    # label files are read (and checked) before any pixel work, so a bad one fails fast
    all_labels = source.make_labels(source.names) if source.make_labels is not None else None
    with meter:
        written = _write_pixels(npy, spec, source, plan, meter)
    elapsed = time.perf_counter() - started
    _commit(spec, source, cache_dir, all_labels, written, elapsed)
    if written.skipped:
        _warn_skipped(source, written)
    if progress:
        size = int(spec.image_size)
        print(
            f"cached {written.count} {spec.dataset} images ({size}x{size}) in {elapsed:.1f} s "
            f"({written.count / max(elapsed, 1e-9):.0f} img/s) -> cache/{npy.name}",
            flush=True,
        )


def _commit(spec: DataSpec, source: Source, cache_dir: Path, all_labels: "pd.DataFrame | None", written: _Written,
            elapsed: float) -> None:
    """With the pixels in place, write the labels, then meta.json (the commit point); if either fails (a file
    name the writer cannot encode, a full disk, an interrupt) the ``.npy`` goes too, so a cache is never left
    without its meta.json, to be decoded again by every rerun (issue 23). Introduced in chapter 1."""
    npy, csv, meta_path = _cache_paths(spec, cache_dir)
    try:
        labels = _final_labels(source, all_labels, written)
        with atomic_path(csv) as tmp:
            labels.to_csv(tmp, index=False, errors="surrogateescape")  # names that are not UTF-8 kept as bytes
        write_json(meta_path, _meta(spec, source, written, labels, elapsed))
    except BaseException:
        for path in (npy, csv):
            path.unlink(missing_ok=True)
        raise


def _plan(spec: DataSpec, source: Source, workers: int) -> _Plan:
    """Cut ``source`` into chunks of at most :data:`SYNTH_CHUNK` / :data:`DECODE_CHUNK` images (chapter 1)."""
    size = int(spec.image_size)
    total = len(source.names)
    if source.kind == "synth":
        chunk = max(1, min(SYNTH_CHUNK, math.ceil(total / max(1, workers))))
        renders = [
            RenderJob(source.root, a, min(a + chunk, total), int(spec.data_seed), size) for a in range(0, total, chunk)
        ]
        return _Plan(renders, render_chunk, chunk, pool_size("synthfaces", total, workers))
    chunk = max(1, min(DECODE_CHUNK, math.ceil(total / max(1, workers))))
    decodes = [
        DecodeJob(source.kind, source.root, tuple(source.names[a : a + chunk]), size, source.crop)
        for a in range(0, total, chunk)
    ]
    return _Plan(decodes, decode_chunk, chunk, pool_size("decode", total, workers))


def _write_pixels(npy: Path, spec: DataSpec, source: Source, plan: _Plan, meter: Progress) -> _Written:
    """Write every chunk's images into the ``.npy`` (atomically; shrunk if files were skipped) (chapter 1)."""
    size = int(spec.image_size)
    total = len(source.names)
    out = _Written()
    with atomic_path(npy) as tmp:
        # the header (and the file's full size) via numpy; the pixels then by plain sequential writes, so
        # the pages written stay in the page cache instead of the process's resident memory
        header = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(total, size, size, 3))
        offset = header.offset
        del header
        results = ordered_results(plan.func, plan.jobs, plan.processes)
        with open(tmp, "r+b") as fh, contextlib.closing(results):
            fh.seek(offset)
            for job_no, result in enumerate(results):
                if source.kind == "synth":
                    images, frame = result
                    out.label_parts.append(frame.reset_index(drop=True))
                else:
                    images = result.images
                    out.good_rows.extend(job_no * plan.chunk + i for i in result.ok)
                    out.skipped.extend(result.bad)
                pixels = np.ascontiguousarray(images, dtype=np.uint8).tobytes()
                fh.write(pixels)
                out.digest.update(pixels)
                out.count += len(images)
                meter.set(out.count + len(out.skipped))
        if out.count == 0:
            name, reason = out.skipped[0]
            raise DataError(
                f"no images found in {source.what}: all {total} files failed to decode "
                f"(e.g. {name}: {reason}); expected readable .jpg/.jpeg/.png images."
            )
        if out.count < total:
            _shrink_npy(tmp, out.count)
    return out


def _final_labels(source: Source, all_labels: "pd.DataFrame | None", written: _Written) -> "pd.DataFrame":
    """The label rows of the images written, in cache order (chapter 1)."""
    if source.kind == "synth":
        import pandas as pd

        labels = pd.concat(written.label_parts, ignore_index=True)
        if len(labels) != written.count:
            raise ArtifactError(f"{source.root}.render_batch gave {len(labels)} label rows for {written.count} faces.")
        return labels
    assert all_labels is not None and len(all_labels) == len(source.names)
    return all_labels.iloc[written.good_rows].reset_index(drop=True)


def _warn_skipped(source: Source, written: _Written) -> None:
    """One ``UserWarning`` naming the first five skipped files, at the caller of :func:`load_faces` (chapter 1)."""
    skipped = written.skipped
    shown = ", ".join(f"{name} ({reason})" for name, reason in skipped[:5])
    more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
    warnings.warn(
        f"skipped {len(skipped)} unreadable image file(s) of {len(source.names)} in {source.what}: {shown}{more}; "
        f"the cache holds the other {written.count}.",
        UserWarning,
        stacklevel=4,  # _warn_skipped <- _build_cache <- load_faces <- its caller
    )


def _meta(spec: DataSpec, source: Source, written: _Written, labels: "pd.DataFrame", elapsed: float) -> dict[str, Any]:
    """The cache's meta.json: spec, key, shape, source fingerprint, skipped files, label types (chapter 1)."""
    size = int(spec.image_size)
    return {
        "loader_version": LOADER_VERSION,
        "key": spec.key(),
        "spec": {
            "dataset": spec.dataset,
            "data_dir": spec.resolved_data_dir(),
            "n_images": None if spec.n_images is None else int(spec.n_images),
            "image_size": size,
            "data_seed": int(spec.data_seed),
        },
        "key_fields": spec.key_fields(),
        "n_images": written.count,
        "shape": [written.count, size, size, 3],
        "pixels_sha256": written.digest.hexdigest(),
        "dtype": "uint8",
        "source": source.what,
        "source_fingerprint": source.fingerprint,
        "n_skipped": len(written.skipped),
        "skipped": [[name, reason] for name, reason in written.skipped[:100]],  # the first 100
        "label_dtypes": {str(c): str(t) for c, t in labels.dtypes.items()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(elapsed, 3),
    }


def _shrink_npy(path: Path, n_rows: int, chunk: int = 4096) -> None:
    """Keep only the first ``n_rows`` of the ``.npy`` at ``path`` (copied chunk-wise; replaces ``path``).

    Introduced in chapter 1.
    """
    src = np.load(path, mmap_mode="r", allow_pickle=False)
    smaller = path.with_name(path.name + ".shrink.npy")
    try:
        dst = np.lib.format.open_memmap(smaller, mode="w+", dtype=src.dtype, shape=(n_rows,) + src.shape[1:])
        for a in range(0, n_rows, chunk):
            dst[a : a + chunk] = src[a : min(a + chunk, n_rows)]
        dst.flush()
        del dst, src
        os.replace(smaller, path)
    except BaseException:
        smaller.unlink(missing_ok=True)
        raise
