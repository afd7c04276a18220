"""The run-archive importer admits only what the manifest lists, within limits (issue 23, class 3;
chapter 1): the named examples of the issue, as tests. The property that any archive at all ends in
success or one ``error:`` line, never a traceback, a file outside the artefact folder, a partly imported
run or a staging folder left behind, is tested with Hypothesis in ``tests/test_properties.py``, which
builds its archives with the helpers here.

No model is trained: the run is made of small stand-in files with a real config and manifest.
"""
from __future__ import annotations

import io
import json
import stat
import tarfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from latent_fragments import archive
from latent_fragments.cli import main
from latent_fragments.layout import CONFIG, MANIFEST, RUN_FILES
from latent_fragments.runs import write_manifest

from test_faults_classes import stand_in_run


@dataclass
class Member:
    name: str
    data: bytes = b""
    kind: str = "file"  # file, dir, symlink, hardlink, fifo, chr
    declared: int | None = None  # a tar header's size, if not len(data)


def run_members(run: Path) -> list[Member]:
    """The members ``runs export`` writes for the run folder ``run``: its manifest and the files it lists."""
    return [Member(f"{run.name}/{name}", (run / name).read_bytes()) for name in (MANIFEST, *RUN_FILES)]


def write_archive(dest: Path, members: list[Member]) -> Path:
    """A .tar.gz, .tar or .zip of ``members`` exactly as given (bad names, links, devices included)."""
    if dest.name.endswith(".zip"):
        modes = {"file": stat.S_IFREG | 0o644, "dir": stat.S_IFDIR | 0o755, "symlink": stat.S_IFLNK | 0o777,
                 "hardlink": stat.S_IFREG | 0o644, "fifo": stat.S_IFIFO | 0o644, "chr": stat.S_IFCHR | 0o644}
        with warnings.catch_warnings(), zipfile.ZipFile(dest, "w") as zf:
            warnings.simplefilter("ignore")  # duplicate names, on purpose
            for m in members:
                info = zipfile.ZipInfo(m.name + ("/" if m.kind == "dir" else ""))
                info.external_attr = modes[m.kind] << 16
                zf.writestr(info, m.data if m.kind != "symlink" else b"/etc/passwd")
        return dest
    with tarfile.open(dest, "w:gz" if dest.name.endswith(".gz") else "w") as tf:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                         "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE}[m.kind]
            if m.kind in ("symlink", "hardlink"):
                info.linkname = "/etc/passwd"
            if m.kind == "file":
                info.size = len(m.data)
                tf.addfile(info, io.BytesIO(m.data))
            else:
                tf.addfile(info)
    return dest


def import_cli(capsys, art: Path, source: Path) -> tuple[int, str, str]:
    code = main(["runs", "import", "--artifacts-dir", str(art), str(source)])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(code: int, err: str, *expected: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, (code, err)
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


@pytest.fixture(scope="module")
def source_run(tmp_path_factory):
    art = tmp_path_factory.mktemp("src") / "art"
    return stand_in_run(art)


# --------------------------------------------------------------------------------------------------
# the examples
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ending", [".tar.gz", ".zip"])
def test_a_member_the_manifest_does_not_list_is_left_out_and_said(source_run, tmp_path, capsys, ending):
    _, run = source_run
    smuggled = Member(f"{run.name}/headline-0123456789ab.json", json.dumps({"fd": 0.0}).encode())
    source = write_archive(tmp_path / f"run{ending}", [*run_members(run), smuggled])
    code, out, err = import_cli(capsys, tmp_path / "art", source)
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == ("left out 1 member(s) its manifest does not list (not written): "
                                   "headline-0123456789ab.json")
    assert sorted(p.name for p in (tmp_path / "art" / "runs" / run.name).iterdir()) == sorted([MANIFEST, *RUN_FILES])


@pytest.mark.parametrize("kind", ["symlink", "fifo", "chr", "hardlink"])
@pytest.mark.parametrize("ending", [".tar.gz", ".zip"])
def test_a_link_or_device_member_is_refused(source_run, tmp_path, capsys, kind, ending):
    _, run = source_run
    members = [m for m in run_members(run) if not m.name.endswith("z_test.npy")]
    source = write_archive(tmp_path / f"run{ending}", [*members, Member(f"{run.name}/z_test.npy", kind=kind)])
    code, _, err = import_cli(capsys, tmp_path / "art", source)
    if ending == ".zip" and kind == "hardlink":  # zip has no hard links: a plain file of 0 bytes
        one_error(code, err, "z_test.npy declares 0 bytes, its manifest")
    else:
        one_error(code, err, f"holds '{run.name}/z_test.npy', ", "not imported")
    assert tree(tmp_path / "art" / "runs") == []


@pytest.mark.parametrize("top", ["synthfaces-z04-{key}", "synthfaces-z4-{key}\n", "synthfaces-z4-{key} ",
                                 "synthfaces-z\u0664-{key}", "Synthfaces-z4-{key}"])
def test_the_top_folder_name_is_parsed_strictly(source_run, tmp_path, capsys, top):
    _, run = source_run
    new = top.format(key=run.name.rsplit("-", 1)[1])
    members = [Member(m.name.replace(run.name, new, 1), m.data) for m in run_members(run)]
    code, _, err = import_cli(capsys, tmp_path / "art", write_archive(tmp_path / "run.tar.gz", members))
    one_error(code, err, "is not a run archive: it must hold exactly one run folder")
    assert tree(tmp_path / "art" / "runs") == []


def test_a_hand_edited_config_behind_a_rewritten_manifest_is_refused(source_run, tmp_path, capsys):
    _, run = source_run
    edited = tmp_path / "edited" / run.name
    edited.parent.mkdir()
    import shutil

    shutil.copytree(run, edited)
    stored = json.loads((edited / CONFIG).read_text())
    stored["config"]["epochs"] = 40  # the key (and the folder's name) no longer match
    (edited / CONFIG).write_text(json.dumps(stored))
    write_manifest(edited)
    code, _, err = import_cli(capsys, tmp_path / "art", write_archive(tmp_path / "run.zip", run_members(edited)))
    one_error(code, err, f"its run {run.name} has a config.json whose configuration gives another key under this "
                         "code than its name (edited by hand, or written by another version of this code)")
    assert tree(tmp_path / "art" / "runs") == []


def test_sizes_are_checked_against_the_limits_before_anything_is_written(source_run, tmp_path, capsys,
                                                                        monkeypatch):
    _, run = source_run
    source = write_archive(tmp_path / "run.tar.gz", run_members(run))
    monkeypatch.setattr(archive, "_extract", lambda *a: pytest.fail("unpacked before the limits were checked"))
    monkeypatch.setattr(archive, "MAX_IMPORT_BYTES", 100)
    one_error(*import_cli(capsys, tmp_path / "art", source)[::2], "is refused: its run would take",
              "more than the import limit of 100 B; nothing was written.")
    monkeypatch.setattr(archive, "MAX_IMPORT_BYTES", 1 << 30)
    monkeypatch.setattr(archive, "_free_bytes", lambda path: 50)
    one_error(*import_cli(capsys, tmp_path / "art", source)[::2], "more than the 50 B free in")
    assert tree(tmp_path / "art" / "runs") == []


def sparse_tar(dest: Path, members: list[Member], name: str, size: int) -> Path:
    """An uncompressed tar of ``members`` and then a member ``name`` that declares ``size`` bytes, its data a
    hole on disk (the file is sparse: the test writes almost nothing)."""
    write_archive(dest, members)
    with tarfile.open(dest) as tf:
        last = tf.getmembers()[-1]
    with open(dest, "r+b") as fh:  # the end-of-archive blocks replaced by the big member, then the end again
        fh.seek(last.offset_data + -(-last.size // 512) * 512)
        fh.truncate()
        info = tarfile.TarInfo(name)
        info.size = size
        fh.write(info.tobuf(tarfile.DEFAULT_FORMAT))
        fh.seek(size, 1)
        fh.write(b"\0" * 1024)
    assert dest.stat().st_blocks * 512 < 10 << 20
    return dest


def test_a_sparse_gigabyte_member_is_refused_from_its_header_without_reading_it(source_run, tmp_path, capsys,
                                                                                monkeypatch):
    """A z_train.npy that declares 1 GiB: refused from its header when the manifest lists another size;
    when the manifest lists 1 GiB too, the free space decides, again before a byte is written."""
    _, run = source_run
    big = 1 << 30
    members = [m for m in run_members(run) if not m.name.endswith("z_train.npy")]
    monkeypatch.setattr(archive, "_extract", lambda *a: pytest.fail("unpacked before the sizes were checked"))
    source = sparse_tar(tmp_path / "big.tar", members, f"{run.name}/z_train.npy", big)
    one_error(*import_cli(capsys, tmp_path / "art", source)[::2],
              f"{run.name}/z_train.npy declares {big} bytes, its manifest ", "nothing was imported.")
    manifest = json.loads(members[0].data)
    manifest["files"]["z_train.npy"]["bytes"] = big
    members[0] = Member(members[0].name, json.dumps(manifest).encode())
    source = sparse_tar(tmp_path / "listed.tar", members, f"{run.name}/z_train.npy", big)
    monkeypatch.setattr(archive, "_free_bytes", lambda path: 100 << 20)
    one_error(*import_cli(capsys, tmp_path / "art", source)[::2], "its run would take 1.0 GiB, more than the "
              "100.0 MiB free in", "nothing was written.")
    assert tree(tmp_path / "art" / "runs") == []


def test_a_stream_longer_than_its_header_is_cut_off(tmp_path):
    out = io.BytesIO()
    with pytest.raises(archive.ArtifactError, match=r"x holds more bytes than the archive declares \(4\)"):
        archive._copy_exactly(io.BytesIO(b"12345678"), out, 4, "x")
    assert len(out.getvalue()) <= 4
    with pytest.raises(archive.ArtifactError, match=r"x holds fewer bytes than the archive declares \(9\)"):
        archive._copy_exactly(io.BytesIO(b"12345678"), io.BytesIO(), 9, "x")


def test_an_import_over_a_run_another_process_holds_is_refused_at_once(source_run, tmp_path, capsys):
    from latent_fragments.locks import run_lock

    _, run = source_run
    source = write_archive(tmp_path / "run.tar.gz", run_members(run))
    target = tmp_path / "art" / "runs" / run.name
    with run_lock(target):
        one_error(*import_cli(capsys, tmp_path / "art", source)[::2],
                  f"error: runs import refused: {target} is held by process ")
    assert tree(tmp_path / "art" / "runs") == []
    assert import_cli(capsys, tmp_path / "art", source)[0] == 0  # free again: imported


@pytest.mark.parametrize("damage", ["empty_name", "zip_version", "zip_utf8_name"])
def test_a_zip_the_zip_reader_chokes_on_is_one_line(source_run, tmp_path, capsys, damage):
    """Found by the property test (tests/test_properties.py): a member named "" (the zip reader's own
    folder test fails on it), a header claiming a zip version no reader knows, a name flagged UTF-8 that is
    not: each refused with one line, not a traceback."""
    _, run = source_run
    source = write_archive(tmp_path / "run.zip", [*run_members(run), *([Member("")] if damage == "empty_name" else [])])
    raw = bytearray(source.read_bytes())
    end = raw.rindex(b"PK\x05\x06")  # the end record says where the central directory starts
    central = int.from_bytes(raw[end + 16:end + 20], "little")  # its first entry
    if damage == "zip_version":
        raw[central + 6] = 235  # version needed to extract: 23.5
    elif damage == "zip_utf8_name":
        raw[central + 9] |= 0x08  # the UTF-8 bit of the flags, over a name whose first byte is not UTF-8
        raw[central + 46] = 0xFF
    source.write_bytes(bytes(raw))
    one_error(*import_cli(capsys, tmp_path / "art", source)[::2])
    assert tree(tmp_path / "art" / "runs") == []
