"""Detector images, ROI maps and two-time correlations, each on an ``Axes`` it is given.

Every function draws on a Matplotlib ``Axes`` and returns the image it drew, so a
chapter can lay out its own grid of panels.

>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> show_c2(ax, np.eye(4) + 0.1, dt=0.5).get_cmap().name
'viridis'
>>> plt.close(fig)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from xpcs_nb.plotting.style import C2_CMAP
from xpcs_nb.validation import check_array, check_real

__all__ = ["show_c2", "show_roi_map", "show_frame"]


def show_c2(ax: plt.Axes, c2: np.ndarray, dt: float = 1.0, t_start: float = 0.0, *,
            title: str = "", unit: str = "s", vmin: float | None = None, vmax: float | None = None,
            cmap: str = C2_CMAP, colorbar: bool = True, label: str = "$C_2$"):
    """Draw a two-time correlation c2 (T, T) with time on both axes.

    As in APS result files, t1 runs down the rows and t2 across the columns, with
    the origin in the upper-left corner, so the diagonal runs from top left to
    bottom right.  The colour range defaults to the 1st-99th percentile of the
    off-diagonal values, so the bright diagonal (which holds the shot noise) does not
    wash out the rest. ``dt`` is the frame time in ``unit``; the colour bar carries
    ``label``. NaN entries (a file's unset diagonal or lower half) are left blank.
    """
    c2 = check_array(c2, "c2", ndim=2, finite=False)
    dt = check_real(dt, "dt", minimum=0, include_min=False)
    t_start = check_real(t_start, "t_start")
    n = c2.shape[0]
    if vmin is None or vmax is None:
        off_diagonal = c2[~np.eye(n, dtype=bool)]
        low, high = np.nanpercentile(off_diagonal, [1, 99])
        vmin = low if vmin is None else vmin
        vmax = high if vmax is None else vmax
    extent = (t_start, t_start + n * dt, t_start + n * dt, t_start)
    image = ax.imshow(c2, origin="upper", extent=extent, vmin=vmin, vmax=vmax, cmap=cmap,
                      interpolation="nearest")
    ax.set_xlabel(f"$t_2$ ({unit})")
    ax.set_ylabel(f"$t_1$ ({unit})")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=label)
    return image


def show_roi_map(ax: plt.Axes, labels: np.ndarray, *, annotate: bool = True, title: str = ""):
    """Draw an ROI label map (H, W): 0 (no ROI) in white, each ROI in its own colour.

    With ``annotate`` each ROI's number is written at its centre of mass.
    """
    labels = check_array(labels, "labels", ndim=2, kind="integer")
    n_roi = int(labels.max())
    base = plt.get_cmap("tab20")(np.arange(max(n_roi, 1)) % 20)
    cmap = ListedColormap(np.vstack([[1, 1, 1, 1], base]))
    image = ax.imshow(labels, cmap=cmap, vmin=-0.5, vmax=n_roi + 0.5, interpolation="nearest")
    if annotate:
        rows, cols = np.indices(labels.shape)
        for label in range(1, n_roi + 1):
            inside = labels == label
            if inside.any():
                ax.text(cols[inside].mean(), rows[inside].mean(), str(label), ha="center", va="center",
                        fontsize=7)
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
    if title:
        ax.set_title(title)
    return image


def show_frame(ax: plt.Axes, frame: np.ndarray, *, title: str = "", label: str = "counts",
               log: bool = False, colorbar: bool = True):
    """Draw one detector frame (H, W); ``log`` shows log10(1 + counts)."""
    frame = check_array(frame, "frame", ndim=2, dtype=float)
    data = np.log10(1.0 + frame) if log else frame
    image = ax.imshow(data, cmap="magma", interpolation="nearest")
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=("log10(1 + %s)" % label) if log else label)
    return image
