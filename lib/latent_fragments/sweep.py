"""A sweep: a grid of run configurations, each trained (or reused), measured, and tabulated (chapter 5).

A grid is a base configuration, named *variants* (each a set of field overrides) and model seeds; every
variant runs once per seed. It comes from a small TOML file (:func:`plan_from_toml`)::

    seeds = [0, 1, 2]
    [base]
    n_images = 1200
    epochs = 4
    filters = [16, 32, 64, 64]
    [variants]
    "chapter 1" = {}
    "batch norm" = {batch_norm = true}
    vae = {model = "vae"}

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
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import atomic_path, read_json, stable_hash, write_json
from .config import ConfigError, RunConfig, default_artifacts_dir

#: Bump when the headline figures change: cached rows of older versions are recomputed.
HEADLINE_VERSION = 1



@dataclass(frozen=True)
class Settings:
    """What is measured for every run of a sweep (chapter 5): the scoring network's FD and KID
    (``quality``), chapter 4's verdict with ``verdict_draws`` null draws (0: skipped) on at most
    ``verdict_points`` z-points, and ``n_fake`` decoded samples per generator."""

    quality: bool = True
    verdict_draws: int = 0
    verdict_points: int = 1500
    n_fake: int = 400


@dataclass(frozen=True)
class Plan:
    """The configurations of a sweep: ``(variant name, RunConfig)`` pairs in run order (chapter 5)."""

    runs: tuple[tuple[str, RunConfig], ...]
    settings: Settings = field(default_factory=Settings)

    def configs(self, variant: str) -> list[RunConfig]:
        """The configurations of one variant, one per seed."""
        return [cfg for name, cfg in self.runs if name == variant]


def _field_types() -> dict[str, Any]:
    hints = typing.get_type_hints(RunConfig)
    return {f.name: hints[f.name] for f in dataclasses.fields(RunConfig) if f.metadata.get("cli", True)}


def parse_value(name: str, text: str) -> Any:
    """A command-line value of the field ``name``: int, float or text as the field's type says, ``none``
    for an optional one; tuples (``filters``) as comma-separated integers. Introduced in chapter 5."""
    types = _field_types()
    if name not in types:
        raise ConfigError(f"{name!r} is not a run parameter; use one of {sorted(types)}.")
    hint = types[name]
    if text.lower() == "none" and type(None) in typing.get_args(hint):
        return None
    try:
        if typing.get_origin(hint) is tuple:
            return tuple(int(part) for part in text.split(","))
        kinds = typing.get_args(hint) or (hint,)
        for kind in (int, float):
            if kind in kinds:
                return kind(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a valid value for {name}.") from None
    return text


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
    """Run fields of a TOML table: lists as tuples (``filters``), the text ``"none"`` as None (TOML has no null)."""
    return {k: tuple(v) if isinstance(v, list) else (None if v == "none" and k != "seeds" else v)
            for k, v in table.items()}


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
    for overrides in variants.values():
        if "seeds" in overrides:
            overrides["seeds"] = list(overrides["seeds"])
    cfg = dataclasses.replace(base or RunConfig(), **_toml_fields(spec.get("base", {}))).with_profile()
    return plan_variants(cfg, variants, list(spec.get("seeds", [0])), Settings(**spec.get("settings", {})))


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


def headline_row(run, settings: Settings, net=None) -> dict[str, Any]:
    """The headline figures of one run (chapter 5): :func:`~.stats.headline.shape_figures`, the held-out
    reconstruction MSE, FD and KID of the :func:`sample_sets` (with the scoring network ``net``) and the
    verdict label. Figures a run does not have (``fd_prior`` of an AE) are NaN."""
    from .stats.headline import NUMERIC, generator_quality, shape_figures

    row: dict[str, Any] = {name: math.nan for name in NUMERIC}
    row.update(shape_figures(np.asarray(run.z_train, dtype=np.float64)), recon_mse=_reconstruction_mse(run))
    if settings.quality and net is not None:
        n = max(settings.n_fake, 10)
        fakes = {name: net.features(run.decode(z)) for name, z in sample_sets(run, n, run.config.seed).items()}
        row.update(generator_quality(net.features(run.images("test")), fakes))
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
    root = Path(artifacts_dir).expanduser().resolve() if artifacts_dir else default_artifacts_dir()
    return root / "sweeps" / f"{name}.csv"


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
