"""Peak memory of preparing the image cache and of training through the CLI (issue 6, figures 2 and 3).

Run from the repository root::

    .venv/bin/python benchmarks/bench_memory.py --images 170000 --epochs 1   # the issue's figure (~30 min here)
    .venv/bin/python benchmarks/bench_memory.py --images 20000 --epochs 1    # a quicker look
    .venv/bin/python benchmarks/bench_memory.py --images 170000 --prepare-only --artifacts-dir /tmp/lf170k
    KERAS_BACKEND=torch python benchmarks/bench_memory.py --images 170000 --epochs 24   # issue 6, figure 7 (GPU)

On a GPU machine without TensorFlow set ``KERAS_BACKEND`` to ``torch`` or ``jax``: the model is Keras 3
layers only and the CLI then feeds batches through a ``keras.utils.PyDataset``; the ``train`` line gives
the wall time of all epochs and the last epoch's images/s.

Each step runs as its own ``python -m latent_fragments`` process in a scratch artefact folder (``--artifacts-dir``,
default a fresh temporary folder that is deleted afterwards); the peak resident set size of each child is
read from ``resource.getrusage`` (Linux reports it in KiB). Prints, per step: wall time, images/s and peak
RSS, plus the cache's size on disk, beside the float32 baseline a plain ``fit`` on arrays would need.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_step(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``python -m latent_fragments ARGS`` and return (seconds, peak RSS in GiB, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "latent_fragments", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"python -m latent_fragments {' '.join(args)} failed:\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 2**20, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--artifacts-dir", default=None, help="keep the cache and run here (default: temporary)")
    parser.add_argument("--prepare-only", action="store_true", help="measure the cache preparation, skip training")
    args = parser.parse_args()
    scratch = Path(args.artifacts_dir) if args.artifacts_dir else Path(tempfile.mkdtemp(prefix="lf-bench-"))
    env = {**os.environ, "LF_ARTIFACTS": str(scratch)}
    common = ["--n-images", str(args.images), "--epochs", str(args.epochs), "--artifacts-dir", str(scratch)]
    print(f"{args.images} synthfaces images, {args.epochs} epoch(s), {os.cpu_count()} cores, scratch {scratch}")
    try:
        seconds, rss, out = run_step(["prepare", *common], env)
        cache = next((scratch / "cache").glob("synthfaces-*.npy"))
        print(f"prepare: {seconds:7.0f} s, {args.images / seconds:6.0f} img/s, peak RSS {rss:5.2f} GiB, "
              f"cache {cache.stat().st_size / 2**30:.2f} GiB on disk")
        if args.prepare_only:
            return
        seconds, rss, out = run_step(["train", *common], env)
        rates = [line for line in out.splitlines() if "img/s" in line]
        print(f"train:   {seconds:7.0f} s, peak RSS {rss:5.2f} GiB; {rates[-1] if rates else ''}")
        floats = args.images * 96 * 96 * 3 * 4 / 2**30
        print(f"baseline: the same images as float32 arrays for plain fit need {floats:.2f} GiB before training")
    finally:
        if not args.artifacts_dir:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
