"""The book's figure conventions: one colour map for C2, one page width.

Every C2 and every crop in the book is drawn with :data:`C2_CMAP`, so a colour means
the same thing from chapter to chapter. Figures are sized for the Jupyter Book page
column (about 7.5 inches at 100 dpi), so they are shown at their own size and their
fonts (Matplotlib's 10 pt, 8 pt for panel titles) stay readable.

>>> grid_size(2, 4)
(7.5, 3.38)
>>> grid_size(7, 3, min_cols=4)
(6.22, 11.81)
>>> class_colours(3).shape
(3, 4)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from xpcs_nb.validation import check_int, check_real

__all__ = ["C2_CMAP", "CLASS_CMAP", "PAGE_WIDTH", "PANEL_TITLE_SIZE", "grid_size", "class_colours"]

C2_CMAP = "viridis"
"""Colour map of every two-time correlation and crop (dark: low, yellow: high)."""

CLASS_CMAP = "viridis"
"""Colour map for classes ordered slow to fast (dark: slowest, yellow: fastest)."""

PAGE_WIDTH = 7.5
"""Width (inches) of a figure that fills the page column."""

PANEL_TITLE_SIZE = 8
"""Font size (pt) of the titles over small image panels."""

_COLOURBAR_SHARE = 0.1  # share of a grid's width left for its colour bar
_LABEL_SPACE = 0.6  # inches for row labels left of a grid


def grid_size(n_rows: int, n_cols: int, *, title_space: float = 0.0, min_cols: int = 1) -> tuple[float, float]:
    """Figure size (width, height) in inches for a grid of square panels and a colour bar.

    The panels share the page width, at most 2.2 in each; ``min_cols`` sizes them as
    if the grid were at least that wide (a narrow, tall grid then stays short).
    ``title_space`` adds that many inches per row for panel titles.
    """
    n_rows = check_int(n_rows, "n_rows", minimum=1)
    n_cols = check_int(n_cols, "n_cols", minimum=1)
    min_cols = check_int(min_cols, "min_cols", minimum=1)
    title_space = check_real(title_space, "title_space", minimum=0)
    panel = min(PAGE_WIDTH * (1 - _COLOURBAR_SHARE) / max(n_cols, min_cols), 2.2)
    width = min(PAGE_WIDTH, panel * n_cols / (1 - _COLOURBAR_SHARE) + _LABEL_SPACE)
    return round(width, 2), round(n_rows * (panel + title_space), 2)


def class_colours(n_classes: int) -> np.ndarray:
    """RGBA colours (n_classes, 4) for classes ordered slow to fast, from :data:`CLASS_CMAP`."""
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    return plt.get_cmap(CLASS_CMAP)(np.linspace(0.05, 0.95, n_classes))
