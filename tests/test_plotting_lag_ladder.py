"""The multi-tau figures draw the package's own lags, and refuse what they cannot draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from xpcs_nb.correlation import multi_tau_lags
from xpcs_nb.plotting.lag_ladder import lag_ladder, pair_averaging


def test_lag_ladder_draws_multi_tau_lags_level_by_level():
    ax = lag_ladder(6, 8, dt=0.01, two_time_frames=600)
    lags, levels = multi_tau_lags(6, 8)
    drawn = [np.asarray(line.get_xdata()) for line in ax.lines]
    assert len(drawn) == 6 + 1  # six levels, then the two-time row
    for level in range(6):
        expected = lags[(levels == level) & (lags > 0)] * 0.01
        np.testing.assert_allclose(drawn[level], expected)
    np.testing.assert_allclose(drawn[-1], np.arange(1, 600) * 0.01)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "C2"
    plt.close(ax.figure)


def test_pair_averaging_draws_one_block_per_averaged_frame():
    ax = pair_averaging(4, 16)
    widths = sorted(p.get_width() for p in ax.patches)
    # 16 frames of 1, 8 of 2, 4 of 4, 2 of 8
    assert widths == sorted([1] * 16 + [2] * 8 + [4] * 4 + [8] * 2)
    plt.close(ax.figure)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="num_bufs"):
        lag_ladder(3, 5)
    with pytest.raises(ValueError, match="n_frames must be a multiple"):
        pair_averaging(4, 10)
    with pytest.raises(ValueError, match="two_time_frames"):
        lag_ladder(3, 4, two_time_frames=1)
    with pytest.raises(ValueError, match="dt"):
        lag_ladder(3, 4, dt=0.0)
