"""precision@k per label (chapter 6's search beside its baselines) against a brute-force count."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from xpcs_nb.evaluation.by_label import ALL_LABELS, per_query_precision, precision_by_label


def brute_force_precision(features, labels, groups, query, k):
    """Sort every other crop by its squared distance with plain Python, keep k outside the group."""
    others = [(sum((a - b) ** 2 for a, b in zip(features[query], features[j])), j)
              for j in range(len(features)) if groups[j] != groups[query]]
    nearest = [j for _, j in sorted(others)[:k]]
    return sum(labels[j] == labels[query] for j in nearest) / k


def test_a_hand_checked_set():
    # two labels on a line; crop 2 (label 0) sits nearer the label-1 crops than its own
    features = np.array([[0.0], [1.0], [4.0], [5.0], [5.5]])
    labels = np.array([0, 0, 0, 1, 1])
    scores = per_query_precision({"line": features}, labels, k=1)["line"][0]
    # nearest of 0 is 1 (same), of 1 is 0 (same), of 2 is 3 (other), of 3 is 4, of 4 is 3
    assert scores.tolist() == [1.0, 1.0, 0.0, 1.0, 1.0]
    table = precision_by_label({"line": features}, labels, k=1).set_index(["method", "label"])
    assert table.loc[("line", 0), "mean"] == pytest.approx(2 / 3)
    assert table.loc[("line", 1), "mean"] == 1.0
    assert table.loc[("line", ALL_LABELS), "mean"] == pytest.approx(4 / 5)
    assert table.loc[("line", 0), "std"] == pytest.approx(np.std([1, 1, 0]))
    # chance: the query's label among the other four crops
    assert table.loc[("chance", 0), "mean"] == pytest.approx(2 / 4)
    assert table.loc[("chance", 1), "mean"] == pytest.approx(1 / 4)


def test_groups_leave_the_twin_out():
    features = np.array([[0.0], [0.1], [3.0], [3.1]])
    labels = np.array([0, 1, 1, 0])
    groups = np.array([0, 0, 1, 1])  # crop 0's twin is crop 1
    with_twin = per_query_precision({"f": features}, labels, k=1)["f"][0]
    without = per_query_precision({"f": features}, labels, k=1, groups=groups)["f"][0]
    assert with_twin.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert without.tolist() == [0.0, 1.0, 1.0, 0.0]  # 1 -> 2 (label 1), 2 -> 1 (label 1)


@pytest.mark.parametrize("seed, k", list(itertools.product(range(4), (1, 3))))
def test_against_brute_force_on_random_sets(seed, k):
    rng = np.random.default_rng(seed)
    n = 18
    features = rng.normal(size=(n, 3))
    labels = rng.integers(0, 3, n)
    groups = np.arange(n) // 2  # pairs of crops from one map
    runs = {"a": features, "b": [features, features[:, ::-1] * 2.0]}
    table = precision_by_label(runs, labels, k, groups=groups).set_index(["method", "label"])
    for method, arrays in (("a", [features]), ("b", runs["b"])):
        per_query = np.array([[brute_force_precision(f.tolist(), labels, groups, q, k) for q in range(n)]
                              for f in arrays])
        for label in np.unique(labels):
            values = per_query[:, labels == label]
            assert table.loc[(method, label), "mean"] == pytest.approx(values.mean())
            assert table.loc[(method, label), "std"] == pytest.approx(values.std())
            assert table.loc[(method, label), "n"] == values.size
        assert table.loc[(method, ALL_LABELS), "mean"] == pytest.approx(per_query.mean())
    chance = [np.mean([labels[j] == labels[q] for j in range(n) if groups[j] != groups[q]]) for q in range(n)]
    assert table.loc[("chance", ALL_LABELS), "mean"] == pytest.approx(np.mean(chance))


def test_bad_input_is_named():
    features = np.zeros((4, 2))
    labels = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="runs\\['short'\\] must hold arrays"):
        precision_by_label({"short": features[:3]}, labels, k=1)
    with pytest.raises(ValueError, match="runs must be a non-empty mapping"):
        precision_by_label({}, labels, k=1)
    with pytest.raises(ValueError, match="non-empty list"):
        precision_by_label({"none": []}, labels, k=1)
    with pytest.raises(ValueError, match="k"):
        precision_by_label({"f": features}, labels, k=4)  # only 3 other crops
