"""The diagonal's shot-noise trap drawn: a crop's lag profile and band widths measured two ways.

A C2 crop's lag profile is the mean of each of its diagonals,
``p(k) = mean_t C2(t, t + k)`` (:func:`xpcs_nb.correlation.diagonal_means`). On a C2
of photon counts, lag 0 (the diagonal) stands above lag 1 by the shot noise; for slow
dynamics that step is larger than the whole decay the crop holds. Chapter 4 draws it
with :func:`lag_profile` and compares the band widths measured from the diagonal and
from lag 1 with :func:`width_comparison`.

>>> profile = np.r_[1.0, 0.3 * np.exp(-np.arange(64) / 20.0)]  # a spike on a slow decay
>>> ax = lag_profile(profile, {"from lag 1": 14.9, "from the diagonal": 0.6})
>>> [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
['lag profile', 'from lag 1: 14.9 frames', 'from the diagonal: 0.6 frames']
>>> plt.close(ax.figure)
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.validation import check_array, check_int

__all__ = ["lag_profile", "width_comparison"]

_WIDTH_COLOURS = ("tab:blue", "tab:red", "tab:green", "tab:purple")


def lag_profile(profile, widths: Mapping[str, float], *, max_lag: int | None = None, title: str | None = None,
                ax: plt.Axes | None = None) -> plt.Axes:
    """One lag profile, lag 0 included, with band widths marked as vertical lines.

    Parameters
    ----------
    profile : array (L + 1,)
        ``p(0) .. p(L)``, the mean of each diagonal of one crop (or a median over
        crops), finite.
    widths : mapping of str to float
        How each width was measured -> the width in frames; one dashed line each,
        labelled with its value.
    max_lag : int, optional
        Last lag drawn, 1 .. L; default L.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The profile is its first line, lag 0 circled next, then one line per width, in the order given.
    """
    profile = check_array(profile, "profile", ndim=1, min_size=2, dtype=np.float64)
    last = profile.size - 1
    max_lag = last if max_lag is None else check_int(max_lag, "max_lag", minimum=1, maximum=last,
                                                     context=f" for a profile of lags 0 .. {last}")
    if not isinstance(widths, Mapping):
        raise TypeError(f"widths must be a mapping of name -> width in frames, got {type(widths).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(PAGE_WIDTH * 0.5, 3.0), constrained_layout=True)
    lags = np.arange(max_lag + 1)
    ax.plot(lags, profile[:max_lag + 1], "o-", color="k", ms=3, lw=1, label="lag profile")
    ax.plot([0], profile[:1], "o", color="tab:red", ms=7, mfc="none", label="_lag 0: the diagonal")
    for (name, width), colour in zip(widths.items(), _WIDTH_COLOURS * 4):
        ax.axvline(float(width), color=colour, ls="--", lw=1.2, label=f"{name}: {float(width):.1f} frames")
    ax.set_xlabel("lag k (frames)")
    ax.set_ylabel("mean of diagonal k")
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def width_comparison(table: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Band widths measured two (or more) ways, side by side per label, on a log axis.

    Parameters
    ----------
    table : DataFrame
        One row per label (the index, slowest first), one column per way of measuring,
        values in frames (positive).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One bar container per column of ``table``.
    """
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise TypeError(f"table must be a non-empty DataFrame of widths (labels x methods), got {table!r}")
    check_array(table.to_numpy(), "table", ndim=2, minimum=0.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(PAGE_WIDTH * 0.5, 3.0), constrained_layout=True)
    rows = np.arange(len(table))
    bar = 0.8 / table.shape[1]
    for i, (column, colour) in enumerate(zip(table.columns, _WIDTH_COLOURS * 4)):
        ax.barh(rows + (i - (table.shape[1] - 1) / 2) * bar, table[column], height=bar, color=colour,
                label=str(column))
    ax.set_yticks(rows, [str(name) for name in table.index])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("median band width (frames)")
    ax.legend(fontsize=7, loc="lower right")
    return ax
