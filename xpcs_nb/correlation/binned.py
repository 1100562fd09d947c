"""Two-time maps made smaller for long series: (t1, t2) blocks, and the (age, lag) view.

A C2 of 20,000 frames is 400 million values; to look at it, or to store it beside a
beamline's results, it is averaged down:

- :func:`bin_c2` averages square ``block x block`` tiles of the (t1, t2) map;
- :func:`age_lag` re-indexes the map by the pair's *age* ``(t1 + t2) / 2`` (when the
  pair was measured, the middle of the two frames) and *lag* ``t2 - t1`` (how far apart
  they are), averaging each lag's entries in age bins: a row of the result is the g2 of
  one stretch of time, which is how ageing or a change of dynamics is read off.

Shapes: ``c2 (..., T, T)`` (any leading shape, e.g. ``(n_roi, T, T)``).  NaN entries
(the dark-frame rows of the ratio form) make the averages they fall in NaN.
"""

from __future__ import annotations

import numpy as np

from xpcs_nb.validation import check_int

from .diagonals import _check_c2_stack

__all__ = ["bin_c2", "age_lag"]


def bin_c2(c2, block: int) -> np.ndarray:
    """C2 averaged in ``block x block`` tiles of (t1, t2).

    c2 : (..., T, T) -> (..., T // block, T // block) float64; frames past the last
    whole block are dropped.  Tile (i, j) is the mean of ``c2[..., i*block:(i+1)*block,
    j*block:(j+1)*block]``; the diagonal tiles hold the main diagonal (lag 0, with its
    shot noise), so their values are not those of a lag-0-free average.

    >>> c2 = np.arange(16.0).reshape(4, 4)
    >>> bin_c2(c2, 2).tolist()  # (0+1+4+5)/4, (2+3+6+7)/4, ...
    [[2.5, 4.5], [10.5, 12.5]]
    """
    c2 = _check_c2_stack(c2)
    n = c2.shape[-1]
    block = check_int(block, "block", minimum=1, maximum=n // 2, context=f" (two blocks in T = {n} frames)")
    m = n // block
    tiles = c2[..., : m * block, : m * block].reshape(c2.shape[:-2] + (m, block, m, block))
    return tiles.mean(axis=(-3, -1), dtype=np.float64)


def age_lag(c2, age_bin: int = 1, max_lag: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C2 in (age, lag) coordinates: the mean of ``c2[t, t + k]`` over the pairs of each age bin.

    The pair (t, t + k) has lag k and age t + k / 2 (frames).  Age bin a holds the ages
    ``a * age_bin <= age < (a + 1) * age_bin``; ``out[..., a, k]`` is the mean of the
    lag-k entries whose age falls in it, NaN where none does (long lags exist only at
    middle ages: the map is a triangle).

    Parameters
    ----------
    c2 : (..., T, T)
        Two-time maps (only the upper triangle t2 >= t1 is read).
    age_bin : int
        Width of an age bin in frames.
    max_lag : int, optional
        Last lag (default T - 1); lag 0 (the main diagonal) is column 0.

    Returns
    -------
    age_edges : (n_age + 1,) float64
        Bin edges in frames, ``n_age = ceil(T / age_bin)``.
    lags : (max_lag + 1,) int
        0 .. max_lag.
    out : (..., n_age, max_lag + 1) float64

    >>> c2 = np.array([[9.0, 1.0, 2.0],
    ...                [1.0, 9.0, 3.0],
    ...                [2.0, 3.0, 9.0]])
    >>> edges, lags, out = age_lag(c2, age_bin=2)
    >>> edges.tolist(), lags.tolist()
    ([0.0, 2.0, 4.0], [0, 1, 2])
    >>> out.tolist()  # ages of lag 1: 0.5, 1.5 (bin 0); of lag 2: 1.0
    [[9.0, 2.0, 2.0], [9.0, nan, nan]]
    """
    c2 = _check_c2_stack(c2)
    n = c2.shape[-1]
    age_bin = check_int(age_bin, "age_bin", minimum=1, maximum=n, context=f" (T = {n})")
    last = n - 1 if max_lag is None else check_int(max_lag, "max_lag", minimum=0, maximum=n - 1,
                                                   context=f" for c2 with T = {n}")
    n_age = -(-n // age_bin)
    out = np.full(c2.shape[:-2] + (n_age, last + 1), np.nan)
    for k in range(last + 1):
        values = np.diagonal(c2, k, axis1=-2, axis2=-1).astype(np.float64)  # (..., T - k), t = 0 .. T-k-1
        bins = ((np.arange(n - k) + k / 2) // age_bin).astype(np.int64)  # non-decreasing in t
        starts = np.flatnonzero(np.diff(bins, prepend=-1))
        counts = np.diff(np.append(starts, bins.size))
        out[..., bins[starts], k] = np.add.reduceat(values, starts, axis=-1) / counts
    return np.arange(n_age + 1, dtype=np.float64) * age_bin, np.arange(last + 1), out
