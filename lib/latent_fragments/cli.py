"""Command line: ``python -m latent_fragments train|prepare|encode|info|sweep|runs`` (chapter 1).

Examples::

    python -m latent_fragments prepare --dataset celeba --data-dir ~/data/celeba --n-images 170000   # the image cache only
    python -m latent_fragments train --dataset celeba --data-dir ~/data/celeba --n-images 170000 --epochs 24
    python -m latent_fragments encode --dataset celeba --data-dir ~/data/celeba --n-images 170000 --epochs 24 --output z.npy
    python -m latent_fragments info --dataset orl --z-dim 64 --epochs 2
    python -m latent_fragments sweep --vary z_dim=32,256 --vary model=ae,vae --seeds 0,1,2 --epochs 4
    python -m latent_fragments sweep --grid grid.toml --name celeba   # a TOML grid as chapter 5 describes it
    python -m latent_fragments runs list        # also: runs export RUN, runs import FILE, runs clean

The options are made from the fields of :class:`~latent_fragments.config.RunConfig` (one per field, its
name with dashes, its type, default and help), so every parameter of a run can be given here; the
execution profile is not an option but ``LF_PROFILE``. Errors in the input (unknown data set, missing
folder, bad parameter, damaged run) and faults (a full disk, memory exhausted, a file that cannot be
read or written, a Keras backend whose package is not installed) end with one line that says what to do,
and exit code 2.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import signal
import sys
import threading
import time
import typing
from pathlib import Path
from typing import Any, Iterator

from .config import ConfigError, RunConfig, field_types, parse_seeds, parse_value
from .faults import check_backend, fault_line
from .layout import CHECKPOINT_STATE, HISTORY, MANIFEST, artifacts_root, cache_root, runs_root
from .tfnoise import quiet


def config_fields() -> list[dataclasses.Field]:
    """The :class:`RunConfig` fields that are command-line options (all but ``profile``: ``LF_PROFILE``)."""
    return [f for f in dataclasses.fields(RunConfig) if f.metadata.get("cli", True)]


def _option(f: dataclasses.Field) -> str:
    return "--" + f.name.replace("_", "-")


def _typed(name: str, hint: object):
    """The argparse ``type`` of a field's option: :func:`~latent_fragments.config.parse_value`, named by the
    field's kind so that argparse's own usage error says e.g. ``invalid int value: 'abc'``; tuples
    (``--filters``) stay text until :func:`config_from_args`, whose error names the option."""
    if typing.get_origin(hint) is tuple:
        return str

    def convert(text: str):
        return parse_value(name, text)

    kinds = typing.get_args(hint) or (hint,)
    convert.__name__ = next((t.__name__ for t in (int, float) if t in kinds), "str")
    return convert


def _run_args(parser: argparse.ArgumentParser) -> None:
    """One option per configuration field, named, typed and explained by the field (chapter 1).

    Every value is read by :func:`~latent_fragments.config.parse_value`, the parser of the sweep grid too
    (``--z-dim abc`` gets argparse's usage error; ``--filters`` takes comma-separated integers), and
    checked by :class:`RunConfig` itself. An option not given leaves the field's default.
    """
    hints = field_types()
    for f in config_fields():
        shown = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
        default = "" if f.default is None else f" (default {shown})"
        parser.add_argument(_option(f), dest=f.name, type=_typed(f.name, hints[f.name]), default=argparse.SUPPRESS,
                            help=f.metadata["help"] + default)
    parser.add_argument("--artifacts-dir", default=None, help=f"where runs and caches live (default {artifacts_root()})")


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The effective :class:`RunConfig` of the command-line arguments: checked, with the profile applied once."""
    given = {}
    for f in config_fields():
        if hasattr(args, f.name):
            value = getattr(args, f.name)
            given[f.name] = parse_value(f.name, value, _option(f)) if isinstance(f.default, tuple) else value
    return RunConfig(**given).with_profile()


def cmd_train(args: argparse.Namespace) -> int:
    from .runs import get_run

    cfg = config_from_args(args)
    t0 = time.perf_counter()
    run = get_run(cfg, args.artifacts_dir, tensorboard=args.tensorboard, fresh=args.fresh)
    print(f"run {cfg.run_name()} ready in {time.perf_counter() - t0:.0f} s: {run.path}")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from .runs import load_data

    cfg = config_from_args(args)
    t0 = time.perf_counter()
    faces = load_data(cfg, args.artifacts_dir, verify=True)  # a cache whose pixels changed is rebuilt
    seconds = time.perf_counter() - t0
    size = faces.cache_path.stat().st_size
    print(f"cache {faces.cache_path}: {len(faces)} images, {size / 2**30:.2f} GiB, ready in {seconds:.0f} s "
          f"({len(faces) / max(seconds, 1e-9):.0f} img/s including any reuse)")
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    from .artifacts import check_destination, save_npy
    from .data import DataSpec, load_faces
    from .runs import get_run
    from .training import predict_batched

    cfg = config_from_args(args)
    output = check_destination(args.output)  # refused before any training or encoding
    run = get_run(cfg, args.artifacts_dir, train=not args.no_train)
    if args.images_dir:
        faces = load_faces(DataSpec(dataset="folder", data_dir=args.images_dir), cache_root(args.artifacts_dir))
    else:
        faces = run.faces
    t0 = time.perf_counter()
    z = predict_batched(run.encoder, faces.images, desc="encoding")  # streams batches from the memory-mapped cache
    seconds = time.perf_counter() - t0
    save_npy(output, z)
    print(f"encoded {len(z)} images to {output} ({z.shape[1]}-D) in {seconds:.1f} s, {len(z) / seconds:.0f} img/s")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .artifacts import read_json
    from .runs import run_dir

    cfg = config_from_args(args)
    path = run_dir(cfg, args.artifacts_dir)
    info = {"run": cfg.run_name(), "path": str(path), "complete": (path / MANIFEST).exists(),
            "config": cfg.as_dict()}
    if (path / HISTORY).exists():
        info["history"] = read_json(path / HISTORY)
    elif (path / CHECKPOINT_STATE).exists():
        state = read_json(path / CHECKPOINT_STATE)
        info["interrupted_after_epoch"] = state.get("epochs_done") if isinstance(state, dict) else None
    print(json.dumps(info, indent=2))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Train or reuse every run of a grid and write its table of headline figures (chapter 5)."""
    from .sweep import Settings, plan_from_axes, plan_from_spec, read_grid, run_sweep, summarise, table_path

    check_sweep_options(args)
    base = config_from_args(args)
    if args.grid:
        plan = plan_from_spec(grid_with_options(read_grid(args.grid), args), base, args.grid)
    else:
        seeds = parse_seeds("0" if args.seeds is None else args.seeds, "--seeds")
        plan = plan_from_axes(base, args.vary or [], seeds, Settings(**sweep_settings(args)))
    check_sweep_sizes(plan)
    if args.scheduler:
        from .cluster import run_on_cluster

        table = run_on_cluster(plan, args.name, args.scheduler, args.artifacts_dir, gpus_per_run=args.gpus_per_run)
    else:
        table = run_sweep(plan, args.name, args.artifacts_dir)
    print(summarise(table).round(4).to_string())
    print(f"{len(table)} runs; table {table_path(args.name, args.artifacts_dir)}")
    return 0


def check_sweep_options(args: argparse.Namespace) -> None:
    """Refuse the ``sweep`` options that would be ignored (issue 23): ``--seed`` (the seeds list sets every
    run's seed), ``--vary`` beside ``--grid`` (two grids), ``--gpus-per-run`` without ``--scheduler``."""
    if hasattr(args, "seed"):
        raise ConfigError("sweep runs every variant once per seed of --seeds (or of the grid's seeds); --seed is "
                          "not used: remove it.")
    if args.grid and args.vary:
        raise ConfigError(f"--vary and --grid both give the grid; use one (the axes can be variants of "
                          f"{args.grid}).")
    if args.gpus_per_run and not args.scheduler:
        raise ConfigError("--gpus-per-run asks the workers of --scheduler for GPUs; give --scheduler too, or "
                          "leave it out (a sweep here uses this machine's devices).")


#: The options of ``sweep`` that set a field of :class:`~latent_fragments.sweep.Settings`.
SETTING_OPTIONS = {"quality": "--no-quality", "verdict_draws": "--verdict-draws", "n_fake": "--n-fake"}


def sweep_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`~latent_fragments.sweep.Settings` fields that ``sweep``'s options give (those given)."""
    given = {"quality": False if args.no_quality else None, "verdict_draws": args.verdict_draws,
             "n_fake": args.n_fake}
    return {name: value for name, value in given.items() if value is not None}


def grid_with_options(spec: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The grid ``spec`` of ``--grid`` with the command line's options applied: run options form its base
    (:func:`config_from_args`), ``--seeds`` its seeds, the measuring options its settings. An option the grid
    sets too (in ``[base]``, a variant, its seeds or ``[settings]``) is refused with one line, never silently
    overridden by the file (issue 23, chapter 5)."""
    settings = sweep_settings(args)
    given = {f.name: _option(f) for f in config_fields() if hasattr(args, f.name)}
    given |= {name: SETTING_OPTIONS[name] for name in settings}
    given |= {"seeds": "--seeds"} if args.seeds is not None else {}
    sets = _grid_sets(spec)
    for name, option in given.items():
        if name in sets:
            raise ConfigError(f"{option} is also set by {args.grid} ({name} {sets[name]}); give it in one place.")
    spec = {**spec, **({"seeds": args.seeds} if args.seeds is not None else {})}
    if settings and isinstance(spec.get("settings", {}), dict):
        spec["settings"] = {**spec.get("settings", {}), **settings}
    return spec


def _grid_sets(spec: dict[str, Any]) -> dict[str, str]:
    """Each key a grid sets -> where it sets it first: the top (seeds), ``[base]``, a variant, ``[settings]``."""
    variants = spec.get("variants")
    places = [("at its top", {"seeds": None} if "seeds" in spec else {}), ("in [base]", spec.get("base")),
              *((f"in variant {name!r}", table) for name, table in (variants.items() if isinstance(variants, dict)
                                                                     else ())),
              ("in [settings]", spec.get("settings"))]
    found: dict[str, str] = {}
    for where, table in places:
        for key in table if isinstance(table, dict) else ():
            found.setdefault(key, where)
    return found


#: Held-out images a run of a sweep needs for FD and KID (precision and recall use k = 3 neighbours,
#: ``stats.headline.generator_quality``), and training z-points for chapter 4's verdict (k = 20).
MIN_HELD_OUT_FOR_QUALITY = 4
MIN_TRAIN_FOR_VERDICT = 21


def check_sweep_sizes(plan) -> None:
    """Raise :class:`ConfigError` before any training if a run of ``plan`` is too small for what the sweep
    measures, or the verdict has too few null draws (chapter 5). Runs of all images (``n_images`` unset)
    are not checked: their count is known only once the data are read."""
    from .training import held_out_count

    draws = plan.settings.verdict_draws
    if 0 < draws < 3:
        raise ConfigError(f"--verdict-draws must be 0 (no verdict) or at least 3 (the calibrated test), "
                          f"got {draws}.")
    for _, cfg in plan.runs:
        if cfg.n_images is None or cfg.n_images < 2:
            continue
        test = held_out_count(cfg.n_images, cfg.test_fraction)  # no split drawn: n_images may be huge
        train = cfg.n_images - test
        if plan.settings.quality and test < MIN_HELD_OUT_FOR_QUALITY:
            raise ConfigError(f"n_images={cfg.n_images} holds out {test} images; FD and KID need at "
                              f"least {MIN_HELD_OUT_FOR_QUALITY}: give more images or --no-quality.")
        if draws and train < MIN_TRAIN_FOR_VERDICT:
            raise ConfigError(f"n_images={cfg.n_images} trains on {train} images; the verdict needs at "
                              f"least {MIN_TRAIN_FOR_VERDICT} z-points: more images, or --verdict-draws 0.")


def cmd_runs(args: argparse.Namespace) -> int:
    """``runs list|export|import|clean``: the run folders of the artefact directory (chapter 1)."""
    from . import archive

    art = args.artifacts_dir
    if args.action == "list":
        entries = archive.list_runs(art)
        print(archive.format_runs(entries) if entries else f"no runs under {runs_root(art)}")
    elif args.action == "export":
        dest = archive.export_run(args.run, args.to, art)
        print(f"exported {Path(args.run).name} to {dest} ({archive.human_size(dest.stat().st_size)})")
    elif args.action == "import":
        done = archive.import_run(args.file, art)
        print(f"imported {done.path.name} into {done.path.parent}" if done.new
              else f"{done.path.name} is already present in {done.path.parent}")
        if done.left_out:
            print(f"left out {len(done.left_out)} member(s) its manifest does not list (not written): "
                  f"{', '.join(done.left_out[:5])}{' ...' if len(done.left_out) > 5 else ''}")
    else:
        return _clean(args.yes, art)
    return 0


def _clean(yes: bool, art: str | None) -> int:
    """``runs clean``: say what would be deleted and why; delete only with ``--yes`` (chapter 1)."""
    from . import archive

    entries = archive.list_runs(art)
    plan = archive.clean_plan(art, entries)
    for e in entries:
        if e.damage and e.complete and not e.training:
            print(f"kept runs/{e.name}: damaged ({e.damage}); retrain it with train --fresh or delete it by hand")
    if not plan:
        print("nothing to clean: every run is complete and current (or being trained)")
        return 0
    total = sum(entry.bytes for entry, _ in plan)
    for entry, reason in plan:
        verb = "delete" if yes else "would delete"
        print(f"{verb} runs/{entry.name} ({archive.human_size(entry.bytes)}): {reason}")
    if not yes:
        print(f"{_runs_count(len(plan))}, {archive.human_size(total)}; nothing deleted: rerun with --yes to "
              f"delete them")
        return 0
    deleted, kept = archive.delete_runs(plan, art)
    for line in kept:
        print(line)
    print(f"deleted {_runs_count(len(deleted))}, freed {archive.human_size(sum(e.bytes for e in deleted))}")
    return 0


def _runs_count(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _runs_args(parser: argparse.ArgumentParser) -> None:
    """Options of ``runs``: one sub-command per action on the artefact directory's run folders (chapter 1)."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--artifacts-dir", default=None,
                       help=f"where runs live (default {artifacts_root()})")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[where],
                       help="one line per run folder: data set, z_dim, epochs, size, state, key")
    p_export = actions.add_parser("export", parents=[where], help="write a complete run as one archive")
    p_export.add_argument("run", help="the run folder's name (see runs list) or its path")
    p_export.add_argument("--to", default=None, help="the archive to write, .tar.gz or .zip (default "
                          "./RUN.tar.gz)")
    p_import = actions.add_parser("import", parents=[where],
                                  help="unpack a run archive into <artifacts>/runs, verified first")
    p_import.add_argument("file", help="a .tar.gz or .zip written by runs export")
    p_clean = actions.add_parser("clean", parents=[where], help="delete incomplete runs and runs no "
                                 "configuration can reuse")
    p_clean.add_argument("--yes", action="store_true", help="delete them (without it: say what would go)")


def _sweep_args(parser: argparse.ArgumentParser) -> None:
    """Options of ``sweep``: the grid (a TOML file or ``--vary`` axes and ``--seeds``) and what is measured."""
    _run_args(parser)
    parser.add_argument("--grid", default=None, help="TOML file of the grid (seeds, [base], [variants], [settings])")
    parser.add_argument("--vary", action="append", help="an axis FIELD=V1,V2 (filters: 16,32,64,64/32,64,128,128); "
                        "repeat for a product")
    parser.add_argument("--seeds", default=None, help="model seeds of every variant, e.g. 0,1,2 (default 0)")
    parser.add_argument("--name", default="sweep", help="name of the results table <artifacts>/sweeps/NAME.csv")
    parser.add_argument("--no-quality", action="store_true", help="skip the scoring network's FD and KID")
    parser.add_argument("--verdict-draws", type=int, default=None, help="null draws of chapter 4's verdict (0: skip, "
                        "the default)")
    parser.add_argument("--n-fake", type=int, default=None, help="decoded samples per generator for FD and KID "
                        "(default 400)")
    parser.add_argument("--scheduler", default=None, help="run the grid's runs as tasks on Dask (the cluster extra): "
                        "local, local:N (N worker processes here) or a scheduler's address tcp://HOST:PORT")
    parser.add_argument("--gpus-per-run", type=int, default=0, help="with --scheduler: GPUs each task asks of the "
                        "workers' GPU resource (dask worker --resources GPU=1)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m latent_fragments`` and ``latent-fragments``; returns the exit code.
    TensorFlow's start-up noise is filtered from here on (:func:`latent_fragments.tfnoise.quiet`)."""
    quiet()
    parser = argparse.ArgumentParser(prog="python -m latent_fragments", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_train = sub.add_parser("train", help="train (or resume) the run of these parameters; prints img/s per epoch")
    _run_args(p_train)
    p_train.add_argument("--fresh", action="store_true", help="delete an existing run of these parameters first "
                         "(refused while another process holds the run)")
    p_train.add_argument("--tensorboard", action="store_true", help="also write TensorBoard logs to <run>/tensorboard")
    p_prepare = sub.add_parser("prepare", help="build the uint8 image cache of these parameters (no training)")
    _run_args(p_prepare)
    p_encode = sub.add_parser("encode", help="encode images with the run's encoder into a .npy of z-points")
    _run_args(p_encode)
    p_encode.add_argument("--output", required=True, help="destination .npy file")
    p_encode.add_argument("--images-dir", default=None, help="encode this folder of images instead of the run's data")
    p_encode.add_argument("--no-train", action="store_true", help="fail instead of training a missing run")
    p_info = sub.add_parser("info", help="show the run directory, its state and history")
    _run_args(p_info)
    _sweep_args(sub.add_parser("sweep", help="train or reuse a grid of runs and tabulate their headline figures"))
    _runs_args(sub.add_parser("runs", help="list, export, import or clean the run folders"))
    args = parser.parse_args(argv)

    from .artifacts import ArtifactError
    from .data import DataError

    try:
        check_backend()
        with terminate_as_interrupt():
            return {"train": cmd_train, "prepare": cmd_prepare, "encode": cmd_encode, "info": cmd_info,
                    "sweep": cmd_sweep, "runs": cmd_runs}[args.command](args)
    except (ConfigError, DataError, ArtifactError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # faults beyond bad input: one line where the kind is known, else the traceback
        line = fault_line(exc, args.artifacts_dir)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(INTERRUPTED.get(args.command, INTERRUPTED_ELSE), file=sys.stderr)
        return 130


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM (``kill PID``) ends it as Ctrl-C does (issue 23): partial files removed,
    worker processes stopped, the command's one :data:`INTERRUPTED` line; the previous handler is restored
    after. Only the main thread can install a handler (elsewhere SIGTERM keeps its default)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


#: The one line an interrupt (Ctrl-C) ends each command with: what is kept, what the rerun does.
INTERRUPTED = {
    "train": "interrupted: the last finished epoch is checkpointed; rerun the same command to resume.",
    "sweep": "interrupted: finished runs and the last finished epoch are kept; rerun the same command to resume.",
    "prepare": "interrupted: the image cache was not finished (its partial file is removed); rerun the same "
               "command to build it.",
    "encode": "interrupted: no z-points were written; rerun the same command.",
    "runs": "interrupted: an import leaves nothing behind; a run being deleted may be left in part, which the "
            "next runs clean --yes deletes.",
}
INTERRUPTED_ELSE = "interrupted: nothing was changed; rerun the same command."

