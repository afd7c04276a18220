"""The convolutional autoencoder of the blog series (chapter 1).

Encoder: four strided ``Conv2D`` layers (96 -> 48 -> 24 -> 12 -> 6), ``Flatten``, a linear ``Dense(z_dim)``
whose output is the z-point. Decoder: ``Dense`` -> ``Reshape`` to 6x6 -> four strided ``Conv2DTranspose``
layers back to 96x96x3, the last with a sigmoid. Only Keras 3 layers and ``keras.ops`` are used, so the same
code runs under TensorFlow (default), JAX or PyTorch (set ``KERAS_BACKEND``).

Variants (chapter 5): ``batch_norm=True`` puts a ``BatchNormalization`` after every convolution but the
last; ``model="vae"`` makes the encoder a Gaussian posterior (heads ``z`` for the mean and ``z_log_var``)
whose :class:`PosteriorSample` layer draws a reparameterised sample and adds the KL term (beta = 1) while
training, and passes the mean otherwise, so the encoder's output, the z-point of every chapter, is the
posterior mean. The VAE's reconstruction term is summed over the 27,648 pixel values (:mod:`latent_fragments.vae`).
"""
from __future__ import annotations

import contextlib
import random
from typing import TYPE_CHECKING, Iterator

from .config import RunConfig

if TYPE_CHECKING:  # pragma: no cover
    import keras

#: Spatial size after the four stride-2 convolutions of a 96x96 image.
BOTTLENECK_SIZE = 6


def _conv_block(layer, x, cfg: RunConfig, name: str, activation: str):
    """``layer`` -> batch normalisation when ``cfg.batch_norm`` -> activation (chapters 1 and 5)."""
    from keras import layers

    x = layer(x)
    if cfg.batch_norm and activation != "sigmoid":
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
    # the sigmoid output in float32 also under mixed precision, so that the BCE loss is computed stably
    dtype = "float32" if activation == "sigmoid" else None
    return layers.Activation(activation, name=f"{name}_act", dtype=dtype)(x)


def build_encoder(cfg: RunConfig) -> keras.Model:
    """Encoder of chapter 1: image (96, 96, 3) in [0, 1] -> z-point (z_dim,), linear output.

    For ``cfg.model == "vae"`` (chapter 5) the z-point is the posterior mean at inference and a
    reparameterised posterior sample while training."""
    import keras
    from keras import layers

    inputs = keras.Input((cfg.image_size, cfg.image_size, 3), name="image")
    x = inputs
    for i, width in enumerate(cfg.filters):
        conv = layers.Conv2D(width, cfg.kernel_size, strides=2, padding="same", name=f"conv{i + 1}")
        x = _conv_block(conv, x, cfg, f"conv{i + 1}", cfg.activation)
    x = layers.Flatten(name="flatten")(x)
    z = layers.Dense(cfg.z_dim, name="z", dtype="float32")(x)  # z-points in float32 under any precision
    if cfg.model == "vae":
        from .vae import PosteriorSample

        log_var = layers.Dense(cfg.z_dim, name="z_log_var", kernel_initializer="zeros", dtype="float32")(x)
        z = PosteriorSample(seed=cfg.seed, name="posterior", dtype="float32")([z, log_var])
    return keras.Model(inputs, z, name="encoder")


def build_decoder(cfg: RunConfig) -> keras.Model:
    """Decoder of chapter 1: z-point (z_dim,) -> image (96, 96, 3) in [0, 1] (sigmoid output)."""
    import keras
    from keras import layers

    inputs = keras.Input((cfg.z_dim,), name="z")
    top = cfg.filters[-1]
    x = layers.Dense(BOTTLENECK_SIZE * BOTTLENECK_SIZE * top, name="expand")(inputs)
    x = layers.Activation(cfg.activation, name="expand_act")(x)
    x = layers.Reshape((BOTTLENECK_SIZE, BOTTLENECK_SIZE, top), name="reshape")(x)
    widths = list(reversed(cfg.filters))[1:] + [3]
    for i, width in enumerate(widths):
        last = i == len(widths) - 1
        deconv = layers.Conv2DTranspose(width, cfg.kernel_size, strides=2, padding="same", name=f"deconv{i + 1}")
        x = _conv_block(deconv, x, cfg, f"deconv{i + 1}", "sigmoid" if last else cfg.activation)
    return keras.Model(inputs, x, name="decoder")


@contextlib.contextmanager
def _own_python_random(seed: int) -> Iterator[None]:
    """Keras draws each initializer's seed from Python's process-wide ``random``; while the model is built it
    draws from a generator of its own, seeded as ``keras.utils.set_random_seed`` seeds the shared one (so the
    weights are the same), which other threads cannot advance meanwhile (a Dask worker's do: its first
    model then got other weights). Introduced in chapter 1; needed since chapter 5's grid runs on Dask."""
    from keras.src.random import seed_generator

    shared = seed_generator.python_random
    seed_generator.python_random = random.Random(seed)
    try:
        yield
    finally:
        seed_generator.python_random = shared


def build_autoencoder(cfg: RunConfig) -> keras.Model:
    """Encoder and decoder chained and compiled with the run's loss and Adam optimiser (chapter 1).

    Sub-models stay reachable as ``ae.get_layer("encoder")`` and ``ae.get_layer("decoder")``. The AE's
    loss is the per-pixel mean; the VAE's (chapter 5) is the per-image sum plus the KL term.
    """
    import keras

    keras.utils.set_random_seed(cfg.seed)
    with _own_python_random(cfg.seed):
        encoder, decoder = build_encoder(cfg), build_decoder(cfg)
    inputs = keras.Input((cfg.image_size, cfg.image_size, 3), name="image")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
    loss = keras.losses.BinaryCrossentropy() if cfg.loss == "bce" else keras.losses.MeanSquaredError()
    if cfg.model == "vae":
        from .vae import reconstruction_loss

        loss = reconstruction_loss(cfg.loss)
    autoencoder.compile(
        optimizer=keras.optimizers.Adam(learning_rate=cfg.learning_rate),
        loss=loss,
        metrics=[keras.metrics.MeanSquaredError(name="mse")],
    )
    return autoencoder


def split_autoencoder(autoencoder: keras.Model) -> tuple[keras.Model, keras.Model]:
    """Return ``(encoder, decoder)`` of a (loaded) autoencoder."""
    return autoencoder.get_layer("encoder"), autoencoder.get_layer("decoder")


def layer_table(model: keras.Model) -> list[dict[str, object]]:
    """Rows ``{model, layer, type, output shape, parameters}`` of an autoencoder's layers (chapter 1)."""
    rows = []
    for sub in split_autoencoder(model):
        for layer in sub.layers:
            shape = getattr(layer, "output", None)
            shape = tuple(shape.shape[1:]) if shape is not None else ()
            rows.append(
                {
                    "model": sub.name,
                    "layer": layer.name,
                    "type": type(layer).__name__,
                    "output shape": "x".join(str(s) for s in shape),
                    "parameters": int(layer.count_params()) if layer.weights else 0,
                }
            )
    return rows
