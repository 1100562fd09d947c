"""Numbers as the chapters' text shows them.

>>> thousands(180300)
'180,300'
"""

from __future__ import annotations

import numpy as np

__all__ = ["plus_minus", "thousands"]


def plus_minus(values, digits: int = 2) -> str:
    """``'mean ± std'`` of ``values`` (any sequence of numbers), each with ``digits`` decimals.

    >>> plus_minus([0.66, 0.66, 0.66])
    '0.66 ± 0.00'
    """
    values = np.asarray(values, dtype=float).ravel()
    if values.size == 0:
        raise ValueError("values must hold at least one number, got none")
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def thousands(count: int) -> str:
    """``count`` with thousands separators, e.g. ``'6,982'``."""
    return f"{int(count):,}"
