"""The alignment test's power over synthetic runs, from their truth."""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb import rheology


def test_a_built_in_coupling_is_found_in_most_runs_of_twice_the_paper_length():
    power, runs = rheology.alignment_power(range(5), n_windows=100, n_permutations=499)
    assert list(runs.columns) == ["seed", "p_value", "n_minima", "n_bursts"]
    assert runs.seed.tolist() == [0, 1, 2, 3, 4]
    assert power == np.mean(runs.p_value < 0.05) and power >= 0.8
    assert (runs.n_minima >= 3).all()  # a stress minimum after most bursts


def test_without_stress_drops_there_is_nothing_to_align():
    """No burst moves the stress: at most a stray minimum of the relaxing trace is left,
    and the test finds no alignment (the power is 0 on these seeds)."""
    power, runs = rheology.alignment_power(range(4), n_windows=40, n_permutations=199, stress_drop_per_sector=0.0)
    assert power == 0.0 and (runs.n_minima <= 1).all() and (runs.p_value > 0.1).all()


def test_the_same_seed_gives_the_same_p():
    first = rheology.truth_alignment_p(3, n_windows=40, n_permutations=199)
    assert first == rheology.truth_alignment_p(3, n_windows=40, n_permutations=199)


@pytest.mark.parametrize("seeds, options, message", [
    ([0], dict(alpha=1.0), "alpha must be"),
    ([-1], {}, "seeds must"),
    ([0], dict(n_windows=1), "n_windows must be"),
])
def test_bad_input_names_the_argument(seeds, options, message):
    with pytest.raises(ValueError, match=message):
        rheology.alignment_power(seeds, **options)
