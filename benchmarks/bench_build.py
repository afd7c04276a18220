"""Time what a new user meets (issue 13's time goals, issue 14's budget): in a fresh clone of this checkout's
HEAD, `make venv`, `make test`, a cold `make book` (empty artefact and build folders), per-chapter execution
seconds of that build, and a warm rebuild with nothing changed.

    .venv/bin/python benchmarks/bench_build.py [--clone /tmp/lf-clone] [--skip-test | --skip-book] [--extras torch]

Uncommitted changes are not in the clone: commit first. The load average is printed before and after,
because these machines are shared (RESULTS.md records whether the machine was idle).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], cwd: Path) -> float:
    """Run ``cmd`` in ``cwd``, its output to ``cwd/bench-<step>.log``; return wall seconds, exit on failure."""
    log = cwd / f"bench-{'-'.join(cmd[1:3]).replace('=', '_')}.log"
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed after {seconds:.0f} s: see {log}")
    return seconds


def chapter_seconds(clone: Path) -> dict[str, float]:
    """Execution seconds per chapter recorded by the cold build's jupyter-cache."""
    code = ("import json, sys; from jupyter_cache import get_cache; "
            "print(json.dumps({r.uri: r.data.get('execution_seconds') "
            "for r in get_cache(sys.argv[1]).list_cache_records()}))")
    caches = [p for p in (clone / "_build" / ".jupyter_cache").iterdir() if p.is_dir()]
    out = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", code, str(caches[0])],
                         capture_output=True, text=True, check=True).stdout

    return {Path(uri).stem: float(s or 0.0) for uri, s in json.loads(out).items()}


def fmt(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:4.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clone", type=Path, default=Path("/tmp/lf-bench-clone"))
    parser.add_argument("--skip-test", action="store_true", help="time only the book builds")
    parser.add_argument("--skip-book", action="store_true", help="time only make venv and make test")
    parser.add_argument("--extras", default="torch", help="EXTRAS for make (CI uses torch)")
    args = parser.parse_args()
    shutil.rmtree(args.clone, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(args.clone)], check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.clone,
                            capture_output=True, text=True, check=True).stdout.strip()
    print(f"fresh clone of {commit} in {args.clone}; load average before: {os.getloadavg()[0]:.2f}")
    extras = f"EXTRAS={args.extras}" if args.extras else "EXTRAS="
    rows = [("make venv", timed(["make", "venv", extras], args.clone))]
    if not args.skip_test:
        rows.append(("make test (after .venv exists)", timed(["make", "test", extras], args.clone)))
    per_chapter: dict[str, float] = {}
    if not args.skip_book:
        shutil.rmtree(args.clone / "artifacts", ignore_errors=True)  # cold: no run, no data cache, no pages
        shutil.rmtree(args.clone / "_build", ignore_errors=True)
        rows.append(("cold make book", timed(["make", "book", extras], args.clone)))
        per_chapter = chapter_seconds(args.clone)
        rows.append(("warm make book (nothing changed)", timed(["make", "book", extras], args.clone)))
    for name, seconds in rows:
        print(f"{name:36s} {fmt(seconds)}")
    for name, seconds in sorted(per_chapter.items()):
        print(f"  executed {name:28s} {fmt(seconds)}")
    if per_chapter:
        chapters_1_4 = sum(s for n, s in per_chapter.items() if not n.startswith("05"))
        print(f"  chapters 1-4 executed in           {fmt(chapters_1_4)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
