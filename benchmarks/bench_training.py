"""Training and encoding throughput: the project's streaming path against plain ``fit`` on float32 arrays.

Run from the repository root (takes a few minutes on 2 cores)::

    .venv/bin/python benchmarks/bench_training.py [--images 1920] [--epochs 2] [--backend tensorflow|torch]

Same model (the book's default AE), same synthfaces images, same machine, one process. Prints images/s of:
  1. plain ``model.fit`` on a float32 numpy array (what a reader of the blog would write),
  2. the project's path: uint8 batches streamed from a memory map (``latent_fragments.training.make_stream``),
and their ratio, then the encoder's inference throughput. The first epoch (graph tracing) is timed apart
from the following ones.
"""
from __future__ import annotations

import argparse
import os
import platform
import time



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1920)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after one warm-up epoch")
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"))
    args = parser.parse_args()
    os.environ["KERAS_BACKEND"] = args.backend

    import dataclasses

    import keras
    import numpy as np

    from latent_fragments.config import RunConfig
    from latent_fragments.model import build_autoencoder
    from latent_fragments.synthfaces import render_batch
    from latent_fragments.training import make_stream, predict_batched

    cfg = dataclasses.replace(RunConfig(), profile="full")
    images, _ = render_batch(range(args.images), seed=0)
    idx = np.arange(args.images)
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"backend {keras.backend.backend()}, {args.images} images 96x96, batch {cfg.batch_size}")

    def timed(fit_epoch) -> tuple[float, float]:
        t0 = time.perf_counter()
        fit_epoch(1)
        first = args.images / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        fit_epoch(args.epochs)
        return first, args.images * args.epochs / (time.perf_counter() - t0)

    ae = build_autoencoder(cfg)
    x = images.astype(np.float32) / 255.0
    numpy_first, numpy_rate = timed(lambda e: ae.fit(x, x, batch_size=cfg.batch_size, epochs=e, verbose=0))
    del x

    ae = build_autoencoder(cfg)
    extra = {"shuffle": False} if keras.backend.backend() == "tensorflow" else {}

    def stream_epochs(e: int) -> None:
        stream, steps = make_stream(images, idx, cfg, shuffle=True)
        ae.fit(stream, steps_per_epoch=steps, epochs=e, verbose=0, **extra)

    stream_first, stream_rate = timed(stream_epochs)
    print(f"plain fit on float32 arrays: {numpy_rate:7.1f} img/s (first epoch {numpy_first:.1f})")
    print(f"project stream from uint8:   {stream_rate:7.1f} img/s (first epoch {stream_first:.1f})")
    print(f"ratio stream / plain fit:    {stream_rate / numpy_rate:7.2f}x")

    encoder = ae.get_layer("encoder")
    predict_batched(encoder, images[:256])
    t0 = time.perf_counter()
    predict_batched(encoder, images)
    print(f"encoding:                    {args.images / (time.perf_counter() - t0):7.1f} img/s")


if __name__ == "__main__":
    main()
