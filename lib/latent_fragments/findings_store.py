"""What each chapter measured, kept beside its run for the findings page (chapter 6).

A chapter ends with one hidden call, ``record_findings(run.path, "ch4", {...})``: plain numbers and
labels (JSON), written atomically to ``<run>/findings/ch4.json``. The findings page reads them with
:func:`load_findings` instead of recomputing them, so it states exactly what the chapters computed. A
record carries the chapter's own parameters (``settings``) so that a page can say which run and which
settings a figure comes from.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import read_json, write_json

__all__ = ["FINDINGS_DIR", "record_findings", "load_findings", "plain"]

#: The folder of a run's directory that holds one JSON file per chapter.
FINDINGS_DIR = "findings"


def plain(value: Any) -> Any:
    """``value`` as JSON-ready Python: numpy scalars and arrays to numbers and lists, NaN to None.

    Introduced in chapter 6.
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"cannot record a {type(value).__name__} as a finding; give numbers, strings or lists")


def record_findings(run_path: str | os.PathLike, chapter: str, values: Mapping[str, Any]) -> Path:
    """Write ``values`` (numbers, labels, lists) as ``<run_path>/findings/<chapter>.json``. Chapter 6.

    Replaces an earlier record of the same chapter atomically; returns the file's path.
    """
    if not chapter.isidentifier():
        raise ValueError(f"chapter key {chapter!r} must be an identifier such as 'ch4'")
    dest = Path(run_path) / FINDINGS_DIR / f"{chapter}.json"
    write_json(dest, plain(dict(values)))
    return dest


def load_findings(run_path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Every chapter's record of the run at ``run_path``: chapter key -> values (chapter 6).

    A chapter that has not recorded anything is absent; an unreadable record is skipped with its
    error under ``"_errors"`` (chapter key -> one line), so one damaged file does not hide the rest.
    """
    folder = Path(run_path) / FINDINGS_DIR
    found: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.name.startswith("."):
            continue
        try:
            found[path.stem] = read_json(path)
        except Exception as exc:  # a damaged record names itself, the others still load
            errors[path.stem] = f"{path.name}: {type(exc).__name__}: {exc}"
    if errors:
        found["_errors"] = errors
    return found
