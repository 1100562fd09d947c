"""The chapter-2 dataset: diagonal crops of large C2 maps, scaled, stored and augmented.

The AI-NERD recipe (Horwath et al., Methods V C):

1. one large two-time map ``c2 (T, T)`` per ROI (the paper: T = 5000 frames);
2. ``crops_per_c2`` random ``S x S`` squares cut *along the diagonal*,
   ``c2[o:o+S, o:o+S]`` (the paper: two crops of 256 x 256), so each crop is itself a
   two-time map of the frames ``o .. o+S-1``;
3. each crop min-max scaled to [0, 1];
4. x100 augmentation by shifting the crops along the diagonal.

Steps 2-3 are :func:`build_crop_store`, which writes one HDF5 file;
:func:`load_crop_store` reads it back and :func:`split_by_experiment` splits it into
train / validation / test. Step 4 is :class:`AugmentedCropDataset`, a torch ``Dataset``
that makes the shifted copies on the fly: the paper's 400,000 augmented crops would
take 104 GB as float32, the 4000 crops they come from take 1 GB.

Store layout::

    /crops               float32 (N, S, S), scaled to [0, 1], contiguous (memory-mappable)
    /metadata/<column>   one dataset per metadata column, N rows each
    /source_c2/c2_NNNNN  optional (keep_source=True): the large maps, float32 (T, T)
    attributes           format, version, crop_size, crops_per_c2, seed, ...

Metadata columns, one row per crop: ``experiment_id`` (the group the split keeps
together), ``c2_index`` (position of the source map in ``c2_list``), ``crop_offset``
(o above, in frames), ``c2_frames`` (T), ``crop_seed`` (the seed that chose the
offsets), ``raw_min`` / ``raw_max`` (the crop's range before scaling, to undo it), then
every field of the truth records.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

__all__ = [
    "AUGMENT_FACTOR",
    "CROP_SIZE",
    "SPLIT_NAMES",
    "AugmentedCropDataset",
    "MappedArray",
    "atomic_output",
    "build_crop_store",
    "check_c2",
    "crop_rng",
    "cut_crops",
    "describe_hdf5",
    "diagonal_crop",
    "iter_crops",
    "join_truth",
    "load_crop_store",
    "load_source_c2",
    "minmax_scale",
    "random_crop_offsets",
    "read_table",
    "shift_table",
    "split_by_experiment",
    "warn_if_constant",
    "wrap_shift",
    "write_table",
]

CROP_SIZE = 256  # the paper's crop side, frames
AUGMENT_FACTOR = 100  # the paper's augmentation: 4000 crops -> 400,000 images
SPLIT_NAMES = ("train", "validation", "test")

STORE_FORMAT = "xpcs_nb.crop_store"
STORE_VERSION = 1
# The columns build_crop_store writes itself; truth fields may not reuse these names.
CROP_COLUMNS = (
    "experiment_id",
    "c2_index",
    "crop_offset",
    "c2_frames",
    "crop_seed",
    "raw_min",
    "raw_max",
)


# --------------------------------------------------------------------------- crops


def check_c2(c2, crop_size: int = CROP_SIZE, name: str = "c2") -> np.ndarray:
    """Return ``c2`` as a float array after checking it can be cropped.

    Parameters
    ----------
    c2 : array-like (T, T)
        A two-time correlation map.
    crop_size : int
        The crop side S; ``c2`` needs T >= S.
    name : str
        How error messages call the argument.

    Raises
    ------
    ValueError
        If ``c2`` is not square, is smaller than ``crop_size`` or holds NaN / inf.
    """
    c2 = np.asarray(c2)
    if c2.ndim != 2 or c2.shape[0] != c2.shape[1]:
        raise ValueError(f"{name} must be a square 2-D array (T, T), got shape {c2.shape}")
    if not (np.issubdtype(c2.dtype, np.floating) or np.issubdtype(c2.dtype, np.integer)):
        raise ValueError(f"{name} must hold real numbers, got dtype {c2.dtype}")
    if c2.shape[0] < crop_size:
        raise ValueError(
            f"{name} has {c2.shape[0]} frames, fewer than crop_size={crop_size}; "
            "use a longer C2 or a smaller crop"
        )
    finite = np.isfinite(c2)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise ValueError(f"{name} holds NaN or inf, the first at [{row}, {col}]")
    return c2


def crop_rng(seed: int, c2_index: int) -> np.random.Generator:
    """The random generator that picks the crops of map number ``c2_index``.

    One generator per map, seeded by (seed, c2_index), so the crops of one map do not
    depend on how many maps came before it.
    """
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
    """
    n_positions = n_frames - crop_size + 1
    offsets = rng.choice(n_positions, size=n_crops, replace=n_crops > n_positions)
    return np.sort(offsets).astype(np.int64)


def diagonal_crop(c2: np.ndarray, offset: int, crop_size: int = CROP_SIZE) -> np.ndarray:
    """The square ``c2[offset:offset+S, offset:offset+S]`` (a view), shape (S, S).

    A crop on the diagonal is the two-time map of frames ``offset .. offset+S-1``: it
    keeps the symmetry C2(t1, t2) = C2(t2, t1) and the t1 = t2 line on its diagonal.
    """
    return c2[offset : offset + crop_size, offset : offset + crop_size]


def minmax_scale(images) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale each image to [0, 1] on its own: (x - min) / (max - min).

    The minimum becomes exactly 0 and the maximum exactly 1. A constant image (max =
    min) holds no pattern to scale; it becomes all zeros, rather than a uniform grey
    that could pass for signal, and ``raw_min == raw_max`` marks it.

    Parameters
    ----------
    images : array-like (..., H, W)

    Returns
    -------
    scaled : float32 (..., H, W)
    raw_min, raw_max : float64 (...)
        Each image's range before scaling; ``raw_min + scaled * (raw_max - raw_min)``
        gives the image back (to float32 precision), baseline and contrast included.
    """
    x = np.asarray(images, dtype=np.float64)
    low = x.min(axis=(-2, -1), keepdims=True)
    high = x.max(axis=(-2, -1), keepdims=True)
    span = high - low
    # Dividing a constant image by 1 leaves (x - low) = 0 everywhere.
    scaled = (x - low) / np.where(span > 0, span, 1.0)
    return scaled.astype(np.float32), low[..., 0, 0], high[..., 0, 0]


def cut_crops(
    c2: np.ndarray, offsets: np.ndarray, crop_size: int = CROP_SIZE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min-max scaled diagonal crops of one map.

    Parameters
    ----------
    c2 : (T, T)
    offsets : (k,) int
        First frame of each crop.
    crop_size : int

    Returns
    -------
    crops : float32 (k, S, S), each scaled to [0, 1]
    raw_min, raw_max : float64 (k,)
    """
    raw = np.stack([diagonal_crop(c2, int(o), crop_size) for o in offsets])
    return minmax_scale(raw)


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
    """
    _check_positive_int(crops_per_c2, "crops_per_c2")
    _check_positive_int(crop_size, "crop_size")
    for index, c2 in enumerate(c2s):
        c2 = check_c2(c2, crop_size, name=f"{name}[{index}]")
        offsets = random_crop_offsets(len(c2), crop_size, crops_per_c2, crop_rng(seed, index))
        crops, raw_min, raw_max = cut_crops(c2, offsets, crop_size)
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


def join_truth(crop_table: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Give every crop the fields of the map it came from (row ``c2_index`` of ``truth``).

    ``experiment_id``, when ``truth`` has it, becomes the first column.
    """
    per_crop = truth.iloc[crop_table["c2_index"].to_numpy()].reset_index(drop=True)
    joined = pd.concat([crop_table.reset_index(drop=True), per_crop], axis=1)
    if "experiment_id" in joined.columns:
        joined = joined[["experiment_id", *joined.columns.drop("experiment_id")]]
    return joined


def warn_if_constant(metadata: pd.DataFrame) -> int:
    """Warn how many crops were constant (stored as zeros); return that count."""
    n_constant = int((metadata["raw_min"] == metadata["raw_max"]).sum())
    if n_constant:
        warnings.warn(
            f"{n_constant} of {len(metadata)} crops were constant and are stored as all "
            "zeros (raw_min == raw_max marks them)",
            stacklevel=3,
        )
    return n_constant


# --------------------------------------------------------------------------- store


@contextmanager
def atomic_output(path) -> Iterator[Path]:
    """Write to a temporary file next to ``path``; move it onto ``path`` only on success.

    The temporary file sits in the same folder, so ``os.replace`` is a rename that
    either happens whole or not at all: an exception (or Ctrl-C) in the ``with`` block
    removes the temporary file and leaves nothing new under ``path``. Missing parent
    folders are created.

    Examples
    --------
    >>> with atomic_output("data/generated/store.h5") as tmp:   # doctest: +SKIP
    ...     with h5py.File(tmp, "w") as f:
    ...         f["x"] = [1, 2, 3]
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
        The table :func:`load_crop_store` reads back; columns in the module docstring.

    Raises
    ------
    ValueError
        Bad map (see :func:`check_c2`), wrong number of truth records, a truth field
        that reuses a store column name or holds unsupported values.
    KeyError
        ``experiment_key`` is not a truth field.
    """
    _check_positive_int(crops_per_c2, "crops_per_c2")
    _check_positive_int(crop_size, "crop_size")
    n_c2 = len(c2_list)
    if n_c2 == 0:
        raise ValueError("c2_list must hold at least one C2 map, got none")
    truth = _experiment_and_truth(_truth_table(truths, n_c2), experiment_key)

    tables = []
    with atomic_output(path) as tmp, h5py.File(tmp, "w") as f:
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
        ``metadata.attrs`` holds the store's attributes (seed, crop_size, ...).

    Raises
    ------
    KeyError
        The file is not a crop store; the message lists what it holds.
    """
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


class MappedArray:
    """A read-only array memory-mapped from a contiguous HDF5 dataset.

    Indexing reads straight from the file with ``numpy.memmap``, bypassing h5py, so it
    is fast and safe in torch ``DataLoader`` worker processes. Pickling keeps only the
    file name and the data's position: a worker started with ``spawn`` reopens the
    map instead of receiving a copy of the whole array.

    Attributes
    ----------
    path : Path
    offset : int
        Byte position of the data in the file.
    shape : tuple of int
    dtype : numpy.dtype
    """

    def __init__(self, path, offset: int, shape: tuple[int, ...], dtype) -> None:
        self.path = Path(path)
        self.offset = int(offset)
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self._array: np.ndarray | None = None

    @classmethod
    def from_dataset(cls, dataset: h5py.Dataset) -> "MappedArray":
        """Map ``dataset``; ValueError if it is chunked or compressed (not mappable)."""
        offset = dataset.id.get_offset()
        if dataset.chunks is not None or offset is None:
            raise ValueError(
                f"dataset {dataset.name} in {dataset.file.filename} is chunked, compressed "
                "or empty and cannot be memory-mapped; load it with mmap=False"
            )
        # An absolute path keeps the map valid after a notebook changes folder.
        return cls(Path(dataset.file.filename).resolve(), offset, dataset.shape, dataset.dtype)

    def _mapped(self) -> np.ndarray:
        if self._array is None:
            self._array = np.memmap(
                self.path, dtype=self.dtype, mode="r", offset=self.offset, shape=self.shape
            )
        return self._array

    def __getitem__(self, key):
        return self._mapped()[key]

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._mapped(), dtype=dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_array": None}

    def __repr__(self) -> str:
        return f"MappedArray({str(self.path)!r}, shape={self.shape}, dtype={self.dtype})"


# ------------------------------------------------------------- tables in HDF5


def write_table(group: h5py.Group, table: pd.DataFrame) -> None:
    """Store ``table`` as one dataset per column in ``group`` (column order kept).

    Numbers and bools are stored as they are, strings as UTF-8, equal-length number
    sequences as a (rows, k) dataset. Anything else raises ValueError naming the column.
    """
    for name in table.columns:
        group.create_dataset(str(name), data=_column_for_hdf5(table[name], str(name)))
    group.attrs["columns"] = [str(name) for name in table.columns]


def read_table(group: h5py.Group) -> pd.DataFrame:
    """Read a table written by :func:`write_table`."""
    columns = {}
    for name in group.attrs["columns"]:
        dataset = group[name]
        if h5py.check_string_dtype(dataset.dtype) is not None:
            columns[name] = dataset.asstr()[()]
        elif dataset.ndim == 2:
            columns[name] = list(dataset[()])
        else:
            columns[name] = dataset[()]
    return pd.DataFrame(columns)


def _column_for_hdf5(column: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column.to_numpy()
    values = column.tolist()
    if all(isinstance(value, str) for value in values):
        return np.array(values, dtype=h5py.string_dtype())
    if all(np.ndim(value) == 1 for value in values):
        rows = [np.asarray(value) for value in values]
        if len({row.shape for row in rows}) == 1 and all(
            np.issubdtype(row.dtype, np.number) for row in rows
        ):
            return np.stack(rows)
    raise ValueError(
        f"metadata field {name!r} must hold numbers, bools, strings or equal-length "
        f"number sequences in every record, got e.g. {values[0]!r}"
    )


def describe_hdf5(f: h5py.Group, limit: int = 40) -> str:
    """One line listing the groups and datasets under ``f`` (the first ``limit``)."""
    entries: list[str] = []

    def visit(name: str, item) -> None:
        if isinstance(item, h5py.Dataset):
            entries.append(f"/{name} {item.dtype} {item.shape}")
        else:
            entries.append(f"/{name}/")

    f.visititems(visit)
    if not entries:
        return "nothing (an empty file)"
    more = f", ... and {len(entries) - limit} more" if len(entries) > limit else ""
    return ", ".join(entries[:limit]) + more


def _truth_table(truths, n_c2: int) -> pd.DataFrame:
    """One row per map from dict-likes, dataclasses, a structured array or a DataFrame."""
    if truths is None:
        table = pd.DataFrame(index=range(n_c2))
    elif isinstance(truths, pd.DataFrame):
        table = truths.reset_index(drop=True)
    elif isinstance(truths, np.ndarray) and truths.dtype.names:
        table = pd.DataFrame.from_records(truths)
    else:
        table = pd.DataFrame.from_records([_as_dict(record) for record in truths])
    if len(table) != n_c2:
        raise ValueError(f"truths must hold one record per C2 map ({n_c2}), got {len(table)}")
    return table


def _as_dict(record) -> dict:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    if isinstance(record, Mapping):
        return dict(record)
    raise ValueError(
        f"each truth record must be a mapping or a dataclass, got {type(record).__name__}"
    )


def _experiment_and_truth(truth: pd.DataFrame, experiment_key: str | None) -> pd.DataFrame:
    """``truth`` with an ``experiment_id`` column first; reject clashing field names."""
    if experiment_key is None:
        experiment = [f"c2_{index:05d}" for index in range(len(truth))]
    elif experiment_key not in truth.columns:
        raise KeyError(
            f"experiment_key {experiment_key!r} is not a truth field; the fields are "
            f"{list(truth.columns)} (pass experiment_key=None to make each map its own "
            "experiment)"
        )
    else:
        experiment = truth[experiment_key].tolist()
    if experiment_key == "experiment_id":
        truth = truth.drop(columns="experiment_id")
    clashes = [str(name) for name in truth.columns if name in CROP_COLUMNS]
    if clashes:
        raise ValueError(
            f"truth fields {clashes} clash with the store's own columns {list(CROP_COLUMNS)}; "
            "rename them"
        )
    return pd.concat([pd.DataFrame({"experiment_id": experiment}), truth], axis=1)


def _plain(value):
    """HDF5 attribute -> plain Python value (numpy scalars and bytes unwrapped)."""
    if isinstance(value, bytes):
        return value.decode()
    return value.item() if isinstance(value, np.generic) else value


def _check_positive_int(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


# --------------------------------------------------------------------------- split


def split_by_experiment(
    metadata: pd.DataFrame,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    *,
    seed: int,
    group_column: str = "experiment_id",
) -> dict[str, np.ndarray]:
    """Split crops into train / validation / test, whole experiments at a time.

    Crops of one experiment (its ROIs, its time windows, the two crops of one map)
    are near copies of each other; one in training and another in the test set would
    make the test score a memory test. So the experiments, in an order shuffled by
    ``seed``, are dealt one by one to the split furthest below its share of crops.
    The shares come out right to within about one experiment's crops.

    Parameters
    ----------
    metadata : DataFrame, one row per crop
    fractions : (3,) floats >= 0 summing to 1
        Shares of crops for train, validation and test.
    seed : int
    group_column : str
        The column naming each crop's experiment.

    Returns
    -------
    split : dict
        ``{"train": rows, "validation": rows, "test": rows}``, each a sorted int64
        array of row positions in ``metadata``; every row is in exactly one.
    """
    shares = _check_fractions(fractions)
    if group_column not in metadata.columns:
        raise KeyError(
            f"group_column {group_column!r} is not a metadata column; the columns are "
            f"{list(metadata.columns)}"
        )
    groups = metadata[group_column]
    if groups.isna().any():
        raise ValueError(f"metadata column {group_column!r} has missing values")
    _, group_of_row, group_sizes = np.unique(
        groups.to_numpy(), return_inverse=True, return_counts=True
    )
    targets = shares * len(metadata)
    filled = np.zeros(len(SPLIT_NAMES))
    split_of_group = np.empty(len(group_sizes), dtype=np.int64)
    for group in np.random.default_rng(seed).permutation(len(group_sizes)):
        shortfall = np.where(shares > 0, targets - filled, -np.inf)
        split_of_group[group] = np.argmax(shortfall)
        filled[split_of_group[group]] += group_sizes[group]
    split_of_row = split_of_group[group_of_row]
    split = {name: np.flatnonzero(split_of_row == i) for i, name in enumerate(SPLIT_NAMES)}
    empty = [name for name, share in zip(SPLIT_NAMES, shares) if share > 0 and not len(split[name])]
    if empty:
        warnings.warn(
            f"splits {empty} got no crops: {len(group_sizes)} experiments are too few for "
            f"fractions {tuple(fractions)}",
            stacklevel=2,
        )
    return split


def _check_fractions(fractions) -> np.ndarray:
    shares = np.asarray(fractions, dtype=np.float64)
    if shares.shape != (3,) or (shares < 0).any() or not np.isclose(shares.sum(), 1.0):
        raise ValueError(
            f"fractions must be three numbers >= 0 (train, validation, test) summing to 1, "
            f"got {fractions!r}"
        )
    return shares


# --------------------------------------------------------------------- augmentation


def wrap_shift(crop: np.ndarray, shift: int) -> np.ndarray:
    """Shift a crop ``shift`` steps down its diagonal, wrapping around (the paper's way).

    Every pixel moves ``shift`` rows down and ``shift`` columns right; what falls off
    the bottom / right edge comes back at the top / left. This is ``np.roll`` on both
    axes, and equals ``scipy.ndimage.shift(crop, (shift, shift), mode="grid-wrap")``.
    (The upstream AI-NERD code called ``mode="wrap"``, which in scipy treats the first
    and last samples as the same point: for 0 < s < S-1 it drops the crop's last row
    and column and repeats row and column S-1-s.)

    What survives and what does not: the same shift on both axes keeps a symmetric crop
    symmetric and keeps the t1 = t2 line on the diagonal (new diagonal = the old one
    rolled), so the result still looks like a two-time map. It is a patchwork, though.
    The lower-right (S-s) x (S-s) block is the original's upper-left block, the
    upper-left s x s block is the original's lower-right corner, and the two
    off-diagonal blocks pair the *end* of the window with its *start*, frames S-s
    apart in reality drawn as neighbours. At the seam point (s, s) pixels just off the
    diagonal carry long-lag correlations, so the bright ridge along the diagonal is
    pinched there, and ageing or a jump in the dynamics shows as a step.

    Parameters
    ----------
    crop : (S, S)
    shift : int
        Frames; any integer (taken modulo S).

    Returns
    -------
    shifted : (S, S), a new array
    """
    return np.roll(crop, (shift, shift), axis=(0, 1))


def shift_table(n_crops: int, factor: int, crop_size: int, seed: int) -> np.ndarray:
    """The diagonal shifts of every augmented copy, drawn once from ``seed``.

    Row k lists the shifts of the ``factor`` copies of crop k: 0 for copy 0 (the crop
    itself), then ``factor - 1`` distinct shifts from 1 .. S-1, so no copy repeats
    another. The row depends only on (seed, k), not on which crops a split uses.

    Returns
    -------
    shifts : int64 (n_crops, factor)
    """
    if not 1 <= factor <= crop_size:
        raise ValueError(
            f"factor must be between 1 and crop_size={crop_size} (one copy per distinct "
            f"shift), got {factor!r}"
        )
    rng = np.random.default_rng(seed)
    # A random permutation of 1 .. S-1 per crop; keep the first factor-1.
    permutations = np.argsort(rng.random((n_crops, crop_size - 1)), axis=1) + 1
    shifts = np.zeros((n_crops, factor), dtype=np.int64)
    shifts[:, 1:] = permutations[:, : factor - 1]
    return shifts


class AugmentedCropDataset(Dataset):
    """Crops times ``factor`` diagonal-shifted copies, made when asked for, never stored.

    Item ``i`` is copy ``i % factor`` of crop ``indices[i // factor]``; copy 0 is the
    crop itself, copy j its shift by ``shifts[crop, j]`` frames (see
    :func:`shift_table`). The same seed gives the same items in any order, in any
    worker process.

    Two ways to shift:

    * ``mode="wrap"`` (default, the paper's): roll the stored crop, see
      :func:`wrap_shift` for what that does to the physics (a seam).
    * ``mode="diagonal"``: cut a fresh crop from the large map at ``offset - s``
      (modulo the T-S+1 possible offsets) and scale it again. It shows the same frames
      as the wrapped copy's lower-right block, without the seam. Needs the large maps
      (``build_crop_store(..., keep_source=True)`` and :func:`load_source_c2`).

    Parameters
    ----------
    crops : array-like float32 (N, S, S)
        Scaled crops, e.g. from :func:`load_crop_store`.
    indices : sequence of int, optional
        The crops to use (e.g. one split); default all.
    seed : int
        Draws the shift table.
    factor : int
        Copies per crop, the original included (the paper: 100); at most S.
    mode : {"wrap", "diagonal"}
    source_c2 : sequence of (T, T), optional
        The large maps by ``c2_index``; needed for ``mode="diagonal"``.
    metadata : DataFrame, optional
        The store's metadata (``c2_index``, ``crop_offset``); needed for ``"diagonal"``.
    return_info : bool
        Also return ``{"crop": crop index, "shift": frames}`` with each image.

    Items
    -----
    image : torch.float32 (1, S, S) in [0, 1]
    info : dict, only with ``return_info=True``
    """

    def __init__(
        self,
        crops,
        indices=None,
        *,
        seed: int,
        factor: int = AUGMENT_FACTOR,
        mode: str = "wrap",
        source_c2=None,
        metadata: pd.DataFrame | None = None,
        return_info: bool = False,
    ) -> None:
        shape = tuple(crops.shape) if hasattr(crops, "shape") else np.shape(crops)
        if len(shape) != 3 or shape[1] != shape[2]:
            raise ValueError(f"crops must have shape (N, S, S), got {shape}")
        n_crops, crop_size = shape[0], shape[1]
        _check_positive_int(factor, "factor")
        self.crops = crops
        self.crop_size = crop_size
        self.indices = self._checked_indices(indices, n_crops)
        self.factor = int(factor)
        self.shifts = shift_table(n_crops, self.factor, crop_size, seed)
        self.mode = mode
        self.return_info = return_info
        if mode == "diagonal":
            self._init_diagonal(source_c2, metadata, n_crops)
        elif mode != "wrap":
            raise ValueError(f"mode must be 'wrap' or 'diagonal', got {mode!r}")

    @staticmethod
    def _checked_indices(indices, n_crops: int) -> np.ndarray:
        if indices is None:
            return np.arange(n_crops)
        indices = np.asarray(indices)
        if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
            raise ValueError(f"indices must be a 1-D sequence of ints, got {indices!r}")
        if len(indices) and (indices.min() < 0 or indices.max() >= n_crops):
            raise ValueError(
                f"indices must lie in 0 .. {n_crops - 1}, got {indices.min()} .. {indices.max()}"
            )
        return indices

    def _init_diagonal(self, source_c2, metadata, n_crops: int) -> None:
        if source_c2 is None or metadata is None:
            raise ValueError("mode='diagonal' needs source_c2 (the large maps) and metadata")
        missing = {"c2_index", "crop_offset"} - set(metadata.columns)
        if missing or len(metadata) != n_crops:
            raise ValueError(
                f"metadata must have {n_crops} rows with columns c2_index and crop_offset; "
                f"got {len(metadata)} rows, missing {sorted(missing)}"
            )
        self.c2_index = metadata["c2_index"].to_numpy()
        self.crop_offset = metadata["crop_offset"].to_numpy()
        if self.c2_index.max() >= len(source_c2):
            raise ValueError(
                f"source_c2 holds {len(source_c2)} maps, metadata refers to map "
                f"{self.c2_index.max()}"
            )
        self.source_c2 = source_c2

    def __len__(self) -> int:
        return len(self.indices) * self.factor

    def locate(self, item: int) -> tuple[int, int]:
        """(crop index, shift in frames) of item ``item``."""
        if not 0 <= item < len(self):
            raise IndexError(f"item {item} out of range 0 .. {len(self) - 1}")
        crop_index = int(self.indices[item // self.factor])
        return crop_index, int(self.shifts[crop_index, item % self.factor])

    def image(self, crop_index: int, shift: int) -> np.ndarray:
        """Crop ``crop_index`` shifted by ``shift`` frames, float32 (S, S) in [0, 1]."""
        if shift == 0:
            return np.array(self.crops[crop_index], dtype=np.float32)
        if self.mode == "wrap":
            return wrap_shift(np.asarray(self.crops[crop_index], dtype=np.float32), shift)
        c2 = self.source_c2[self.c2_index[crop_index]]
        n_positions = len(c2) - self.crop_size + 1
        offset = (int(self.crop_offset[crop_index]) - shift) % n_positions
        return minmax_scale(diagonal_crop(c2, offset, self.crop_size))[0]

    def __getitem__(self, item: int):
        crop_index, shift = self.locate(item)
        image = torch.from_numpy(self.image(crop_index, shift)).unsqueeze(0)
        if self.return_info:
            return image, {"crop": crop_index, "shift": shift}
        return image
