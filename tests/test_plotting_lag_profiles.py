"""The diagonal-trap figures of chapter 4: what they draw, and clear errors for bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from xpcs_nb.plotting.lag_profiles import lag_profile, width_comparison


def test_lag_profile_draws_the_profile_and_one_line_per_width():
    profile = np.r_[1.0, 0.3 * np.exp(-np.arange(20) / 5.0)]
    ax = lag_profile(profile, {"from lag 1": 4.5, "from the diagonal": 0.6}, max_lag=10)
    try:
        assert ax.lines[0].get_xdata().tolist() == list(range(11))
        assert [line.get_xdata()[0] for line in ax.lines[2:]] == [4.5, 0.6]
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("bad, message", [
    (dict(profile=[1.0], widths={}), "profile"),
    (dict(profile=[1.0, 0.5, np.nan], widths={}), "profile"),
    (dict(profile=[1.0, 0.5, 0.2], widths={}, max_lag=5), "max_lag"),
    (dict(profile=[1.0, 0.5, 0.2], widths=[1.0]), "widths"),
])
def test_lag_profile_refuses_bad_input(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        lag_profile(**bad)


def test_width_comparison_draws_one_bar_set_per_method():
    table = pd.DataFrame({"from lag 1": [40.0, 3.0], "from the diagonal": [0.6, 1.2]}, index=["slow", "fast"])
    ax = width_comparison(table)
    try:
        assert len(ax.containers) == 2
        assert [bar.get_width() for bar in ax.containers[1]] == [0.6, 1.2]
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("bad", [pd.DataFrame(), [[1.0, 2.0]], pd.DataFrame({"a": [-1.0]})])
def test_width_comparison_refuses_bad_input(bad):
    with pytest.raises((ValueError, TypeError), match="table"):
        width_comparison(bad)
