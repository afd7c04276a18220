"""The benchmark scripts still run (on small inputs) and print the figures RESULTS.md quotes.

Timings are not asserted (benchmarks print figures; they are never timed unit tests): these tests only
keep the scripts from rotting as ``lib`` changes.
"""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd

from latent_fragments.config import REPO_ROOT


def run_script(name: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / name), *args], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_bench_analysis_times_every_chapter_step(tmp_path):
    rng = np.random.default_rng(0)
    n, dim = 1500, 16
    z = (rng.normal(size=(n, dim)) * np.geomspace(3.0, 0.1, dim)).astype(np.float32)
    labels = pd.DataFrame({"glasses": rng.integers(0, 2, n), "hair_style": rng.integers(0, 4, n)})
    np.save(tmp_path / "z.npy", z)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    out = run_script("bench_analysis.py", "--z", str(tmp_path / "z.npy"), "--labels", str(tmp_path / "labels.csv"),
                     "--max-points", "400", "--null-draws", "3")
    assert "1,350 training and 150 held-out z-points of dimension 16" in out
    steps = re.findall(r"^\s+([\d.]+) s  (ch[234]) ", out, flags=re.M)
    assert {chapter for _, chapter in steps} == {"ch2", "ch3", "ch4"} and len(steps) >= 17
    assert "ch4 null comparison: 400 points, 3 null draws" in out
    assert "ch4 whole cloud: exact 20-NN search of all 1,350 points" in out  # the sample is smaller
    total = float(re.search(r"^total:\s+([\d.]+) s", out, flags=re.M).group(1))
    assert total >= sum(float(s) for s, _ in steps) - 0.5


def test_bench_knn_prints_points_per_second():
    out = run_script("bench_knn.py", "--n", "2000", "--dim", "32", "--k", "5")
    assert re.search(r"N =\s+2,000:\s+[\d.]+ s\s+\([\d,]+ points/s\)", out), out
