"""The relaxation time a physicist would fit: one exponential on a baseline fixed at 1.

A normalised C2 (ratio form) relaxes to 1 at long lags: ``C2(k) = 1 + beta exp(-2
Gamma k)`` for a simple exponential, ``k`` the lag in frames, ``beta`` the contrast,
``Gamma`` the relaxation rate per frame. Fixing the baseline at 1 leaves two numbers
to fit, and it needs the crop's values in C2 units: min-max scaling to [0, 1] destroys
the baseline, so the fit takes the *lag profile* of the unscaled crop (its means
along each diagonal, :func:`lag_profiles`), rebuilt from the store's per-crop range
(``raw_min``, ``raw_max``).

The fit (:func:`fit_rates`) is a profile least squares, robust by construction: for
every rate on a fine log grid the best contrast ``beta >= 0`` has a closed form
(a linear least squares), so the sum of squares is known for every grid rate at
once; the best grid rate is then refined by a bounded 1-D search on ``log Gamma``
between its grid neighbours. There are no starting values to get wrong and no
iteration that can wander off. Lag 0 is left out (it carries the shot-noise lift of
the diagonal, see :mod:`xpcs_nb.evaluation.diagonal`); lags 1 .. S/2 are fitted. A
profile with no decay at all (best ``beta`` = 0 at every rate) has no rate: NaN,
which :func:`relaxation_features` replaces by the median of the others.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from ..correlation import diagonal_means
from ..validation import check_array, check_real

__all__ = ["RATE_BOUNDS", "lag_profiles", "unscaled_crops", "fit_rates", "relaxation_features"]

RATE_BOUNDS = (1e-5, 3.0)
"""Rates ``Gamma`` per frame the fit may return: from a decay far slower than any crop
holds (band 50,000 frames wide) to one gone within a frame."""

_GRID_POINTS = 241  # 40 per decade over the bounds' 5.5 decades


def unscaled_crops(crops, raw_min, raw_max) -> np.ndarray:
    """Crops (N, S, S) in [0, 1] mapped back to C2 units: ``crop * (max - min) + min``, float64.

    >>> unscaled_crops(np.array([[[0.0, 1.0], [1.0, 0.5]]]), [1.0], [1.4]).tolist()
    [[[1.0, 1.4], [1.4, 1.2]]]
    """
    crops = check_array(crops, "crops", ndim=3, dtype=np.float64)
    low = check_array(raw_min, "raw_min", ndim=1, finite=True, dtype=np.float64)
    high = check_array(raw_max, "raw_max", ndim=1, finite=True, dtype=np.float64)
    if low.size != len(crops) or high.size != len(crops):
        raise ValueError(f"raw_min and raw_max must hold one value per crop ({len(crops)}), "
                         f"got {low.size} and {high.size}")
    return crops * (high - low)[:, None, None] + low[:, None, None]


def lag_profiles(c2_crops) -> np.ndarray:
    """Means along the diagonals of lags 1 .. S/2 of crops (N, S, S) in C2 units: (N, S/2).

    >>> lags = np.abs(np.subtract.outer(np.arange(8), np.arange(8)))
    >>> lag_profiles((1 + 0.2 * 0.5 ** lags)[None]).round(3).tolist()
    [[1.1, 1.05, 1.025, 1.012]]
    """
    c2_crops = check_array(c2_crops, "c2_crops", ndim=3, finite=True)
    return diagonal_means(c2_crops, first_lag=1, last_lag=c2_crops.shape[1] // 2)


def _best_contrast_and_error(excess: np.ndarray, decays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For profiles minus 1 (N, L) and decays exp(-2 Gamma k) (G, L): beta >= 0 (N, G) and its sum of squares."""
    dot = excess @ decays.T
    norm = np.sum(decays * decays, axis=1)
    beta = np.maximum(dot, 0.0) / norm
    error = np.sum(excess * excess, axis=1)[:, None] - 2 * beta * dot + beta * beta * norm
    return beta, error


def _error_at(excess: np.ndarray, lags: np.ndarray, log_rate: float) -> float:
    decay = np.exp(-2 * np.exp(log_rate) * lags)[None]
    return float(_best_contrast_and_error(excess[None], decay)[1][0, 0])


def fit_rates(profiles, *, bounds=RATE_BOUNDS) -> tuple[np.ndarray, np.ndarray]:
    """``Gamma`` (N,) per frame and ``beta`` (N,) of ``1 + beta exp(-2 Gamma k)`` fitted to lag profiles.

    Parameters
    ----------
    profiles : array (N, L)
        C2 in its own units (baseline 1) at lags k = 1 .. L (:func:`lag_profiles`).
    bounds : (low, high)
        The rates searched, per frame, 0 < low < high.

    Returns
    -------
    rate, contrast : ndarray (N,)
        NaN rate (and contrast 0) where no decaying exponential fits better than the
        flat baseline (no decay in the profile).

    >>> k = np.arange(1, 129)
    >>> profiles = np.stack([1 + 0.25 * np.exp(-2 * g * k) for g in (0.002, 0.05)])
    >>> rate, beta = fit_rates(profiles)
    >>> rate.round(4).tolist(), beta.round(3).tolist()
    ([0.002, 0.05], [0.25, 0.25])
    """
    profiles = check_array(profiles, "profiles", ndim=2, finite=True, dtype=np.float64)
    low, high = (check_real(b, "bounds entry", minimum=0, include_min=False) for b in bounds)
    if not low < high:
        raise ValueError(f"bounds must be (low, high) with low < high, got {bounds}")
    lags = np.arange(1, profiles.shape[1] + 1, dtype=np.float64)
    excess = profiles - 1.0
    log_grid = np.linspace(np.log(low), np.log(high), _GRID_POINTS)
    beta, error = _best_contrast_and_error(excess, np.exp(-2 * np.exp(log_grid)[:, None] * lags))
    best = np.argmin(error, axis=1)
    rates, contrasts = np.full(len(profiles), np.nan), np.zeros(len(profiles))
    for i, g in enumerate(best):
        if beta[i, g] <= 0:
            continue
        left, right = log_grid[max(g - 1, 0)], log_grid[min(g + 1, log_grid.size - 1)]
        found = minimize_scalar(lambda x: _error_at(excess[i], lags, x), bounds=(left, right), method="bounded",
                                options={"xatol": 1e-6})
        log_rate = found.x if found.fun <= error[i, g] else log_grid[g]
        rates[i] = np.exp(log_rate)
        decay = np.exp(-2 * rates[i] * lags)
        contrasts[i] = max(float(excess[i] @ decay / (decay @ decay)), 0.0)
    return rates, contrasts


def relaxation_features(profiles) -> np.ndarray:
    """log10 relaxation time ``1 / Gamma`` (N, 1), in frames, of :func:`fit_rates`; failed fits take the median.

    A crop whose profile shows no decay counts as "unknown" (the median) rather than
    being dropped, which would flatter the method by removing its hardest crops.

    >>> k = np.arange(1, 65)
    >>> profiles = np.stack([1 + 0.25 * np.exp(-2 * k / tau) for tau in (2.0, 8.0)] + [np.ones(64)])
    >>> relaxation_features(profiles).round(3).ravel().tolist()
    [0.301, 0.903, 0.602]
    """
    rates, _ = fit_rates(profiles)
    with np.errstate(divide="ignore"):
        times = -np.log10(rates)
    failed = ~np.isfinite(times)
    if failed.all():
        return np.zeros((len(times), 1))
    times[failed] = np.median(times[~failed])
    return times[:, None]
