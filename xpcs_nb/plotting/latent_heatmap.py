"""Latent vectors as heatmaps: one column per crop, one row per latent dimension.

A dead dimension (zero for every crop) shows as a row of the colour map's zero; each
panel carries its own colour bar, since two models' latents need not share a scale.

>>> import matplotlib.pyplot as plt
>>> fig = latent_heatmaps({"a": np.eye(3), "b": np.zeros((2, 3))})
>>> [ax.get_ylabel() for ax in fig.axes[:2]]
['latent dimension', 'latent dimension']
>>> fig.axes[2].get_ylabel()
'latent value (a.u.)'
>>> plt.close(fig)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from xpcs_nb.plotting.style import PAGE_WIDTH
from xpcs_nb.validation import ArgumentTypeError, describe

__all__ = ["latent_heatmaps"]

LATENT_UNIT = "latent value (a.u.)"


def latent_heatmaps(panels: dict, *, fig: plt.Figure | None = None, cmap: str = "magma") -> plt.Figure:
    """Draw each ``latents (N, D)`` of ``panels`` (title -> array) as a D x N heatmap with a colour bar.

    The latent values are the ReLU outputs of the bottleneck, in the network's own
    arbitrary units (a.u.), so each bar starts at 0.

    Parameters
    ----------
    panels : dict of str to array-like (N, D)
        Panel title -> latent vectors, one row per crop.
    fig : matplotlib Figure, optional
        Drawn on; a new page-wide figure if not given.
    cmap : str
        Matplotlib colour map.

    Returns
    -------
    matplotlib Figure
        Its axes: the panels, then their colour bars.
    """
    if not isinstance(panels, dict) or not panels:
        raise ArgumentTypeError(f"panels must be a non-empty dict of title -> latents (N, D), got {describe(panels)}")
    arrays = {}
    for title, values in panels.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or 0 in values.shape:
            raise ValueError(f"panels[{title!r}] must be latents of shape (N, D) with N, D >= 1, got shape "
                             f"{values.shape}")
        arrays[title] = values
    if fig is None:
        fig = plt.figure(figsize=(PAGE_WIDTH, 3.2), layout="constrained")
    axes = fig.subplots(1, len(arrays), squeeze=False)[0]
    images = []
    for ax, (title, values) in zip(axes, arrays.items()):
        top = max(float(values.max()), 1e-12)  # an all-zero panel still gets a bar
        images.append(ax.imshow(values.T, aspect="auto", cmap=cmap, interpolation="nearest", vmin=0, vmax=top))
        ax.set_xlabel("crop")
        ax.set_ylabel("latent dimension")
        ax.set_title(title)
    for ax, image in zip(axes, images):
        fig.colorbar(image, ax=ax, label=LATENT_UNIT, shrink=0.9)
    return fig
