"""Model variants of chapter 5: batch normalisation and the VAE (shapes, a training step, save and load)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from latent_fragments.config import REPO_ROOT, ConfigError, RunConfig
from latent_fragments.model import build_autoencoder, split_autoencoder

TINY = dict(z_dim=5, filters=(4, 4, 8, 8), learning_rate=5e-3)


def _images(n: int = 8, seed: int = 0) -> np.ndarray:
    """Smooth images in [0, 1]: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(0, 1, 96, dtype=np.float32)
    base = grid[None, :, None, None] * rng.random((n, 1, 1, 3), dtype=np.float32)
    return np.broadcast_to(base, (n, 96, 96, 3)).copy()


def _excess_losses(ae, x, steps: int, summed: bool) -> list[float]:
    """Training losses above their floor, the entropy of the targets (per image for the VAE's summed term)."""
    p = np.clip(x, 1e-7, 1 - 1e-7)
    entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    floor = entropy.reshape(len(x), -1).sum(1).mean() if summed else entropy.mean()
    return [float(np.ravel(ae.train_on_batch(x, x))[0]) - floor for _ in range(steps)]


@pytest.mark.parametrize("variant", [dict(model="vae"), dict(batch_norm=True)])  # both: the torch test below
def test_variants_keep_the_shapes_and_learn(variant):
    ae = build_autoencoder(RunConfig(**TINY, **variant))
    encoder, decoder = split_autoencoder(ae)
    x = _images()
    assert np.asarray(encoder.predict_on_batch(x)).shape == (8, 5)
    y = np.asarray(decoder.predict_on_batch(np.zeros((2, 5), np.float32)))
    assert y.shape == (2, 96, 96, 3) and 0 <= y.min() and y.max() <= 1
    losses = _excess_losses(ae, x, 40, summed=variant.get("model") == "vae")
    assert 0 < losses[-1] < 0.8 * losses[0]


def test_batch_norm_follows_every_convolution_but_the_last():
    ae = build_autoencoder(RunConfig(**TINY, batch_norm=True))
    names = [layer.name for sub in split_autoencoder(ae) for layer in sub.layers if "_bn" in layer.name]
    assert names == ["conv1_bn", "conv2_bn", "conv3_bn", "conv4_bn", "deconv1_bn", "deconv2_bn", "deconv3_bn"]
    assert not [n for n in (layer.name for layer in build_autoencoder(RunConfig(**TINY)).layers) if "_bn" in n]


def test_vae_loss_is_the_summed_reconstruction_plus_kl():
    """At the start the log-variance head is zero: KL = |mean|^2 / 2, the reconstruction term is summed
    over 27,648 values, so the loss is about 27,648 times the AE's per-pixel BCE plus the KL term."""
    import keras
    from latent_fragments.vae import kl_divergence, summed_bce

    cfg = RunConfig(**TINY, model="vae")
    ae = build_autoencoder(cfg)
    x = _images(4)
    encoder, decoder = split_autoencoder(ae)
    mean = np.asarray(encoder.predict_on_batch(x))
    kl = np.asarray(kl_divergence(mean, np.zeros_like(mean)))
    assert np.allclose(kl, 0.5 * (mean ** 2).sum(1), rtol=1e-3, atol=1e-6)
    recon = np.asarray(summed_bce(x, decoder.predict_on_batch(mean)))
    per_pixel = float(keras.losses.BinaryCrossentropy()(x, decoder.predict_on_batch(mean)))
    assert recon.mean() == pytest.approx(27_648 * per_pixel, rel=1e-3)
    loss = float(np.ravel(ae.evaluate(x, x, batch_size=4, verbose=0))[0])
    assert loss == pytest.approx(recon.mean() + kl.mean(), rel=1e-3)  # inference: no sample, the KL term kept
    head = encoder.get_layer("z")  # move every posterior mean by 4: the KL term grows by about 5 * 16 / 2
    kernel, bias = head.get_weights()
    head.set_weights([kernel, bias + 4.0])
    mean = np.asarray(encoder.predict_on_batch(x))
    kl = np.asarray(kl_divergence(mean, np.zeros_like(mean)))
    recon = np.asarray(summed_bce(x, decoder.predict_on_batch(mean)))
    loss = float(np.ravel(ae.evaluate(x, x, batch_size=4, verbose=0))[0])
    assert kl.mean() > 30 and loss - recon.mean() == pytest.approx(kl.mean(), rel=0.02)  # the held-out loss has KL


def test_vae_encoder_passes_the_mean_at_inference_and_samples_while_training():
    ae = build_autoencoder(RunConfig(**TINY, model="vae"))
    encoder = ae.get_layer("encoder")
    x = _images(16)
    a, b = np.asarray(encoder(x, training=False)), np.asarray(encoder(x, training=False))
    assert np.array_equal(a, b)
    sample = np.asarray(encoder(x, training=True))
    assert np.std(sample - a) == pytest.approx(1.0, abs=0.15)  # log-variance 0 at initialisation: sd 1


@pytest.mark.parametrize("variant", [dict(model="vae"), dict(batch_norm=True)])
def test_save_and_load_in_safe_mode(variant, tmp_path):
    import keras

    ae = build_autoencoder(RunConfig(**TINY, **variant))
    x = _images(4)
    ae.train_on_batch(x, x)
    ae.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    z0 = np.asarray(ae.get_layer("encoder").predict_on_batch(x))
    z1 = np.asarray(again.get_layer("encoder").predict_on_batch(x))
    assert np.allclose(z0, z1, atol=1e-6)
    if variant.get("model") == "vae":  # the summed loss and the KL layer come back: it trains on
        assert np.isfinite(float(np.ravel(again.train_on_batch(x, x))[0]))


def test_config_of_the_variants():
    assert RunConfig(batch_norm="true").batch_norm is True and RunConfig(batch_norm="off").batch_norm is False
    with pytest.raises(ConfigError, match="batch_norm must be true or false"):
        RunConfig(batch_norm="maybe")
    with pytest.raises(ConfigError, match="model must be one of"):
        RunConfig(model="gan")
    assert "model" not in RunConfig().as_dict() and "batch_norm" not in RunConfig().as_dict()
    keys = {RunConfig().key(), RunConfig(model="vae").key(), RunConfig(batch_norm=True).key()}
    assert len(keys) == 3
    vae = RunConfig(model="vae", batch_norm=True)
    assert RunConfig.from_dict(vae.as_dict()) == vae


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_cli_trains_a_batch_normalised_vae_under_torch_and_reloads_it(tmp_path):
    """Keras ops only: the variants train under KERAS_BACKEND=torch; a second process loads the saved VAE."""
    env = {**os.environ, "KERAS_BACKEND": "torch", "LF_ARTIFACTS": str(tmp_path / "art")}
    args = ["--n-images", "40", "--z-dim", "5", "--epochs", "1", "--batch-size", "8", "--filters", "4,4,8,8",
            "--model", "vae", "--batch-norm", "true"]
    for command in (["train"], ["encode", "--no-train", "--output", str(tmp_path / "z.npy")]):
        proc = subprocess.run([sys.executable, "-m", "latent_fragments", *command, *args], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    z = np.load(tmp_path / "z.npy")
    assert z.shape == (40, 5) and np.isfinite(z).all()
