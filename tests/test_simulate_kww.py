"""Compressed / stretched (KWW) and ballistic dynamics of the simulator against theory.

g1 = exp(-(Gamma tau) ** alpha) with Gamma = rate (q / q_ref) ** q_exponent; Siegert:
g2 = 1 + beta exp(-2 (Gamma tau) ** alpha).  The movie of alpha != 1 is drawn as a
stationary Gaussian series per grain (circulant embedding); alpha = 1 keeps the
frame-by-frame simulator (and its random stream: the synthetic library does not change).
Tolerances were set from 6 seeds (0-5) of each check: the spread is in each docstring.
"""

from __future__ import annotations


import numpy as np
import pytest

from xpcs_nb import correlation
from xpcs_nb.geometry import Detector
from xpcs_nb.simulate import Dynamics, ballistic, simulate_movie, stationary
from xpcs_nb.simulate.dynamics import Q_REF
from xpcs_nb.simulate.movie import _kww_fields

DT = 0.01


def _g2(frames, roi, max_lag):
    res = correlation.g2_with_errors(correlation.two_time(frames, roi, dtype=np.float64)[0], max_lag=max_lag)
    return res.lags * DT, res.g2, res.stderr


def test_kww_fields_have_the_asked_correlation():
    """The field itself (no intensity, no counts): <E(t) E*(t+k)> = exp(-(d k)^alpha)."""
    rng = np.random.default_rng(0)
    for alpha in (0.6, 1.5, 2.0):
        decay = np.full((4, 64), 0.1)
        e = _kww_fields(rng, decay, alpha, 300, 2).reshape(300, -1)
        lags = np.arange(0, 30)
        acf = np.array([np.mean(e[: 300 - k] * np.conj(e[k:])).real for k in lags])
        np.testing.assert_allclose(acf, np.exp(-((0.1 * lags) ** alpha)), atol=0.03)


@pytest.mark.parametrize("alpha", [0.7, 1.5])
def test_g2_shape_follows_the_kww_exponent(alpha):
    """A fit with alpha free recovers alpha and Gamma; g2 matches g2_theory lag by lag.

    48 x 48 pixels, 800 frames, Gamma = 4 / s at every pixel (q_exponent 0), beta = 0.5.
    Over 6 seeds the fitted alpha scattered by 0.014 (alpha 0.7) and 0.039 (1.5), Gamma
    by 1.0-1.3 % and beta by 0.008, all centred on the truth: tolerances 0.12, 8 % and 0.03.
    """
    rate, detector = 4.0, Detector(shape=(48, 48))
    dyn = stationary(rate, q_exponent=0.0, kww_exponent=alpha)
    movie = simulate_movie(detector, dyn, 800, DT, seed=3, grains_per_pixel=2, photons_per_pixel=2.0)
    tau, g2, err = _g2(movie.frames, np.ones(detector.shape, bool), 100)
    fit = correlation.fit_kww(tau, g2, sigma=err)
    assert fit.alpha == pytest.approx(alpha, abs=0.12)
    assert fit.rate == pytest.approx(rate, rel=0.08)
    assert fit.beta == pytest.approx(0.5, abs=0.03)
    np.testing.assert_allclose(g2, movie.g2_theory(Q_REF, tau), atol=0.03)


def test_ballistic_rate_scales_as_q():
    """Gamma = v q: an outer ring relaxes <q>_out / <q>_in times faster (q^1, not q^2).

    Compressed (alpha 1.5) as well.  Over 6 seeds the ratio was 0.985 of the expected
    one, scatter 2.3 %; a 12 % tolerance tells q (ratio 1.77 here) from q^2 (3.13).
    """
    detector = Detector(shape=(96, 96))
    movie = simulate_movie(detector, ballistic(10.0), 800, DT, seed=4, grains_per_pixel=2, photons_per_pixel=2.0)
    q = detector.q_map()
    inner = (q >= 0.008) & (q < 0.010)
    outer = (q >= 0.015) & (q < 0.017)
    fits = []
    for roi in (inner, outer):
        tau, g2, err = _g2(movie.frames, roi, 150)
        fits.append(correlation.fit_kww(tau, g2, sigma=err, fix_alpha=1.5))
    expected = q[outer].mean() / q[inner].mean()
    assert fits[1].rate / fits[0].rate == pytest.approx(expected, rel=0.12)
    assert fits[0].rate == pytest.approx(10.0 * q[inner].mean() / Q_REF, rel=0.1)


def test_kww_exponent_is_checked_and_default_path_unchanged():
    with pytest.raises(ValueError, match="kww_exponent"):
        Dynamics(rate=1.0, kww_exponent=2.5)
    with pytest.raises(ValueError, match="kww_exponent"):
        Dynamics(rate=1.0, kww_exponent=1.5, avalanche_times=(1.0,), avalanche_fraction=0.5)
    # alpha = 1 is the frame-by-frame simulator, bit for bit
    det = Detector(shape=(16, 16))
    a = simulate_movie(det, stationary(3.0), 20, DT, seed=5)
    b = simulate_movie(det, Dynamics(rate=3.0, kww_exponent=1.0), 20, DT, seed=5)
    np.testing.assert_array_equal(a.frames, b.frames)
    assert stationary(3.0).g2_theory(Q_REF, [0.1], 0.5) == pytest.approx(1 + 0.5 * np.exp(-0.6))
    assert stationary(3.0, kww_exponent=2.0).g2_theory(Q_REF, [0.1], 0.5) == pytest.approx(
        1 + 0.5 * np.exp(-2 * 0.3**2))
