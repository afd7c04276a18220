"""From an image file to a ``(S, S, 3)`` uint8 face crop: decoding, RGB conversion, crops, resizing (chapter 1).

Image conventions, for every file-based data set:

- every PIL mode becomes 8-bit RGB: grey (``L``, ``1``) is repeated into the three channels; images
  with transparency (``LA``, ``RGBA``, ``PA``, palette with a transparent colour) are composited onto
  **white**, so fully transparent pixels are white whatever colour values they hide; palette (``P``)
  and ``CMYK`` (and ``YCbCr``, ``HSV``) use PIL's conversion; 16-bit grey (``I;16``) is scaled by
  255/65535 (not clipped), 32-bit ``I`` likewise when its values exceed 255, float ``F`` is clipped to
  0..255 (or scaled by 255 if all values lie in 0..1);
- the EXIF orientation tag is applied (photos from phones come out upright);
- files that are not regular files (named pipes, devices, links to nothing) are never read (:func:`open_regular`)
  and are skipped with the unreadable ones;
- corrupt or truncated files are skipped (``ImageFile.LOAD_TRUNCATED_IMAGES`` is kept ``False`` and
  every image is fully decoded with ``img.load()``), counted and named in one ``UserWarning``; the cache
  then holds only the good images and ``labels['filename']`` says which files they are;
- resampling is Lanczos (PIL's antialiased resize), preceded by JPEG DCT-domain reduction (``draft``)
  for photos much larger than the target.

:func:`decode_chunk` decodes one chunk of files for the cache; it is module-level so that spawned worker
processes can import it.
"""
from __future__ import annotations

import io
import math
import os
import stat
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps

from ..artifacts import ArtifactError
from .errors import DataError, describe_error, is_int

#: CelebA's aligned images are 178 wide and 218 high.
CELEBA_SIZE = (178, 218)
#: The CelebA crop (left, top, right, bottom) for 178x218 images; see :func:`celeba_crop_box`.
CELEBA_BOX = (15, 40, 163, 188)


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB (transparency composited on white; see the module docstring).

    Introduced in chapter 1.
    """
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
    """The face crop ``(left, top, right, bottom)`` of an aligned CelebA image. Introduced in chapter 1.

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
    if not (is_int(width) and is_int(height) and width > 0 and height > 0):
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
    """The centred square of the shorter side, ``(left, top, right, bottom)``. Introduced in chapter 1."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return (left, top, left + side, top + side)


def center_square_resize(img: Image.Image, size: int, box: tuple | None = None) -> np.ndarray:
    """Crop ``box`` (default: the centred square of the shorter side), resize to ``size``; uint8 RGB.

    Introduced in chapter 1. Any PIL mode is accepted (see :func:`to_rgb`); resampling is Lanczos,
    antialiased when shrinking. Returns a ``(size, size, 3)`` uint8 array.
    """
    if not (is_int(size) and size > 0):
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
    """The crop box named ``crop`` ("celeba" or "center") of a ``width`` x ``height`` image (chapter 1)."""
    return celeba_crop_box(width, height) if crop == "celeba" else _center_square_box(width, height)


def decode_image(fp: str | os.PathLike | io.BytesIO, size: int, crop: str = "center") -> np.ndarray:
    """Fully decode one image file and return its ``(size, size, 3)`` uint8 face crop.

    Introduced in chapter 1. ``crop`` is ``"center"`` (centred square) or ``"celeba"``
    (:func:`celeba_crop_box`). Raises whatever PIL raises for a corrupt or truncated file: truncated
    images are never accepted silently.
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


#: What a path is when it is not a regular file, by its ``stat`` type (for the skip warning).
_NOT_FILES = {stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
              stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading if it is a regular file (after links), else ``OSError`` saying what it is.

    Introduced in chapter 1 (issue 23). A named pipe among the images would make a plain ``open`` wait for a
    writer forever, and a device may never end: the file's type is read from ``stat`` first, and the file is
    opened without waiting (``O_NONBLOCK``) and checked again, so one swapped for a pipe meanwhile is refused
    too. The decoder skips such a file with the unreadable ones.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise OSError("not a regular file: a link to a missing file") from None
        raise
    if stat.S_ISREG(mode):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            raw = io.FileIO(fd, "rb")
            raw.name = path
            return _PathFile(raw)
        os.close(fd)
    raise OSError(f"not a regular file: {_NOT_FILES.get(stat.S_IFMT(mode), 'a special file')}")


class _PathFile(io.BufferedReader):
    """A file of :func:`open_regular`, shown by its path in PIL's messages, as a file PIL opens itself is."""

    def __repr__(self) -> str:
        return repr(self.name)


@dataclass(frozen=True)
class DecodeJob:
    """One chunk of image files to decode for the cache. Introduced in chapter 1."""

    kind: str  # "dir": names are paths relative to root; "zip": names are members of the zip at root
    root: str
    names: tuple[str, ...]
    size: int
    crop: str  # "center" | "celeba"


@dataclass
class DecodedChunk:
    """The result of :func:`decode_chunk`: the good images and what was skipped. Introduced in chapter 1."""

    images: np.ndarray  # (k, S, S, 3) uint8, the good images of the chunk in order
    ok: list[int]  # positions (within the chunk) of the good images
    bad: list[tuple[str, str]]  # (name, reason) of the skipped files


def decode_chunk(job: DecodeJob) -> DecodedChunk:
    """Decode one chunk of files; unreadable files are reported, not raised. Introduced in chapter 1."""
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
                    source = open_regular(os.path.join(job.root, name))
                with source:
                    pixels = decode_image(source, job.size, job.crop)
            except MemoryError:
                raise
            except Exception as exc:  # PIL raises many types (OSError, SyntaxError, ValueError, ...)
                bad.append((name, describe_error(exc)))
                continue
            images.append(pixels)
            ok.append(pos)
    finally:
        if archive is not None:
            archive.close()
    stacked = np.stack(images) if images else np.zeros((0, job.size, job.size, 3), np.uint8)
    return DecodedChunk(stacked, ok, bad)
