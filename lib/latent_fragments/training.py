"""Training that streams uint8 batches from the image cache, checkpoints every epoch and resumes (chapter 1).

The cached images stay uint8 on disk (memory-mapped); each batch is converted to float32 in [0, 1] only
when it is fed to the model, so the whole set is never held as float32 in memory. The order of every
epoch is a fixed function of ``(seed, epoch)``, so an interrupted run that resumes sees the same batches
as one that was never interrupted.
"""
from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from .artifacts import ArtifactError, atomic_path, read_json, write_json
from .config import ConfigError, RunConfig
from .layout import CHECKPOINT_MODEL, CHECKPOINT_STATE, HISTORY_CSV, TENSORBOARD
from .progress import Progress
from . import vae as _vae  # noqa: F401  (registers the VAE's Keras objects: saved VAEs load)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Batch size used to encode and decode (inference only; independent of the training batch size).
INFERENCE_BATCH = 256


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and held-out indices of ``n`` images: a random split seeded by the run's
    ``split_seed`` (chapter 1)."""
    if n < 2:
        raise ValueError(f"need at least 2 images to hold some out, got {n}.")
    order = np.random.default_rng([seed, 1]).permutation(n)
    n_test = held_out_count(n, test_fraction)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def held_out_count(n: int, test_fraction: float) -> int:
    """How many of ``n >= 2`` images :func:`split_indices` holds out: at least one, and one fewer than all at
    most (chapter 1); computed without drawing the split."""
    return min(max(1, int(round(n * test_fraction))), n - 1)


def split_for(n: int, labels: "pd.DataFrame | None", test_fraction: float,
              split_seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Train and held-out indices of a run's ``n`` images and how they were chosen (chapter 1).

    CelebA's official partition where the label table has a ``partition`` column (from
    ``list_eval_partition.txt``) and the images hold both sides of it: train = partition 0, held-out =
    partitions 1 and 2 (validation and test), ``test_fraction`` unused; method ``"partition"``. Otherwise
    the seeded split of ``split_seed``, method ``"seeded"``. Neither depends on the model's seed, so runs of
    every model seed on the same data share their held-out images.
    """
    if labels is not None and "partition" in labels.columns:
        part = labels["partition"].to_numpy()
        train, test = np.flatnonzero(part == 0), np.flatnonzero(part != 0)
        if len(train) and len(test):
            return train, test, "partition"
    train, test = split_indices(n, test_fraction, split_seed)
    return train, test, "seeded"


def epoch_order(indices: np.ndarray, seed: int, epoch: int) -> np.ndarray:
    """Shuffled order of ``indices`` for one epoch: the same for the same ``(seed, epoch)``."""
    return np.random.default_rng([seed, 2, epoch]).permutation(indices)


def to_float(batch: np.ndarray) -> np.ndarray:
    """uint8 images -> float32 in [0, 1]."""
    return np.asarray(batch, dtype=np.float32) * np.float32(1.0 / 255.0)


def _npy_rows(images: np.ndarray) -> tuple[str, int, int] | None:
    """``(file, data offset, bytes per row)`` if ``images`` is a whole memory-mapped ``.npy`` file."""
    if not isinstance(images, np.memmap) or images.filename is None or not images.flags.c_contiguous:
        return None
    row_bytes = int(np.prod(images.shape[1:])) * images.dtype.itemsize
    try:
        size = os.path.getsize(images.filename)
    except OSError:
        return None
    if row_bytes == 0 or (size - images.offset) // row_bytes != len(images):
        return None  # a slice of the file, not the whole of it: fall back to indexing
    return images.filename, images.offset, row_bytes


def read_rows(images: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``images[idx]`` as a new array. For a memory-mapped cache the rows are read with ``os.pread``
    instead of through the map, so that the pages read stay in the page cache and are not counted in
    (and do not grow) the process's resident memory, whatever the size of the cache (chapter 1)."""
    where = _npy_rows(images)
    out = np.empty((len(idx),) + images.shape[1:], dtype=images.dtype)
    if where is None:
        out[...] = images[idx]
        return out
    filename, offset, row_bytes = where
    flat = out.reshape(len(idx), -1).view(np.uint8)
    fd = os.open(filename, os.O_RDONLY)
    try:
        for k, i in enumerate(np.asarray(idx, dtype=np.int64)):
            data = os.pread(fd, row_bytes, offset + int(i) * row_bytes)
            if len(data) != row_bytes:
                raise OSError(f"{filename} is shorter than its header says (row {i}); delete it to rebuild the cache")
            flat[k] = np.frombuffer(data, dtype=np.uint8)
    finally:
        os.close(fd)
    return out


def iter_batches(images: np.ndarray, indices: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    """uint8 batches of ``images[indices]`` in the given order (reads sorted indices within a batch)."""
    for start in range(0, len(indices), batch_size):
        idx = indices[start : start + batch_size]
        sort = np.argsort(idx, kind="stable")
        batch = np.empty((len(idx),) + images.shape[1:], dtype=images.dtype)
        batch[sort] = read_rows(images, idx[sort])
        yield batch


def make_stream(images: np.ndarray, indices: np.ndarray, cfg: RunConfig, shuffle: bool, first_epoch: int = 0):
    """A Keras-ready stream of ``(x, x)`` float32 batches and its number of steps per epoch.

    Under the TensorFlow backend this is a ``tf.data`` pipeline (uint8 from the memory map, cast in the
    graph, prefetched); under JAX or PyTorch a ``keras.utils.PyDataset``.
    """
    import keras

    steps = math.ceil(len(indices) / cfg.batch_size)
    shape = images.shape[1:]

    @functools.lru_cache(maxsize=2)
    def order_of(epoch: int) -> np.ndarray:
        return epoch_order(indices, cfg.seed, epoch) if shuffle else indices

    def read_batch(epoch: int, step: int) -> np.ndarray:
        order = order_of(epoch)
        return next(iter_batches(images, order[step * cfg.batch_size : (step + 1) * cfg.batch_size], cfg.batch_size))

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # One element per (epoch, step); each batch is read from the memory map by a numpy function
        # running in tf.data's threads (measured faster here than a Python generator, see benchmarks/).
        def steps_of(epoch):
            return tf.data.Dataset.range(steps).map(lambda step: (epoch, step))

        def read(epoch, step):
            batch = tf.numpy_function(lambda e, s: read_batch(int(e), int(s)), [epoch, step], tf.uint8)
            x = tf.reshape(tf.cast(batch, tf.float32) * (1.0 / 255.0), (-1,) + shape)
            return x, x

        ds = tf.data.Dataset.range(first_epoch, 1 << 30).flat_map(steps_of)
        return ds.map(read, num_parallel_calls=2, deterministic=True).prefetch(2), steps

    class UInt8Stream(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self._epoch = first_epoch

        def __len__(self) -> int:
            return steps

        def __getitem__(self, i: int):
            x = to_float(read_batch(self._epoch, i))
            return x, x

        def on_epoch_end(self) -> None:
            self._epoch += 1

    return UInt8Stream(), steps


def write_history_csv(path: Path, history: list[dict]) -> None:
    """Write the epoch rows of ``history`` as CSV to ``path`` atomically (chapter 1).

    The whole file is rewritten from the checkpointed history after every epoch, so a resumed run never
    holds a row twice nor a row of an epoch whose checkpoint was lost.
    """
    import csv

    first = ["epoch", "loss", "val_loss", "seconds", "images_per_s"]
    columns = [c for c in first if any(c in row for row in history)]
    columns += sorted({k for row in history for k in row} - set(columns))
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(history)


def epoch_checkpoint(model_path: Path, state_path: Path, key: str, n_train: int, history: list[dict],
                     epochs: int, log: Callable[[str], None], steps: int = 0):
    """A Keras callback that shows the steps of each epoch live (a transient progress display) and, after
    every epoch, saves the model, the history and the CSV log (:data:`~latent_fragments.layout.HISTORY_CSV`)
    atomically and logs one line with the loss and the images/s of that epoch."""
    import keras

    class EpochCheckpoint(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()
            self._bar = Progress(steps, f"epoch {epoch + 1}/{epochs}", "steps", enabled=steps > 0, leave=False)

        def on_train_batch_end(self, batch, logs=None):
            self._bar.set(batch + 1)

        def on_epoch_end(self, epoch, logs=None):
            self._bar.close()
            seconds = time.perf_counter() - self._t0
            row = {k: float(v) for k, v in (logs or {}).items()}
            row.update(epoch=epoch + 1, seconds=seconds, images_per_s=n_train / seconds)
            history.append(row)
            with atomic_path(model_path) as tmp:
                self.model.save(tmp)
            write_json(state_path, {"key": key, "epochs_done": epoch + 1, "history": history})
            write_history_csv(model_path.parent / HISTORY_CSV, history)
            val = f", held-out loss {row['val_loss']:.4f}" if "val_loss" in row else ""
            log(f"epoch {epoch + 1}/{epochs}: loss {row['loss']:.4f}{val}, "
                f"{seconds:.0f} s, {row['images_per_s']:.0f} img/s")

    return EpochCheckpoint()


def fit(cfg: RunConfig, images: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray, workdir: Path,
        log: Callable[[str], None] = print, callbacks: list | None = None, tensorboard: bool = False):
    """Train (or resume training of) the autoencoder of ``cfg`` on ``images[train_idx]`` (chapter 1).

    Checkpoints go to ``workdir/checkpoint.keras`` and ``workdir/checkpoint.json`` after every epoch, the
    per-epoch log to ``workdir/history.csv`` (and, with ``tensorboard``, TensorBoard logs to
    ``workdir/tensorboard``); if a checkpoint exists, training resumes after the last completed epoch.
    Returns ``(autoencoder, history)``. The model is built (or resumed) and trained under the dtype policy
    of ``cfg.precision`` (:func:`precision_policy`).
    """
    with precision_policy(cfg.precision):
        return _fit(cfg, images, train_idx, test_idx, workdir, log, callbacks, tensorboard)


@contextlib.contextmanager
def precision_policy(precision: str) -> Iterator[None]:
    """Keras's global dtype policy set to ``precision`` (``float32`` or ``mixed_bfloat16``, a
    :class:`RunConfig` field) for the block, the previous one restored afterwards. Layers keep the policy
    they were made with, so a model trained in mixed precision loads as such. Introduced in chapter 1."""
    import keras

    before = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(before)


def _fit(cfg: RunConfig, images: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray, workdir: Path,
         log: Callable[[str], None], callbacks: list | None, tensorboard: bool):
    """The body of :func:`fit`, under the run's dtype policy."""
    import keras

    from .model import build_autoencoder

    ckpt_model, ckpt_state = workdir / CHECKPOINT_MODEL, workdir / CHECKPOINT_STATE
    history: list[dict] = []
    first_epoch = 0
    if ckpt_model.exists() and ckpt_state.exists():
        autoencoder, history, first_epoch = _resume(ckpt_model, ckpt_state, cfg)
        log(f"resuming from the checkpoint after epoch {first_epoch}/{cfg.epochs}")
    else:
        autoencoder = build_autoencoder(cfg)
    if first_epoch >= cfg.epochs:
        return autoencoder, history
    keras.utils.set_random_seed(cfg.seed + first_epoch)
    train_stream, steps = make_stream(images, train_idx, cfg, shuffle=True, first_epoch=first_epoch)
    val_stream, val_steps = make_stream(images, test_idx, cfg, shuffle=False)
    callback = epoch_checkpoint(ckpt_model, ckpt_state, cfg.key(), len(train_idx), history, cfg.epochs, log, steps)
    extra = {"shuffle": False} if keras.backend.backend() == "tensorflow" else {}
    log(f"training on {len(train_idx)} images, {len(test_idx)} held out, "
        f"epochs {first_epoch + 1}..{cfg.epochs}, batch {cfg.batch_size}, backend {keras.backend.backend()}, {cfg.precision}")
    autoencoder.fit(
        train_stream,
        epochs=cfg.epochs,
        initial_epoch=first_epoch,
        steps_per_epoch=steps,
        validation_data=val_stream,
        validation_steps=val_steps,
        callbacks=[callback, *(callbacks or []), *([tensorboard_callback(workdir)] if tensorboard else [])],
        verbose=0,
        **extra,
    )
    return autoencoder, history


def _resume(ckpt_model: Path, ckpt_state: Path, cfg: RunConfig) -> tuple[object, list[dict], int]:
    """(autoencoder, history, epochs done) of a run's checkpoint; a damaged or foreign checkpoint raises
    :class:`ArtifactError` naming the file and what to do (chapter 1)."""
    import keras

    fresh = f"rerun with --fresh (or delete {ckpt_state.parent}) to train this configuration from scratch"
    try:
        state = read_json(ckpt_state)
        history, done, key = list(state["history"]), int(state["epochs_done"]), state.get("key")
    except (ArtifactError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ArtifactError(f"{ckpt_state} is damaged (cut short or edited); {fresh}.") from exc
    if key != cfg.key():
        raise ArtifactError(f"{ckpt_state} belongs to another configuration; {fresh}.")
    try:
        model = keras.saving.load_model(ckpt_model, safe_mode=True)
    except Exception as exc:  # Keras reports a cut-short .keras file as "file not found" or a zip error
        raise ArtifactError(f"{ckpt_model} is damaged (cut short, e.g. by an interrupt while it was written: "
                            f"{type(exc).__name__}); {fresh}.") from exc
    return model, history, done


def predict_batched(model, images: np.ndarray, indices: np.ndarray | None = None,
                    batch_size: int = INFERENCE_BATCH, desc: str | None = None) -> np.ndarray:
    """Run ``model`` over uint8 ``images`` (optionally ``images[indices]``) in batches; float32 result.

    With ``desc`` the images done are shown live (:func:`latent_fragments.progress.progress`)."""
    if indices is None:
        indices = np.arange(len(images))
    outputs = []
    with Progress(len(indices), desc or "", "images", enabled=desc is not None) as bar:
        for batch in iter_batches(images, indices, batch_size):
            outputs.append(np.asarray(model.predict_on_batch(to_float(batch)), dtype=np.float32))
            bar.update(len(batch))
    if not outputs:
        return np.zeros((0,) + tuple(model.output.shape[1:]), dtype=np.float32)
    return np.concatenate(outputs)


def decode_to_uint8(decoder, z: np.ndarray, batch_size: int = INFERENCE_BATCH) -> np.ndarray:
    """Decode z-points to uint8 images (chapter 1)."""
    z = np.asarray(z, dtype=np.float32)
    out = [np.asarray(decoder.predict_on_batch(z[s : s + batch_size])) for s in range(0, len(z), batch_size)]
    return np.clip(np.rint(np.concatenate(out) * 255.0), 0, 255).astype(np.uint8)


def require_tensorboard() -> None:
    """Raise :class:`ConfigError` with what to do unless the ``tensorboard`` package is installed (it is
    optional: ``tensorflow-cpu`` does not ship it). Introduced in chapter 1."""
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        raise ConfigError("--tensorboard needs the tensorboard package, which is not installed; pip install "
                          "tensorboard, or train without --tensorboard (history.csv holds the same numbers).")


def tensorboard_callback(workdir: Path):
    """A Keras TensorBoard callback that logs into ``workdir/tensorboard`` (``--tensorboard``; chapter 1)."""
    import keras

    return keras.callbacks.TensorBoard(log_dir=str(workdir / TENSORBOARD))


def progress_printer(stream=None) -> Callable[[str], None]:
    """A ``log`` function that prints and flushes at once (so notebooks and CLIs show progress live)."""
    stream = stream or sys.stdout

    def log(message: str) -> None:
        print(message, file=stream, flush=True)

    return log
