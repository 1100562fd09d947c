"""The knee (elbow) of a curve, by the Kneedle method: how k-means picks its k."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xpcs_nb.validation import check_array

__all__ = ["Knee", "find_knee"]


@dataclass(frozen=True)
class Knee:
    """The knee of a curve by the Kneedle method, with every step kept for plotting.

    Kneedle (Satopaa et al. 2011): scale the curve so that its first point sits at
    (0, 1) and its last at (1, 0); the chord between them is then the line
    x + y = 1. The knee is the point farthest below that chord: where the curve stops
    falling steeply and starts falling slowly.

    Attributes
    ----------
    x, y : ndarray (M,)
        The curve as given (e.g. k and the k-means inertia).
    x_normalised, y_normalised : ndarray (M,)
        ``(x - x[0]) / (x[-1] - x[0])`` and ``(y - y[-1]) / (y[0] - y[-1])``.
    distance : ndarray (M,)
        Perpendicular distance of each normalised point from the chord,
        ``(1 - x_n - y_n) / sqrt(2)``; positive below the chord, 0 at both ends.
    index : int or None
        Position of the knee in ``x``; None when no point lies below the chord (a
        straight or concave curve has no elbow).
    """

    x: np.ndarray
    y: np.ndarray
    x_normalised: np.ndarray
    y_normalised: np.ndarray
    distance: np.ndarray
    index: int | None

    @property
    def value(self):
        """``x`` at the knee (e.g. the number of clusters), or None."""
        return None if self.index is None else self.x[self.index].item()


def find_knee(x, y) -> Knee:
    """The knee (elbow) of a falling curve, e.g. k-means inertia against k.

    Parameters
    ----------
    x : array (M,)
        Strictly increasing, finite, M >= 3.
    y : array (M,)
        Finite, ``y[0] != y[-1]``. Written for a falling convex curve (the elbow of
        an inertia curve); the normalisation also turns a rising concave curve
        (explained variance) into that shape.

    Returns
    -------
    Knee

    Example
    -------
    >>> knee = find_knee([1, 2, 3, 4, 5], [100.0, 40.0, 20.0, 15.0, 12.0])
    >>> knee.value
    2
    """
    x = check_array(x, "x", ndim=1, kind="real", min_size=3)  # dtype kept: an integer k stays an integer
    y = check_array(y, "y", ndim=1, kind="real", dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got shapes {x.shape} and {y.shape}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    if y[0] == y[-1]:
        raise ValueError("y must differ between its first and last points (a flat curve has no knee)")
    x_normalised = (x - x[0]) / float(x[-1] - x[0])
    y_normalised = (y - y[-1]) / (y[0] - y[-1])
    distance = (1.0 - x_normalised - y_normalised) / math.sqrt(2.0)
    best = int(np.argmax(distance))
    # A straight line sits on its chord up to rounding (~1e-16), which must not count as a knee.
    index = best if distance[best] > 1e-9 else None
    return Knee(x, y, x_normalised, y_normalised, distance, index)
