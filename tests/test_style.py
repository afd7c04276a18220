"""One palette for the whole book: every generator and cloud keeps its colour across chapters."""
from __future__ import annotations

import numpy as np
import pytest

from latent_fragments.plots.style import COLORS, color
from latent_fragments.stats.generators import (GaussianMixtureGenerator, MultivariateNormal, TruncatedNormal,
                                               UniformEllipsoid, matched_generators)

KINDS = ("data", "held_out", "null", "reconstruction", "cube", "ball", "isotropic_normal",
         "independent_normals", "mnd", "mnd_truncated", "ellipsoid", "gmm")


def _book_generators():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6))
    return [*matched_generators(z), MultivariateNormal.fit(z, name="MND"), TruncatedNormal.fit(z, 2.0),
            UniformEllipsoid.fit(z, name="uniform in 99% ellipsoid"), GaussianMixtureGenerator.fit(z, k=2)]


def test_every_agreed_kind_has_its_own_colour() -> None:
    assert set(KINDS) <= set(COLORS)
    assert len({color(kind) for kind in COLORS}) == len(COLORS)
    with pytest.raises(KeyError, match="unknown kind 'uniform cube'"):
        color("uniform cube")


def test_every_generator_of_the_book_has_a_kind_with_its_own_colour() -> None:
    gens = _book_generators()
    kinds = [g.kind for g in gens]
    # the MND appears twice (chapter 2's matched one, chapter 3's "MND"): one kind, one colour
    assert kinds == ["cube", "ball", "isotropic_normal", "independent_normals", "mnd", "mnd", "mnd_truncated",
                     "ellipsoid", "gmm"]
    assert len({color(k) for k in kinds}) == len(gens) - 1


