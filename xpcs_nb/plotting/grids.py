"""Grids of C2 crops: any set of images, and the examples of each class.

Both draw every image with :data:`~xpcs_nb.plotting.style.C2_CMAP` on one colour
scale, switch the ticks off, and put one labelled colour bar beside the grid. Neither
leaves an empty panel: a grid whose last row is short, or a class with fewer
members than asked for, gets fewer axes.

>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> fig = crop_grid(np.random.default_rng(0).random((5, 8, 8)), n_cols=3)
>>> len(fig.axes)  # five images and the colour bar, no empty sixth panel
6
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from xpcs_nb.plotting.style import C2_CMAP, PANEL_TITLE_SIZE, grid_size
from xpcs_nb.validation import ArgumentTypeError, check_array, check_int, check_seed, describe

__all__ = ["crop_grid", "class_gallery"]

CROP_LABEL = "$C_2$, scaled to [0, 1]"


def crop_grid(images, *, n_cols: int | None = None, titles: Sequence[str] | None = None,
              row_labels: Sequence[str] | None = None, vmin: float | None = 0.0, vmax: float | None = 1.0,
              colorbar_label: str = CROP_LABEL, title: str = "", fig: Figure | None = None) -> Figure:
    """Images in rows of ``n_cols``, ticks off, one shared colour bar.

    Parameters
    ----------
    images : array (N, H, W)
        E.g. crops (N, 256, 256) in [0, 1]; drawn row by row.
    n_cols : int, optional
        Panels per row; default all N in one row, at most 6.
    titles : sequence of N str, optional
        One title over each image.
    row_labels : sequence of str, optional
        A label left of each row (e.g. "input", "reconstruction").
    vmin, vmax : float or None
        The shared colour scale; None takes the images' own minimum or maximum.
    colorbar_label : str
    title : str
        A title over the whole grid.
    fig : Figure, optional
        Draw into it; default a new page-wide pyplot figure.

    Returns
    -------
    Figure
        Its ``axes`` are the N image panels in order, then the colour bar.
    """
    images = check_array(images, "images", ndim=3)
    n_images = len(images)
    n_cols = min(n_images, 6) if n_cols is None else check_int(n_cols, "n_cols", minimum=1)
    n_cols = min(n_cols, n_images)
    n_rows = -(-n_images // n_cols)
    _check_length(titles, n_images, "titles")
    _check_length(row_labels, n_rows, "row_labels")
    vmin = float(images.min()) if vmin is None else vmin
    vmax = float(images.max()) if vmax is None else vmax
    fig = _figure(fig, n_rows, n_cols, has_titles=titles is not None)
    grid = fig.add_gridspec(n_rows, n_cols)
    panels = []
    for i, image in enumerate(images):
        ax = fig.add_subplot(grid[i // n_cols, i % n_cols])
        shown = ax.imshow(image, cmap=C2_CMAP, vmin=vmin, vmax=vmax, interpolation="nearest")
        _ticks_off(ax)
        if titles is not None:
            ax.set_title(titles[i], fontsize=PANEL_TITLE_SIZE)
        if row_labels is not None and i % n_cols == 0:
            ax.set_ylabel(row_labels[i // n_cols])
        panels.append(ax)
    fig.colorbar(shown, ax=panels, label=colorbar_label, shrink=min(1.0, 2.5 / n_rows))
    if title:
        fig.suptitle(title)
    return fig


def class_gallery(crops, classes, *, per_class: int = 5, seed: int = 0,
                  class_names: Sequence[str] | None = None, captions: Sequence[str] | None = None,
                  colorbar_label: str = CROP_LABEL, fig: Figure | None = None) -> Figure:
    """Random members of each class, one row per class in increasing class order.

    A class with fewer than ``per_class`` members gets a shorter row, never a blank
    panel. Each row is labelled with the class and its size.

    Parameters
    ----------
    crops : array (N, S, S)
        In [0, 1], drawn on that scale; anything indexed by row (a numpy array, the
        memory-mapped crop store): only the crops shown are read and checked.
    classes : array (N,), int
        The class of each crop (e.g. k-means classes ordered slow to fast).
    per_class : int
        Examples per row at most.
    seed : int
        Picks the examples.
    class_names : sequence of str, optional
        Row label of class c is ``class_names[c]``; default "class c".
    captions : sequence of N str, optional
        A title over each crop shown (e.g. its true label).
    colorbar_label : str
    fig : Figure, optional

    Returns
    -------
    Figure
        Its ``axes`` are the panels row by row, then the colour bar.
    """
    classes = check_array(classes, "classes", ndim=1, kind="integer")
    if not hasattr(crops, "__len__"):
        raise ArgumentTypeError(f"crops must be an array (N, S, S), got {describe(crops)}")
    if len(crops) != len(classes):
        raise ValueError(f"crops and classes must have the same length, got {len(crops)} and {len(classes)}")
    per_class = check_int(per_class, "per_class", minimum=1)
    seed = check_seed(seed)
    _check_length(captions, len(crops), "captions")
    rng = np.random.default_rng(seed)
    values = np.unique(classes)
    chosen = []
    for value in values:
        members = np.flatnonzero(classes == value)
        chosen.append(np.sort(rng.choice(members, min(per_class, members.size), replace=False)))
    shown = check_array(np.stack([np.asarray(crops[i]) for i in np.concatenate(chosen)]), "crops", ndim=3)
    n_cols = max(len(row) for row in chosen)
    # panels sized as if four wide, so a gallery of many classes stays about a page tall
    fig = _figure(fig, len(values), n_cols, has_titles=captions is not None, min_cols=4)
    grid = fig.add_gridspec(len(values), n_cols)
    panels = []
    for row, (value, indices) in enumerate(zip(values, chosen)):
        for column, i in enumerate(indices):
            ax = fig.add_subplot(grid[row, column])
            image = ax.imshow(shown[len(panels)], cmap=C2_CMAP, vmin=0, vmax=1, interpolation="nearest")
            _ticks_off(ax)
            if captions is not None:
                ax.set_title(captions[i], fontsize=PANEL_TITLE_SIZE)
            panels.append(ax)
        name = class_names[value] if class_names is not None else f"class {value}"
        panels[-len(indices)].set_ylabel(f"{name}\n({np.sum(classes == value)})", fontsize=PANEL_TITLE_SIZE + 1)
    fig.colorbar(image, ax=panels, label=colorbar_label, shrink=min(1.0, 2.5 / len(values)))
    return fig


def _figure(fig: Figure | None, n_rows: int, n_cols: int, has_titles: bool, min_cols: int = 1) -> Figure:
    """``fig`` if given, otherwise a new pyplot figure sized for the page (``plt.show()`` shows it)."""
    if fig is not None:
        fig.set_layout_engine("constrained")
        return fig
    size = grid_size(n_rows, n_cols, title_space=0.35 if has_titles else 0.0, min_cols=min_cols)
    return plt.figure(figsize=size, layout="constrained")


def _ticks_off(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _check_length(values, expected: int, name: str) -> None:
    if values is not None and len(values) != expected:
        raise ValueError(f"{name} must hold {expected} entries, got {len(values)}")
