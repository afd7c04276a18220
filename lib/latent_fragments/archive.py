"""Run folders as single archives: list, export, import and clean an artefact directory's runs (chapter 1).

A run trained on a GPU machine is moved to a laptop as one file: ``latent-fragments runs export RUN``
writes ``RUN.tar.gz`` (or ``.zip``), ``latent-fragments runs import FILE`` unpacks it into
``<artifacts>/runs/``. Keys hash the data's content, not its path, so the imported run is found by the
same parameters. An import unpacks into a hidden temporary folder beside the runs, checks every member
name (one top folder named like a run, no absolute path, no ``..``, regular files only), verifies the
manifest's sizes and checksums and the key in ``config.json``, and only then renames the folder into
place; a tampered or truncated archive is refused and leaves nothing behind (the staging folder of an
import that was killed is removed by the next import).

``runs clean`` deletes what no configuration can reuse. The rule: a run is **stale** when the
configuration stored in its ``config.json``, keyed by the current code, gives another key than the
run's (an older ``CODE_VERSION``, a changed synthfaces renderer, changed images), since no configuration
can then ever produce its key; it is **incomplete** when it has no manifest and no process is training it.
Both are deleted; a run whose images cannot be found on this machine (a CelebA or folder run imported
without its data) or whose configuration this code cannot read is kept, since its key cannot be checked.
So the chapters' default configurations, at either profile, are never cleaned once trained by this code.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .artifacts import ArtifactError, process_alive, atomic_path, read_json
from .config import ConfigError, RunConfig
from .layout import CHECKPOINT_STATE, CONFIG, HISTORY, MANIFEST, runs_root
from .locks import lock_path, run_lock

#: A run folder's name: ``<dataset>-z<z_dim>-<12 hex digits of the key>``.
RUN_NAME = re.compile(r"^(?P<dataset>[a-z]+)-z(?P<z_dim>\d+)-(?P<key>[0-9a-f]{12})$")

#: Archive formats by file ending.
FORMATS = {".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}


@dataclass(frozen=True)
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
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def key_status(path: Path) -> str:
    """``"current"`` if the configuration stored in the run folder ``path`` still gives its key under this
    code, ``"stale"`` if it gives another, ``"unknown"`` if it cannot be checked here (chapter 1)."""
    from .data import DataError

    try:
        stored = read_json(path / CONFIG)
        cfg = RunConfig.from_dict(stored["config"])
        return "current" if cfg.key() == stored.get("key") == path.name.rsplit("-", 1)[-1] else "stale"
    except (ArtifactError, ConfigError, DataError, KeyError, TypeError, OSError):
        return "unknown"


def _epochs(path: Path) -> tuple[int, int | None]:
    """(epochs done, epochs asked) of a run folder, from its history or checkpoint and its config."""
    def read(name: str):
        try:
            return read_json(path / name)
        except (ArtifactError, OSError):
            return None

    config = read(CONFIG) or {}
    asked = (config.get("config") or {}).get("epochs")
    history, checkpoint = read(HISTORY), read(CHECKPOINT_STATE)
    done = len(history) if isinstance(history, list) else int((checkpoint or {}).get("epochs_done", 0))
    return done, asked


def list_runs(artifacts_dir: str | os.PathLike | None = None) -> list[RunEntry]:
    """Every run folder under ``<artifacts>/runs``, sorted by name (chapter 1)."""
    root = runs_root(artifacts_dir)
    entries = []
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        match = RUN_NAME.match(path.name)
        if match is None or not path.is_dir():
            continue
        done, asked = _epochs(path)
        entries.append(RunEntry(path.name, match["dataset"], int(match["z_dim"]), done, asked,
                                folder_bytes(path), (path / MANIFEST).exists(), is_training(path),
                                key_status(path)))
    return entries


def format_runs(entries: list[RunEntry]) -> str:
    """The table ``runs list`` prints: one line per run (chapter 1)."""
    header = f"{'run':<32} {'dataset':<10} {'z_dim':>5} {'epochs':>7} {'size':>10}  state       key"
    lines = [header]
    for e in entries:
        epochs = f"{e.epochs_done}/{e.epochs if e.epochs is not None else '?'}"
        state = "training" if e.training else ("complete" if e.complete else "incomplete")
        lines.append(f"{e.name:<32} {e.dataset:<10} {e.z_dim:>5} {epochs:>7} {human_size(e.bytes):>10}  "
                     f"{state:<11} {e.status}")
    return "\n".join(lines)


def find_run(name: str, artifacts_dir: str | os.PathLike | None = None) -> Path:
    """The folder of the run named ``name`` (a folder name, or a path to a run folder). Chapter 1."""
    given = Path(name).expanduser()
    path = given if given.is_dir() else runs_root(artifacts_dir) / given.name
    if not path.is_dir() or RUN_NAME.match(path.name) is None:
        raise ArtifactError(f"no run folder {name!r} under {runs_root(artifacts_dir)}; "
                            f"see latent-fragments runs list for the names.")
    return path


def run_problem(path: Path) -> str | None:
    """What keeps the folder ``path`` from being a complete, intact run (no manifest, a file missing or
    not matching its manifest, a name that is not its key), or ``None`` (chapter 1)."""
    from .runs import manifest_mismatch

    if not (path / MANIFEST).exists():
        return "is not a complete run (no manifest.json: its training never finished)"
    try:
        mismatch = manifest_mismatch(path, read_json(path / MANIFEST))
        stored = read_json(path / CONFIG)
    except (ArtifactError, FileNotFoundError, KeyError, TypeError) as exc:
        return f"has an unreadable manifest or config.json ({exc})"
    if mismatch is not None:
        return f"has {mismatch[0]} that {mismatch[1]}"
    config, match = stored.get("config") or {}, RUN_NAME.match(path.name)
    if match is None or (match["dataset"], int(match["z_dim"]), match["key"]) != (
            config.get("dataset"), config.get("z_dim"), stored.get("key")):
        return "has a name that does not match the key in its config.json (renamed, or not a run folder)"
    return None


def _archive_files(path: Path) -> list[Path]:
    """The files of a run folder that an archive holds: all but hidden (temporary) ones, sorted."""
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def archive_format(dest: Path) -> str:
    """``"tar"`` or ``"zip"`` by the ending of ``dest`` (chapter 1)."""
    for ending, kind in FORMATS.items():
        if dest.name.endswith(ending):
            return kind
    raise ConfigError(f"{dest.name}: the archive must end in .tar.gz, .tgz or .zip.")


def export_run(name: str, dest: str | os.PathLike | None = None,
               artifacts_dir: str | os.PathLike | None = None) -> Path:
    """Write the complete run ``name`` as one archive (``<name>.tar.gz`` in the current folder unless
    ``dest``), atomically; refuse an incomplete or damaged run. Introduced in chapter 1."""
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
                    zf.write(file, f"{path.name}/{file.relative_to(path).as_posix()}")
        else:
            with tarfile.open(tmp, "w:gz") as tf:
                for file in _archive_files(path):
                    tf.add(file, f"{path.name}/{file.relative_to(path).as_posix()}", recursive=False)
    return dest


@dataclass(frozen=True)
class _Member:
    name: str
    is_dir: bool


def _members(archive: tarfile.TarFile | zipfile.ZipFile, source: Path) -> list[_Member]:
    if isinstance(archive, zipfile.ZipFile):
        return [_Member(i.filename.rstrip("/"), i.is_dir()) for i in archive.infolist()]
    out = []
    for m in archive.getmembers():
        if not (m.isfile() or m.isdir()):
            raise ArtifactError(f"{source} holds {m.name!r}, a link or a device, not a file; it is not "
                                f"imported.")
        out.append(_Member(m.name.rstrip("/"), m.isdir()))
    return out


def _run_name_of(members: list[_Member], source: Path) -> str:
    """The one top folder of the archive's members, checked for unsafe names (chapter 1)."""
    tops = set()
    for m in members:
        parts = m.name.split("/")
        if m.name.startswith("/") or "\\" in m.name or any(p in ("", ".", "..") for p in parts):
            raise ArtifactError(f"{source} holds an unsafe member name {m.name!r}; it is not imported.")
        tops.add(parts[0])
    if len(tops) != 1 or RUN_NAME.match(next(iter(tops))) is None:
        raise ArtifactError(f"{source} is not a run archive: it must hold exactly one run folder "
                            f"(<dataset>-z<z_dim>-<key>/), found {sorted(tops)[:3]}.")
    return tops.pop()


def _extract(archive: tarfile.TarFile | zipfile.ZipFile, members: list[_Member], into: Path) -> None:
    """Write every member below ``into``, by streaming its bytes (no member decides where it goes)."""
    for m in members:
        target = into / m.name
        if m.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(archive, zipfile.ZipFile):
            source = archive.open(m.name)
        else:
            source = archive.extractfile(m.name)
        with source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)


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
    return read_json(a / MANIFEST) == read_json(b / MANIFEST)


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


def import_run(source: str | os.PathLike,
               artifacts_dir: str | os.PathLike | None = None) -> tuple[Path, bool]:
    """Unpack the run archive ``source`` into ``<artifacts>/runs`` and return (its folder, whether it was
    new); verified before it is renamed into place, nothing left behind on refusal. Chapter 1."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise ArtifactError(f"no archive at {source}; give the .tar.gz or .zip that runs export wrote.")
    root = runs_root(artifacts_dir)
    root.mkdir(parents=True, exist_ok=True)
    clean_stale_imports(root)
    staging = Path(tempfile.mkdtemp(prefix=f".import.{os.getpid()}.", dir=root))
    try:
        try:
            with _open_archive(source) as archive:
                members = _members(archive, source)
                name = _run_name_of(members, source)
                _extract(archive, members, staging)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
            reason = (str(exc).splitlines() or [""])[0]
            raise ArtifactError(f"{source} is truncated or damaged ({type(exc).__name__}: {reason}); "
                                f"export the run again and copy the whole file.") from exc
        problem = run_problem(staging / name)
        if problem is not None:
            raise ArtifactError(f"{source} is refused: its run {name} {problem}; nothing was imported. "
                                f"Export the run again and copy the whole file.")
        unpacked = staging / name
        target = root / name
        with run_lock(target, log=lambda s: None):
            if target.exists():
                if (target / MANIFEST).exists() and _same_files(target, unpacked):
                    return target, False
                raise ArtifactError(f"{target} exists and differs from the run in {source}; delete it first "
                                    f"(latent-fragments runs clean, or rm -r) to import this one.")
            os.rename(unpacked, target)
        return target, True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def clean_plan(artifacts_dir: str | os.PathLike | None = None) -> list[tuple[RunEntry, str]]:
    """The runs ``runs clean`` deletes, each with its reason: incomplete and not being trained, or stale
    (see the module's rule). Introduced in chapter 1."""
    plan = []
    for entry in list_runs(artifacts_dir):
        if entry.training:
            continue
        if not entry.complete:
            plan.append((entry, "incomplete (no manifest)"))
        elif entry.status == "stale":
            plan.append((entry, "stale (its configuration gives another key under this code)"))
    return plan


def delete_runs(plan: list[tuple[RunEntry, str]], artifacts_dir: str | os.PathLike | None = None) -> int:
    """Delete the run folders of ``plan`` (and their unheld lock files); return the bytes freed. Chapter 1."""
    root, freed = runs_root(artifacts_dir), 0
    for entry, _ in plan:
        path = root / entry.name
        if is_training(path):  # a trainer started since the plan was made
            continue
        shutil.rmtree(path, ignore_errors=True)
        lock_path(path).unlink(missing_ok=True)
        freed += entry.bytes
    return freed
