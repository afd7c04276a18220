"""Where artefacts live: the artefact root and the names of a run folder's files, declared once (chapter 1).

Every module that finds a run, a cache or a sweep table asks :func:`artifacts_root` (a given folder, ``~``
expanded, made absolute; else :func:`latent_fragments.config.default_artifacts_dir`), and every module that
reads or writes a run's files names them by the constants here.
"""
from __future__ import annotations

import os
from pathlib import Path

from .config import default_artifacts_dir

#: The files of a run folder ``<artifacts>/runs/<dataset>-z<z_dim>-<key>/``.
CONFIG = "config.json"
MODEL = "autoencoder.keras"
HISTORY = "history.json"
SPLIT = "split.npz"
Z_TRAIN = "z_train.npy"
Z_TEST = "z_test.npy"
MANIFEST = "manifest.json"
CHECKPOINT_STATE = "checkpoint.json"
CHECKPOINT_MODEL = "checkpoint.keras"
HISTORY_CSV = "history.csv"
TENSORBOARD = "tensorboard"
#: Chapter 3's scoring network: ``FEATURE_NET_PREFIX + <key> + ".keras"`` (and ``.npz``) in the run folder.
FEATURE_NET_PREFIX = "feature_net-"

#: The files a complete run holds, checked by its manifest (written last, so a run without it is incomplete).
RUN_FILES = (CONFIG, MODEL, HISTORY, SPLIT, Z_TRAIN, Z_TEST)


def artifacts_root(artifacts_dir: str | os.PathLike | None = None) -> Path:
    """The artefact directory: ``artifacts_dir`` (``~`` expanded, absolute) if given, else
    :func:`~latent_fragments.config.default_artifacts_dir`. Introduced in chapter 1."""
    return Path(artifacts_dir).expanduser().resolve() if artifacts_dir else default_artifacts_dir()


def runs_root(artifacts_dir: str | os.PathLike | None = None) -> Path:
    """``<artifacts>/runs``, where run folders live. Introduced in chapter 1."""
    return artifacts_root(artifacts_dir) / "runs"


def cache_root(artifacts_dir: str | os.PathLike | None = None) -> Path:
    """``<artifacts>/cache``, where the uint8 image caches live. Introduced in chapter 1."""
    return artifacts_root(artifacts_dir) / "cache"


def sweeps_root(artifacts_dir: str | os.PathLike | None = None) -> Path:
    """``<artifacts>/sweeps``, where the tables of chapter 5's sweeps live. Introduced in chapter 5."""
    return artifacts_root(artifacts_dir) / "sweeps"
