"""The data-set registry (latent_fragments.data.datasets) and the one rule for what a label column is
(latent_fragments.data.labels), used by chapter 3's scoring network and PC association, chapter 4's
label carriage and the explorer's colours."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from latent_fragments.data import DATASETS, DataError, DataSpec
from latent_fragments.data.datasets import CATEGORICAL, CONTINUOUS, IDENTIFIER, SPLIT_MARKER
from latent_fragments.data.labels import column_role, declared_roles, is_categorical, label_columns


def test_every_data_set_is_one_record_read_by_the_spec():
    assert list(DATASETS) == ["synthfaces", "orl", "celeba", "folder"]
    assert [d.name for d in DATASETS.values() if d.reads_data_dir] == ["celeba", "folder"]
    assert [d.name for d in DATASETS.values() if d.rendered] == ["synthfaces"]
    for name, record in DATASETS.items():
        assert record.name == name and record.description and callable(record.source)
        if record.reads_data_dir:
            with pytest.raises(DataError, match=f"dataset '{name}' needs data_dir"):
                DataSpec(name)
    assert DataSpec("orl").source().names[:2] == ["s1/1.pgm", "s1/2.pgm"]  # the record's source function
    assert DataSpec(n_images=3).source().names == ["0", "1", "2"]
    with pytest.raises(DataError, match="needs n_images .* e.g. 6000"):
        DataSpec("synthfaces")


def test_declared_roles_are_unambiguous_and_name_the_split_marker():
    roles = [role for d in DATASETS.values() for role in d.labels.roles().items()]
    assert len(dict(roles)) == len(set(roles))  # no column name declared with two roles
    assert declared_roles()["partition"] == SPLIT_MARKER
    assert declared_roles()["filename"] == declared_roles()["detail_seed"] == IDENTIFIER


def test_one_rule_for_each_kind_of_column():
    n = 130
    rng = np.random.default_rng(0)
    labels = pd.DataFrame({
        "partition": np.repeat([0, 1, 2], [100, 15, 15]),   # CelebA's split marker: never a label
        "index": np.arange(n),                              # declared identifier
        "Smiling": rng.choice([-1, 1], n).astype(np.int8),  # binary: a category of two levels
        "hair_style": rng.integers(0, 5, n),
        "many": np.arange(n) % 65,                          # exactly 65 levels
        "seed": rng.permutation(n) * 7,                     # more than 64 integer levels: an identifier
        "age": rng.random(n),
        "constant": np.ones(n, int),
        "filename": [f"{i}.jpg" for i in range(n)],
    })
    roles = {name: column_role(labels[name]) for name in labels.columns}
    assert roles == {"partition": SPLIT_MARKER, "index": IDENTIFIER, "Smiling": CATEGORICAL,
                     "hair_style": CATEGORICAL, "many": IDENTIFIER, "seed": IDENTIFIER, "age": CONTINUOUS,
                     "constant": None, "filename": IDENTIFIER}
    assert label_columns(labels) == ["Smiling", "hair_style", "age"]
    assert is_categorical(labels["many"], max_levels=65) and not is_categorical(labels["many"])
    assert not is_categorical(labels["partition"])


def test_the_split_marker_is_no_target_of_any_statistic():
    from latent_fragments.stats.features import ROTATION, SUPERVISED, feature_kind, label_targets
    from latent_fragments.stats.filaments.carriage import label_carriage
    from latent_fragments.stats.fragment import pc_label_association

    rng = np.random.default_rng(1)
    n = 90
    labels = pd.DataFrame({"partition": rng.integers(0, 3, n), "Male": rng.choice([-1, 1], n)})
    scores = rng.normal(size=(n, 3))
    assert label_targets(labels).shape == (n, 1) and feature_kind(labels) == SUPERVISED
    # CelebA's layout without the attribute file: file names and the partition, so no label at all
    celeba = pd.DataFrame({"filename": [f"{i + 1:06d}.jpg" for i in range(n)], "partition": labels["partition"]})
    assert label_columns(celeba) == [] and feature_kind(celeba) == ROTATION
    with pytest.raises(ValueError, match="no usable column"):
        label_targets(celeba)
    assert pc_label_association(scores, celeba, n_pcs=3).empty
    assert list(pc_label_association(scores, labels, n_pcs=3).index) == ["Male"]
    knn = np.stack([rng.permutation(n) for _ in range(3)], axis=1)
    assert list(label_carriage(knn, labels, n_boot=0).index) == ["Male"]


def test_eta_of_a_binary_label_is_its_absolute_correlation():
    """Why one rule (2 to 64 levels) serves chapter 3's association, which used 3 to 64: for two levels
    the correlation ratio and |r| are the same number."""
    from latent_fragments.stats.fragment import pc_label_association

    rng = np.random.default_rng(2)
    label = rng.integers(0, 2, 500)
    scores = rng.normal(size=(500, 2)) + label[:, None] * [1.0, 0.2]
    eta = pc_label_association(scores, pd.DataFrame({"b": label}), n_pcs=2).loc["b"].to_numpy()
    r = np.abs([np.corrcoef(label, scores[:, j])[0, 1] for j in range(2)])
    np.testing.assert_allclose(eta, r, rtol=1e-12)
