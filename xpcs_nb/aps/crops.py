"""APS result files cut and scaled into crops, exactly as the training crops are."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import CROP_SIZE, check_c2, iter_crops, join_truth, warn_if_constant
from ..validation import check_array, check_bool, check_int, check_seed
from .read import read_c2, read_roi_table


def aps_to_crops(
    path,
    *,
    seed: int,
    crop_size: int = CROP_SIZE,
    crops_per_c2: int = 2,
    rois: Sequence[int] | None = None,
    correct_diagonal: bool = False,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Crops of an APS result file, cut and scaled as the training crops are.

    Parameters
    ----------
    path : str or Path
    seed : int
        Chooses the crop offsets (the same way :func:`~xpcs_nb.dataset.build_crop_store`
        does, map by map).
    crop_size, crops_per_c2 : int
    rois : sequence of int, optional
        1-based ROI numbers to use; default all.
    correct_diagonal : bool
        See :func:`diagonal_from_neighbours`.

    Returns
    -------
    crops : float32 (n_rois * crops_per_c2, S, S), each scaled to [0, 1]
    metadata : DataFrame, one row per crop
        The crop-store columns (``experiment_id`` is the file's stem, ``c2_index`` the
        position in ``rois``) plus ``roi``, ``bin``, ``q`` (nm^-1), ``phi`` (deg) and
        ``source`` (the file).

    See Also
    --------
    To keep them in a crop store, pass the maps and the ROI table on::

        table = read_roi_table(path).assign(experiment_id=Path(path).stem)
        maps = [read_c2(path, roi) for roi in table["roi"]]
        build_crop_store(maps, table, "beamline.h5", seed=0)
    """
    seed = check_seed(seed)
    crop_size = check_int(crop_size, "crop_size", minimum=1)
    crops_per_c2 = check_int(crops_per_c2, "crops_per_c2", minimum=1)
    correct_diagonal = check_bool(correct_diagonal, "correct_diagonal")
    if rois is not None:
        rois = check_array(rois, "rois", ndim=1, kind="integer", minimum=1).tolist()
    path = Path(path)
    table = read_roi_table(path)
    if rois is not None:
        missing = sorted(set(rois) - set(table["roi"]))
        if missing:
            raise KeyError(f"{path} has no maps for rois {missing}; its ROIs are "
                           f"{table['roi'].tolist()}")
        table = table.set_index("roi").loc[list(rois)].reset_index()

    def maps():
        for roi in table["roi"]:
            c2 = read_c2(path, roi, correct_diagonal=correct_diagonal)
            yield check_c2(c2, crop_size, name=f"{path.name} roi {roi}")

    crops, tables = [], []
    for _, map_crops, map_table in iter_crops(
        maps(), seed=seed, crops_per_c2=crops_per_c2, crop_size=crop_size
    ):
        crops.append(map_crops)
        tables.append(map_table)
    truth = table.assign(experiment_id=path.stem, source=str(path))
    metadata = join_truth(pd.concat(tables, ignore_index=True), truth)
    warn_if_constant(metadata)
    return np.concatenate(crops), metadata
