"""The convolutional autoencoder of the blog series (chapter 1).

Encoder: four strided ``Conv2D`` layers (96 -> 48 -> 24 -> 12 -> 6), ``Flatten``, a linear ``Dense(z_dim)``
whose output is the z-point. Decoder: ``Dense`` -> ``Reshape`` to 6x6 -> four strided ``Conv2DTranspose``
layers back to 96x96x3, the last with a sigmoid. Only Keras 3 layers and ``keras.ops`` are used, so the same
code runs under TensorFlow (default), JAX or PyTorch (set ``KERAS_BACKEND``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .config import RunConfig

if TYPE_CHECKING:  # pragma: no cover
    import keras

#: Spatial size after the four stride-2 convolutions of a 96x96 image.
BOTTLENECK_SIZE = 6


def build_encoder(cfg: RunConfig) -> "keras.Model":
    """Encoder of chapter 1: image (96, 96, 3) in [0, 1] -> z-point (z_dim,), linear output."""
    import keras
    from keras import layers

    inputs = keras.Input((cfg.image_size, cfg.image_size, 3), name="image")
    x = inputs
    for i, width in enumerate(cfg.filters):
        x = layers.Conv2D(width, cfg.kernel_size, strides=2, padding="same", name=f"conv{i + 1}")(x)
        x = layers.Activation(cfg.activation, name=f"conv{i + 1}_act")(x)
    x = layers.Flatten(name="flatten")(x)
    z = layers.Dense(cfg.z_dim, name="z")(x)
    return keras.Model(inputs, z, name="encoder")


def build_decoder(cfg: RunConfig) -> "keras.Model":
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
        x = layers.Conv2DTranspose(width, cfg.kernel_size, strides=2, padding="same", name=f"deconv{i + 1}")(x)
        x = layers.Activation("sigmoid" if last else cfg.activation, name=f"deconv{i + 1}_act")(x)
    return keras.Model(inputs, x, name="decoder")


def build_autoencoder(cfg: RunConfig) -> "keras.Model":
    """Encoder and decoder chained and compiled with the run's loss and Adam optimiser (chapter 1).

    Sub-models stay reachable as ``ae.get_layer("encoder")`` and ``ae.get_layer("decoder")``.
    """
    import keras

    keras.utils.set_random_seed(cfg.seed)
    encoder, decoder = build_encoder(cfg), build_decoder(cfg)
    inputs = keras.Input((cfg.image_size, cfg.image_size, 3), name="image")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
    loss = keras.losses.BinaryCrossentropy() if cfg.loss == "bce" else keras.losses.MeanSquaredError()
    autoencoder.compile(
        optimizer=keras.optimizers.Adam(learning_rate=cfg.learning_rate),
        loss=loss,
        metrics=[keras.metrics.MeanSquaredError(name="mse")],
    )
    return autoencoder


def split_autoencoder(autoencoder: "keras.Model") -> tuple["keras.Model", "keras.Model"]:
    """Return ``(encoder, decoder)`` of a (loaded) autoencoder."""
    return autoencoder.get_layer("encoder"), autoencoder.get_layer("decoder")


def layer_table(model: "keras.Model") -> "list[dict[str, object]]":
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
