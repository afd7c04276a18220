"""Chapter 3's two scoring feature spaces side by side: supervised (labels) and rotation (no labels), issue 21.

Run from the repository root (a few minutes on 2 cores)::

    .venv/bin/python benchmarks/bench_feature_spaces.py [--images 800] [--seeds 4] [--save-features F.npy]

One tiny run (synthfaces, a narrow autoencoder trained 3 epochs, 30 % held out: the run of
``tests/test_features.py``) and, for each kind of scoring network (:data:`latent_fragments.stats.features.KINDS`)
and each network seed, the network trained on the run's training split. Printed for each: the plug-in FD of
the held-out comparison half against the reference half after Gaussian blur (sigma 0, 1.5, 3, 6 pixels) and
after additive Gaussian noise (SD 0, 0.1, 0.2, 0.4 of the pixel range), whether each grows monotonically, and
the precision (k = 3) of the real comparison half, of decoded uniform-cube points and of images of uniform
pixel noise. ``--save-features`` writes the rotation network's (seed 0) standardised features of all the
run's images, for ``bench_coverage.py --features``. Prints CPU seconds per network.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
from scipy import ndimage

#: Epochs of each kind: the labels' 15 of tests/test_features.py; the rotation task's default at 560 images.
EPOCHS = {"supervised": 15, "rotation": 8}


def blurred(images: np.ndarray, sigma: float) -> np.ndarray:
    """Images blurred by a Gaussian of ``sigma`` pixels."""
    return np.clip(ndimage.gaussian_filter(images.astype(np.float64), (0, sigma, sigma, 0)), 0, 255).astype(np.uint8)


def noisy(images: np.ndarray, sd: float) -> np.ndarray:
    """Images with additive Gaussian noise of ``sd`` times the pixel range (seeded)."""
    noise = np.random.default_rng(0).normal(0.0, 255.0 * sd, images.shape)
    return np.clip(images + noise, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=800)
    parser.add_argument("--seeds", type=int, default=4, help="network seeds per kind")
    parser.add_argument("--save-features", help=".npy for the rotation network's features (seed 0)")
    args = parser.parse_args()
    os.environ.setdefault("LF_ARTIFACTS", tempfile.mkdtemp(prefix="lf-bench-features-"))
    os.environ.pop("LF_PROFILE", None)
    from latent_fragments.config import RunConfig
    from latent_fragments.runs import get_run
    from latent_fragments.stats import features as feat
    from latent_fragments.stats.generators import UniformCube, matched_generators
    from latent_fragments.stats.quality import frechet_distance_features, precision_recall, reference_halves

    cfg = RunConfig(n_images=args.images, z_dim=16, epochs=3, batch_size=32, filters=(8, 16, 16, 16),
                    test_fraction=0.3).with_profile()
    run = get_run(cfg)
    test = run.images("test")
    ref_idx, other_idx = reference_halves(len(test))
    cube = next(g for g in matched_generators(np.asarray(run.z_train)) if isinstance(g, UniformCube))
    fakes = {"decoded cube": run.decode(cube.sample(len(other_idx), np.random.default_rng(0))),
             "pixel noise": np.random.default_rng(1).integers(0, 256, (len(other_idx), 96, 96, 3), dtype=np.uint8)}
    print(f"run: {args.images} synthfaces, {len(run.train_idx)} training, reference {len(ref_idx)} vs "
          f"{len(other_idx)} held-out images")
    for kind in feat.KINDS:
        for seed in range(args.seeds):
            t0 = time.process_time()
            net = feat.feature_net_for_run(run, epochs=EPOCHS[kind], kind=kind, seed=seed)
            ref, other = net.features(test[ref_idx]), test[other_idx]
            blur = [frechet_distance_features(ref, net.features(blurred(other, s))) for s in (0.0, 1.5, 3.0, 6.0)]
            noise = [frechet_distance_features(ref, net.features(noisy(other, s))) for s in (0.0, 0.1, 0.2, 0.4)]
            precision = {"real": precision_recall(ref, net.features(other))[0],
                         **{name: precision_recall(ref, net.features(x))[0] for name, x in fakes.items()}}
            print(f"{kind:10s} seed {seed}: FD blur {' '.join(f'{v:.1f}' for v in blur)} "
                  f"(monotone {bool(np.all(np.diff(blur) > 0))}), noise {' '.join(f'{v:.1f}' for v in noise)} "
                  f"(monotone {bool(np.all(np.diff(noise) > 0))}); precision "
                  + ", ".join(f"{name} {value:.2f}" for name, value in precision.items())
                  + f"; {time.process_time() - t0:.0f} s CPU")
            if args.save_features and kind == feat.ROTATION and seed == 0:
                np.save(args.save_features, net.features(np.asarray(run.faces.images)))


if __name__ == "__main__":
    main()
