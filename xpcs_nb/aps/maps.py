"""Two-time maps as APS files hold them: upper triangles, and a diagonal to replace."""

from __future__ import annotations

import numpy as np

from ..validation import check_array, check_square_maps


def full_from_upper(upper) -> np.ndarray:
    """The symmetric (T, T) map from its upper triangle (diagonal included).

    Whatever lies below the diagonal is ignored, so a file that stores the full map
    reads right too.

    >>> full_from_upper([[1, 2], [0, 3]])
    array([[1, 2],
           [2, 3]])
    """
    upper = _square_map(upper, "upper")
    return _full_from_upper(upper)


def _full_from_upper(upper: np.ndarray) -> np.ndarray:
    return np.triu(upper) + np.triu(upper, k=1).T


def diagonal_from_neighbours(c2: np.ndarray) -> np.ndarray:
    """A copy of ``c2 (T, T)`` whose diagonal is the mean of its nearest off-diagonal values.

    C2(t, t) correlates each frame with itself, photon shot noise included, so the
    diagonal stands above its neighbours; pyXpcsViewer replaces it this way for
    display. Not applied by default here: the paper's crops keep the raw diagonal
    (the published target crop has its maximum on it).

    >>> diagonal_from_neighbours([[9.0, 1.0, 0.0], [1.0, 9.0, 3.0], [0.0, 3.0, 9.0]]).diagonal()
    array([1., 2., 3.])
    """
    c2 = _square_map(c2, "c2")
    out = np.array(c2, dtype=np.float64)
    side = np.diagonal(out, offset=1)  # c2[t, t+1], T-1 values
    total = np.zeros(len(out))
    total[:-1] += side
    total[1:] += side
    count = np.full(len(out), 2.0)
    count[[0, -1]] = 1.0
    np.fill_diagonal(out, total / count)
    return out


def _square_map(c2, name: str) -> np.ndarray:
    """``c2`` as a square (T, T) array; NaN allowed on the diagonal only (as beamlines store it)."""
    c2 = check_array(c2, name, ndim=2, kind="real", finite=False)
    if c2.shape[0] != c2.shape[1]:
        raise ValueError(f"{name} must be a square (T, T) map, got shape {c2.shape}")
    return check_square_maps(c2, name, min_size=1, allow_nan_diagonal=True, dtype=None)

