"""A search on the reference features against each baseline, query by query, with an interval.

One query's precision@k can only be 0, 1/k, ..., 1, so the spread of the values over
the queries is wide by construction and two error bars of that width overlap almost
always. What matters for "A finds neighbours of the query's label more often than B"
is the difference on the *same* queries: each query is scored by both methods, and
the mean of the per-query differences gets a cluster-bootstrap interval over the
queries' source maps (:func:`~xpcs_nb.evaluation.paired.paired_mean_difference`; the
two crops of one map share their dynamics, so a map is resampled whole). The verdict
is read off the interval (:func:`~xpcs_nb.evaluation.paired.interval_verdict`).

A method with several runs (training seeds, untrained draws) is scored per query by
the mean over its runs: the comparison is then paired by query, and the runs' spread
enters through the per-query means.

>>> scores = {"trained": np.array([[1.0, 1.0, 0.75, 1.0, 0.5, 0.75]]),
...           "pixels": np.array([[0.5, 0.25, 0.25, 0.5, 0.0, 0.25]])}
>>> table = paired_precision_differences(scores, labels=[0, 0, 0, 1, 1, 1], groups=[0, 0, 1, 2, 3, 3],
...                                      n_resamples=200)
>>> table[["method", "label", "verdict"]].tail(1).to_dict("records")
[{'method': 'pixels', 'label': 'all', 'verdict': 'better than'}]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..validation import check_array
from .by_label import ALL_LABELS
from .paired import interval_verdict, paired_mean_difference

__all__ = ["PAIRED_COLUMNS", "TOO_FEW_MAPS", "paired_precision_differences"]

PAIRED_COLUMNS = ("method", "label", "difference", "low", "high", "verdict", "n_queries", "n_maps")
TOO_FEW_MAPS = "not tested (one map)"
"""The verdict of a label whose queries all come from one map: nothing to resample."""


def _per_query(method: str, values, n: int) -> np.ndarray:
    """A method's per-query precision (n,): the mean over its runs of an array (runs, n) or (n,)."""
    values = check_array(values, f"scores[{method!r}]", ndim=(1, 2), minimum=0, maximum=1)
    values = np.atleast_2d(values)
    if values.shape[1] != n:
        raise ValueError(f"scores[{method!r}] must hold one value per query ({n}, as labels), "
                         f"got shape {values.shape}")
    return values.mean(axis=0)


def paired_precision_differences(scores: Mapping[str, object], labels, groups, reference: str = "trained", *,
                                 n_resamples: int = 1000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """The reference's precision minus each other method's, paired per query, per label and over all.

    Parameters
    ----------
    scores : mapping {method: array (n_runs, N) or (N,)}
        Per-query precision@k in [0, 1] of the same N queries, e.g. from
        :func:`~xpcs_nb.evaluation.by_label.per_query_precision`; must hold ``reference``.
    labels : array (N,), int
        The query's label.
    groups : array (N,)
        The query's source map, the unit the bootstrap resamples.
    reference : str
        The method judged (the trained encoder).
    n_resamples, level, seed
        As in :func:`~xpcs_nb.evaluation.paired.paired_bootstrap`; every comparison uses
        the same seed, so every method meets the same resampled query sets.

    Returns
    -------
    DataFrame with :data:`PAIRED_COLUMNS`
        One row per (other method, label), labels ascending then :data:`ALL_LABELS`:
        ``difference`` (mean over the label's queries of reference minus other),
        ``low``/``high`` (its interval; NaN where the queries come from one map),
        ``verdict`` (``"better than"``, ``"no better than"``, ``"worse than"`` or
        :data:`TOO_FEW_MAPS`), ``n_queries``, ``n_maps``.
    """
    if not isinstance(scores, Mapping) or reference not in scores or len(scores) < 2:
        raise ValueError(f"scores must be a mapping holding reference {reference!r} and at least one other "
                         f"method, got {list(scores) if isinstance(scores, Mapping) else type(scores).__name__}")
    labels = check_array(labels, "labels", ndim=1, kind="integer", minimum=0)
    groups = check_array(groups, "groups", ndim=1, kind=None)
    if len(groups) != len(labels):
        raise ValueError(f"groups must hold one map per query ({len(labels)}, as labels), got {len(groups)}")
    mine = _per_query(reference, scores[reference], len(labels))
    rows = []
    for method, values in scores.items():
        if method == reference:
            continue
        other = _per_query(method, values, len(labels))
        for label in [*np.unique(labels).tolist(), ALL_LABELS]:
            chosen = np.ones(len(labels), bool) if label == ALL_LABELS else labels == label
            n_maps = len(np.unique(groups[chosen]))
            row = dict(method=method, label=label, n_queries=int(chosen.sum()), n_maps=n_maps)
            if n_maps < 2:
                difference = float(np.mean(mine[chosen] - other[chosen]))
                rows.append(row | dict(difference=difference, low=np.nan, high=np.nan, verdict=TOO_FEW_MAPS))
                continue
            result = paired_mean_difference(mine[chosen], other[chosen], groups[chosen],
                                            n_resamples=n_resamples, level=level, seed=seed)
            rows.append(row | dict(difference=result.difference, low=result.low, high=result.high,
                                   verdict=interval_verdict(result)))
    return pd.DataFrame(rows, columns=list(PAIRED_COLUMNS))
