"""Wall time of a tiny grid: the in-process sweep against the same grid on a Dask LocalCluster (issue 24).

Run from the repository root (needs the ``cluster`` extra; a few minutes on 2 cores)::

    .venv/bin/python benchmarks/bench_sweep_dask.py [--runs 4] [--images 200] [--epochs 2] [--workers 2]

The grid: ``--runs`` model seeds of a small AE on synthfaces (scoring network off: each run's training,
encoding and headline figures), once in this process (``run_sweep``) and once as tasks on ``local:N``
(``run_on_cluster``: N worker processes, one thread each), each into a fresh artefact directory, so both
train every run. Prints both wall times, their ratio, and the cluster's start-up included in its time.
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from latent_fragments.cluster import run_on_cluster
    from latent_fragments.config import RunConfig
    from latent_fragments.sweep import Settings, plan_from_axes, run_sweep

    base = RunConfig(n_images=args.images, z_dim=16, epochs=args.epochs, batch_size=32, filters=(8, 16, 16, 16))
    plan = plan_from_axes(base, [], seeds=list(range(args.runs)), settings=Settings(quality=False))
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; grid: {args.runs} runs "
          f"of {args.images} synthfaces, {args.epochs} epochs, z_dim 16, no scoring network")
    quiet = dict(log=lambda message: None)
    with tempfile.TemporaryDirectory() as here, tempfile.TemporaryDirectory() as there:
        t0 = time.perf_counter()
        run_sweep(plan, "bench", here, **quiet)
        in_process = time.perf_counter() - t0
        t0 = time.perf_counter()
        table = run_on_cluster(plan, "bench", f"local:{args.workers}", there, **quiet)
        on_cluster = time.perf_counter() - t0
    assert "error" not in table, table.get("error")
    print(f"in-process sweep: {in_process:.1f} s")
    print(f"local:{args.workers} (Dask, start-up included): {on_cluster:.1f} s")
    print(f"speed-up in-process / local:{args.workers}: {in_process / on_cluster:.2f}x")


if __name__ == "__main__":
    main()
