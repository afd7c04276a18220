"""The ``precision`` option (issue 21): a run trained in mixed bfloat16 is its own run, trains to a finite
loss, keeps its z-points and output in float32, and leaves Keras's global dtype policy as it was."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from latent_fragments.config import ConfigError, RunConfig, parse_value
from latent_fragments.sweep import base_config

TINY = RunConfig(n_images=40, z_dim=5, epochs=1, batch_size=8, filters=(4, 4, 8, 8))


def test_precision_is_parsed_validated_and_keyed_only_when_not_the_default():
    mixed = dataclasses.replace(TINY, precision=parse_value("precision", "mixed_bfloat16"))
    assert mixed.precision == "mixed_bfloat16" and mixed.key() != TINY.key()
    assert "precision" not in TINY.as_dict() and mixed.as_dict()["precision"] == "mixed_bfloat16"
    assert RunConfig.from_dict(mixed.as_dict()) == mixed
    assert dataclasses.replace(TINY, precision="float32").key() == TINY.key()
    assert base_config({"precision": "mixed_bfloat16", "z_dim": 5}).precision == "mixed_bfloat16"
    with pytest.raises(ConfigError, match="precision must be one of"):
        RunConfig(precision="float16")


def test_a_tiny_run_trains_in_mixed_bfloat16(tmp_path):
    import keras
    from latent_fragments.runs import get_run

    cfg = dataclasses.replace(TINY, precision="mixed_bfloat16")
    run = get_run(cfg, tmp_path, log=lambda s: None)
    assert keras.mixed_precision.dtype_policy().name == "float32"  # restored after training
    assert np.isfinite(run.history[0]["loss"]) and np.isfinite(run.history[0]["val_loss"])
    assert run.z_train.dtype == np.float32 and np.isfinite(run.z_train).all()
    assert run.z_train.shape == (36, 5) and np.unique(run.z_train).size > 36  # not collapsed
    model = run.autoencoder  # loaded from disk under the float32 global policy
    assert model.get_layer("encoder").get_layer("conv1").compute_dtype == "bfloat16"
    assert model.get_layer("encoder").get_layer("z").compute_dtype == "float32"
    assert model.get_layer("decoder").output.dtype == "float32"
    decoded = run.decode(run.z_test)
    assert decoded.dtype == np.uint8 and decoded.shape == (4, 96, 96, 3)
