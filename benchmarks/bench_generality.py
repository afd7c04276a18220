"""Chapter 5's tests on exact Gaussians at the chapter's size: the origin judged out of sample, Mardia's test.

Run from the repository root (a few minutes on 2 cores)::

    .venv/bin/python benchmarks/bench_generality.py [--fits 200] [--clouds 20] [--n 5400] [--dim 256]

1. The origin's position: for each of ``--fits`` exact normal clouds (``--n`` training and n/9 held-out
   points, anisotropic), a new point of the same normal takes the origin's place. Prints how often it is
   called "near or beyond the border" by the rule chapter 5 uses now (outside the predictive region that
   holds 90 % of new points, ``stats.headline.origin_out_of_sample``; nominal 10 %) and by the in-sample
   rule it replaced (more than 90 % of the *training* points nearer the centre, chapter 3's
   ``origin_position``), and how often it is outside the 99.9 % region (nominal 0.1 %).
2. Mardia's parametric-bootstrap test (``stats.headline.mardia_test``, 79 draws) on ``--clouds`` exact
   normal clouds of the same size: its rejection rate at 5 % (the size) and its CPU time per cloud.
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fits", type=int, default=200)
    parser.add_argument("--clouds", type=int, default=20)
    parser.add_argument("--n", type=int, default=5400)
    parser.add_argument("--dim", type=int, default=256)
    args = parser.parse_args()

    from latent_fragments.stats.fragment import origin_position
    from latent_fragments.stats.gaussian import Gaussian
    from latent_fragments.stats.headline import mardia_test, origin_out_of_sample

    rng = np.random.default_rng(0)
    scale = np.linspace(0.5, 2.0, args.dim)
    n_test = args.n // 9
    now, old, far = [], [], []
    for _ in range(args.fits):
        z = rng.standard_normal((args.n + n_test + 1, args.dim)) * scale
        z = z - z[-1]  # the new point at the origin
        result = origin_out_of_sample(z[:args.n], z[args.n:-1])
        now.append(result["origin_beyond_90"])
        far.append(result["origin_beyond_999"])
        old.append(origin_position(Gaussian.fit(z[:args.n]), z[:args.n])["share_closer_than_origin"] > 0.9)
    se = np.sqrt(0.1 * 0.9 / args.fits)
    print(f"origin: {args.fits} fits of {args.n:,} x {args.dim} (+{n_test} held out), a new point as the origin")
    print(f"  outside the predictive 90 % region (now):   {np.mean(now):.3f}  (nominal 0.100, se {se:.3f})")
    print(f"  outside the predictive 99.9 % region:        {np.mean(far):.3f}  (nominal 0.001)")
    print(f"  in-sample rule, > 90 % of training nearer:   {np.mean(old):.3f}  (the rule chapter 5 used before)")

    ps, cpu = [], []
    for seed in range(args.clouds):
        z = rng.standard_normal((args.n, args.dim)) * scale + 1.0
        t0 = time.process_time()
        ps.append(mardia_test(z, seed=seed)["p"])
        cpu.append(time.process_time() - t0)
    print(f"Mardia's test: {args.clouds} normal clouds of {args.n:,} x {args.dim}: rejected at 5 % in "
          f"{np.mean(np.array(ps) <= 0.05):.3f} (p-values: median {np.median(ps):.2f}, min {min(ps):.3f}); "
          f"{np.mean(cpu):.1f} s CPU per cloud")


if __name__ == "__main__":
    main()
