"""Fraction of each class in each time window: the stacked bars of the paper's Fig. 3A."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xpcs_nb.validation import check_array, check_int

__all__ = ["class_fractions"]


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

    Examples
    --------
    Six C2 in two windows of three:

    >>> fractions = class_fractions([0, 0, 1, 1, 1, 2], [0, 0, 0, 1, 1, 1], n_classes=3)
    >>> fractions.round(2).values.tolist()
    [[0.67, 0.33, 0.0], [0.0, 0.67, 0.33]]
    >>> class_fractions([0, 1], [5.0, 5.0], windows=[5.0, 6.0]).values.tolist()
    [[0.5, 0.5], [nan, nan]]
    """
    labels = check_array(labels, "labels", ndim=1, kind="integer", minimum=0)
    window_ids = check_array(window_ids, "window_ids", ndim=1, kind=None)
    if window_ids.shape != labels.shape:
        raise ValueError(
            f"window_ids must have one entry per label ({labels.size}), got shape {window_ids.shape}"
        )
    if n_classes is None:
        n_classes = int(labels.max()) + 1
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    if labels.max() >= n_classes:
        raise ValueError(
            f"n_classes must exceed every label; labels reach {labels.max()}, n_classes is {n_classes}"
        )
    windows = np.unique(window_ids) if windows is None else check_array(windows, "windows", ndim=1, kind=None)
    counts = pd.crosstab(window_ids, labels)
    counts = counts.reindex(index=windows, columns=range(n_classes), fill_value=0)
    counts = counts.fillna(0)  # reindexing in a window absent from window_ids gives NaN counts
    totals = counts.sum(axis=1)
    fractions = counts.div(totals.where(totals > 0), axis=0)  # 0 / NaN -> NaN rows
    fractions.index.name, fractions.columns.name = "window", "class"
    return fractions
