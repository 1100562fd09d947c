"""The input rules shared by the public functions of :mod:`xpcs_nb.latent`.

Each helper is one call to :mod:`xpcs_nb.validation` plus what the latent space adds
to it: latents are rows of finite numbers, labels are class numbers >= 0, crops are
square, and a number of clusters or neighbours is bounded by the number of points.
"""

from __future__ import annotations

import numpy as np

from xpcs_nb.validation import check_array, check_int, describe


def as_latents(latents, name: str = "latents") -> np.ndarray:
    """``latents`` as a finite float64 array (N, D) with N, D >= 1."""
    return check_array(latents, name, ndim=2, kind="real", dtype=np.float64)


def as_labels(labels, n_points: int | None = None, name: str = "labels") -> np.ndarray:
    """``labels`` as an int64 array (N,) of classes >= 0, ``n_points`` long when given."""
    array = check_array(labels, name, ndim=1, kind="integer", minimum=0).astype(np.int64)
    if n_points is not None and array.shape[0] != n_points:
        raise ValueError(f"{name} must have {n_points} entries (one per point), got {array.shape[0]}")
    return array


def as_crops(crops, name: str = "crops") -> np.ndarray:
    """``crops`` as a finite float array (N, S, S) with S >= 2 (integers become float64)."""
    array = check_array(crops, name, ndim=3, kind="real")
    if array.shape[1] != array.shape[2] or array.shape[1] < 2:
        raise ValueError(f"{name} must be an array (N, S, S) of square crops with S >= 2, got {describe(array)}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def check_count(value, n_points: int, name: str = "k", minimum: int = 1, maximum: int | None = None) -> int:
    """A number of clusters or neighbours, ``minimum`` .. ``maximum`` (default: the number of points)."""
    maximum = n_points if maximum is None else maximum
    return check_int(value, name, minimum=minimum, maximum=maximum, context=f" for {n_points} points")
