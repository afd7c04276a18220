"""``latent-fragments runs list|export|import|clean``: a run moved as one archive, verified on arrival,
and the clean-up of what no configuration can reuse (chapter 1)."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

import latent_fragments.config as config
import latent_fragments.runs as runs
from latent_fragments.archive import folder_bytes, human_size, list_runs
from latent_fragments.cli import main
from latent_fragments.config import RunConfig
from latent_fragments.layout import MANIFEST, RUN_FILES
from latent_fragments.locks import run_lock

#: What an archive holds: the manifest and the files it lists.
ARCHIVED = {MANIFEST, *RUN_FILES}

# the configuration of the shared trained run (conftest: `trained_art`, copies: `trained`)
TINY = dict(n_images=24, z_dim=4, epochs=1, batch_size=8, filters=(4, 4, 4, 4))


def runs_cli(capsys, art: Path, *args: str) -> tuple[int, str, str]:
    """``latent-fragments runs ACTION --artifacts-dir art ...`` in-process: (exit code, stdout, stderr)."""
    code = main(["runs", args[0], "--artifacts-dir", str(art), *args[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(code: int, err: str, *expected: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (code, err)
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def files_under(root: Path) -> dict[str, str]:
    """relative name -> sha256 of every file below ``root``."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}


def rewrite_tar(src: Path, dest: Path, change) -> None:
    """Copy the tar.gz ``src`` to ``dest``, passing each member and its bytes through ``change``."""
    with tarfile.open(src, "r:gz") as tin, tarfile.open(dest, "w:gz") as tout:
        for member in tin.getmembers():
            data = tin.extractfile(member).read() if member.isfile() else None
            member, data = change(member, data)
            if data is not None:
                member.size = len(data)
            tout.addfile(member, io.BytesIO(data) if data is not None else None)


# --------------------------------------------------------------------------------------------------
# list
# --------------------------------------------------------------------------------------------------
def test_list_shows_every_run_with_its_state(trained, capsys):
    cfg, art, path = trained
    other = dataclasses.replace(cfg, z_dim=3)
    half = runs.run_dir(other, art)  # an interrupted run: config and checkpoint state, no manifest
    half.mkdir()
    (half / "config.json").write_text(json.dumps({"key": other.key(), "config": other.as_dict()}))
    (half / "checkpoint.json").write_text(json.dumps({"epochs_done": 0, "history": []}))
    code, out, _ = runs_cli(capsys, art, "list")
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.split() == ["run", "dataset", "z_dim", "epochs", "size", "state", "key"]
    assert [row.split()[0] for row in rows] == sorted([path.name, half.name])
    done = rows[[r.split()[0] for r in rows].index(path.name)].split()
    assert done[1:4] == ["synthfaces", "4", "1/1"] and done[-2:] == ["complete", "current"]
    assert " ".join(done[4:6]) == human_size(folder_bytes(path))
    half_row = rows[[r.split()[0] for r in rows].index(half.name)].split()
    assert half_row[1:4] == ["synthfaces", "3", "0/1"] and half_row[-2:] == ["incomplete", "current"]
    with run_lock(half):  # a process is training it
        assert [e.training for e in list_runs(art) if e.name == half.name] == [True]


def test_list_of_an_empty_artefact_directory(tmp_path, capsys):
    assert runs_cli(capsys, tmp_path / "art", "list")[:2] == (0, f"no runs under {tmp_path / 'art' / 'runs'}\n")


# --------------------------------------------------------------------------------------------------
# export and import
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ending", [".tar.gz", ".zip"])
def test_exported_run_is_imported_elsewhere_and_found_by_its_parameters(trained, tmp_path, capsys, monkeypatch,
                                                                       ending):
    cfg, art, path = trained
    archive = tmp_path / f"moved{ending}"
    code, out, _ = runs_cli(capsys, art, "export", path.name, "--to", str(archive))
    assert code == 0 and out.startswith(f"exported {path.name} to {archive} (")
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
    laptop = tmp_path / "laptop"
    code, out, _ = runs_cli(capsys, laptop, "import", str(archive))
    assert (code, out) == (0, f"imported {path.name} into {laptop / 'runs'}\n")
    # the manifest and the files it lists travel; derived files (history.csv) are rebuilt where needed
    assert files_under(laptop / "runs" / path.name) == {k: v for k, v in files_under(path).items() if k in ARCHIVED}
    assert sorted(p.name for p in (laptop / "runs").iterdir()) == [path.name]  # no staging folder, no lock
    monkeypatch.setattr(runs, "fit", lambda *a, **k: pytest.fail("retrained an imported run"))
    run = runs.get_run(cfg, laptop)
    assert np.array_equal(np.asarray(run.z_test), np.load(path / "z_test.npy"))
    code, out, _ = runs_cli(capsys, laptop, "import", str(archive))  # again: nothing changes
    assert (code, out) == (0, f"{path.name} is already present in {laptop / 'runs'}\n")


def test_export_defaults_to_a_tar_gz_in_the_current_folder(trained, tmp_path, capsys, monkeypatch):
    _, art, path = trained
    monkeypatch.chdir(tmp_path)
    assert runs_cli(capsys, art, "export", str(path))[0] == 0  # a path works as well as the name
    with tarfile.open(tmp_path / f"{path.name}.tar.gz") as tf:
        assert sorted(tf.getnames()) == sorted(f"{path.name}/{name}" for name in ARCHIVED)


def test_export_refuses_an_incomplete_or_unknown_run(trained, tmp_path, capsys):
    _, art, path = trained
    (path / "manifest.json").unlink()
    dest = tmp_path / "out.tar.gz"
    one_error(*runs_cli(capsys, art, "export", path.name, "--to", str(dest))[::2],
              f"error: {path} is not a complete run (no manifest.json", "it is not exported")
    one_error(*runs_cli(capsys, art, "export", "synthfaces-z4-000000000000")[::2],
              "error: no run folder 'synthfaces-z4-000000000000'", "runs list")
    one_error(*runs_cli(capsys, art, "export", path.name, "--to", str(tmp_path / "out.rar"))[::2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["art"]  # no archive, no temporary file


@pytest.fixture
def exported(trained, tmp_path, capsys):
    cfg, art, path = trained
    archive = tmp_path / "run.tar.gz"
    assert runs_cli(capsys, art, "export", path.name, "--to", str(archive))[0] == 0
    return path, archive


def test_import_refuses_a_tampered_archive_and_leaves_nothing(exported, tmp_path, capsys):
    path, archive = exported
    tampered = tmp_path / "tampered.tar.gz"

    def flip_a_byte(member, data):
        if member.name.endswith("z_train.npy"):
            data = data[:-1] + bytes([data[-1] ^ 1])
        return member, data

    rewrite_tar(archive, tampered, flip_a_byte)
    laptop = tmp_path / "laptop"
    one_error(*runs_cli(capsys, laptop, "import", str(tampered))[::2],
              f"error: {tampered} is refused: its run {path.name} has z_train.npy that does not match its "
              "manifest (truncated or changed); nothing was imported.")
    assert files_under(laptop) == {} and list((laptop / "runs").iterdir()) == []


def test_import_refuses_a_truncated_archive(exported, tmp_path, capsys):
    path, archive = exported
    laptop = tmp_path / "laptop"
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    one_error(*runs_cli(capsys, laptop, "import", str(cut))[::2], f"error: {cut} is truncated or damaged (",
              "export the run again and copy the whole file.")
    zipped = tmp_path / "run.zip"
    assert runs_cli(capsys, path.parent.parent, "export", path.name, "--to", str(zipped))[0] == 0
    cut_zip = tmp_path / "cut.zip"
    cut_zip.write_bytes(zipped.read_bytes()[:-100])  # the central directory lost
    one_error(*runs_cli(capsys, laptop, "import", str(cut_zip))[::2],
              f"error: {cut_zip} is not a readable .tar.gz or .zip run archive (cut short", "copy it again.")
    one_error(*runs_cli(capsys, laptop, "import", str(tmp_path / "absent.tar.gz"))[::2], "no archive at")
    assert files_under(laptop) == {}


@pytest.mark.parametrize("evil", ["../outside.txt", "/tmp/outside.txt", "{run}/../../outside.txt",
                                  "{run}/link", "other-z4-0123456789ab/x"])
def test_import_refuses_unsafe_member_names(exported, tmp_path, capsys, evil):
    path, archive = exported
    bad = tmp_path / "bad.tar.gz"
    name = evil.format(run=path.name)
    with tarfile.open(archive, "r:gz") as tin, tarfile.open(bad, "w:gz") as tout:
        for member in tin.getmembers():
            tout.addfile(member, tin.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo(name)
        if name.endswith("link"):
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tout.addfile(info)
        else:
            info.size = 4
            tout.addfile(info, io.BytesIO(b"evil"))
    laptop = tmp_path / "laptop" / "art"
    code, _, err = runs_cli(capsys, laptop, "import", str(bad))
    one_error(code, err, f"error: {bad} ")
    assert files_under(tmp_path / "laptop") == {}
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "laptop" / "outside.txt").exists()


def test_import_over_a_different_run_of_the_same_name_is_refused(exported, tmp_path, capsys):
    path, archive = exported
    laptop = tmp_path / "laptop"
    assert runs_cli(capsys, laptop, "import", str(archive))[0] == 0
    target = laptop / "runs" / path.name
    (target / "manifest.json").write_text(json.dumps({"files": {}}))  # another run's manifest
    before = files_under(laptop)
    one_error(*runs_cli(capsys, laptop, "import", str(archive))[::2], f"error: {target} exists and differs")
    assert files_under(laptop) == before


def test_import_removes_what_a_killed_import_left(exported, tmp_path, capsys):
    path, archive = exported
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    laptop = tmp_path / "laptop"
    left = laptop / "runs" / f".import.{proc.pid}.k2j3h4g5"  # a dead process's staging folder
    (left / path.name).mkdir(parents=True)
    (left / path.name / "z_train.npy").write_bytes(b"half")
    live = laptop / "runs" / f".import.{os.getpid()}.a1b2c3d4"  # a live one's (this process): kept
    live.mkdir()
    assert runs_cli(capsys, laptop, "import", str(archive))[0] == 0
    assert sorted(p.name for p in (laptop / "runs").iterdir()) == sorted([path.name, live.name])


# --------------------------------------------------------------------------------------------------
# clean
# --------------------------------------------------------------------------------------------------
def old_code_version_run(cfg: RunConfig, art: Path, monkeypatch) -> Path:
    """A copy of ``cfg``'s run as code version 2 stored it: the key that version gave, in its name."""
    with monkeypatch.context() as mp:
        mp.setattr(config, "CODE_VERSION", 2)
        old_key = dataclasses.replace(cfg).key()
    assert old_key != cfg.key()
    src = runs.run_dir(cfg, art)
    old = src.parent / f"synthfaces-z4-{old_key}"
    shutil.copytree(src, old)
    (old / "config.json").write_text(json.dumps({"key": old_key, "config": cfg.as_dict()}))
    runs.write_manifest(old)
    return old


def test_clean_lists_then_deletes_incomplete_and_stale_runs_only(trained, tmp_path, capsys, monkeypatch):
    cfg, art, current = trained
    stale = old_code_version_run(cfg, art, monkeypatch)
    incomplete = current.parent / "synthfaces-z4-aaaaaaaaaaaa"
    shutil.copytree(current, incomplete)
    (incomplete / "manifest.json").unlink()
    busy = current.parent / "synthfaces-z4-bbbbbbbbbbbb"  # being trained by another process: kept
    busy.mkdir()
    pics = tmp_path / "pics"  # a folder run whose images are not on this machine: its key cannot be checked
    foreign = current.parent / "folder-z4-cccccccccccc"
    shutil.copytree(current, foreign)
    stored = json.loads((foreign / "config.json").read_text())
    stored["config"].update(dataset="folder", data_dir=str(pics), n_images=None)
    (foreign / "config.json").write_text(json.dumps(stored))
    runs.write_manifest(foreign)  # intact, as its own machine wrote it
    with run_lock(busy):
        before = files_under(art)
        code, out, _ = runs_cli(capsys, art, "clean")
        assert code == 0 and files_under(art) == before  # without --yes nothing is deleted
        sizes = {p: human_size(folder_bytes(p)) for p in (incomplete, stale)}
        assert out.splitlines() == [
            f"would delete runs/{incomplete.name} ({sizes[incomplete]}): incomplete (no manifest)",
            f"would delete runs/{stale.name} ({sizes[stale]}): stale (its configuration gives another key "
            "under this code)",
            f"2 runs, {human_size(folder_bytes(incomplete) + folder_bytes(stale))}; nothing deleted: rerun with "
            "--yes to delete them"]
        freed = folder_bytes(incomplete) + folder_bytes(stale)
        code, out, _ = runs_cli(capsys, art, "clean", "--yes")
    assert code == 0 and out.splitlines()[-1] == f"deleted 2 runs, freed {human_size(freed)}"
    assert sorted(p.name for p in (art / "runs").iterdir()) == sorted([current.name, busy.name, foreign.name])
    assert runs_cli(capsys, art, "clean")[1].splitlines() == [  # its trainer has gone: now it is cleaned
        f"would delete runs/{busy.name} (0 B): incomplete (no manifest)",
        "1 run, 0 B; nothing deleted: rerun with --yes to delete them"]
    busy.rmdir()
    assert runs_cli(capsys, art, "clean")[1] == ("nothing to clean: every run is complete and current (or being "
                                                 "trained)\n")
    runs.load_run(cfg, art)  # the current run is intact
