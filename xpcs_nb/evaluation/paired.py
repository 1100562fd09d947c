"""Paired differences with a bootstrap interval: is method A ahead of method B, beyond chance?

Two methods scored on the *same* evaluation crops share the luck of the draw: a hard
set of maps lowers both. So the question "does A beat B?" is asked of the difference
on each resampled set, not of two separate error bars. The resampling unit is the
evaluation *map* (the large C2 the crops were cut from): crops of one map share their
dynamics and are not independent, so maps are drawn with replacement and every crop of
a drawn map comes along (a cluster bootstrap).

:func:`paired_bootstrap` takes two score functions of an index array, so the same code
serves a score of the whole set (an ARI of a fixed partition, a rank correlation, an R²)
and a mean of per-item values (:func:`paired_mean_difference`, e.g. precision per
query). The verdict is worded from the interval alone (:func:`interval_verdict`):
"better than" only where the whole 95 % interval lies above zero.

>>> import numpy as np
>>> a, b = np.array([0.9, 0.8, 0.95, 0.85]), np.array([0.5, 0.6, 0.55, 0.4])
>>> result = paired_mean_difference(a, b, groups=[0, 1, 2, 3], n_resamples=200, seed=0)
>>> round(result.difference, 3), result.low > 0, interval_verdict(result)
(0.363, True, 'better than')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..validation import check_array, check_int, check_real, check_seed

__all__ = ["PairedDifference", "paired_bootstrap", "paired_mean_difference", "interval_verdict"]


@dataclass(frozen=True)
class PairedDifference:
    """A's score minus B's on the full set, with its bootstrap interval.

    Attributes
    ----------
    difference : float
        ``score_a(all) - score_b(all)``.
    low, high : float
        The percentile interval of the resampled differences at ``level``.
    level : float
        e.g. 0.95.
    n_resamples, n_groups : int
        Bootstrap draws; independent units (maps) behind them.
    """

    difference: float
    low: float
    high: float
    level: float
    n_resamples: int
    n_groups: int

    def __str__(self) -> str:
        return f"{self.difference:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


def _members_by_group(groups: np.ndarray) -> list[np.ndarray]:
    """Indices of the items of each group, in the order of ``np.unique``."""
    _, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse))
    return np.split(order, bounds[:-1])


def paired_bootstrap(score_a: Callable[[np.ndarray], float], score_b: Callable[[np.ndarray], float], groups, *,
                     n_resamples=1000, level=0.95, seed=0) -> PairedDifference:
    """The paired difference ``score_a - score_b`` with a cluster-bootstrap interval over ``groups``.

    Parameters
    ----------
    score_a, score_b : callable (index array (M,) of int) -> float
        Each scores its method on the items at those indices (repeats allowed: a map
        drawn twice counts twice). Keep them cheap; they run ``n_resamples`` times.
        For a clustering score, fit the clusters once and score the fixed partition on
        the resampled items.
    groups : array (N,)
        The unit each item belongs to (its evaluation map); units are resampled whole.
    n_resamples : int >= 100
    level : float in (0, 1)
        Coverage of the percentile interval.
    seed : int
        Seeds the draws; both methods see the same draws (that is the pairing).

    Returns
    -------
    PairedDifference

    >>> values = np.arange(6.0)
    >>> same = paired_bootstrap(lambda i: values[i].mean(), lambda i: values[i].mean(), [0, 0, 1, 1, 2, 2])
    >>> (same.difference, same.low, same.high)
    (0.0, 0.0, 0.0)
    """
    groups = check_array(groups, "groups", ndim=1)
    if groups.size < 2:
        raise ValueError(f"groups must hold at least 2 items, got {groups.size}")
    n_resamples = check_int(n_resamples, "n_resamples", minimum=100)
    level = check_real(level, "level", minimum=0, maximum=1)
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    seed = check_seed(seed)
    members = _members_by_group(groups)
    if len(members) < 2:
        raise ValueError(f"groups must name at least 2 different units to resample, got {len(members)}")
    everything = np.arange(groups.size)
    difference = float(score_a(everything) - score_b(everything))
    rng = np.random.default_rng(seed)
    draws = np.empty(n_resamples)
    for r in range(n_resamples):
        chosen = rng.integers(0, len(members), size=len(members))
        index = np.concatenate([members[g] for g in chosen])
        draws[r] = score_a(index) - score_b(index)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return PairedDifference(difference, float(low), float(high), level, n_resamples, len(members))


def paired_mean_difference(values_a, values_b, groups=None, **options) -> PairedDifference:
    """:func:`paired_bootstrap` of the mean of per-item values (N,), e.g. precision per query.

    ``groups`` defaults to one group per item (items independent).

    >>> r = paired_mean_difference([1.0, 0.5, 0.75], [0.5, 0.5, 0.25], n_resamples=100)
    >>> round(r.difference, 3)
    0.333
    """
    values_a = check_array(values_a, "values_a", ndim=1, finite=True)
    values_b = check_array(values_b, "values_b", ndim=1, finite=True)
    if values_a.shape != values_b.shape:
        raise ValueError(f"values_b must have the shape of values_a {values_a.shape}, got {values_b.shape}")
    groups = np.arange(values_a.size) if groups is None else groups
    return paired_bootstrap(lambda i: float(values_a[i].mean()), lambda i: float(values_b[i].mean()),
                            groups, **options)


def interval_verdict(result: PairedDifference) -> str:
    """``"better than"`` where the interval lies above 0, ``"worse than"`` below, else ``"no better than"``.

    >>> interval_verdict(PairedDifference(-0.02, -0.05, 0.01, 0.95, 1000, 40))
    'no better than'
    """
    if not isinstance(result, PairedDifference):
        raise TypeError(f"result must be a PairedDifference, got {type(result).__name__}")
    if result.low > 0:
        return "better than"
    if result.high < 0:
        return "worse than"
    return "no better than"
