"""latent_fragments.stats.proportions: exact binomial intervals (coverage by simulation) and tests."""
from __future__ import annotations

import numpy as np
import pytest

from latent_fragments.stats.proportions import all_inside_detectable, clopper_pearson, level_test_p


def test_clopper_pearson_known_values():
    assert clopper_pearson(0, 60)[0] == 0.0 and clopper_pearson(0, 60)[1] == pytest.approx(0.0596, abs=1e-4)
    assert clopper_pearson(600, 600)[1] == 1.0 and clopper_pearson(600, 600)[0] == pytest.approx(0.99387, abs=1e-5)
    lo, hi = clopper_pearson(30, 60)
    assert lo < 0.5 < hi and hi - 0.5 == pytest.approx(0.5 - lo)
    with pytest.raises(ValueError):
        clopper_pearson(5, 4)


@pytest.mark.parametrize("p, n", [(0.02, 60), (0.99, 600), (0.3, 40)])
def test_clopper_pearson_covers_at_least_its_level(p, n):
    """400 replicates: coverage of a 95 % interval is at least 95 % up to sampling error (about 1.1 %)."""
    k = np.random.default_rng(int(100 * p) + n).binomial(n, p, size=400)
    covered = np.mean([lo <= p <= hi for lo, hi in (clopper_pearson(int(x), n) for x in k)])
    assert covered >= 0.93


def test_level_test_and_the_size_from_which_above_is_detectable():
    assert level_test_p(594, 600, 0.99) > 0.5 and level_test_p(586, 600, 0.99) < 0.01
    assert all_inside_detectable(600, 0.99, 0.01) and all_inside_detectable(530, 0.99, 0.01)
    assert not all_inside_detectable(529, 0.99, 0.01) and not all_inside_detectable(40, 0.99, 0.01)
