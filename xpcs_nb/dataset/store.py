"""The crop store: diagonal crops of many C2 maps and their metadata in one HDF5 file.

Layout::

    /crops               float32 (N, S, S), scaled to [0, 1], contiguous (memory-mappable)
    /metadata/<column>   one dataset per metadata column, N rows each
    /source_c2/c2_NNNNN  optional (keep_source=True): the large maps, float32 (T, T)
    attributes           format, version, content_id, crop_size, crops_per_c2, seed, ...

``content_id`` is new at every build, so a memory-mapped array can tell the file it
was made from from a later rebuild under the same name (see :mod:`.mapped`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from ..atomic import atomic_path
from ..validation import check_bool, check_int, check_seed
from .crops import CROP_SIZE, iter_crops
from .mapped import CONTENT_ID, MappedArray, new_content_id
from .tables import describe_hdf5, read_table, write_table
from .truth import join_truth, truth_table, warn_if_constant, with_experiment_ids

__all__ = [
    "STORE_FORMAT",
    "STORE_VERSION",
    "build_crop_store",
    "load_crop_store",
    "load_source_c2",
]

STORE_FORMAT = "xpcs_nb.crop_store"
STORE_VERSION = 1


def build_crop_store(
    c2_list: Sequence,
    truths,
    path,
    *,
    seed: int,
    crops_per_c2: int = 2,
    crop_size: int = CROP_SIZE,
    experiment_key: str | None = "experiment_id",
    keep_source: bool = False,
) -> pd.DataFrame:
    """Cut, scale and store diagonal crops of many C2 maps in one HDF5 file.

    Parameters
    ----------
    c2_list : sequence of array-like (T_i, T_i)
        One large map per ROI / time window; read one at a time.
    truths : sequence of mappings or dataclasses, structured array, DataFrame, or None
        One record per map (what the scenario library knows about it: class, rates,
        q, sector, window start, ...). Every field is stored for each crop of the map;
        fields must hold numbers, bools, strings, or equal-length number sequences.
    path : str or Path
        The HDF5 file to write (atomically; an existing file is replaced).
    seed : int
        Chooses the crop offsets; the same seed gives the same store.
    crops_per_c2 : int
        Crops per map (the paper: 2).
    crop_size : int
        Crop side S in frames (the paper: 256).
    experiment_key : str or None
        The truth field that names the experiment a map belongs to; maps of one
        experiment (its ROIs, its time windows) are correlated and must stay in one
        split. None makes every map its own experiment (``"c2_00000"``, ...).
    keep_source : bool
        Also store the large maps (float32), which the ``mode="diagonal"`` augmentation
        needs. Big: a 5000-frame map takes 100 MB.

    Returns
    -------
    metadata : DataFrame, one row per crop (N = len(c2_list) * crops_per_c2)
        The table :func:`load_crop_store` reads back: ``experiment_id``, ``c2_index``,
        ``crop_offset``, ``c2_frames``, ``crop_seed``, ``raw_min`` / ``raw_max`` (the
        crop's range before scaling), then every truth field.

    Raises
    ------
    ValueError
        Bad map (see :func:`~xpcs_nb.dataset.check_c2`), wrong number of truth records,
        a truth field that reuses a store column name or holds unsupported values.
    KeyError
        ``experiment_key`` is not a truth field.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "store.h5"
    >>> maps = [np.add.outer(np.arange(40.0), np.arange(40.0)) % 7 for _ in range(3)]
    >>> build_crop_store(maps, None, path, seed=0, crop_size=32, experiment_key=None).shape
    (6, 7)
    """
    seed = check_seed(seed)
    crops_per_c2 = check_int(crops_per_c2, "crops_per_c2", minimum=1)
    crop_size = check_int(crop_size, "crop_size", minimum=1)
    keep_source = check_bool(keep_source, "keep_source")
    if experiment_key is not None and not isinstance(experiment_key, str):
        raise TypeError(f"experiment_key must be a str or None, got {experiment_key!r}")
    n_c2 = len(c2_list)
    if n_c2 == 0:
        raise ValueError("c2_list must hold at least one C2 map, got none")
    truth = with_experiment_ids(truth_table(truths, n_c2), experiment_key)

    tables = []
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        crops_out = f.create_dataset(
            "crops", shape=(n_c2 * crops_per_c2, crop_size, crop_size), dtype=np.float32
        )
        maps = iter_crops(c2_list, seed=seed, crops_per_c2=crops_per_c2, crop_size=crop_size)
        for index, (c2, crops, table) in enumerate(maps):
            crops_out[index * crops_per_c2 : (index + 1) * crops_per_c2] = crops
            tables.append(table)
            if keep_source:
                f.create_dataset(f"source_c2/c2_{index:05d}", data=c2.astype(np.float32))
        metadata = join_truth(pd.concat(tables, ignore_index=True), truth)
        write_table(f.create_group("metadata"), metadata)
        f.attrs.update(
            format=STORE_FORMAT,
            version=STORE_VERSION,
            crop_size=crop_size,
            crops_per_c2=crops_per_c2,
            seed=seed,
            n_c2=n_c2,
            experiment_key=experiment_key or "",
            scaling="min-max per crop to [0, 1]; a constant crop is stored as zeros",
        )
        f.attrs[CONTENT_ID] = new_content_id()
    warn_if_constant(metadata)
    return metadata


def load_crop_store(path, *, mmap: bool = True):
    """Read a store written by :func:`build_crop_store`.

    Parameters
    ----------
    path : str or Path
    mmap : bool
        True maps the crops from the file (nothing is read until indexed); False reads
        them all into memory.

    Returns
    -------
    crops : MappedArray or numpy.ndarray, float32 (N, S, S)
    metadata : DataFrame, N rows
        ``metadata.attrs`` holds the store's attributes (seed, crop_size, content_id, ...).

    Raises
    ------
    KeyError
        The file is not a crop store; the message lists what it holds.
    """
    mmap = check_bool(mmap, "mmap")
    path = Path(path)
    with h5py.File(path, "r") as f:
        missing = [key for key in ("crops", "metadata") if key not in f]
        if missing:
            raise KeyError(
                f"{path} is not a crop store: missing {missing}. "
                f"The file holds: {describe_hdf5(f)}"
            )
        crops = MappedArray.from_dataset(f["crops"]) if mmap else f["crops"][()]
        metadata = read_table(f["metadata"])
        metadata.attrs = {key: _plain(value) for key, value in f.attrs.items()}
    return crops, metadata


def load_source_c2(path) -> list[MappedArray]:
    """The large maps stored with ``keep_source=True``, memory-mapped, in ``c2_index`` order.

    Raises KeyError (listing what the file holds) when the store kept no source maps.
    """
    with h5py.File(path, "r") as f:
        if "source_c2" not in f:
            raise KeyError(
                f"{path} holds no source maps (build it with keep_source=True). "
                f"The file holds: {describe_hdf5(f)}"
            )
        group = f["source_c2"]
        return [MappedArray.from_dataset(group[name]) for name in sorted(group)]


def _plain(value):
    """HDF5 attribute -> plain Python value (numpy scalars and bytes unwrapped)."""
    if isinstance(value, bytes):
        return value.decode()
    return value.item() if isinstance(value, np.generic) else value
