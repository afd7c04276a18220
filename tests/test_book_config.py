"""tools/book_config.py: the configuration copy a build uses (launch buttons, code-keyed execution cache)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from latent_fragments.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import book_config  # noqa: E402


def test_config_copy_adds_the_repository_and_keeps_everything_else(tmp_path):
    base = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    config = book_config.build_config(tmp_path, "https://github.com/someone/latent-fragments.git/")
    assert config["repository"] == {**base["repository"], "url": "https://github.com/someone/latent-fragments"}
    assert config["html"]["use_repository_button"] is True
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert {k: v for k, v in config["execute"].items() if k != "cache"} == base["execute"]
    assert config["exclude_patterns"] == base["exclude_patterns"]
    assert [p for p in config["bibtex_bibfiles"]] == [str(REPO_ROOT / p) for p in base["bibtex_bibfiles"]]
    assert config["sphinx"]["local_extensions"] == {
        name: str(REPO_ROOT / folder) for name, folder in base["sphinx"]["local_extensions"].items()}
    assert config["sphinx"]["config"] == base["sphinx"]["config"]
    plain = book_config.build_config(tmp_path)
    assert "url" not in plain.get("repository", {})
    # without a repository no launch service: jupyter-book would point them at its own repository
    assert plain["launch_buttons"]["binderhub_url"] == plain["launch_buttons"]["colab_url"] == ""


def test_execution_cache_follows_the_package_code_and_the_profile(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    first = book_config.code_hash(package, "full")
    assert book_config.code_hash(package, "full") == first  # stable
    assert book_config.code_hash(package, "small") != first
    (package / "sub" / "b.py").write_text("y = 3\n")  # an edit in a subpackage
    assert book_config.code_hash(package, "full") != first
    monkeypatch.setenv("LF_PROFILE", "small")
    cache = book_config.build_config(tmp_path / "caches")["execute"]["cache"]
    assert cache == str((tmp_path / "caches").resolve() / book_config.code_hash(profile="small"))


def test_old_caches_are_pruned(tmp_path):
    for name in ("old1", "old2", "current"):
        (tmp_path / name).mkdir()
    removed = book_config.prune_caches(tmp_path, "current")
    assert sorted(p.name for p in removed) == ["old1", "old2"]
    assert [p.name for p in tmp_path.iterdir()] == ["current"]


@pytest.mark.parametrize("url", ["github.com/a/b", "https://example.org/a/b", "https://github.com/a"])
def test_bad_repository_urls_are_refused(url, tmp_path):
    with pytest.raises(ValueError, match="REPO_URL must look like"):
        book_config.build_config(tmp_path, url)


def test_written_copy_is_valid_yaml(tmp_path):
    out = tmp_path / "sub" / "_config.yml"
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "book_config.py"), str(out),
                           "--cache-root", str(tmp_path / "cache"), "--repo-url", "https://github.com/o/r"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    config = yaml.safe_load(out.read_text())
    assert config["repository"]["url"] == "https://github.com/o/r"
    assert config["execute"]["cache"].startswith(str((tmp_path / "cache").resolve()))
    assert list(out.parent.iterdir()) == [out]  # no temporary file left


def _tiny_book(root, assertion: str):
    """A one-chapter book under ``root`` whose only code cell asserts ``assertion``, built with the book's
    own execution settings."""
    import nbformat

    execute = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["execute"]
    root.mkdir()
    (root / "_config.yml").write_text(yaml.safe_dump({
        "title": "t", "only_build_toc_files": True,
        "execute": {**execute, "cache": str(root / "cache")}}))
    (root / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "chapter"}))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter"),
                                         nbformat.v4.new_code_cell(f"assert {assertion}")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(root / "chapter.ipynb"))
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return subprocess.run([str(jupyter_book), "build", str(root), "-W", "--keep-going"],
                          capture_output=True, text=True, timeout=600)


def test_a_failing_cell_fails_the_book_build(tmp_path):
    """`make test` executes each chapter once, in the small book build, instead of again under nbval: a cell
    that raises (a hidden nbval assertion that no longer holds, say) must fail that build."""
    failing = _tiny_book(tmp_path / "failing", "1 == 2")
    assert failing.returncode != 0
    assert "Executing notebook failed" in failing.stdout + failing.stderr
    passing = _tiny_book(tmp_path / "passing", "1 == 1")  # the control: the same book builds when it holds
    assert passing.returncode == 0, (passing.stdout + passing.stderr)[-3000:]


def test_local_scripts_extension_emits_each_script_once():
    """jupyter-book 1.x adds Thebe's configuration script twice; tools/local_scripts.py keeps the first."""
    from local_scripts import unique_scripts  # tools/ is on sys.path (above)
    from sphinx.builders.html._assets import _JavaScript

    config = _JavaScript(None, body='const THEBE_JS_URL = "x"')
    again = _JavaScript("", body='const THEBE_JS_URL = "x"')  # how jupyter-book 1.x repeats it
    scripts = [_JavaScript("a.js"), config, _JavaScript("b.js", defer="defer"), again, _JavaScript("a.js"),
               _JavaScript("b.js")]
    assert unique_scripts(scripts) == [_JavaScript("a.js"), config, _JavaScript("b.js", defer="defer"),
                                       _JavaScript("b.js")]
    assert "local_scripts: tools/" in (REPO_ROOT / "_config.yml").read_text()
