"""Chapter 5's truth of a synthetic rheo-XPCS run: the sectors in a burst above the stress.

>>> import matplotlib.pyplot as plt
>>> t = np.linspace(200, 900, 71)
>>> fig = bursts_beside_stress([200, 500], [0.0, 0.5], t, 90 - np.cos(t / 50), [557], [480])
>>> [ax.get_ylabel() for ax in fig.axes]
['sectors in\\na burst', 'shear stress (Pa)']
>>> plt.close(fig)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.validation import check_array, check_real

__all__ = ["bursts_beside_stress"]


def bursts_beside_stress(window_times, in_burst, stress_time, stress, minima_times, burst_times, *,
                         settle_time: float = 600.0, fig: plt.Figure | None = None) -> plt.Figure:
    """The share of sectors inside a burst per window (top) above the stress (bottom).

    Parameters
    ----------
    window_times : array (W,)
        Start of each window on the rheometer clock, s, increasing; each bar is as
        wide as the median gap to the next.
    in_burst : array (W,)
        Share of the sectors inside a burst in each window, 0 .. 1 (the truth).
    stress_time, stress : array (S,)
        The stress after the shear stopped, s and Pa.
    minima_times : array (M,)
        The stress minima, s (blue triangles on the trace).
    burst_times : array (B,)
        The true bursts on the rheometer clock, s (dashed red lines).
    settle_time : float
        The stress axis is scaled to the trace after this time, s, so the first
        minutes after the stop run off its top.
    """
    window_times = check_array(window_times, "window_times", ndim=1, dtype=float)
    in_burst = check_array(in_burst, "in_burst", shape=window_times.shape, dtype=float)
    stress_time = check_array(stress_time, "stress_time", ndim=1, dtype=float)
    stress = check_array(stress, "stress", shape=stress_time.shape, dtype=float)
    minima_times = check_array(minima_times, "minima_times", ndim=1, min_size=0, dtype=float)
    burst_times = check_array(burst_times, "burst_times", ndim=1, min_size=0, dtype=float)
    settle_time = check_real(settle_time, "settle_time")
    settled = stress[stress_time > settle_time]
    if settled.size == 0:
        raise ValueError(f"settle_time must leave some of the stress trace after it, got {settle_time} s "
                         f"for a trace ending at {stress_time.max():.0f} s")
    if fig is None:
        fig = plt.figure(figsize=(PAGE_WIDTH, 4.2), layout="constrained")
    ax_truth, ax_stress = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 2]})
    spacing = float(np.median(np.diff(window_times))) if window_times.size > 1 else 1.0
    ax_truth.bar(window_times, in_burst, width=0.9 * spacing, align="edge", color="tab:red", alpha=0.7)
    ax_truth.set(ylabel="sectors in\na burst", ylim=(0, 1))
    ax_stress.plot(stress_time, stress, color="k", lw=1)
    ax_stress.plot(minima_times, np.interp(minima_times, stress_time, stress), "v", color="tab:blue",
                   label="stress minima")
    for t in burst_times:
        ax_stress.axvline(t, color="tab:red", lw=0.8, ls="--")
    ax_stress.plot([], [], color="tab:red", lw=0.8, ls="--", label="true bursts")
    ax_stress.set(ylim=(settled.min() - 1, settled.max() + 2), xlabel="time on the rheometer clock (s)",
                  ylabel="shear stress (Pa)")
    ax_stress.legend(loc="upper right")
    return fig
