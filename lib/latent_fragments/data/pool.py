"""The worker pool that renders and decodes the cache's chunks (chapter 1).

Rendering and decoding run in parallel in ``spawn``-ed worker processes (safe beside TensorFlow and in
notebooks; a *script* that calls :func:`latent_fragments.data.load_faces` with ``workers > 1`` needs the
usual ``if __name__ == "__main__":`` guard). :func:`usable_cores` is also the thread count of the
neighbour search (:mod:`latent_fragments.stats.neighbours`).
"""
from __future__ import annotations

import collections
import itertools
import math
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Sequence

#: Below this many images per process, a worker pool costs more (process start-up) than it saves.
MIN_PER_PROCESS = {"synthfaces": 128, "decode": 512}


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask, e.g. of a container), else ``os.cpu_count()``.

    Introduced in chapter 1 (the default number of workers of :func:`latent_fragments.data.load_faces`).
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def pool_size(work: str, total: int, workers: int) -> int:
    """Processes worth starting for ``total`` images of ``work`` ("synthfaces" or "decode"), at most ``workers``.

    Introduced in chapter 1. Each process gets at least ``MIN_PER_PROCESS[work]`` images; at least one.
    """
    return max(1, min(workers, math.ceil(total / MIN_PER_PROCESS[work])))


def ordered_results(func: Callable[[Any], Any], jobs: Sequence[Any], workers: int) -> Iterator[Any]:
    """Yield ``func(job)`` for every job, in order; with ``workers > 1`` in spawned processes.

    Introduced in chapter 1. At most ``2 * workers`` chunks are in flight, so finished chunks never pile
    up in memory. The workers die with this process (issue 23): they ignore Ctrl-C, which the parent
    answers (its terminal sends it to the whole process group), they are terminated at once when the
    parent stops early (an interrupt, an error), and each ends itself when its parent is gone (killed),
    so no worker outlives an interrupted ``prepare``.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield func(job)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_start, initargs=(os.getpid(),))
    finished = False
    try:
        remaining = iter(jobs)
        pending = collections.deque(_submit(pool, func, job) for job in itertools.islice(remaining, 2 * workers))
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
                pending.append(_submit(pool, func, job))
            yield result
        finished = True
    finally:
        if not finished:
            _terminate(pool)
        pool.shutdown(wait=True, cancel_futures=True)


#: Seconds between a worker's checks that its parent still runs.
PARENT_POLL_SECONDS = 0.2


def _worker_start(parent: int) -> None:
    """A worker's start (chapter 1, issue 23): Ctrl-C is the parent's to answer, and a thread ends the
    worker as soon as its parent is gone (killed: nothing else would stop it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _submit(pool: ProcessPoolExecutor, func: Callable[[Any], Any], job: Any):
    """``pool.submit``, with Ctrl-C held back from the workers it may start: a worker starts with SIGINT
    blocked (the mask is inherited), so a Ctrl-C while it imports never prints its traceback."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        return pool.submit(func, job)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return pool.submit(func, job)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the workers of ``pool`` now, without waiting for their chunks (Python 3.14 has
    ``terminate_workers``; before it, the pool's processes are reached directly)."""
    if hasattr(pool, "terminate_workers"):
        pool.terminate_workers()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
