"""Chapter 5's grid side by side and on Dask (issue 24): a sweep moves on past a run another process trains,
the table merges rows of every process, temporary files are owned by host and process, a LocalCluster
of 2 workers gives the in-process table and survives a worker killed mid-run, the command line's sweep
runs on a scheduler of another process whose worker offers a GPU, and stops with one line where none does."""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from latent_fragments.config import REPO_ROOT, RunConfig
from latent_fragments.sweep import Settings, merge_table, plan_from_axes, run_sweep, table_path

BASE = RunConfig(n_images=24, z_dim=4, epochs=1, batch_size=8, filters=(4, 4, 8, 8))
PLAN = plan_from_axes(BASE, ["z_dim=3,4"], seeds=[0], settings=Settings(quality=False))
#: The grid the LocalCluster test runs: 4 runs, so that each of its 2 workers trains more than one.
PLAN4 = plan_from_axes(BASE, ["z_dim=3,4"], seeds=[0, 1], settings=Settings(quality=False))
SILENT = dict(log=lambda message: None)
#: BASE as options of the command line.
BASE_ARGS = ["--n-images", "24", "--epochs", "1", "--batch-size", "8", "--filters", "4,4,8,8"]


def test_merge_keeps_the_rows_of_other_processes_and_replaces_its_own(tmp_path):
    path = tmp_path / "t.csv"
    merge_table([{"variant": "a", "run": "r1", "n90": 1.0}], path)
    merge_table([{"variant": "b", "run": "r2", "n90": 2.0}, {"variant": "c", "run": "r3", "n90": 3.0}], path)
    merge_table([{"variant": "a", "run": "r1", "n90": 5.0}], path)  # a rerun of a's row
    table = pd.read_csv(path)
    assert table["variant"].tolist() == ["b", "c", "a"] and table["n90"].tolist() == [2.0, 3.0, 5.0]
    assert sorted(os.listdir(tmp_path)) == ["t.csv"]  # no lock or temporary file left


def test_temporary_files_of_another_host_are_kept_until_old(tmp_path):
    from latent_fragments.artifacts import HOST, UNOWNED_TEMP_AGE, atomic_path, clean_stale_temps

    with atomic_path(tmp_path / "x.npy") as tmp:
        assert tmp.name.startswith(f".x.{os.getpid()}@{HOST}.")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    mine, other = tmp_path / f".a.{dead}@{HOST}.abcdefgh.tmp.npy", tmp_path / f".b.{dead}@node-17.abcdefgh.tmp.npy"
    old = tmp_path / f".c.{dead}@node-17.abcdefgh.tmp.npy"
    for path in (mine, other, old):
        path.write_bytes(b"partial")
    os.utime(old, (time.time() - UNOWNED_TEMP_AGE - 60,) * 2)
    assert sorted(p.name for p in clean_stale_temps(tmp_path)) == sorted([mine.name, old.name])
    assert other.exists()  # pid 'dead' here may be alive on node-17


def test_sweep_moves_on_past_a_run_another_process_trains(tmp_path):
    from latent_fragments.locks import run_lock
    from latent_fragments.runs import run_dir

    first, second = (run_dir(cfg, tmp_path) for _, cfg in PLAN.runs)
    lines: list[str] = []
    with run_lock(first, **SILENT):  # as another sweep training the first run
        sweep = threading.Thread(target=run_sweep, args=(PLAN, "t", tmp_path), kwargs={"log": lines.append})
        sweep.start()
        deadline = time.time() + 120
        while not (second / "manifest.json").exists() and time.time() < deadline:
            time.sleep(0.2)
        assert (second / "manifest.json").exists() and not (first / "manifest.json").exists()
    sweep.join(timeout=120)
    assert [line.split(",")[0] for line in lines if line.startswith("sweep t: run")] == ["sweep t: run 2/2",
                                                                                       "sweep t: run 1/2"]
    table = pd.read_csv(table_path("t", tmp_path))
    assert table["z_dim"].tolist() == [3, 4]  # plan order


def test_two_sweep_processes_on_one_grid_train_each_run_once(tmp_path):
    args = [sys.executable, "-m", "latent_fragments", "sweep", *BASE_ARGS, "--vary", "z_dim=3,4", "--no-quality",
            "--artifacts-dir", str(tmp_path), "--name", "both"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
             for _ in range(2)]
    outs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err[-2000:] for _, err in outs]
    assert all("2 runs; table" in out and "z_dim=3" in out and "z_dim=4" in out for out, _ in outs)  # full table
    assert sum(out.count("training on 22 images") for out, _ in outs) == 2  # each run trained once
    assert sum(out.count("cached 24 synthfaces images") for out, _ in outs) == 1  # the cache built once, locked
    assert pd.read_csv(table_path("both", tmp_path))["z_dim"].tolist() == [3, 4]


@pytest.fixture(scope="module")
def cluster():
    """The scheduler address of ``--scheduler local:2`` (:func:`open_client`: a LocalCluster of 2 worker
    processes, one thread each, its dashboard's address logged), shared by this module's Dask tests (skipped
    without the `cluster` extra; CI installs it)."""
    pytest.importorskip("distributed")
    import cloudpickle
    from latent_fragments.cluster import open_client

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module
    lines: list[str] = []
    with open_client("local:2", log=lines.append) as client:
        assert len(client.scheduler_info()["workers"]) == 2 and lines[0].startswith("Dask dashboard: http://")
        yield client.scheduler.address


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """The in-process sweep's table of PLAN, for the Dask tests to match."""
    return run_sweep(PLAN, "t", tmp_path_factory.mktemp("here"), **SILENT)


def assert_same_table(there: pd.DataFrame, here: pd.DataFrame) -> None:
    """The same runs in the same order with the same figures (to float32 training's precision)."""
    assert there.columns.tolist() == here.columns.tolist() and there["run"].tolist() == here["run"].tolist()
    numeric = here.select_dtypes("number").columns
    np.testing.assert_allclose(there[numeric].to_numpy(float), here[numeric].to_numpy(float), rtol=1e-4)


def test_local_cluster_gives_the_in_process_table(cluster, tmp_path):
    """Each of 4 runs trained in a worker process (a worker's second model too: the weights must not depend
    on the worker's other threads or earlier runs) and measured there gives the in-process sweep's row."""
    from latent_fragments.cluster import run_on_cluster

    here = run_sweep(PLAN4, "t", tmp_path / "here", **SILENT)
    there = run_on_cluster(PLAN4, "t", cluster, tmp_path / "there", **SILENT)
    assert len(here) == 4
    assert_same_table(there, here)
    assert pd.read_csv(table_path("t", tmp_path / "there"))["run"].tolist() == here["run"].tolist()


#: A scheduler in a process of its own, as `dask scheduler` and `dask worker --resources GPU=1` would be: one
#: worker process of one thread that offers one GPU (a label here: the worker trains on the CPU). Like any
#: scheduler of the grid it must import what the tasks are made of: this module too, for its training task.
GPU_SCHEDULER = """
import sys
from distributed import LocalCluster

with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, resources={"GPU": 1}, scheduler_port=0,
                  dashboard_address="127.0.0.1:0", silence_logs=40) as cluster:
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()  # until the test closes this process's stdin
"""


@pytest.fixture
def gpu_scheduler():
    """The address ``tcp://127.0.0.1:PORT`` of a running :data:`GPU_SCHEDULER` (skipped without the extra)."""
    pytest.importorskip("distributed")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                                     os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", GPU_SCHEDULER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=REPO_ROOT, env=env)
    try:
        address = proc.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), address
        yield address
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def train_holding_a_gpu(cfg: RunConfig, artifacts_dir: str) -> str:
    """The training task, noting the GPUs its worker has left while it runs (none: the task holds the GPU)."""
    from distributed import get_worker
    from latent_fragments.cluster import train_task

    (Path(artifacts_dir) / f"gpus-left-{cfg.key()}").write_text(str(get_worker().state.available_resources["GPU"]))
    return train_task(cfg, artifacts_dir)


def test_cli_sweep_on_a_running_scheduler_with_a_gpu_worker(gpu_scheduler, in_process, tmp_path, capsys, monkeypatch):
    """``sweep --scheduler tcp://… --gpus-per-run 1`` against a scheduler of another process: every training
    task holds the worker's GPU while it runs, the table is the in-process one, the dashboard's address is
    printed and the grid's progress ends as one line (runs finished of all, time elapsed, failed, training)."""
    import latent_fragments.cluster as cluster_module
    from latent_fragments.cli import main

    monkeypatch.setattr(cluster_module, "train_task", train_holding_a_gpu)
    assert main(["sweep", *BASE_ARGS, "--vary", "z_dim=3,4", "--no-quality", "--artifacts-dir", str(tmp_path),
                 "--name", "tcp", "--scheduler", gpu_scheduler, "--gpus-per-run", "1"]) == 0
    out = capsys.readouterr().out
    assert "Dask dashboard: http://127.0.0.1:" in out and "2 runs; table" in out
    final = rf"^sweep tcp on {re.escape(gpu_scheduler)}: 2/2 runs \(0:\d\d:\d\d elapsed\), 0 failed, 0 training$"
    assert re.search(final, out, re.MULTILINE), out
    assert_same_table(pd.read_csv(table_path("tcp", tmp_path)), in_process)
    assert [float((tmp_path / f"gpus-left-{cfg.key()}").read_text()) for _, cfg in PLAN.runs] == [0.0, 0.0]


def test_a_gpu_sweep_where_no_worker_offers_a_gpu_stops_with_one_line(cluster, tmp_path, capsys, monkeypatch):
    """Dask would hold tasks that ask for a GPU no worker has forever: with the workers up and none offering
    one, the sweep says so, waits GPU_WAIT_S for one that does, and stops with that line (exit 2), untrained."""
    import latent_fragments.cluster as cluster_module
    from latent_fragments.cli import main

    monkeypatch.setattr(cluster_module, "GPU_WAIT_S", 1.0)
    codes: list[int] = []
    args = ["sweep", *BASE_ARGS, "--no-quality", "--artifacts-dir", str(tmp_path), "--scheduler", cluster,
            "--gpus-per-run", "1"]
    sweep = threading.Thread(target=lambda: codes.append(main(args)), daemon=True)  # a wait forever fails
    sweep.start()
    sweep.join(timeout=60)
    assert codes == [2], "the sweep still waits for a GPU no worker offers"
    captured = capsys.readouterr()
    line = f"--gpus-per-run 1: none of the 2 workers of {cluster} offers 1 GPU (start them with --resources GPU=1"
    assert captured.err.splitlines() == [captured.err.strip()] and captured.err.startswith(f"error: {line}")
    assert f"{line}" in captured.out and "waiting 1 s for one that does" in captured.out
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def train_dying_once(cfg: RunConfig, artifacts_dir: str) -> str:
    """The training task, but its first attempt kills its own worker process after epoch 1's checkpoint;
    the retry notes the checkpoint it finds and trains on. The run of z_dim 4 fails for a reason of its own."""
    import json
    import signal

    import keras
    import latent_fragments.runs as runs
    from latent_fragments.cluster import train_task

    if cfg.z_dim == 4:
        raise FloatingPointError("the loss diverged at epoch 1\n(a second line the table leaves out)")
    marker = Path(artifacts_dir) / f"attempt-{cfg.key()}"
    if marker.exists():
        state = runs.run_dir(cfg, artifacts_dir) / "checkpoint.json"
        marker.write_text(json.dumps(json.loads(state.read_text())["epochs_done"] if state.exists() else None))
        return train_task(cfg, artifacts_dir)
    marker.write_text("first")

    class Die(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            os.kill(os.getpid(), signal.SIGKILL)

    real_fit = runs.fit
    runs.fit = lambda *args, **kw: real_fit(*args, **{**kw, "callbacks": [Die()]})
    return train_task(cfg, artifacts_dir)


def test_a_worker_killed_mid_run_is_replaced_and_the_run_resumes(cluster, tmp_path, monkeypatch, notebook_display):
    """The first run's worker dies after epoch 1: the task is rescheduled and the run resumes from epoch 1's
    checkpoint. The second run fails for its own reason: its row holds the one-line error. In a notebook the
    grid's progress is one display updated in place, ending with the runs done, failed and training."""
    import latent_fragments.progress as progress_module
    from latent_fragments.cluster import run_on_cluster
    from latent_fragments.runs import load_run

    monkeypatch.setattr(progress_module, "display_mode", lambda: "notebook")
    plan = dataclasses.replace(PLAN, runs=tuple((name, dataclasses.replace(cfg, epochs=2)) for name, cfg in PLAN.runs))
    table = run_on_cluster(plan, "t", cluster, tmp_path, train=train_dying_once, **SILENT)
    grid = [text for text in notebook_display if text.startswith(f"sweep t on {cluster}: ")]  # not the cache's display
    assert grid[0] == f"sweep t on {cluster}: 0/2 runs (0:00:00 elapsed)"
    assert re.fullmatch(rf"sweep t on {re.escape(cluster)}: 2/2 runs \(0:\d\d:\d\d elapsed\), 1 failed, 0 training",
                        grid[-1])
    first = plan.runs[0][1]
    assert (tmp_path / f"attempt-{first.key()}").read_text() == "1"  # the retry found epoch 1's checkpoint
    assert [row["epoch"] for row in load_run(first, tmp_path).history] == [1, 2]
    assert table["n90"].notna().tolist() == [True, False] and table["error"].isna().tolist() == [True, False]
    assert table.loc[1, "error"] == "FloatingPointError: the loss diverged at epoch 1"
    assert pd.read_csv(table_path("t", tmp_path))["error"].notna().tolist() == [False, True]
