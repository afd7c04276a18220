"""Atomic file writes, stale temporary files, hashes and JSON artefacts (chapter 1).

Every artefact of the book (image caches, model files, z-points, tables) is written to a temporary
file beside its destination and renamed into place, so an interrupted run never leaves a half-written
file under the final name. The temporary name records the writer's PID and host
(``.<stem>.<pid>@<host>.<random>.tmp<suffix>``), so the next run on that host can delete the temporary files of
a killed one (:func:`clean_stale_temps`); on a shared file system another node's files are left to age. Run directories
and their keys live in :mod:`latent_fragments.runs`.
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator


_UMASK = os.umask(0)
os.umask(_UMASK)


class ArtifactError(RuntimeError):
    """An artefact is missing, truncated, foreign or was made for another configuration."""


def check_destination(dest: str | os.PathLike) -> Path:
    """``dest`` as a path, or :class:`ArtifactError` if it names a folder (a file cannot be renamed onto
    it); called before any work whose result goes there (chapter 1)."""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise ArtifactError(f"{dest} is a folder; name a file to write (e.g. {dest / 'z.npy'}).")
    return dest


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only if the block succeeds.

    The temporary name keeps ``dest``'s suffix (or ``suffix``), since some writers (Keras, numpy)
    choose the format by file ending. A write lands at ``dest`` or is refused: a folder ``dest`` raises
    :class:`ArtifactError` before the block; a writer that wrote to another name than the one given (as
    ``np.save`` does when the name lacks ``.npy``: use :func:`save_npy`) raises :class:`ArtifactError`
    and ``dest`` is left as it was. Whatever happens, no temporary file (nor one a writer made of its
    name) outlives the block. Introduced in chapter 1.
    """
    dest = check_destination(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(dest.parent, stem=dest.stem)  # what a killed writer of this name left (SIGKILL)
    suffix = dest.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.stem}.{os.getpid()}@{HOST}.", suffix=f".tmp{suffix}",
                                dir=dest.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; artefacts get the usual permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        strays = _renamed_by_writer(tmp_path)
        if strays:
            raise ArtifactError(f"the writer of {dest} wrote {strays[0].name} instead of the temporary file it "
                                f"was given; nothing was written to {dest}.")
        os.replace(tmp_path, dest)
    finally:
        for path in (tmp_path, *_renamed_by_writer(tmp_path)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _renamed_by_writer(tmp: Path) -> list[Path]:
    """Files beside ``tmp`` whose name is ``tmp``'s with something appended (a writer's own suffix)."""
    return sorted(p for p in tmp.parent.glob(glob.escape(tmp.name) + "?*"))


def save_npy(dest: str | os.PathLike, array: Any) -> Path:
    """Write ``array`` as ``.npy`` to exactly ``dest`` (whatever its ending), atomically; return ``dest``.
    Introduced in chapter 1."""
    import numpy as np

    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
    return Path(dest).expanduser()


def save_npz(dest: str | os.PathLike, **arrays: Any) -> Path:
    """Write ``arrays`` as ``.npz`` to exactly ``dest`` (whatever its ending), atomically; return ``dest``.
    Introduced in chapter 1."""
    import numpy as np

    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    return Path(dest).expanduser()


#: This machine's name as temporary file names carry it (letters, digits and ``-`` only).
HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "localhost"

#: A temporary file of :func:`atomic_path`: ``.<stem>.<pid>@<host>.<8 random>.tmp<suffix>`` (older versions: no
#: host, or no pid either).
_TEMP_NAME = re.compile(r"^\..*?(?:\.(?P<pid>\d+)(?:@(?P<host>[A-Za-z0-9-]+))?)?\.[a-z0-9_]{8}\.tmp[^/]*$")

#: A temporary file without a recorded PID, or written on another host, is stale once it is this old (seconds).
UNOWNED_TEMP_AGE = 24 * 3600


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale_temps(folder: str | os.PathLike, stem: str | None = None) -> list[Path]:
    """Delete the temporary files of :func:`atomic_path` in ``folder`` whose writer is dead (its recorded PID
    runs no process on this host) or, without a PID or written on another host (a shared file system: the PID
    means nothing here), older than :data:`UNOWNED_TEMP_AGE`; return them (chapter 1).

    A process killed mid-write (SIGKILL, out of memory) leaves its temporary file behind, up to the size of
    the image cache; the next run of the same folder removes it (and the next write to the same name:
    ``stem`` limits the cleaning to the temporary files of destinations with that stem, as
    :func:`atomic_path` does). Files of live writers are kept.
    """
    folder, removed = Path(folder), []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMP_NAME.match(path.name)
        if match is None or not path.is_file() or (stem is not None and not path.name.startswith(f".{stem}.")):
            continue
        pid, host = match.group("pid"), match.group("host")
        if pid and host in (None, HOST):
            stale = not process_alive(int(pid)) and int(pid) != os.getpid()
        else:
            stale = time.time() - path.stat().st_mtime > UNOWNED_TEMP_AGE
        if stale:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path)
    return removed


def write_json(dest: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON artefact, turning a truncated or corrupt file into an :class:`ArtifactError`."""
    path = Path(path)
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"{path} is corrupt (not UTF-8 text: byte {exc.start}); delete it and rerun.") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path} is corrupt or truncated ({exc}); delete it and rerun.") from exc


def undecodable_at(raw: bytes, exc: UnicodeDecodeError) -> str:
    """Where ``raw`` stops being decodable (``"byte 0xff on line 3"``), for a one-line message about a text
    file that is not UTF-8: a label table, a sweep grid (issue 23). Introduced in chapter 1."""
    line = raw.count(b"\n", 0, exc.start) + 1
    return f"byte {raw[exc.start]:#04x} on line {line}"


def stable_hash(obj: Any, length: int = 12) -> str:
    """Hex digest of the canonical JSON form of ``obj``: equal configurations give equal keys."""
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
