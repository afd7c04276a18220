"""What a chapter page quotes: small result objects of formatted numbers, glued in one call.

A section of a chapter computes its results in code a reader can follow, then hands them to one
function of :mod:`latent_fragments.pages.ae_basics` (chapter 1),
:mod:`latent_fragments.pages.component_distributions` (chapter 2),
:mod:`latent_fragments.pages.pca_fragment` (chapter 3), :mod:`latent_fragments.pages.filaments`
(chapter 4), :mod:`latent_fragments.pages.generality` (chapter 5) or
:mod:`latent_fragments.pages.findings` (chapter 6), which returns :class:`Numbers`;
``numbers.glue()`` (a ``remove-input`` cell) makes them available to the text as ``{glue:text}`name```.
Every sentence that states a result is worded here, in the chapter's module, by a tested function (one
test per branch of its wording); ``latent_fragments.stats`` returns numbers and labels only. A new chapter
``NN_topic`` brings its module ``pages/topic.py`` (tests/test_book.py checks it).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["Numbers", "pct", "pct_points"]


def pct(share: float, digits: int = 1) -> str:
    """A share as a percentage with a thin space before the sign: ``pct(0.1234)`` -> "12.3 %". Chapter 1."""
    return f"{100.0 * float(share):.{int(digits)}f} %"


def pct_points(difference: float, digits: int = 1) -> str:
    """A difference of two shares in percentage points, signed: ``pct_points(0.062)`` -> "+6.2 points". Chapter 1."""
    return f"{100.0 * float(difference):+.{int(digits)}f} points"


@dataclass(frozen=True)
class Numbers(Mapping[str, str]):
    """Named, already formatted numbers and sentences a section of a page quotes (chapter 1)."""

    values: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def __or__(self, other: Mapping[str, str]) -> "Numbers":
        return Numbers({**self.values, **dict(other)})

    def glue(self) -> None:
        """Glue every value under its name for the page's ``{glue:text}`` roles (no output)."""
        from myst_nb import glue

        for name, value in self.values.items():
            glue(name, value, display=False)
