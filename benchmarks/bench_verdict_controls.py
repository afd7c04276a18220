"""Chapter 4's verdict on control clouds: label rates (power and size), null p-values' uniformity, CPU time.

For each control of :data:`latent_fragments.stats.filaments.CONTROL_KINDS` and each seed, draws the cloud
(:func:`~latent_fragments.stats.filaments.control_cloud`) and runs
:func:`~latent_fragments.stats.filaments.filament_verdict` at the chapter's defaults (2,000 x 256 points,
39 replicates per null, alpha 0.05). Prints each control's label counts (the share with an expected label is
its power, or for the Gaussian one minus the size), the global p-values per null on the exact Gaussians
(a Kolmogorov-Smirnov test against the uniform distribution and a histogram in deciles) and the CPU time
per verdict (time.process_time). ``--quick``: a smoke run (300 x 32, 9 replicates, alpha 0.1, 1 seed).

    python benchmarks/bench_verdict_controls.py --seeds 10 --gaussian-seeds 20
"""
from __future__ import annotations

import argparse
import collections
import time

import numpy as np
from scipy import stats

from latent_fragments.stats.filaments import CONTROL_KINDS, NULL_MODELS, control_cloud, filament_verdict


def _deciles(p: np.ndarray) -> str:
    counts, _ = np.histogram(p, bins=np.linspace(0, 1, 11))
    return " ".join(f"{c:3d}" for c in counts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="points per cloud (default 2,000, the chapter's max_points)")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--draws", type=int, default=39, help="replicates per null (default 39)")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=5, help="seeds per non-Gaussian control (default 5)")
    parser.add_argument("--gaussian-seeds", type=int, default=20, help="exact Gaussian clouds (default 20)")
    parser.add_argument("--controls", default=",".join(CONTROL_KINDS), help="which controls, comma-separated")
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 x 32, 9 replicates, alpha 0.1, 1 seed")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.dim, args.draws, args.alpha, args.seeds, args.gaussian_seeds = 300, 32, 9, 0.1, 1, 2
    print(f"{args.n:,} x {args.dim} points, {args.draws} replicates per null, alpha {args.alpha:g}; "
          f"{args.gaussian_seeds} Gaussian seeds, {args.seeds} seeds per other control")
    gaussian_p: dict[str, list[float]] = collections.defaultdict(list)
    cpu_all = []
    for kind in args.controls.split(","):
        seeds = args.gaussian_seeds if kind == "gaussian" else args.seeds
        labels: collections.Counter[str] = collections.Counter()
        for seed in range(seeds):
            t0 = time.process_time()
            z = control_cloud(kind, args.n, args.dim, np.random.default_rng(1000 + seed))
            verdict = filament_verdict(z, seed=seed, n_null_draws=args.draws, alpha=args.alpha, max_points=args.n)
            cpu_all.append(time.process_time() - t0)
            labels[verdict.label] += 1
            if kind == "gaussian":
                for key, p in verdict.p_values.items():
                    gaussian_p[key].append(p)
            print(f"  {kind:10s} seed {seed:3d}: {verdict.label:34s} "
                  + " ".join(f"p({key}) {p:.3f}" for key, p in verdict.p_values.items())
                  + f"  k {verdict.settings.n_components}  cpu {cpu_all[-1]:.1f} s", flush=True)
        hits = sum(labels[label] for label in CONTROL_KINDS[kind])
        print(f"{kind:10s}: expected {'/'.join(CONTROL_KINDS[kind])}: {hits} of {seeds}; labels {dict(labels)}",
              flush=True)
    for key in NULL_MODELS:
        p = np.array(gaussian_p.get(key, []))
        if len(p):
            print(f"null p-values on exact Gaussians against {key}: {len(p)} values, mean {p.mean():.3f} "
                  f"(uniform on (B+1) values: {(args.draws + 2) / (2 * args.draws + 2):.3f}), "
                  f"share <= alpha {np.mean(p <= args.alpha):.3f}, KS against uniform p = "
                  f"{stats.kstest(p, 'uniform').pvalue:.3f}; deciles: {_deciles(p)}")
    print(f"CPU time per verdict: mean {np.mean(cpu_all):.1f} s, max {np.max(cpu_all):.1f} s "
          f"({len(cpu_all)} verdicts)")


if __name__ == "__main__":
    main()
