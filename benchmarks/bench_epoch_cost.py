"""Cost of one training epoch of chapter 1's network, plain AE and VAE, for chapter 5's cold-build estimate.

Run from the repository root (a minute or two on 2 cores)::

    .venv/bin/python benchmarks/bench_epoch_cost.py [--images 256] [--epochs 1]

Trains chapter 1's configuration (filters 32-64-128-128, z_dim 256, batch 64) and its VAE on ``--images``
synthfaces images: one warm-up epoch (graph tracing), then ``--epochs`` timed epochs. Prints the CPU
seconds (``time.process_time``, all threads of this process) and wall seconds per training image, and
the estimate of one chapter-1-scale run (5,400 training images x 8 epochs): CPU time / 2 for an idle
2-core machine, and wall time at the measured rate. On a shared machine the CPU time is the figure to
trust; the wall time is inflated by the other jobs.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs after one warm-up epoch")
    args = parser.parse_args()

    import keras
    import numpy as np

    from latent_fragments.config import RunConfig
    from latent_fragments.model import build_autoencoder
    from latent_fragments.synthfaces import render_batch
    from latent_fragments.training import make_stream

    images, _ = render_batch(range(args.images), seed=0)
    idx = np.arange(args.images)
    extra = {"shuffle": False} if keras.backend.backend() == "tensorflow" else {}
    print(f"{os.cpu_count()} cores, backend {keras.backend.backend()}, {args.images} images, "
          f"{args.epochs} timed epoch(s) after one warm-up")
    for model in ("ae", "vae"):
        cfg = dataclasses.replace(RunConfig(model=model), profile="full")
        ae = build_autoencoder(cfg)
        stream, steps = make_stream(images, idx, cfg, shuffle=True)
        ae.fit(stream, steps_per_epoch=steps, epochs=1, verbose=0, **extra)
        stream, steps = make_stream(images, idx, cfg, shuffle=True)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        ae.fit(stream, steps_per_epoch=steps, epochs=args.epochs, verbose=0, **extra)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        per_image_cpu, per_image_wall = cpu / (args.images * args.epochs), wall / (args.images * args.epochs)
        run = 5400 * 8
        print(f"{model}: {per_image_cpu * 1000:.2f} ms CPU and {per_image_wall * 1000:.2f} ms wall per training "
              f"image ({1 / per_image_wall:.0f} img/s); a 5,400 x 8-epoch run: {run * per_image_cpu / 2 / 60:.1f} min "
              f"on 2 idle cores (CPU / 2), {run * per_image_wall / 60:.1f} min at this wall rate")


if __name__ == "__main__":
    main()
