"""The variational autoencoder's Keras objects: posterior sampling with its KL term, summed losses (chapter 5).

The VAE of chapter 5 is the autoencoder of chapter 1 whose encoder ends in two heads, the posterior mean
``z`` and log-variance ``z_log_var``, joined by :class:`PosteriorSample`. Its reconstruction term is summed
over the 27,648 pixel values of an image (the AE's per-pixel mean would weigh the KL term 27,648 times
too much). Only Keras 3 layers and ``keras.ops``: it runs under TensorFlow, JAX and PyTorch.

Importing this module registers the objects with Keras, so that a saved VAE loads in safe mode;
:mod:`latent_fragments.training` imports it for every process that trains or loads a run.
"""
from __future__ import annotations

import keras
from keras import ops

PACKAGE = "latent_fragments"


@keras.saving.register_keras_serializable(package=PACKAGE)
class PosteriorSample(keras.layers.Layer):
    """``[mean, log_var]`` -> a reparameterised posterior sample while training, the mean otherwise; in
    both modes it adds the KL term to N(0, I) (beta = 1, averaged over the batch) as a loss, so that the
    held-out loss of a VAE's history is its negative ELBO with the reconstruction term taken at the
    posterior mean (chapter 5's convergence criterion). Introduced in chapter 5."""

    def __init__(self, seed: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs, training=None):
        mean, log_var = inputs
        self.add_loss(ops.mean(kl_divergence(mean, log_var)))
        if not training:
            return mean
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}


def kl_divergence(mean, log_var):
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) per row (chapter 5)."""
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def _per_image_sum(values):
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


@keras.saving.register_keras_serializable(package=PACKAGE)
def summed_bce(y_true, y_pred):
    """Binary cross-entropy summed over an image's pixel values (the VAE's term for ``loss="bce"``; chapter 5)."""
    eps = keras.config.epsilon()
    p = ops.clip(y_pred, eps, 1.0 - eps)
    return _per_image_sum(-(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p)))


@keras.saving.register_keras_serializable(package=PACKAGE)
def summed_se(y_true, y_pred):
    """Squared error summed over an image's pixel values (the VAE's term for ``loss="mse"``; chapter 5)."""
    return _per_image_sum(ops.square(y_true - y_pred))


def reconstruction_loss(loss: str):
    """The VAE's summed reconstruction term for the run's ``loss`` ("bce" or "mse"; chapter 5)."""
    return summed_bce if loss == "bce" else summed_se
