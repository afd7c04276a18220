"""The Colab recipe of the "Reproduce" page, run as far as this machine allows: its shell lines against a
local clone in a throwaway virtual environment that sees the installed packages (no download), then the
first cells of chapter 1 with the package it installed."""
from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat

from latent_fragments.config import REPO_ROOT


def colab_recipe() -> list[str]:
    """The lines of the first ``ipython`` block after "**Colab**" on the Reproduce page."""
    page = (REPO_ROOT / "book" / "reproduce.md").read_text()
    block = re.search(r"\*\*Colab\*\*.*?```ipython\n(.*?)```", page, flags=re.S)
    assert block, "the Reproduce page has no Colab recipe"
    return [line for line in block.group(1).splitlines() if line.strip()]


def throwaway_venv(root: Path) -> Path:
    """A new venv whose imports fall back on this environment's packages (but not its editable install)."""
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    python = root / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "host-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_colab_recipe_installs_an_importable_package(tmp_path):
    lines = colab_recipe()
    assert not any("sys.path" in line for line in lines), "the recipe must install the package, not patch paths"
    python = throwaway_venv(tmp_path / "venv")
    content = tmp_path / "content"
    cwd = tmp_path
    for line in lines:
        line = line.replace("https://github.com/OWNER/REPO", str(REPO_ROOT)).replace("/content", str(content))
        if line.startswith("%cd "):
            cwd = Path(line[4:].strip())
            continue
        assert line.startswith("!"), f"unexpected recipe line {line!r}"
        command = line[1:].replace("pip install", f"{python} -m pip install", 1)
        proc = subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{line}: {proc.stderr[-2000:]}"
    assert cwd == content / "latent-fragments" / "book" and cwd.is_dir()
    chapter = nbformat.read(cwd / "01_ae_basics.ipynb", as_version=4)  # the clone's chapter
    first = [c.source for c in chapter.cells if c.cell_type == "code"][:2]  # parameters, imports
    script = "\n".join(first) + textwrap.dedent("""
        import latent_fragments
        print("PACKAGE", latent_fragments.__file__)
    """)
    proc = subprocess.run([str(python), "-c", script], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    package = Path(re.search(r"PACKAGE (\S+)", proc.stdout).group(1))
    assert tmp_path / "venv" in package.parents  # the recipe's install, not this checkout's editable one
