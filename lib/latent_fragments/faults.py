"""Faults that are not bad input, each as one line that says what to do: a Keras backend whose package is
missing, a full disk, exhausted memory, a path that cannot be read or written (chapter 1; used by the CLI,
listed on the "What bad input gets" page)."""
from __future__ import annotations

import errno
import importlib.util
import os

from .config import ConfigError
from .layout import artifacts_root


#: Keras backends the model runs under, and the package each needs.
BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def check_backend() -> None:
    """Raise :class:`ConfigError` unless ``KERAS_BACKEND`` is unset or names a backend whose package is
    installed (the torch and jax backends are optional), before Keras is imported (chapter 1)."""
    name = os.environ.get("KERAS_BACKEND", "").strip()
    if not name:
        return
    if name not in BACKENDS:
        raise ConfigError(f"KERAS_BACKEND={name!r} is not a backend of this project; use "
                          f"{', '.join(BACKENDS)} (or unset it for tensorflow).")
    if importlib.util.find_spec(BACKENDS[name]) is None:
        how = 'pip install -e ".[torch]"' if name == "torch" else f"pip install {name}"
        raise ConfigError(f"KERAS_BACKEND={name} needs the {name} package, which is not installed; {how}, "
                          f"or unset KERAS_BACKEND to train with tensorflow.")


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is memory exhaustion: Python's, TensorFlow's or PyTorch's (named, not imported)."""
    return isinstance(exc, MemoryError) or type(exc).__name__ in ("ResourceExhaustedError",
                                                                   "OutOfMemoryError")


def fault_line(exc: BaseException, artifacts_dir: str | None) -> str | None:
    """The one ``error:`` line of a fault that is not bad input (disk full, memory exhausted, a path that
    cannot be read or written), or ``None`` for any other exception (chapter 1)."""
    if out_of_memory(exc):
        return (f"error: out of memory ({type(exc).__name__}); lower --batch-size (GPU memory) or "
                f"--n-images, or free memory, then rerun the same command (finished epochs are kept).")
    if not isinstance(exc, OSError):
        return None
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = exc.filename or artifacts_root(artifacts_dir)
        return (f"error: no space left on the device ({where}); free space there or point --artifacts-dir "
                f"(or LF_ARTIFACTS) at a disk with room, then rerun the same command (the half-written file "
                f"was removed; finished epochs are kept).")
    where = f"{exc.filename}: " if exc.filename else ""
    return (f"error: {where}{exc.strerror or exc}; check that path (does it exist, is its folder writable?), "
            f"then rerun.")
