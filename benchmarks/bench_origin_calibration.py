"""Size of chapters 1-2's out-of-sample judgements on exact Gaussian clouds (issue 20, item 5).

Run from the repository root::

    .venv/bin/python benchmarks/bench_origin_calibration.py                         # the book's sizes
    .venv/bin/python benchmarks/bench_origin_calibration.py --n 300 --dim 16 --test 60 --reps 5   # smoke test

Each replicate draws ``n`` training and ``test`` held-out points of one normal distribution (a random
covariance with a spread-out spectrum) and fits the predictive region of chapter 1 (Hotelling at
``n > 2 dim``, else Ledoit-Wolf). It prints:

- the calibration labels of :func:`latent_fragments.pages.ae_basics.level_agreement` (exact binomial test
  at 1 %) for the held-out share in the 99 % region: "below" or "above" is a false positive;
- chapter 2's origin verdict (:func:`latent_fragments.pages.component_distributions.origin_place`) when the
  "origin" is a *new* point of the same normal: out of sample, it should read "bulk" about 90 % of the time,
  "border" about 9.9 %, and beyond the 99.9 % border about 0.1 % (the in-sample test the issue measured
  called a typical new point "near or beyond the border" in 92 % of fits);
- how often the data's own normal "misses" the region (:func:`~latent_fragments.pages.ae_basics.misses`):
  a false positive.
"""
from __future__ import annotations

import argparse
import math
import time
from collections import Counter

import numpy as np

from latent_fragments.pages.ae_basics import level_agreement, misses
from latent_fragments.pages.component_distributions import origin_place, origin_position
from latent_fragments.stats.regions import PredictiveRegion


def _rate(hits: int, n: int) -> str:
    rate = hits / n
    return f"{rate:.1%} ± {math.sqrt(rate * (1 - rate) / n) if 0 < rate < 1 else 1 / n:.1%} ({hits} of {n})"


def replicate(rng: np.random.Generator, n: int, dim: int, n_test: int) -> tuple[str, str, bool, str]:
    """One exact Gaussian: calibration label, origin place of a new point, "miss" of the MND, method."""
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    scale = np.geomspace(3.0, 0.1, dim)
    centre = rng.standard_normal(dim)

    def draw(m: int) -> np.ndarray:
        return centre + (rng.standard_normal((m, dim)) * scale) @ q.T

    # the origin is a new point of the same normal: every cloud is shifted so that it sits at 0
    new_point = draw(1)[0]
    z_train, z_test, mnd = draw(n) - new_point, draw(n_test) - new_point, draw(n_test) - new_point
    region = PredictiveRegion.fit(z_train, seed=int(rng.integers(1 << 30)))
    share = region.share_inside(z_test, levels=(0.99,))[0.99]
    place = origin_place(origin_position(region, z_test))
    inside_mnd = region.share_inside(mnd, levels=(0.99,))[0.99]
    return level_agreement(share, 0.99, n_test), place, misses(inside_mnd, n_test), region.method


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5400, help="training points (default 5,400)")
    parser.add_argument("--dim", type=int, default=256, help="dimensions (default 256)")
    parser.add_argument("--test", type=int, default=600, help="held-out points (default 600)")
    parser.add_argument("--reps", type=int, default=200, help="Gaussian clouds (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    t0, cpu0 = time.perf_counter(), time.process_time()
    results = [replicate(rng, args.n, args.dim, args.test) for _ in range(args.reps)]
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    labels, places = Counter(r[0] for r in results), Counter(r[1] for r in results)
    print(f"{args.reps} exact Gaussian clouds: {args.n:,} training and {args.test:,} held-out points in "
          f"{args.dim} dimensions, region {results[0][3]}")
    print("calibration label (exact binomial test at 1 %): " +
          ", ".join(f"{label} {_rate(labels[label], args.reps)}" for label in ("within", "below", "above")))
    print("origin = a new point of the same normal: " +
          ", ".join(f"{place} {_rate(places[place], args.reps)}" for place in ("bulk", "border", "beyond",
                                                                                "outside")))
    print(f"the data's own normal 'misses' the region: {_rate(sum(r[2] for r in results), args.reps)}")
    print(f"time: {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
