"""The rheometer's side: when the shear stopped, the XPCS windows on its clock, and
the minima of the relaxing stress (the black lines of the paper's Fig. 3).

The published files hold no XPCS timestamps on the rheometer clock;
:func:`shear_stop_time` works the offset out from the shear-rate column and
:func:`align_windows` applies it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

from xpcs_nb.validation import ArgumentTypeError, check_array, check_int, check_real, describe

__all__ = [
    "NOISE_PROMINENCE_FACTOR",
    "shear_stop_time",
    "align_windows",
    "stress_after_shear",
    "noise_level",
    "stress_minima",
]

# A stress minimum must be this many noise standard deviations deep (see stress_minima).
NOISE_PROMINENCE_FACTOR = 5.0


# --------------------------------------------------------- the rheometer clock


def _require_columns(rheo, columns: tuple[str, ...]) -> None:
    if not isinstance(rheo, pd.DataFrame):
        raise ArgumentTypeError(f"rheo must be a pandas DataFrame, got {describe(rheo)}")
    missing = [column for column in columns if column not in rheo.columns]
    if missing:
        raise ValueError(f"rheo must have columns {list(columns)}; missing {missing}")


def shear_stop_time(rheo: pd.DataFrame, rate_tolerance: float = 1e-3) -> float:
    """When the shear stopped, in seconds on the rheometer clock (column ``time``).

    The first sample after the last sheared one (``|shear_rate| > rate_tolerance``)
    whose shear rate is back to ~0.

    On the paper's ``RheoData``: 30/s from 0 to 189 s, 100/s from 190 to 199 s (1 s
    samples), then the rheometer switches to 10 s samples and the first at rest
    (|rate| < 1e-6 /s) reads 209 s. So this returns 209.0 s; the true stop lies in
    (199, 209] s, an uncertainty of at most 10 s, a sixth of one 57-s XPCS window.
    The published XPCS start times (-5 .. 2802 s after the end of shear) then map
    to 204 .. 3011 s on the rheometer clock, well inside its 0 .. 3799 s.

    Parameters
    ----------
    rheo : DataFrame
        Columns ``time`` (s) and ``shear_rate`` (1/s), as ``paper.load_rheology()``.
    rate_tolerance : float
        Shear rates at or below this (1/s) count as zero; the resting rheometer
        reads about 1e-6 /s of noise.

    Returns
    -------
    float
        Seconds.

    Examples
    --------
    >>> table = pd.DataFrame({"time": [0.0, 1.0, 2.0, 12.0], "shear_rate": [30.0, 100.0, 1e-6, 0.0]})
    >>> shear_stop_time(table)
    2.0
    """
    _require_columns(rheo, ("time", "shear_rate"))
    rate_tolerance = check_real(rate_tolerance, "rate_tolerance", minimum=0.0)
    table = rheo.sort_values("time")
    sheared = np.abs(table["shear_rate"].to_numpy()) > rate_tolerance
    if not sheared.any():
        raise ValueError(
            f"rheo has no shear_rate above rate_tolerance={rate_tolerance}: no shear to stop"
        )
    last_sheared = int(np.flatnonzero(sheared)[-1])
    if last_sheared == len(table) - 1:
        raise ValueError(
            "rheo's shear_rate never returns to zero: the shear does not stop in this table"
        )
    return float(table["time"].to_numpy()[last_sheared + 1])


def align_windows(start_times, shear_stop: float) -> np.ndarray:
    """XPCS window start times on the rheometer clock.

    The published start times are seconds after the end of shear (the first is -5 s,
    just before it); adding the rheometer's shear stop time puts them on its clock.

    Parameters
    ----------
    start_times : array (N,)
        Seconds relative to the end of shear, e.g. ``paper.load_start_times()``.
    shear_stop : float
        From :func:`shear_stop_time` (209 s for the paper's data).

    Returns
    -------
    ndarray (N,)
        Seconds on the rheometer clock (for the paper's data 204 .. 3011 s).

    Examples
    --------
    >>> align_windows([-5.0, 52.0], 209.0)
    array([204., 261.])
    """
    start_times = check_array(start_times, "start_times", ndim=1, min_size=0, dtype=np.float64)
    shear_stop = check_real(shear_stop, "shear_stop", context=" s")
    return start_times + shear_stop


def stress_after_shear(
    rheo: pd.DataFrame, rate_tolerance: float = 1e-3
) -> tuple[np.ndarray, np.ndarray]:
    """The relaxing stress trace: every sample from the shear stop on.

    Parameters
    ----------
    rheo : DataFrame
        Columns ``time`` (s), ``shear_rate`` (1/s) and ``shear_stress`` (Pa).
    rate_tolerance : float
        As in :func:`shear_stop_time`.

    Returns
    -------
    time : ndarray (M,)
        Seconds on the rheometer clock (10 s apart for the paper's data).
    stress : ndarray (M,)
        Shear stress, Pa.
    """
    _require_columns(rheo, ("time", "shear_rate", "shear_stress"))
    table = rheo.sort_values("time")
    at_rest = table["time"] >= shear_stop_time(table, rate_tolerance)
    return table.loc[at_rest, "time"].to_numpy(float), table.loc[at_rest, "shear_stress"].to_numpy(float)


# ------------------------------------------------------------- minima


def noise_level(stress) -> float:
    """Standard deviation of the sample-to-sample noise of a trace, robust to its drift.

    ``1.4826 * MAD(diff(stress)) / sqrt(2)``: differencing removes the slow trend,
    the median absolute deviation ignores the few large steps, 1.4826 turns a MAD
    into a standard deviation for Gaussian noise, and sqrt(2) undoes the doubling of
    the variance by differencing. About 0.11 Pa for the paper's relaxing stress.

    Parameters
    ----------
    stress : array (M,), M >= 3
        Pa (or any unit: the result is in the same).

    Returns
    -------
    float
    """
    stress = check_array(stress, "stress", ndim=1, min_size=3, dtype=np.float64)
    return _noise_level(stress)


def _noise_level(stress: np.ndarray) -> float:
    steps = np.diff(stress)
    return float(1.4826 * np.median(np.abs(steps - np.median(steps))) / np.sqrt(2.0))


def stress_minima(
    time, stress, prominence: float | None = None, smooth: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Local minima of a stress trace that stand out from its noise.

    ``scipy.signal.find_peaks`` on ``-stress``. A minimum's prominence is how far the
    stress climbs back on its lower side before reaching a lower point: noise makes
    many shallow minima, a real stress drop a deep one.

    Parameters
    ----------
    time : array (M,), M >= 3
        Increasing, seconds.
    stress : array (M,)
        Pa; pass only the part to search (e.g. from :func:`stress_after_shear`).
    prominence : float, optional
        Smallest prominence kept, Pa. Default: ``NOISE_PROMINENCE_FACTOR`` (5) times
        :func:`noise_level` of the raw trace, so a kept minimum is five noise
        standard deviations deep whatever the rheometer. For the paper's relaxing
        stress (noise 0.11 Pa, threshold 0.56 Pa) this keeps minima at 549, 799, 1059
        and 1719 s, with prominences 0.8, 5.2, 10.0 and 4.2 Pa; ``prominence=1.0``
        keeps the three deep ones.
    smooth : int
        Width in samples of a centred moving average applied first; 1 (default)
        means none. Samples, not seconds: give a trace with even sampling (the
        paper's is 10 s apart after the shear).

    Returns
    -------
    indices : ndarray (K,), int
        Positions of the minima in ``time``.
    times : ndarray (K,)
        ``time[indices]``, seconds.

    Examples
    --------
    One dip 4 Pa deep at 50 s in a flat trace:

    >>> time = np.arange(0.0, 100.0, 10.0)
    >>> stress = np.array([90.0, 90.0, 90.0, 89.0, 87.0, 86.0, 87.0, 89.0, 90.0, 90.0])
    >>> stress_minima(time, stress, prominence=1.0)
    (array([5]), array([50.]))
    """
    time = check_array(time, "time", ndim=1, min_size=3, dtype=np.float64)
    stress = check_array(stress, "stress", shape=time.shape, dtype=np.float64)
    if np.any(np.diff(time) <= 0):
        raise ValueError("time must be strictly increasing")
    smooth = check_int(smooth, "smooth", minimum=1, context=" (samples)")
    if prominence is None:
        prominence = NOISE_PROMINENCE_FACTOR * _noise_level(stress)
    else:
        prominence = check_real(prominence, "prominence", minimum=0.0, include_min=False, context=" Pa")
    trace = uniform_filter1d(stress, size=smooth, mode="nearest") if smooth > 1 else stress
    indices, _ = find_peaks(-trace, prominence=prominence)
    return indices, time[indices]
