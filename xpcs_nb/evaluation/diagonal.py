"""The shot-noise diagonal of a C2 crop: kept as measured, or replaced by its neighbours.

Why it matters. A ratio-form C2 of photon counts has, on its diagonal ``t1 == t2``,
the mean of ``I(t)^2`` over the ROI's pixels, and Poisson counting adds ``<I>`` to
that: the diagonal stands ``1 / photons_per_pixel`` above where the speckle alone
would put it (the contrast beta, 0.25 here). At 10 photons per pixel per frame the
lift is 0.1, less than the contrast; at 1 photon it is 1.0, four times the contrast;
at 0.1 photons it is 10, forty times. Min-max scaling each crop to [0, 1] then maps
the diagonal to 1 and squeezes the whole relaxation band, the signal, into the
bottom ``beta / (beta + 1/L)`` of the range: 71 % at L = 10, 20 % at 1, 2.4 % at 0.1.

So the evaluation makes the diagonal an explicit choice:

* ``"keep"``: the crop as the correlator computes it (the paper's crops keep it;
  its published target crop has its maximum there);
* ``"neighbours"``: each diagonal value replaced by the mean of its nearest
  off-diagonal values (:func:`xpcs_nb.aps.diagonal_from_neighbours`), the way
  pyXpcsViewer draws C2 and some beamlines store it. The shot-noise lift is gone and
  the scaled crop shows the relaxation band, at every photon rate.

Both operations commute with any map ``a x + b`` (a > 0), so treating crops that were
already scaled and scaling them again gives exactly what treating the raw C2 first
would have given; the stored crops suffice.
"""

from __future__ import annotations

import numpy as np

from .. import aps, dataset
from ..validation import check_array, check_choice, check_real

__all__ = ["DIAGONAL_CHOICES", "diagonal_lift", "treat_diagonal"]

DIAGONAL_CHOICES = ("keep", "neighbours")


def diagonal_lift(photons_per_pixel) -> float:
    """How far shot noise lifts the diagonal of a ratio-form C2: ``1 / photons_per_pixel``.

    In the C2's own units (baseline 1, contrast beta above it at zero lag).

    >>> diagonal_lift(10)
    0.1
    >>> diagonal_lift(0.1)
    10.0
    """
    photons = check_real(photons_per_pixel, "photons_per_pixel", minimum=0, include_min=False)
    return 1.0 / photons


def treat_diagonal(crops, diagonal: str) -> np.ndarray:
    """Crops with their diagonal treated as asked, then min-max scaled to [0, 1].

    Parameters
    ----------
    crops : array (N, S, S) or (S, S)
        C2 crops on the diagonal, raw or already scaled (the result is the same, see
        the module docstring); S >= 2.
    diagonal : {"keep", "neighbours"}
        Keep the measured diagonal, or replace it by the mean of its two nearest
        off-diagonal values (one at the corners).

    Returns
    -------
    crops : float32, the input's shape, each crop scaled to [0, 1]

    >>> c2 = np.array([[3.0, 1.5, 1.0], [1.5, 3.0, 1.5], [1.0, 1.5, 3.0]])
    >>> treat_diagonal(c2, "neighbours").round(2).tolist()
    [[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    >>> treat_diagonal(c2, "keep")[0].tolist()
    [1.0, 0.25, 0.0]
    """
    check_choice(diagonal, "diagonal", DIAGONAL_CHOICES)
    array = check_array(crops, "crops", ndim=(2, 3), dtype=np.float64)
    if array.shape[-1] != array.shape[-2] or array.shape[-1] < 2:
        raise ValueError(f"crops must be square (N, S, S) or (S, S) with S >= 2, got shape {array.shape}")
    if diagonal == "neighbours":
        stack = array.reshape(-1, *array.shape[-2:])
        array = np.stack([aps.diagonal_from_neighbours(crop) for crop in stack]).reshape(array.shape)
    scaled, _, _ = dataset.minmax_scale(array)
    return scaled
