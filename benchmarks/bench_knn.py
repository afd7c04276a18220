"""Speed of the exact k-nearest-neighbour search of chapter 4 (latent_fragments.stats.neighbours).

Run from the repository root::

    .venv/bin/python benchmarks/bench_knn.py                 # N = 20,000 x 256, k = 20
    .venv/bin/python benchmarks/bench_knn.py --full          # also N = 170,000 x 256 (minutes)
    .venv/bin/python benchmarks/bench_knn.py --backend sklearn --n 5000

It draws standard-normal float32 points (the size of the encoded data sets: 256 latent
dimensions, up to 170,000 z-points), runs :func:`latent_fragments.stats.neighbours.knn_distances` with ``k=20`` (the
point itself excluded; exact brute force, faiss ``IndexFlatL2`` on all cores if importable) and
prints the wall-clock seconds and points/s per size, with the backend and the number of cores.
Brute force costs ``O(N^2 dim)``, so 170,000 points take about 72 times as long as 20,000.
Nothing is written.
"""
from __future__ import annotations

import argparse
import time


import numpy as np  # noqa: E402

from latent_fragments.stats import neighbours


def bench(n: int, dim: int, k: int, backend: str, seed: int = 0) -> float:
    """Seconds for the k-NN distances of ``n`` Gaussian points in ``dim`` dimensions."""
    x = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    start = time.perf_counter()
    knn = neighbours.knn_distances(x, k=k, backend=backend)
    seconds = time.perf_counter() - start
    assert knn.shape == (n, k) and np.all(np.diff(knn, axis=1) >= 0)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="number of points (default 20,000)")
    parser.add_argument("--dim", type=int, default=256, help="dimension (default 256)")
    parser.add_argument("--k", type=int, default=20, help="neighbours per point (default 20)")
    parser.add_argument("--backend", default="auto", choices=("auto", "faiss", "sklearn"))
    parser.add_argument("--full", action="store_true", help="also run N = 170,000")
    args = parser.parse_args(argv)
    backend = args.backend
    if backend == "auto":
        backend = "faiss" if neighbours.HAVE_FAISS else "sklearn"
    print(f"backend {backend}, {neighbours.usable_cores()} usable cores, dim {args.dim}, k {args.k}")
    sizes = [args.n] + ([170_000] if args.full else [])
    for n in sizes:
        seconds = bench(n, args.dim, args.k, backend)
        print(f"N = {n:>7,}: {seconds:8.1f} s  ({n / seconds:,.0f} points/s)", flush=True)


if __name__ == "__main__":
    main()
