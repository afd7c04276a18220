"""TensorFlow's start-up noise, filtered where it is printed (chapter 1).

TensorFlow's C++ runtime writes INFO lines straight to file descriptor 2 while ``import tensorflow``
runs ("All log messages before absl::InitializeLog() ...", "oneDNN custom operations are on ...",
"This TensorFlow binary is optimized ..."); ``TF_CPP_MIN_LOG_LEVEL`` does not reach all of them because
some are logged before absl's logging is initialised. :func:`filtered_stderr` captures descriptor 2
around a block and writes back every line that is not such noise, so the project's own warnings (a
rebuilt cache, skipped files) still reach the console and the book's pages.
:func:`install` arranges that the first ``import tensorflow`` of the process runs inside it, and
:func:`quiet` (also lowering ``TF_CPP_MIN_LOG_LEVEL``) is what a program calls where it starts: the
command line's entry, a chapter's preamble (:func:`latent_fragments.chapter.open_chapter`), the test
session. Importing the package does neither: it changes nothing in the process. Inside a Jupyter
kernel (a chapter being executed), where every line on descriptor 2 lands on the page, the import of
TensorFlow also starts :func:`filter_descriptor_2`, which keeps
filtering the noise TensorFlow prints later (grappler's remapper message on the first training step).
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Lines TensorFlow's C++ runtime prints on start-up or on its first graph optimisation that say
#: nothing about the run: absl's pre-initialisation notice, oneDNN and CPU-feature notes, CUDA
#: plugin double registrations, and grappler's harmless remapper failure on LeakyRelu gradients.
NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|port\.cc:\d+\] oneDNN custom operations are on"
    r"|cpu_feature_guard\.cc:\d+\]"
    r"|This TensorFlow binary is optimized to use available CPU instructions"
    r"|To enable the following instructions: .*rebuild TensorFlow"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|computation_placer\.cc:\d+\] .*already registered"
    r"|meta_optimizer\.cc:\d+\] remapper failed: .*LeakyRelu"
)


#: Warnings of TensorFlow's Python logger that concern its tracing cache, not the run.
PYTHON_NOISE = re.compile(r"triggered tf\.function retracing")


class DropNoise(logging.Filter):
    """Drops :data:`PYTHON_NOISE` records of the ``tensorflow`` logger. Introduced in chapter 1."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not PYTHON_NOISE.search(record.getMessage())


def keep_lines(text: str, noise: re.Pattern[str] = NOISE) -> str:
    """The lines of ``text`` that are not TensorFlow noise, line ends kept. Introduced in chapter 1."""
    return "".join(line for line in text.splitlines(keepends=True) if not noise.search(line))


@contextmanager
def filtered_stderr(noise: re.Pattern[str] = NOISE) -> Iterator[None]:
    """Capture file descriptor 2 during the block; afterwards re-emit its non-noise lines on
    ``sys.stderr``. Python-level writes to ``sys.stderr`` inside the block are kept too.
    Introduced in chapter 1."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = keep_lines(capture.read().decode("utf-8", errors="replace"), noise)
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


_FILTER_THREAD: list[threading.Thread] = []


def filter_descriptor_2(noise: re.Pattern[str] = NOISE) -> threading.Thread:
    """For the rest of the process, route file descriptor 2 through a pipe whose reader thread drops
    the noise lines and writes the rest to the former descriptor 2; returns that thread (one per
    process). Each C++ log line is one ``write`` below the pipe's atomic size, so it is filtered whole.
    Introduced in chapter 1."""
    if _FILTER_THREAD:
        return _FILTER_THREAD[0]
    read_end, write_end = os.pipe()
    target = os.dup(2)
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward() -> None:
        while chunk := os.read(read_end, 65536):
            kept = keep_lines(chunk.decode("utf-8", errors="replace"), noise)
            if kept:
                os.write(target, kept.encode("utf-8"))
        os.close(read_end)

    thread = threading.Thread(target=forward, name="tfnoise-stderr-filter", daemon=True)
    thread.start()
    _FILTER_THREAD.append(thread)
    return thread


def _in_kernel() -> bool:
    kernelapp = sys.modules.get("ipykernel.kernelapp")
    return bool(kernelapp is not None and kernelapp.IPKernelApp.initialized())


class _QuietLoader(importlib.abc.Loader):
    """Runs the wrapped loader's ``exec_module`` inside :func:`filtered_stderr` (then, in a Jupyter
    kernel, starts :func:`filter_descriptor_2`)."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        with filtered_stderr():
            self._loader.exec_module(module)
        if _in_kernel():
            filter_descriptor_2()


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` once, with a loader that filters its start-up noise, then steps aside."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def install() -> None:
    """Filter the noise of the process's first ``import tensorflow`` (no-op if it already happened)
    and TensorFlow's retracing warnings. Introduced in chapter 1."""
    tf_logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, DropNoise) for f in tf_logger.filters):
        tf_logger.addFilter(DropNoise())
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietFinder())


def quiet() -> None:
    """Quieten TensorFlow before it loads: ``TF_CPP_MIN_LOG_LEVEL=2`` unless set, and :func:`install`.
    Called where a program starts (the CLI, a chapter's preamble, the tests), never on import.
    Introduced in chapter 1."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    install()
