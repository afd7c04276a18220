"""Command line: ``python -m latent_fragments train|prepare|encode|info`` with the notebooks' parameters (chapter 1).

Examples::

    python -m latent_fragments prepare --dataset celeba --data-dir ~/data/celeba --n-images 170000   # the image cache only
    python -m latent_fragments train --dataset celeba --data-dir ~/data/celeba --n-images 170000 --epochs 24
    python -m latent_fragments encode --dataset celeba --data-dir ~/data/celeba --n-images 170000 --epochs 24 --output z.npy
    python -m latent_fragments info --dataset orl --z-dim 64 --epochs 2

Errors in the input (unknown data set, missing folder, bad parameter, damaged run) end with one line
that says what to do, and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .config import ConfigError, RunConfig, default_artifacts_dir


def _run_args(parser: argparse.ArgumentParser) -> None:
    d = RunConfig()
    parser.add_argument("--dataset", default=d.dataset, help="synthfaces (default), orl, celeba or folder")
    parser.add_argument("--data-dir", default=None, help="CelebA folder (holding img_align_celeba/) or image folder")
    parser.add_argument("--n-images", type=int, default=d.n_images, help="images to use (default: all; synthfaces 6000)")
    parser.add_argument("--z-dim", type=int, default=d.z_dim, help=f"latent dimension (default {d.z_dim})")
    parser.add_argument("--epochs", type=int, default=d.epochs, help=f"training epochs (default {d.epochs})")
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--loss", default=d.loss, choices=["bce", "mse"])
    parser.add_argument("--filters", default=",".join(map(str, d.filters)), help="4 encoder widths, e.g. 32,64,128,128")
    parser.add_argument("--artifacts-dir", default=None, help=f"where runs and caches live (default {default_artifacts_dir()})")


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The validated :class:`RunConfig` named by the command-line arguments."""
    try:
        filters = tuple(int(f) for f in str(args.filters).split(","))
    except ValueError:
        raise ConfigError(f"--filters must be 4 comma-separated integers, got {args.filters!r}") from None
    return RunConfig(
        dataset=args.dataset,
        data_dir=args.data_dir,
        n_images=args.n_images,
        z_dim=args.z_dim,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        loss=args.loss,
        filters=filters,
    ).validated()


def cmd_train(args: argparse.Namespace) -> int:
    from .runs import get_run, remove_run

    cfg = config_from_args(args)
    if args.fresh:
        remove_run(cfg, args.artifacts_dir)
    t0 = time.perf_counter()
    run = get_run(cfg, args.artifacts_dir)
    print(f"run {cfg.run_name()} ready in {time.perf_counter() - t0:.0f} s: {run.path}")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from .runs import load_data

    cfg = config_from_args(args)
    t0 = time.perf_counter()
    faces = load_data(cfg, args.artifacts_dir)
    seconds = time.perf_counter() - t0
    size = faces.cache_path.stat().st_size
    print(f"cache {faces.cache_path}: {len(faces)} images, {size / 2**30:.2f} GiB, ready in {seconds:.0f} s "
          f"({len(faces) / max(seconds, 1e-9):.0f} img/s including any reuse)")
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    import numpy as np

    from .artifacts import atomic_path
    from .data import DataSpec, load_faces
    from .runs import get_run

    cfg = config_from_args(args)
    run = get_run(cfg, args.artifacts_dir, train=not args.no_train)
    if args.images_dir:
        root = Path(args.artifacts_dir).resolve() if args.artifacts_dir else default_artifacts_dir()
        faces = load_faces(DataSpec(dataset="folder", data_dir=args.images_dir), root / "cache")
    else:
        faces = run.faces
    t0 = time.perf_counter()
    z = run.encode(faces.images)  # streams batches from the memory-mapped cache
    seconds = time.perf_counter() - t0
    with atomic_path(args.output) as tmp:
        np.save(tmp, z)
    print(f"encoded {len(z)} images to {args.output} ({z.shape[1]}-D) in {seconds:.1f} s, {len(z) / seconds:.0f} img/s")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .runs import run_dir

    cfg = config_from_args(args)
    path = run_dir(cfg, args.artifacts_dir)
    info = {"run": cfg.run_name(), "path": str(path), "complete": (path / "manifest.json").exists(),
            "config": cfg.as_dict()}
    if (path / "history.json").exists():
        info["history"] = json.loads((path / "history.json").read_text())
    elif (path / "checkpoint.json").exists():
        info["interrupted_after_epoch"] = json.loads((path / "checkpoint.json").read_text())["epochs_done"]
    print(json.dumps(info, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m latent_fragments``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m latent_fragments", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_train = sub.add_parser("train", help="train (or resume) the run of these parameters; prints img/s per epoch")
    _run_args(p_train)
    p_train.add_argument("--fresh", action="store_true", help="delete an existing run of these parameters first")
    p_prepare = sub.add_parser("prepare", help="build the uint8 image cache of these parameters (no training)")
    _run_args(p_prepare)
    p_encode = sub.add_parser("encode", help="encode images with the run's encoder into a .npy of z-points")
    _run_args(p_encode)
    p_encode.add_argument("--output", required=True, help="destination .npy file")
    p_encode.add_argument("--images-dir", default=None, help="encode this folder of images instead of the run's data")
    p_encode.add_argument("--no-train", action="store_true", help="fail instead of training a missing run")
    p_info = sub.add_parser("info", help="show the run directory, its state and history")
    _run_args(p_info)
    args = parser.parse_args(argv)

    from .artifacts import ArtifactError
    from .data import DataError

    try:
        return {"train": cmd_train, "prepare": cmd_prepare, "encode": cmd_encode, "info": cmd_info}[args.command](args)
    except (ConfigError, DataError, ArtifactError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the last finished epoch is checkpointed; rerun the same command to resume.",
              file=sys.stderr)
        return 130

