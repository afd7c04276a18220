"""The autoencoder's shapes and architecture (chapter 1)."""
from __future__ import annotations

import numpy as np
import pytest

from latent_fragments.config import RunConfig
from latent_fragments.model import build_autoencoder, layer_table, split_autoencoder


@pytest.mark.parametrize("z_dim", [2, 32, 256])
def test_shapes_for_several_latent_dimensions(z_dim):
    ae = build_autoencoder(RunConfig(z_dim=z_dim, filters=(8, 8, 16, 16)))
    encoder, decoder = split_autoencoder(ae)
    x = np.random.default_rng(0).random((3, 96, 96, 3), dtype=np.float32)
    z = np.asarray(encoder.predict_on_batch(x))
    assert z.shape == (3, z_dim)
    y = np.asarray(decoder.predict_on_batch(z))
    assert y.shape == (3, 96, 96, 3)
    assert y.min() >= 0.0 and y.max() <= 1.0


def test_architecture_follows_the_series():
    ae = build_autoencoder(RunConfig())
    rows = layer_table(ae)
    types = [r["type"] for r in rows]
    assert types.count("Conv2D") == 4 and types.count("Conv2DTranspose") == 4
    convs = [r["output shape"] for r in rows if r["type"] == "Conv2D"]
    assert convs == ["48x48x32", "24x24x64", "12x12x128", "6x6x128"]
    z_row = next(r for r in rows if r["layer"] == "z")
    assert (z_row["type"], z_row["output shape"]) == ("Dense", "256")
    assert sum(r["parameters"] for r in rows) == ae.count_params()


def test_mse_loss_option_trains_one_step():
    ae = build_autoencoder(RunConfig(loss="mse", z_dim=4, filters=(4, 4, 4, 4)))
    x = np.full((2, 96, 96, 3), 0.5, dtype=np.float32)
    loss = float(np.ravel(ae.train_on_batch(x, x))[0])
    assert 0.0 <= loss <= 0.25  # MSE of sigmoid outputs in (0, 1) against 0.5 is at most 0.25
    assert ae.loss.name == "mean_squared_error"


def test_every_allowed_activation_is_a_keras_activation():
    """RunConfig refuses any other name when it is made; each allowed one must build (chapter 1)."""
    import keras

    from latent_fragments.config import ACTIVATIONS

    assert [keras.activations.get(name).__name__ for name in ACTIVATIONS] == list(ACTIVATIONS)
    ae = build_autoencoder(RunConfig(activation="tanh", z_dim=2, filters=(2, 2, 2, 2)))
    assert ae.get_layer("encoder").get_layer("conv1_act").get_config()["activation"] == "tanh"
