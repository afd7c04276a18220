"""The scoring feature network: a small CNN whose features judge generated images (chapter 3).

Chapter 3 compares generators by the distribution of their decoded images in a feature space (Fréchet
distance, KID, precision and recall). Inception weights cannot be downloaded here, and a second autoencoder
barely tells noise from faces (its features keep what reconstruction needs, not what makes a face). This
network is trained on the run's training split only, so it never sees the held-out images that serve as
the reference set, in one of two ways (its :data:`KINDS`):

- ``"supervised"``, where the data carry labels (the run's ``faces.labels`` table: the renderer's factors
  for synthfaces, the attributes for CelebA, the identity for ORL; only the columns
  :func:`latent_fragments.data.labels.label_columns` keeps, never an identifier or a split marker): a
  linear read-out of the standardised label targets (mean squared error);
- ``"rotation"``, where they carry none (a folder of photos, CelebA without its attribute file): the
  self-supervised task of Gidaris, Singh & Komodakis (2018, "Unsupervised representation learning by
  predicting image rotations", ICLR, arXiv:1803.07728). Each training image is shown rotated by 0, 90, 180
  and 270 degrees and the network predicts which (softmax over the four, cross-entropy): to tell which way
  is up it must find the eyes, the mouth and the hair line.

Architecture (one for both): the 96x96 images are averaged down to 32x32, three 3x3 convolutions of 16, 32
and 64 filters, each followed by 2x2 max pooling, a dense layer of 32 units, and the read-out. The features
are each convolution's spatially averaged activations (fine scales: edges and texture, which blur removes
and noise adds, as in the pooled features of the FID) beside the dense layer (the task's content). Its
weights are cached in the run's folder, keyed by the run, the training indices, the kind and the network's
settings.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..artifacts import ArtifactError, atomic_path, stable_hash
from ..data.labels import MAX_LEVELS, is_categorical, label_columns
from ..layout import FEATURE_NET_PREFIX

__all__ = [
    "FEATURE_DIM",
    "KINDS",
    "ROTATION",
    "SUPERVISED",
    "FeatureNet",
    "LeakageError",
    "default_epochs",
    "feature_kind",
    "feature_net_for_run",
    "fit_feature_net",
    "label_targets",
    "rotated",
]

#: Filters of the three convolutions, and units of the dense layer after them.
CONV_WIDTHS = (16, 32, 64)
DENSE_DIM = 32
#: Width of the feature vector: each convolution's mean activation per filter, and the dense layer.
FEATURE_DIM = sum(CONV_WIDTHS) + DENSE_DIM
#: At most this many training images train the network (a random subset of larger training sets).
MAX_TRAIN = 30_000
_DOWNSAMPLE = 3  # 96 -> 32
#: The two kinds of scoring network: trained on the data's labels, or on predicting image rotations.
SUPERVISED, ROTATION = "supervised", "rotation"
KINDS = (SUPERVISED, ROTATION)
#: The rotation task's classes: 0, 90, 180 and 270 degrees.
N_ROTATIONS = 4


class LeakageError(ValueError):
    """A scoring network was asked to train on images of the held-out reference set."""


def label_targets(labels: pd.DataFrame, max_levels: int = MAX_LEVELS) -> np.ndarray:
    """Standardised regression targets from a label table, float32 ``(n, n_targets)``. Chapter 3.

    The columns are those :func:`latent_fragments.data.labels.label_columns` keeps (identifiers such as an
    image index or a renderer seed, split markers, constant and non-numeric columns are dropped).
    Continuous and binary columns are standardised; categorical columns of 3 or more levels (a hair
    style, an ORL identity) become one standardised indicator column per level.
    """
    blocks = []
    for name in label_columns(labels, max_levels):
        column = labels[name]
        values = column.to_numpy(dtype=np.float64)
        if is_categorical(column, max_levels) and column.nunique() > 2:
            values = (values[:, None] == np.unique(values)[None, :]).astype(np.float64)
        blocks.append(values.reshape(len(column), -1))
    if not blocks:
        raise ValueError("the label table has no usable column (numeric, not constant, not an identifier)")
    x = np.concatenate(blocks, axis=1)
    return ((x - x.mean(axis=0)) / x.std(axis=0)).astype(np.float32)


def feature_kind(labels: pd.DataFrame, max_levels: int = MAX_LEVELS) -> str:
    """The scoring network a label table allows: :data:`SUPERVISED` if it has a usable label column
    (:func:`latent_fragments.data.labels.label_columns`), else :data:`ROTATION`. Introduced in chapter 3."""
    return SUPERVISED if label_columns(labels, max_levels) else ROTATION


def _build(n_targets: int, seed: int, kind: str = SUPERVISED):
    """(trainable model on 32x32 inputs -> targets, feature extractor on 96x96 uint8-scaled inputs).

    The read-out is linear with mean squared error (:data:`SUPERVISED`) or a softmax over ``n_targets``
    classes with cross-entropy (:data:`ROTATION`)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(int(seed))
    small = keras.Input((96 // _DOWNSAMPLE, 96 // _DOWNSAMPLE, 3))
    x, pooled = small, []
    for width in CONV_WIDTHS:
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        pooled.append(layers.GlobalAveragePooling2D()(x))
        x = layers.MaxPooling2D(2)(x)
    dense = layers.Dense(DENSE_DIM, activation="relu")(layers.Flatten()(x))
    features = layers.Concatenate(name="features")([*pooled, dense])
    body = keras.Model(small, features, name="feature_body")
    activation, loss = (None, "mse") if kind == SUPERVISED else ("softmax", "sparse_categorical_crossentropy")
    readout = layers.Dense(n_targets, activation=activation, name="targets")(features)
    trainable = keras.Model(small, readout, name="feature_net")
    trainable.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    full = keras.Input((96, 96, 3))
    extractor = keras.Model(full, body(layers.AveragePooling2D(_DOWNSAMPLE)(full)), name="feature_extractor")
    return trainable, extractor


def _downsampled(images: np.ndarray, idx: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """float32 images in [0, 1], averaged over 3x3 blocks to 32x32, read in chunks (bounded memory)."""
    from ..training import read_rows

    side = 96 // _DOWNSAMPLE
    out = np.empty((len(idx), side, side, 3), dtype=np.float32)
    for start in range(0, len(idx), chunk):
        rows = read_rows(images, idx[start:start + chunk]).astype(np.float32) / 255.0
        out[start:start + chunk] = rows.reshape(-1, side, _DOWNSAMPLE, side, _DOWNSAMPLE, 3).mean(axis=(2, 4))
    return out


@dataclass
class FeatureNet:
    """A trained scoring network, its feature scaling, and the image indices it was trained on. Chapter 3.

    ``model`` maps images to the raw features; :meth:`features` standardises them with ``mean`` and
    ``scale``, the features' mean and standard deviation over the (unrotated) training images, so that
    every feature counts alike in the Euclidean distances of precision and recall (units that never fire on
    the training images get an infinite scale, i.e. the constant 0).
    """

    model: object
    mean: np.ndarray
    scale: np.ndarray
    train_idx: np.ndarray
    #: How it was trained, one of :data:`KINDS`.
    kind: str = SUPERVISED

    def raw_features(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Unscaled features (float64, ``(n, FEATURE_DIM)``) of uint8 images ``(n, 96, 96, 3)``."""
        from ..training import predict_batched

        return predict_batched(self.model, np.asarray(images), batch_size=batch_size).astype(np.float64)

    def features(self, images: np.ndarray) -> np.ndarray:
        """Standardised features (float64, ``(n, FEATURE_DIM)``) of uint8 images."""
        return (self.raw_features(images) - self.mean) / self.scale


def _scaling(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sd = raw.std(axis=0)
    return raw.mean(axis=0), np.where(sd > 1e-6 * max(float(sd.max()), 1e-12), sd, np.inf)


def rotated(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rotation task's training pairs: every square image of ``x`` (``(n, s, s, c)``) rotated by 0, 90,
    180 and 270 degrees (``(4n, s, s, c)``, rotation-major) and the rotation's class 0-3 (int32, ``(4n,)``).
    Introduced in chapter 3."""
    pictures = np.concatenate([np.rot90(x, k, axes=(1, 2)) for k in range(N_ROTATIONS)])
    return pictures, np.repeat(np.arange(N_ROTATIONS, dtype=np.int32), len(x))


def fit_feature_net(images: np.ndarray, targets: np.ndarray | None, train_idx: np.ndarray,
                    held_out_idx: np.ndarray, epochs: int = 6, batch_size: int = 64,
                    seed: int = 0) -> FeatureNet:
    """Train the scoring network on ``images[train_idx]``. Chapter 3.

    ``targets`` (float ``(n_images, n_targets)``, e.g. :func:`label_targets`) trains a :data:`SUPERVISED`
    network against ``targets[train_idx]``; ``None`` trains a :data:`ROTATION` network, which predicts the
    rotation of each training image shown at all four angles (:func:`rotated`). Raises
    :class:`LeakageError` if any training index is also in ``held_out_idx`` (the reference set the network
    will score against): no network that scores images trains on the held-out images. Larger training sets
    are subsampled to :data:`MAX_TRAIN` training pairs (a quarter as many images for the rotation task);
    ``train_idx`` of the result lists the images used.
    """
    kind = ROTATION if targets is None else SUPERVISED
    train_idx = np.sort(np.asarray(train_idx, dtype=np.int64))
    overlap = np.intersect1d(train_idx, np.asarray(held_out_idx, dtype=np.int64))
    if overlap.size:
        raise LeakageError(f"{overlap.size} training indices of the scoring network are held-out images")
    max_images = MAX_TRAIN if kind == SUPERVISED else MAX_TRAIN // N_ROTATIONS
    if len(train_idx) > max_images:
        train_idx = np.sort(np.random.default_rng([seed, 4]).choice(train_idx, max_images, replace=False))
    x = _downsampled(images, train_idx)
    if kind == SUPERVISED:
        pairs, n_out = (x, np.asarray(targets, dtype=np.float32)[train_idx]), targets.shape[1]
    else:
        pairs, n_out = rotated(x), N_ROTATIONS
    trainable, extractor = _build(n_out, seed, kind)
    trainable.fit(*pairs, epochs=int(epochs), batch_size=int(batch_size), shuffle=True, verbose=0)
    body = extractor.get_layer("feature_body")
    mean, scale = _scaling(np.concatenate([np.asarray(body.predict_on_batch(x[s:s + 256]), dtype=np.float64)
                                           for s in range(0, len(x), 256)]))
    return FeatureNet(model=extractor, mean=mean, scale=scale, train_idx=train_idx, kind=kind)


def _cache_path(run, epochs: int, seed: int, kind: str) -> Path:
    key = stable_hash({"run": run.config.key(), "train": stable_hash(np.asarray(run.train_idx).tolist()),
                       "test": stable_hash(np.asarray(run.test_idx).tolist()), "epochs": int(epochs),
                       "seed": int(seed), "dim": FEATURE_DIM, "kind": kind, "version": 2})
    return Path(run.path) / f"{FEATURE_NET_PREFIX}{key}.keras"


def default_epochs(n_train: int) -> int:
    """Epochs of the scoring network: about 16,000 image presentations, at least 4 and at most 20 epochs."""
    return int(min(20, max(4, math.ceil(16_000 / max(1, int(n_train))))))


def feature_net_for_run(run, epochs: int | None = None, seed: int = 0,
                        log: Callable[[str], None] | None = None, kind: str | None = None) -> FeatureNet:
    """The scoring network of ``run``: loaded from the run's folder, or trained on its training split first.

    Introduced in chapter 3. ``kind`` (one of :data:`KINDS`) defaults to what the run's labels allow
    (:func:`feature_kind`): targets from ``run.faces.labels`` (:func:`label_targets`) where it has a usable
    label column, the rotation task where not. The training indices are ``run.train_idx``, checked against
    ``run.test_idx``; ``epochs`` defaults to :func:`default_epochs` of the number of training pairs (four per
    image for the rotation task). The weights and the feature scaling are written atomically
    (:func:`latent_fragments.artifacts.atomic_path`) to ``feature_net-<key>.keras`` and ``.npz`` in the run's
    folder, keyed by the run's configuration, its split, the kind and the network's settings, so a second
    build reuses them.
    """
    kind = feature_kind(run.faces.labels) if kind is None else kind
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    import keras

    train_idx = np.asarray(run.train_idx)
    pairs = len(train_idx) * (1 if kind == SUPERVISED else N_ROTATIONS)
    epochs = default_epochs(pairs) if epochs is None else int(epochs)
    path = _cache_path(run, epochs, seed, kind)
    scaling = path.with_suffix(".npz")
    if path.exists() and scaling.exists():
        try:
            model = keras.saving.load_model(path, safe_mode=True)
            with np.load(scaling, allow_pickle=False) as stored:
                return FeatureNet(model=model, mean=stored["mean"], scale=stored["scale"], train_idx=train_idx,
                                  kind=kind)
        except Exception as exc:  # a truncated or foreign file
            raise ArtifactError(f"cannot load the scoring network {path} ({exc}); delete it and rerun.") from exc
    if log:
        log(f"training the {kind} scoring network on {len(train_idx)} training images ({epochs} epochs)")
    targets = label_targets(run.faces.labels) if kind == SUPERVISED else None
    net = fit_feature_net(run.faces.images, targets, train_idx, run.test_idx, epochs=epochs, seed=seed)
    with atomic_path(scaling) as tmp:
        np.savez(tmp, mean=net.mean, scale=net.scale)
    with atomic_path(path) as tmp:
        net.model.save(tmp)
    return net
