"""A reader reruns a chapter with papermill and other parameters (chapter 1, the issue's example)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from latent_fragments.config import REPO_ROOT


def test_chapter_1_reruns_on_orl_with_another_latent_dimension(tmp_path):
    out = tmp_path / "out.ipynb"
    env = {**os.environ, "LF_PROFILE": "small", "LF_ARTIFACTS": str(tmp_path / "art"), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", str(REPO_ROOT / "book" / "01_ae_basics.ipynb"), str(out),
         "-p", "dataset", "orl", "-p", "z_dim", "64", "-p", "epochs", "2", "--cwd", str(REPO_ROOT / "book")],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = json.dumps(json.loads(out.read_text()))
    assert "orl-z64-" in text  # the run of these parameters, not the default one
    assert "on 360 images (40 held out, backend tensorflow)" in text
    runs = list((tmp_path / "art" / "runs").iterdir())
    assert [r.name.split("-")[:2] for r in runs] == [["orl", "z64"]]
