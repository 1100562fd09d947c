"""What the package's docstrings say about the paper's published files holds for those files.

The docstrings of ``paper`` and ``rheology.stress`` describe the published rheometer
table and window times in numbers (when the shear stopped, the sampling, the stress
minima); a docstring is not executed, so these tests read the files and check each
number where it is stated.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import find_peaks

from xpcs_nb import paper, rheology


@pytest.fixture
def rheo(paper_data):
    return paper.load_rheology()


def test_the_shear_stops_at_209_s_on_the_rheometer_clock(rheo):
    sheared = rheo.loc[rheo["shear_rate"].abs() > 1e-3, "time"]
    assert sheared.max() == 199.0  # the last sheared sample: the true stop lies in (199, 209] s
    assert rheology.shear_stop_time(rheo) == 209.0
    assert (rheo["time"].min(), rheo["time"].max()) == (0.0, 3799.0)


def test_the_windows_start_57_s_apart_and_land_inside_the_rheometer_run(rheo):
    starts = paper.load_start_times()
    assert (starts.min(), starts.max()) == (-5.0, 2802.0)
    assert np.diff(np.unique(starts)).mean() == pytest.approx(57, abs=0.5)
    on_clock = rheology.align_windows(starts, rheology.shear_stop_time(rheo))
    assert (on_clock.min(), on_clock.max()) == (204.0, 3011.0)


def test_the_relaxing_stress_is_sampled_every_10_s_and_its_minima_are_where_the_docstring_says(rheo):
    time, stress = rheology.stress_after_shear(rheo)
    np.testing.assert_array_equal(np.unique(np.diff(time)), [10.0])
    noise = rheology.noise_level(stress)
    assert noise == pytest.approx(0.11, abs=0.005)
    assert rheology.NOISE_PROMINENCE_FACTOR * noise == pytest.approx(0.56, abs=0.01)
    np.testing.assert_array_equal(rheology.stress_minima(time, stress)[1], [549.0, 799.0, 1059.0, 1719.0])
    np.testing.assert_array_equal(rheology.stress_minima(time, stress, prominence=1.0)[1], [799.0, 1059.0, 1719.0])
    # the prominences, from scipy directly (a peer of stress_minima)
    peaks, found = find_peaks(-stress, prominence=0.56)
    np.testing.assert_allclose(found["prominences"], [0.8, 5.2, 10.0, 4.2], atol=0.05)
    np.testing.assert_array_equal(time[peaks], [549.0, 799.0, 1059.0, 1719.0])


def test_the_published_model_squeezes_its_output_into_about_0_52_to_0_67(paper_data):
    """As ``latent.encoding.decode`` and ``latent.ordering`` say, on the published crop."""
    from xpcs_nb.latent import decode, encode

    model = paper.load_model()
    crop = paper.load_target_image().astype(np.float32)
    assert (crop.min(), crop.max()) == (0.0, 1.0)
    output = decode(model, encode(model, crop))
    assert output.min() == pytest.approx(0.52, abs=0.005) and output.max() == pytest.approx(0.67, abs=0.005)
