"""Chapter 6's search comparisons, paired per query: the interval follows the per-query differences."""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb.evaluation.paired_search import PAIRED_COLUMNS, TOO_FEW_MAPS, paired_precision_differences

K = 4


def quarters(rng, n):
    """Per-query precision@4 values: multiples of 1/4, as the search gives."""
    return rng.integers(0, K + 1, size=n) / K


def test_a_constant_lead_on_every_query_has_a_zero_width_interval():
    rng = np.random.default_rng(0)
    other = quarters(rng, 40) * 0.5  # in [0, 0.5]
    table = paired_precision_differences({"trained": other + 0.25, "pca": other}, labels=np.repeat([0, 1], 20),
                                         groups=np.repeat(np.arange(20), 2), n_resamples=200)
    assert list(table.columns) == list(PAIRED_COLUMNS)
    assert table.label.tolist() == [0, 1, "all"]
    np.testing.assert_allclose(table[["difference", "low", "high"]].to_numpy(), 0.25, atol=1e-12)
    assert (table.verdict == "better than").all()


def test_noise_around_the_same_mean_is_no_better_and_a_clear_loss_is_worse():
    """Query scores whose scatter over queries hides a small lead; pairing finds it, and
    finds no lead where there is none (the interval covers the true difference, 0)."""
    rng = np.random.default_rng(1)
    n = 400
    base = quarters(rng, n)
    same = np.clip(base + rng.choice([-0.25, 0.0, 0.25], size=n), 0, 1)
    lower = np.clip(base - 0.25, 0, 1)
    labels, groups = np.zeros(n, int), np.repeat(np.arange(n // 2), 2)
    table = paired_precision_differences({"trained": base, "same": same, "lower": lower}, labels, groups)
    overall = table[table.label == "all"].set_index("method")
    assert overall.loc["same", "low"] < 0 < overall.loc["same", "high"]
    assert overall.loc["same", "verdict"] == "no better than"
    assert overall.loc["lower", "verdict"] == "better than"  # trained is above 'lower'
    flipped = paired_precision_differences({"trained": lower, "base": base}, labels, groups)
    assert flipped.verdict.iloc[-1] == "worse than"
    assert base.std() > 0.25  # the spread over queries alone would hide a lead of up to 0.25


def test_several_runs_are_averaged_per_query_before_pairing():
    runs = np.array([[1.0, 0.0, 0.5, 0.5], [0.0, 1.0, 0.5, 0.5]])  # two draws, per query mean 0.5
    table = paired_precision_differences({"trained": np.full(4, 0.75), "untrained": runs}, [0, 0, 0, 0],
                                         [0, 1, 2, 3], n_resamples=100)
    assert table.difference.tolist() == [0.25, 0.25]
    assert table.low.iloc[-1] == pytest.approx(0.25) and table.high.iloc[-1] == pytest.approx(0.25)


def test_a_label_from_a_single_map_gets_no_interval():
    table = paired_precision_differences({"trained": [1.0, 1.0, 0.5, 0.25], "pca": [0.5, 0.5, 0.5, 0.5]},
                                         labels=[0, 0, 1, 1], groups=[7, 7, 8, 9], n_resamples=100)
    row = table[table.label == 0].iloc[0]
    assert row.verdict == TOO_FEW_MAPS and np.isnan(row.low) and row.difference == 0.5
    assert row.n_queries == 2 and row.n_maps == 1


@pytest.mark.parametrize("scores, labels, groups, message", [
    ({"pca": [0.5, 0.5]}, [0, 0], [0, 1], "scores must be a mapping holding reference 'trained'"),
    ({"trained": [0.5, 0.5]}, [0, 0], [0, 1], "at least one other method"),
    ({"trained": [0.5, 0.5], "pca": [0.5]}, [0, 0], [0, 1], r"scores\['pca'\] must hold one value per query \(2"),
    ({"trained": [0.5, 1.5], "pca": [0.5, 0.5]}, [0, 0], [0, 1], r"scores\['trained'\]"),
    ({"trained": [0.5, 0.5], "pca": [0.5, 0.5]}, [0, 0], [0, 1, 2], "groups must hold one map per query"),
])
def test_bad_input_names_the_argument(scores, labels, groups, message):
    with pytest.raises(ValueError, match=message):
        paired_precision_differences(scores, labels, groups, n_resamples=100)
