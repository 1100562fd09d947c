"""The domain-gap measure: distance to a reference set against the set's own spacing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from xpcs_nb import latent
from xpcs_nb.latent import gap as gap_module
from xpcs_nb.latent.gap import distance_to_reference, nearest_distance_within


def brute_nearest_within(points: np.ndarray) -> np.ndarray:
    d = cdist(points, points)
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)


def test_nearest_within_matches_the_full_matrix_across_blocks(monkeypatch):
    points = np.random.default_rng(0).normal(size=(37, 5))
    monkeypatch.setattr(gap_module, "ROWS_PER_BLOCK", 8)  # several blocks, the last one short
    np.testing.assert_allclose(nearest_distance_within(points), brute_nearest_within(points), rtol=1e-12)


def test_a_point_is_never_its_own_nearest_but_a_duplicate_is():
    points = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 0.0]])
    assert nearest_distance_within(points).tolist() == [0.0, 0.0, 5.0]


def test_ratio_is_distance_over_the_median_spacing():
    rng = np.random.default_rng(1)
    reference = rng.normal(size=(50, 4))
    queries = np.concatenate([reference[:3] + 1e-3, rng.normal(20.0, 1.0, size=(2, 4))])
    table = distance_to_reference(queries, reference)
    spacing = np.median(brute_nearest_within(reference))
    expected = cdist(queries, reference).min(axis=1)
    assert list(table.columns) == ["nearest_reference", "reference_spacing", "gap_ratio"]
    np.testing.assert_allclose(table.nearest_reference, expected, rtol=1e-12)
    np.testing.assert_allclose(table.reference_spacing, spacing, rtol=1e-12)
    np.testing.assert_allclose(table.gap_ratio, expected / spacing, rtol=1e-12)
    assert (table.gap_ratio[:3] < 0.1).all() and (table.gap_ratio[3:] > 10).all()


def test_one_vector_gives_one_row_and_the_package_exports_it():
    reference = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    table = latent.distance_to_reference([2.0, 2.0], reference)
    assert len(table) == 1 and table.gap_ratio.iloc[0] == pytest.approx(1.0)
    assert latent.nearest_distance_within is nearest_distance_within


@pytest.mark.parametrize("queries, reference, message", [
    (np.zeros((2, 3)), np.zeros((1, 3)), "reference must hold at least 2 vectors"),
    (np.zeros((2, 3)), np.zeros((4, 3)), "reference must hold distinct vectors"),
    (np.zeros((2, 2)), np.eye(3), "latents must have the reference's dimension 3"),
    (np.full((2, 3), np.nan), np.eye(3), "latents must be finite"),
])
def test_bad_input_names_the_argument(queries, reference, message):
    with pytest.raises(ValueError, match=message):
        distance_to_reference(queries, reference)


def brute_nearest_other_group(points: np.ndarray, groups: np.ndarray) -> np.ndarray:
    d = cdist(points, points)
    d[groups[:, None] == groups[None, :]] = np.inf
    return d.min(axis=1)


def test_groups_keep_a_vector_from_its_own_group_across_blocks(monkeypatch):
    rng = np.random.default_rng(2)
    points = rng.normal(size=(41, 3))
    groups = rng.integers(0, 12, size=41)
    monkeypatch.setattr(gap_module, "ROWS_PER_BLOCK", 8)
    np.testing.assert_allclose(nearest_distance_within(points, groups=groups),
                               brute_nearest_other_group(points, groups), rtol=1e-12)


def test_a_twin_no_longer_sets_the_spacing():
    """Maps on a grid of step 1, each cut into two crops 0.001 apart: without groups the
    twins set the spacing (0.001); with the maps as groups, the grid's step does."""
    maps = np.array([[x, y] for x in range(5) for y in range(5)], dtype=float)  # 25 maps, step 1
    crops = np.concatenate([maps, maps + [0.001, 0.0]])
    map_of_crop = np.tile(np.arange(len(maps)), 2)
    query = np.array([[2.5, 2.0]])  # half a step from the nearest map
    with_twins = distance_to_reference(query, crops)
    without = distance_to_reference(query, crops, groups=map_of_crop)
    assert with_twins.reference_spacing.iloc[0] == pytest.approx(0.001)
    assert without.reference_spacing.iloc[0] == pytest.approx(1.0, abs=1e-3)
    assert without.nearest_reference.iloc[0] == with_twins.nearest_reference.iloc[0]  # all crops searched
    assert without.gap_ratio.iloc[0] == pytest.approx(0.5, abs=1e-3)
    assert with_twins.gap_ratio.iloc[0] > 400  # the twins made a neighbour half a step away look remote


@pytest.mark.parametrize("groups, message", [
    ([0, 1], "groups must hold one group per vector \\(3\\), got 2"),
    ([7, 7, 7], "groups must name at least 2 different groups"),
])
def test_bad_groups_name_the_argument(groups, message):
    with pytest.raises(ValueError, match=message):
        distance_to_reference(np.zeros((1, 2)), np.eye(3)[:, :2], groups=groups)
