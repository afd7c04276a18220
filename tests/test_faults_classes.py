"""Issue 23's fault classes, each tested at the mechanism that owns it (chapter 1): the atomic write
(:func:`latent_fragments.artifacts.atomic_path`), the run lock that every destructive command holds
(:mod:`latent_fragments.locks`), the JSON reader and the listing that name a damaged artefact instead of
stopping, the checkpoint reader, the image cache's checksum and its commit, the configuration's numeric
checks, the decoder that never opens what is not a regular file, the label readers, the sweep's grid
parser and options, and the worker pool that dies with its parent. Cases are generated (a seeded product
of writers, names and failures; every JSON file of a run crossed with every kind of damage) rather than
listed one by one; the catalogue's concrete examples are in ``tests/test_bad_inputs.py``.

No test here trains a model: run folders are made of small stand-in files whose manifest is real.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import signal
import stat
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import latent_fragments.runs as runs
from latent_fragments import archive
from latent_fragments.artifacts import ArtifactError, atomic_path, read_json, save_npy, save_npz, write_json
from latent_fragments.cli import main
from latent_fragments.config import ConfigError, RunConfig, parse_seeds
from latent_fragments.data import DataError, DataSpec, load_faces
from latent_fragments.layout import (CHECKPOINT_MODEL, CHECKPOINT_STATE, CONFIG, HISTORY, MANIFEST, MODEL, SPLIT,
                                     Z_TEST, Z_TRAIN)
from latent_fragments.locks import RunBusy, holder, lock_path, run_lock


def stand_in_run(art: Path, z_dim: int = 4, complete: bool = True) -> tuple[RunConfig, Path]:
    """A run folder of small stand-in files with a real config and manifest (no training)."""
    cfg = RunConfig(n_images=10, z_dim=z_dim, epochs=1, batch_size=8, filters=(4, 4, 4, 4))
    path = runs.run_dir(cfg, art)
    path.mkdir(parents=True)
    write_json(path / CONFIG, {"key": cfg.key(), "config": cfg.as_dict()})
    (path / MODEL).write_bytes(b"stand-in model")
    write_json(path / HISTORY, [{"epoch": 1, "loss": 0.5}])
    save_npz(path / SPLIT, train=np.arange(8), test=np.arange(8, 10), method=np.array("seeded"))
    save_npy(path / Z_TRAIN, np.zeros((8, z_dim), np.float32))
    save_npy(path / Z_TEST, np.ones((2, z_dim), np.float32))
    if complete:
        runs.write_manifest(path)
    return cfg, path


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------------------------------
# 1. A write lands where it is named, or is refused
# --------------------------------------------------------------------------------------------------
def _np_save(tmp: Path, payload: bytes) -> None:  # appends .npy to a name without it
    np.save(tmp, np.frombuffer(payload, np.uint8))


def _np_savez(tmp: Path, payload: bytes) -> None:  # appends .npz to a name without it
    np.savez(tmp, a=np.frombuffer(payload, np.uint8))


def _plain(tmp: Path, payload: bytes) -> None:
    tmp.write_bytes(payload)


def _fails_midway(tmp: Path, payload: bytes) -> None:
    tmp.write_bytes(payload[: len(payload) // 2])
    raise OSError(28, "No space left on device")


def _interrupted(tmp: Path, payload: bytes) -> None:
    tmp.write_bytes(payload[:1])
    raise KeyboardInterrupt


WRITERS = {"np.save": _np_save, "np.savez": _np_savez, "plain": _plain, "fails": _fails_midway,
           "interrupted": _interrupted}


def _names(seed: int, n: int) -> list[str]:
    """Destination names: with and without endings, several dots, hidden, spaces, non-ASCII."""
    rng = random.Random(seed)
    stems = ["z", "z.npy", "z.npz", "out.tar.gz", ".hidden", "a.b.c", "with space", "zé", "z.NPY", "z.npy.bak"]
    alphabet = "abcxyz.-_ é"
    return stems + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))).strip(".") or "q"
                    for _ in range(n)]


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_write_lands_at_its_name_or_is_refused_and_leaves_no_temporary_file(tmp_path, writer):
    """For every writer and name: either ``dest`` holds what the writer wrote (and nothing else appeared),
    or the writer's error (or a refusal) is raised and ``dest`` keeps its old bytes; never a temporary file."""
    for i, name in enumerate(_names(seed=23, n=8)):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        dest = folder / name
        had_old = i % 2 == 0
        if had_old:
            dest.write_bytes(b"old content")
        payload = bytes(range(i, i + 40))
        try:
            with atomic_path(dest) as tmp:
                WRITERS[writer](tmp, payload)
        except (ArtifactError, OSError, KeyboardInterrupt):
            assert folder_state(folder) == ({name: b"old content"} if had_old else {}), (writer, name)
            continue
        assert sorted(p.name for p in folder.iterdir()) == [name], (writer, name)
        if writer == "plain":
            assert dest.read_bytes() == payload
        else:  # the numpy writers land only when the name already carries their ending
            assert name.endswith(".npy" if writer == "np.save" else ".npz"), name
            assert dest.stat().st_size > len(payload)


@pytest.mark.parametrize("name", _names(seed=5, n=6))
def test_save_npy_and_npz_land_at_exactly_the_name_given(tmp_path, name):
    z = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert save_npy(tmp_path / name, z) == tmp_path / name
    assert np.array_equal(np.load(tmp_path / name), z)
    (tmp_path / name).unlink()
    save_npz(tmp_path / name, z=z)
    with np.load(tmp_path / name) as stored:
        assert np.array_equal(stored["z"], z)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_folder_as_destination_is_refused_before_the_block(tmp_path):
    (tmp_path / "out").mkdir()
    ran = []
    with pytest.raises(ArtifactError, match=r"out is a folder; name a file to write"):
        with atomic_path(tmp_path / "out"):
            ran.append(True)
    assert ran == [] and [p.name for p in tmp_path.iterdir()] == ["out"]


# --------------------------------------------------------------------------------------------------
# 2. Destructive commands take the run's lock
# --------------------------------------------------------------------------------------------------
def test_every_destructive_operation_refuses_a_held_run_and_leaves_it(tmp_path):
    """remove_run, get_run(fresh=True) and delete_runs (runs clean --yes) each refuse a run whose lock
    another holder has, naming the holder, and leave it byte for byte."""
    art = tmp_path / "art"
    cfg, path = stand_in_run(art, complete=False)
    before = folder_state(path)
    with run_lock(path):
        assert holder(lock_path(path)) == os.getpid()
        with pytest.raises(RunBusy, match=rf"deleting the run refused: {path} is held by process {os.getpid()}"):
            runs.remove_run(cfg, art)
        with pytest.raises(RunBusy, match=rf"train --fresh refused: {path} is held by process {os.getpid()}"):
            runs.get_run(cfg, art, fresh=True)
        plan = [(entry, "incomplete") for entry in archive.list_runs(art)]
        assert [e.training for e, _ in plan] == [True]
        deleted, kept = archive.delete_runs(plan, art)
        assert deleted == [] and kept == [f"kept runs/{path.name}: {path} is held by process {os.getpid()} "
                                          f"(training, importing or deleting it); wait for it to finish or stop "
                                          f"it, then rerun."]
        assert folder_state(path) == before
    assert holder(lock_path(path)) is None and not lock_path(path).exists()
    runs.remove_run(cfg, art)  # free now: deleted, and its lock file with it
    assert sorted(p.name for p in (art / "runs").iterdir()) == []


def test_clean_checks_again_under_the_lock_what_it_listed(tmp_path):
    """No check-then-delete race: a run listed as incomplete that is finished before the deletion starts
    is kept; one still incomplete is deleted."""
    art = tmp_path / "art"
    _, finished = stand_in_run(art, z_dim=4, complete=False)
    _, abandoned = stand_in_run(art, z_dim=3, complete=False)
    plan = archive.clean_plan(art)
    assert sorted(e.name for e, _ in plan) == sorted([finished.name, abandoned.name])
    runs.write_manifest(finished)  # its trainer finished between the listing and the deletion
    deleted, kept = archive.delete_runs(plan, art)
    assert [e.name for e in deleted] == [abandoned.name]
    assert kept == [f"kept runs/{finished.name}: it changed since it was listed (trained, finished or deleted "
                    f"meanwhile)"]
    assert sorted(p.name for p in (art / "runs").iterdir()) == [finished.name]


# --------------------------------------------------------------------------------------------------
# 4. A damaged artefact is named, not fatal to the rest
# --------------------------------------------------------------------------------------------------
DAMAGE = {
    "not UTF-8": lambda text: b"\xff\xfe" + text,
    "cut short": lambda text: text[: len(text) // 2],
    "empty object": lambda text: b"{}",
    "a list": lambda text: b"[1, 2]",
    "a number": lambda text: b"7",
    "empty": lambda text: b"",
}


@pytest.mark.parametrize("file, damage", list(itertools.product(
    [CONFIG, HISTORY, MANIFEST, CHECKPOINT_STATE], sorted(DAMAGE))))
def test_one_damaged_json_file_is_named_and_the_other_runs_listed(tmp_path, capsys, file, damage):
    art = tmp_path / "art"
    _, good = stand_in_run(art, z_dim=4)
    _, bad = stand_in_run(art, z_dim=3)
    original = (bad / file).read_bytes() if (bad / file).exists() else b'{"epochs_done": 1, "history": []}'
    (bad / file).write_bytes(DAMAGE[damage](original))
    assert main(["runs", "list", "--artifacts-dir", str(art)]) == 0
    out, err = capsys.readouterr()
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:] if not line.startswith("damaged:")}
    assert rows[good.name][-2:] == ["complete", "current"] and err == ""
    (note,) = [line for line in out.splitlines() if line.startswith("damaged:")]
    assert rows[bad.name][-2] == "damaged" and note.startswith(f"damaged: runs/{bad.name}: {file} "), out
    assert note.endswith("; retrain it (train --fresh with its parameters) or delete it")
    assert main(["runs", "clean", "--yes", "--artifacts-dir", str(art)]) == 0
    assert good.is_dir() and bad.is_dir()  # a complete but damaged run is kept, and said
    assert capsys.readouterr().out.startswith(f"kept runs/{bad.name}: damaged ({file} ")


def test_manifest_of_an_empty_object_is_one_line_not_a_key_error(tmp_path):
    art = tmp_path / "art"
    cfg, path = stand_in_run(art)
    (path / MANIFEST).write_text("{}")
    with pytest.raises(ArtifactError, match=r"manifest.json is malformed \(it lists no files"):
        runs.verify_run(path, cfg)
    assert [e.damage for e in archive.list_runs(art)] == ["manifest.json is not a run's manifest file (malformed: "
                                                          "edited, or written by other code)"]


def test_read_json_names_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "h.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(ArtifactError, match=r"h.json is corrupt \(not UTF-8 text: byte 7\); delete it and rerun."):
        read_json(tmp_path / "h.json")


@pytest.mark.parametrize("cut", ["model", "state"])
def test_a_damaged_checkpoint_names_the_file_and_says_rerun_with_fresh(tmp_path, cut):
    from latent_fragments.training import _resume

    cfg, path = stand_in_run(tmp_path / "art", complete=False)
    (path / CHECKPOINT_MODEL).write_bytes(b"PK\x03\x04 cut short")  # a .keras zip cut by Ctrl-C
    state = {"key": cfg.key(), "epochs_done": 1, "history": [{"epoch": 1, "loss": 0.3}]}
    (path / CHECKPOINT_STATE).write_text(json.dumps(state)[: 9 if cut == "state" else None])
    damaged = CHECKPOINT_MODEL if cut == "model" else CHECKPOINT_STATE
    with pytest.raises(ArtifactError, match=rf"{path / damaged} is damaged \(cut short.*\); rerun with --fresh "
                                            rf"\(or delete {path}\) to train this configuration from scratch."):
        _resume(path / CHECKPOINT_MODEL, path / CHECKPOINT_STATE, cfg)


# --------------------------------------------------------------------------------------------------
# the image cache's checksum (verified by prepare, not by every load)
# --------------------------------------------------------------------------------------------------
def test_cache_pixels_changed_in_place_are_found_by_prepare_and_rebuilt(tmp_path):
    spec = DataSpec("synthfaces", n_images=6, image_size=16)
    cache = tmp_path / "cache"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        faces = load_faces(spec, cache, workers=1, progress=False)
    good = np.array(faces.images)
    assert len(faces.meta["pixels_sha256"]) == 64
    raw = bytearray(faces.cache_path.read_bytes())
    raw[faces.images.offset + 5] ^= 0xFF  # one pixel changed in place: size and header as before
    del faces
    faces_path = cache / f"synthfaces-{spec.key()}.npy"
    faces_path.write_bytes(bytes(raw))
    quick = load_faces(spec, cache, workers=1, progress=False)  # an ordinary load checks meta and size only
    assert not np.array_equal(np.asarray(quick.images), good)
    with pytest.warns(UserWarning, match=r"rebuilding the image cache: .*pixels do not match the checksum recorded "
                                         r"when it was built \(changed in place\)"):
        checked = load_faces(spec, cache, workers=1, progress=False, verify=True)
    assert np.array_equal(np.asarray(checked.images), good)


def test_cache_meta_that_is_not_utf8_is_rebuilt_with_a_warning(tmp_path):
    spec = DataSpec("synthfaces", n_images=4, image_size=16)
    cache = tmp_path / "cache"
    load_faces(spec, cache, workers=1, progress=False)
    meta = cache / f"synthfaces-{spec.key()}.meta.json"
    meta.write_bytes(b"\xff" + meta.read_bytes())
    with pytest.warns(UserWarning, match=r"rebuilding the image cache: .*meta.json is unreadable .*not UTF-8"):
        assert len(load_faces(spec, cache, workers=1, progress=False)) == 4


def test_a_file_name_that_is_not_utf8_does_not_stop_the_cache(tmp_path):
    from PIL import Image

    pics = tmp_path / "pics"
    pics.mkdir()
    for name in (b"a.png", b"b\xff.png"):
        Image.new("RGB", (20, 20), (200, 10, 10)).save(os.fsdecode(pics / os.fsdecode(name)))
    faces = load_faces(DataSpec("folder", str(pics), image_size=16), tmp_path / "cache", workers=1, progress=False)
    assert len(faces) == 2 and sorted(faces.labels["filename"]) == ["a.png", os.fsdecode(b"b\xff.png")]
    again = load_faces(DataSpec("folder", str(pics), image_size=16), tmp_path / "cache", workers=1, progress=False)
    assert again.meta["created"] == faces.meta["created"]  # reused, not decoded again


def test_prepare_verifies_the_cache_checksum(tmp_path, capsys):
    art = tmp_path / "art"
    args = ["prepare", "--n-images", "4", "--artifacts-dir", str(art)]
    assert main(args) == 0
    (npy,) = (art / "cache").glob("*.npy")
    raw = bytearray(npy.read_bytes())
    raw[-1] ^= 0xFF
    npy.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match=r"pixels do not match the checksum recorded when it was built"):
        assert main(args) == 0
    assert npy.read_bytes()[-1] == raw[-1] ^ 0xFF  # rebuilt as it was
    assert "4 images" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------------
# 8. an interrupt ends with one line that is true for its command
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command, expected", [
    ("prepare", "interrupted: the image cache was not finished (its partial file is removed); rerun the same "
                "command to build it."),
    ("encode", "interrupted: no z-points were written; rerun the same command."),
    ("train", "interrupted: the last finished epoch is checkpointed; rerun the same command to resume."),
])
def test_an_interrupt_says_what_is_true_for_its_command(tmp_path, capsys, monkeypatch, command, expected):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "load_data", interrupt)
    monkeypatch.setattr(runs, "get_run", interrupt)
    extra = ["--output", str(tmp_path / "z.npy")] if command == "encode" else []
    assert main([command, "--n-images", "4", "--artifacts-dir", str(tmp_path / "art"), *extra]) == 130
    assert capsys.readouterr().err == expected + "\n"
    assert not (tmp_path / "z.npy").exists()


# --------------------------------------------------------------------------------------------------
# 5. a training that diverges is not stored as a result
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss, val_loss", [(float("nan"), 0.1), (0.2, float("inf")), (float("-inf"), None)])
def test_a_diverged_training_is_not_stored_as_a_run(tmp_path, monkeypatch, loss, val_loss):
    cfg = RunConfig(n_images=4, z_dim=2, epochs=2, batch_size=2, filters=(4, 4, 4, 4))
    row = {"epoch": 2, "loss": loss, **({"val_loss": val_loss} if val_loss is not None else {})}
    monkeypatch.setattr(runs, "fit", lambda *a, **k: (None, [{"epoch": 1, "loss": 0.3}, row]))
    bad = "loss" if not np.isfinite(loss) else "val_loss"
    with pytest.raises(ArtifactError, match=rf"the training of runs/{cfg.run_name()} diverged \(epoch 2: {bad} "
                                            rf"-?(nan|inf)\); it is not stored as a result. Lower --learning-rate "
                                            rf"\(now 0.0005\) or change --seed"):
        runs.get_run(cfg, tmp_path / "art", log=lambda s: None)
    assert not (runs.run_dir(cfg, tmp_path / "art") / MANIFEST).exists()
    assert runs.divergence([{"epoch": 1, "loss": 0.3, "val_loss": 0.4}]) is None


def test_the_next_write_to_a_name_removes_what_a_killed_writer_of_it_left(tmp_path):
    import subprocess
    import sys

    from latent_fragments.artifacts import HOST

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f".z.{dead.pid}@{HOST}.abcdefgh.tmp"  # a writer of `z` killed mid-write (SIGKILL)
    left.write_bytes(b"half")
    live = tmp_path / f".z.{os.getpid()}@{HOST}.ijklmnop.tmp"  # a live writer's: kept
    live.write_bytes(b"being written")
    other = tmp_path / f".y.{dead.pid}@{HOST}.qrstuvwx.tmp"  # another name's: left to that name's next write
    other.write_bytes(b"half")
    save_npy(tmp_path / "z", np.zeros(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "z"])


# --------------------------------------------------------------------------------------------------
# 5. numeric options that make a run meaningless are refused when the configuration is made
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("option, value, expected", [
    ("--learning-rate", "inf", "error: learning_rate must be a positive finite number, got inf"),
    ("--learning-rate", "nan", "error: learning_rate must be a positive finite number, got nan"),
    ("--learning-rate", "-0.1", "error: learning_rate must be a positive finite number, got -0.1"),
    ("--seed", str(2**32 - 1), "error: seed must be below 2**31 = 2147483648 (numpy, Keras and the backend are "
                               "seeded with it, a resumed run with it plus the epoch), got 4294967295."),
    ("--seed", str(2**40), "error: seed must be below 2**31"),
    ("--split-seed", str(2**31), "error: split_seed must be below 2**31"),
])
def test_a_value_that_makes_a_run_meaningless_is_refused_before_any_data(tmp_path, capsys, monkeypatch, option,
                                                                       value, expected):
    def prepared(*args, **kwargs):
        raise AssertionError("the data were prepared")

    monkeypatch.setattr(runs, "load_data", prepared)
    monkeypatch.setattr(runs, "get_run", prepared)
    art = tmp_path / "art"
    assert main(["train", "--n-images", "4", "--artifacts-dir", str(art), option, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err
    assert not art.exists()
    with pytest.raises(ConfigError, match="learning_rate must be a positive finite number"):
        RunConfig(learning_rate=float("inf"))
    assert RunConfig(seed=2**31 - 1).seed == 2**31 - 1
    with pytest.raises(ConfigError, match="seeds must be below 2\\*\\*31"):
        parse_seeds([0, 2**31])


# --------------------------------------------------------------------------------------------------
# 6. data sources never hang and never shift
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def alarm():
    """Fail instead of hanging: SIGALRM after 30 s interrupts a blocking open (of a named pipe)."""
    def expired(signum, frame):
        raise TimeoutError("hung: a file that is not a regular file was opened and waited on")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_files_that_are_not_regular_files_are_skipped_and_never_waited_on(tmp_path, alarm):
    from PIL import Image

    pics = tmp_path / "pics"
    pics.mkdir()
    for name in ("a.png", "b.png"):
        Image.new("RGB", (20, 20), (200, 10, 10)).save(pics / name)
    os.mkfifo(pics / "pipe.png")  # an open for reading waits for a writer: forever
    (pics / "gone.png").symlink_to(tmp_path / "deleted.png")  # a link to nothing
    (pics / "zero.jpg").symlink_to("/dev/zero")  # a device: never ends
    expected = {"pipe.png": "a named pipe", "gone.png": "a link to a missing file", "zero.jpg": "a character device"}
    with contextlib.suppress(OSError):  # a device file of its own (root only)
        os.mknod(pics / "null.png", 0o644 | stat.S_IFCHR, os.makedev(1, 3))
        expected["null.png"] = "a character device"
    for workers in (1, 2):
        with pytest.warns(UserWarning) as caught:
            faces = load_faces(DataSpec("folder", str(pics), image_size=16), tmp_path / f"cache{workers}",
                               workers=workers, progress=False)
        (message,) = [str(w.message) for w in caught]
        assert message.startswith(f"skipped {len(expected)} unreadable image file(s) of {len(expected) + 2} in folder")
        for name, kind in expected.items():
            assert f"{name} (OSError: not a regular file: {kind})" in message, message
        assert len(faces) == 2 and list(faces.labels["filename"]) == ["a.png", "b.png"]


def test_a_cache_is_never_left_without_its_meta_json(tmp_path, monkeypatch):
    """Whatever stops the cache's last writes (a file name the writer cannot encode, a full disk, Ctrl-C), the
    ``.npy`` goes with them: a cache without meta.json would be decoded again by every rerun."""
    from PIL import Image

    from latent_fragments.data import cache

    pics = tmp_path / "pics"
    pics.mkdir()
    for name in (b"a.png", b"b\xff.png"):
        Image.new("RGB", (20, 20), (10, 200, 10)).save(os.fsdecode(pics / os.fsdecode(name)))
    spec = DataSpec("folder", str(pics), image_size=16)
    real = cache.write_json
    for failure in (UnicodeEncodeError("utf-8", "b\udcff.png", 1, 2, "surrogates not allowed"),
                    OSError(28, "No space left on device"), KeyboardInterrupt()):
        def fail(path, obj, failure=failure):
            raise failure

        monkeypatch.setattr(cache, "write_json", fail)
        with pytest.raises(type(failure)):
            load_faces(spec, tmp_path / "cache", workers=1, progress=False)
        assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")] == []
    monkeypatch.setattr(cache, "write_json", real)
    assert len(load_faces(spec, tmp_path / "cache", workers=1, progress=False)) == 2


@pytest.mark.parametrize("damage, expected", [
    ("undecodable", r"list_attr_celeba.txt is not UTF-8 text \(byte 0xff on line 4\); label files are read as "
                    r"UTF-8 \(CelebA's are ASCII\): fix or remove it."),
    ("header_short", r"list_attr_celeba.txt's header names 39 column\(s\) after the file name, its rows hold 40 "
                     r"value\(s\); is it the standard list_attr_celeba.txt\? Fix or remove it."),
    ("header_long", r"list_attr_celeba.txt's header names 41 column\(s\) after the file name, its rows hold 40"),
    ("count", r"list_attr_celeba.txt says it holds 13 rows \(line 1\) but holds 12; fix or remove it."),
    ("no_count", r"list_attr_celeba.txt lacks its header \(line 1 the number of rows, line 2 the attribute names\)"),
    ("twice", r"list_attr_celeba.txt names a column twice in its header"),
    ("csv_short", r"list_attr_celeba.csv's header names 39 column\(s\) after the file name, its rows hold 40"),
])
def test_a_label_file_is_read_in_its_encoding_and_checked_against_its_header(tmp_path, damage, expected):
    """A header one name short would shift every attribute onto its neighbour's values: refused, as are
    bytes that are not UTF-8 (one line naming the byte and its line) and a wrong row count."""
    from test_data import make_celeba_dir

    root = make_celeba_dir(tmp_path / "celeba")
    attr = root / "list_attr_celeba.txt"
    lines = attr.read_bytes().split(b"\n")
    if damage == "undecodable":
        lines[3] = lines[3].replace(b".jpg", b"\xff.jpg")
    elif damage in ("header_short", "csv_short"):
        lines[1] = lines[1].rsplit(b" ", 1)[0]
    elif damage == "header_long":
        lines[1] += b" Extra"
    elif damage == "count":
        lines[0] = b"13"
    elif damage == "no_count":
        lines.pop(0)
    elif damage == "twice":
        lines[1] = lines[1].replace(b"Male", b"Smiling")
    attr.write_bytes(b"\n".join(lines))
    if damage == "csv_short":  # Kaggle's copy: the header names the file column too
        rows = [b",".join(line.split()) for line in lines[2:] if line]
        attr.with_suffix(".csv").write_bytes(b"\n".join([b"image_id," + b",".join(lines[1].split()), *rows]))
        attr.unlink()
    with pytest.raises(DataError, match=expected) as raised:
        load_faces(DataSpec("celeba", str(root)), tmp_path / "cache", workers=1, progress=False)
    assert "\n" not in str(raised.value)
    assert not list((tmp_path / "cache").glob("*.npy"))  # refused before any pixel is decoded


# --------------------------------------------------------------------------------------------------
# 7. sweep grid files and option combinations: one line naming the key
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def planned(monkeypatch) -> list:
    """The plans ``sweep`` hands to the sweep, which is replaced: nothing is trained."""
    import latent_fragments.sweep as sweep

    plans: list = []
    monkeypatch.setattr(sweep, "run_sweep", lambda plan, *a, **k: plans.append(plan) or pd.DataFrame())
    monkeypatch.setattr(sweep, "summarise", lambda table: table)
    return plans


@pytest.mark.parametrize("text, expected", [
    ("seeds = [0]\n[base]\nz_dim = \n", "grid.toml: not valid TOML: Invalid value (at line 3, column 9)."),
    ("[base]\nz_dim = 4\n[base]\n", "grid.toml: not valid TOML: Cannot declare ('base',) twice (at line 3"),
    ("a = 1\n\udcff = 1\n", "grid.toml: not UTF-8 text (byte 0xff on line 2); a grid is TOML, which is UTF-8."),
    ("[base]\nz_dim = \"abc\"\n", "grid.toml: [base]: z_dim='abc' is not a valid value for z_dim."),
    ("[base]\nz_dim = 2.5\n", "grid.toml: [base]: z_dim must be a positive integer, got 2.5 (float)"),
    ("[base]\nlearning_rate = inf\n", "grid.toml: [base]: learning_rate must be a positive finite number, got inf"),
    ("[base]\ndropout = 0.1\n", "grid.toml: [base]: unknown key 'dropout'; use dataset, data_dir, "),
    ("[base]\nseed = 3\n", "grid.toml: [base]: seed is not set in a grid; its model seeds are the list seeds"),
    ("base = 3\n", "grid.toml: [base] must be a table, got 3."),
    ("[variants]\nv = 3\n", "grid.toml: variant 'v' must be a table, got 3."),
    ("[variants]\nv = {dropout = 1}\n", "grid.toml: variant 'v': unknown key 'dropout'; use dataset, "),
    ("[variants]\nv = {seed = 1}\n", "grid.toml: variant 'v': seed is not set in a grid"),
    ("[variants]\nv = {model = [\"ae\"]}\n", "grid.toml: variant 'v': model must be one of ('ae', 'vae'), got ('ae',)"),
    ("[variants]\nv = {seeds = \"01\"}\n", "grid.toml: variant 'v': seeds='01' is ambiguous"),
    ("variants = 5\n", "grid.toml: [variants] must be a table, got 5."),
    ("seeds = \"01\"\n", "grid.toml: seeds='01' is ambiguous: write the seeds separated by commas"),
    ("seeds = [4294967295]\n", "grid.toml: seeds must be below 2**31 = 2147483648"),
    ("seeds = 1.5\n", "grid.toml: seeds must be a list of non-negative integers"),
    ("[settings]\nn_boot = \"x\"\n", "grid.toml: [settings]: n_boot must be an integer of at least 0, got 'x'."),
    ("[settings]\nquality = 1\n", "grid.toml: [settings]: quality must be true or false, got 1."),
    ("[settings]\nbogus = 1\n", "grid.toml: [settings]: unknown key 'bogus'; use quality, verdict_draws, "),
    ("[grid]\n", "grid.toml: unknown key 'grid'; use seeds, base, variants, settings."),
])
def test_a_bad_grid_file_is_one_line_naming_its_key(tmp_path, capsys, planned, text, expected):
    grid = tmp_path / "grid.toml"
    grid.write_bytes(text.encode("utf-8", "surrogateescape"))
    art = tmp_path / "art"
    assert main(["sweep", "--grid", str(grid), "--artifacts-dir", str(art)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}/{expected}") and err.count("\n") == 1, err
    assert not art.exists() and planned == []


@pytest.mark.parametrize("options, expected", [
    (["--z-dim", "3"], "error: --z-dim is also set by {grid} (z_dim in [base]); give it in one place."),
    (["--epochs", "2"], "error: --epochs is also set by {grid} (epochs in variant 'long'); give it in one place."),
    (["--verdict-draws", "3"], "error: --verdict-draws is also set by {grid} (verdict_draws in [settings]); give "),
    (["--seed", "1"], "error: sweep runs every variant once per seed of --seeds (or of the grid's seeds); --seed is "
                      "not used: remove it."),
    (["--vary", "z_dim=3,4"], "error: --vary and --grid both give the grid; use one"),
    (["--gpus-per-run", "1"], "error: --gpus-per-run asks the workers of --scheduler for GPUs; give --scheduler"),
])
def test_an_option_the_grid_sets_too_is_refused(tmp_path, capsys, planned, options, expected):
    grid = tmp_path / "grid.toml"
    grid.write_text("[base]\nz_dim = 4\n[variants]\nshort = {}\nlong = {epochs = 2}\n[settings]\nverdict_draws = 0\n")
    assert main(["sweep", "--grid", str(grid), "--artifacts-dir", str(tmp_path / "art"), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected.format(grid=grid)) and err.count("\n") == 1, err
    assert planned == []


def test_the_options_a_grid_leaves_open_are_applied(tmp_path, planned):
    grid = tmp_path / "grid.toml"
    grid.write_text("[base]\nz_dim = 4\nn_images = 40\n[variants]\nae = {}\nvae = {model = \"vae\"}\n")
    assert main(["sweep", "--grid", str(grid), "--artifacts-dir", str(tmp_path / "art"), "--seeds", "3,4",
                 "--epochs", "1", "--no-quality", "--n-fake", "7"]) == 0
    (plan,) = planned
    assert [(name, cfg.seed, cfg.epochs, cfg.z_dim) for name, cfg in plan.runs] == [
        ("ae", 3, 1, 4), ("ae", 4, 1, 4), ("vae", 3, 1, 4), ("vae", 4, 1, 4)]
    assert (plan.settings.quality, plan.settings.n_fake) == (False, 7)


# --------------------------------------------------------------------------------------------------
# 8. an interrupted or killed prepare leaves no worker process
# --------------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            return [child.pid for child in psutil.Process(pid).children()]
        return []
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    return False


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigkill"])
def test_an_interrupted_or_killed_prepare_leaves_no_worker_running(tmp_path, how):
    """``prepare`` of 3000 faces in 2 worker processes, stopped once they render: Ctrl-C (to the process
    group, as a terminal sends it) and SIGTERM end with the one interrupt line and no partial file; after
    SIGKILL too, the workers are gone within seconds (they watch their parent), not left running orphaned."""
    import subprocess
    import sys
    import time

    art, out, err = tmp_path / "art", open(tmp_path / "out", "w"), open(tmp_path / "err", "w")
    parent = subprocess.Popen([sys.executable, "-m", "latent_fragments", "prepare", "--n-images", "3000",
                               "--artifacts-dir", str(art)], stdout=out, stderr=err, start_new_session=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.1)
            workers = [pid for pid in _children(parent.pid)
                       if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
        assert len(workers) == 2, (workers, (tmp_path / "err").read_text())
        time.sleep(1.0)  # rendering
        if how == "ctrl-c":
            os.killpg(parent.pid, signal.SIGINT)
        else:
            parent.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        code = parent.wait(timeout=60)
        deadline = time.monotonic() + 5
        while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _running(pid)] == []
    finally:
        for pid in [*workers, parent.pid]:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        out.close()
        err.close()
    if how != "sigkill":
        assert code == 130
        assert (tmp_path / "err").read_text() == ("interrupted: the image cache was not finished (its partial file "
                                                   "is removed); rerun the same command to build it.\n")
        assert [p.name for p in (art / "cache").iterdir() if not p.name.endswith(".lock")] == []
