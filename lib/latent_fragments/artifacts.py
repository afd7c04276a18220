"""Atomic file writes, stale temporary files, hashes and JSON artefacts (chapter 1).

Every artefact of the book (image caches, model files, z-points, tables) is written to a temporary
file beside its destination and renamed into place, so an interrupted run never leaves a half-written
file under the final name. The temporary name records the writer's PID (``.<stem>.<pid>.<random>.tmp<suffix>``),
so the next run can delete the temporary files of a killed one (:func:`clean_stale_temps`). Run directories
and their keys live in :mod:`latent_fragments.runs`.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator


_UMASK = os.umask(0)
os.umask(_UMASK)


class ArtifactError(RuntimeError):
    """An artefact is missing, truncated, foreign or was made for another configuration."""


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only if the block succeeds.

    The temporary name keeps ``dest``'s suffix (or ``suffix``), since some writers (Keras, numpy)
    choose the format by file ending. On any exception the temporary file is removed and ``dest`` is
    left as it was.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    suffix = dest.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.stem}.{os.getpid()}.", suffix=f".tmp{suffix}", dir=dest.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; artefacts get the usual permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


#: A temporary file of :func:`atomic_path`: ``.<stem>.<pid>.<8 random>.tmp<suffix>`` (no pid: older versions).
_TEMP_NAME = re.compile(r"^\..*?(?:\.(?P<pid>\d+))?\.[a-z0-9_]{8}\.tmp[^/]*$")

#: A temporary file without a recorded PID is stale once it is this old (seconds).
UNOWNED_TEMP_AGE = 24 * 3600


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files of :func:`atomic_path` in ``folder`` whose writer is dead (its recorded PID
    runs no process) or, without a PID, older than :data:`UNOWNED_TEMP_AGE`; return them (chapter 1).

    A process killed mid-write (SIGKILL, out of memory) leaves its temporary file behind, up to the size of
    the image cache; the next run of the same folder removes it. Files of live writers are kept.
    """
    folder, removed = Path(folder), []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMP_NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        pid = match.group("pid")
        stale = (not process_alive(int(pid))) if pid else time.time() - path.stat().st_mtime > UNOWNED_TEMP_AGE
        if stale and pid != str(os.getpid()):
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
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path} is corrupt or truncated ({exc}); delete it and rerun.") from exc


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
