"""The catalogue of bad inputs (book/bad_inputs.md): one test per row, each asserting the real message,
the exit code and what is left on disk.

Command-line rows call ``latent_fragments.cli.main`` in-process (:func:`cli`: the same argv, environment,
exit code and stderr as ``python -m latent_fragments train ...``, without a Python and TensorFlow start per
call; ``tests/test_cli.py`` runs the same errors in a real subprocess). Rows about processes (a second one
waiting, one killed) and the papermill row start real subprocesses; decoding rows call
:func:`latent_fragments.data.load_faces`. Only tiny configurations are trained: one module-scoped run,
copied into each test that damages or extends it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

import latent_fragments.runs as runs
from latent_fragments.cli import main
from latent_fragments.artifacts import ArtifactError, read_json
from latent_fragments.config import REPO_ROOT, ConfigError, RunConfig
from latent_fragments.data import DataSpec, load_faces

PAGE = REPO_ROOT / "book" / "bad_inputs.md"

#: The tiny run: these CLI arguments give exactly the RunConfig below (defaults for everything else).
# the configuration of the shared trained run (conftest: `trained_art`, copies: `trained`)
TINY = dict(n_images=64, z_dim=8, epochs=2, batch_size=16, filters=(4, 8, 8, 8))
TINY_ARGS = ["--n-images", "64", "--z-dim", "8", "--epochs", "2", "--batch-size", "16", "--filters", "4,8,8,8"]


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def cli(art: Path, *args: str, command: str = "train", **env_extra: str) -> subprocess.CompletedProcess:
    """``python -m latent_fragments train *args`` (or ``command``) with ``LF_ARTIFACTS=art`` (full profile),
    run in-process through :func:`main`: its exit code (argparse's ``SystemExit`` too), stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        mp.setenv("LF_ARTIFACTS", str(art))
        mp.delenv("LF_PROFILE", raising=False)
        for name, value in env_extra.items():
            mp.setenv(name, value)
        try:
            code = main([command, *args])
        except SystemExit as exc:
            code = exc.code
    return subprocess.CompletedProcess([command, *args], code, out.getvalue(), err.getvalue())


def error_line(proc: subprocess.CompletedProcess, *expected: str) -> str:
    """Assert exit code 2, exactly one ``error:`` line on stderr holding every ``expected`` text, no
    traceback; return the line."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def files_under(root: Path) -> list[str]:
    """Every file (not directory) below ``root``, relative, sorted; ``[]`` if ``root`` is absent."""
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


def tmp_files(root: Path) -> list[str]:
    """Temporary files of :func:`latent_fragments.artifacts.atomic_path` (``.<stem>.<random>.tmp<suffix>``) below root."""
    return [name for name in files_under(root) if ".tmp" in name.rsplit("/", 1)[-1]]


def assert_nothing_written(art: Path) -> None:
    """No run, cache or temporary file anywhere under the artefact directory (empty folders aside, see
    test_data_error_leaves_no_run_directory)."""
    assert files_under(art) == [], files_under(art)


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """name -> (bytes, mtime_ns, sha256) of every file below ``folder``."""
    out = {}
    for name in files_under(folder):
        p = folder / name
        st = p.stat()
        out[name] = (st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def png_folder(root: Path, n: int = 3) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (40, 30), (10 * i, 100, 200)).save(root / f"good{i}.png")
    return root


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def noise(seed: int, size: int = 64) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8))


def load_folder(root: Path, cache: Path):
    """``load_faces`` of the folder data set; returns the face set and the texts of all warnings."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        faces = load_faces(DataSpec("folder", str(root)), cache, workers=1, progress=False)
    return faces, [str(w.message) for w in record]


# --------------------------------------------------------------------------------------------------
# data: command line
# --------------------------------------------------------------------------------------------------
def test_missing_data_directory(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, "--dataset", "folder", "--data-dir", str(tmp_path / "nope")),
               f"error: no images found in {tmp_path / 'nope'}: it is not a directory",
               "expected .jpg/.jpeg/.png files")
    error_line(cli(art, "--dataset", "celeba", "--data-dir", str(tmp_path / "nope")),
               f"error: CelebA directory {tmp_path / 'nope'} does not exist",
               "img_align_celeba", "--data-dir /path/to/celeba")
    assert_nothing_written(art)


def test_data_directory_not_given(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, "--dataset", "folder"), "error: dataset 'folder' needs data_dir", "--data-dir /path")
    error_line(cli(art, "--dataset", "celeba"), "error: dataset 'celeba' needs data_dir", "--data-dir /path/to/celeba")
    assert not art.exists()  # refused before any directory is made
    with pytest.raises(ConfigError, match="dataset 'folder' needs data_dir"):  # in a notebook: when the config is made
        RunConfig(dataset="folder")


def test_empty_data_directory(tmp_path):
    art, empty = tmp_path / "art", tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "readme.txt").write_text("no pictures here")
    error_line(cli(art, "--dataset", "folder", "--data-dir", str(empty)),
               f"error: no images found in {empty}: expected .jpg/.jpeg/.png files (subfolders are searched).")
    assert_nothing_written(art)


def test_data_directory_of_only_unreadable_files(tmp_path):
    art, bad = tmp_path / "art", tmp_path / "bad"
    bad.mkdir()
    (bad / "a.jpg").write_text("not a jpeg")
    (bad / "b.png").write_bytes(encoded(noise(0), "PNG")[:300])
    error_line(cli(art, "--dataset", "folder", "--data-dir", str(bad)),
               f"error: no images found in folder {bad}: all 2 files failed to decode (e.g. a.jpg:",
               "expected readable .jpg/.jpeg/.png images")
    assert_nothing_written(art)  # no cache .npy, no .tmp.npy


def test_n_images_larger_than_available(tmp_path):
    art, few = tmp_path / "art", png_folder(tmp_path / "few", 3)
    error_line(cli(art, "--dataset", "folder", "--data-dir", str(few), "--n-images", "10"),
               f"error: n_images=10 but only 3 images in folder {few}; lower n_images or leave it unset (None) "
               "to use all 3.")
    assert_nothing_written(art)


def test_unknown_dataset_name(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, "--dataset", "mnist"),
               "error: unknown dataset 'mnist'; valid names: synthfaces, orl, celeba, folder.")
    assert not art.exists()


# --------------------------------------------------------------------------------------------------
# parameters: command line and papermill
# --------------------------------------------------------------------------------------------------
def test_zero_or_negative_parameters(tmp_path):
    art = tmp_path / "art"
    for args, text in ((["--z-dim", "0"], "error: z_dim must be a positive integer, got 0 (int); "
                                          "for papermill pass e.g. -p z_dim 64 (no quotes)."),
                       (["--z-dim=-3"], "error: z_dim must be a positive integer, got -3 (int)"),
                       (["--epochs", "0"], "error: epochs must be a positive integer, got 0 (int)"),
                       (["--batch-size=-16"], "error: batch_size must be a positive integer, got -16 (int)"),
                       (["--n-images", "0"], "error: n_images must be a positive integer or None (all available), "
                                             "got 0 (int)")):
        error_line(cli(art, *args), text)
    assert not art.exists()


def test_non_integer_cli_parameter(tmp_path):
    """argparse refuses it before lib sees it: its own usage text and exit code 2, no ``error:`` line."""
    art = tmp_path / "art"
    for value in ("2.5", "abc"):
        proc = cli(art, "--z-dim", value)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert lines[0].startswith("usage: python -m latent_fragments train")
        assert lines[-1] == f"python -m latent_fragments train: error: argument --z-dim: invalid int value: '{value}'"
        assert "Traceback" not in proc.stderr
    assert not art.exists()


def test_bad_filters(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, "--filters", "4,8,x,8"), "error: --filters must be 4 comma-separated integers, got '4,8,x,8'")
    error_line(cli(art, "--filters", "4,8"), "error: filters must list 4 layer widths (4 Conv2D layers), got (4, 8)")
    error_line(cli(art, "--filters", "4,8,0,8"), "error: filters must be a positive integer, got 0 (int)")
    assert not art.exists()


def test_bad_choice_or_fraction(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, "--loss", "hinge"), "error: loss must be one of ('bce', 'mse'), got 'hinge'.")
    error_line(cli(art, "--activation", "softmax"),
               "error: activation must be one of ('leaky_relu', 'relu', 'elu', 'gelu', 'selu', 'silu', 'tanh'), "
               "got 'softmax'.")
    error_line(cli(art, "--test-fraction", "1.5"), "error: test_fraction must lie in (0, 1), got 1.5.")
    error_line(cli(art, "--split-seed=-1"), "error: split_seed must be a non-negative integer, got -1.")
    assert not art.exists()


def test_unknown_profile(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, LF_PROFILE="huge"), "error: LF_PROFILE='huge' is not a profile; use 'small' or 'full' (or unset it).")
    assert not art.exists()


def test_malformed_repository_url(tmp_path):
    out = tmp_path / "config" / "_config.yml"
    for url in ("github.com/o/r", "https://example.org/o/r", "https://github.com/o"):
        proc = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "book_config.py"), str(out),
                               "--cache-root", str(tmp_path / "cache"), "--repo-url", url],
                              capture_output=True, text=True)
        assert proc.returncode == 2
        assert proc.stderr == (f"error: REPO_URL must look like https://github.com/OWNER/REPO (or gitlab.com), "
                               f"got {url!r}\n")
        assert not out.parent.exists() and not (tmp_path / "cache").exists()


def test_papermill_parameter_of_wrong_type(tmp_path):
    art, out = tmp_path / "art", tmp_path / "out.ipynb"
    env = {**os.environ, "LF_PROFILE": "small", "LF_ARTIFACTS": str(art), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", "book/01_ae_basics.ipynb", str(out), "-p", "z_dim", "abc",
         "--cwd", str(REPO_ROOT / "book")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    message = "z_dim must be a positive integer, got 'abc' (str); for papermill pass e.g. -p z_dim 64 (no quotes)."
    assert proc.returncode != 0
    assert "PapermillExecutionError" in proc.stderr and f"ConfigError: {message}" in proc.stderr, proc.stderr[-3000:]
    # the output notebook records the failed cell with the same one-line message
    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert [(e["ename"], e["evalue"]) for e in errors] == [("ConfigError", message)]
    assert not art.exists()  # no run directory, no cache


# --------------------------------------------------------------------------------------------------
# the artefact directory
# --------------------------------------------------------------------------------------------------
def test_read_only_artifact_directory(tmp_path):
    """Simulated: the tests run as root, which ignores chmod, so the directory lies below a regular file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    art = tmp_path / "art"
    text = ("cannot write to the artefact directory {} (Not a directory); pass a writable artifacts_dir "
            "(papermill -p artifacts_dir DIR, CLI --artifacts-dir DIR) or set LF_ARTIFACTS.")
    cfg = RunConfig()
    root = runs.run_dir(cfg, blocker / "art").parent.parent  # the artefact root the user named
    line = error_line(cli(art, "--artifacts-dir", str(blocker / "art")))
    assert line == "error: " + text.format(root)
    line = error_line(cli(blocker / "art"))  # the same through LF_ARTIFACTS
    assert line == "error: " + text.format(root)
    assert blocker.read_text() == "a file, not a directory"
    assert not art.exists() and sorted(os.listdir(tmp_path)) == ["blocker"]


# --------------------------------------------------------------------------------------------------
# trained runs: damaged files, changed configuration, interruption
# --------------------------------------------------------------------------------------------------
def test_truncated_model_file(trained):
    cfg, art, path = trained
    model = path / "autoencoder.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    before = snapshot(art)
    error_line(cli(art, *TINY_ARGS),
               f"error: {model} does not match its manifest (truncated or changed); delete {path} and rerun to retrain.")
    assert snapshot(art) == before  # nothing deleted, rewritten or added: the user decides
    with pytest.raises(ArtifactError, match=r"does not match its manifest .*; delete .* and rerun to retrain"):
        runs.load_run(cfg, art)


def test_foreign_model_file(trained):
    import keras  # noqa: F401  (the model of another architecture is built and saved by Keras)

    from latent_fragments.model import build_autoencoder

    cfg, art, path = trained
    model = path / "autoencoder.keras"
    build_autoencoder(dataclasses.replace(cfg, z_dim=4)).save(model)  # a valid .keras, z_dim 4
    with pytest.raises(ArtifactError, match=r"autoencoder.keras does not match its manifest .*; delete"):
        runs.load_run(cfg, art)
    with pytest.raises(ArtifactError, match=r"does not match its manifest"):
        runs.get_run(cfg, art, log=lambda s: None)  # get_run refuses too; it never retrains over it
    model.write_text("this is not a Keras file")
    before = snapshot(art)
    error_line(cli(art, *TINY_ARGS), f"error: {model} does not match its manifest (truncated or changed); "
                                     f"delete {path} and rerun to retrain.")
    assert snapshot(art) == before


def test_model_file_replaced_and_manifest_rewritten(trained, capsys):
    cfg, art, path = trained
    (path / "autoencoder.keras").write_text("this is not a Keras file")
    runs.write_manifest(path)  # the manifest no longer protects it
    run = runs.load_run(cfg, art)  # z-points, split, history still load
    assert run.z_train.shape[1] == 8
    with pytest.raises(ArtifactError) as err:
        run.autoencoder
    message = str(err.value)
    assert message.startswith(f"cannot load {path / 'autoencoder.keras'} as this run's autoencoder (ValueError: ")
    assert message.endswith(f"; delete {path} and rerun to retrain.") and "\n" not in message
    before = snapshot(art)
    args = [*TINY_ARGS, "--artifacts-dir", str(art)]
    assert main(["train", *args]) == 0  # train checks only the manifest: the run counts as finished
    capsys.readouterr()
    assert main(["encode", *args, "--no-train", "--output", str(art / "z.npy")]) == 2
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert err_lines == [f"error: {message}"]
    assert snapshot(art) == before  # no z.npy, nothing rewritten


def test_foreign_config_in_run_directory(trained):
    cfg, art, path = trained
    stored = json.loads((path / "config.json").read_text())
    stored["config"]["z_dim"] = 99
    (path / "config.json").write_text(json.dumps(stored))
    before = snapshot(art)
    error_line(cli(art, *TINY_ARGS), f"error: {path} was trained for another configuration",
               "it is not reused. Delete it, or use the parameters it was made with.")
    assert snapshot(art) == before


def test_corrupt_history_shown_by_info(trained):
    _, art, path = trained
    (path / "history.json").write_text('[{"epoch": 1, "loss": 0.6')  # cut short
    line = error_line(cli(art, *TINY_ARGS, command="info"), f"error: {path / 'history.json'} is corrupt or "
                      "truncated (")
    assert line.endswith("; delete it and rerun.")


def test_changed_configuration_trains_a_new_run(trained, monkeypatch):
    cfg, art, first = trained
    before = snapshot(first)
    verified = []
    real_verify = runs.verify_run
    monkeypatch.setattr(runs, "verify_run", lambda path, c: verified.append(path) or real_verify(path, c))
    other = dataclasses.replace(cfg, z_dim=4)
    lines = []
    run = runs.get_run(other, art, log=lines.append)
    assert run.path == runs.run_dir(other, art) != first and run.path.name.startswith("synthfaces-z4-")
    assert any(line.startswith("training on 58 images, 6 held out") for line in lines)  # trained, not loaded
    assert verified == [run.path]  # the first run was never opened
    assert run.z_train.shape[1] == 4 and np.asarray(run.encode(run.images("test", 2))).shape == (2, 4)
    assert snapshot(first) == before  # same files, bytes and mtimes
    assert sorted(p.name for p in (art / "runs").iterdir()) == sorted([first.name, run.path.name])
    assert tmp_files(art) == []


def test_interrupted_training_resumes(tmp_path, monkeypatch, capsys):
    import keras

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise KeyboardInterrupt  # as Ctrl-C after epoch 1 was checkpointed

    real_fit = runs.fit
    monkeypatch.setattr(runs, "fit", lambda *a, **k: real_fit(*a, callbacks=[StopAfterFirstEpoch()], **k))
    art = tmp_path / "art"
    args = [*TINY_ARGS, "--artifacts-dir", str(art)]
    assert main(["train", *args]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted: the last finished epoch is checkpointed; rerun the same command to resume."
    path = runs.run_dir(RunConfig(**TINY), art)
    assert sorted(os.listdir(path)) == ["checkpoint.json", "checkpoint.keras", "config.json", "history.csv",
                                        "split.npz"]
    assert tmp_files(art) == []
    state = read_json(path / "checkpoint.json")
    assert state["epochs_done"] == 1 and [row["epoch"] for row in state["history"]] == [1]

    assert main(["info", *args]) == 0
    assert json.loads(capsys.readouterr().out)["interrupted_after_epoch"] == 1

    monkeypatch.setattr(runs, "fit", real_fit)
    assert main(["train", *args]) == 0
    out = capsys.readouterr().out
    assert "resuming from the checkpoint after epoch 1/2" in out
    assert "epoch 2/2:" in out and "epoch 1/2:" not in out  # epoch 1 was not trained again
    history = read_json(path / "history.json")
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[0] == state["history"][0]
    assert [row["epoch"] for row in csv_rows(path / "history.csv")] == ["1", "2"]  # epoch 1 once, not twice
    assert (path / "manifest.json").exists() and not (path / "checkpoint.keras").exists()
    assert not (path / "checkpoint.json").exists() and tmp_files(art) == []


def csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------------------------------
# faults beyond bad input: killed processes, two processes at once
# --------------------------------------------------------------------------------------------------
def dead_pid() -> int:
    """The PID of a process that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


KILLED_WRITER = """
import os, signal, sys
from latent_fragments.artifacts import atomic_path
writing = atomic_path(sys.argv[1])
tmp = writing.__enter__()
tmp.write_bytes(b"x" * 100000)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_cache_build_leaves_a_temporary_file_the_next_build_removes(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(cache / "synthfaces.npy")], cwd=REPO_ROOT)
    assert proc.wait(timeout=60) == -9
    (left,) = tmp_files(cache)
    from latent_fragments.artifacts import HOST

    assert re.fullmatch(rf"\.synthfaces\.{proc.pid}@{HOST}\.\w{{8}}\.tmp\.npy", left), left
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (cache / f".other.{live.pid}.abcdefgh.tmp.npy").write_bytes(b"being written")
        faces = load_faces(DataSpec(n_images=40), cache, workers=1, progress=False)
    finally:
        live.kill()
        live.wait()
    assert len(faces) == 40
    assert tmp_files(cache) == [f".other.{live.pid}.abcdefgh.tmp.npy"]  # a live writer's file is kept


def test_killed_training_leftovers_are_removed_by_the_rerun(trained, monkeypatch):
    import keras

    cfg, art, path = trained
    (path / "manifest.json").unlink()  # as a run killed before it finished
    stale = path / f".checkpoint.{dead_pid()}.k2j3h4g5.tmp.keras"
    stale.write_bytes(b"half a model")
    monkeypatch.setattr(runs, "fit", lambda cfg, images, tr, te, workdir, **kw: (
        keras.saving.load_model(workdir / "autoencoder.keras"), read_json(workdir / "history.json")))
    run = runs.get_run(cfg, art, log=lambda s: None)
    assert not stale.exists() and tmp_files(art) == []
    assert (run.path / "manifest.json").exists()


def test_second_process_waits_for_the_run_being_trained(trained_art, tmp_path):
    """While one process trains a configuration (here: the test holds its lock), a second ``train`` of it
    says so, waits, and then loads the finished run instead of training it again."""
    from latent_fragments.locks import run_lock

    cfg, src = trained_art
    art = tmp_path / "art"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("LF_PROFILE", None)
    with run_lock(runs.run_dir(cfg, art)):
        second = subprocess.Popen([sys.executable, "-m", "latent_fragments", "train", *TINY_ARGS,
                                   "--artifacts-dir", str(art)], cwd=REPO_ROOT, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first_line = second.stdout.readline()
        assert first_line.startswith("another process is training this configuration ("), first_line
        assert first_line.rstrip().endswith("); waiting for it to finish")
        shutil.copytree(src, art, dirs_exist_ok=True)  # what the first process leaves when it is done
    out, err = second.communicate(timeout=180)
    assert second.returncode == 0, err[-3000:]
    assert "training on" not in out and f"run {cfg.run_name()} ready" in out
    assert not any(p.name.endswith(".lock") for p in (art / "runs").iterdir())


def test_killed_lock_holder_does_not_block_the_next_run(tmp_path):
    from latent_fragments.locks import lock_path, run_lock

    folder = tmp_path / "runs" / "synthfaces-z8-abc"
    holder = ("import os, signal, sys\nfrom latent_fragments.locks import run_lock\n"
              "lock = run_lock(sys.argv[1])\nlock.__enter__()\nos.kill(os.getpid(), signal.SIGKILL)")
    assert subprocess.run([sys.executable, "-c", holder, str(folder)], cwd=REPO_ROOT).returncode == -9
    assert lock_path(folder).exists()  # left behind, but no longer locked
    said: list[str] = []
    with run_lock(folder, log=said.append):
        pass
    assert said == [] and not lock_path(folder).exists()


# --------------------------------------------------------------------------------------------------
# decoding: library API (the CLI and the notebooks print the same UserWarning and go on)
# --------------------------------------------------------------------------------------------------
def test_corrupt_jpeg_is_skipped_with_one_warning(tmp_path):
    root = png_folder(tmp_path / "pics")
    (root / "text.jpg").write_text("hello, I am not a JPEG")
    jpg = bytearray(encoded(noise(1), "JPEG", quality=90))
    jpg[len(jpg) // 2 : len(jpg) // 2 + 20] = b"\xff\xda" * 10  # stray SOS markers inside the scan data
    (root / "broken.jpg").write_bytes(bytes(jpg))
    faces, messages = load_folder(root, tmp_path / "cache")
    assert len(messages) == 1
    assert messages[0].startswith(f"skipped 2 unreadable image file(s) of 5 in folder {root}: broken.jpg (OSError: ")
    # (the reason in brackets is cut at 120 characters, so a long path inside it may end early)
    assert "text.jpg (UnidentifiedImageError: cannot identify image file '" in messages[0]
    assert messages[0].endswith("; the cache holds the other 3.")
    assert faces.images.shape == (3, 96, 96, 3) and list(faces.labels["filename"]) == ["good0.png", "good1.png", "good2.png"]
    assert faces.meta["n_skipped"] == 2 and tmp_files(tmp_path / "cache") == []


def test_truncated_png_is_skipped_with_one_warning(tmp_path):
    root = png_folder(tmp_path / "pics")
    png = encoded(noise(2), "PNG")
    (root / "cut.png").write_bytes(png[: len(png) // 2])
    faces, messages = load_folder(root, tmp_path / "cache")
    assert messages == [f"skipped 1 unreadable image file(s) of 4 in folder {root}: cut.png "
                        "(OSError: image file is truncated); the cache holds the other 3."]
    assert faces.images.shape == (3, 96, 96, 3) and "cut.png" not in list(faces.labels["filename"])


def test_truncated_jpeg_is_skipped_with_one_warning(tmp_path):
    root = png_folder(tmp_path / "pics")
    jpg = encoded(noise(3), "JPEG", quality=90)
    (root / "cut.jpg").write_bytes(jpg[: len(jpg) * 6 // 10])
    faces, messages = load_folder(root, tmp_path / "cache")
    assert len(messages) == 1
    assert messages[0].startswith(f"skipped 1 unreadable image file(s) of 4 in folder {root}: cut.jpg "
                                  "(OSError: image file is truncated")
    assert faces.images.shape == (3, 96, 96, 3)


def test_jpeg_with_damaged_scan_data_is_kept(tmp_path):
    """A limitation, stated in the catalogue: libjpeg only warns about some damage, so it goes unseen."""
    root = png_folder(tmp_path / "pics")
    jpg = bytearray(encoded(noise(0), "JPEG", quality=90))
    jpg[len(jpg) // 2 : len(jpg) // 2 + 200] = bytes(200)  # zeroed compressed data, header intact
    (root / "zeroed.jpg").write_bytes(bytes(jpg))
    faces, messages = load_folder(root, tmp_path / "cache")
    assert messages == []
    assert faces.images.shape == (4, 96, 96, 3) and "zeroed.jpg" in list(faces.labels["filename"])


def _single(tmp_path, img: Image.Image, name: str = "face.png") -> np.ndarray:
    root = tmp_path / "pics"
    root.mkdir()
    img.save(root / name)
    faces, messages = load_folder(root, tmp_path / "cache")
    assert messages == []
    assert faces.images.shape == (1, 96, 96, 3) and faces.images.dtype == np.uint8
    return np.asarray(faces.images[0]).astype(int)


def test_grey_image_becomes_rgb(tmp_path):
    px = _single(tmp_path, Image.new("L", (120, 80), 100))
    assert (px == 100).all()  # grey repeated into the three channels


def test_rgba_image_is_composited_on_white(tmp_path):
    img = Image.new("RGBA", (64, 64), (255, 0, 0, 0))  # fully transparent red ...
    ImageDraw.Draw(img).rectangle((0, 0, 63, 31), fill=(0, 0, 255, 255))  # ... below opaque blue
    px = _single(tmp_path, img)
    assert (px[5, 48] == (0, 0, 255)).all() and (px[90, 48] == (255, 255, 255)).all()


def test_palette_image_uses_its_colours(tmp_path):
    pal = Image.new("P", (70, 70), 1)
    pal.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    assert (_single(tmp_path, pal) == (10, 200, 30)).all()


def test_odd_sized_images_are_centre_cropped_and_resized(tmp_path):
    root = tmp_path / "pics"
    root.mkdir()
    Image.new("RGB", (1, 1), (9, 99, 199)).save(root / "a_one_pixel.png")
    tall = Image.new("RGB", (37, 211), (0, 0, 255))
    ImageDraw.Draw(tall).rectangle((0, 87, 36, 123), fill=(255, 0, 0))  # the centred 37x37 square
    tall.save(root / "b_tall.png")
    wide = Image.new("RGB", (211, 37), (0, 0, 255))
    ImageDraw.Draw(wide).rectangle((87, 0, 123, 36), fill=(0, 255, 0))
    wide.save(root / "c_wide.png")
    faces, messages = load_folder(root, tmp_path / "cache")
    assert messages == [] and faces.images.shape == (3, 96, 96, 3)
    px = np.asarray(faces.images).astype(int)
    assert (px[0] == (9, 99, 199)).all()
    assert (px[1, 8:88, 8:88] == (255, 0, 0)).all() and (px[2, 8:88, 8:88] == (0, 255, 0)).all()


# --------------------------------------------------------------------------------------------------
# faults beyond the catalogue's inputs: degenerate sizes, optional components, a full disk, memory
# --------------------------------------------------------------------------------------------------
def test_too_few_images_for_a_split(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, "--n-images", "1", "--z-dim", "4", "--epochs", "1", "--filters", "4,4,4,4"),
               "error: only 1 image in synthfaces; a run needs at least 2 (one to train on, one held out): "
               "give n_images >= 2, or a folder with more images.")
    one = png_folder(tmp_path / "one", 1)
    error_line(cli(art, "--dataset", "folder", "--data-dir", str(one), "--z-dim", "4", "--epochs", "1"),
               f"error: only 1 image in folder {one}; a run needs at least 2")
    assert files_under(art / "runs") == [] and tmp_files(art) == []  # the caches stay, no run folder
    assert not (art / "runs").exists() or list((art / "runs").iterdir()) == []


def test_degenerate_but_valid_sizes_train(tmp_path):
    """Two images, z_dim 1 and a batch larger than the training set: a run, not an error."""
    art = tmp_path / "art"
    proc = cli(art, "--n-images", "2", "--z-dim", "1", "--epochs", "1", "--batch-size", "64",
               "--filters", "4,4,4,4")
    assert proc.returncode == 0, proc.stderr
    assert "training on 1 images, 1 held out, epochs 1..1, batch 64" in proc.stdout
    cfg = RunConfig(n_images=2, z_dim=1, epochs=1, batch_size=64, filters=(4, 4, 4, 4))
    run = runs.load_run(cfg, art)
    assert run.z_train.shape == (1, 1) and run.z_test.shape == (1, 1) and np.isfinite(run.z_train).all()


def test_sweep_too_small_for_what_it_measures(tmp_path):
    art = tmp_path / "art"
    tiny = ["--z-dim", "4", "--epochs", "1", "--filters", "4,4,4,4"]
    error_line(cli(art, *tiny, "--n-images", "20", command="sweep"),
               "error: n_images=20 holds out 2 images; FD and KID need at least 4: give more images or "
               "--no-quality.")
    error_line(cli(art, *tiny, "--n-images", "20", "--no-quality", "--verdict-draws", "3", command="sweep"),
               "error: n_images=20 trains on 18 images; the verdict needs at least 21 z-points: more images, "
               "or --verdict-draws 0.")
    error_line(cli(art, *tiny, "--verdict-draws", "2", command="sweep"),
               "error: --verdict-draws must be 0 (no verdict) or at least 3 (the calibrated test), got 2.")
    error_line(cli(art, *tiny, "--seeds", "0,a", command="sweep"),
               "error: --seeds must be comma-separated non-negative integers such as 0,1,2, got '0,a'.")
    assert not art.exists()


def test_a_path_that_cannot_be_read_or_written(trained, tmp_path):
    cfg, art, path = trained
    absent = tmp_path / "absent.toml"
    error_line(cli(art, "--grid", str(absent), command="sweep"),
               f"error: {absent}: No such file or directory; check that path (does it exist, is its folder "
               "writable?), then rerun.")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    error_line(cli(art, *TINY_ARGS, "--no-train", "--output", str(blocker / "z.npy"), command="encode"),
               f"error: {blocker}: File exists; check that path")
    assert blocker.read_text() == "a file, not a folder" and tmp_files(tmp_path) == []


def _without_package(monkeypatch, *names: str) -> None:
    """Make ``importlib.util.find_spec`` say that the packages ``names`` are not installed."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in names else real(name, *a))


def test_tensorboard_not_installed_is_one_line_before_any_work(tmp_path, monkeypatch):
    _without_package(monkeypatch, "tensorboard")
    art = tmp_path / "art"
    proc = cli(art, *TINY_ARGS, "--tensorboard")
    assert error_line(proc) == ("error: --tensorboard needs the tensorboard package, which is not installed; "
                                "pip install tensorboard, or train without --tensorboard (history.csv holds "
                                "the same numbers).")
    assert not art.exists()


def test_keras_backend_not_installed_is_one_line_before_any_work(tmp_path, monkeypatch):
    _without_package(monkeypatch, "jax", "torch")
    art = tmp_path / "art"
    error_line(cli(art, *TINY_ARGS, KERAS_BACKEND="jax"),
               "error: KERAS_BACKEND=jax needs the jax package, which is not installed; pip install jax, or "
               "unset KERAS_BACKEND to train with tensorflow.")
    error_line(cli(art, *TINY_ARGS, KERAS_BACKEND="torch"),
               'error: KERAS_BACKEND=torch needs the torch package, which is not installed; pip install -e '
               '".[torch]", or unset KERAS_BACKEND')
    error_line(cli(art, *TINY_ARGS, KERAS_BACKEND="theano"),
               "error: KERAS_BACKEND='theano' is not a backend of this project; use tensorflow, jax, torch "
               "(or unset it for tensorflow).")
    assert not art.exists()


class FullDisk(io.FileIO):
    """A file on a disk that fills up: the first write lands, the next raises ENOSPC."""

    def write(self, data) -> int:
        if getattr(self, "_written", False):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._written = True
        return super().write(data)


def test_disk_full_while_the_image_cache_is_written(tmp_path, monkeypatch):
    import latent_fragments.data.cache as cache

    monkeypatch.setattr(cache, "open", lambda path, mode="r", *a, **k: FullDisk(path, mode.replace("b", "")),
                        raising=False)
    monkeypatch.setattr(cache, "DECODE_CHUNK", 1)  # one chunk, one write per image
    art = tmp_path / "art"
    pics = png_folder(tmp_path / "pics", 3)
    error_line(cli(art, "--dataset", "folder", "--data-dir", str(pics), command="prepare"),
               f"error: no space left on the device ({art}); free space there or point --artifacts-dir (or "
               "LF_ARTIFACTS) at a disk with room, then rerun the same command (the half-written file was "
               "removed; finished epochs are kept).")
    assert files_under(art) == []  # no cache, no half-written temporary file
    monkeypatch.undo()
    assert cli(art, "--dataset", "folder", "--data-dir", str(pics), command="prepare").returncode == 0


def test_disk_full_while_a_run_is_written(trained, monkeypatch):
    cfg, art, path = trained
    for name in ("manifest.json", "z_train.npy", "z_test.npy"):  # as before the run's last files were written
        (path / name).unlink()
    shutil.copy(path / "autoencoder.keras", path / "checkpoint.keras")  # ... and the last epoch's checkpoint
    history = read_json(path / "history.json")
    (path / "checkpoint.json").write_text(json.dumps({"key": cfg.key(), "epochs_done": 2, "history": history}))
    real_save = np.save

    def save_on_a_full_disk(file, arr, *a, **k):  # handed the open temporary file (artifacts.save_npy)
        file.write(b"\x93NUMPY half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "save", save_on_a_full_disk)
    error_line(cli(art, *TINY_ARGS), f"error: no space left on the device ({art});")
    assert tmp_files(art) == [] and not (path / "manifest.json").exists() and not (path / "z_train.npy").exists()
    assert (path / "checkpoint.keras").exists()
    monkeypatch.setattr(np, "save", real_save)
    rerun = cli(art, *TINY_ARGS)  # space freed: the same command finishes the run without training again
    assert rerun.returncode == 0 and "resuming from the checkpoint after epoch 2/2" in rerun.stdout
    assert "training on" not in rerun.stdout and runs.load_run(cfg, art).history == history


def test_out_of_memory_is_one_line(trained, monkeypatch):
    import tensorflow as tf

    cfg, art, path = trained
    (path / "manifest.json").unlink()  # so that the command trains
    for exc in (MemoryError(), tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")):
        monkeypatch.setattr(runs, "fit", lambda *a, exc=exc, **k: (_ for _ in ()).throw(exc))
        error_line(cli(art, *TINY_ARGS),
                   f"error: out of memory ({type(exc).__name__}); lower --batch-size (GPU memory) or "
                   "--n-images, or free memory, then rerun the same command (finished epochs are kept).")
    assert tmp_files(art) == [] and not (path / "manifest.json").exists()


# --------------------------------------------------------------------------------------------------
# a known bug of latent_fragments/runs.py, and the catalogue itself
# --------------------------------------------------------------------------------------------------
def test_data_error_leaves_no_run_directory(tmp_path):
    art = tmp_path / "art"
    error_line(cli(art, "--dataset", "folder", "--data-dir", str(tmp_path / "nope")), "no images found")
    assert not (art / "runs").exists() or not any((art / "runs").iterdir()), list((art / "runs").iterdir())


def catalogue_rows() -> list[list[str]]:
    """The rows (cells) of the first table on the catalogue page, header and separator removed."""
    rows = []
    for line in PAGE.read_text().splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
        elif rows:
            break
    assert rows and set(rows[1][0]) <= set("-: "), "no markdown table found"
    return rows[2:]


def defined_in(module: str) -> set[str]:
    """The test functions defined in ``tests/<module>.py`` (read, not imported)."""
    import ast

    tree = ast.parse((REPO_ROOT / "tests" / f"{module}.py").read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_catalogue_cites_existing_tests():
    """Every row cites tests that exist: in this module, or in the module the row names
    (``tests/test_x.py``: the fault classes' own tests)."""
    rows = catalogue_rows()
    assert len(rows) >= 12
    defined = {name for name, obj in globals().items() if name.startswith("test_") and callable(obj)}
    for row in rows:
        assert len(row) == 5, row
        modules = re.findall(r"tests/(test_\w+)\.py", row[-1])
        names = set(re.findall(r"\btest_\w+", re.sub(r"tests/test_\w+\.py", "", row[-1])))
        assert names, f"row without a test: {row[0]}"
        known = defined.union(*(defined_in(m) for m in modules))
        assert names <= known, names - known
    text = PAGE.read_text()
    mentioned = set(re.findall(r"\btest_\w+", text))
    assert defined - {"test_catalogue_cites_existing_tests"} <= mentioned, defined - mentioned
    # tests/test_rendered_book.py fails a page that shows these markers (it takes them for a failed cell)
    for marker in ("Traceback (most recent call last)", "Error:", "NameError", "cell execution failed"):
        assert marker not in text, marker


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # the stand-in was never trained
def test_model_of_another_shape_behind_a_rewritten_manifest(trained, tmp_path):
    """Even when both the model file and the manifest were replaced, a model whose shapes do not fit the
    configuration is refused when it is loaded."""
    import dataclasses

    from latent_fragments.model import build_autoencoder

    cfg, art, path = trained
    other = build_autoencoder(dataclasses.replace(cfg, z_dim=4))
    other.save(path / "autoencoder.keras")
    runs.write_manifest(path)
    run = runs.load_run(cfg, art)
    with pytest.raises(ArtifactError, match=r"is a model of another shape .*'encoder output': \(4,\).*"
                                            r"'encoder output': \(8,\)"):
        run.autoencoder


# --------------------------------------------------------------------------------------------------
# issue 23: a write lands where it is named; destructive commands take the run's lock; a damaged
# checkpoint is named (the mechanisms' own tests: tests/test_faults_classes.py, tests/test_archive_import.py)
# --------------------------------------------------------------------------------------------------
def test_encode_output_lands_at_the_name_given(trained, tmp_path):
    cfg, art, _ = trained
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "z").write_bytes(b"an older file of that name")
    proc = cli(art, *TINY_ARGS, "--no-train", "--output", str(out_dir / "z"), command="encode")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines()[-1].startswith(f"encoded 64 images to {out_dir / 'z'} (8-D) in ")
    assert np.load(out_dir / "z").shape == (64, 8) and [p.name for p in out_dir.iterdir()] == ["z"]
    error_line(cli(art, *TINY_ARGS, "--no-train", "--output", str(out_dir), command="encode"),
               f"error: {out_dir} is a folder; name a file to write (e.g. {out_dir / 'z.npy'}).")
    assert [p.name for p in out_dir.iterdir()] == ["z"]


def test_train_fresh_refuses_a_run_another_process_holds(trained):
    cfg, art, path = trained
    holder = ("import sys, time\nfrom latent_fragments.locks import run_lock\n"
              "with run_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(120)")
    proc = subprocess.Popen([sys.executable, "-c", holder, str(path)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == "held\n"
        before = snapshot(path)
        error_line(cli(art, *TINY_ARGS, "--fresh"),
                   f"error: train --fresh refused: {path} is held by process {proc.pid} (training, importing or "
                   f"deleting it); wait for it to finish or stop it, then rerun.")
        assert snapshot(path) == before
    finally:
        proc.kill()
        proc.wait()


def test_truncated_checkpoint_names_the_file_and_fresh_retrains(trained):
    cfg, art, path = trained
    (path / "manifest.json").unlink()  # an interrupted run: its checkpoint cut short by Ctrl-C
    (path / "checkpoint.keras").write_bytes((path / "autoencoder.keras").read_bytes()[:1000])
    (path / "checkpoint.json").write_text(json.dumps({"key": cfg.key(), "epochs_done": 1, "history": [{}]}))
    error_line(cli(art, *TINY_ARGS), f"error: {path / 'checkpoint.keras'} is damaged (cut short, e.g. by an "
               f"interrupt while it was written: ", f"); rerun with --fresh (or delete {path}) to train this "
               f"configuration from scratch.")
    proc = cli(art, *TINY_ARGS, "--fresh")
    assert proc.returncode == 0 and "epochs 1..2" in proc.stdout, proc.stderr[-3000:]
    assert (path / "manifest.json").exists() and not (path / "checkpoint.keras").exists()
