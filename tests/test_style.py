"""One palette for the whole book: every generator and cloud keeps its colour across chapters."""
from __future__ import annotations

import numpy as np

from latent_fragments.stats.generators import (GaussianMixtureGenerator, MultivariateNormal, TruncatedNormal, UniformEllipsoid,
                            matched_generators)
from latent_fragments.plots.style import COLORS, color_for


def test_every_generator_of_the_book_has_its_own_colour():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6))
    gens = [*matched_generators(z), MultivariateNormal.fit(z, name="MND"), TruncatedNormal.fit(z, 2.0),
            UniformEllipsoid.fit(z, name="uniform in 99% ellipsoid"), GaussianMixtureGenerator.fit(z, k=2)]
    colours = [color_for(g.name) for g in gens]
    # the MND appears under two names (chapter 2 "multivariate normal", chapter 3 "MND"): same colour
    assert colours[4] == colours[5] == COLORS["multivariate normal"]
    assert len(set(colours)) == len(gens) - 1
    assert all(c in COLORS.values() for c in colours)


def test_chapter_1_labels_share_the_generators_colours():
    assert color_for("decoded cube points") == color_for("uniform cube b=1.50")
    assert color_for("decoded ball points") == color_for("uniform ball r=3.00")
    assert color_for("training images (n=600)") == COLORS["data"]
    assert color_for("held-out images (n=600)") == COLORS["held-out"]
    assert color_for("something new") == color_for("something new")  # unknown labels: stable colour
