"""Means along the diagonals of two-time maps: one-time g2 from C2, lag profiles.

The diagonal ``c2[t, t + k]`` of a two-time map holds every pair of frames ``k``
apart; its mean over ``t`` is the one-time correlation at lag ``k``.  Shapes:
``c2 (..., T, T)`` -> ``(..., n_lags)``.
"""

from __future__ import annotations

import numpy as np

from xpcs_nb.validation import check_array, check_int, describe

__all__ = ["diagonal_means", "g2_from_c2"]


def _check_c2_stack(c2) -> np.ndarray:
    """``c2`` as a numpy array (..., T, T) of real numbers, its dtype kept; NaN allowed."""
    c2 = check_array(c2, "c2", kind="real", finite=False)
    if c2.ndim < 2 or c2.shape[-1] != c2.shape[-2]:
        raise ValueError(f"c2 must be square maps (..., T, T), got {describe(c2)}")
    return c2


def diagonal_means(c2, *, first_lag: int = 1, last_lag: int | None = None) -> np.ndarray:
    """Mean of each diagonal ``first_lag .. last_lag`` of two-time maps.

    Parameters
    ----------
    c2 : (..., T, T)
        Two-time maps (a single map, a stack, any leading shape); numpy, list or a
        CPU torch tensor.  A NaN entry (e.g. the dark-frame rows of the ratio form)
        makes the means of the lags it lies on NaN.
    first_lag, last_lag : int
        Lags in frames (or bins), ``0 <= first_lag <= last_lag <= T - 1``; ``last_lag``
        defaults to ``T - 1``.  Lag 0 is the main diagonal.

    Returns
    -------
    means : (..., last_lag - first_lag + 1) float64
        ``means[..., k - first_lag] = mean over t of c2[..., t, t + k]`` (``T - k`` terms).

    Examples
    --------
    >>> c2 = np.array([[4.0, 1.0, 0.0],
    ...                [1.0, 2.0, 3.0],
    ...                [0.0, 3.0, 6.0]])
    >>> diagonal_means(c2, first_lag=0).tolist()  # (4+2+6)/3, (1+3)/2, 0/1
    [4.0, 2.0, 0.0]
    >>> diagonal_means(np.stack([c2, 2 * c2]), last_lag=1).tolist()
    [[2.0], [4.0]]
    """
    c2 = _check_c2_stack(c2)
    n = c2.shape[-1]
    first_lag = check_int(first_lag, "first_lag", minimum=0, maximum=n - 1, context=f" for c2 with T = {n}")
    if last_lag is None:
        last_lag = n - 1
    last_lag = check_int(last_lag, "last_lag", minimum=first_lag, maximum=n - 1,
                         context=f" (first_lag = {first_lag}, T = {n})")
    return _diagonal_means(c2, first_lag, last_lag)


def _diagonal_means(c2: np.ndarray, first_lag: int, last_lag: int) -> np.ndarray:
    """The kernel of :func:`diagonal_means`, for checked arguments."""
    n = c2.shape[-1]
    n_lags = last_lag - first_lag + 1
    acc = np.zeros(c2.shape[:-2] + (n_lags,), dtype=np.float64)
    # row t holds lags first..last contiguously in c2[t, t + first:t + last + 1]:
    # summing rows into a lag accumulator reads memory in order (a diagonal walk,
    # one strided element per row and lag, would not)
    for t in range(n - first_lag):
        width = min(n_lags, n - t - first_lag)
        acc[..., :width] += c2[..., t, t + first_lag:t + first_lag + width]
    return acc / (n - np.arange(first_lag, last_lag + 1))


def g2_from_c2(c2) -> np.ndarray:
    """One-time g2 from a two-time C2: the mean of each off-diagonal.

    ``g2[..., k-1] = mean_t C2[..., t, t+k]`` for lags ``k = 1 .. T-1`` (frames, or
    bins of ``bin_frames``); that is ``diagonal_means(c2, first_lag=1)``.  It carries
    the baseline of the C2 it came from: about 1 for ``form="ratio"`` (g2 = 1 + beta
    |f|^2) and about 0 for ``form="paper"`` (which is then ~ beta |f|^2, the g2 - 1 of
    the ratio form).

    c2 : (..., T, T) with T >= 2 -> g2 : (..., T-1) float64

    >>> g2_from_c2([[1.5, 1.2, 1.0], [1.2, 1.5, 1.2], [1.0, 1.2, 1.5]]).tolist()
    [1.2, 1.0]
    """
    c2 = _check_c2_stack(c2)
    if c2.shape[-1] < 2:
        raise ValueError(f"c2 must have T >= 2 for a lag of 1, got {describe(c2)}")
    return _diagonal_means(c2, 1, c2.shape[-1] - 1)
