"""A UMAP plane coloured by class, with one discrete legend of class names.

>>> import matplotlib.pyplot as plt
>>> ax = umap_scatter(np.random.default_rng(0).random((6, 2)), [0, 0, 1, 1, 2, 2], names=["a", "b", "c"])
>>> [text.get_text() for text in ax.get_legend().get_texts()]
['a', 'b', 'c']
>>> plt.close(ax.figure)
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from xpcs_nb.plotting.style import PAGE_WIDTH, class_colours
from xpcs_nb.validation import check_array, check_real

__all__ = ["umap_scatter"]


def umap_scatter(embedding, classes, *, names: Sequence[str] | None = None, ordered: bool = False,
                 size: float = 12, alpha: float = 0.8, title: str = "", legend: bool = True,
                 ax: plt.Axes | None = None) -> plt.Axes:
    """Points of a 2-D embedding, one colour per class, and one legend naming the classes.

    Parameters
    ----------
    embedding : array (N, 2)
        E.g. ``latent.umap_embedding(latents)``; its axes have no units, so no ticks.
    classes : array (N,), int
        Class of each point.
    names : sequence of str, optional
        Legend entry of class c is ``names[c]``; default "class c".
    ordered : bool
        Classes ordered slow to fast: colour them dark to yellow
        (:func:`~xpcs_nb.plotting.style.class_colours`) as in the Fig. 3 bars;
        otherwise the categorical colours C0, C1, ...
    size, alpha : float
        Marker area (pt²) and opacity.
    legend : bool
        Put the legend right of the axes.
    """
    embedding = check_array(embedding, "embedding", shape=(None, 2))
    classes = check_array(classes, "classes", shape=(len(embedding),), kind="integer")
    size = check_real(size, "size", minimum=0, include_min=False)
    alpha = check_real(alpha, "alpha", minimum=0, maximum=1)
    if ax is None:
        ax = plt.subplots(figsize=(PAGE_WIDTH * 0.8, 4.2), layout="constrained")[1]
    values = np.unique(classes)
    ordered_colours = class_colours(int(values.max()) + 1) if ordered else None
    for value in values:
        here = classes == value
        colour = ordered_colours[value] if ordered else f"C{value % 10}"
        label = names[value] if names is not None else f"class {value}"
        ax.scatter(*embedding[here].T, s=size, color=colour, alpha=alpha, label=label)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("UMAP 1")
    ax.set_ylabel("UMAP 2")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, markerscale=1.5)
    return ax
