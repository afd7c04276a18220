"""A lock per run folder, so that one configuration is trained once however many processes ask (chapter 1).

:func:`run_lock` takes an exclusive ``fcntl.flock`` on ``.<run name>.lock`` beside the run folder (not in
it: a run that fails before training leaves no run folder, and ``--fresh`` may delete the folder). A
second process asking for the same run says that it is being trained elsewhere and waits; once it holds
the lock it finds the finished run and reuses it (see :func:`latent_fragments.runs.get_run`). The lock
file is deleted on release; the kernel drops the lock of a holder that is killed, so a crashed run
never blocks the next one (which reuses its lock file).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Callable, Iterator


def lock_path(folder: str | os.PathLike) -> Path:
    """The lock file of the run folder ``folder``: ``.<name>.lock`` beside it (chapter 1)."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


def _acquire(path: Path, log: Callable[[str], None]) -> int:
    """Open and lock ``path``; retry if the file was replaced meanwhile (its holder deleted it). Chapter 1."""
    said = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not said:
                log(f"another process is training this configuration ({path.parent / path.name[1:-5]}); "
                    f"waiting for it to finish")
                said = True
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def run_lock(folder: str | os.PathLike, log: Callable[[str], None] = print) -> Iterator[Path]:
    """Hold the exclusive lock of the run folder ``folder`` for the block; wait for it if another process
    holds it, saying so once. The lock file is deleted when released. Introduced in chapter 1."""
    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path, log)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # before unlocking: a waiter then sees a replaced file and retries
        os.close(fd)
