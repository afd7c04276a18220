"""A trained run: its artefact directory, and loading it or training it first (chapter 1).

Layout of ``<artifacts>/runs/<dataset>-z<z_dim>-<key>/``::

    config.json      the effective RunConfig and its key
    autoencoder.keras
    history.json     one row per epoch (loss, held-out loss, seconds, images/s)
    history.csv      the same rows as CSV, rewritten after every epoch (also while training)
    split.npz        train and held-out indices into the image cache, and how they were chosen
    z_train.npy      z-points of the training images   (float32, N_train x z_dim)
    z_test.npy       z-points of the held-out images
    manifest.json    size and SHA-256 of the files of RUN_FILES; written last, so a run without it is incomplete
    tensorboard/     TensorBoard logs, only when asked (``--tensorboard``)

and beside it ``.<dataset>-z<z_dim>-<key>.lock``, held (fcntl.flock) while a process trains the run, so
that it is trained once.

Chapters 2-4 call :func:`get_run` with their parameters and get the run of chapter 1, trained first if it
is absent, so each chapter runs on its own.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np

from .artifacts import (ArtifactError, atomic_path, clean_stale_temps, file_sha256, read_json, save_npy, save_npz,
                        write_json)
from .config import RunConfig
from .layout import (CHECKPOINT_MODEL, CHECKPOINT_STATE, CONFIG, HISTORY, MANIFEST, MODEL, RUN_FILES, SPLIT,
                     Z_TEST, Z_TRAIN, cache_root, runs_root)
from .locks import run_lock
from .training import decode_to_uint8, fit, predict_batched, progress_printer, require_tensorboard, split_for

@dataclass
class Run:
    """A finished run: configuration, data, split, history and z-points; the model loads on first use."""

    config: RunConfig
    path: Path
    faces: "object"  # latent_fragments.data.FaceSet
    train_idx: np.ndarray
    test_idx: np.ndarray
    history: list[dict]
    z_train: np.ndarray
    z_test: np.ndarray
    split_method: str = "seeded"  # "partition": CelebA's official one (see training.split_for)
    _model: object = field(default=None, repr=False)

    @cached_property
    def autoencoder(self):
        """The trained autoencoder, loaded with Keras safe mode."""
        if self._model is not None:
            return self._model
        import keras

        try:
            model = keras.saving.load_model(self.path / MODEL, safe_mode=True)
            encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
        except Exception as exc:  # a truncated or foreign file
            raise ArtifactError(
                f"cannot load {self.path / MODEL} as this run's autoencoder ({type(exc).__name__}: "
                f"{exc}); delete {self.path} and rerun to retrain."
            ) from exc
        size = self.config.image_size
        expected = {"encoder input": (size, size, 3), "encoder output": (self.config.z_dim,),
                    "decoder output": (size, size, 3)}
        found = {"encoder input": tuple(encoder.input.shape[1:]), "encoder output": tuple(encoder.output.shape[1:]),
                 "decoder output": tuple(decoder.output.shape[1:])}
        if found != expected:
            raise ArtifactError(
                f"{self.path / MODEL} is a model of another shape ({found}, expected {expected}); "
                f"delete {self.path} and rerun to retrain."
            )
        return model

    @property
    def encoder(self):
        """The encoder half (image -> z-point)."""
        return self.autoencoder.get_layer("encoder")

    @property
    def decoder(self):
        """The decoder half (z-point -> image)."""
        return self.autoencoder.get_layer("decoder")

    def indices(self, split: str) -> np.ndarray:
        """Image indices of ``"train"`` or ``"test"`` (held-out)."""
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        return self.train_idx if split == "train" else self.test_idx

    def images(self, split: str, n: int | None = None) -> np.ndarray:
        """The first ``n`` uint8 images of a split (a copy; keep ``n`` modest for large sets)."""
        idx = self.indices(split)[:n]
        return np.asarray(self.faces.images[idx])

    def labels(self, split: str):
        """Factor / attribute / identity table of a split, one row per z-point."""
        return self.faces.labels.iloc[self.indices(split)].reset_index(drop=True)

    def encode(self, images: np.ndarray) -> np.ndarray:
        """z-points of uint8 images."""
        return predict_batched(self.encoder, images)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """uint8 images decoded from z-points."""
        return decode_to_uint8(self.decoder, z)

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """uint8 reconstructions of uint8 images."""
        return self.decode(self.encode(images))


def run_dir(cfg: RunConfig, artifacts_dir: str | os.PathLike | None = None) -> Path:
    """Directory of the run of ``cfg`` (which need not exist yet)."""
    return runs_root(artifacts_dir) / cfg.run_name()


def _check_writable(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ArtifactError(
            f"cannot write to the artefact directory {path} ({exc.strerror}); pass a writable "
            f"artifacts_dir (papermill -p artifacts_dir DIR, CLI --artifacts-dir DIR) or set LF_ARTIFACTS."
        ) from exc


def write_manifest(path: Path) -> None:
    """Record size and SHA-256 of every run file; the manifest marks the run complete."""
    files = {name: {"bytes": (path / name).stat().st_size, "sha256": file_sha256(path / name)} for name in RUN_FILES}
    write_json(path / MANIFEST, {"files": files})


def verify_run(path: Path, cfg: RunConfig) -> None:
    """Raise :class:`ArtifactError` unless ``path`` holds a complete run made for exactly ``cfg``."""
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        raise ArtifactError(f"{path} holds no complete run (no manifest.json).")
    stored = read_json(path / CONFIG)
    if not isinstance(stored, dict) or not isinstance(stored.get("config"), dict):
        raise ArtifactError(f"{path / CONFIG} is not a run's configuration (malformed); delete {path} and rerun.")
    stored_config = {k: v for k, v in stored["config"].items() if k != "data_dir"}
    if stored.get("key") != cfg.key() or stored_config != cfg.portable_dict():
        differing = sorted(k for k, v in cfg.portable_dict().items() if stored_config.get(k) != v)
        raise ArtifactError(
            f"{path} was trained for another configuration (its config.json differs in "
            f"{', '.join(differing) or 'its key'}); it is not reused. Delete it, or use the parameters it was made with."
        )
    mismatch = manifest_mismatch(path, read_json(manifest_path))
    if mismatch is not None:
        name, what = mismatch
        raise ArtifactError(f"{path / name} {what}; delete {path} and rerun to retrain.")


def manifest_mismatch(path: Path, manifest: dict) -> tuple[str, str] | None:
    """The first file of :data:`RUN_FILES` in the run folder ``path`` that is missing or differs from
    ``manifest``, as ``(name, what is wrong)``, or ``None`` when all match; a malformed manifest is
    ``(MANIFEST, ...)`` (chapter 1)."""
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return MANIFEST, "is malformed (it lists no files: edited, or written by other code)"
    for name in RUN_FILES:
        entry = files.get(name)
        file = path / name
        if not isinstance(entry, dict) or not file.exists():
            return name, "is missing"
        if file.stat().st_size != entry.get("bytes") or file_sha256(file) != entry.get("sha256"):
            return name, "does not match its manifest (truncated or changed)"
    return None


def load_run(cfg: RunConfig, artifacts_dir: str | os.PathLike | None = None, faces=None) -> Run:
    """Load the finished run of ``cfg``; raise :class:`ArtifactError` if absent, stale or damaged."""
    path = run_dir(cfg, artifacts_dir)
    verify_run(path, cfg)
    if faces is None:
        faces = load_data(cfg, artifacts_dir, progress=False)
    with np.load(path / SPLIT, allow_pickle=False) as split:
        train_idx, test_idx = split["train"], split["test"]
        split_method = str(split["method"])
    if max(train_idx.max(), test_idx.max()) >= len(faces):
        raise ArtifactError(f"{path} indexes more images than the cache holds; delete it and rerun.")
    return Run(
        config=cfg,
        path=path,
        faces=faces,
        train_idx=train_idx,
        test_idx=test_idx,
        history=read_json(path / HISTORY),
        z_train=np.load(path / Z_TRAIN, mmap_mode="r", allow_pickle=False),
        z_test=np.load(path / Z_TEST, mmap_mode="r", allow_pickle=False),
        split_method=split_method,
    )


def load_data(cfg: RunConfig, artifacts_dir: str | os.PathLike | None = None, progress: bool = True,
              verify: bool = False):
    """The image cache of ``cfg``'s data (built on first use) under ``<artifacts>/cache``; ``verify``
    checks its pixels against their checksum (rebuilt if changed; ``prepare`` does)."""
    from .data import load_faces

    return load_faces(cfg.data_spec(), cache_root(artifacts_dir), progress=progress, verify=verify)


def _split(cfg: RunConfig, faces) -> tuple[np.ndarray, np.ndarray, str]:
    """The run's train/held-out split (:func:`split_for`); fewer than 2 images raise :class:`DataError`."""
    from .data import DataError

    if len(faces) < 2:
        where = cfg.dataset if cfg.data_dir is None else f"{cfg.dataset} {cfg.data_dir}"
        raise DataError(f"only {len(faces)} image in {where}; a run needs at least 2 (one to train on, one "
                        f"held out): give n_images >= 2, or a folder with more images.")
    return split_for(len(faces), faces.labels, cfg.test_fraction, cfg.split_seed)


def train_run(cfg: RunConfig, artifacts_dir: str | os.PathLike | None = None,
              log: Callable[[str], None] | None = None, tensorboard: bool = False) -> Run:
    """Train the run of ``cfg`` (resuming an interrupted one), encode both splits, and store everything.

    The caller holds the run's lock (:func:`get_run`); temporary files of a killed earlier attempt are
    deleted first. ``tensorboard`` also writes TensorBoard logs to ``<run>/tensorboard``.
    """
    log = log or progress_printer()
    path = run_dir(cfg, artifacts_dir)
    _check_writable(path.parent.parent)  # the artefact root; the run's own folder comes after the data loaded
    faces = load_data(cfg, artifacts_dir)
    train_idx, test_idx, method = _split(cfg, faces)  # before the run's folder: too few images leave none
    path.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path)
    if method == "partition":
        log("held out: CelebA's official validation and test partitions (list_eval_partition.txt)")
    write_json(path / CONFIG, {"key": cfg.key(), "config": cfg.as_dict()})
    save_npz(path / SPLIT, train=train_idx, test=test_idx, method=np.array(method))
    autoencoder, history = fit(cfg, faces.images, train_idx, test_idx, path, log=log, tensorboard=tensorboard)
    diverged = divergence(history)
    if diverged is not None:
        raise ArtifactError(f"the training of runs/{path.name} diverged ({diverged}); it is not stored as a result. "
                            f"Lower --learning-rate (now {cfg.learning_rate:g}) or change --seed; runs clean deletes "
                            f"the unfinished run.")
    with atomic_path(path / MODEL) as tmp:
        autoencoder.save(tmp)
    write_json(path / HISTORY, history)
    encoder = autoencoder.get_layer("encoder")
    for name, idx in ((Z_TRAIN, train_idx), (Z_TEST, test_idx)):
        save_npy(path / name, predict_batched(encoder, faces.images, idx, desc=f"encoding {name[2:-4]} images"))
    write_manifest(path)
    for name in (CHECKPOINT_MODEL, CHECKPOINT_STATE):
        (path / name).unlink(missing_ok=True)
    log(f"run stored in runs/{path.name} (under the artefact directory)")
    run = load_run(cfg, artifacts_dir, faces=faces)
    run._model = autoencoder
    return run


def divergence(history: list[dict]) -> str | None:
    """The first epoch whose training or held-out loss is not finite (``"epoch 3: loss nan"``), or ``None``:
    a diverged training is never stored as a run (chapter 1)."""
    for row in history:
        for name in ("loss", "val_loss"):
            value = row.get(name)
            if value is not None and not np.isfinite(value):
                return f"epoch {row.get('epoch', '?')}: {name} {value}"
    return None


def get_run(cfg: RunConfig, artifacts_dir: str | os.PathLike | None = None, train: bool = True,
            log: Callable[[str], None] | None = None, tensorboard: bool = False, fresh: bool = False) -> Run:
    """The run of ``cfg``: loaded if complete, otherwise trained first (or resumed) when ``train`` is true.

    A damaged run (truncated file, foreign config) is never reused: it raises with what to do. Training
    holds the run's lock (:mod:`latent_fragments.locks`): a second process asking for the same run at the
    same time waits for the first and then loads its run instead of training it again. ``fresh``
    (``train --fresh``) deletes the run's folder and trains it anew under the same lock, held from the
    deletion to the manifest; if another process holds it, it refuses at once, deleting nothing.
    """
    path = run_dir(cfg, artifacts_dir)
    if (path / MANIFEST).exists() and not fresh:
        return load_run(cfg, artifacts_dir)
    if not train:
        raise ArtifactError(f"no trained run for this configuration at {path}; train it first "
                            f"(python -m latent_fragments train ...).")
    if tensorboard:
        require_tensorboard()
    _check_writable(path.parent.parent)
    with run_lock(path, log or progress_printer(), refuse="train --fresh refused" if fresh else None):
        if fresh:
            _delete_folder(path)
        elif (path / MANIFEST).exists():  # trained by the process we waited for
            return load_run(cfg, artifacts_dir)
        return train_run(cfg, artifacts_dir, log=log, tensorboard=tensorboard)


def _delete_folder(path: Path) -> None:
    """Delete the run folder ``path`` whole (the caller holds its lock); absent is fine, a partial deletion raises."""
    if path.exists():
        shutil.rmtree(path)


def remove_run(cfg: RunConfig, artifacts_dir: str | os.PathLike | None = None) -> None:
    """Delete the run directory of ``cfg`` under its lock, or raise :class:`~latent_fragments.locks.RunBusy`
    naming the process that holds it (chapter 1)."""
    path = run_dir(cfg, artifacts_dir)
    with run_lock(path, refuse="deleting the run refused"):
        _delete_folder(path)
