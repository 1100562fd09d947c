"""Classes over time next to the rheometer: the paper's Fig. 3.

The experiment (Horwath et al., section III and V A): a colloidal glass is sheared
(30/s, then 100/s), the shear stops, and while the stress relaxes XPCS records the
dynamics in 18 azimuthal sectors. Each 57-second window gives 18 C2 maps, each C2 a
class. This module

1. counts the classes in every window (:func:`class_fractions`, Fig. 3A's stacked bars);
2. finds the minima of the stress trace (:func:`stress_minima`, Fig. 3's black lines);
3. puts the XPCS windows on the rheometer's clock (:func:`shear_stop_time`,
   :func:`align_windows`);
4. asks whether the windows where slow and fast classes trade places sit closer to
   the stress minima than chance would put them (:func:`transition_alignment`).

The published files hold no XPCS timestamps on the rheometer clock; step 3 works the
offset out from the shear-rate column (see :func:`shear_stop_time`).

Example
-------
>>> import numpy as np
>>> labels = np.array([0, 0, 1, 1, 1, 2])
>>> windows = np.array([0, 0, 0, 1, 1, 1])
>>> class_fractions(labels, windows, n_classes=3).round(2).values.tolist()
[[0.67, 0.33, 0.0], [0.0, 0.67, 0.33]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

__all__ = [
    "NOISE_PROMINENCE_FACTOR",
    "TransitionAlignment",
    "class_fractions",
    "shear_stop_time",
    "align_windows",
    "stress_after_shear",
    "noise_level",
    "stress_minima",
    "transition_times",
    "transition_alignment",
]

# A stress minimum must be this many noise standard deviations deep (see stress_minima).
NOISE_PROMINENCE_FACTOR = 5.0


# ------------------------------------------------------------ fractions


def class_fractions(labels, window_ids, n_classes: int | None = None, windows=None) -> pd.DataFrame:
    """Fraction of each class in each time window (the stacked bars of Fig. 3A).

    Parameters
    ----------
    labels : array (N,), int
        Class of each C2, 0 .. n_classes-1.
    window_ids : array (N,)
        The window each C2 belongs to: an id or its start time in seconds (for the
        paper's data, ``paper.load_start_times()``: 18 sectors share each value).
    n_classes : int, optional
        Number of classes (columns); default ``labels.max() + 1``. Classes with no
        member get a column of zeros.
    windows : array (W,), optional
        The windows to report, in this order. Default: the distinct values of
        ``window_ids``, sorted. A window listed here that holds no C2 gets a row of
        NaN (a fraction of nothing is undefined, and a row of zeros would read as
        "no class present").

    Returns
    -------
    DataFrame (W, n_classes)
        Index ``window``, columns ``0 .. n_classes-1`` (named ``class``); every row
        with data sums to 1.
    """
    labels = np.asarray(labels)
    window_ids = np.asarray(window_ids)
    if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer) \
            or labels.min() < 0:
        raise ValueError(
            "labels must be a non-empty 1-D array of integers >= 0, "
            f"got {labels.dtype} shape {labels.shape}"
        )
    if window_ids.shape != labels.shape:
        raise ValueError(
            f"window_ids must have one entry per label ({labels.size}), got shape {window_ids.shape}"
        )
    if n_classes is None:
        n_classes = int(labels.max()) + 1
    if labels.max() >= n_classes:
        raise ValueError(
            f"n_classes must exceed every label; labels reach {labels.max()}, n_classes is {n_classes}"
        )
    windows = np.unique(window_ids) if windows is None else np.asarray(windows)
    counts = pd.crosstab(window_ids, labels)
    counts = counts.reindex(index=windows, columns=range(n_classes), fill_value=0)
    counts = counts.fillna(0)  # reindexing in a window absent from window_ids gives NaN counts
    totals = counts.sum(axis=1)
    fractions = counts.div(totals.where(totals > 0), axis=0)  # 0 / NaN -> NaN rows
    fractions.index.name, fractions.columns.name = "window", "class"
    return fractions


# --------------------------------------------------------- the rheometer clock


def _require_columns(rheo: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if not isinstance(rheo, pd.DataFrame):
        raise ValueError(f"rheo must be a pandas DataFrame, got {type(rheo).__name__}")
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
    """
    _require_columns(rheo, ("time", "shear_rate"))
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
    """
    start_times = np.asarray(start_times, dtype=np.float64)
    if not np.isfinite(start_times).all():
        raise ValueError("start_times must be finite")
    if not np.isfinite(shear_stop):
        raise ValueError(f"shear_stop must be a finite number of seconds, got {shear_stop!r}")
    return start_times + float(shear_stop)


def stress_after_shear(
    rheo: pd.DataFrame, rate_tolerance: float = 1e-3
) -> tuple[np.ndarray, np.ndarray]:
    """The relaxing stress trace: every sample from the shear stop on.

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
    """
    steps = np.diff(np.asarray(stress, dtype=np.float64))
    if steps.size < 2 or not np.isfinite(steps).all():
        raise ValueError("stress must hold at least three finite samples")
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
    time : array (M,)
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
    """
    time = np.asarray(time, dtype=np.float64)
    stress = np.asarray(stress, dtype=np.float64)
    if time.ndim != 1 or time.shape != stress.shape or time.size < 3:
        raise ValueError(
            f"time and stress must be 1-D, equally long, >= 3 samples; got {time.shape}, {stress.shape}"
        )
    if not (np.isfinite(time).all() and np.isfinite(stress).all()):
        raise ValueError("time and stress must be finite")
    if np.any(np.diff(time) <= 0):
        raise ValueError("time must be strictly increasing")
    if isinstance(smooth, bool) or not isinstance(smooth, (int, np.integer)) or smooth < 1:
        raise ValueError(f"smooth must be an integer >= 1 (samples), got {smooth!r}")
    if prominence is None:
        prominence = NOISE_PROMINENCE_FACTOR * noise_level(stress)
    elif not prominence > 0:
        raise ValueError(f"prominence must be > 0 Pa, got {prominence!r}")
    trace = uniform_filter1d(stress, size=smooth, mode="nearest") if smooth > 1 else stress
    indices, _ = find_peaks(-trace, prominence=prominence)
    return indices, time[indices]


# ------------------------------------------------------- alignment test


@dataclass(frozen=True)
class TransitionAlignment:
    """How close stress minima sit to class transitions, against chance.

    Attributes
    ----------
    observed : float
        Mean over the stress minima of the time (s) to the nearest transition.
    null_distribution : ndarray (n_permutations,)
        The same mean for the minima circularly shifted by random offsets.
    p_value : float
        One-sided: the chance that shifted minima sit at least as close,
        ``(1 + #(null <= observed)) / (1 + n_permutations)``.
    p_at_resolution : float
        The p-value an alignment as good as the windows can resolve would get: mean
        distance half a window spacing (a transition is only known to the window).
        If this is not small, the test cannot show anything, whatever the data.
    transition_times : ndarray (T,)
        Where the fast fraction jumped, seconds.
    minima_times : ndarray (K,)
    window_spacing : float
        Median spacing of the windows, seconds.
    """

    observed: float
    null_distribution: np.ndarray
    p_value: float
    p_at_resolution: float
    transition_times: np.ndarray
    minima_times: np.ndarray
    window_spacing: float

    @property
    def null_mean(self) -> float:
        """Mean distance (s) expected by chance."""
        return float(self.null_distribution.mean())

    @property
    def null_std(self) -> float:
        """Spread (s) of the mean distance by chance."""
        return float(self.null_distribution.std())

    def summary(self) -> str:
        """A few lines for a notebook, the caveat on power included."""
        return (
            f"{self.minima_times.size} stress minima, {self.transition_times.size} transitions; "
            f"mean distance {self.observed:.0f} s against {self.null_mean:.0f} +- {self.null_std:.0f} s "
            f"for randomly shifted minima; p = {self.p_value:.2g} "
            f"(an alignment to within half a window would give p = {self.p_at_resolution:.2g}). "
            "With so few minima and windows the test has little power: a large p means "
            "'not shown', not 'no relation'."
        )


def transition_times(
    fractions, window_times, fast_classes, threshold: float = 0.25, direction: str = "either"
) -> np.ndarray:
    """Times where the fraction of fast classes jumps between consecutive windows.

    Parameters
    ----------
    fractions : DataFrame or array (W, n_classes)
        From :func:`class_fractions`; rows of NaN (empty windows) are dropped first.
    window_times : array (W,)
        Start time of each window, seconds, increasing.
    fast_classes : sequence of int
        The classes that count as fast (after :func:`xpcs_nb.latent.order_by_relaxation`,
        the highest numbers).
    threshold : float
        Smallest change of the fast fraction, 0 .. 1, that counts as a transition
        (0.25: about 5 of the paper's 18 sectors changing side at once).
    direction : {"either", "rise", "fall"}
        Count jumps to faster dynamics ("rise"), to slower ("fall"), or both.

    Returns
    -------
    ndarray (T,)
        The start time of the window after each jump: with back-to-back windows, the
        boundary the change happened across.
    """
    values = np.asarray(fractions, dtype=np.float64)
    window_times = np.asarray(window_times, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != window_times.size:
        raise ValueError(
            f"fractions must be (W, n_classes) with W = len(window_times) = {window_times.size}, "
            f"got {values.shape}"
        )
    if np.any(np.diff(window_times) <= 0):
        raise ValueError("window_times must be strictly increasing")
    fast_classes = _check_fast_classes(fast_classes, values.shape[1])
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold!r}")
    has_data = ~np.isnan(values).any(axis=1)
    fast_fraction = values[has_data][:, fast_classes].sum(axis=1)
    times = window_times[has_data]
    change = np.diff(fast_fraction)
    jumps = {
        "rise": change > threshold,
        "fall": change < -threshold,
        "either": np.abs(change) > threshold,
    }
    if direction not in jumps:
        raise ValueError(f"direction must be one of {sorted(jumps)}, got {direction!r}")
    return times[1:][jumps[direction]]


def _check_fast_classes(fast_classes, n_classes: int) -> np.ndarray:
    """``fast_classes`` as a non-empty int array of column numbers 0 .. n_classes-1."""
    fast_classes = np.atleast_1d(np.asarray(fast_classes))
    if fast_classes.size == 0 or not np.issubdtype(fast_classes.dtype, np.integer) \
            or fast_classes.min() < 0 or fast_classes.max() >= n_classes:
        raise ValueError(
            f"fast_classes must be column numbers in 0 .. {n_classes - 1}, got {fast_classes.tolist()}"
        )
    return fast_classes


def _mean_distance_to_nearest(points: np.ndarray, targets: np.ndarray) -> float:
    """Mean over ``points`` of the distance to the nearest of ``targets`` (sorted)."""
    return float(np.min(np.abs(points[:, None] - targets[None, :]), axis=1).mean())


def transition_alignment(
    fractions,
    window_times,
    minima_times,
    fast_classes,
    threshold: float = 0.25,
    direction: str = "either",
    n_permutations: int = 9999,
    seed: int = 0,
) -> TransitionAlignment:
    """Do class transitions line up with stress minima more than chance?

    The statistic: for each stress minimum, the time to the nearest transition
    (:func:`transition_times`), averaged over the minima. The null hypothesis: the
    minima bear no relation to the transitions. To draw from it, all minima are
    shifted together by one random offset, wrapping around the span of the XPCS
    windows (a circular shift); this keeps their number and spacing and the
    transitions as they are, and destroys only their relative timing. The p-value is
    one-sided: how often shifted minima sit at least as close as the real ones.

    Power, honestly: the paper's data give 50 windows 57 s apart and three or four
    clear minima. A transition within one window of each minimum happens by chance
    whenever transitions are frequent, and the windows cannot place a transition
    closer than about half their spacing. ``p_at_resolution`` in the result says
    what p an alignment that good would get. A p-value above 0.05 means the relation
    is not shown, not that there is none. Fix the threshold, direction and fast
    classes before looking at the result: trying several and keeping the best is a
    multiple comparison the p-value does not account for.

    On the paper's data (k = 5 ordered by decoded centres, fast = class 4, the
    defaults, minima of prominence > 1 Pa at 799, 1059, 1719 s): 12 transitions, mean
    distance 92 s against 139 +- 71 s for shifted minima, p = 0.37, while an alignment
    to half a window would have given p < 0.001. The paper's visual impression is not
    confirmed by this measure.

    Parameters
    ----------
    fractions : DataFrame or array (W, n_classes)
        From :func:`class_fractions`.
    window_times : array (W,)
        Window start times on the rheometer clock (:func:`align_windows`), seconds.
    minima_times : array (K,)
        Stress minima (:func:`stress_minima`), seconds, all inside the windows' span
        ``[window_times[0], window_times[-1] + spacing)``.
    fast_classes : sequence of int
        Columns of ``fractions`` that count as fast dynamics.
    threshold, direction :
        As in :func:`transition_times`.
    n_permutations : int
        Random shifts drawn.
    seed : int
        Seeds the shifts; same seed, same result.

    Returns
    -------
    TransitionAlignment
    """
    window_times = np.asarray(window_times, dtype=np.float64)
    transitions = transition_times(fractions, window_times, fast_classes, threshold, direction)
    if transitions.size == 0:
        raise ValueError(
            f"no transitions: the fast fraction never changes by more than threshold={threshold} "
            f"in direction {direction!r}; lower the threshold or check fast_classes"
        )
    minima = np.asarray(minima_times, dtype=np.float64).ravel()
    spacing = float(np.median(np.diff(window_times)))
    start, end = window_times[0], window_times[-1] + spacing
    if minima.size == 0 or not np.isfinite(minima).all() or minima.min() < start or minima.max() >= end:
        raise ValueError(
            f"minima_times must be at least one time inside the windows' span [{start:g}, {end:g}) s, "
            f"got {minima.tolist()}; drop the minima outside it"
        )
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, (int, np.integer)) \
            or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer, got {n_permutations!r}")

    span = end - start
    offsets = np.random.default_rng(seed).uniform(0.0, span, size=n_permutations)
    null = np.array([
        _mean_distance_to_nearest(start + (minima - start + offset) % span, transitions)
        for offset in offsets
    ])
    observed = _mean_distance_to_nearest(minima, transitions)
    return TransitionAlignment(
        observed=observed,
        null_distribution=null,
        p_value=float((1 + np.sum(null <= observed)) / (1 + n_permutations)),
        p_at_resolution=float((1 + np.sum(null <= spacing / 2)) / (1 + n_permutations)),
        transition_times=transitions,
        minima_times=minima,
        window_spacing=spacing,
    )
