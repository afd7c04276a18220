"""A sweep: a grid of run configurations, each trained (or reused), measured, and tabulated (chapter 5).

A grid is a base configuration, named *variants* (each a set of field overrides) and model seeds; every
variant runs once per seed. It comes from a small TOML file (:func:`plan_from_toml`)::

    seeds = [0, 1, 2]
    [base]
    n_images = 6000
    epochs = 8
    [variants]
    "plain AE" = {}
    "batch norm" = {batch_norm = true}
    VAE = {model = "vae"}
    [settings]
    n_boot = 200

or from the command line (:func:`plan_from_axes`: the product of ``--vary z_dim=32,256 --vary model=ae,vae``).
Each run is :func:`latent_fragments.runs.get_run`'s, cached under its configuration's key: a finished run
is reused, an interrupted one resumes from its last epoch. Its headline figures
(:mod:`latent_fragments.stats.headline`) are cached next to it, and its row is merged into the results table
``<artifacts>/sweeps/<name>.csv`` (under a lock, written atomically, other processes' rows kept) after every
run, so a sweep stopped at any point resumes where it stopped when the same command is run again, and
several sweeps of one grid (on machines sharing the artefact directory) train different runs at once: each
passes over a run another is training. :mod:`latent_fragments.cluster` runs the same grid as Dask tasks.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import numbers
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import atomic_path, read_json, stable_hash, undecodable_at, write_json
from .config import ConfigError, RunConfig, field_types, parse_seeds, parse_value
from .layout import sweeps_root

#: Bump when the headline figures change: cached rows of older versions are recomputed.
HEADLINE_VERSION = 2

#: Bootstrap intervals need this many reference points: a resample of fewer may hold fewer distinct
#: points than the k = 3 neighbours of precision and recall need.
MIN_BOOT_POINTS = 20



@dataclass(frozen=True)
class Settings:
    """What is measured for every run of a sweep (chapter 5): the scoring network's FD, KID and recall
    (``quality``) with ``n_boot`` bootstrap resamples for their 90 % intervals, chapter 4's verdict with
    ``verdict_draws`` null draws (0: skipped) on at most ``verdict_points`` z-points, and at most
    ``n_fake`` decoded samples per generator (no more than the held-out half they are compared with)."""

    quality: bool = True
    verdict_draws: int = 0
    verdict_points: int = 1500
    n_fake: int = 400
    n_boot: int = 200

    def __post_init__(self) -> None:
        """Checked when made, as a :class:`RunConfig` is (issue 23): a grid's ``[settings]`` and the CLI's
        options end in one line naming the setting, not in a failure after the runs were trained."""
        if not isinstance(self.quality, bool):
            raise ConfigError(f"quality must be true or false, got {self.quality!r}.")
        for name, least in (("verdict_draws", 0), ("verdict_points", 1), ("n_fake", 1), ("n_boot", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
                raise ConfigError(f"{name} must be an integer of at least {least}, got {value!r}.")


@dataclass(frozen=True)
class Plan:
    """The configurations of a sweep: ``(variant name, RunConfig)`` pairs in run order (chapter 5)."""

    runs: tuple[tuple[str, RunConfig], ...]
    settings: Settings = field(default_factory=Settings)

    def configs(self, variant: str) -> list[RunConfig]:
        """The configurations of one variant, one per seed."""
        return [cfg for name, cfg in self.runs if name == variant]


def plan_variants(base: RunConfig, variants: dict[str, dict[str, Any]], seeds: list[int],
                  settings: Settings = Settings()) -> Plan:
    """Every variant (name -> field overrides of ``base``, optionally with its own ``seeds``) once per seed.
    A variant's ``seed`` is refused: the seeds list sets it. Introduced in chapter 5."""
    if not variants or not seeds:
        raise ConfigError("a sweep needs at least one variant and one seed.")
    runs = []
    for name, overrides in variants.items():
        overrides = dict(overrides)
        if "seed" in overrides:
            raise ConfigError(f"variant {name!r} sets seed; a sweep's model seeds are its seeds (--seeds 0,1 or "
                              f"seeds = [0, 1] in a grid), once per variant: remove seed.")
        for seed in overrides.pop("seeds", seeds):
            cfg = dataclasses.replace(base, **{**overrides, "seed": int(seed)})
            runs.append((name, cfg))
    return Plan(tuple(runs), settings)


def plan_from_axes(base: RunConfig, vary: list[str], seeds: list[int], settings: Settings = Settings()) -> Plan:
    """The product of the axes ``vary`` (``"field=v1,v2"``; ``filters`` values separated by ``/``) over
    ``base``, once per seed. Introduced in chapter 5."""
    axes = []
    for item in vary:
        name, _, values = item.partition("=")
        name = name.strip().replace("-", "_")
        if not values:
            raise ConfigError(f"--vary {item!r}: write FIELD=VALUE1,VALUE2 (filters: 16,32,64,64/32,64,128,128).")
        sep = "/" if name == "filters" else ","
        axes.append([(name, parse_value(name, v.strip())) for v in values.split(sep)])
    variants = {}
    for combo in itertools.product(*axes):
        label = ", ".join(f"{k}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in combo)
        variants[label or "base"] = dict(combo)
    return plan_variants(base, variants, seeds, settings)


def _toml_fields(table: dict[str, Any]) -> dict[str, Any]:
    """Run fields of a TOML table: lists as tuples (``filters``), text read by :func:`config.parse_value` as
    on the command line (``"none"`` for an unset field: TOML has no null); ``seeds`` left to ``parse_seeds``."""
    fields = field_types()
    return {k: tuple(v) if isinstance(v, list) else (parse_value(k, v) if isinstance(v, str) and k in fields else v)
            for k, v in table.items()}


def base_config(table: dict[str, Any], base: RunConfig | None = None) -> RunConfig:
    """The run configuration of a grid's ``[base]`` table (or a book configuration's, tools/config_book.py)
    over ``base``, validated; the execution profile is not applied. Introduced in chapter 5."""
    known = {f.name for f in dataclasses.fields(RunConfig)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"unknown run fields {unknown}; use fields of RunConfig: {sorted(known)}.")
    return dataclasses.replace(base or RunConfig(), **_toml_fields(table))


#: The top-level keys of a grid file.
GRID_KEYS = ("seeds", "base", "variants", "settings")


def read_grid(path: str | os.PathLike) -> dict[str, Any]:
    """The TOML of the grid file ``path``; a file that is not UTF-8 or not TOML is one :class:`ConfigError`
    naming the file and the line (an unreadable file stays an ``OSError``). Introduced in chapter 5."""
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({undecodable_at(raw, exc)}); a grid is TOML, which is "
                          f"UTF-8.") from None
    except ValueError as exc:  # TOMLDecodeError says "(at line L, column C)"; an overlong number is Python's
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None


@contextlib.contextmanager
def _located(where: str) -> Iterator[None]:
    """Prefix the :class:`ConfigError` of the block with where in a grid it arose (``grid.toml: [base]``)."""
    try:
        yield
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _table(value: Any, where: str, allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """``value`` if it is a table whose keys are all ``allowed`` (``None``: any), else :class:`ConfigError`
    naming ``where`` and the key. ``seed`` gets its own line: a grid's model seeds are its ``seeds``."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table, got {value!r}.")
    if allowed is None:
        return value
    allowed = list(allowed)
    if "seed" in value and "seed" not in allowed:
        raise ConfigError(f"{where}: seed is not set in a grid; its model seeds are the list seeds = [0, 1, 2] "
                          f"(at the top, or in a variant).")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; use {', '.join(allowed)}.")
    return value


#: The keys of a grid's ``[settings]``: the fields of :class:`Settings`.
SETTINGS_KEYS = tuple(f.name for f in dataclasses.fields(Settings))


def plan_from_spec(spec: dict[str, Any], base: RunConfig | None = None, where: str = "grid") -> Plan:
    """The grid of a parsed grid file (:func:`plan_from_toml`), every table, key and value checked: a problem
    is one :class:`ConfigError` that names the file (``where``), the table or variant, and the key.
    Introduced in chapter 5."""
    fields = [name for name in field_types() if name != "seed"]
    _table(spec, where, GRID_KEYS)
    table = _table(spec.get("base", {}), f"{where}: [base]", fields)
    with _located(f"{where}: [base]"):
        cfg = base_config(table, base).with_profile()
    variants = {}
    for name, table in _table(spec.get("variants", {"base": {}}), f"{where}: [variants]").items():
        at = f"{where}: variant {name!r}"
        table = _table(table, at, [*fields, "seeds"])
        with _located(at):
            overrides = _toml_fields(table)
            if "seeds" in table:
                overrides["seeds"] = parse_seeds(table["seeds"])
            dataclasses.replace(cfg, **{k: v for k, v in overrides.items() if k != "seeds"})  # checked here
        variants[name] = overrides
    seeds = parse_seeds(spec.get("seeds", [0]), f"{where}: seeds")
    table = _table(spec.get("settings", {}), f"{where}: [settings]", SETTINGS_KEYS)
    with _located(f"{where}: [settings]"):
        settings = Settings(**table)
    with _located(where):  # an empty [variants]
        return plan_variants(cfg, variants, seeds, settings)


def plan_from_toml(path: str | os.PathLike, base: RunConfig | None = None) -> Plan:
    """The grid of a TOML file: ``seeds``, ``[base]`` fields, ``[variants]`` (name -> overrides, each may
    carry its own ``seeds``; ``"none"`` for an unset field such as ``data_dir``) and optional
    ``[settings]`` (:class:`Settings`), checked by :func:`plan_from_spec`. Introduced in chapter 5."""
    return plan_from_spec(read_grid(path), base, str(path))


def _row_path(run, settings: Settings) -> Path:
    return run.path / f"headline-{stable_hash({'v': HEADLINE_VERSION, **dataclasses.asdict(settings)})}.json"


def _reconstruction_mse(run) -> float:
    images = run.images("test")
    recon = run.reconstruct(images)
    return float(np.mean((recon.astype(np.float64) - images) ** 2) / 255.0 ** 2)


def sample_sets(run, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """z-points of the generators a sweep compares (chapter 5): ``mnd`` (ex-post MND of the training
    z-points), ``cube`` (chapter 2's radius-matched uniform cube) and, for a VAE, ``prior`` (N(0, I))."""
    from .stats.generators import (
        IsotropicNormal,
        MultivariateNormal,
        matched_generators,
    )

    z = np.asarray(run.z_train, dtype=np.float64)
    rng = np.random.default_rng([seed, 5])
    sets = {"mnd": MultivariateNormal.fit(z).sample(n, rng), "cube": matched_generators(z)[0].sample(n, rng)}
    if run.config.model == "vae":
        sets["prior"] = IsotropicNormal(z.shape[1], 1.0).sample(n, rng)
    return sets


def _scored_features(run, net, n_fake: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The reference features (one half of the held-out images, chapter 3's :func:`reference_halves`) and
    the sets scored against it: the other half (``real``) and each generator's decoded samples, as many
    as that half holds (at most ``n_fake``). With fewer than 8 held-out images all of them are the
    reference and there is no ``real`` set."""
    from .stats.quality import reference_halves

    real = net.features(run.images("test"))
    if len(real) < 8:
        reference, scored, n = real, {}, max(n_fake, 10)
    else:
        ref_idx, cmp_idx = reference_halves(len(real), seed=0)
        reference, scored, n = real[ref_idx], {"real": real[cmp_idx]}, min(n_fake, len(cmp_idx))
    scored.update({name: net.features(run.decode(z)) for name, z in sample_sets(run, n, run.config.seed).items()})
    return reference, scored


def headline_row(run, settings: Settings, net=None) -> dict[str, Any]:
    """The headline figures of one run (chapter 5): :func:`~.stats.headline.shape_figures`, the origin
    judged out of sample, active units, the held-out loss's last change, the held-out reconstruction MSE,
    FD, KID and recall of the :func:`sample_sets` (with the scoring network ``net``) and the verdict label.
    Figures a run does not have (``fd_prior`` of an AE) are NaN."""
    from .stats.headline import (
        NUMERIC,
        active_units,
        generator_quality,
        heldout_change,
        origin_out_of_sample,
        shape_figures,
    )

    z = np.asarray(run.z_train, dtype=np.float64)
    row: dict[str, Any] = {name: math.nan for name in NUMERIC}
    row.update(shape_figures(z), **origin_out_of_sample(z, np.asarray(run.z_test, dtype=np.float64)),
               active_units=float(active_units(z)), heldout_change=heldout_change(run.history),
               recon_mse=_reconstruction_mse(run))
    if settings.quality and net is not None:
        reference, scored = _scored_features(run, net, settings.n_fake)
        n_boot = settings.n_boot if len(reference) >= MIN_BOOT_POINTS else 0  # k-NN needs distinct points
        row.update(generator_quality(reference, scored, n_boot=n_boot, seed=run.config.seed))
    row["verdict"] = ""
    if settings.verdict_draws > 0:
        from .stats.filaments import filament_verdict

        row["verdict"] = filament_verdict(np.asarray(run.z_train), seed=run.config.seed,
                                          n_null_draws=settings.verdict_draws,
                                          max_points=settings.verdict_points).label
    return row


def _describe(variant: str, cfg: RunConfig, n_train: int | None = None) -> dict[str, Any]:
    return {"variant": variant, "seed": cfg.seed, "run": cfg.run_name(), "dataset": cfg.dataset,
            "model": cfg.model, "batch_norm": cfg.batch_norm, "z_dim": cfg.z_dim,
            "n_train": math.nan if n_train is None else n_train}


def table_path(name: str, artifacts_dir: str | os.PathLike | None = None) -> Path:
    """Where the results table of the sweep ``name`` is written: ``<artifacts>/sweeps/<name>.csv``."""
    return sweeps_root(artifacts_dir) / f"{name}.csv"


def net_config(plan: Plan, cfg: RunConfig) -> RunConfig:
    """The run whose scoring network (chapter 3) scores ``cfg`` in ``plan``: the first run of the plan on
    the same data and split, so every process and task of a sweep scores with the same network (chapter 5)."""
    def data_key(c: RunConfig):
        return c.data_spec().key(), c.split_seed, c.test_fraction

    return next(c for _, c in plan.runs if data_key(c) == data_key(cfg))


def measure_run(variant: str, run, plan: Plan, artifacts_dir: str | os.PathLike | None = None,
                log: Callable[[str], None] = print, nets: dict | None = None) -> dict[str, Any]:
    """The table row of one finished run of ``plan``: its headline figures, cached beside it (computed once
    however many processes ask: a lock per row), scored by the network of :func:`net_config` (trained once
    under its own lock, held in ``nets`` for the next run). Introduced in chapter 5."""
    from .locks import file_lock
    from .runs import get_run
    from .stats.features import feature_net_for_run

    cached = _row_path(run, plan.settings)
    with file_lock(cached.with_suffix(".lock")):
        if cached.exists():
            return read_json(cached)
        net = None
        if plan.settings.quality:
            scorer = net_config(plan, run.config)
            nets = {} if nets is None else nets
            if scorer.key() not in nets:
                net_run = run if scorer.key() == run.config.key() else get_run(scorer, artifacts_dir, log=log)
                with file_lock(net_run.path / ".feature_net.lock"):
                    nets[scorer.key()] = feature_net_for_run(net_run, seed=0, log=log)
            net = nets[scorer.key()]
        row = {**_describe(variant, run.config, len(run.train_idx)), **headline_row(run, plan.settings, net)}
        write_json(cached, row)
    return row


def run_sweep(plan: Plan, name: str, artifacts_dir: str | os.PathLike | None = None,
              log: Callable[[str], None] = print):
    """Train or reuse every run of ``plan``, measure it, and merge its row into the table after each run
    (chapter 5).

    Returns the table (a DataFrame, one row per run in plan order). A run whose lock another process holds
    (another sweep training it) is passed over and taken up after the others, as is the measuring of a run
    whose scoring network's run (:func:`net_config`) is still being trained elsewhere; so two sweeps of one
    grid train different runs at once. The scoring network of chapter 3 is trained once per data set and
    split and scores every run on it.
    """
    import pandas as pd

    from .locks import held_elsewhere
    from .runs import get_run, run_dir

    rows: dict[int, dict[str, Any]] = {}
    todo, unmeasured, nets = list(range(len(plan.runs))), [], {}

    def busy(cfg: RunConfig) -> bool:
        return held_elsewhere(run_dir(cfg, artifacts_dir))

    def measure(i: int, run) -> None:
        rows[i] = measure_run(plan.runs[i][0], run, plan, artifacts_dir, log, nets)
        merge_table([rows[k] for k in sorted(rows)], table_path(name, artifacts_dir))

    while todo:
        i = next((k for k in todo if not busy(plan.runs[k][1])), todo[0])  # all busy: wait for the first
        todo.remove(i)
        variant, cfg = plan.runs[i]
        log(f"sweep {name}: run {i + 1}/{len(plan.runs)}, {variant}, seed {cfg.seed} ({cfg.run_name()})")
        run = get_run(cfg, artifacts_dir, log=log)
        if plan.settings.quality and todo and busy(net_config(plan, cfg)):
            unmeasured.append((i, run))  # its scoring network waits for a run another process trains
        else:
            measure(i, run)
    for i, run in unmeasured:
        measure(i, run)
    return pd.DataFrame([rows[k] for k in sorted(rows)])


#: The columns that name a row of a sweep's table: a run of a variant.
ROW_KEY = ("variant", "run")


def merge_table(rows: list[dict[str, Any]], path: Path) -> None:
    """Merge ``rows`` into the CSV table ``path`` (chapter 5): the rows of other processes and grids are
    kept (first), followed by ``rows`` in their order, which replace any of the same variant and run. Read, merged and
    written atomically under the table's lock, so processes and tasks finishing in any order lose no row."""
    import pandas as pd

    from .locks import file_lock

    new = pd.DataFrame(rows)
    with file_lock(path.parent / f".{path.name}.lock"):
        if path.exists():
            old = pd.read_csv(path)
            fresh = set(_row_keys(new))
            others = old[[key not in fresh for key in _row_keys(old)]]
            new = pd.concat([others, new], ignore_index=True) if len(others) else new
        write_table(new, path)


def _row_keys(table) -> list[tuple[str, ...]]:
    return [tuple(key) for key in table[list(ROW_KEY)].astype(str).to_numpy()]


def write_table(table, path: Path) -> None:
    """Write the results table as CSV atomically (chapter 5)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def summarise(table, columns: tuple[str, ...] | None = None):
    """Mean and sd over seeds of every numeric figure, one row per variant in plan order (chapter 5);
    the columns are ``(figure, "mean")`` and ``(figure, "sd")`` (sd NaN for a single seed)."""
    from .stats.headline import NUMERIC

    columns = [c for c in (columns or NUMERIC) if c in table and table[c].notna().any()]
    grouped = table.groupby("variant", sort=False)[columns]
    summary = grouped.agg(["mean", "std"]).rename(columns={"std": "sd"}, level=1)
    summary.insert(0, ("seeds", "n"), grouped.size())
    return summary
