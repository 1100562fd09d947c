"""The paired cluster bootstrap: coverage under no difference, power under a real one."""

import numpy as np
import pytest

from xpcs_nb.evaluation.paired import (PairedDifference, interval_verdict, paired_bootstrap,
                                       paired_mean_difference)


def test_the_interval_covers_zero_about_95_percent_of_the_time_when_the_methods_are_alike():
    rng = np.random.default_rng(1)
    covered = 0
    trials = 200
    for _ in range(trials):
        map_effect = rng.normal(size=30).repeat(4)  # crops of one map share their difficulty
        a = map_effect + rng.normal(scale=0.5, size=120)
        b = map_effect + rng.normal(scale=0.5, size=120)
        result = paired_mean_difference(a, b, groups=np.arange(30).repeat(4), n_resamples=200,
                                        seed=int(rng.integers(1 << 30)))
        covered += result.low <= 0 <= result.high
    assert 0.88 <= covered / trials <= 0.995


def test_pairing_sees_a_small_shift_that_the_shared_map_effect_would_hide():
    rng = np.random.default_rng(2)
    map_effect = rng.normal(scale=3.0, size=40).repeat(3)
    a = map_effect + 0.3 + rng.normal(scale=0.2, size=120)
    b = map_effect + rng.normal(scale=0.2, size=120)
    result = paired_mean_difference(a, b, groups=np.arange(40).repeat(3))
    assert result.low > 0 and interval_verdict(result) == "better than"
    # unpaired, the two means' own spreads (about 3 / sqrt(40) each) swamp the 0.3 shift
    assert np.hypot(a.std() / np.sqrt(40), b.std() / np.sqrt(40)) > 0.3


def test_maps_are_resampled_whole_so_correlated_crops_widen_the_interval():
    rng = np.random.default_rng(3)
    per_map = rng.normal(size=10).repeat(20)
    zeros = np.zeros_like(per_map)
    by_map = paired_mean_difference(per_map, zeros, groups=np.arange(10).repeat(20), seed=0)
    by_crop = paired_mean_difference(per_map, zeros, seed=0)
    assert (by_map.high - by_map.low) > 3 * (by_crop.high - by_crop.low)
    assert by_map.n_groups == 10 and by_crop.n_groups == 200


def test_a_whole_set_score_is_recomputed_on_each_resample():
    calls = []

    def score(index):
        calls.append(len(index))
        return float(len(np.unique(index)))

    result = paired_bootstrap(score, lambda index: 0.0, np.arange(50), n_resamples=100)
    assert len(calls) == 101 and result.difference == 50.0 and result.high < 50


@pytest.mark.parametrize("kwargs, message", [
    (dict(groups=[0]), "groups must hold at least 2"),
    (dict(groups=[1, 1, 1]), "at least 2 different units"),
    (dict(groups=[0, 1], n_resamples=10), "n_resamples"),
    (dict(groups=[0, 1], level=1.0), "level"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        paired_bootstrap(lambda i: 0.0, lambda i: 0.0, **kwargs)


def test_values_of_different_shapes_are_refused_and_the_verdict_wants_a_result():
    with pytest.raises(ValueError, match="values_b must have the shape"):
        paired_mean_difference([1.0, 2.0], [1.0])
    with pytest.raises(TypeError, match="PairedDifference"):
        interval_verdict((0.1, 0.0, 0.2))
    assert interval_verdict(PairedDifference(-0.1, -0.2, -0.01, 0.95, 100, 5)) == "worse than"
