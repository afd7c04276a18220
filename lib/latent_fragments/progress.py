"""One live progress display for long work: data preparation, training, encoding, null-model draws (chapter 1).

:func:`progress` picks how to show it once, from where it runs:

- ``"tqdm"``: stderr is a terminal -> tqdm's bar on stderr;
- ``"notebook"``: inside a Jupyter kernel -> one plain-text display updated in place (no widgets, so a
  stored page loads no JavaScript); the stored notebook keeps only the final line. A transient display
  (``leave=False``) is not shown in a notebook at all: a display cleared to nothing would still leave an
  empty output area on the rendered page;
- ``"line"``: anything else (a pipe, a log file, a test) -> only the final line, printed once on stdout.

Usage::

    for draw in progress(range(n_draws), "null draws", unit="draws"):
        ...
    with progress(total=len(names), desc="preparing celeba", unit="images") as bar:
        bar.set(done)  # or bar.update(k)

Long, slow work (chapter 5's grid of runs) asks for ``timing=True`` (time elapsed and to go instead of the
rate) and adds a ``status`` after the counts: ``bar.set(done, status="1 failed, 2 training")``.
"""
from __future__ import annotations

import sys
import time
from typing import Iterable, Iterator, TextIO, TypeVar

T = TypeVar("T")

#: Seconds between two updates of a notebook display (a terminal bar rate-limits itself).
NOTEBOOK_INTERVAL = 0.5


def display_mode(stream: TextIO | None = None) -> str:
    """``"tqdm"``, ``"notebook"`` or ``"line"``: how progress is shown here. Introduced in chapter 1."""
    stream = stream or sys.stderr
    if getattr(stream, "isatty", lambda: False)():
        return "tqdm"
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return "notebook" if getattr(shell, "kernel", None) is not None else "line"


def _rate(done: int, seconds: float, unit: str) -> str:
    return f"{done / max(seconds, 1e-9):.0f} {'img' if unit == 'images' else unit}/s"


def clock(seconds: float) -> str:
    """``H:MM:SS`` of a number of seconds. Introduced in chapter 5 (the grid's time elapsed and to go)."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _timing(done: int, total: int, seconds: float) -> str:
    """Time elapsed and, from the mean time per finished unit, about how long the rest takes."""
    to_go = f", about {clock(seconds / done * (total - done))} to go" if 0 < done < total else ""
    return f"{clock(seconds)} elapsed{to_go}"


class Progress:
    """A progress display of ``total`` units; see the module for the three modes. Introduced in chapter 1.

    ``leave=False`` makes it transient: nothing is left once it closes (for the steps of one epoch, whose
    summary line is logged separately); in a notebook it is not shown, so that it leaves no empty output.
    ``timing=True`` shows time elapsed and to go instead of the rate (tqdm's bar shows both anyway), and
    ``status`` (given to :meth:`set`) follows the counts (chapter 5's grid).
    """

    def __init__(self, total: int, desc: str, unit: str = "images", enabled: bool = True, leave: bool = True,
                 mode: str | None = None, timing: bool = False) -> None:
        self.total, self.desc, self.unit, self.leave, self.timing = int(total), desc, unit, leave, timing
        self.status = ""
        self.mode = (mode or display_mode()) if enabled else "off"
        if self.mode == "notebook" and not leave:
            self.mode = "off"
        self.done, self.start, self._shown, self._closed = 0, time.perf_counter(), 0.0, False
        self._bar = self._handle = None
        if self.mode == "tqdm":
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=desc, unit=unit[:-1] if unit.endswith("s") else unit,
                             leave=leave, file=sys.stderr)
        elif self.mode == "notebook":
            from IPython.display import Pretty, display

            self._handle = display(Pretty(self.line()), display_id=True)

    def line(self) -> str:
        """The text line: ``<desc>: done/total <unit> (rate)``, or with ``timing`` ``(H:MM:SS elapsed, about
        H:MM:SS to go)``, then ``, <status>`` if there is one."""
        seconds = time.perf_counter() - self.start
        pace = _timing(self.done, self.total, seconds) if self.timing else _rate(self.done, seconds, self.unit)
        status = f", {self.status}" if self.status else ""
        return f"{self.desc}: {self.done}/{self.total} {self.unit} ({pace}){status}"

    def set(self, done: int, status: str | None = None) -> None:
        """Show ``done`` units finished (and the ``status`` after the counts, when given: a display with a
        status is redrawn even when ``done`` has not changed, so its time elapsed moves on)."""
        step, self.done = int(done) - self.done, int(done)
        if status is not None:
            self.status = status
        if self._bar is not None:
            if status is not None:
                self._bar.set_postfix_str(status, refresh=False)
            self._bar.update(step)
            if status is not None and step == 0:
                self._bar.refresh()
        elif self._handle is not None and time.perf_counter() - self._shown >= NOTEBOOK_INTERVAL:
            self._shown = time.perf_counter()
            self._handle.update(self._pretty(self.line()))

    def update(self, n: int = 1) -> None:
        """Show ``n`` more units finished."""
        self.set(self.done + n)

    def close(self) -> None:
        """Finish: leave the final line (or nothing when not ``leave``)."""
        if self._closed:
            return
        self._closed = True
        final = self.line() if self.leave else ""
        if self._bar is not None:
            self._bar.close()
        elif self._handle is not None:
            self._handle.update(self._pretty(final))
        elif self.mode == "line" and final:
            print(final, flush=True)

    @staticmethod
    def _pretty(text: str):
        from IPython.display import Pretty

        return Pretty(text)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(iterable: Iterable[T] | None = None, desc: str = "working", total: int | None = None,
             unit: str = "items", enabled: bool = True, leave: bool = True) -> "Progress | Iterator[T]":
    """A :class:`Progress` of ``total`` units, or, given an iterable, its items with progress shown per item
    (``total`` defaults to its ``len``). Introduced in chapter 1; chapter 4's null-model draws call it too."""
    if iterable is None:
        return Progress(total or 0, desc, unit, enabled, leave)
    return _iterate(iterable, Progress(len(iterable) if total is None else total, desc, unit, enabled, leave))


def _iterate(iterable: Iterable[T], bar: Progress) -> Iterator[T]:
    with bar:
        for item in iterable:
            yield item
            bar.update()
