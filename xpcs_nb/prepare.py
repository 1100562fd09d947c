"""Any two-time map to crops the autoencoder can read: one public step.

A reader's C2 comes in many forms: one map ``(T, T)`` or one per ROI
``(n_roi, T, T)`` (what :func:`xpcs_nb.correlation.two_time` returns), with the
diagonal kept or removed (NaN, as beamlines store it), at its own frame time.
:func:`prepare_crops` turns any of them into what the model was trained on:
``S x S`` crops cut along the diagonal, each min-max scaled to [0, 1], with a table
that says where every crop came from.

The steps, in order, for each map:

1. **Diagonal.** A main diagonal that holds NaN is replaced by the mean of its two
   nearest off-diagonal values, ``C2(t, t) = [C2(t, t-1) + C2(t, t+1)] / 2``
   (:func:`xpcs_nb.aps.diagonal_from_neighbours`; one neighbour at the corners).
   ``fill_diagonal=True`` does the same to a diagonal that is there (it holds the
   photon shot noise, not the dynamics). The published crops keep the raw diagonal,
   so the default leaves a present diagonal alone.
2. **Frame binning** (optional). With ``frame_time`` and ``target_frame_time`` (both
   in seconds) every ``b = target_frame_time / frame_time`` frames become one: the map
   is averaged over ``b x b`` blocks of frame pairs. That is the C2 of frames summed
   ``b`` at a time: the off-diagonal blocks average the same correlations, and a
   diagonal block lowers the shot-noise lift of the diagonal by ``1 / b``, as ``b``
   times the photons would. ``b`` must come out an integer within 2 %.
3. **Crops.** ``crops_per_map`` offsets along the diagonal, drawn as the training set
   draws them (:func:`xpcs_nb.dataset.crop_rng` seeded by ``(seed, map number)``, then
   :func:`xpcs_nb.dataset.iter_crops`); each crop min-max scaled to [0, 1].

Frame time. A crop is ``S`` frames of time whatever the frame time, so a map measured
with another frame time than the model's training data shows the same dynamics as a
wider or narrower band: compare frame for frame only at the same frame time. The book's
synthetic library, on which chapter 3 trains its models, is simulated at
``LIBRARY_FRAME_TIME = 0.1`` s per frame (the default ``dt`` of
:func:`xpcs_nb.scenarios.scenario_c2`). The paper does not state the frame time of the
published model's training data, so for the published model there is no target to bin
to; bin only to bring maps of one experiment to a common frame time.

Example
-------
>>> import numpy as np
>>> lag = np.abs(np.subtract.outer(np.arange(300), np.arange(300)))
>>> c2 = 1 + 0.2 * np.exp(-lag / 20.0)
>>> np.fill_diagonal(c2, np.nan)                      # a removed diagonal
>>> crops, table = prepare_crops(np.stack([c2, c2]), crops_per_map=2, seed=0)
>>> crops.shape, crops.dtype, float(crops.min()), float(crops.max())
((4, 256, 256), dtype('float32'), 0.0, 1.0)
>>> table[["map_index", "roi", "crop_offset", "bin_frames", "diagonal_filled"]].values.tolist()
[[0, 1, 28, 1, True], [0, 1, 37, 1, True], [1, 2, 22, 1, True], [1, 2, 40, 1, True]]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .aps import diagonal_from_neighbours
from .dataset import CROP_SIZE, iter_crops
from .validation import check_array, check_bool, check_int, check_real, check_seed, describe

__all__ = ["LIBRARY_FRAME_TIME", "BINNING_TOLERANCE", "prepare_crops", "bin_frames_of", "bin_map",
           "check_frame_times"]

LIBRARY_FRAME_TIME = 0.1  # s per frame of the book's synthetic library (scenario_c2's default dt)
BINNING_TOLERANCE = 0.02  # how far target_frame_time / frame_time may be from an integer, relative


def bin_frames_of(frame_time: float, target_frame_time: float) -> int:
    """How many frames make one at ``target_frame_time``: the integer ``b`` near the ratio.

    Parameters
    ----------
    frame_time, target_frame_time : float
        Seconds per frame, > 0; the target must be at least ``frame_time`` (frames can
        be summed, not split) and a whole multiple of it within ``BINNING_TOLERANCE``.

    >>> bin_frames_of(0.0333, 0.1)
    3
    >>> bin_frames_of(0.04, 0.1)
    Traceback (most recent call last):
    ...
    ValueError: target_frame_time / frame_time must be a whole number of frames (within 2%), got 0.1 / 0.04 = 2.5
    """
    frame_time = check_real(frame_time, "frame_time", minimum=0.0, include_min=False, context=" (s)")
    target_frame_time = check_real(target_frame_time, "target_frame_time", minimum=frame_time,
                                   context=" (frame_time, s; frames can be summed, not split)")
    ratio = target_frame_time / frame_time
    factor = max(1, round(ratio))
    if abs(ratio - factor) > BINNING_TOLERANCE * ratio:
        raise ValueError(
            f"target_frame_time / frame_time must be a whole number of frames (within "
            f"{BINNING_TOLERANCE:.0%}), got {target_frame_time:g} / {frame_time:g} = {ratio:.3g}"
        )
    return int(factor)


def bin_map(c2, factor: int) -> np.ndarray:
    """The (T // b, T // b) map of frames taken ``b`` at a time: means over b x b blocks.

    Trailing frames that do not fill a block are dropped.

    >>> bin_map(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    c2 = check_array(c2, "c2", ndim=2, kind="real", dtype=np.float64)
    factor = check_int(factor, "factor", minimum=1, maximum=len(c2), context=" (the frames of c2)")
    return _bin_map(c2, factor)


def _bin_map(c2: np.ndarray, factor: int) -> np.ndarray:
    n = len(c2) // factor
    blocks = c2[: n * factor, : n * factor].reshape(n, factor, n, factor)
    return blocks.mean(axis=(1, 3))


def _as_map_stack(c2) -> np.ndarray:
    """``c2`` as (n_roi, T, T) float64; NaN is left for the diagonal check."""
    maps = check_array(c2, "c2", ndim=(2, 3), kind="real", finite=False, dtype=np.float64)
    maps = maps[np.newaxis] if maps.ndim == 2 else maps
    if maps.shape[1] != maps.shape[2]:
        raise ValueError(f"c2 must be one map (T, T) or a stack (n_roi, T, T) of square maps, got {describe(c2)}")
    return maps


def _with_diagonal(c2: np.ndarray, name: str, fill: bool) -> tuple[np.ndarray, bool]:
    """(map, filled): the diagonal replaced from its neighbours when it holds NaN or ``fill``."""
    off_diagonal = ~np.eye(len(c2), dtype=bool)
    if not np.isfinite(c2[off_diagonal]).all():
        bad = int((~np.isfinite(c2[off_diagonal])).sum())
        raise ValueError(f"{name} must be finite off its diagonal (only the diagonal may be NaN), "
                         f"got {bad} NaN or inf values there")
    if fill or not np.isfinite(np.diagonal(c2)).all():
        return diagonal_from_neighbours(c2), True
    return c2, False


def prepare_crops(c2, *, crop_size: int = CROP_SIZE, crops_per_map: int = 1, seed: int = 0,
                  frame_time: float | None = None, target_frame_time: float | None = None,
                  fill_diagonal: bool = False, rois=None) -> tuple[np.ndarray, pd.DataFrame]:
    """Scaled diagonal crops of one map or a stack of maps, with where each came from.

    Parameters
    ----------
    c2 : array (T, T) or (n_roi, T, T)
        Two-time maps (numpy, list or torch). NaN is allowed on the main diagonal
        only; it is filled from the neighbours (see the module notes).
    crop_size : int
        S, the crop side in (binned) frames; the published model reads 256.
    crops_per_map : int
        Crops cut from each map, >= 1.
    seed : int
        Chooses the offsets, map by map, as the training crops are chosen.
    frame_time, target_frame_time : float, optional
        Seconds per frame of ``c2`` and of the crops; give both to bin frames, or
        ``frame_time`` alone to record it. The target is a whole multiple of it.
    fill_diagonal : bool
        Replace the diagonal from its neighbours even where it is present.
    rois : sequence of int, optional
        The ROI number of each map, e.g. the file's own numbers that
        :func:`xpcs_nb.io.read_maps` gives; default 1 .. n_roi.

    Returns
    -------
    crops : float32 (n_roi * crops_per_map, S, S)
        Each scaled to [0, 1]; map by map, in offset order.
    table : DataFrame, one row per crop
        ``map_index`` (0-based position in the stack), ``roi`` (1-based, the ROI label
        of :func:`xpcs_nb.correlation.two_time` and of APS files), ``crop_offset``
        (first binned frame of the crop), ``c2_frames`` (binned frames of the map),
        ``crop_seed``, ``raw_min`` / ``raw_max`` (the crop's range before scaling:
        ``raw_min + crop * (raw_max - raw_min)`` gives it back), ``bin_frames`` (b),
        ``frame_time`` (s per crop frame, NaN when not given), ``diagonal_filled``.

    Raises
    ------
    ValueError
        A map shorter than ``crop_size`` after binning, NaN off the diagonal, a
        ``target_frame_time`` without ``frame_time`` or not a whole multiple of it.
    """
    maps = _as_map_stack(c2)
    crop_size = check_int(crop_size, "crop_size", minimum=2)
    crops_per_map = check_int(crops_per_map, "crops_per_map", minimum=1)
    seed = check_seed(seed)
    fill_diagonal = check_bool(fill_diagonal, "fill_diagonal")
    factor, crop_frame_time = check_frame_times(frame_time, target_frame_time)
    rois = _check_rois(rois, len(maps))

    filled = []

    def ready_maps():
        for index, one in enumerate(maps):
            one, was_filled = _with_diagonal(one, f"c2[{index}]", fill_diagonal)
            filled.append(was_filled)
            yield _bin_map(one, factor) if factor > 1 else one

    crops, tables = [], []
    for _, map_crops, table in iter_crops(ready_maps(), seed=seed, crops_per_c2=crops_per_map,
                                          crop_size=crop_size, name="c2 (binned)" if factor > 1 else "c2"):
        crops.append(map_crops)
        tables.append(table)
    table = pd.concat(tables, ignore_index=True).rename(columns={"c2_index": "map_index"})
    table.insert(1, "roi", rois[table["map_index"].to_numpy()])
    table["bin_frames"] = factor
    table["frame_time"] = crop_frame_time
    table["diagonal_filled"] = np.repeat(filled, crops_per_map)
    return np.concatenate(crops), table


def _check_rois(rois, n_maps: int) -> np.ndarray:
    """``rois`` as (n_maps,) int64, 1 .. n_maps when None."""
    if rois is None:
        return np.arange(1, n_maps + 1, dtype=np.int64)
    rois = check_array(rois, "rois", ndim=1, kind="integer", minimum=1, dtype=np.int64)
    if len(rois) != n_maps:
        raise ValueError(f"rois must give one ROI number per map of c2 ({n_maps}), got {len(rois)}")
    return rois


def check_frame_times(frame_time=None, target_frame_time=None) -> tuple[int, float]:
    """``(b, seconds per crop frame)`` from the optional frame times; ``(1, nan)`` when none given.

    >>> check_frame_times(0.02, 0.1)
    (5, 0.1)
    >>> check_frame_times(target_frame_time=0.1)
    Traceback (most recent call last):
    ...
    ValueError: target_frame_time needs frame_time (the seconds per frame of c2), got target_frame_time=0.1 and frame_time=None
    """
    if target_frame_time is not None and frame_time is None:
        raise ValueError(f"target_frame_time needs frame_time (the seconds per frame of c2), "
                         f"got target_frame_time={target_frame_time!r} and frame_time=None")
    if frame_time is None:
        return 1, math.nan
    if target_frame_time is None:
        return 1, check_real(frame_time, "frame_time", minimum=0.0, include_min=False, context=" (s)")
    factor = bin_frames_of(frame_time, target_frame_time)
    return factor, factor * float(frame_time)
