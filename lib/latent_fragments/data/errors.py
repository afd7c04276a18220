"""Errors in asking for data, and the words they use (chapter 1)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

#: Where the CelebA files are expected (the end of every message about a missing or bad CelebA directory).
CELEBA_LAYOUT = (
    "expected data_dir/img_align_celeba/000001.jpg ... (or data_dir/img_align_celeba.zip with members "
    "img_align_celeba/000001.jpg ..., or data_dir being the img_align_celeba folder itself), optionally "
    "with data_dir/list_attr_celeba.txt and data_dir/list_eval_partition.txt; pass the directory as "
    "`-p data_dir /path/to/celeba` to papermill or `--data-dir /path/to/celeba` to the CLI"
)


class DataError(ValueError):
    """A data set was asked for wrongly or is not where it should be; the message says what to do.

    Introduced in chapter 1.
    """


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (numpy integers included, booleans not). Introduced in chapter 1."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def describe_error(exc: BaseException) -> str:
    """``"<Type>: <first line of the message>"``, at most 120 characters, for messages. Introduced in chapter 1."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:120] if text else type(exc).__name__
