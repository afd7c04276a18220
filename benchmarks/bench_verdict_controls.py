"""Chapter 4's verdict on control clouds: label rates (power and size), null p-values' uniformity, CPU time.

For each control of :data:`latent_fragments.stats.filaments.CONTROL_KINDS` and each seed, draws the cloud
(:func:`~latent_fragments.stats.filaments.control_cloud`) and runs
:func:`~latent_fragments.stats.filaments.filament_verdict` at the chapter's defaults (2,000 x 256 points,
39 replicates per null, alpha 0.05). Prints each verdict, each control's label counts (the share with an
expected label is its power, or for the Gaussian one minus the size), a table of label rates per control
(the column ``small-scale`` counts ``continuous_small_scale_structure``: for the smooth controls - Gaussian,
heavy tails, softplus, banana, two modes - it is a false small-scale call), the global p-values per null on
the exact Gaussians (a Kolmogorov-Smirnov test against the uniform distribution and a histogram in deciles)
and the CPU time per verdict (time.process_time, summed over worker processes). ``--jobs``: verdicts run in
that many loky processes (one BLAS thread each; fine at 600 x 64, but at 2,000 x 256 it was many times slower
than one process here, see benchmarks/RESULTS.md: run two commands side by side instead). ``--quick``: a smoke
run (300 x 32, 9 replicates, alpha 0.1, 1 seed).

    python benchmarks/bench_verdict_controls.py --seeds 5 --gaussian-seeds 20
"""
from __future__ import annotations

import argparse
import collections
import os
import time

import numpy as np
from scipy import stats

from latent_fragments.stats.filaments import (CONTROL_KINDS, NULL_MODELS, VERDICT_LABELS, control_cloud,
                                              filament_verdict)

_SHORT = {"consistent_with_mnd": "MND", "large_scale_non_gaussian": "large-scale",
          "continuous_small_scale_structure": "small-scale", "separate_clusters": "clusters"}


def _deciles(p: np.ndarray) -> str:
    counts, _ = np.histogram(p, bins=np.linspace(0, 1, 11))
    return " ".join(f"{c:3d}" for c in counts)


def one_verdict(kind: str, seed: int, n: int, dim: int, draws: int, alpha: float) -> dict:
    """One control cloud's verdict: its label, global p-values, mixture size and CPU seconds."""
    import warnings

    from threadpoolctl import threadpool_limits

    # HDBSCAN's joblib calls inside a worker process warn once per call about scikit-learn's configuration
    warnings.filterwarnings("ignore", message=".*sklearn.utils.parallel.delayed.*")
    t0 = time.process_time()
    with threadpool_limits(1):
        z = control_cloud(kind, n, dim, np.random.default_rng(1000 + seed))
        verdict = filament_verdict(z, seed=seed, n_null_draws=draws, alpha=alpha, max_points=n)
    return {"kind": kind, "seed": seed, "label": verdict.label, "p": dict(verdict.p_values),
            "k": verdict.settings.n_components, "cpu": time.process_time() - t0}


def _run_all(tasks: list[tuple[str, int]], args: argparse.Namespace) -> list[dict]:
    if args.jobs <= 1:
        return [one_verdict(kind, seed, args.n, args.dim, args.draws, args.alpha) for kind, seed in tasks]
    from joblib import Parallel, delayed

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return list(Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(one_verdict)(kind, seed, args.n, args.dim, args.draws, args.alpha) for kind, seed in tasks))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="points per cloud (default 2,000, the chapter's max_points)")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--draws", type=int, default=39, help="replicates per null (default 39)")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=5, help="seeds per non-Gaussian control (default 5)")
    parser.add_argument("--gaussian-seeds", type=int, default=20, help="exact Gaussian clouds (default 20)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed of every control (default 0)")
    parser.add_argument("--controls", default=",".join(CONTROL_KINDS), help="which controls, comma-separated")
    parser.add_argument("--jobs", type=int, default=1, help="verdicts in parallel processes (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 x 32, 9 replicates, alpha 0.1, 1 seed")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.dim, args.draws, args.alpha, args.seeds, args.gaussian_seeds = 300, 32, 9, 0.1, 1, 2
    kinds = args.controls.split(",")
    print(f"{args.n:,} x {args.dim} points, {args.draws} replicates per null, alpha {args.alpha:g}; "
          f"{args.gaussian_seeds} Gaussian seeds, {args.seeds} seeds per other control", flush=True)
    tasks = [(kind, args.first_seed + i) for kind in kinds
             for i in range(args.gaussian_seeds if kind == "gaussian" else args.seeds)]
    wall = time.perf_counter()
    results = []
    for r in _run_all(tasks, args):
        results.append(r)
        print(f"  {r['kind']:10s} seed {r['seed']:3d}: {r['label']:34s} "
              + " ".join(f"p({key}) {p:.3f}" for key, p in r["p"].items())
              + f"  k {r['k']}  cpu {r['cpu']:.1f} s", flush=True)
    wall = time.perf_counter() - wall
    print("\n| control | expected | verdicts | " + " | ".join(_SHORT[label] for label in VERDICT_LABELS)
          + " | expected label rate |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in VERDICT_LABELS) + " | --- |")
    for kind in kinds:
        labels = collections.Counter(r["label"] for r in results if r["kind"] == kind)
        total = sum(labels.values())
        hits = sum(labels[label] for label in CONTROL_KINDS[kind])
        print(f"| {kind} | {'/'.join(CONTROL_KINDS[kind])} | {total} | "
              + " | ".join(str(labels[label]) for label in VERDICT_LABELS) + f" | {hits} of {total} |")
    for kind in kinds:
        labels = collections.Counter(r["label"] for r in results if r["kind"] == kind)
        hits = sum(labels[label] for label in CONTROL_KINDS[kind])
        print(f"{kind:10s}: expected {'/'.join(CONTROL_KINDS[kind])}: {hits} of {sum(labels.values())}; "
              f"labels {dict(labels)}")
    for key in NULL_MODELS:
        p = np.array([r["p"][key] for r in results if r["kind"] == "gaussian"])
        if len(p):
            print(f"null p-values on exact Gaussians against {key}: {len(p)} values, mean {p.mean():.3f} "
                  f"(uniform on (B+1) values: {(args.draws + 2) / (2 * args.draws + 2):.3f}), "
                  f"share <= alpha {np.mean(p <= args.alpha):.3f}, KS against uniform p = "
                  f"{stats.kstest(p, 'uniform').pvalue:.3f}; deciles: {_deciles(p)}")
    cpu = np.array([r["cpu"] for r in results])
    print(f"CPU time per verdict: mean {cpu.mean():.1f} s, max {cpu.max():.1f} s ({len(cpu)} verdicts, "
          f"{args.jobs} process(es), {wall:.0f} s wall)")


if __name__ == "__main__":
    main()
