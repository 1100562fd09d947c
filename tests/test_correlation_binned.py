"""Binned two-time maps against binning the full map by hand.

- :func:`bin_c2`: each tile is the mean of its block of the full map (a loop over
  tiles), leading axes kept, the remainder dropped;
- :func:`age_lag`: each (age bin, lag) cell is the mean of the full map's entries with
  that lag whose age (t1 + t2) / 2 falls in the bin (a mask over the whole map), NaN
  where none does; on a C2 from :func:`two_time` its age-averaged row is g2_from_c2.
"""

from __future__ import annotations

import numpy as np
import pytest

from xpcs_nb import correlation as corr


def _maps(seed=0, n=23):
    return np.random.default_rng(seed).normal(1.0, 0.2, (2, n, n))


@pytest.mark.parametrize("block", [1, 3, 5, 11])
def test_bin_c2_against_tiles(block):
    c2 = _maps()
    got = corr.bin_c2(c2, block)
    m = 23 // block
    assert got.shape == (2, m, m)
    for i in range(m):
        for j in range(m):
            tile = c2[:, i * block:(i + 1) * block, j * block:(j + 1) * block]
            np.testing.assert_allclose(got[:, i, j], tile.mean(axis=(1, 2)), rtol=1e-13)


@pytest.mark.parametrize("age_bin, max_lag", [(1, None), (4, None), (5, 9), (23, 3)])
def test_age_lag_against_the_full_map(age_bin, max_lag):
    c2 = _maps()
    edges, lags, got = corr.age_lag(c2, age_bin=age_bin, max_lag=max_lag)
    t1, t2 = np.meshgrid(np.arange(23), np.arange(23), indexing="ij")
    age, lag = (t1 + t2) / 2, t2 - t1
    last = 22 if max_lag is None else max_lag
    assert lags.tolist() == list(range(last + 1))
    assert got.shape == (2, len(edges) - 1, last + 1) and edges[-1] >= 22
    for a in range(len(edges) - 1):
        for k in range(last + 1):
            cell = (lag == k) & (age >= edges[a]) & (age < edges[a + 1])
            if cell.any():
                np.testing.assert_allclose(got[:, a, k], c2[:, cell].mean(axis=1), rtol=1e-13)
            else:
                assert np.all(np.isnan(got[:, a, k]))


def test_age_lag_one_bin_is_the_diagonal_mean():
    frames = np.random.default_rng(1).poisson(1.0, (40, 8, 8))
    c2 = corr.two_time(frames, np.ones((8, 8), dtype=bool), dtype=np.float64)
    _, _, got = corr.age_lag(c2, age_bin=40)
    np.testing.assert_allclose(got[:, 0, 1:], corr.g2_from_c2(c2), rtol=1e-12)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match=r"block must be >= 1 and <= 11 \(two blocks in T = 23 frames\), got 12"):
        corr.bin_c2(_maps(), 12)
    with pytest.raises(ValueError, match="age_bin must be >= 1"):
        corr.age_lag(_maps(), age_bin=0)
    with pytest.raises(ValueError, match="c2 must be square"):
        corr.age_lag(np.zeros((3, 4)))
