"""Coverage of chapter 3's interval for the number of principal axes carrying 90 % of the variance.

Draws Gaussian clouds with a known spectrum (so the population's count is known), computes
:func:`latent_fragments.stats.fragment.variance_axes_interval` on each and prints how often its 90 %
interval holds the population's count (coverage) and the sample's own count.

    .venv/bin/python benchmarks/bench_axes_interval.py [--reps 100] [--boot 100]
"""
from __future__ import annotations

import argparse

import numpy as np

from latent_fragments.stats.fragment import variance_axes_interval

SPECTRA = {"steep (exp(-i/6))": lambda d: np.exp(-np.arange(d) / 6.0),
           "flat (i^-0.7)": lambda d: 1.0 / np.arange(1, d + 1) ** 0.7}
SIZES = ((240, 32), (600, 64), (2000, 64))


def coverage(n: int, dim: int, spectrum: np.ndarray, reps: int, boot: int, seed: int = 0) -> tuple[int, float, float]:
    """(population count, share of intervals holding it, share holding the sample's count)."""
    share = np.cumsum(spectrum) / spectrum.sum()
    truth = int(np.searchsorted(share, 0.9) + 1)
    rng = np.random.default_rng(seed)
    hits = own = 0
    for _ in range(reps):
        z = rng.standard_normal((n, dim)) * np.sqrt(spectrum)
        k, lo, hi = variance_axes_interval(z, 0.9, n_boot=boot, rng=rng)
        hits += lo <= truth <= hi
        own += lo <= k <= hi
    return truth, hits / reps, own / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--boot", type=int, default=100)
    args = parser.parse_args()
    print("| points x dim | spectrum | population count | coverage | holds the estimate |")
    print("| --- | --- | --- | --- | --- |")
    for n, dim in SIZES:
        for name, spectrum in SPECTRA.items():
            truth, hit, own = coverage(n, dim, spectrum(dim), args.reps, args.boot)
            print(f"| {n} x {dim} | {name} | {truth} | {hit:.0%} | {own:.0%} |")


if __name__ == "__main__":
    main()
