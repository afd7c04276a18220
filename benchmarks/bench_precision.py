"""Training throughput in float32 against mixed bfloat16 (the ``precision`` option, issue 21).

Run from the repository root (a few minutes on 2 cores)::

    .venv/bin/python benchmarks/bench_precision.py [--images 960] [--epochs 2] [--backend tensorflow|torch]

The book's default AE, the same synthfaces images and the project's streaming path
(``latent_fragments.training.fit`` through ``make_stream``), once per precision in one process, the first
epoch (graph tracing) timed apart. Prints the images/s of the timed epochs of each and the ratio
mixed/float32 (both measured in the same process, minutes apart, so a shared machine's load affects both). Mixed bfloat16 pays off where the hardware computes in bfloat16 (GPUs, CPUs with AMX);
on a CPU without it the casts cost time.
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=960)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after one warm-up epoch")
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"))
    args = parser.parse_args()
    os.environ["KERAS_BACKEND"] = args.backend

    import dataclasses

    import keras
    import numpy as np

    from latent_fragments.config import RunConfig
    from latent_fragments.synthfaces import render_batch
    from latent_fragments.training import fit

    images, _ = render_batch(range(args.images), seed=0)
    idx = np.arange(args.images)
    train, held_out = idx[: args.images - 64], idx[args.images - 64:]
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"backend {keras.backend.backend()}, {len(train)} training images 96x96, default AE, batch 64")
    rates = {}
    for precision in ("float32", "mixed_bfloat16"):
        cfg = dataclasses.replace(RunConfig(), profile="full", precision=precision, epochs=1 + args.epochs)
        with tempfile.TemporaryDirectory() as work:
            _, history = fit(cfg, images, train, held_out, Path(work), log=lambda s: None)
        first, rest = history[0], history[1:]
        seconds = sum(row["seconds"] for row in rest)
        rates[precision] = len(train) * len(rest) / seconds
        print(f"{precision:>15}: first epoch {first['images_per_s']:.0f} img/s, then {rates[precision]:.1f} img/s "
              f"(final loss {rest[-1]['loss']:.4f})")
    print(f"ratio mixed_bfloat16 / float32: {rates['mixed_bfloat16'] / rates['float32']:.2f}x")


if __name__ == "__main__":
    main()
