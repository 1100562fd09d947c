"""The scenario library and the synthetic rheo-XPCS experiment.

Tolerances were set from the spread of each check over 8 seeds (quoted), at about 4
standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import find_peaks

from xpcs_nb import correlation
from xpcs_nb.scenarios import (
    AVALANCHE,
    CLASS_NAMES,
    HETERODYNE,
    N_RATE_CLASSES,
    SectorRate,
    SectorROI,
    c2_for_dynamics,
    c2_noise_std,
    expected_c2,
    rate_class,
    rheo_experiment,
    scenario_batch,
    scenario_c2,
    scenario_dynamics,
)
from xpcs_nb.simulate import AgingRate, ShearRelaxationRate

T = 256  # frames of every scenario C2 here (a paper-sized crop)


def band_width(c2: np.ndarray, n_lags: int = 128) -> float:
    """Width of the band around the diagonal, in frames: sum of (g2 - 1) / (g2(lag 1) - 1) over lags 1..n_lags.

    For g2 - 1 ~ exp(-2 Gamma dt k) it is ~ 1 / (2 Gamma dt), capped at ``n_lags``;
    it averages many elements, so noise barely moves it.
    """
    excess = correlation.g2_from_c2(c2)[:n_lags] - 1.0  # lags 1 .. n_lags
    return float(np.sum(excess) / excess[0])


def expected_band_width(truth) -> float:
    """band_width of the noiseless C2 the truth describes (its dynamics over its ROI's pixels)."""
    times = truth.window_start + truth.dt * np.arange(truth.n_frames)
    return band_width(expected_c2(truth.dynamics, SectorROI(sector=truth.sector), times, truth.contrast))


# --------------------------------------------------------------------------- #
# The classes
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("method", ["analytic", "movie"])
def test_rate_classes_order_by_band_width(method):
    """Classes 0-4 have ever narrower bands around the diagonal, as their rates say.

    The band width of each C2 matches that of its truth's noiseless C2 within 20 %
    or 1.5 frames (over 8 seeds the worst miss was ~5 %, or 0.9 frame for class 4,
    whose band is ~4 frames), and the widths fall by x1.2-4 from class to class
    (x1.2 for 0 -> 1: class 0's band is wider than the 128 lags measured).
    """
    widths = []
    for label in range(N_RATE_CLASSES):
        c2, truth = scenario_c2(label, T, seed=100 + label, method=method)
        widths.append(band_width(c2))
        assert widths[-1] == pytest.approx(expected_band_width(truth), rel=0.2, abs=1.5)
    assert np.all(np.diff(widths) < 0), widths


def test_truth_records_describe_their_c2():
    roi = SectorROI(sector=4)
    for label in range(len(CLASS_NAMES)):
        c2, truth = scenario_c2(label, T, seed=label, roi=roi, window_start=30.0)
        assert c2.shape == (T, T) and c2.dtype == np.float32
        np.testing.assert_array_equal(c2, c2.T)
        assert (truth.label, truth.name, truth.sector, truth.seed) == (label, CLASS_NAMES[label], 4, label)
        assert 0.019 <= truth.q <= 0.029 and truth.n_pixels == roi.n_pixels
        assert truth.window_start == 30.0 and truth.n_frames == T
        if label < N_RATE_CLASSES:
            assert truth.rate_class == label == rate_class(truth.rate_mean * truth.dt)
        assert (truth.fringe_period is not None) == (label == HETERODYNE)
        assert bool(truth.avalanche_times) == (label == AVALANCHE)
        assert all(30.0 < t <= 30.0 + truth.dt * (T - 1) for t in truth.avalanche_times)


def test_heterodyne_scenario_has_fringes_at_its_period():
    """The first g2 maximum sits where the truth's noiseless C2 puts it, near the fringe period.

    The decaying envelope pulls the maximum a little before 2 pi / omega (2-4 % over
    8 seeds; tolerance 10 %), so the measured maximum (refined by a parabola) is
    compared with the expected C2's: at 5 photons/pixel/frame they agreed within
    2.5 % over 8 seeds; tolerance 10 %.
    """
    for seed in (3, 4):
        c2, truth = scenario_c2(HETERODYNE, T, seed=seed, method="movie", photons_per_pixel=5.0)
        times = truth.window_start + truth.dt * np.arange(T)
        expected = expected_c2(truth.dynamics, SectorROI(sector=truth.sector), times, truth.contrast)
        lags = truth.dt * np.arange(1, T)
        expected_peak = first_maximum(lags, correlation.g2_from_c2(expected))
        assert first_maximum(lags, correlation.g2_from_c2(c2)) == pytest.approx(expected_peak, rel=0.10)
        assert expected_peak == pytest.approx(truth.fringe_period, rel=0.10)


def first_maximum(x: np.ndarray, y: np.ndarray) -> float:
    """x at the first clear local maximum of y, refined by a parabola through three points."""
    i = find_peaks(y, prominence=0.02)[0][0]
    left, mid, right = y[i - 1], y[i], y[i + 1]
    return x[i] + 0.5 * (left - right) / (left - 2 * mid + right) * (x[1] - x[0])


def test_avalanche_scenario_decorrelates_across_the_avalanche():
    """C2 - 1 across the first avalanche is at most (1 - fraction) of C2 - 1 before it.

    Less when a later avalanche adds to it; over 6 seeds the ratio sat 0.1-0.25 below
    1 - fraction, so the 0.1 margin allows for noise without hiding a missing reset.
    """
    c2, truth = scenario_c2(AVALANCHE, T, seed=5, method="movie")
    split = int(np.ceil((truth.avalanche_times[0] - truth.window_start) / truth.dt))  # first frame after
    before = slice(0, split - 2)
    within = c2[before, before][~np.eye(split - 2, dtype=bool)].mean()
    across = c2[before, split:].mean()
    # C2 - 1 across keeps the (1 - fraction) of grains not reset (or less, if more avalanches follow)
    assert across - 1.0 < (1.0 - truth.avalanche_fraction + 0.1) * (within - 1.0)


# --------------------------------------------------------------------------- #
# Analytic vs movie
# --------------------------------------------------------------------------- #
def test_analytic_and_movie_paths_agree_within_noise():
    """Same dynamics (a drifting class-2 rate), both paths, compared with expected_c2.

    Mean: per lag band, the residual C2 - expected averages to ~0 in both paths
    (over 8 seeds the largest band mean was 0.010 off the diagonal, 0.020 on it;
    tolerances 0.02 and 0.035).  Noise: the residual's standard deviation per band
    agrees with c2_noise_std (over 8 seeds within 6 % off the diagonal, where
    tolerance is 10 %; on it, 256 values only, within 15 %, tolerance 25 %).
    """
    roi = SectorROI(sector=2)
    dynamics = scenario_dynamics(2, np.random.default_rng(0), dt=0.1, n_frames=T, roi=roi)
    mean = expected_c2(dynamics, roi, 0.1 * np.arange(T), contrast=0.25, photons_per_pixel=1.0)
    lag = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    bands = [(0, 1), (1, 5), (5, 30), (30, 100), (100, T)]
    sigma = c2_noise_std(mean, 0.25, 1.0, roi.n_pixels)

    for method in ("analytic", "movie"):
        residual = c2_for_dynamics(dynamics, roi, T, 0.1, seed=1, method=method) - mean
        for low, high in bands:
            band = (lag >= low) & (lag < high)
            on_diagonal = low == 0
            assert residual[band].mean() == pytest.approx(0.0, abs=0.035 if on_diagonal else 0.02), (method, low)
            noise = np.sqrt(np.mean(sigma[band] ** 2))
            assert residual[band].std() == pytest.approx(noise, rel=0.25 if on_diagonal else 0.10), (method, low)


# --------------------------------------------------------------------------- #
# Seeds
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("method", ["analytic", "movie"])
def test_same_seed_same_c2(method):
    first, truth = scenario_c2(2, 64, seed=9, method=method)
    again, _ = scenario_c2(2, 64, seed=9, method=method)
    other, _ = scenario_c2(2, 64, seed=10, method=method)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_batch_items_can_be_remade_alone():
    c2s, truths = scenario_batch([0, 3, 5, 6], 64, seed=1)
    assert c2s.shape == (4, 64, 64) and [t.label for t in truths] == [0, 3, 5, 6]
    alone, _ = scenario_c2(5, 64, seed=truths[2].seed)
    np.testing.assert_array_equal(c2s[2], alone)


# --------------------------------------------------------------------------- #
# The experiment
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def experiment():
    return rheo_experiment(seed=4)


def test_experiment_sizes_and_metadata(experiment):
    assert len(experiment) == 50 * 18
    table = experiment.table()
    assert table.groupby("window").size().eq(18).all()
    assert sorted(table.sector.unique()) == list(range(18))
    starts = table.groupby("window").window_start.first().to_numpy()
    np.testing.assert_allclose(np.diff(starts), 57.0)
    assert starts[0] == -5.0
    c2, truth = experiment[18 * 20 + 7]
    assert c2.shape == (256, 256) and (truth.window, truth.sector) == (20, 7)

    rheo = experiment.rheometer
    assert list(rheo.columns) == ["time", "shear_rate", "shear_stress"]
    stop = experiment.shear_stop_time
    assert set(rheo.shear_rate[rheo.time < 190]) == {30.0}
    assert set(rheo.shear_rate[(rheo.time >= 190) & (rheo.time < stop)]) == {100.0}
    assert set(rheo.shear_rate[rheo.time >= stop]) == {0.0}
    assert rheo.time.max() > stop + starts[-1]  # the rheometer covers every window
    # fast right after shear (classes 3-4), then mostly slow (0-1) with bursts:
    # over 10 seeds 72-91 % of the windows from the 10th on were slow
    assert table[table.window < 3].rate_class.min() >= 3
    later = table[table.window >= 10]
    assert (later.rate_class <= 1).mean() > 0.6
    assert 0 < later.in_burst.mean() < 0.3


def test_experiment_is_seeded(experiment):
    again, other = rheo_experiment(seed=4), rheo_experiment(seed=5)
    assert again.table().equals(experiment.table())
    assert again.rheometer.equals(experiment.rheometer)
    np.testing.assert_array_equal(again.c2(123), experiment.c2(123))
    assert not other.rheometer.equals(experiment.rheometer)


def test_bursts_hit_their_sectors(experiment):
    """A burst inside a window shows as an avalanche in the sectors it hits, and only there."""
    table = experiment.table()
    window_end = table.window_start + experiment.dt * (experiment.window_frames - 1)
    checked = 0
    for burst in experiment.bursts.itertuples():
        inside = table[(table.window_start < burst.time) & (burst.time <= window_end)]
        for row in inside.itertuples():
            hit = row.sector in burst.sectors
            assert (row.label == AVALANCHE) == hit or (not hit and row.avalanche_times)
            checked += 1
    assert checked > 0


def test_stress_drops_follow_bursts_as_stated(experiment):
    """Each burst lowers the stress by stress_drop (0.6 Pa per sector hit) over its drop window.

    The drop is read against the local trend: a line through the samples of the 60 s
    before ``drop_start`` (the slow relaxation and earlier bursts' build-up),
    extrapolated to the first sample after ``drop_end``.  Bursts with another
    burst's drop from 90 s before to 10 s after are skipped (no clean trend).
    The burst's own build-up takes back < 7 % of the drop before that sample, and
    0.1 Pa noise on ~6 samples moves the line by ~0.15 Pa; over 8 seeds (48 bursts)
    every miss stayed under 0.1 x drop; tolerance 0.1 x drop + 0.6 Pa.  Prominent
    stress minima (> 1.5 Pa) all sit within 20 s of the end of a burst's drop.
    """
    rheo = experiment.rheometer
    time, stress = rheo.time.to_numpy(), rheo.shear_stress.to_numpy()
    bursts = experiment.bursts
    checked = 0
    for burst in bursts.itertuples():
        if np.any((bursts.index != burst.Index) & (bursts.drop_start < burst.drop_end + 10.0)
                  & (bursts.drop_end > burst.drop_start - 90.0)):
            continue
        before = (time > burst.drop_start - 60.0) & (time <= burst.drop_start)
        after = np.flatnonzero(time >= burst.drop_end)[0]
        trend = np.polyval(np.polyfit(time[before], stress[before], 1), time[after])
        assert trend - stress[after] == pytest.approx(burst.stress_drop, abs=0.1 * burst.stress_drop + 0.6)
        checked += 1
    assert checked >= 3

    stable = time > experiment.shear_stop_time + 450
    minima, _ = find_peaks(-stress[stable], prominence=1.5)
    drop_ends = bursts.drop_end.to_numpy()
    for t in time[stable][minima]:
        assert np.min(np.abs(drop_ends - t)) <= 20.0


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(("call", "name"), [
    (lambda: scenario_c2(7, T, seed=0), "label"),
    (lambda: scenario_c2(-1, T, seed=0), "label"),
    (lambda: scenario_c2(0, T, seed=0, method="fast"), "method"),
    (lambda: scenario_c2(0, T, seed=0, photons_per_pixel=0.0), "photons_per_pixel"),
    (lambda: scenario_c2(0, 1, seed=0), "n_frames"),
    (lambda: scenario_c2(0, T, seed=0, dt=0.0), "dt"),
    (lambda: SectorROI(sector=18), "sector"),
    (lambda: rheo_experiment(n_windows=0, seed=0), "n_windows"),
    (lambda: rheo_experiment(hit_probability=0.0, seed=0), "hit_probability"),
])
def test_bad_input_raises(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --------------------------------------------------------------------------- #
# SectorRate: simulate's rate laws composed, values as documented
# --------------------------------------------------------------------------- #
def documented_sector_rate(s, fast, slow, tau_relax, anisotropy, t_age, boost, tau_burst, burst_times):
    """SectorRate's docstring formula written out with ``math``, one time at a time."""
    s = max(s, 0.0)
    after_shear = slow + (fast - slow) * math.exp(-s / tau_relax)
    last_restart = max([0.0] + [b for b in burst_times if b <= s])
    aging = 1.0 / (1.0 + (s - last_restart) / t_age)
    activity = sum(math.exp(-(s - b) / tau_burst) for b in burst_times if s >= b)
    return after_shear * anisotropy * aging * (1.0 + (boost - 1.0) * activity)


@pytest.mark.parametrize("parameters", [
    # the rheo experiment's sector rates at dt = 0.1 s, with three bursts
    dict(fast=1.28, slow=0.02, tau_relax=150.0, anisotropy=1.3, t_age=100.0, boost=60.0, tau_burst=30.0,
         burst_times=(480.0, 700.0, 715.5)),
    dict(fast=5.0, slow=0.5, tau_relax=20.0, anisotropy=0.7, t_age=10.0, boost=3.0, tau_burst=5.0,
         burst_times=()),
])
def test_sector_rate_follows_its_documented_formula(parameters):
    times = np.concatenate([[-10.0, 0.0], np.linspace(0.0, 1500.0, 601), [480.0, 700.0, 715.5, 716.0]])
    expected = [documented_sector_rate(t, **parameters) for t in times]
    np.testing.assert_allclose(SectorRate(**parameters)(times), expected, rtol=1e-12)


def test_sector_rate_is_made_of_simulates_rate_laws():
    rate = SectorRate(fast=2.0, slow=0.1, tau_relax=50.0, anisotropy=1.0, t_age=30.0, boost=1.0, tau_burst=5.0)
    assert rate.after_shear == ShearRelaxationRate(rate_fast=2.0, rate_slow=0.1, tau_relax=50.0)
    assert rate.aging == AgingRate(rate0=1.0, t_age=30.0)
    times = np.linspace(0.0, 300.0, 31)  # no bursts: after-shear relaxation times aging from the stop
    np.testing.assert_allclose(rate(times), rate.after_shear(times) * rate.aging(times), rtol=1e-14)
