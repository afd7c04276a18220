"""A lock per run folder, so that one configuration is trained once however many processes ask (chapter 1).

:func:`run_lock` takes an exclusive ``fcntl.flock`` on ``.<run name>.lock`` beside the run folder (not in
it: a run that fails before training leaves no run folder, and ``--fresh`` may delete the folder). A
second process asking for the same run says that it is being trained elsewhere and waits; once it holds
the lock it finds the finished run and reuses it (see :func:`latent_fragments.runs.get_run`). The lock
file is deleted on release; the kernel drops the lock of a holder that is killed, so a crashed run
never blocks the next one (which reuses its lock file). :func:`file_lock` is the same lock on any file (the
image cache's build, the sweep table's merge); :func:`held_elsewhere` lets chapter 5's sweep move on past a run
that another process is training. Whatever deletes or replaces a run (``train --fresh``, ``runs clean``,
``runs import``) holds the run's lock for the whole operation; one that must not wait passes ``refuse`` and
gets one line naming the holder's process instead (:class:`RunBusy`), so no run is deleted under its holder.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Callable, Iterator

from .artifacts import ArtifactError


class RunBusy(ArtifactError):
    """The lock is held by another process (its PID in :attr:`pid`; 0 if it has not written it yet)."""

    def __init__(self, message: str, pid: int) -> None:
        super().__init__(message)
        self.pid = pid


def lock_path(folder: str | os.PathLike) -> Path:
    """The lock file of the run folder ``folder``: ``.<name>.lock`` beside it (chapter 1)."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


def holder(path: str | os.PathLike) -> int | None:
    """The PID of the live process holding the lock file ``path`` (0 if it has not written it yet), or
    ``None`` if no process holds it. Creates nothing (chapter 1)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else 0
    finally:
        os.close(fd)  # closing drops a lock taken here
    return None


def _busy(path: Path, refuse: str) -> RunBusy:
    """The one line of a refusal: what was refused, the locked folder, the holder's PID, what to do."""
    pid = holder(path) or 0
    who = f"process {pid}" if pid else "another process"
    return RunBusy(f"{refuse}: {path.parent / path.name[1:].removesuffix('.lock')} is held by {who} (training, "
                   f"importing or deleting it); wait for it to finish or stop it, then rerun.", pid)


def _acquire(path: Path, log: Callable[[str], None], waiting: str, refuse: str | None = None) -> int:
    """Open and lock ``path``, saying ``waiting`` once if another process holds it (or, with ``refuse``,
    raising :class:`RunBusy` instead of waiting); retry if the file was replaced meanwhile (its holder
    deleted it). Chapter 1."""
    said = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if refuse is not None:
                    os.close(fd)
                    raise _busy(path, refuse) from None
                if not said:
                    log(waiting)
                    said = True
                fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:  # ENOLCK, EOPNOTSUPP: a file system without flock
            os.close(fd)
            raise OSError(exc.errno, f"cannot lock {path} ({exc.strerror}): the artefact directory's file system "
                          f"does not support flock; on NFS use v4 (or v3 with lockd), on Lustre mount with -o "
                          f"flock, or set LF_ARTIFACTS to a local disk") from exc
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def run_lock(folder: str | os.PathLike, log: Callable[[str], None] = print,
             refuse: str | None = None) -> Iterator[Path]:
    """Hold the exclusive lock of the run folder ``folder`` for the block; wait for it if another process
    holds it, saying so once, or, with ``refuse`` (what is refused, e.g. ``"train --fresh refused"``),
    raise :class:`RunBusy` naming the holder. The lock file is deleted when released. Introduced in chapter 1."""
    path = lock_path(folder)
    with file_lock(path, log, f"another process is training this configuration ({Path(folder)}); waiting for "
                   f"it to finish", refuse):
        yield path


@contextlib.contextmanager
def file_lock(path: str | os.PathLike, log: Callable[[str], None] = print,
              waiting: str | None = None, refuse: str | None = None) -> Iterator[Path]:
    """Hold an exclusive ``flock`` on the lock file ``path`` for the block, waiting for another holder (and
    saying ``waiting`` once, if given); the file is deleted when released. The run lock, the image cache's
    build and the sweep table's merge take one each (chapters 1 and 5).

    ``flock`` serialises processes on one machine; across machines it needs a shared file system that
    implements it (NFSv4, or NFSv3 with lockd; Lustre mounted with ``-o flock``); where it does not, this
    raises an :class:`OSError` that says so."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path, log if waiting else (lambda message: None), waiting or "", refuse)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # before unlocking: a waiter then sees a replaced file and retries
        os.close(fd)


def held_elsewhere(folder: str | os.PathLike) -> bool:
    """Whether another process holds the lock of the run folder ``folder`` now (chapter 5's sweep moves on
    to another run instead of waiting). Creates nothing; a lock freed a moment later reads as free."""
    return holder(lock_path(folder)) is not None
