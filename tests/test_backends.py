"""The model and training use Keras 3 layers and ops only: the same code trains under PyTorch (the GPU
machine's backend) as under TensorFlow (chapter 1)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from latent_fragments.config import REPO_ROOT


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_cli_trains_and_encodes_under_the_torch_backend(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "torch", "LF_ARTIFACTS": str(tmp_path / "art")}
    args = ["--n-images", "40", "--z-dim", "5", "--epochs", "2", "--batch-size", "8", "--filters", "4,4,8,8"]
    proc = subprocess.run([sys.executable, "-m", "latent_fragments", "train", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "backend torch" in proc.stdout and "epoch 2/2" in proc.stdout
    out = tmp_path / "z.npy"
    proc = subprocess.run([sys.executable, "-m", "latent_fragments", "encode", *args, "--no-train", "--output", str(out)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    z = np.load(out)
    assert z.shape == (40, 5) and np.isfinite(z).all() and z.std() > 0
