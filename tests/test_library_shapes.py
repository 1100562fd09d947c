"""Compressed and ballistic C2 in the synthetic library: how many, recorded where, and
that they have the shape and the q scaling they claim.

The shape checks take a library C2's own draw (``maps.truth(i).dynamics``, its seed)
and make low-noise C2 of it on thin q rings (1,000 or so pixels; analytic, or a movie
at 100 photons per pixel): a thin ring has nearly one q, so its g2 is one KWW decay,
not a spread of rates (which would stretch it).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from xpcs_nb import correlation, dataset, scenarios
from xpcs_nb.library import (
    BALLISTIC_LABELS,
    COMPRESSED_EXPONENTS,
    COMPRESSED_LABELS,
    LibraryMaps,
    LibrarySpec,
    build_library,
)

SPEC = LibrarySpec(n_per_class=8, n_frames=256, crop_size=128, crops_per_c2=1, method="analytic", seed=5)


def test_truth_columns_hold_the_fractions_asked_for(tmp_path):
    metadata = build_library(SPEC, tmp_path / "lib.h5")
    _, stored = dataset.load_crop_store(tmp_path / "lib.h5")
    per_c2 = stored.drop_duplicates("c2_index").set_index("c2_index").sort_index()
    assert len(per_c2) == SPEC.n_c2 and {"kww_exponent", "q_exponent"} <= set(metadata.columns)
    expected = int(np.floor(0.25 * SPEC.n_per_class + 0.5))  # 2 of 8 per label
    for label, rows in per_c2.groupby("label"):
        compressed = rows.kww_exponent != 1.0
        assert compressed.sum() == (expected if label in COMPRESSED_LABELS else 0)
        assert (rows.q_exponent == 1.0).sum() == (expected if label in BALLISTIC_LABELS else 0)
        assert set(rows.q_exponent) <= {1.0, 2.0}
        lo, hi = COMPRESSED_EXPONENTS
        assert rows.kww_exponent[compressed].between(lo, hi).all()
        # a compressed rate class keeps one rate over the window (a stationary KWW process)
        assert (rows.rate_start[compressed] == rows.rate_end[compressed]).all()
        assert (rows.rate_class == label).all() if label < scenarios.N_RATE_CLASSES else True


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_fractions_none_and_all(fraction):
    maps = LibraryMaps(LibrarySpec(**{**SPEC.__dict__, "compressed_fraction": fraction,
                                      "ballistic_fraction": fraction}))
    eligible = np.isin(maps.labels, COMPRESSED_LABELS)
    assert np.all((maps.kww_exponents != 1.0) == (eligible & (fraction == 1.0)))
    assert np.all((maps.q_exponents == 1.0) == (fraction == 1.0))


def test_the_other_c2_are_those_of_a_library_without_them():
    """Same seed, same labels, sectors and seeds; a C2 chosen for neither is the same map."""
    maps = LibraryMaps(SPEC)
    plain = LibraryMaps(LibrarySpec(**{**SPEC.__dict__, "compressed_fraction": 0.0, "ballistic_fraction": 0.0}))
    again = LibraryMaps(SPEC)
    np.testing.assert_array_equal(maps.labels, plain.labels)
    np.testing.assert_array_equal(maps.kww_exponents, again.kww_exponents)
    np.testing.assert_array_equal(maps.q_exponents, again.q_exponents)
    untouched = np.flatnonzero((maps.kww_exponents == 1.0) & (maps.q_exponents == 2.0))
    touched = np.flatnonzero(maps.kww_exponents != 1.0)
    np.testing.assert_array_equal(maps[int(untouched[0])], plain[int(untouched[0])])
    assert not np.array_equal(maps[int(touched[0])], plain[int(touched[0])])
    assert SPEC.file_name != plain.spec.file_name and "_v2_" in SPEC.file_name


def _first(maps, label, kww, ballistic):
    hit = (maps.labels == label) & ((maps.kww_exponents != 1.0) == kww) & ((maps.q_exponents == 1.0) == ballistic)
    return int(np.flatnonzero(hit)[0])


def _ring_fit(dynamics, q_edges, seed, fix_alpha=None, n_frames=400, **kw):
    """fit_kww of the g2 of a low-noise movie of ``dynamics`` on the thin ring ``q_edges``."""
    roi = scenarios.SectorROI(q_edges=q_edges, n_sectors=1)
    c2 = scenarios.c2_for_dynamics(dynamics, roi, n_frames, 0.1, seed=seed, method="movie",
                                   photons_per_pixel=100.0)
    res = correlation.g2_with_errors(c2[None].astype(np.float64), max_lag=min(150, n_frames // 2))
    fit = correlation.fit_kww(res.lags * 0.1, res.g2[0], sigma=res.stderr[0], fix_alpha=fix_alpha, **kw)
    return fit, roi


def test_a_compressed_library_c2_has_the_kww_shape():
    """Analytic (the expected C2 plus white noise, so g2's errors are honest): fit_kww with
    alpha free recovers the C2's KWW exponent within 3 of its errors, and tells it from a
    simple exponential by more than that.  The library's own draw (dynamics, seed) on a
    thin ring; over 3 seeds x 8 compressed C2 of classes 1-4 the misses were within
    1.1 errors and chi2_red 1.0-1.4."""
    maps = LibraryMaps(SPEC)
    thin = scenarios.SectorROI(q_edges=(0.0235, 0.0245), n_sectors=1)
    c2, truth = scenarios.scenario_c2(**{**maps._arguments(_first(maps, 3, kww=True, ballistic=False)),
                                         "roi": thin, "n_frames": 400})
    res = correlation.g2_with_errors(c2[None].astype(np.float64), max_lag=150)
    fit = correlation.fit_kww(res.lags * truth.dt, res.g2[0], sigma=res.stderr[0])
    assert truth.kww_exponent > 1.0 and fit.alpha_err < 0.05
    assert abs(fit.alpha - truth.kww_exponent) < 3 * fit.alpha_err
    assert fit.alpha - 1.0 > 3 * fit.alpha_err


def test_a_compressed_library_c2_movie_has_the_kww_shape():
    """Movie (photons simulated and correlated): the same draw's g2, fitted with the ratio
    form's baseline of 1 fixed, gives its KWW exponent within 0.15 and its rate within
    10 %.  fit_kww's own alpha errors (0.002-0.03) understate the scatter here: the g2
    points of one movie are correlated over the decay time, so over 8 seeds the fitted
    alpha (truth 1.443) spread by 0.047 about 1.431 (largest miss 0.084) while the
    errors claimed 0.01-0.03; the tolerance is 3 of that spread."""
    maps = LibraryMaps(SPEC)
    truth = maps.truth(_first(maps, 3, kww=True, ballistic=False))
    fit, roi = _ring_fit(truth.dynamics, (0.0235, 0.0245), seed=1, fix_baseline=1.0)
    assert roi.n_pixels > 500
    assert fit.alpha == pytest.approx(truth.kww_exponent, abs=0.15)
    expected_rate = truth.dynamics.rate * float(truth.dynamics.q_factor(roi.q_mean))
    assert fit.rate == pytest.approx(expected_rate, rel=0.1)


RINGS = ((0.0195, 0.0205), (0.0275, 0.0285))  # q 0.020 and 0.028: q ratio 1.40, q^2 ratio 1.96


def _analytic_ring_fit(truth, q_edges):
    """fit_kww (alpha fixed at the truth's) of the analytic C2 of ``truth.dynamics`` on a thin ring."""
    roi = scenarios.SectorROI(q_edges=q_edges, n_sectors=1)
    c2 = scenarios.c2_for_dynamics(truth.dynamics, roi, truth.n_frames, truth.dt, seed=3, method="analytic",
                                   photons_per_pixel=truth.photons_per_pixel)
    res = correlation.g2_with_errors(c2[None].astype(np.float64), max_lag=100)
    fit = correlation.fit_kww(res.lags * truth.dt, res.g2[0], sigma=res.stderr[0], fix_alpha=truth.kww_exponent)
    return fit, roi


@pytest.mark.parametrize("kww", [True, False])
@pytest.mark.parametrize("ballistic", [True, False])
def test_ballistic_rates_scale_as_q_diffusive_as_q_squared(ballistic, kww):
    """A library C2's dynamics (class 3, as drawn: a drifting rate unless compressed) on two
    thin rings: the outer ring relaxes (q_out / q_in) ** n times faster, n = 1 ballistic
    (1.40) or 2 diffusive (1.96).  Analytic C2; over 3 seeds the ratio was within 0.8 %
    of that (1 % rate errors), tolerance 3 %."""
    maps = LibraryMaps(SPEC)
    truth = maps.truth(_first(maps, 3, kww=kww, ballistic=ballistic))
    assert truth.q_exponent == (1.0 if ballistic else 2.0)
    (inner, roi_in), (outer, roi_out) = (_analytic_ring_fit(truth, edges) for edges in RINGS)
    expected = (roi_out.q_mean / roi_in.q_mean) ** truth.q_exponent
    assert outer.rate / inner.rate == pytest.approx(expected, rel=0.03)


def test_ballistic_library_dynamics_in_a_movie_scale_as_q():
    """The same with simulated photons (800 frames, the class-3 ballistic draw held at its
    mean rate so the movie may run longer than the library's window): over 4 seeds the
    ratio was 0.96-1.01 of q_out / q_in; tolerance 12 % (q^2 would be 40 % off)."""
    maps = LibraryMaps(SPEC)
    truth = maps.truth(_first(maps, 3, kww=False, ballistic=True))
    steady = dataclasses.replace(truth.dynamics, rate=truth.rate_mean)
    (inner, roi_in), (outer, roi_out) = (_ring_fit(steady, edges, seed=2, fix_alpha=1.0, n_frames=800)
                                         for edges in RINGS)
    assert outer.rate / inner.rate == pytest.approx(roi_out.q_mean / roi_in.q_mean, rel=0.12)


@pytest.mark.parametrize("field, value", [("compressed_fraction", 1.5), ("ballistic_fraction", -0.1),
                                          ("compressed_fraction", "a quarter")])
def test_bad_fractions_name_the_field(field, value):
    with pytest.raises((ValueError, TypeError), match=field):
        LibrarySpec(**{**SPEC.__dict__, field: value})


def test_avalanche_takes_no_kww_exponent():
    with pytest.raises(ValueError, match="kww_exponent"):
        scenarios.scenario_truth(scenarios.AVALANCHE, 64, seed=0, kww_exponent=1.5)
