"""False-positive rate of chapter 4's filament verdict on exactly Gaussian clouds (issue 12).

Run from the repository root::

    .venv/bin/python benchmarks/bench_verdict_fpr.py                      # 20 seeds, 5,400 x 256, 19 draws
    .venv/bin/python benchmarks/bench_verdict_fpr.py --n 300 --dim 16 --seeds 2 --draws 3   # smoke test

Each seed draws a Gaussian control cloud (:func:`latent_fragments.stats.filaments.control_cloud`: about 90 %
of the variance in 15 axes) and runs :func:`latent_fragments.stats.filaments.filament_verdict` on it. Prints,
per seed, the label, both global p-values and the seconds taken; then the false-positive rate of the
label (anything but "consistent_with_mnd") and of each null's global test alone (p <= alpha, before the
minimum relative effect), each with its binomial standard error.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from latent_fragments.stats.filaments import control_cloud, filament_verdict


def _rate(hits: int, n: int) -> str:
    rate = hits / n
    return f"{rate:.1%} ± {math.sqrt(rate * (1 - rate) / n) if 0 < rate < 1 else 1 / n:.1%} ({hits} of {n})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5400, help="points per cloud (default 5,400)")
    parser.add_argument("--dim", type=int, default=256, help="dimensions (default 256)")
    parser.add_argument("--seeds", type=int, default=20, help="Gaussian clouds (default 20)")
    parser.add_argument("--draws", type=int, default=19, help="null draws per null (default 19)")
    parser.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args(argv)
    labels, p_hits = [], {"mnd": 0, "radius_matched": 0}
    t_total = time.perf_counter()
    for seed in range(args.seeds):
        t0 = time.perf_counter()
        z = control_cloud("gaussian", args.n, args.dim, np.random.default_rng(1000 + seed))
        verdict = filament_verdict(z, seed=seed, n_null_draws=args.draws, alpha=args.alpha, max_points=args.n)
        labels.append(verdict.label)
        for kind, p in verdict.p_values.items():
            p_hits[kind] = p_hits.get(kind, 0) + (p <= args.alpha)
        print(f"seed {seed:3d}: {verdict.label:34s} p(MND) = {verdict.p_values['mnd']:.2f}  "
              f"p(radius-matched) = {verdict.p_values['radius_matched']:.2f}  {time.perf_counter() - t0:6.1f} s",
              flush=True)
    wrong = sum(label != "consistent_with_mnd" for label in labels)
    print(f"{args.seeds} seeds of {args.n:,} x {args.dim} Gaussian points, {args.draws} null draws, "
          f"alpha = {args.alpha:g}, {(time.perf_counter() - t_total) / args.seeds:.1f} s per verdict")
    print(f"false-positive rate of the verdict (label not consistent_with_mnd): {_rate(wrong, args.seeds)}")
    for kind, hits in p_hits.items():
        print(f"false-positive rate of the global test against {kind} alone (p <= alpha): {_rate(hits, args.seeds)}")


if __name__ == "__main__":
    main()
