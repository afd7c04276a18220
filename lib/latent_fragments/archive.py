"""Run folders as single archives: list, export, import and clean an artefact directory's runs (chapter 1).

A run trained on a GPU machine is moved to a laptop as one file: ``latent-fragments runs export RUN``
writes ``RUN.tar.gz`` (or ``.zip``), ``latent-fragments runs import FILE`` unpacks it into
``<artifacts>/runs/``. Keys hash the data's content, not its path, so the imported run is found by the
same parameters. An archive holds the run's manifest and the files it lists, nothing else. An import admits
only those: it checks every member name (one top folder named exactly like a run, no absolute path, no
``..``, no duplicate), refuses links, devices and sparse files, reads the manifest first and leaves out
(unwritten, and said) any file it does not list; before anything is written each listed member's size in
the archive's header must equal the manifest's, and their total must fit under :data:`MAX_IMPORT_BYTES`
and the free space; each stream is cut off at its declared size. The members are unpacked into a hidden
temporary folder beside the runs; the manifest's sizes and checksums are verified, the folder's name must
be the one its ``config.json`` gives, and that configuration must still give the key (unless its images are
not on this machine); only then is the folder renamed into place under the run's lock. A refused archive
leaves nothing behind (the staging folder of an import that was killed is removed by the next import).

``runs clean`` deletes what no configuration can reuse. The rule: a run is **stale** when the
configuration stored in its ``config.json``, keyed by the current code, gives another key than the
run's (an older ``CODE_VERSION``, a changed synthfaces renderer, changed images), since no configuration
can then ever produce its key; it is **incomplete** when it has no manifest and no process is training it.
Both are deleted, each under the run's lock and after checking again under it that it still qualifies (a
run another process holds is kept, and said); a run whose images cannot be found on this machine (a CelebA
or folder run imported without its data) or whose configuration this code cannot read is kept, since its
key cannot be checked, and so is a complete run with a damaged file (``runs list`` names it and why). So
the chapters' default configurations, at either profile, are never cleaned once trained by this code.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import lzma
import os
import re
import shutil
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, Iterator

from .artifacts import ArtifactError, atomic_path, process_alive, read_json
from .config import ConfigError, RunConfig
from .layout import CHECKPOINT_STATE, CONFIG, HISTORY, MANIFEST, RUN_FILES, runs_root
from .locks import RunBusy, holder, lock_path, run_lock

#: A run folder's name: ``<dataset>-z<z_dim>-<12 hex digits of the key>``, matched whole (``fullmatch``):
#: ASCII digits without leading zeros, nothing before or after (no trailing newline or space).
RUN_NAME = re.compile(r"(?P<dataset>[a-z]+)-z(?P<z_dim>[1-9][0-9]*)-(?P<key>[0-9a-f]{12})", re.ASCII)

#: Archive formats by file ending.
FORMATS = {".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}

#: The most an import unpacks: the run's files together (the manifest's sizes, checked against the
#: archive's headers before anything is written), and the manifest itself.
MAX_IMPORT_BYTES = 64 << 30
MAX_MANIFEST_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True)
class RunEntry:
    """One run folder of an artefact directory, as ``runs list`` shows it (chapter 1)."""

    name: str
    dataset: str
    z_dim: int
    epochs_done: int
    epochs: int | None
    bytes: int
    complete: bool
    training: bool
    status: str  # "current", "stale" or "unknown" (see the module's rule)
    damage: str | None = None  # what is damaged in it, one line (None: nothing found)


def human_size(n: int) -> str:
    """A byte count as ``12.3 MiB`` (chapter 1)."""
    size, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"


def folder_bytes(path: Path) -> int:
    """Bytes of every file below ``path`` (chapter 1)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def is_training(path: Path) -> bool:
    """Whether a live process holds the lock of the run folder ``path`` (chapter 1)."""
    return holder(lock_path(path)) is not None


def key_status(path: Path) -> str:
    """``"current"`` if the configuration stored in the run folder ``path`` still gives its key under this
    code, ``"stale"`` if it gives another, ``"unknown"`` if it cannot be checked here (chapter 1)."""
    from .data import DataError

    try:
        stored = read_json(path / CONFIG)
        cfg = RunConfig.from_dict(stored["config"])
        return "current" if cfg.key() == stored.get("key") == path.name.rsplit("-", 1)[-1] else "stale"
    except (ArtifactError, ConfigError, DataError, KeyError, TypeError, AttributeError, ValueError, OSError):
        return "unknown"


def _json_problem(path: Path, shape: str) -> tuple[object, str | None]:
    """(the JSON in ``path``, ``None``) or (``None``, what is wrong with it): unreadable, not UTF-8, or
    not of ``shape`` (``"config"``, ``"history"``, ``"checkpoint"``, ``"manifest"``). Chapter 1."""
    try:
        value = read_json(path)
    except ArtifactError as exc:  # "<path> is corrupt ... (why); delete it and rerun."
        return None, f"{path.name} {str(exc).removeprefix(f'{path} ').split('; ')[0]}"
    except OSError as exc:
        return None, f"{path.name} is unreadable ({exc.strerror})"
    checks = {
        "config": lambda v: isinstance(v, dict) and isinstance(v.get("config"), dict)
        and isinstance(v.get("key"), str),
        "history": lambda v: isinstance(v, list) and all(isinstance(row, dict) for row in v),
        "checkpoint": lambda v: isinstance(v, dict) and type(v.get("epochs_done")) is int and v["epochs_done"] >= 0,
        "manifest": lambda v: isinstance(v, dict) and isinstance(v.get("files"), dict) and all(
            isinstance(e, dict) and type(e.get("bytes")) is int and isinstance(e.get("sha256"), str)
            for e in v["files"].values()),
    }
    if not checks[shape](value):
        return None, f"{path.name} is not a run's {shape} file (malformed: edited, or written by other code)"
    return value, None


@dataclasses.dataclass(frozen=True)
class _Contents:
    """What the JSON files of a run folder say, read once; ``damage`` is the first problem found."""

    config: dict
    history: list | None
    checkpoint: dict | None
    manifest: dict | None
    damage: str | None


def _contents(path: Path) -> _Contents:
    """Read a run folder's JSON files, each checked for its shape; a missing one is ``None`` (chapter 1)."""
    found, problems = {}, []
    for name, shape in ((CONFIG, "config"), (HISTORY, "history"), (CHECKPOINT_STATE, "checkpoint"),
                        (MANIFEST, "manifest")):
        if (path / name).exists():
            found[shape], problem = _json_problem(path / name, shape)
            problems += [problem] if problem else []
    manifest = found.get("manifest")
    if manifest is not None and not problems:
        problems += [f"{name} {what}" for name, what in [_size_mismatch(path, manifest)] if name]
    return _Contents(found.get("config") or {}, found.get("history"), found.get("checkpoint"), manifest,
                     problems[0] if problems else None)


def _size_mismatch(path: Path, manifest: dict) -> tuple[str, str] | tuple[None, None]:
    """The first run file missing or of another size than ``manifest`` says (sizes only: cheap)."""
    for name in RUN_FILES:
        entry, file = manifest["files"].get(name), path / name
        if entry is None or not file.is_file():
            return name, "is missing"
        if file.stat().st_size != entry["bytes"]:
            return name, f"has {file.stat().st_size} bytes, its manifest says {entry['bytes']} (truncated or changed)"
    return None, None


def _entry(path: Path, match: re.Match) -> RunEntry:
    """The :class:`RunEntry` of the run folder ``path`` (chapter 1)."""
    found = _contents(path)
    asked = found.config.get("config", {}).get("epochs")
    done = len(found.history) if found.history is not None else (found.checkpoint or {}).get("epochs_done", 0)
    return RunEntry(path.name, match["dataset"], int(match["z_dim"]), done, asked if type(asked) is int else None,
                    folder_bytes(path), (path / MANIFEST).exists(), is_training(path),
                    key_status(path) if found.damage is None else "unknown", found.damage)


def list_runs(artifacts_dir: str | os.PathLike | None = None) -> list[RunEntry]:
    """Every run folder under ``<artifacts>/runs``, sorted by name; a damaged one carries its reason
    (:attr:`RunEntry.damage`) instead of stopping the listing (chapter 1)."""
    root = runs_root(artifacts_dir)
    entries = []
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        match = RUN_NAME.fullmatch(path.name)
        if match is not None and path.is_dir():
            entries.append(_entry(path, match))
    return entries


def format_runs(entries: list[RunEntry]) -> str:
    """The table ``runs list`` prints: one line per run, then one line per damaged run saying what is
    damaged (chapter 1)."""
    header = f"{'run':<32} {'dataset':<10} {'z_dim':>5} {'epochs':>7} {'size':>10}  state       key"
    lines = [header]
    for e in entries:
        epochs = f"{e.epochs_done}/{e.epochs if e.epochs is not None else '?'}"
        state = ("training" if e.training else "damaged" if e.damage else
                 "complete" if e.complete else "incomplete")
        lines.append(f"{e.name:<32} {e.dataset:<10} {e.z_dim:>5} {epochs:>7} {human_size(e.bytes):>10}  "
                     f"{state:<11} {e.status}")
    lines += [f"damaged: runs/{e.name}: {e.damage}; retrain it (train --fresh with its parameters) or delete it"
              for e in entries if e.damage]
    return "\n".join(lines)


def find_run(name: str, artifacts_dir: str | os.PathLike | None = None) -> Path:
    """The folder of the run named ``name`` (a folder name, or a path to a run folder). Chapter 1."""
    given = Path(name).expanduser()
    path = given if given.is_dir() else runs_root(artifacts_dir) / given.name
    if not path.is_dir() or RUN_NAME.fullmatch(path.name) is None:
        raise ArtifactError(f"no run folder {name!r} under {runs_root(artifacts_dir)}; "
                            f"see latent-fragments runs list for the names.")
    return path


def run_problem(path: Path) -> str | None:
    """What keeps the folder ``path`` from being a complete, intact run (no manifest, a damaged JSON file,
    a file missing or not matching its manifest, a name that is not exactly the one its config gives), or
    ``None`` (chapter 1)."""
    from .runs import manifest_mismatch

    if not (path / MANIFEST).exists():
        return "is not a complete run (no manifest.json: its training never finished)"
    found = _contents(path)
    if found.damage is not None:
        return f"is damaged: {found.damage}"
    mismatch = manifest_mismatch(path, found.manifest)
    if mismatch is not None:
        return f"has {mismatch[0]} that {mismatch[1]}"
    config = found.config["config"]
    if path.name != f"{config.get('dataset')}-z{config.get('z_dim')}-{found.config['key']}":
        return "has a name that does not match the key in its config.json (renamed, or not a run folder)"
    return None


def _archive_files(path: Path) -> list[Path]:
    """The files of a run folder that an archive holds: its manifest and the files it lists."""
    return [path / MANIFEST, *(path / name for name in RUN_FILES)]


def archive_format(dest: Path) -> str:
    """``"tar"`` or ``"zip"`` by the ending of ``dest`` (chapter 1)."""
    for ending, kind in FORMATS.items():
        if dest.name.endswith(ending):
            return kind
    raise ConfigError(f"{dest.name}: the archive must end in .tar.gz, .tgz or .zip.")


def export_run(name: str, dest: str | os.PathLike | None = None,
               artifacts_dir: str | os.PathLike | None = None) -> Path:
    """Write the complete run ``name`` (its manifest and the files it lists) as one archive
    (``<name>.tar.gz`` in the current folder unless ``dest``), atomically; refuse an incomplete or damaged
    run. Introduced in chapter 1."""
    path = find_run(name, artifacts_dir)
    problem = run_problem(path)
    if problem is not None:
        raise ArtifactError(f"{path} {problem}; it is not exported. Finish or retrain it with "
                            f"latent-fragments train and its parameters (or delete it).")
    dest = Path(dest).expanduser() if dest else Path.cwd() / f"{path.name}.tar.gz"
    kind = archive_format(dest)
    suffix = ".zip" if kind == "zip" else ".tar.gz"
    with atomic_path(dest, suffix=suffix) as tmp:
        if kind == "zip":
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for file in _archive_files(path):
                    zf.write(file, f"{path.name}/{file.name}")
        else:
            with tarfile.open(tmp, "w:gz") as tf:
                for file in _archive_files(path):
                    tf.add(file, f"{path.name}/{file.name}", recursive=False)
    return dest


@dataclasses.dataclass(frozen=True)
class _Member:
    name: str
    is_dir: bool
    size: int  # as the archive's header declares it


def _zip_kind(info: zipfile.ZipInfo) -> str | None:
    """What keeps a zip member from being a plain file or folder (a link, a device, encryption), or ``None``."""
    mode = info.external_attr >> 16
    if info.flag_bits & 0x1:
        return "an encrypted file"
    if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "a link or a device"
    return None


def _members(archive: tarfile.TarFile | zipfile.ZipFile, source: Path) -> list[_Member]:
    """Every member: name, folder or file, declared size; links, devices, sparse files and duplicate names
    refused (chapter 1)."""
    if isinstance(archive, zipfile.ZipFile):
        out = []
        for info in archive.infolist():
            if (kind := _zip_kind(info)) is not None:
                raise ArtifactError(f"{source} holds {info.filename!r}, {kind}, not a file; it is not imported.")
            out.append(_Member(info.filename.rstrip("/"), info.filename.endswith("/"), info.file_size))  # "" too
    else:
        out = []
        for m in archive.getmembers():
            if not (m.isdir() or (m.isfile() and not m.issparse())):
                raise ArtifactError(f"{source} holds {m.name!r}, a link, a device or a sparse file, not a plain "
                                    f"file; it is not imported.")
            out.append(_Member(m.name.rstrip("/"), m.isdir(), m.size))
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ArtifactError(f"{source} holds {twice!r} twice; it is not imported.")
    return out


def _run_name_of(members: list[_Member], source: Path) -> str:
    """The one top folder of the archive's members, checked for unsafe names (chapter 1)."""
    tops = set()
    for m in members:
        parts = m.name.split("/")
        if m.name.startswith("/") or "\\" in m.name or any(p in ("", ".", "..") for p in parts):
            raise ArtifactError(f"{source} holds an unsafe member name {m.name!r}; it is not imported.")
        tops.add(parts[0])
    if len(tops) != 1 or RUN_NAME.fullmatch(next(iter(tops))) is None:
        raise ArtifactError(f"{source} is not a run archive: it must hold exactly one run folder "
                            f"(<dataset>-z<z_dim>-<key>/), found {sorted(tops)[:3]}.")
    return tops.pop()


def _stream(archive: tarfile.TarFile | zipfile.ZipFile, member: _Member) -> IO[bytes]:
    return archive.open(member.name) if isinstance(archive, zipfile.ZipFile) else archive.extractfile(member.name)


def _copy_exactly(source: IO[bytes], out: IO[bytes], size: int, name: str) -> None:
    """Copy ``size`` bytes; a stream that holds more or fewer than its header declared is refused."""
    left = size
    while block := source.read(min(1 << 20, left + 1)):
        if len(block) > left:
            raise ArtifactError(f"{name} holds more bytes than the archive declares ({size}); it is not imported.")
        out.write(block)
        left -= len(block)
    if left:
        raise ArtifactError(f"{name} holds fewer bytes than the archive declares ({size}); it is not imported.")


def _read_manifest(archive: tarfile.TarFile | zipfile.ZipFile, members: list[_Member], name: str,
                   source: Path) -> dict:
    """The archive's manifest, read (at most :data:`MAX_MANIFEST_BYTES`) and checked for its shape before
    anything is written (chapter 1)."""
    member = next((m for m in members if m.name == f"{name}/{MANIFEST}" and not m.is_dir), None)
    if member is None:
        raise ArtifactError(f"{source} is refused: its run {name} is not a complete run (no manifest.json); "
                            f"nothing was imported.")
    if member.size > MAX_MANIFEST_BYTES:
        raise ArtifactError(f"{source} is refused: its manifest.json declares {human_size(member.size)} (at most "
                            f"{human_size(MAX_MANIFEST_BYTES)}); nothing was imported.")
    buffer = io.BytesIO()
    with _stream(archive, member) as stream:
        _copy_exactly(stream, buffer, member.size, member.name)
    try:
        manifest = json.loads(buffer.getvalue().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{source} is refused: its manifest.json is not JSON ({type(exc).__name__}); "
                            f"nothing was imported.") from exc
    ok = (isinstance(manifest, dict) and isinstance(manifest.get("files"), dict)
          and all(isinstance(manifest["files"].get(f), dict) and type(manifest["files"][f].get("bytes")) is int
                  and manifest["files"][f]["bytes"] >= 0 for f in RUN_FILES))
    if not ok:
        raise ArtifactError(f"{source} is refused: its manifest.json does not list the sizes of the run's files "
                            f"({', '.join(RUN_FILES)}); nothing was imported.")
    return manifest


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def _admitted(members: list[_Member], manifest: dict, name: str, root: Path,
              source: Path) -> tuple[list[_Member], list[str]]:
    """(the members to unpack: the manifest and the run files it lists, each of the size it lists; the
    names left out: everything else), the total checked against the limits before anything is written."""
    listed = {f"{name}/{f}": manifest["files"][f]["bytes"] for f in RUN_FILES}
    listed[f"{name}/{MANIFEST}"] = None
    keep = [m for m in members if not m.is_dir and m.name in listed]
    left_out = sorted(m.name.split("/", 1)[1] for m in members if m.name != name and m.name not in listed)
    for m in keep:
        if listed[m.name] is not None and m.size != listed[m.name]:
            raise ArtifactError(f"{source} is refused: {m.name} declares {m.size} bytes, its manifest "
                                f"{listed[m.name]}; nothing was imported.")
    total = sum(m.size for m in keep)
    free = _free_bytes(root)
    if total > MAX_IMPORT_BYTES or total > free:
        over_limit = total > MAX_IMPORT_BYTES
        limit = (f"the import limit of {human_size(MAX_IMPORT_BYTES)}" if over_limit
                 else f"the {human_size(free)} free in {root}")
        raise ArtifactError(f"{source} is refused: its run would take {human_size(total)}, more than {limit}; "
                            f"nothing was written.")
    return keep, left_out


def _extract(archive: tarfile.TarFile | zipfile.ZipFile, members: list[_Member], into: Path) -> None:
    """Write every member below ``into``, by streaming at most its declared bytes (no member decides where
    it goes)."""
    for m in members:
        target = into / m.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with _stream(archive, m) as source, open(target, "wb") as out:
            _copy_exactly(source, out, m.size, m.name)


@contextlib.contextmanager
def _open_archive(source: Path) -> Iterator[tarfile.TarFile | zipfile.ZipFile]:
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            yield zf
    else:
        try:
            archive = tarfile.open(source, "r:*")
        except tarfile.TarError as exc:
            raise ArtifactError(f"{source} is not a readable .tar.gz or .zip run archive (cut short, or "
                                f"another kind of file); if it was copied, copy it again.") from exc
        with archive:
            yield archive


def _same_files(a: Path, b: Path) -> bool:
    try:
        return read_json(a / MANIFEST) == read_json(b / MANIFEST)
    except ArtifactError:
        return False


#: The staging folder of an import: ``.import.<pid>.<random>`` in ``<artifacts>/runs``.
STAGING_NAME = re.compile(r"^\.import\.(?P<pid>\d+)\.\w+$")


def clean_stale_imports(root: Path) -> list[Path]:
    """Delete the staging folders in ``root`` of imports whose process is dead (killed mid-import);
    return them (chapter 1)."""
    removed = []
    for path in root.iterdir():
        match = STAGING_NAME.match(path.name)
        if match and path.is_dir() and not process_alive(int(match["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@dataclasses.dataclass(frozen=True)
class Imported:
    """What :func:`import_run` did: the run's folder, whether it was new, the archive's members left out
    (not listed by its manifest, never written). Chapter 1."""

    path: Path
    new: bool
    left_out: list[str]


#: What the tar, zip and decompression readers raise for a damaged archive (besides an ``OSError`` without an
#: error number, as a gzip stream's): a flipped byte may claim an unknown zip version or compression
#: (``NotImplementedError``) or a UTF-8 name that is not (``UnicodeDecodeError``).
DAMAGED = (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, NotImplementedError,
           UnicodeDecodeError, struct.error)


def _unpack(source: Path, staging: Path, root: Path) -> tuple[str, list[str]]:
    """Unpack the admitted members of ``source`` into ``staging``: (the run's name, the members left out)."""
    try:
        with _open_archive(source) as archive:
            members = _members(archive, source)
            name = _run_name_of(members, source)
            manifest = _read_manifest(archive, members, name, source)
            keep, left_out = _admitted(members, manifest, name, root, source)
            _extract(archive, keep, staging)
    except (*DAMAGED, OSError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, DAMAGED) and exc.errno is not None:
            raise  # the disk, not the archive (a full disk is a fault of its own)
        reason = (str(exc).splitlines() or [""])[0]
        raise ArtifactError(f"{source} is truncated or damaged ({type(exc).__name__}: {reason}); "
                            f"export the run again and copy the whole file.") from exc
    return name, left_out


def import_run(source: str | os.PathLike, artifacts_dir: str | os.PathLike | None = None) -> Imported:
    """Unpack the run archive ``source`` into ``<artifacts>/runs``: only its manifest and the files it
    lists, within the limits, verified before the folder is renamed into place under the run's lock;
    nothing is left behind on refusal (see the module's text). Chapter 1."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise ArtifactError(f"no archive at {source}; give the .tar.gz or .zip that runs export wrote.")
    root = runs_root(artifacts_dir)
    root.mkdir(parents=True, exist_ok=True)
    clean_stale_imports(root)
    staging = Path(tempfile.mkdtemp(prefix=f".import.{os.getpid()}.", dir=root))
    try:
        name, left_out = _unpack(source, staging, root)
        unpacked, target = staging / name, root / name
        problem = run_problem(unpacked)
        if problem is None and key_status(unpacked) == "stale":
            problem = ("has a config.json whose configuration gives another key under this code than its name "
                       "(edited by hand, or written by another version of this code)")
        if problem is not None:
            raise ArtifactError(f"{source} is refused: its run {name} {problem}; nothing was imported. "
                                f"Export the run again and copy the whole file.")
        with run_lock(target, refuse="runs import refused"):  # never waits behind a training
            if target.exists():
                if (target / MANIFEST).exists() and _same_files(target, unpacked):
                    return Imported(target, False, left_out)
                raise ArtifactError(f"{target} exists and differs from the run in {source}; delete it first "
                                    f"(latent-fragments runs clean, or rm -r) to import this one.")
            os.rename(unpacked, target)
        return Imported(target, True, left_out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _clean_reason(entry: RunEntry) -> str | None:
    """Why ``runs clean`` deletes the run of ``entry`` (incomplete, or stale), or ``None`` to keep it."""
    if entry.training:
        return None
    if not entry.complete:
        return "incomplete (no manifest)"
    if entry.damage is None and entry.status == "stale":
        return "stale (its configuration gives another key under this code)"
    return None


def clean_plan(artifacts_dir: str | os.PathLike | None = None,
               entries: list[RunEntry] | None = None) -> list[tuple[RunEntry, str]]:
    """The runs ``runs clean`` deletes, each with its reason: incomplete and not being trained, or stale
    (see the module's rule); ``entries`` are :func:`list_runs`'s if not given. Introduced in chapter 1."""
    entries = list_runs(artifacts_dir) if entries is None else entries
    return [(e, reason) for e in entries if (reason := _clean_reason(e)) is not None]


def delete_runs(plan: list[tuple[RunEntry, str]],
                artifacts_dir: str | os.PathLike | None = None) -> tuple[list[RunEntry], list[str]]:
    """Delete the run folders of ``plan``, each under its run's lock and only if it still qualifies once
    the lock is held: (the runs deleted, one line per run kept and why). Chapter 1."""
    root, deleted, kept = runs_root(artifacts_dir), [], []
    for entry, _ in plan:
        path = root / entry.name
        try:
            with run_lock(path, refuse=f"kept runs/{entry.name}"):
                now = path.is_dir() and dataclasses.replace(_entry(path, RUN_NAME.fullmatch(path.name)), training=False)
                if not now or _clean_reason(now) is None:  # this process holds the lock: not "training"
                    kept.append(f"kept runs/{entry.name}: it changed since it was listed (trained, finished or "
                                f"deleted meanwhile)")
                    continue
                shutil.rmtree(path)
                deleted.append(entry)
        except RunBusy as exc:
            kept.append(str(exc))
    return deleted, kept
