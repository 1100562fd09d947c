"""Do the windows where slow and fast classes trade places sit closer to the stress
minima than chance would put them? A permutation test with its power stated.

:func:`transition_times` finds where the fraction of fast classes jumps between
consecutive windows; :func:`transition_alignment` measures how close the stress
minima sit to those jumps and compares it with randomly shifted minima.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xpcs_nb.validation import check_array, check_choice, check_int, check_real, check_seed

__all__ = ["TransitionAlignment", "transition_times", "transition_alignment"]

DIRECTIONS = ("either", "rise", "fall")


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

    def summary(self, alpha: float = 0.05) -> str:
        """A few lines for a notebook; p-values with the digits their side of ``alpha``
        needs, and above it the caveat that a large p means "not shown"."""
        from ..words.rheology import p_text  # words are a leaf: no cycle

        caveat = "" if self.p_value < alpha else " A large p means 'not shown', not 'no relation'."
        return (
            f"{self.minima_times.size} stress minima, {self.transition_times.size} transitions; "
            f"mean distance {self.observed:.0f} s against {self.null_mean:.0f} +- {self.null_std:.0f} s "
            f"for randomly shifted minima; p = {p_text(self.p_value, alpha)} "
            f"(an alignment to within half a window would give p = {p_text(self.p_at_resolution, alpha)})."
            + caveat
        )


def transition_times(
    fractions, window_times, fast_classes, threshold: float = 0.25, direction: str = "either"
) -> np.ndarray:
    """Times where the fraction of fast classes jumps between consecutive windows.

    Parameters
    ----------
    fractions : DataFrame or array (W, n_classes)
        From :func:`~xpcs_nb.rheology.class_fractions`; rows of NaN (empty windows)
        are dropped first.
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

    Examples
    --------
    The fast class (1) takes over in the third window and gives way in the fifth:

    >>> fractions = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.4, 0.6], [0.8, 0.2]])
    >>> transition_times(fractions, [0.0, 57.0, 114.0, 171.0, 228.0], [1])
    array([114., 228.])
    >>> transition_times(fractions, [0.0, 57.0, 114.0, 171.0, 228.0], [1], direction="rise")
    array([114.])
    """
    values, window_times = _check_fractions_and_times(fractions, window_times)
    fast_classes = _check_fast_classes(fast_classes, values.shape[1])
    threshold = check_real(threshold, "threshold", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    direction = check_choice(direction, "direction", DIRECTIONS)
    return _transition_times(values, window_times, fast_classes, threshold, direction)


def _check_fractions_and_times(fractions, window_times) -> tuple[np.ndarray, np.ndarray]:
    """``fractions`` (W, n_classes), NaN rows allowed, and strictly increasing ``window_times`` (W,)."""
    window_times = check_array(window_times, "window_times", ndim=1, dtype=np.float64)
    values = check_array(fractions, "fractions", ndim=2, finite=False, dtype=np.float64)
    if values.shape[0] != window_times.size:
        raise ValueError(
            f"fractions must be (W, n_classes) with W = len(window_times) = {window_times.size}, "
            f"got {values.shape}"
        )
    if np.any(np.diff(window_times) <= 0):
        raise ValueError("window_times must be strictly increasing")
    return values, window_times


def _check_fast_classes(fast_classes, n_classes: int) -> np.ndarray:
    """``fast_classes`` as a non-empty int array of column numbers 0 .. n_classes-1."""
    fast_classes = np.atleast_1d(check_array(fast_classes, "fast_classes", ndim=(0, 1), kind="integer"))
    if fast_classes.min() < 0 or fast_classes.max() >= n_classes:
        raise ValueError(
            f"fast_classes must be column numbers in 0 .. {n_classes - 1}, got {fast_classes.tolist()}"
        )
    return fast_classes


def _transition_times(values: np.ndarray, window_times: np.ndarray, fast_classes: np.ndarray,
                      threshold: float, direction: str) -> np.ndarray:
    has_data = ~np.isnan(values).any(axis=1)
    fast_fraction = values[has_data][:, fast_classes].sum(axis=1)
    times = window_times[has_data]
    change = np.diff(fast_fraction)
    jumps = {
        "rise": change > threshold,
        "fall": change < -threshold,
        "either": np.abs(change) > threshold,
    }[direction]
    return times[1:][jumps]


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
    multiple comparison the p-value does not account for. Chapter 5 runs the test on
    the paper's data; ``book/performance.md`` keeps its p at each preset.

    Parameters
    ----------
    fractions : DataFrame or array (W, n_classes)
        From :func:`~xpcs_nb.rheology.class_fractions`.
    window_times : array (W,)
        Window start times on the rheometer clock (:func:`~xpcs_nb.rheology.align_windows`), seconds.
    minima_times : array (K,)
        Stress minima (:func:`~xpcs_nb.rheology.stress_minima`), seconds, all inside the windows' span
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

    Examples
    --------
    Minima 5 s after each of the six transitions of a run of 60 windows:

    >>> fast = np.repeat([0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1], [5, 10, 8, 12, 9, 7, 9])
    >>> fractions, times = np.column_stack([1 - fast, fast]), 57.0 * np.arange(60)
    >>> result = transition_alignment(fractions, times, times[[5, 15, 23]] + 5.0, [1], n_permutations=999)
    >>> result.observed, result.p_value < 0.05
    (5.0, True)
    """
    values, window_times = _check_fractions_and_times(fractions, window_times)
    fast_classes = _check_fast_classes(fast_classes, values.shape[1])
    threshold = check_real(threshold, "threshold", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    direction = check_choice(direction, "direction", DIRECTIONS)
    minima = check_array(minima_times, "minima_times", ndim=1, min_size=0, dtype=np.float64)
    n_permutations = check_int(n_permutations, "n_permutations", minimum=1)
    seed = check_seed(seed)

    transitions = _transition_times(values, window_times, fast_classes, threshold, direction)
    if transitions.size == 0:
        raise ValueError(
            f"no transitions: the fast fraction never changes by more than threshold={threshold} "
            f"in direction {direction!r}; lower the threshold or check fast_classes"
        )
    spacing = float(np.median(np.diff(window_times)))
    start, end = window_times[0], window_times[-1] + spacing
    if minima.size == 0 or minima.min() < start or minima.max() >= end:
        raise ValueError(
            f"minima_times must be at least one time inside the windows' span [{start:g}, {end:g}) s, "
            f"got {minima.tolist()}; drop the minima outside it"
        )
    return _permutation_test(minima, transitions, start, end, spacing, n_permutations, seed)


def _permutation_test(minima: np.ndarray, transitions: np.ndarray, start: float, end: float, spacing: float,
                      n_permutations: int, seed: int) -> TransitionAlignment:
    """Observed mean distance against ``n_permutations`` circular shifts of the minima over [start, end)."""
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
