"""Coverage of chapter 3's 90 % intervals for FD, KID, precision and recall at the book's sizes (issue 20).

Run from the repository root::

    .venv/bin/python benchmarks/bench_coverage.py            # 200 replicates, 144 features, 300 vs 300
    .venv/bin/python benchmarks/bench_coverage.py --quick    # smoke run: 6 replicates of 40 x 8

Controls with known answers: the "real" features are Gaussian, ``N(0, S)`` with ``S`` a rotated diagonal
of eigenvalues ``i^-0.5`` (``i = 1 .. dim``; two samples of it give a plug-in FD of about 5 at 300 x 144,
as chapter 3's real-vs-real row does); the "generated" ones ``N(delta, c^2 S)`` with ``|delta|^2 = 0.3``
and ``c = 0.9`` (a generator a little off-centre and less diverse; ``--shift`` and ``--scale`` change
them: ``--shift 0.5 --scale 1`` puts precision and recall near 0.6). The FD's truth is closed-form
(:func:`latent_fragments.stats.quality.frechet_distance` of the two normals); the KID's is the mean of
``--truth-draws`` independent estimates (the KID is unbiased); precision's and recall's truths are their
means over the same draws, at the same sample sizes. Each replicate calls
:func:`latent_fragments.stats.quality.quality_row` exactly as chapter 3 does (``--boot`` resamples,
chapter 3's full profile uses 100) and counts whether each interval holds the truth. A second control,
two samples of ``N(0, S)``, gives the bias of the plug-in FD and of FD_inf (truth 0) and the size of
the permutation test at ``--alpha``; the first control gives its power. Prints CPU seconds per replicate.
``--features F.npy`` replaces ``S`` by the covariance of given feature vectors ``(n, dim)`` (features
without variance left out), e.g. a scoring network's standardised features of real images, so that the
controls have that feature space's spectrum (issue 21: the label-free rotation space).
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from latent_fragments.stats.quality import (
    MEASURES, frechet_distance, frechet_distance_features, frechet_distance_inf, kid_permutation_p,
    kernel_inception_distance, precision_recall, quality_row)


def covariance(dim: int, seed: int = 1) -> np.ndarray:
    """The control's covariance: eigenvalues ``i^-0.5`` on random axes."""
    axes, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return (axes * np.arange(1, dim + 1) ** -0.5) @ axes.T


def feature_covariance(features: np.ndarray) -> np.ndarray:
    """The covariance of feature vectors ``(n, dim)``, features without variance left out."""
    features = np.asarray(features, dtype=np.float64)
    return np.cov(features[:, features.std(axis=0) > 0], rowvar=False)


def shift(dim: int, squared_norm: float = 0.3, seed: int = 2) -> np.ndarray:
    """A random mean shift of the given squared length."""
    delta = np.random.default_rng(seed).standard_normal(dim)
    return delta * math.sqrt(squared_norm) / np.linalg.norm(delta)


def _rate(hits: int, n: int) -> str:
    rate = hits / n
    return f"{rate:.1%} ± {math.sqrt(max(rate * (1 - rate), 1 / n) / n):.1%} ({hits} of {n})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=144, help="features (default 144, chapter 3's network)")
    parser.add_argument("--n", type=int, default=300, help="points per set (default 300: half of 600 held-out)")
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--boot", type=int, default=100, help="bootstrap resamples per interval")
    parser.add_argument("--truth-draws", type=int, default=2000)
    parser.add_argument("--perm", type=int, default=99, help="permutations of the test")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--shift", type=float, default=0.3, help="squared length of the mean shift")
    parser.add_argument("--scale", type=float, default=0.9, help="the generated set's scale c")
    parser.add_argument("--features", help=".npy of feature vectors (n, dim): S is their covariance (sets --dim)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 6 replicates of 40 x 8")
    args = parser.parse_args(argv)
    if args.quick:
        args.dim, args.n, args.replicates, args.boot, args.truth_draws, args.perm = 8, 40, 6, 20, 50, 19
    from threadpoolctl import threadpool_limits

    cov = covariance(args.dim) if args.features is None else feature_covariance(np.load(args.features))
    args.dim = len(cov)
    root, delta, scale = np.linalg.cholesky(cov), shift(args.dim, args.shift), args.scale
    rng = np.random.default_rng(7)

    def real() -> np.ndarray:
        return rng.standard_normal((args.n, args.dim)) @ root.T

    def fake() -> np.ndarray:
        return delta + scale * real()

    t0 = time.process_time()
    with threadpool_limits(limits=1):
        draws = np.array([[kernel_inception_distance(a, b), *precision_recall(a, b, 3)]
                          for a, b in ((real(), fake()) for _ in range(args.truth_draws))])
    truth = {"FD": frechet_distance(np.zeros(args.dim), cov, delta, scale**2 * cov),
             **dict(zip(MEASURES[1:], draws.mean(axis=0)))}
    print(f"control: |delta|^2 = {args.shift:g}, c = {args.scale:g}, {args.n} vs {args.n} points in {args.dim} dimensions; truths: "
          + ", ".join(f"{name} {value:.4g}" for name, value in truth.items())
          + f" (KID, precision, recall: means of {args.truth_draws} draws, standard errors "
          + ", ".join(f"{s:.1g}" for s in draws.std(axis=0, ddof=1) / math.sqrt(len(draws)))
          + f"); {time.process_time() - t0:.0f} s CPU")

    t0 = time.process_time()
    covered = dict.fromkeys(MEASURES, 0)
    estimates: dict[str, list[float]] = {name: [] for name in MEASURES}
    power = 0
    for _ in range(args.replicates):
        row = quality_row(real(), fake(), k=3, n_boot=args.boot, rng=rng, n_perm=args.perm)
        for name in MEASURES:
            covered[name] += row[f"{name}_lo"] <= truth[name] <= row[f"{name}_hi"]
            estimates[name].append(row[name])
        power += row["p_same"] <= args.alpha
    seconds = (time.process_time() - t0) / args.replicates
    print(f"{args.replicates} replicates, {args.boot} resamples each, {seconds:.2f} s CPU per replicate "
          f"(quality_row with its intervals and a {args.perm}-permutation test)")
    for name in MEASURES:
        values = np.array(estimates[name])
        print(f"  {name:9s} 90 % interval covers the truth: {_rate(covered[name], args.replicates)}; "
              f"mean estimate {values.mean():.4g} (truth {truth[name]:.4g}, SD {values.std(ddof=1):.3g})")
    print(f"  permutation test (KID), power at alpha = {args.alpha:g}: {_rate(power, args.replicates)}")

    t0 = time.process_time()
    plugin, extrapolated, false_alarms = [], [], 0
    with threadpool_limits(limits=1):
        for _ in range(args.replicates):
            a, b = real(), real()
            plugin.append(frechet_distance_features(a, b))
            extrapolated.append(frechet_distance_inf(a, b, rng))
            false_alarms += kid_permutation_p(a, b, args.perm, rng) <= args.alpha
    se = np.std(extrapolated, ddof=1) / math.sqrt(args.replicates)
    print(f"identical distributions (truth FD 0), {args.replicates} replicates, "
          f"{(time.process_time() - t0) / args.replicates:.2f} s CPU each: plug-in FD {np.mean(plugin):.3f}, "
          f"FD_inf {np.mean(extrapolated):.3f} ± {se:.3f} (SE); permutation test size at alpha = "
          f"{args.alpha:g}: {_rate(false_alarms, args.replicates)}")


if __name__ == "__main__":
    main()
