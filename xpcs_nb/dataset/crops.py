"""Diagonal crops of a large two-time map, each min-max scaled to [0, 1].

A crop ``c2[o:o+S, o:o+S]`` taken on the diagonal is itself the two-time map of the
frames ``o .. o+S-1``. Offsets are drawn per map from :func:`crop_rng`, so the crops of
one map do not depend on how many maps came before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from ..validation import check_array, check_int, check_seed

__all__ = [
    "CROP_SIZE",
    "check_c2",
    "crop_rng",
    "cut_crops",
    "diagonal_crop",
    "iter_crops",
    "minmax_scale",
    "random_crop_offsets",
]

CROP_SIZE = 256  # the paper's crop side, frames


def check_c2(c2, crop_size: int = CROP_SIZE, name: str = "c2") -> np.ndarray:
    """Return ``c2`` as a numpy array after checking it can be cropped.

    Parameters
    ----------
    c2 : array-like (T, T)
        A two-time correlation map (numpy, list or CPU torch tensor).
    crop_size : int
        The crop side S; ``c2`` needs T >= S.
    name : str
        How error messages call the argument.

    Raises
    ------
    ValueError
        If ``c2`` is not square, is smaller than ``crop_size``, holds NaN / inf or
        anything but real numbers.  A main diagonal that is all NaN (as beamlines
        store a C2 whose shot-noise diagonal was removed) is refused with a message
        saying how to fill it: a crop shows the diagonal.

    >>> check_c2(np.ones((4, 4)), crop_size=3).shape
    (4, 4)
    >>> check_c2(np.ones((4, 4)), crop_size=5)
    Traceback (most recent call last):
    ...
    ValueError: c2 has 4 frames, fewer than crop_size=5; use a longer C2 or a smaller crop
    """
    crop_size = check_int(crop_size, "crop_size", minimum=1)
    c2 = check_array(c2, name, kind="real", finite=False)
    if c2.ndim != 2 or c2.shape[0] != c2.shape[1]:
        raise ValueError(f"{name} must be a square 2-D array (T, T), got shape {c2.shape}")
    if c2.shape[0] < crop_size:
        raise ValueError(
            f"{name} has {c2.shape[0]} frames, fewer than crop_size={crop_size}; "
            "use a longer C2 or a smaller crop"
        )
    if c2.size and np.isnan(np.diagonal(c2)).all() and np.isfinite(c2[~np.eye(c2.shape[0], dtype=bool)]).all():
        # a beamline convention: the main diagonal removed (NaN); crops need it, g2 does not
        raise ValueError(
            f"{name} has a NaN main diagonal (a beamline convention); a crop shows the diagonal, so fill it "
            "first: xpcs_nb.aps.diagonal_from_neighbours(c2), or read_c2(..., correct_diagonal=True). "
            "g2 from C2 (lags >= 1) does not need it."
        )
    return check_array(c2, name)  # finiteness, checked once the shape is known to be right


def crop_rng(seed: int, c2_index: int) -> np.random.Generator:
    """The random generator that picks the crops of map number ``c2_index``.

    One generator per map, seeded by (seed, c2_index), so the crops of one map do not
    depend on how many maps came before it.

    >>> int(crop_rng(0, 3).integers(100)) == int(crop_rng(0, 3).integers(100))
    True
    """
    seed = check_seed(seed)
    c2_index = check_int(c2_index, "c2_index", minimum=0)
    return np.random.default_rng([seed, c2_index])


def random_crop_offsets(
    n_frames: int, crop_size: int, n_crops: int, rng: np.random.Generator
) -> np.ndarray:
    """Distinct random first frames of crops along the diagonal of a (T, T) map.

    Parameters
    ----------
    n_frames : int
        T, the side of the large map.
    crop_size : int
        S, the crop side; offsets lie in ``0 .. T-S``.
    n_crops : int
        How many offsets. They are distinct when T-S+1 >= n_crops (the crops may
        overlap); with fewer positions some repeat.
    rng : numpy.random.Generator

    Returns
    -------
    offsets : (n_crops,) int64, sorted

    >>> random_crop_offsets(300, 256, 2, crop_rng(0, 0))
    array([28, 37])
    """
    crop_size = check_int(crop_size, "crop_size", minimum=1)
    n_frames = check_int(n_frames, "n_frames", minimum=crop_size, context=" (crop_size)")
    n_crops = check_int(n_crops, "n_crops", minimum=1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return _random_crop_offsets(n_frames, crop_size, n_crops, rng)


def _random_crop_offsets(n_frames: int, crop_size: int, n_crops: int,
                         rng: np.random.Generator) -> np.ndarray:
    n_positions = n_frames - crop_size + 1
    offsets = rng.choice(n_positions, size=n_crops, replace=n_crops > n_positions)
    return np.sort(offsets).astype(np.int64)


def diagonal_crop(c2, offset: int, crop_size: int = CROP_SIZE) -> np.ndarray:
    """The square ``c2[offset:offset+S, offset:offset+S]`` (a view), shape (S, S).

    A crop on the diagonal is the two-time map of frames ``offset .. offset+S-1``: it
    keeps the symmetry C2(t1, t2) = C2(t2, t1) and the t1 = t2 line on its diagonal.

    >>> diagonal_crop(np.arange(16).reshape(4, 4), 1, crop_size=2)
    array([[ 5,  6],
           [ 9, 10]])
    """
    c2 = check_array(c2, "c2", ndim=2, finite=False)
    crop_size = check_int(crop_size, "crop_size", minimum=1, maximum=min(c2.shape),
                          context=" (the side of c2)")
    check_int(offset, "offset", minimum=0, maximum=len(c2) - crop_size,
              context=f" for a crop of {crop_size} in {len(c2)} frames")
    crop = _diagonal_crop(c2, int(offset), crop_size)
    check_array(crop, f"c2 (its crop at offset {offset})")  # finite where it is used
    return crop


def _diagonal_crop(c2: np.ndarray, offset: int, crop_size: int) -> np.ndarray:
    return c2[offset : offset + crop_size, offset : offset + crop_size]


def minmax_scale(images) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale each image to [0, 1] on its own: (x - min) / (max - min).

    The minimum becomes exactly 0 and the maximum exactly 1. A constant image (max =
    min) holds no pattern to scale; it becomes all zeros, rather than a uniform grey
    that could pass for signal, and ``raw_min == raw_max`` marks it.

    Parameters
    ----------
    images : array-like (..., H, W), finite

    Returns
    -------
    scaled : float32 (..., H, W)
    raw_min, raw_max : float64 (...)
        Each image's range before scaling; ``raw_min + scaled * (raw_max - raw_min)``
        gives the image back (to float32 precision), baseline and contrast included.

    >>> scaled, low, high = minmax_scale([[1.0, 3.0], [2.0, 5.0]])
    >>> scaled.tolist(), float(low), float(high)
    ([[0.0, 0.5], [0.25, 1.0]], 1.0, 5.0)
    """
    images = check_array(images, "images", ndim=range(2, 33), kind="real")
    return _minmax_scale(images)


def _minmax_scale(images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(images, dtype=np.float64)
    low = x.min(axis=(-2, -1), keepdims=True)
    high = x.max(axis=(-2, -1), keepdims=True)
    span = high - low
    # Dividing a constant image by 1 leaves (x - low) = 0 everywhere.
    scaled = (x - low) / np.where(span > 0, span, 1.0)
    return scaled.astype(np.float32), low[..., 0, 0], high[..., 0, 0]


def cut_crops(c2, offsets, crop_size: int = CROP_SIZE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min-max scaled diagonal crops of one map.

    Parameters
    ----------
    c2 : (T, T)
    offsets : (k,) int
        First frame of each crop, in ``0 .. T-S``.
    crop_size : int

    Returns
    -------
    crops : float32 (k, S, S), each scaled to [0, 1]
    raw_min, raw_max : float64 (k,)

    >>> crops, low, high = cut_crops(np.arange(16.0).reshape(4, 4), [0, 2], crop_size=2)
    >>> crops.shape, low.tolist(), high.tolist()
    ((2, 2, 2), [0.0, 10.0], [5.0, 15.0])
    """
    c2 = check_c2(c2, crop_size)
    offsets = check_array(offsets, "offsets", ndim=1, kind="integer", minimum=0,
                          maximum=len(c2) - crop_size)
    return _cut_crops(c2, offsets, crop_size)


def _cut_crops(c2: np.ndarray, offsets: np.ndarray, crop_size: int):
    raw = np.stack([_diagonal_crop(c2, int(o), crop_size) for o in offsets])
    return _minmax_scale(raw)


def iter_crops(
    c2s: Iterable, *, seed: int, crops_per_c2: int = 2, crop_size: int = CROP_SIZE,
    name: str = "c2_list",
) -> Iterator[tuple[np.ndarray, np.ndarray, pd.DataFrame]]:
    """Cut ``crops_per_c2`` random scaled diagonal crops from each map in turn.

    Maps are read one at a time, so ``c2s`` may be a generator that reads them from disk.

    Parameters
    ----------
    c2s : iterable of array-like (T_i, T_i)
        The large maps; T_i may differ from map to map.
    seed : int
        Chooses the offsets, through :func:`crop_rng` (seed, map number).
    crops_per_c2 : int
    crop_size : int
    name : str
        How error messages call ``c2s``.

    Yields
    ------
    c2 : (T, T)
        The checked map.
    crops : float32 (crops_per_c2, S, S)
    table : DataFrame, crops_per_c2 rows
        Columns ``c2_index, crop_offset, c2_frames, crop_seed, raw_min, raw_max``.

    The offsets of map 1 depend on (seed, 1) only, not on map 0:

    >>> [table["crop_offset"].tolist() for _, _, table in iter_crops([np.eye(6), np.eye(9)], seed=0, crop_size=4)]
    [[1, 2], [2, 5]]
    >>> [table["crop_offset"].tolist() for _, _, table in iter_crops([np.eye(9), np.eye(9)], seed=0, crop_size=4)]
    [[3, 4], [2, 5]]
    """
    seed = check_seed(seed)
    crops_per_c2 = check_int(crops_per_c2, "crops_per_c2", minimum=1)
    crop_size = check_int(crop_size, "crop_size", minimum=1)
    return _iter_crops(c2s, seed, crops_per_c2, crop_size, name)


def _iter_crops(c2s, seed: int, crops_per_c2: int, crop_size: int, name: str):
    for index, c2 in enumerate(c2s):
        c2 = check_c2(c2, crop_size, name=f"{name}[{index}]")
        offsets = _random_crop_offsets(len(c2), crop_size, crops_per_c2, crop_rng(seed, index))
        crops, raw_min, raw_max = _cut_crops(c2, offsets, crop_size)
        table = pd.DataFrame(
            {
                "c2_index": np.full(crops_per_c2, index, dtype=np.int64),
                "crop_offset": offsets,
                "c2_frames": np.full(crops_per_c2, len(c2), dtype=np.int64),
                "crop_seed": np.full(crops_per_c2, seed, dtype=np.int64),
                "raw_min": raw_min,
                "raw_max": raw_max,
            }
        )
        yield c2, crops, table
