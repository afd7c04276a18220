"""The numbers chapter 3 quotes, one function per section, each returning :class:`Numbers`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..stats import fragment_sentences as say
from ..stats.gaussian import Gaussian
from . import Numbers


def shape_numbers(frag: Gaussian) -> Numbers:
    """Axes holding 95 % and 99 % of the variance and the sentence on the fragment's shape.
    Introduced in chapter 3."""
    sigmas = frag.sigmas
    sentence = say.shape_sentence(frag.n_components_for(0.90), len(sigmas), float(sigmas[0]),
                                  float(np.median(sigmas)))
    return Numbers({"n95": f"{frag.n_components_for(0.95)}", "n99": f"{frag.n_components_for(0.99)}",
                    "shape_sentence": sentence})


def origin_numbers(frag: Gaussian, where: Mapping[str, float], summary: Mapping[str, float]) -> Numbers:
    """Where the origin lies: in Euclidean terms, in the leading subspace, and in the full space,
    whose thin axes (sigma under a tenth of the largest) are counted. Introduced in chapter 3."""
    n_thin = int(np.sum(frag.sigmas < 0.1 * frag.sigmas[0]))
    return Numbers({"origin_euclidean": say.euclidean_origin_sentence(where["origin_radius_ratio"]),
                    "origin_subspace": say.subspace_origin_sentence(summary),
                    "origin_full": say.full_origin_sentence(summary, n_thin, len(frag.sigmas))})


def normality_numbers(per_pc: pd.DataFrame, alpha: float = 0.01, n_lead: int = 10) -> Numbers:
    """Shares of principal components (all, and the first ``n_lead``) whose Shapiro-Wilk test rejects
    at ``alpha``. Introduced in chapter 3."""
    rejected = per_pc["shapiro_p"] < alpha
    return Numbers({"share_sw": f"{100 * np.mean(rejected):.0f} %",
                    "share_sw_lead": f"{100 * np.mean(rejected.iloc[:n_lead]):.0f} %"})


def core_numbers(core: Mapping[str, float], dim: int) -> Numbers:
    """The 3-sigma core and its Henze-Zirkler test. Introduced in chapter 3."""
    hz_p = core["hz_p"]
    return Numbers({"core_sentence": say.core_sentence(core, dim), "hz_dims": f"{int(core['hz_dims'])}",
                    "hz_n": f"{int(core['hz_n']):,}",
                    "hz_p": f"{hz_p:.2g}" if hz_p > 0 else "0 (below double precision)",
                    "hz_verdict": say.hz_sentence(hz_p)})


def path_numbers(frag: Gaussian, line: np.ndarray, z_train: np.ndarray) -> Numbers:
    """How far a straight line between two z-points leaves the fragment. Introduced in chapter 3."""
    sentence = say.path_sentence(frag.mahalanobis(line, squared=True), frag.mahalanobis(z_train, squared=True),
                                 len(frag.mean))
    return Numbers({"path_sentence": sentence})


def quality_numbers(table: pd.DataFrame, generators: Sequence[str], cube: str, density: Sequence[str],
                    mixtures: Sequence[str], real: str) -> Numbers:
    """What the quality table says: the feature space, the ranking of the generators and what mixture
    samples add over the single MND. Introduced in chapter 3."""
    return Numbers({"feature_sentence": say.feature_space_sentence(table, cube, real),
                    "ranking": say.ranking_sentence(table, list(generators), cube, list(density), real),
                    "mixture_samples": say.mixture_samples_sentence(table, mixtures[-1], "MND")})


def association_numbers(association: pd.DataFrame) -> Numbers:
    """The label the first principal axis goes with most strongly, and how strongly.
    Introduced in chapter 3."""
    return Numbers({"pc1_label": str(association["PC1"].idxmax()),
                    "pc1_value": f"{association['PC1'].max():.2f}"})
