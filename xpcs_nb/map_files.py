"""Two-time maps from a file: a ``.npy`` array or an APS 8-ID-I result file.

The one reader behind :meth:`xpcs_nb.latent.LatentSpace.classify` and the command
line, so that both take the same files:

- ``.npy``: one map ``(T, T)`` or a stack ``(n_roi, T, T)``, read with
  ``allow_pickle=False`` (a file that needs pickle is refused, never executed);
  the ROIs are numbered 1 .. n_roi;
- ``.h5``, ``.hdf5``, ``.hdf``, ``.nxs``: an APS result file (either layout,
  :mod:`xpcs_nb.aps`), every ROI it holds, with its own ROI numbers. The diagonal is
  read as stored; a removed (NaN) diagonal is filled later by
  :func:`xpcs_nb.prepare_crops`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .aps import list_rois, read_c2
from .validation import check_array

__all__ = ["APS_SUFFIXES", "read_maps"]

APS_SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs")


def read_maps(path) -> tuple[np.ndarray, list[int]]:
    """The maps in ``path`` and their ROI numbers.

    Parameters
    ----------
    path : str or Path
        A ``.npy`` file or an APS result file (see the module notes).

    Returns
    -------
    maps : float64 (n_roi, T, T)
    rois : list of int
        The 1-based ROI number of each map.

    Raises
    ------
    FileNotFoundError, ValueError
        No such file, an unknown suffix, or contents that are not square maps.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "c2.npy"
    >>> np.save(path, np.eye(4))
    >>> maps, rois = read_maps(path)
    >>> maps.shape, rois
    ((1, 4, 4), [1])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path must be an existing .npy or APS result file, got {str(path)!r} (no such file)")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        maps = check_array(np.load(path, allow_pickle=False), f"the array in {path.name}", ndim=(2, 3),
                           kind="real", finite=False, dtype=np.float64)
        maps = maps[np.newaxis] if maps.ndim == 2 else maps
        if maps.shape[1] != maps.shape[2]:
            raise ValueError(f"the array in {path.name} must be a map (T, T) or a stack (n_roi, T, T), "
                             f"got shape {maps.shape}")
        return maps, list(range(1, len(maps) + 1))
    if suffix in APS_SUFFIXES:
        rois = list_rois(path)
        if not rois:
            raise ValueError(f"{path.name} holds no two-time maps")
        return np.stack([read_c2(path, roi) for roi in rois]), rois
    raise ValueError(f"path must end in .npy or one of {', '.join(APS_SUFFIXES)}, got {path.name!r}")
