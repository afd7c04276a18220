"""The numbers chapter 4 quotes, one function per section, each returning :class:`Numbers`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..stats.filaments import carriage_sentence, tails_sentence, whole_cloud_sentence
from . import Numbers

#: The scale statistics chapter 4 compares between the verdict's sample and all z-points.
SCALE_KEYS = ("mean 1-NN distance", "mean 20-NN distance", "TwoNN dimension", "Levina–Bickel dimension")


def sample_numbers(n_points: int, n_all: int, n_null_draws: int) -> Numbers:
    """Points the verdict measures, training z-points in all, null draws per null model.
    Introduced in chapter 4."""
    return Numbers({"n_points": f"{n_points:,}", "n_all": f"{n_all:,}", "n_null": f"{n_null_draws}"})


def cluster_numbers(data_summary: Mapping[str, float], null_summaries: Sequence[Mapping[str, float]]) -> Numbers:
    """HDBSCAN's cluster counts in the data and in the null draws shown. Introduced in chapter 4."""
    return Numbers({"data_clusters": f"{data_summary['n_clusters']}",
                    "null_clusters": ", ".join(str(s["n_clusters"]) for s in null_summaries)})


def outlier_numbers(profile: pd.DataFrame) -> Numbers:
    """Shares beyond 3 and 5 sigma on any axis and beyond the 3-sigma Mahalanobis radius, observed and
    expected for an MND, and the tails sentence. Introduced in chapter 4."""
    by = profile.set_index(["criterion", "threshold"])

    def pct(key: tuple[str, float], column: str, digits: int) -> str:
        return f"{100 * by.loc[key, column]:.{digits}f} %"

    axis3, axis5, maha3 = ("any axis", 3.0), ("any axis", 5.0), ("Mahalanobis", 3.0)
    return Numbers({"out_axis3": pct(axis3, "observed", 1), "out_axis3_mnd": pct(axis3, "expected", 1),
                    "out_axis5": pct(axis5, "observed", 2), "out_axis5_mnd": pct(axis5, "expected", 4),
                    "out_maha3": pct(maha3, "observed", 1), "out_maha3_mnd": pct(maha3, "expected", 2),
                    "tails": tails_sentence(profile)})


def carriage_numbers(carried: pd.DataFrame) -> Numbers:
    """What the small scales carry, as one sentence. Introduced in chapter 4."""
    return Numbers({"carriage": carriage_sentence(carried)})


def scale_table(sample: Mapping[str, float], whole: Mapping[str, float] | None, n_all: int) -> pd.DataFrame:
    """The scale statistics of the verdict's sample beside those of all z-points (if measured).
    Introduced in chapter 4."""
    table = pd.DataFrame({f"sample of {sample['points']:,.0f}": [sample[k] for k in SCALE_KEYS]},
                         index=list(SCALE_KEYS))
    if whole is not None:
        table[f"all {n_all:,}"] = [whole[k] for k in SCALE_KEYS]
    return table


def whole_cloud_numbers(sample: Mapping[str, float], whole: Mapping[str, float] | None) -> Numbers:
    """The sentence comparing the sample's dimension estimates with the whole cloud's.
    Introduced in chapter 4."""
    return Numbers({"whole_note": whole_cloud_sentence(dict(sample), None if whole is None else dict(whole))})
