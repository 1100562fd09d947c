"""Classes over time, stress minima, the rheometer clock, and the alignment test."""


import numpy as np
import pandas as pd
import pytest

from xpcs_nb import rheology


# ------------------------------------------------------------- fractions


def test_fractions_count_each_window_and_sum_to_one():
    rng = np.random.default_rng(0)
    windows = np.repeat([10.0, 20.0, 30.0], 18)
    labels = rng.integers(0, 4, size=windows.size)
    fractions = rheology.class_fractions(labels, windows, n_classes=5)

    assert fractions.shape == (3, 5)
    np.testing.assert_allclose(fractions.sum(axis=1), 1.0)
    assert fractions.loc[20.0, 2] == pytest.approx(np.mean(labels[18:36] == 2))
    assert (fractions[4] == 0).all()  # a class with no member is a column of zeros


def test_a_window_without_points_is_a_row_of_nan():
    fractions = rheology.class_fractions(np.array([0, 1, 1]), np.array([1, 1, 3]), windows=[1, 2, 3])
    assert fractions.loc[2].isna().all()
    assert fractions.loc[[1, 3]].sum(axis=1).tolist() == [1.0, 1.0]


def test_fractions_reject_mismatched_input():
    with pytest.raises(ValueError, match="window_ids must have one entry per label"):
        rheology.class_fractions(np.array([0, 1]), np.array([0]))
    with pytest.raises(ValueError, match="n_classes must exceed every label"):
        rheology.class_fractions(np.array([0, 3]), np.array([0, 0]), n_classes=3)


# ------------------------------------------------------- rheometer clock


def sheared_then_resting(rest_samples=5):
    """30/s for 4 s, 100/s for 2 s (1 s samples), then noise-level rates 10 s apart."""
    time = np.concatenate([np.arange(6.0), 15.0 + 10.0 * np.arange(rest_samples)])
    rate = np.concatenate([[30.0] * 4, [100.0] * 2, 1e-6 * np.array([1, -2, 3, -1, 2])[:rest_samples]])
    return pd.DataFrame({"time": time, "shear_rate": rate, "shear_stress": 100.0 + time})


def test_shear_stops_at_the_first_resting_sample():
    assert rheology.shear_stop_time(sheared_then_resting()) == 15.0
    np.testing.assert_allclose(rheology.align_windows([-5.0, 52.0], 15.0), [10.0, 67.0])
    time, stress = rheology.stress_after_shear(sheared_then_resting())
    assert time[0] == 15.0 and stress.size == 5


def test_shear_stop_needs_a_stop():
    never_stops = sheared_then_resting().assign(shear_rate=30.0)
    with pytest.raises(ValueError, match="never returns to zero"):
        rheology.shear_stop_time(never_stops)
    with pytest.raises(ValueError, match="no shear"):
        rheology.shear_stop_time(sheared_then_resting().assign(shear_rate=0.0))
    with pytest.raises(ValueError, match="missing"):
        rheology.shear_stop_time(pd.DataFrame({"time": [0.0]}))


# ---------------------------------------------------------------- minima


def dipped_trace(dips, seed=0, noise=0.1):
    """A slowly rising stress, 10 s samples, with Gaussian dips {time: depth}, plus noise."""
    time = np.arange(0.0, 3000.0, 10.0)
    stress = 85.0 + time / 1000.0 + noise * np.random.default_rng(seed).normal(size=time.size)
    for centre, depth in dips.items():
        stress -= depth * np.exp(-0.5 * ((time - centre) / 40.0) ** 2)
    return time, stress


def test_minima_are_the_dips_and_not_the_noise():
    dips = {600.0: 5.0, 1200.0: 8.0, 2100.0: 3.0}
    time, stress = dipped_trace(dips)
    for smooth in (1, 3):
        _, found = rheology.stress_minima(time, stress, smooth=smooth)
        assert found.size == 3
        np.testing.assert_allclose(found, list(dips), atol=20.0)
    _, deep_only = rheology.stress_minima(time, stress, prominence=6.0)
    np.testing.assert_allclose(deep_only, [1200.0], atol=20.0)


def test_noise_level_sees_through_the_drift():
    time = np.arange(2000.0)
    noisy = 0.3 * np.random.default_rng(1).normal(size=time.size) + 0.05 * time
    assert rheology.noise_level(noisy) == pytest.approx(0.3, rel=0.1)


def test_minima_reject_bad_input():
    time, stress = dipped_trace({})
    with pytest.raises(ValueError, match="time must be strictly increasing"):
        rheology.stress_minima(time[::-1], stress)
    with pytest.raises(ValueError, match=r"smooth must be >= 1 \(samples\), got 0"):
        rheology.stress_minima(time, stress, smooth=0)
    with pytest.raises(ValueError, match="prominence must be > 0"):
        rheology.stress_minima(time, stress, prominence=-1.0)


# ------------------------------------------------------- alignment test


def two_class_fractions(fast_fraction):
    """Fractions (W, 2) with class 1 (fast) taking ``fast_fraction`` of each window."""
    fast_fraction = np.asarray(fast_fraction, dtype=float)
    return pd.DataFrame({0: 1 - fast_fraction, 1: fast_fraction})


def test_transitions_are_the_jumps_of_the_fast_fraction():
    fractions = two_class_fractions([0.1, 0.1, 0.6, 0.6, 0.2, 0.3])
    times = 100.0 * np.arange(6)
    def jumps(direction):
        return rheology.transition_times(fractions, times, [1], direction=direction).tolist()

    assert jumps("either") == [200.0, 400.0]
    assert jumps("rise") == [200.0]
    assert jumps("fall") == [400.0]


def alternating_run(n_windows=60, seed=0):
    """Window times 57 s apart and a fast fraction that switches at random windows."""
    rng = np.random.default_rng(seed)
    switches = np.sort(rng.choice(np.arange(1, n_windows), size=6, replace=False))
    fast = (np.searchsorted(switches, np.arange(n_windows), side="right") % 2) * 0.8 + 0.1
    return two_class_fractions(fast), 57.0 * np.arange(n_windows), switches


def test_minima_on_the_transitions_are_significant():
    fractions, times, switches = alternating_run()
    minima = times[switches] + 5.0
    result = rheology.transition_alignment(fractions, times, minima, [1], n_permutations=999, seed=0)
    assert result.observed == pytest.approx(5.0)
    assert result.p_value < 0.01
    again = rheology.transition_alignment(fractions, times, minima, [1], n_permutations=999, seed=0)
    np.testing.assert_array_equal(again.null_distribution, result.null_distribution)
    assert "not shown" not in result.summary()  # p below the level: no caveat
    assert result.summary(alpha=1e-6).endswith("A large p means 'not shown', not 'no relation'.")


def test_p_values_are_calibrated_when_minima_are_random():
    """Under the null (minima placed independently of the classes) p < 0.1 about 10% of the time."""
    rng = np.random.default_rng(2)
    p_values = []
    for run in range(100):
        fractions, times, _ = alternating_run(seed=run)
        minima = rng.uniform(times[0], times[-1] + 57.0, size=3)
        result = rheology.transition_alignment(
            fractions, times, minima, [1], n_permutations=199, seed=run
        )
        p_values.append(result.p_value)
    assert 0.03 <= np.mean(np.array(p_values) < 0.1) <= 0.2


def test_alignment_rejects_what_it_cannot_test():
    fractions, times, _ = alternating_run()
    with pytest.raises(ValueError, match="no transitions"):
        rheology.transition_alignment(two_class_fractions(np.full(60, 0.5)), times, [100.0], [1])
    with pytest.raises(ValueError, match="inside the windows' span"):
        rheology.transition_alignment(fractions, times, [times[-1] + 500.0], [1])
    with pytest.raises(ValueError, match="fast_classes must be column numbers"):
        rheology.transition_alignment(fractions, times, [100.0], [2])


# ------------------------------------------------------------ real data


@pytest.fixture
def paper_files(paper_data):
    """The module xpcs_nb.paper, its files read from the local copy (see conftest.py)."""
    from xpcs_nb import paper

    return paper


def test_shear_stop_in_the_published_rheometer_table(paper_files):
    table = paper_files.load_rheology().sort_values("time")
    stop = rheology.shear_stop_time(table)
    before, after = table[table["time"] < stop], table[table["time"] >= stop]
    assert before["shear_rate"].iloc[-1] == pytest.approx(100.0)  # the 100/s step ends the shear
    assert (after["shear_rate"].abs() < 1e-3).all()
    aligned = rheology.align_windows(paper_files.load_start_times(), stop)
    assert table["time"].min() < aligned.min() and aligned.max() < table["time"].max()


def test_published_stress_minima_are_inside_the_xpcs_span(paper_files):
    table = paper_files.load_rheology()
    stop = rheology.shear_stop_time(table)
    time, stress = rheology.stress_after_shear(table)
    indices, minima = rheology.stress_minima(time, stress)
    assert 1 <= minima.size <= 10
    assert np.all(stress[indices] < stress[indices - 1])
    assert np.all(stress[indices] < stress[indices + 1])
    aligned = rheology.align_windows(paper_files.load_start_times(), stop)
    assert aligned.min() < minima.min() and minima.max() < aligned.max()
