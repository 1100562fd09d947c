"""The multi-tau correlator drawn: its ladder of lags, and the frames it averages in pairs.

Both figures take their numbers from :func:`xpcs_nb.correlation.multi_tau_lags`, so
they show the lags that :func:`~xpcs_nb.correlation.multi_tau_g2` computes.

>>> import matplotlib.pyplot as plt
>>> ax = lag_ladder(3, 4)
>>> [line.get_xdata().tolist() for line in ax.lines]
[[1, 2, 3], [4, 6], [8, 12]]
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from xpcs_nb.correlation.multitau import multi_tau_lags
from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.validation import check_int, check_real

__all__ = ["lag_ladder", "pair_averaging"]


def lag_ladder(num_levels: int, num_bufs: int, *, dt: float | None = None, two_time_frames: int | None = None,
               ax: plt.Axes | None = None) -> plt.Axes:
    """The lags of each multi-tau level, one row per level, on a log axis.

    Each lag is a dot; the grey bar behind it spans the ``2^L`` frames that one
    level-L frame averages, which is also the step between that level's lags. Lag 0
    (the shot-noise point) is left out, as the fits leave it out.

    Parameters
    ----------
    num_levels, num_bufs : int
        As for :func:`~xpcs_nb.correlation.multi_tau_lags` (``num_bufs`` even).
    dt : float, optional
        Seconds per frame: the axis is then in seconds, else in frames.
    two_time_frames : int, optional
        Frames T of a two-time map to compare with: a last row, labelled C2, then
        marks its lags, every one from 1 to T - 1 frames (the last line drawn).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One line per level, its x data the level's lags in frames (times ``dt``).
    """
    lags, levels = multi_tau_lags(num_levels, num_bufs)  # checks both
    scale = 1.0 if dt is None else check_real(dt, "dt", minimum=0.0, include_min=False, context=" (s per frame)")
    if ax is None:
        _, ax = plt.subplots(figsize=(PAGE_WIDTH * 0.55, 0.45 * num_levels + 1.2), constrained_layout=True)
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, int(num_levels)))
    for level in range(int(num_levels)):
        level_lags = lags[(levels == level) & (lags > 0)]
        width = 2**level
        for lag in level_lags:
            ax.add_patch(Rectangle((lag * scale, level - 0.18), width * scale, 0.36, color="0.85", lw=0))
        ax.plot(level_lags * scale if dt is not None else level_lags, np.full(len(level_lags), level), "o",
                color=colours[level], ms=5)
        ax.text(1.01, level, f"step {width} frame{'s' if width > 1 else ''}", transform=ax.get_yaxis_transform(),
                va="center", fontsize=7)
    rows = int(num_levels)
    if two_time_frames is not None:
        n = check_int(two_time_frames, "two_time_frames", minimum=2)
        every = np.arange(1, n)
        ax.plot(every * scale, np.full(n - 1, rows), "|", color="k", ms=6, mew=0.3)
        ax.text(1.01, rows, f"every lag to {n - 1}", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        rows += 1
    ax.set_xscale("log")
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_yticks(range(rows), [str(L) for L in range(int(num_levels))] + (["C2"] if rows > num_levels else []))
    ax.set_ylabel("level L")
    ax.set_xlabel("lag (s)" if dt is not None else "lag (frames)")
    ax.set_title(f"multi-tau lags: {num_bufs - 1} at level 0 (lag 0 left out), {num_bufs // 2} per level after",
                 fontsize=8)
    return ax


def pair_averaging(num_levels: int, n_frames: int = 16, *, ax: plt.Axes | None = None) -> plt.Axes:
    """How the frames of each level are made: level L+1 averages level L's frames in pairs.

    Row L shows the first ``n_frames`` raw frames cut into blocks of ``2^L``; each block
    is one level-L frame, the mean of the two level-(L-1) frames above it.

    Parameters
    ----------
    num_levels : int
        Rows to draw, >= 1.
    n_frames : int
        Raw frames shown, a multiple of ``2^(num_levels-1)``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One rectangle patch per level-L frame drawn.
    """
    num_levels = check_int(num_levels, "num_levels", minimum=1)
    n_frames = check_int(n_frames, "n_frames", minimum=1)
    widest = 2 ** (num_levels - 1)
    if n_frames % widest:
        raise ValueError(f"n_frames must be a multiple of 2^(num_levels-1) = {widest} so that every row ends "
                         f"on a whole block, got {n_frames}")
    if ax is None:
        _, ax = plt.subplots(figsize=(PAGE_WIDTH * 0.45, 0.45 * num_levels + 1.2), constrained_layout=True)
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, num_levels))
    for level in range(num_levels):
        width = 2**level
        for start in range(0, n_frames, width):
            ax.add_patch(Rectangle((start, level - 0.35), width, 0.7, facecolor=colours[level], alpha=0.35,
                                   edgecolor=colours[level], lw=1.2))
            if width * 8 >= n_frames or level == 0:
                label = f"{start}" if width == 1 else f"{start}-{start + width - 1}"
                ax.text(start + width / 2, level, label, ha="center", va="center", fontsize=6)
    ax.set_xlim(0, n_frames)
    ax.set_ylim(num_levels - 0.5, -0.5)
    ax.set_yticks(range(num_levels))
    ax.set_ylabel("level L")
    ax.set_xlabel("raw frame")
    ax.set_title("each level averages the one above in pairs", fontsize=9)
    return ax
