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


needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")


def without_tensorflow(tmp_path, **extra: str) -> dict[str, str]:
    """An environment for a subprocess on the PyTorch backend in which ``import tensorflow`` fails, as on a
    GPU machine that has no TensorFlow: a package of that name first on the path raises ImportError."""
    blocker = tmp_path / "no-tensorflow" / "tensorflow"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("TensorFlow is not installed here (test)")\n')
    path = os.pathsep.join(filter(None, [str(blocker.parent), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPATH": path, **extra}


@needs_torch
def test_cli_trains_and_encodes_under_the_torch_backend(tmp_path):
    env = without_tensorflow(tmp_path, LF_ARTIFACTS=str(tmp_path / "art"))
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


@needs_torch
def test_chapter_1_runs_under_torch_without_tensorflow(tmp_path):
    """The GPU path: a chapter executes under PyTorch where TensorFlow cannot be imported at all."""
    out = tmp_path / "out.ipynb"
    env = without_tensorflow(tmp_path, LF_PROFILE="small", LF_ARTIFACTS=str(tmp_path / "art"), MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", str(REPO_ROOT / "book" / "01_ae_basics.ipynb"), str(out),
         "-p", "dataset", "orl", "-p", "z_dim", "16", "-p", "epochs", "1", "--cwd", str(REPO_ROOT / "book")],
        env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert "orl-z16-" in text and "backend torch" in text


def test_the_package_needs_no_tensorflow_and_make_installs_it():
    """A GPU user installs `.[torch]` (or `.[jax]`) without TensorFlow; `make` stays on TensorFlow (CPU)."""
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith(("tensorflow", "torch", "jax"))]
    extras = project["optional-dependencies"]
    assert extras["tensorflow"][0].startswith("tensorflow-cpu") and extras["torch"] and extras["jax"]
    assert "tensorflow-cpu==" in (REPO_ROOT / "requirements.txt").read_text()
