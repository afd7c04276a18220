"""tools/book_config.py: the configuration copy that gives the book launch buttons (issue 7)."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from latent_fragments.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import book_config  # noqa: E402


def test_config_copy_adds_the_repository_and_keeps_everything_else():
    base = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    config = book_config.config_with_repository("https://github.com/someone/latent-fragments.git/")
    assert config["repository"] == {**base["repository"], "url": "https://github.com/someone/latent-fragments"}
    assert config["html"]["use_repository_button"] is True
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["execute"] == base["execute"] and config["exclude_patterns"] == base["exclude_patterns"]
    assert [p for p in config["bibtex_bibfiles"]] == [str(REPO_ROOT / p) for p in base["bibtex_bibfiles"]]
    assert config["sphinx"]["local_extensions"] == {
        name: str(REPO_ROOT / folder) for name, folder in base["sphinx"]["local_extensions"].items()}
    assert config["sphinx"]["config"] == base["sphinx"]["config"]


@pytest.mark.parametrize("url", ["github.com/a/b", "https://example.org/a/b", "https://github.com/a", ""])
def test_bad_repository_urls_are_refused(url):
    with pytest.raises(ValueError, match="REPO_URL must look like"):
        book_config.config_with_repository(url)


def test_written_copy_is_valid_yaml(tmp_path):
    out = tmp_path / "sub" / "_config.yml"
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "book_config.py"),
                           "https://github.com/o/r", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load(out.read_text())["repository"]["url"] == "https://github.com/o/r"
    assert list(out.parent.iterdir()) == [out]  # no temporary file left
