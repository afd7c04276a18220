"""Full-scale analysis: PCA and the z-point statistics of chapters 2-4 on N x 256 points (issue 6, figure 5).

Run from the repository root (``make book`` first: the default z-points come from the book's run)::

    .venv/bin/python benchmarks/bench_analysis.py --images 170000   # the issue's figure (~5 min + encoding)
    .venv/bin/python benchmarks/bench_analysis.py --images 20000    # a quicker look
    .venv/bin/python benchmarks/bench_analysis.py --z z.npy --labels labels.csv   # your own z-points
    .venv/bin/python benchmarks/bench_analysis.py --synthetic 170000 --chapters 4  # a Gaussian cloud, no model

The z-points: ``--z`` (a ``.npy`` of shape (N, dim), e.g. from ``python -m latent_fragments encode``) with an optional
``--labels`` CSV (one row per z-point), or by default ``--images N`` synthfaces images (the uint8 cache
is built if missing) encoded by the book's default run; these are kept in
``<artifacts>/bench/`` for the next call, and preparing and encoding are not part of the timing. A
seeded 90/10 split gives training and held-out points, as in the chapters.

Each step calls the same ``lib`` functions as the chapter named in its label, with the chapters'
parameters, on *all* training z-points; chapter 4's verdict (``filament_verdict``: every null model of
``NULL_MODELS``, one exchangeable Monte Carlo test each with ``--null-draws`` replicates) runs, as in the
chapter, on a ``max_points`` sample (default 4,000; every null draw needs its own k-NN search), its time printed as its own step, and the chapter's whole-cloud
section does one exact k-NN search over all points. Decoding images, plots and
the image-quality table (chapter 3's Fréchet distances, which re-encode images) are not statistics of
the z-points and are left out. Prints seconds per step and the total.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from latent_fragments.artifacts import atomic_path  # noqa: E402
from latent_fragments.config import RunConfig, default_artifacts_dir  # noqa: E402


def encoded_points(n_images: int, root: Path) -> tuple[np.ndarray, pd.DataFrame]:
    """z-points and labels of ``n_images`` synthfaces encoded by the book's default run (cached)."""
    z_path, labels_path = root / "bench" / f"z-synthfaces-{n_images}.npy", root / "bench" / f"labels-synthfaces-{n_images}.csv"
    if z_path.exists() and labels_path.exists():
        return np.load(z_path), pd.read_csv(labels_path)
    from latent_fragments.data import DataSpec, load_faces
    from latent_fragments.runs import get_run

    run = get_run(RunConfig().with_profile(), train=False)
    faces = load_faces(DataSpec(n_images=n_images), root / "cache")
    t0 = time.perf_counter()
    z = run.encode(faces.images)
    seconds = time.perf_counter() - t0
    print(f"encoded {len(z):,} images in {seconds:.0f} s ({len(z) / seconds:.0f} img/s); kept in {z_path.parent}")
    z_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(z_path) as tmp:
        np.save(tmp, z.astype(np.float32))
    with atomic_path(labels_path) as tmp:
        faces.labels.to_csv(tmp, index=False)
    return z, faces.labels


class Timer:
    """Collects (step, seconds) and prints each step as it ends."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []

    def __call__(self, name: str, fn, *args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
        self.rows.append((name, seconds))
        print(f"{seconds:8.1f} s  {name}", flush=True)
        return out


def chapter2(t: Timer, z_train: np.ndarray, z_test: np.ndarray, rng: np.random.Generator) -> None:
    from latent_fragments.stats.generators import matched_generators
    from latent_fragments.stats.components import (component_summary, correlation_order, cube_hit_probability,
                                  ellipsoid_cube_volume_fraction, generator_report, latent_overview, radii,
                                  strongest_pairs, summarise_components)

    summary = t("ch2 component summaries (moments, normality tests)", component_summary, z_train)
    summarise_components(summary)
    t("ch2 radii, centred radii", lambda: (radii(z_train), radii(z_train, z_train.mean(axis=0))))
    gens = t("ch2 matched generators", matched_generators, z_train)

    def correlations() -> None:
        corr = np.corrcoef(z_train, rowvar=False)
        strongest_pairs(corr, k=10)
        correlation_order(corr)
    t("ch2 correlation matrix, strongest pairs, order", correlations)
    t("ch2 generator report (Mahalanobis, ellipsoid shares, NN distances)", generator_report, gens, z_train,
      z_test, rng, nn_reference_size=min(len(z_train), 5000))

    def volumes() -> None:
        mean, cov = z_train.mean(axis=0), np.cov(z_train, rowvar=False)
        ellipsoid_cube_volume_fraction(mean, cov, gens[0].b, 0.99)
        cube_hit_probability(mean, cov, gens[0].b, 0.99, 100_000, rng)
    t("ch2 ellipsoid / cube volume, Monte Carlo hits (100,000)", volumes)
    t("ch2 overview table", latent_overview, z_train, z_test, rng)


def chapter3(t: Timer, z_train: np.ndarray, z_test: np.ndarray, labels: pd.DataFrame | None, seed: int,
             rng: np.random.Generator) -> None:
    from latent_fragments.stats.fragment import core_normality, normality_by_component, origin_position, pc_label_association
    from latent_fragments.stats.generators import (GaussianMixtureGenerator, MultivariateNormal, TruncatedNormal, UniformEllipsoid,
                                matched_generators)
    from latent_fragments.stats.gaussian import Gaussian

    frag = t("ch3 PCA of the fragment", Gaussian.fit, z_train)
    t("ch3 origin position", origin_position, frag, z_train)
    scores = t("ch3 PCA scores", frag.to_pca, z_train)
    t("ch3 normality per principal axis", normality_by_component, scores, rng=np.random.default_rng(seed))
    t("ch3 core normality (HZ on 10 PCs, Shapiro-Wilk)", core_normality, frag, z_train, sigma=3.0,
      n_components=min(10, z_train.shape[1]), rng=np.random.default_rng(seed))

    def generators() -> None:
        gens = [MultivariateNormal.fit(z_train, name="MND"), TruncatedNormal.fit(z_train, max_sigma=2.0),
                TruncatedNormal.fit(z_train, max_sigma=3.0), UniformEllipsoid.fit(z_train, level=0.99),
                GaussianMixtureGenerator.fit(z_train, k=10, seed=seed),
                *[g for g in matched_generators(z_train) if g.kind in ("uniform cube", "uniform ball")]]
        for g in gens:
            g.sample(len(z_test), rng)
    t("ch3 generators fitted and sampled (GMM k=10 included)", generators)
    if labels is not None:
        t("ch3 principal axes vs labels", pc_label_association, scores, labels, n_pcs=10)


def chapter4(t: Timer, z_train: np.ndarray, labels: pd.DataFrame | None, max_points: int, n_null_draws: int,
             seed: int) -> None:
    from latent_fragments.stats.filaments import (densest_point, filament_verdict, label_carriage,
                                                  large_scale_coordinates, local_dimension, radial_outlier_profile,
                                                  whole_cloud_summary)
    from latent_fragments.stats.filaments.nulls import NULL_MODELS
    from latent_fragments.stats.gaussian import Gaussian

    z_all = z_train.astype(np.float32)
    draws = max(3, n_null_draws)  # the leave-one-out spread of the global test needs 3
    asked = f"{n_null_draws} null draws" + ("" if draws == n_null_draws else f" asked for, {draws} used (the minimum)")
    verdict = t(f"ch4 null comparison: {min(len(z_all), max_points):,} points, {asked}, verdict against "
                f"{len(NULL_MODELS)} null models", filament_verdict, z_all, seed=seed, n_null_draws=draws, max_points=max_points)
    print(f"          verdict: {verdict.label}, p = {verdict.p_values}, scale {verdict.scale:.3f}")
    z = z_all[verdict.indices]
    data_m = verdict.data_measure
    t("ch4 local dimensions", lambda: [local_dimension(None, knn=m.knn_dist)
                                       for m in [data_m, *verdict.tests["mnd"].measures]])

    def tails() -> None:
        frag = Gaussian.fit(z)
        radial_outlier_profile(z, frag.mean, frag.cov)
        densest_point(frag.to_pca(z, n_components=2), bandwidth=0.2 * frag.sigmas[0])
    t("ch4 radial outlier profile, densest point", tails)
    if labels is not None:
        t("ch4 label carriage of the sample (linear-model baseline, bootstrap)", label_carriage, data_m.knn_idx,
          labels.iloc[verdict.indices].reset_index(drop=True), scores=large_scale_coordinates(z),
          clusters=data_m.clusters, rng=np.random.default_rng(seed))
    if len(z_all) > len(z):
        t(f"ch4 whole cloud: exact 20-NN search of all {len(z_all):,} points and its statistics",
          whole_cloud_summary, z_all, labels)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=170_000, help="synthfaces images to encode (default 170,000)")
    parser.add_argument("--z", default=None, help="a .npy of z-points instead (shape (N, dim))")
    parser.add_argument("--labels", default=None, help="CSV with one row per z-point (with --z)")
    parser.add_argument("--synthetic", type=int, default=None,
                        help="a synthetic Gaussian cloud of this many points instead (chapter 4's control)")
    parser.add_argument("--dim", type=int, default=256, help="dimension of the synthetic cloud (default 256)")
    parser.add_argument("--max-points", type=int, default=4000, help="chapter 4's verdict sample (default 4,000)")
    parser.add_argument("--null-draws", type=int, default=19, help="chapter 4's null draws per null (default 19)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chapters", default="2,3,4", help="which chapters' statistics to time")
    args = parser.parse_args(argv)
    if args.synthetic:
        from latent_fragments.stats.filaments import control_cloud

        z, labels = control_cloud("gaussian", args.synthetic, args.dim, np.random.default_rng(args.seed)), None
    elif args.z:
        z = np.load(args.z)
        labels = pd.read_csv(args.labels) if args.labels else None
    else:
        root = Path(os.environ["LF_ARTIFACTS"]) if os.environ.get("LF_ARTIFACTS") else default_artifacts_dir()
        z, labels = encoded_points(args.images, root)
    if labels is not None and len(labels) != len(z):
        raise SystemExit(f"{args.labels}: {len(labels)} rows for {len(z)} z-points")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(z))
    n_test = len(z) // 10
    train, test = np.sort(order[n_test:]), np.sort(order[:n_test])
    z_train, z_test = np.asarray(z[train], dtype=np.float64), np.asarray(z[test], dtype=np.float64)
    train_labels = labels.iloc[train].reset_index(drop=True) if labels is not None else None
    print(f"{len(z_train):,} training and {len(z_test):,} held-out z-points of dimension {z.shape[1]}, "
          f"{len(os.sched_getaffinity(0))} cores")
    t = Timer()
    chapters = {int(c) for c in args.chapters.split(",")}
    t0 = time.perf_counter()
    if 2 in chapters:
        chapter2(t, z_train, z_test, rng)
    if 3 in chapters:
        chapter3(t, z_train, z_test, train_labels, args.seed, rng)
    if 4 in chapters:
        chapter4(t, z_train, train_labels, args.max_points, args.null_draws, args.seed)
    total = time.perf_counter() - t0
    for ch in sorted(chapters):
        print(f"chapter {ch}: {sum(s for name, s in t.rows if name.startswith(f'ch{ch} ')):8.1f} s")
    print(f"total:     {total:8.1f} s ({total / 60:.1f} min) for {len(z_train):,} x {z.shape[1]} z-points")


if __name__ == "__main__":
    main()
