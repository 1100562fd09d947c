"""Means along the diagonals of two-time maps: one-time g2 from C2, lag profiles.

The diagonal ``c2[t, t + k]`` of a two-time map holds every pair of frames ``k``
apart; its mean over ``t`` is the one-time correlation at lag ``k``.  Shapes:
``c2 (..., T, T)`` -> ``(..., n_lags)``.

The main diagonal (lag 0) is never needed for g2: :func:`g2_from_c2`,
:func:`g2_with_errors` and ``diagonal_means(first_lag=1)`` read lags >= 1 only, so a
C2 whose diagonal is NaN (as many beamline files store it) or was replaced (e.g.
``xpcs_nb.aps`` fills it from its neighbours) gives the same g2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xpcs_nb.validation import check_array, check_int, describe

__all__ = ["diagonal_means", "g2_from_c2", "G2WithErrors", "g2_with_errors"]


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


@dataclass(frozen=True)
class G2WithErrors:
    """g2 from a two-time C2, lag by lag, with its standard error and pair count.

    ``lags (n_lags,)`` int, 1 .. T-1 (frames or bins); ``g2 (..., n_lags)`` the mean of
    each off-diagonal (as :func:`g2_from_c2`); ``stderr (..., n_lags)`` its standard
    error by batch means (NaN where fewer than 2 batches fit); ``n_pairs (n_lags,)``
    the frame pairs averaged, T - k; ``batch (n_lags,)`` the batch length used.
    """

    lags: np.ndarray
    g2: np.ndarray
    stderr: np.ndarray
    n_pairs: np.ndarray
    batch: np.ndarray


def g2_with_errors(c2, *, max_lag: int | None = None) -> G2WithErrors:
    """One-time g2 from a two-time C2 with a per-lag standard error and pair count.

    ``g2[..., k-1] = mean_t C2[..., t, t+k]`` over the ``n = T - k`` pairs, exactly as
    :func:`g2_from_c2`.  The entries along one diagonal are *not* independent: two
    entries a few frames apart share the same slowly changing speckle, and
    ``C2[t, t+k]`` and ``C2[t+k, t+2k]`` share a frame.  The standard error is
    therefore taken by batch means: the n entries are cut into ``n // b`` consecutive
    batches of ``b = floor(sqrt(n))`` entries, and ``stderr = std(batch means, ddof=1) /
    sqrt(n // b)`` (a remainder of fewer than b entries is left out of the error, not
    of g2).  Batches longer than the correlation time make this right; where the
    correlation time is longer than sqrt(n) frames (long lags of slow dynamics) it
    is still too small.  The errors of neighbouring lags are correlated too (they
    share frames), which a least-squares fit does not know.

    Parameters
    ----------
    c2 : (..., T, T)
        Two-time maps; the main diagonal is never read (it may be NaN).
    max_lag : int, optional
        Last lag (default T - 1).

    Returns
    -------
    G2WithErrors

    Examples
    --------
    >>> c2 = np.random.default_rng(0).normal(1.0, 0.1, (50, 50))
    >>> res = g2_with_errors(c2, max_lag=3)
    >>> res.lags.tolist(), res.n_pairs.tolist(), res.batch.tolist()
    ([1, 2, 3], [49, 48, 47], [7, 6, 6])
    >>> bool(np.all(np.abs(res.g2 - 1) < 4 * res.stderr))
    True
    """
    c2 = _check_c2_stack(c2)
    n = c2.shape[-1]
    if n < 2:
        raise ValueError(f"c2 must have T >= 2 for a lag of 1, got {describe(c2)}")
    last = n - 1 if max_lag is None else check_int(max_lag, "max_lag", minimum=1, maximum=n - 1,
                                                   context=f" for c2 with T = {n}")
    lags = np.arange(1, last + 1)
    g2 = _diagonal_means(c2, 1, last)
    n_pairs = n - lags
    batch = np.maximum(1, np.floor(np.sqrt(n_pairs)).astype(np.int64))
    stderr = np.full(g2.shape, np.nan)
    for i, k in enumerate(lags):
        n_b = int(n_pairs[i] // batch[i])
        if n_b < 2:
            continue
        values = np.diagonal(c2, int(k), axis1=-2, axis2=-1)[..., : n_b * batch[i]]
        means = values.reshape(values.shape[:-1] + (n_b, int(batch[i]))).mean(axis=-1, dtype=np.float64)
        stderr[..., i] = means.std(axis=-1, ddof=1) / np.sqrt(n_b)
    return G2WithErrors(lags=lags, g2=g2, stderr=stderr, n_pairs=n_pairs, batch=batch)
