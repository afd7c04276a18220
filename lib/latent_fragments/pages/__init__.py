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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Numbers", "pct", "pct_points", "shown", "training_summary"]


def pct(share: float, digits: int = 1) -> str:
    """A share as a percentage with a thin space before the sign: ``pct(0.1234)`` -> "12.3 %". Chapter 1."""
    return f"{100.0 * float(share):.{int(digits)}f} %"


def pct_points(difference: float, digits: int = 1) -> str:
    """A difference of two shares in percentage points, signed: ``pct_points(0.062)`` -> "+6.2 points". Chapter 1."""
    return f"{100.0 * float(difference):+.{int(digits)}f} points"


def _cell(value: object, fmt: str) -> str:
    """One table cell: ``fmt`` "pct" (a share; "pct2": two decimals), "points" (a difference of shares)
    or a format spec."""
    if isinstance(value, str):
        return value
    if value is None or value != value:  # NaN
        return "–"
    if fmt.startswith("pct"):
        return pct(value, int(fmt[3:] or 1))
    if fmt == "points":
        return pct_points(value)
    return format(value, fmt)


def shown(table, columns: Mapping[str, tuple[str, str]], index: str | None = None):
    """``table`` (a pandas DataFrame) as a page shows it: only ``columns`` (key -> (name for a reader,
    format: "pct" or "pctN" for N decimals, "points" or a format spec such as ".3f")), in that order, renamed, every
    number formatted; ``index`` names the row labels. Introduced in chapter 2."""
    import pandas as pd

    out = pd.DataFrame({name: [_cell(v, fmt) for v in table[key]] for key, (name, fmt) in columns.items()},
                       index=table.index)
    out.index.name = index if index is not None else table.index.name
    return out


def _duration(seconds: float) -> str:
    """``42 s``, ``5 min 12 s`` or ``2 h 05 min``."""
    seconds = int(round(float(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def training_summary(history: Sequence[Mapping[str, float]], n_train: int, loss: str = "loss",
                     n_held_out: int | None = None, backend: str | None = None) -> str:
    """The one line a page shows where a run was just trained, instead of its epoch-by-epoch log (which
    stays in the run folder's ``history.csv``): epochs, images (and held-out images, the Keras backend where
    given), time, the last epoch's losses. Introduced in chapter 1."""
    where = [f"{int(n_held_out):,} held out"] if n_held_out is not None else []
    where += [f"backend {backend}"] if backend else []
    images = f"{int(n_train):,} images" + (f" ({', '.join(where)})" if where else "")
    if not history:
        return f"no epoch trained on {images} (see history.csv in the run folder)"
    last = history[-1]
    held_out = f", held-out {last['val_loss']:.4f}" if "val_loss" in last else ""
    seconds = sum(float(row.get("seconds", 0.0)) for row in history)
    epochs = f"{len(history)} epoch" + ("s" if len(history) != 1 else "")
    return (f"trained {epochs} on {images} in {_duration(seconds)}: final {loss} "
            f"{last['loss']:.4f}{held_out} (epoch log: history.csv in the run folder)")


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
