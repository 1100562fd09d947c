"""The seam statistic against what theory says of a band cut at one frame."""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb.dataset.augment import wrap_shift
from xpcs_nb.dataset.seam import SEAM_LAGS, seam_profile, seam_score

SIZE, TAU = 128, 15.0


def stationary_band(size=SIZE, tau=TAU):
    """exp(-|t1 - t2| / tau): the scaled C2 of an exponential decay, no event."""
    lag = np.abs(np.subtract.outer(np.arange(size), np.arange(size)))
    return np.exp(-lag / tau)


def test_a_stationary_band_has_no_seam():
    assert np.allclose(seam_profile(stationary_band()), 0.0, atol=1e-12)


def test_a_wrap_shift_cuts_the_band_where_the_last_frame_meets_the_first():
    """Rolled by s, pairs across c = s at lag l were S - l apart: the drop is the mean
    over lags of exp(-l / tau) - exp(-(S - l) / tau)."""
    lags = np.arange(1, SEAM_LAGS + 1)
    expected = np.mean(np.exp(-lags / TAU) - np.exp(-(SIZE - lags) / TAU))
    for shift in (20, 64, 100):
        profile = seam_profile(wrap_shift(stationary_band(), shift))
        assert int(np.argmax(profile)) == shift
        assert profile[shift] == pytest.approx(expected, rel=1e-9)
        far = np.abs(np.arange(SIZE) - shift) > 2 * SEAM_LAGS  # no window of theirs reaches the seam
        assert np.allclose(profile[far], 0.0, atol=1e-12)


def test_an_avalanche_resetting_part_of_the_speckle_drops_by_that_part():
    """A reset of a share f of the speckle at frame c scales correlations across c by 1 - f."""
    crop, c, share = stationary_band(), 70, 0.5
    crop[:c, c:] *= 1 - share
    crop[c:, :c] *= 1 - share
    score, where = seam_score(crop)
    lags = np.arange(1, SEAM_LAGS + 1)
    assert where[0] == c
    assert score[0] == pytest.approx(share * np.mean(np.exp(-lags / TAU)), rel=1e-9)


def test_a_fresh_crop_further_along_a_stationary_map_has_no_seam():
    big = stationary_band(size=300)
    assert seam_score(big[40:40 + SIZE, 40:40 + SIZE])[0][0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("crop, lags, message", [
    (np.ones((4, 5)), 2, "crop must be square"),
    (np.ones((8, 8)), 0, "lags must be"),
    (np.full((8, 8), np.nan), 2, "crop must be finite"),
])
def test_bad_input_names_the_argument(crop, lags, message):
    with pytest.raises(ValueError, match=message):
        seam_profile(crop, lags)
