"""The paper's Fig. 3: class fractions over time beside the shear stress.

>>> import matplotlib.pyplot as plt
>>> import pandas as pd
>>> fractions = pd.DataFrame({0: [1.0, 0.5, 0.0], 1: [0.0, 0.5, 1.0]})
>>> t = np.linspace(0, 300, 31)
>>> fig = fractions_beside_stress(fractions, [0, 100, 200], t, np.cos(t / 50), minima_times=[157])
>>> [ax.get_ylabel() for ax in fig.axes]
['share of sectors', 'shear stress (Pa)']
>>> plt.close(fig)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from xpcs_nb.plotting.style import PAGE_WIDTH, class_colours
from xpcs_nb.validation import check_array

__all__ = ["fractions_beside_stress"]


def fractions_beside_stress(fractions: pd.DataFrame, window_times, stress_time, stress, minima_times, *,
                            bursts=None, title: str = "", settle_time: float = 400.0,
                            fig: plt.Figure | None = None) -> plt.Figure:
    """Stacked class fractions per window above the stress, stress minima as black lines.

    Parameters
    ----------
    fractions : DataFrame (W, K)
        Share of the sectors in each class, one row per window, one column per class
        ordered slow to fast (``rheology.class_fractions``); rows sum to 1.
    window_times : array (W,)
        Start of each window on the rheometer clock, s, increasing.
    stress_time, stress : array (S,)
        The stress after the shear stopped, s and Pa (``rheology.stress_after_shear``).
    minima_times : array (M,)
        The stress minima, s, drawn as black lines across both panels.
    bursts : array (B,), optional
        True burst times (synthetic runs only), marked by red triangles above the bars.
    settle_time : float
        The stress axis is scaled to the stress from this many seconds after the first
        window on, so the steep fall right after the shear does not flatten the rest.
    fig : Figure, optional

    Returns
    -------
    Figure
        Two axes: the bars (top), the stress (bottom), sharing the time axis.
    """
    window_times = check_array(window_times, "window_times", ndim=1)
    fractions = pd.DataFrame(fractions)
    check_array(fractions.to_numpy(), "fractions", shape=(len(window_times), None), minimum=0, maximum=1 + 1e-9)
    stress_time = check_array(stress_time, "stress_time", ndim=1)
    stress = check_array(stress, "stress", shape=(len(stress_time),))
    minima_times = check_array(minima_times, "minima_times", ndim=1, min_size=0)
    fig = plt.figure(figsize=(PAGE_WIDTH, 5)) if fig is None else fig
    fig.set_layout_engine("constrained")
    ax_bars, ax_stress = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    spacing = float(np.median(np.diff(window_times))) if len(window_times) > 1 else 1.0
    _stacked_bars(ax_bars, fractions, window_times, 0.9 * spacing)
    ax_bars.set_ylim(0, 1.05 if bursts is None else 1.14)
    if bursts is not None:
        bursts = check_array(bursts, "bursts", ndim=1, min_size=0)
        ax_bars.plot(bursts, np.full(len(bursts), 1.08), "v", color="tab:red", label="true bursts")
    ax_bars.set_ylabel("share of sectors")
    ax_bars.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="slow → fast", fontsize=8)
    ax_stress.plot(stress_time, stress, color="k", lw=1)
    settled = stress_time > window_times[0] + settle_time
    if settled.any():
        ax_stress.set_ylim(stress[settled].min() - 1, stress[settled].max() + 2)
    ax_stress.set_ylabel("shear stress (Pa)")
    ax_stress.set_xlabel("time on the rheometer clock (s)")
    for ax in (ax_bars, ax_stress):
        for t in minima_times:
            ax.axvline(t, color="k", lw=1.2)
    ax_bars.set_xlim(window_times[0] - spacing, window_times[-1] + 2 * spacing)
    if title:
        ax_bars.set_title(title)
    return fig


def _stacked_bars(ax: plt.Axes, fractions: pd.DataFrame, times: np.ndarray, width: float) -> None:
    """One bar per window, split into its class shares, slow (dark) at the bottom."""
    colours = class_colours(fractions.shape[1])
    bottom = np.zeros(len(times))
    for colour, c in zip(colours, fractions.columns):
        share = fractions[c].to_numpy(dtype=float)
        ax.bar(times, share, bottom=bottom, width=width, align="edge", color=colour, label=f"class {c}")
        bottom += share
