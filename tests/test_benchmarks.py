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


def test_bench_origin_calibration_prints_label_rates():
    out = run_script("bench_origin_calibration.py", "--n", "300", "--dim", "16", "--test", "60", "--reps", "4")
    assert "4 exact Gaussian clouds: 300 training and 60 held-out points in 16 dimensions, region hotelling" in out
    assert re.search(r"calibration label .*: within [\d.]+% ± [\d.]+% \(\d of 4\), below", out), out
    assert "origin = a new point of the same normal: bulk" in out and "'misses' the region: 0.0%" in out


def test_bench_generality_prints_the_origin_rates_and_mardias_size():
    out = run_script("bench_generality.py", "--fits", "3", "--clouds", "2", "--n", "300", "--dim", "8")
    assert "origin: 3 fits of 300 x 8 (+33 held out), a new point as the origin" in out
    assert re.search(r"outside the predictive 90 % region \(now\):\s+[\d.]+\s+\(nominal 0.100", out), out
    assert re.search(r"Mardia's test: 2 normal clouds of 300 x 8: rejected at 5 % in [\d.]+ ", out), out


def test_bench_coverage_prints_the_coverage_of_every_interval():
    out = run_script("bench_coverage.py", "--quick")
    assert "control: |delta|^2 = 0.3, c = 0.9, 40 vs 40 points in 8 dimensions; truths: FD 0.34" in out
    for name in ("FD", "KID", "precision", "recall"):
        assert re.search(rf"{name}\s+90 % interval covers the truth: [\d.]+% ± [\d.]+% \(\d of 6\)", out), out
    assert re.search(r"identical distributions \(truth FD 0\), 6 replicates, .*permutation test size", out), out


def test_bench_coverage_takes_the_spectrum_of_given_features(tmp_path):
    features = np.random.default_rng(0).normal(size=(60, 7)) * np.arange(1, 8)
    features[:, 3] = 1.0  # a feature without variance is left out
    np.save(tmp_path / "features.npy", features)
    out = run_script("bench_coverage.py", "--quick", "--features", str(tmp_path / "features.npy"))
    assert "control: |delta|^2 = 0.3, c = 0.9, 40 vs 40 points in 6 dimensions; truths: FD" in out, out
    assert re.search(r"FD\s+90 % interval covers the truth: [\d.]+% ± [\d.]+% \(\d of 6\)", out), out


def test_bench_verdict_controls_prints_label_rates_and_p_uniformity():
    out = run_script("bench_verdict_controls.py", "--quick", "--controls", "gaussian")
    assert "gaussian  : expected consistent_with_mnd:" in out and "KS against uniform" in out
    assert "CPU time per verdict" in out
