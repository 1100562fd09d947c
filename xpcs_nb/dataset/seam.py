"""How avalanche-like a crop looks: the drop of the diagonal band across a boundary.

An avalanche resets the speckle at one moment c: pairs of frames on either side of c
no longer correlate, so just off the diagonal the bright band is cut at (c, c) and
the crop splits into two squares. The paper's wrap-around shift makes the same cut
where the crop's last frame is glued to its first (see
:func:`~xpcs_nb.dataset.augment.wrap_shift`). One statistic sees both:

- the band at lag l is ``H_l(t) = crop[t, t + l]`` for lags 1 .. ``lags`` (lag 0, the
  diagonal, carries the shot-noise lift and is left out);
- at a boundary c, the pairs *across* it at lag l are t = c - l .. c - 1; the pairs on
  either side are the ``lags`` pairs just before (t + l < c) and just after (t >= c);
- the drop at c is the mean over lags of (mean of the pairs beside c) minus (mean of
  the pairs across c), in the crop's own [0, 1] units.

:func:`seam_profile` gives the drop at every c, :func:`seam_score` its largest value
and where. A crop with no cut scores the largest of its noise; a cut band scores
about the band's height near the diagonal. The score says nothing for a band
narrower than a frame or two (nothing to cut) or wider than the crop (pairs across
the seam still correlate): it measures what a reader or an encoder can see.

>>> band = np.exp(-np.abs(np.subtract.outer(np.arange(64), np.arange(64))) / 20.0)
>>> cut = band.copy(); cut[:30, 30:] = cut[30:, :30] = 0.0   # two squares, cut at 30
>>> score, where = seam_score(np.stack([band, cut]))
>>> score.round(2).tolist(), int(where[1])
([0.0, 0.8], 30)
"""

from __future__ import annotations

import warnings

import numpy as np

from ..validation import check_array, check_int

__all__ = ["SEAM_LAGS", "seam_profile", "seam_score"]

SEAM_LAGS = 8  # lags 1 .. 8: the band's near part, where a cut shows most


def _window_means(values: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Mean of ``values[start:stop]`` for every (start, stop), NaN where empty."""
    total = np.concatenate([[0.0], np.cumsum(values)])
    starts, stops = np.clip(starts, 0, len(values)), np.clip(stops, 0, len(values))
    count = stops - starts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (total[np.maximum(stops, starts)] - total[starts]) / np.maximum(count, 1), np.nan)


def seam_profile(crop, lags: int = SEAM_LAGS) -> np.ndarray:
    """The band's drop across every boundary c of one crop (the module's statistic).

    Parameters
    ----------
    crop : array (S, S)
        A scaled crop (e.g. in [0, 1]), time down the rows and across the columns.
    lags : int, 1 .. S - 2
        Lags of the band taken into account.

    Returns
    -------
    drop : ndarray (S,), float64
        ``drop[c]``: mean over lags of (pairs beside c) - (pairs across c), in the crop's
        units; ``drop[0] = 0`` (no boundary before the first frame).

    >>> seam_profile(np.ones((6, 6)), lags=2).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    crop = check_array(crop, "crop", ndim=2, dtype=np.float64)
    size = crop.shape[0]
    if crop.shape[1] != size:
        raise ValueError(f"crop must be square (S, S), got shape {crop.shape}")
    lags = check_int(lags, "lags", minimum=1, maximum=max(size - 2, 1))
    if size < 3:
        raise ValueError(f"crop must be at least 3 x 3, got shape {crop.shape}")
    c = np.arange(1, size)
    drops = []
    for lag in range(1, lags + 1):
        band = np.diagonal(crop, offset=lag)  # (S - lag,): pairs (t, t + lag)
        across = _window_means(band, c - lag, c)
        before = _window_means(band, c - lag - lags, c - lag)
        after = _window_means(band, c, c + lags)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no pairs on either side
            beside = np.nanmean(np.stack([before, after]), axis=0)
        drops.append(beside - across)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a lag with no pairs at this c: NaN, left out
        drop = np.nanmean(np.stack(drops), axis=0)
    return np.concatenate([[0.0], np.nan_to_num(drop)])


def seam_score(crops, lags: int = SEAM_LAGS) -> tuple[np.ndarray, np.ndarray]:
    """The largest band drop of each crop, and the boundary where it lies.

    Parameters
    ----------
    crops : array (N, S, S) or (S, S)
    lags : int
        As in :func:`seam_profile`.

    Returns
    -------
    score : ndarray (N,), float64
        ``max_c seam_profile(crop)[c]``, in the crop's units.
    where : ndarray (N,), int
        The boundary c (frames) of that largest drop.
    """
    crops = check_array(crops, "crops", ndim=(2, 3))
    crops = crops[np.newaxis] if crops.ndim == 2 else crops
    profiles = np.stack([seam_profile(crop, lags) for crop in crops])
    return profiles.max(axis=1), profiles.argmax(axis=1)
