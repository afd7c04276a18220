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
(:mod:`latent_fragments.stats.headline`) are cached next to it, and the results table (one row per run) is
rewritten atomically to ``<artifacts>/sweeps/<name>.csv`` after every run, so a sweep stopped at any point
resumes where it stopped when the same command is run again.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import atomic_path, read_json, stable_hash, write_json
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
    Introduced in chapter 5."""
    if not variants or not seeds:
        raise ConfigError("a sweep needs at least one variant and one seed.")
    runs = []
    for name, overrides in variants.items():
        overrides = dict(overrides)
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


def plan_from_toml(path: str | os.PathLike, base: RunConfig | None = None) -> Plan:
    """The grid of a TOML file: ``seeds``, ``[base]`` fields, ``[variants]`` (name -> overrides, each may
    carry its own ``seeds``; ``"none"`` for an unset field such as ``data_dir``) and optional
    ``[settings]`` (:class:`Settings`). Introduced in chapter 5."""
    with open(path, "rb") as fh:
        spec = tomllib.load(fh)
    unknown = set(spec) - {"seeds", "base", "variants", "settings"}
    if unknown:
        raise ConfigError(f"{path}: unknown tables {sorted(unknown)}; use seeds, base, variants, settings.")
    variants = {name: _toml_fields(o) for name, o in spec.get("variants", {"base": {}}).items()}
    for name, overrides in variants.items():
        if "seeds" in overrides:
            overrides["seeds"] = parse_seeds(spec["variants"][name]["seeds"], f"{path}: seeds of {name!r}")
    cfg = base_config(spec.get("base", {}), base).with_profile()
    seeds = parse_seeds(spec.get("seeds", [0]), f"{path}: seeds")
    return plan_variants(cfg, variants, seeds, Settings(**spec.get("settings", {})))


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


def _describe(variant: str, run) -> dict[str, Any]:
    cfg = run.config
    return {"variant": variant, "seed": cfg.seed, "run": cfg.run_name(), "dataset": cfg.dataset,
            "model": cfg.model, "batch_norm": cfg.batch_norm, "z_dim": cfg.z_dim, "n_train": len(run.train_idx)}


def table_path(name: str, artifacts_dir: str | os.PathLike | None = None) -> Path:
    """Where the results table of the sweep ``name`` is written: ``<artifacts>/sweeps/<name>.csv``."""
    return sweeps_root(artifacts_dir) / f"{name}.csv"


def run_sweep(plan: Plan, name: str, artifacts_dir: str | os.PathLike | None = None,
              log: Callable[[str], None] = print):
    """Train or reuse every run of ``plan``, measure it, and write the table after each run (chapter 5).

    Returns the table (a DataFrame, one row per run in plan order). The scoring network of chapter 3 is
    trained once per data set and split (the first run's, cached in its folder) and scores every run on it.
    """
    import pandas as pd

    from .runs import get_run
    from .stats.features import feature_net_for_run

    rows, nets = [], {}
    for i, (variant, cfg) in enumerate(plan.runs):
        log(f"sweep {name}: run {i + 1}/{len(plan.runs)}, {variant}, seed {cfg.seed} ({cfg.run_name()})")
        run = get_run(cfg, artifacts_dir, log=log)
        cached = _row_path(run, plan.settings)
        if cached.exists():
            row = read_json(cached)
        else:
            data_key = (cfg.data_spec().key(), cfg.split_seed, cfg.test_fraction)
            if plan.settings.quality and data_key not in nets:
                nets[data_key] = feature_net_for_run(run, seed=0, log=log)
            row = {**_describe(variant, run), **headline_row(run, plan.settings, nets.get(data_key))}
            write_json(cached, row)
        rows.append(row)
        write_table(pd.DataFrame(rows), table_path(name, artifacts_dir))
    return pd.DataFrame(rows)


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
