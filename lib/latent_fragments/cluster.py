"""Chapter 5's grid on a Dask cluster: ``latent-fragments sweep --scheduler ADDRESS`` (needs the ``cluster`` extra).

Every run of a :class:`~latent_fragments.sweep.Plan` becomes two tasks: one trains (or reuses) the run, one
measures its headline row (:func:`latent_fragments.sweep.measure_run`) once the run and the run whose scoring
network scores it are trained. Tasks write into one shared artefact directory, exactly as the in-process
sweep does (hash-keyed run folders, a lock per run, cached rows), so the table is the same, and a sweep
interrupted anywhere resumes: a finished run or row is reused, an interrupted run resumes from its last epoch.

- ``local`` / ``local:N``: a ``LocalCluster`` of N worker processes (default: the usable cores) on this
  machine, one thread each; ``tcp://HOST:PORT``: a running scheduler (``dask scheduler`` and ``dask worker``,
  or a Slurm / PBS / SGE cluster through ``dask-jobqueue``), whose workers see the same artefact directory.
- ``gpus_per_run``: every task asks for that many of the workers' ``GPU`` resource (start the workers with
  ``--resources GPU=1``), so one run trains per GPU. Dask would hold such tasks forever where no worker
  offers the resource, so the sweep first waits for a worker that does (:func:`await_gpu_workers`).
- A worker that dies (killed, out of memory, a lost node) has its task rescheduled on another worker (up to
  Dask's ``distributed.scheduler.allowed-failures``, 3), which resumes the run from its last checkpoint; a task
  that raises is tried once more (``retries``). A run that still fails is a row of the table with its
  one-line ``error``, and the other runs go on.
"""
from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from .config import ConfigError, RunConfig
from .layout import artifacts_root
from .progress import Progress
from .sweep import Plan, _describe, merge_table, measure_run, net_config, table_path

#: Extra attempts of a task that raised (a worker's death is rescheduled by the scheduler itself).
RETRIES = 1

#: Seconds the sweep waits, once workers are up, for one of them to offer the GPUs a run asks for.
GPU_WAIT_S = 120.0

#: Seconds between two looks at the cluster (finished tasks, the grid's progress line).
POLL_S = 0.5


def train_task(cfg: RunConfig, artifacts_dir: str) -> str:
    """A task: train (or reuse, or resume) the run of ``cfg``; returns its name. Introduced in chapter 5."""
    from .runs import get_run

    get_run(cfg, artifacts_dir, log=lambda message: None)
    return cfg.run_name()


def row_task(variant: str, cfg: RunConfig, plan: Plan, artifacts_dir: str, *trained: str) -> dict[str, Any]:
    """A task: the headline row of the trained run of ``cfg`` (``trained``: the names of the runs it waited
    for). Introduced in chapter 5."""
    from .runs import get_run

    run = get_run(cfg, artifacts_dir, log=lambda message: None)
    return measure_run(variant, run, plan, artifacts_dir, log=lambda message: None)


def one_line(exc: BaseException) -> str:
    """An exception as one line of the table: ``Kind: first line of its message`` (chapter 5)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def failed_row(variant: str, cfg: RunConfig, error: str) -> dict[str, Any]:
    """The table row of a run that failed: what it is, NaN figures and its ``error`` (chapter 5)."""
    from .stats.headline import NUMERIC

    return {**_describe(variant, cfg), **{name: math.nan for name in NUMERIC}, "verdict": "", "error": error}


@contextlib.contextmanager
def open_client(address: str, gpus_per_run: int = 0, log: Callable[[str], None] = print) -> Iterator[Any]:
    """A Dask client of ``address`` (``local``, ``local:N`` or a scheduler's address), closed (and a local
    cluster shut down) afterwards; the dashboard's address is logged. Introduced in chapter 5."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--scheduler needs Dask distributed: pip install -e \".[cluster]\" (or pip install "
                          "dask distributed).") from None
    name, _, count = address.partition(":")
    if name == "local":
        from .data.pool import usable_cores

        if count and not count.isdigit() or count == "0":
            raise ConfigError(f"--scheduler {address!r}: write local or local:N with N workers (N >= 1).")
        resources = {"GPU": gpus_per_run} if gpus_per_run else None
        cluster = LocalCluster(n_workers=int(count or usable_cores()), threads_per_worker=1, processes=True,
                               resources=resources, dashboard_address=":0", silence_logs=40)
        client = Client(cluster)
    else:
        cluster, client = None, Client(address)
    try:
        if client.dashboard_link:
            log(f"Dask dashboard: {client.dashboard_link}")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def await_gpu_workers(client: Any, gpus: int, address: str, log: Callable[[str], None] = print,
                      wait: float | None = None) -> None:
    """Return once a worker of ``client``'s scheduler offers ``gpus`` units of the ``GPU`` resource (chapter 5).

    Dask holds a task whose resources no worker has without a word, so a grid submitted to workers started
    without ``--resources GPU=1`` would wait forever. While the scheduler has no worker at all the sweep
    waits as long as it takes: dask-jobqueue's workers are batch jobs that start when the queue lets them,
    minutes or hours later. Once workers are up and none offers the GPUs, the sweep says so in one line and
    waits ``wait`` seconds (:data:`GPU_WAIT_S`) for a worker that does (a pool whose CPU workers came first),
    then raises :class:`ConfigError` with that line: the workers of one scheduler are normally started from
    one command or job script, so those present tell what the next ones will offer, and failing beats a
    silent wait with every run queued.
    """
    wait = GPU_WAIT_S if wait is None else wait
    said_waiting, since = False, None
    while True:
        workers = list(client.scheduler_info(n_workers=-1)["workers"].values())
        if any(worker.get("resources", {}).get("GPU", 0) >= gpus for worker in workers):
            return
        if not workers and not said_waiting:
            log(f"sweep: waiting for the workers of {address}")
            said_waiting = True
        elif workers:
            line = (f"--gpus-per-run {gpus}: none of the {len(workers)} workers of {address} offers {gpus} "
                    f"GPU{'s' if gpus > 1 else ''} (start them with --resources GPU={gpus}: dask worker ADDRESS "
                    f"--resources GPU={gpus}, or SLURMCluster(worker_extra_args=['--resources', 'GPU={gpus}']))")
            if since is None:
                log(f"{line}; waiting {wait:.0f} s for one that does")
                since = time.monotonic()
            elif time.monotonic() - since >= wait:
                raise ConfigError(line)
        time.sleep(POLL_S)


def prepare_caches(plan: Plan, artifacts_dir: str) -> None:
    """Build the image cache of every data set of ``plan`` here, once, before the tasks start (chapter 5):
    Dask's workers are daemon processes, which may not start the cache's worker pool, and a task should not
    wait while another builds. A data set that cannot be read is left to its runs' tasks, which fail with
    their one-line error."""
    from .data import DataError
    from .runs import load_data

    for cfg in {cfg.data_spec().key(): cfg for _, cfg in plan.runs}.values():
        try:
            load_data(cfg, artifacts_dir)
        except DataError:
            continue


def run_on_cluster(plan: Plan, name: str, address: str, artifacts_dir: str | os.PathLike | None = None,
                   gpus_per_run: int = 0, log: Callable[[str], None] = print,
                   train: Callable[[RunConfig, str], str] | None = None):
    """The sweep of ``plan`` as tasks on the Dask cluster ``address`` (module docstring): returns the table
    in plan order, also merged into ``<artifacts>/sweeps/<name>.csv`` row by row as tasks finish; a run that
    failed has its one-line ``error``. ``train`` is the training task (default :func:`train_task`; tests pass
    one that kills its worker). Introduced in chapter 5."""
    import pandas as pd
    from distributed import as_completed

    train = train or train_task
    art = str(artifacts_root(artifacts_dir))
    path = table_path(name, art)
    options = {"retries": RETRIES, "pure": False, **({"resources": {"GPU": gpus_per_run}} if gpus_per_run else {})}
    prepare_caches(plan, art)
    with open_client(address, gpus_per_run, log) as client:
        if gpus_per_run:
            await_gpu_workers(client, gpus_per_run, address, log)
        trained = {cfg.key(): client.submit(train, cfg, art, key=f"train-{cfg.run_name()}", **options)
                   for _, cfg in plan.runs}
        rows = {}
        for i, (variant, cfg) in enumerate(plan.runs):
            needs = {trained[cfg.key()], trained[net_config(plan, cfg).key()]}
            future = client.submit(row_task, variant, cfg, plan, art, *needs, key=f"row-{i}-{cfg.run_name()}",
                                   **options)
            rows[future] = (i, variant, cfg)
        table: dict[int, dict[str, Any]] = {}
        failed, finished = 0, as_completed(list(rows))
        # One line for the grid, through the project's one progress display (a bar in a terminal, one display
        # updated in place in a notebook, the final line in a log), redrawn every POLL_S so its time moves on.
        with Progress(len(plan.runs), f"sweep {name} on {address}", "runs", timing=True) as bar:
            while not finished.is_empty():
                batch = finished.next_batch(block=False)
                for future in batch:
                    i, variant, cfg = rows[future]
                    try:
                        table[i] = future.result()
                    except Exception as exc:  # the run's own error, or its task cancelled (the scheduler lost it)
                        failed += 1
                        table[i] = failed_row(variant, cfg, one_line(exc))
                        log(f"sweep {name}: {variant}, seed {cfg.seed} failed: {table[i]['error']}")
                if batch:
                    merge_table([table[k] for k in sorted(table)], path)  # in plan order
                training = sum(key.startswith("train-") for keys in client.processing().values() for key in keys)
                bar.set(len(table), status=f"{failed} failed, {training} training")
                if batch and bar.mode == "line" and len(table) < len(plan.runs):
                    log(bar.line())  # a log's record of each finished run (the display closes with the last)
                if not batch:
                    time.sleep(POLL_S)
    return pd.DataFrame([table[k] for k in sorted(table)])
