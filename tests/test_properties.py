"""Property tests (Hypothesis) of the two readers of untrusted files, issue 23: the run-archive importer
(chapter 1) and the sweep's grid parser (chapter 5). Whatever they are given, each ends in success or one
clear ``error:`` line, never a traceback; an import leaves a whole verified run or nothing, and never a
file outside the artefact folder. Examples are derived from a fixed seed (``derandomize``), so a run of
``make test`` is reproducible (``LF_PROPERTY_EXAMPLES=N`` draws N fresh ones); a failure prints the smallest
example Hypothesis found.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from latent_fragments import archive, sweep
from latent_fragments.cli import main
from latent_fragments.config import ConfigError
from latent_fragments.layout import CONFIG, MANIFEST, RUN_FILES

from test_archive_import import Member, one_error, run_members, sparse_tar, tree, write_archive
from test_faults_classes import stand_in_run

#: Few, fast examples (each is an archive written and imported, or a grid parsed), reproducible in CI;
#: ``LF_PROPERTY_EXAMPLES=5000`` hunts further, with fresh random examples.
HUNT = int(os.environ.get("LF_PROPERTY_EXAMPLES", "0"))
PROPERTY = settings(max_examples=HUNT or 60, deadline=None, derandomize=not HUNT, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def cli(*args: str) -> tuple[int, str, str]:
    """``main(args)``: exit code, stdout, stderr (an exception other than an exit propagates: the test fails)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------------------------------
# random archives
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def source_run(tmp_path_factory):
    return stand_in_run(tmp_path_factory.mktemp("src") / "art")[1]


#: Member names that leave the run folder, or are not names of it at all ({top}: the run folder's name).
UNSAFE = ["{top}/../evil", "../evil", "../../evil", "../../../evil", "/tmp/lf-evil", "{top}/./x", "{top}\\x",
          "{top}/sub/y", "{top}//x", "{top}/", "", ".", "{top}/..", "other-z4-0123456789ab/x", "{top}\n/x"]
NAMES = st.one_of(st.sampled_from(UNSAFE), st.sampled_from(["{top}/" + n for n in (MANIFEST, CONFIG, *RUN_FILES)]),
                  st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=12).map("{top}/".__add__))
KINDS = st.sampled_from(["file", "dir", "symlink", "hardlink", "fifo", "chr"])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=8)


@st.composite
def changes(draw, top: str) -> tuple:
    """One change of a valid archive's members (what is appended, replaced, renamed or dropped)."""
    kind = draw(st.sampled_from(["add", "kind", "drop", "flip", "resize", "manifest", "manifest_json", "listed",
                                 "rename_top", "config"]))
    if kind == "kind":
        return kind, (draw(st.integers(0, 10)), draw(KINDS))
    if kind == "config":  # edited by hand: another configuration than the folder's name says
        return kind, draw(st.sampled_from([b'"epochs": 2', b'"z_dim": 5', b'"seed": 1', b"", b"{"]))
    if kind == "add":
        return kind, Member(draw(NAMES).replace("{top}", top), draw(st.binary(max_size=32)), draw(KINDS))
    if kind == "manifest":
        return kind, draw(st.binary(max_size=48))
    if kind == "manifest_json":
        return kind, json.dumps(draw(JSON)).encode()
    if kind == "listed":  # a manifest that also lists a file the archive holds, with any size and checksum
        entry = {"bytes": draw(st.integers(-1, 2**40)), "sha256": draw(st.text("0123456789abcdef", max_size=64))}
        return kind, (draw(NAMES).replace("{top}", top).split("/", 1)[-1], entry)
    if kind == "rename_top":
        return kind, draw(st.sampled_from([top.replace("-z4-", "-z04-"), top + " ", top.upper(), top[:-1],
                                           "../" + top, "/" + top, top + "/" + top]))
    return kind, draw(st.integers(0, 10**6))


def apply(change: tuple, members: list[Member], top: str) -> list[Member]:
    """``members`` after ``change`` (:func:`changes`)."""
    kind, value = change
    if kind == "add":
        return [*members, value]
    if kind == "rename_top":
        return [Member(m.name.replace(top, value, 1), m.data, m.kind) for m in members]
    manifest = next((m for m in members if m.name == f"{top}/{MANIFEST}"), None)
    if kind in ("manifest", "manifest_json", "listed"):
        if manifest is not None:
            manifest.data = listing(manifest.data, *value) if kind == "listed" else value
        return members
    if kind == "config":
        return [Member(m.name, m.data.replace(b'"epochs": 1', value) if m.name.endswith(CONFIG) else m.data,
                       m.kind) for m in members]
    if not members:
        return members
    if kind == "kind":
        i = value[0] % len(members)
        return [*members[:i], Member(members[i].name, members[i].data, value[1]), *members[i + 1:]]
    i = value % len(members)
    data = bytearray(members[i].data)
    if kind == "drop":
        return members[:i] + members[i + 1:]
    if kind == "flip" and data:
        data[value % len(data)] ^= 1 << value % 8
    elif kind == "resize":
        data = data[: value % (len(data) + 1)] if value % 2 else data + b"\0" * (value % 9 + 1)
    members[i] = Member(members[i].name, bytes(data), members[i].kind)
    return members


def listing(manifest: bytes, name: str, entry: dict) -> bytes:
    """``manifest`` with ``name`` listed as ``entry`` too (unchanged if it is no manifest)."""
    with contextlib.suppress(ValueError, AttributeError, TypeError, KeyError):
        listed = json.loads(manifest)
        listed["files"][name] = entry
        return json.dumps(listed).encode()
    return manifest


@st.composite
def archives(draw, run: Path) -> tuple[str, list[Member], int | None, tuple | None]:
    """An archive to import: its ending, its members, a member of huge declared size (tar), damage to the file."""
    members = run_members(run)
    members = draw(st.permutations(members))
    for change in draw(st.lists(changes(run.name), max_size=3)):
        members = apply(change, list(members), run.name)
    ending = draw(st.sampled_from([".tar.gz", ".zip", ".tar"]))
    huge = draw(st.none() | st.integers(2**20, 2**36)) if ending == ".tar" and len(members) > 1 else None
    damage = draw(st.none() | st.tuples(st.sampled_from(["cut", "flip"]), st.floats(0, 1)))
    return ending, list(members), huge, damage


def write(folder: Path, ending: str, members: list[Member], huge: int | None, damage: tuple | None) -> Path:
    """The archive file of an example from :func:`archives`."""
    dest = folder / f"run{ending}"
    if huge is not None:  # the last member declares `huge` bytes: a sparse file, nothing written
        sparse_tar(dest, members[:-1], members[-1].name, huge)
    else:
        write_archive(dest, members)
    if damage is not None:  # in place: a sparse archive is never read whole
        size = dest.stat().st_size
        at = min(int(damage[1] * size), size - 1)
        with open(dest, "r+b") as fh:
            if damage[0] == "cut":
                fh.truncate(at)
            else:
                fh.seek(at)
                byte = fh.read(1)[0]
                fh.seek(at)
                fh.write(bytes([byte ^ 0xFF]))
    return dest


@PROPERTY
@given(data=st.data())
def test_random_archives_end_in_success_or_one_line_and_leave_a_whole_run_or_nothing(source_run, data):
    example = data.draw(archives(source_run), label="archive")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source = write(folder, *example)
        code, out, err = cli("runs", "import", "--artifacts-dir", str(folder / "art"), str(source))
        inside = tree(folder)
        run = f"art/runs/{source_run.name}"
        event("imported" if code == 0 else "refused")
        if code == 0:
            assert err == "" and out.startswith(f"imported {source_run.name} into "), out
            assert inside == sorted(["art", "art/runs", run, source.name,
                                     *(f"{run}/{name}" for name in (MANIFEST, *RUN_FILES))]), inside
            assert archive.run_problem(folder / run) is None
        else:
            one_error(code, err)
            assert inside in ([source.name], sorted([source.name, "art", "art/runs"])), (err, inside)
    assert not Path("/tmp/lf-evil").exists()


# --------------------------------------------------------------------------------------------------
# random grids
# --------------------------------------------------------------------------------------------------
#: Keys a grid's tables may hold, and some they may not.
GRID_KEYS = st.sampled_from(["seeds", "base", "variants", "settings", "seed", "z_dim", "epochs", "n_images",
                             "model", "dataset", "data_dir", "filters", "learning_rate", "batch_norm", "quality",
                             "n_fake", "verdict_draws", "n_boot", "dropout", "Z_DIM", ""])
SCALARS = (st.integers(-3, 2**33) | st.sampled_from([0, 1, 2, 40, 2**31 - 1, 2**31, 2**64])
           | st.floats(allow_nan=True) | st.booleans()
           | st.sampled_from(["none", "ae", "vae", "orl", "synthfaces", "folder", "01", "0,1", "1e-3", "inf", "true",
                              "4,4,8,8", ""])
           | st.text(max_size=6))


def nested(inner: st.SearchStrategy) -> st.SearchStrategy:
    """Arrays and inline tables of ``inner`` (the recursion of :data:`VALUES`)."""
    return st.lists(inner, max_size=4) | st.dictionaries(GRID_KEYS | st.text(max_size=4), inner, max_size=4)


VALUES = st.recursive(SCALARS, nested, max_leaves=12)
#: Values a key is meant to have (half of the draws), so that many grids parse and reach the sweep.
PLAUSIBLE = {"seeds": [[0], [0, 1], "0,1", [3]], "z_dim": [3, 4, 8], "epochs": [1, 2], "n_images": [40, 100, "none"],
             "model": ["ae", "vae"], "dataset": ["synthfaces", "orl"], "filters": [[4, 4, 8, 8]],
             "learning_rate": [1e-3, 5e-4], "batch_norm": [True, False, "true"], "seed": [1], "dropout": [0.1],
             "quality": [True, False], "n_fake": [5, 400], "verdict_draws": [0, 3], "n_boot": [0, 200]}
RUN_KEYS = ["z_dim", "epochs", "n_images", "model", "dataset", "filters", "learning_rate", "batch_norm", "seed",
            "dropout"]


def table(keys: list[str]) -> st.SearchStrategy[dict]:
    """A table of some of ``keys``, each with a meant value (two draws in three) or any value."""
    pair = st.sampled_from(keys).flatmap(lambda k: st.tuples(st.just(k), st.one_of(
        st.sampled_from(PLAUSIBLE[k]), st.sampled_from(PLAUSIBLE[k]), VALUES)))
    return st.lists(pair, max_size=3).map(dict)


#: Grids as a grid file is meant to be, with some keys and values wrong; and dictionaries of anything.
GRIDS = st.fixed_dictionaries({}, optional={
    "seeds": st.sampled_from(PLAUSIBLE["seeds"]) | VALUES, "base": table(RUN_KEYS) | VALUES,
    "variants": st.dictionaries(st.text(max_size=6), table([*RUN_KEYS, "seeds"]) | VALUES, max_size=3) | VALUES,
    "settings": table(["quality", "n_fake", "verdict_draws", "n_boot", "dropout"]) | VALUES,
}) | st.dictionaries(GRID_KEYS, VALUES, max_size=5)


def toml_value(value) -> str:
    """``value`` written as TOML (inline tables, arrays, basic strings; ``inf`` and ``nan`` as TOML spells them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_text(grid: dict) -> str:
    """A grid as a TOML file: scalars and arrays first, then each table as ``[name]``."""
    plain = [f"{toml_value(k)} = {toml_value(v)}" for k, v in grid.items() if not isinstance(v, dict)]
    tables = [f"[{toml_value(k)}]\n" + "".join(f"{toml_value(kk)} = {toml_value(vv)}\n" for kk, vv in v.items())
              for k, v in grid.items() if isinstance(v, dict)]
    return "\n".join(plain) + "\n" + "".join(tables)


@st.composite
def grid_texts(draw) -> str:
    """TOML text: a written grid, the same with a few characters changed, or any text at all."""
    text = toml_text(draw(GRIDS))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=3)) + text[at + draw(st.integers(0, 3)):]
    return draw(st.just(text) | st.text(max_size=40))


@PROPERTY
@given(GRIDS)
def test_random_grid_tables_give_a_plan_or_one_line(grid):
    try:
        plan = sweep.plan_from_spec(grid, where="grid.toml")
        event("a plan")
    except ConfigError as exc:
        event("refused")
        assert "\n" not in str(exc) and str(exc).startswith("grid.toml"), str(exc)
    else:
        assert plan.runs and all(0 <= cfg.seed < 2**31 for _, cfg in plan.runs)


@PROPERTY
@given(grid_texts(), st.lists(st.sampled_from([("--z-dim", "3"), ("--seeds", "1,2"), ("--epochs", "1"),
                                               ("--no-quality",), ("--n-fake", "5"), ("--seed", "1"),
                                               ("--vary", "z_dim=3,4")]), max_size=2))
def test_random_grid_files_on_the_command_line_give_a_plan_or_one_line(text, options):
    """Through ``sweep --grid`` with command-line options (some clash with the grid): a grid that parses is
    handed to the sweep (replaced here, so nothing is trained), any other ends in one ``error:`` line."""
    planned = []
    with tempfile.TemporaryDirectory() as folder, \
            mock.patch.object(sweep, "run_sweep", lambda plan, *a, **k: planned.append(plan) or pd.DataFrame()), \
            mock.patch.object(sweep, "summarise", lambda table: table):
        grid = Path(folder) / "grid.toml"
        grid.write_bytes(text.encode("utf-8", "surrogateescape"))
        code, _, err = cli("sweep", "--grid", str(grid), "--artifacts-dir", str(Path(folder) / "art"),
                           *[part for option in options for part in option])
        event("a plan" if code == 0 else "refused")
        if code == 0:
            assert err == "" and len(planned) == 1
        else:
            one_error(code, err)
            assert planned == [] and not (Path(folder) / "art").exists()
