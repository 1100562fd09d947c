"""The fixed-baseline relaxation time against theory: 1 + beta exp(-2 Gamma k)."""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb import dataset, evaluation
from xpcs_nb.evaluation import relaxation

LAGS = np.abs(np.subtract.outer(np.arange(128), np.arange(128)))


def c2(rate, contrast=0.25, noise=0.0, seed=0):
    """A noiseless (or white-noise) exponential C2 (128, 128) in its own units."""
    values = 1 + contrast * np.exp(-2 * rate * LAGS)
    return values + np.random.default_rng(seed).normal(0, noise, values.shape)


@pytest.mark.parametrize("rate", [3e-4, 2e-3, 8e-3, 3.2e-2, 0.128, 0.5])
def test_noiseless_exponentials_give_back_their_rate_and_contrast(rate):
    profiles = relaxation.lag_profiles(c2(rate)[None])
    fitted, contrast = relaxation.fit_rates(profiles)
    assert fitted[0] == pytest.approx(rate, rel=1e-4)
    assert contrast[0] == pytest.approx(0.25, rel=1e-4)


def test_the_baseline_is_fixed_so_scaling_the_crop_first_is_undone_by_the_stored_range():
    """min-max scaling then unscaling with the store's range gives the C2 back; the fit sees C2 units."""
    maps = [c2(rate, noise=0.002, seed=i) for i, rate in enumerate((1e-3, 1e-2, 1e-1))]
    scaled, low, high = dataset.minmax_scale(np.stack(maps))
    back = relaxation.unscaled_crops(scaled, low, high)
    np.testing.assert_allclose(back, np.stack(maps), atol=1e-6)
    times = evaluation.relaxation_time_features(relaxation.lag_profiles(back)).ravel()
    np.testing.assert_allclose(times, -np.log10([1e-3, 1e-2, 1e-1]), atol=0.05)


def test_noisy_profiles_keep_the_rate_order_and_land_near_the_truth():
    rates = np.geomspace(5e-4, 0.2, 12)
    profiles = relaxation.lag_profiles(np.stack([c2(r, noise=0.01, seed=i) for i, r in enumerate(rates)]))
    fitted, _ = relaxation.fit_rates(profiles)
    assert np.all(np.diff(fitted) > 0)
    np.testing.assert_allclose(np.log10(fitted), np.log10(rates), atol=0.15)


def test_a_flat_profile_has_no_rate_and_takes_the_median():
    profiles = np.stack([relaxation.lag_profiles(c2(r)[None])[0] for r in (0.01, 0.1)] + [np.full(64, 0.99)])
    rates, contrast = relaxation.fit_rates(profiles)
    assert np.isnan(rates[2]) and contrast[2] == 0.0
    times = evaluation.relaxation_time_features(profiles).ravel()
    assert times[2] == pytest.approx(np.median(times[:2]))


def test_a_rate_beyond_the_bounds_stops_at_the_bound():
    rates, _ = relaxation.fit_rates(relaxation.lag_profiles(c2(1e-6)[None]), bounds=(1e-4, 1.0))
    assert rates[0] == pytest.approx(1e-4, rel=1e-3)


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="bounds must be"):
        relaxation.fit_rates(np.ones((1, 8)), bounds=(1.0, 0.1))
    with pytest.raises(ValueError, match="raw_min and raw_max must hold one value per crop"):
        relaxation.unscaled_crops(np.zeros((2, 4, 4)), [0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="profiles must be finite"):
        relaxation.fit_rates(np.array([[1.0, np.nan]]))
