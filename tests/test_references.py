"""The references a reader can follow: every entry of book/references.bib has a link, every citation in the
book names an entry, and the follow-up series that chapter 5 builds on is listed."""
from __future__ import annotations

import re

from latent_fragments.config import REPO_ROOT

BIB = (REPO_ROOT / "book" / "references.bib").read_text()
ENTRIES = dict(re.findall(r"^@\w+\{(\w+),(.*?)^\}", BIB, flags=re.M | re.S))


def cited_keys() -> set[str]:
    keys: set[str] = set()
    for path in (REPO_ROOT / "book").glob("*"):
        if path.suffix in {".md", ".py"}:
            for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", path.read_text()):
                keys.update(k.strip() for k in group.split(","))
    return keys


def test_every_entry_has_a_link():
    assert len(ENTRIES) >= 20
    missing = [key for key, body in ENTRIES.items() if not re.search(r"^\s*(url|doi)\s*=", body, flags=re.M)]
    assert not missing, f"references without a DOI or URL: {missing}"
    for key, body in ENTRIES.items():
        url = re.search(r"^\s*url\s*=\s*\{(.*?)\}", body, flags=re.M)
        assert url is None or url.group(1).startswith("https://"), key


def test_every_citation_names_an_entry_and_the_2024_series_is_listed():
    cited = cited_keys()
    assert cited and cited <= set(ENTRIES), f"citations without an entry: {sorted(cited - set(ENTRIES))}"
    assert "machine-learning.anracom.com/2024/08/08/" in BIB  # the follow-up series chapter 5 builds on
