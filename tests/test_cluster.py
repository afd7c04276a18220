"""Chapter 5's grid side by side and on Dask (issue 24): a sweep moves on past a run another process trains,
the table merges rows of every process, temporary files are owned by host and process, and a LocalCluster
of 2 workers gives the in-process table and survives a worker killed mid-run."""
from __future__ import annotations

import dataclasses
import os
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
SILENT = dict(log=lambda message: None)


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
    args = [sys.executable, "-m", "latent_fragments", "sweep", "--n-images", "24", "--epochs", "1",
            "--batch-size", "8", "--filters", "4,4,8,8", "--vary", "z_dim=3,4", "--no-quality",
            "--artifacts-dir", str(tmp_path), "--name", "both"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
             for _ in range(2)]
    outs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err[-2000:] for _, err in outs]
    assert all("2 runs; table" in out for out, _ in outs)
    assert sum(out.count("training on 22 images") for out, _ in outs) == 2  # each run trained once
    assert pd.read_csv(table_path("both", tmp_path))["z_dim"].tolist() == [3, 4]


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes, one thread each, shared by this module's Dask tests (skipped
    without the `cluster` extra; CI installs it)."""
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as local:
        yield local.scheduler_address


def test_local_cluster_gives_the_in_process_table(cluster, tmp_path):
    """Each run trained in a worker process (its first model: the weights must not depend on the worker's
    other threads) and measured there gives the in-process sweep's row."""
    from latent_fragments.cluster import run_on_cluster

    here = run_sweep(PLAN, "t", tmp_path / "here", **SILENT)
    there = run_on_cluster(PLAN, "t", cluster, tmp_path / "there", **SILENT)
    assert there.columns.tolist() == here.columns.tolist() and there["run"].tolist() == here["run"].tolist()
    numeric = here.select_dtypes("number").columns
    np.testing.assert_allclose(there[numeric].to_numpy(float), here[numeric].to_numpy(float), rtol=1e-4)
    assert pd.read_csv(table_path("t", tmp_path / "there"))["run"].tolist() == here["run"].tolist()


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


def test_a_worker_killed_mid_run_is_replaced_and_the_run_resumes(cluster, tmp_path):
    """The first run's worker dies after epoch 1: the task is rescheduled and the run resumes from epoch 1's
    checkpoint. The second run fails for its own reason: its row holds the one-line error."""
    from latent_fragments.cluster import run_on_cluster
    from latent_fragments.runs import load_run

    plan = dataclasses.replace(PLAN, runs=tuple((name, dataclasses.replace(cfg, epochs=2)) for name, cfg in PLAN.runs))
    table = run_on_cluster(plan, "t", cluster, tmp_path, train=train_dying_once, **SILENT)
    first = plan.runs[0][1]
    assert (tmp_path / f"attempt-{first.key()}").read_text() == "1"  # the retry found epoch 1's checkpoint
    assert [row["epoch"] for row in load_run(first, tmp_path).history] == [1, 2]
    assert table["n90"].notna().tolist() == [True, False] and table["error"].isna().tolist() == [True, False]
    assert table.loc[1, "error"] == "FloatingPointError: the loss diverged at epoch 1"
    assert pd.read_csv(table_path("t", tmp_path))["error"].notna().tolist() == [False, True]


def test_the_grids_status_line():
    from latent_fragments.cluster import status_line

    assert status_line("g", 12, 3, 1, 4, 3725) == ("sweep g: 2/12 runs done, 1 failed, 4 training, 1:02:05 elapsed, "
                                                   "about 3:06:15 to go")
    assert status_line("g", 2, 2, 0, 0, 59.6) == "sweep g: 2/2 runs done, 0 failed, 0 training, 0:01:00 elapsed"
