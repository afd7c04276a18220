"""CelebA-layout decoding: JPEG decode + face crop + resize to 96x96 into the uint8 cache (issue 6, figure 3).

Run from the repository root::

    .venv/bin/python benchmarks/bench_decode.py [--images 4000]

CelebA itself cannot be downloaded here, so the script writes ``--images`` JPEGs of CelebA's size
(178x218, quality 90, synthfaces faces upscaled) in CelebA's layout (``img_align_celeba/000001.jpg`` ...)
to a temporary folder, then builds the cache with :func:`latent_fragments.data.load_faces` with one and with two worker
processes, and prints images/s and the projected time for 170,000 images.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=4000)
    args = parser.parse_args()

    from PIL import Image

    from latent_fragments.data import DataSpec, load_faces
    from latent_fragments.data.pool import usable_cores
    from latent_fragments.synthfaces import render_batch

    with tempfile.TemporaryDirectory(prefix="lf-decode-") as tmp:
        folder = Path(tmp) / "celeba" / "img_align_celeba"
        folder.mkdir(parents=True)
        for start in range(0, args.images, 500):
            faces, _ = render_batch(range(start, min(start + 500, args.images)), seed=0)
            for k, face in enumerate(faces):
                Image.fromarray(face).resize((178, 218), Image.Resampling.BILINEAR).save(
                    folder / f"{start + k + 1:06d}.jpg", quality=90)
        print(f"{args.images} CelebA-sized JPEGs written; {usable_cores()} usable cores")
        for workers in (1, 2):
            t0 = time.perf_counter()
            faces = load_faces(DataSpec(dataset="celeba", data_dir=str(folder.parent)), Path(tmp) / f"cache{workers}",
                               workers=workers, progress=False)
            seconds = time.perf_counter() - t0
            rate = len(faces) / seconds
            print(f"workers={workers}: {rate:6.0f} img/s; 170,000 images would take {170000 / rate / 60:.1f} min")


if __name__ == "__main__":
    main()
