"""What a label column is: categorical, continuous, an identifier or a split marker, decided once (chapter 1).

Every statistic that reads a run's label table (chapter 3's scoring network and PC association, chapter
4's label carriage, the explorer's colours) asks :func:`column_role`. A column a data set declares in
its :class:`~latent_fragments.data.datasets.LabelSchema` has that role; any other column is
classified by one rule: text or constant columns are no label; integer columns with 2 to ``max_levels``
(:data:`MAX_LEVELS`) values are categorical (a hair style, an ORL identity; a binary attribute is a
category of two levels); integer columns with more values are identifiers (an image index, a renderer
seed); other numbers are continuous. Identifiers and split markers (CelebA's ``partition``) are never
the target of a statistic.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .datasets import CATEGORICAL, CONTINUOUS, DATASETS, IDENTIFIER, SPLIT_MARKER

if TYPE_CHECKING:  # pandas is imported lazily: spawned decoding workers never need it
    import pandas as pd

#: Integer label columns with at most this many levels are categorical; with more, identifiers.
MAX_LEVELS = 64


def declared_roles() -> dict[str, str]:
    """Column name -> role, as the registered data sets declare them (one role per name). Introduced in chapter 1."""
    roles: dict[str, str] = {}
    for dataset in DATASETS.values():
        roles.update(dataset.labels.roles())
    return roles


def column_role(column: "pd.Series", max_levels: int = MAX_LEVELS) -> str | None:
    """The role (:data:`latent_fragments.data.datasets.ROLES`) of a label column, or ``None`` for a column
    that is no label (text, constant). Introduced in chapter 1."""
    import pandas as pd

    declared = declared_roles().get(str(column.name))
    if declared in (IDENTIFIER, SPLIT_MARKER):
        return declared
    if not pd.api.types.is_numeric_dtype(column) or column.nunique() < 2:
        return None
    if declared is not None:
        return declared
    if pd.api.types.is_integer_dtype(column):
        return CATEGORICAL if column.nunique() <= max_levels else IDENTIFIER
    return CONTINUOUS


def is_categorical(column: "pd.Series", max_levels: int = MAX_LEVELS) -> bool:
    """Whether a label column is categorical (:func:`column_role`). Introduced in chapter 1."""
    return column_role(column, max_levels) == CATEGORICAL


def label_columns(labels: "pd.DataFrame", max_levels: int = MAX_LEVELS) -> list[str]:
    """The columns of ``labels`` a statistic may use as labels: categorical or continuous, in table order
    (identifiers, split markers, text and constant columns left out). Introduced in chapter 1."""
    return [name for name in labels.columns if column_role(labels[name], max_levels) in (CATEGORICAL, CONTINUOUS)]

