"""Files the package reads: frame stacks, arrays of crops and two-time maps, by suffix.

One table, :data:`FILE_KINDS`, says what each suffix holds: ``.npy`` a numpy array,
``.h5`` / ``.hdf5`` / ``.hdf`` / ``.nxs`` an HDF5 file (a dataset inside it, or an
APS 8-ID-I result file). Three readers use it:

- :func:`open_frames`: a frame stack ``(T, H, W)`` as a :class:`FrameSource`, read a
  block of frames at a time (``read(t0, t1) -> (t1 - t0, H, W)``), so a series larger
  than memory can be correlated; a file of another suffix is read as raw C-ordered
  frames of a given ``dtype`` and ``shape``;
- :func:`open_array`: the stored array, read lazily inside a ``with`` block (a
  read-only memory map or an h5py dataset): what a Dask worker opens from a path;
- :func:`read_maps`: two-time maps ``(n_roi, T, T)`` and their ROI numbers, from a
  ``.npy`` array or an APS result file.

A ``.npy`` file is read with ``allow_pickle=False`` (a file that needs pickle is
refused, never executed); a file that cannot be read (truncated, of another type) is
named in the error. h5py and the APS reader are imported when first needed.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "stack.npy")
>>> np.save(path, np.arange(24, dtype=np.uint16).reshape(4, 2, 3))
>>> source = open_frames(path)
>>> source.shape, source.dtype
((4, 2, 3), dtype('uint16'))
>>> source.read(1, 3)[:, 0, 0].tolist()  # frames 1 and 2, pixel (0, 0)
[6, 12]
>>> with open_array(path, ndim=3) as stored:
...     stored[3, 1].tolist()
[21, 22, 23]
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from xpcs_nb.validation import ArgumentTypeError, check_array, check_int, describe

__all__ = ["FILE_KINDS", "HDF5_SUFFIXES", "file_kind", "FrameSource", "open_frames", "open_array", "read_maps",
           "check_paths"]

FILE_KINDS = {".npy": "npy", ".h5": "hdf5", ".hdf5": "hdf5", ".hdf": "hdf5", ".nxs": "hdf5"}
HDF5_SUFFIXES = tuple(suffix for suffix, kind in FILE_KINDS.items() if kind == "hdf5")
_KNOWN = f".npy or one of {', '.join(HDF5_SUFFIXES)}"


def file_kind(path) -> str | None:
    """``"npy"``, ``"hdf5"`` or None (another suffix), from the suffix of ``path`` in :data:`FILE_KINDS`.

    >>> file_kind("run.NXS"), file_kind("c2.npy"), file_kind("frames.bin")
    ('hdf5', 'npy', None)
    """
    return FILE_KINDS.get(Path(path).suffix.lower())


# ------------------------------------------------------------------ frame stacks, a block at a time


class FrameSource:
    """A stack of frames ``(T, H, W)`` read in blocks; subclasses implement :meth:`_read`."""

    shape: tuple[int, int, int]
    dtype: np.dtype

    def read(self, t0: int, t1: int) -> np.ndarray:
        """Frames ``t0 .. t1 - 1`` as a fresh C-ordered array ``(t1 - t0, H, W)``."""
        n = self.shape[0]
        t0 = check_int(t0, "t0", minimum=0, maximum=n)
        t1 = check_int(t1, "t1", minimum=t0, maximum=n, context=f" (t0 = {t0}, T = {n})")
        return np.ascontiguousarray(self._read(t0, t1))

    def _read(self, t0: int, t1: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, shape={self.shape}, dtype={self.dtype})"


class HDF5Frames(FrameSource):
    """Frames in an HDF5 dataset of shape (T, H, W), read with a slice; the file is opened per block."""

    def __init__(self, path, dataset: str) -> None:
        self.path = Path(path)
        self.dataset = dataset
        with _hdf5_dataset(self.path, dataset) as stored:
            self.shape = _check_stack_shape(stored.shape, f"{self.path}[{dataset!r}]")
            self.dtype = _check_stack_dtype(stored.dtype, f"{self.path}[{dataset!r}]")

    def _read(self, t0: int, t1: int) -> np.ndarray:
        with _hdf5_dataset(self.path, self.dataset) as stored:
            return stored[t0:t1]


class MappedFrames(FrameSource):
    """Frames in a ``.npy`` file or a raw C-ordered binary file, read through a memory map.

    ``offset`` is where frame 0 starts (the ``.npy`` header's length; 0 for a raw file).
    Each block is copied out and its map closed at once: pages of the file never pile
    up in the process's resident memory.
    """

    def __init__(self, path, dtype, shape, offset: int = 0) -> None:
        self.path = Path(path)
        self.dtype = _check_stack_dtype(dtype, str(self.path))
        self.shape = _check_stack_shape(shape, str(self.path))
        self.offset = int(offset)
        need = self.offset + int(np.prod(self.shape)) * self.dtype.itemsize
        size = os.path.getsize(self.path)
        if size < need:
            raise ValueError(f"{self.path} holds {size} bytes; shape {self.shape} of {self.dtype} after "
                             f"{self.offset} header bytes needs {need}")

    def _read(self, t0: int, t1: int) -> np.ndarray:
        h, w = self.shape[1:]
        if t1 == t0:
            return np.empty((0, h, w), self.dtype)
        frame_bytes = h * w * self.dtype.itemsize
        mapped = np.memmap(self.path, dtype=self.dtype, mode="r", offset=self.offset + t0 * frame_bytes,
                           shape=(t1 - t0, h, w))
        block = np.array(mapped)  # a copy in ordinary memory ...
        mapped._mmap.close()  # ... and the map's pages released now, not at garbage collection
        del mapped
        return block


def open_frames(path, dataset: str | None = None, *, dtype=None, shape=None) -> FrameSource:
    """A frame stack on disk as a :class:`FrameSource` (read a block of frames at a time).

    Parameters
    ----------
    path : str or Path
        An HDF5 file (``dataset`` names the (T, H, W) dataset); ``.npy``: a numpy file
        (C order); any other suffix: a raw binary file of C-ordered frames, which needs
        ``dtype`` and ``shape``.
    dataset : str, optional
        The dataset in an HDF5 file, e.g. ``"/entry/data/data"``.
    dtype, shape : optional
        Of a raw file: e.g. ``np.uint16`` and ``(T, H, W)``.

    Returns
    -------
    FrameSource
        ``.shape (T, H, W)``, ``.dtype``, ``.read(t0, t1) -> (t1 - t0, H, W)``.

    >>> open_frames("frames.bin")
    Traceback (most recent call last):
    ...
    ValueError: path: frames.bin does not exist
    """
    path, kind = _existing(path, dataset, raw=True)
    if kind == "hdf5":
        return HDF5Frames(path, dataset)
    if kind == "npy":
        if dtype is not None or shape is not None:
            raise ValueError(f"dtype and shape come from the header of {path}; pass neither")
        header = _npy_map(path)  # the header only; no data is touched
        file_shape, file_dtype, offset = header.shape, header.dtype, header.offset
        fortran = header.flags.f_contiguous and not header.flags.c_contiguous
        header._mmap.close()
        del header
        if fortran:
            raise ValueError(f"{path} is stored in Fortran order; frames must be C-ordered (T, H, W)")
        return MappedFrames(path, file_dtype, file_shape, offset)
    if dtype is None or shape is None:
        raise ValueError(f"a raw file ({path}) needs dtype and shape, got dtype={dtype!r}, shape={shape!r}")
    return MappedFrames(path, dtype, shape)


def _check_stack_shape(shape, where: str) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or shape[0] < 2 or min(shape) < 1:
        raise ValueError(f"frames in {where} must have shape (T, H, W) with T >= 2, got {shape}")
    return shape


def _check_stack_dtype(dtype, where: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind not in "uif" or dtype.itemsize > 8:
        raise ValueError(f"frames in {where} must hold integer or float counts, got dtype {dtype}")
    return dtype


# ------------------------------------------------------------------ whole arrays, read lazily


@contextmanager
def open_array(path, dataset: str | None = None, ndim: int | None = 3) -> Iterator:
    """The array stored at ``path``, read lazily, for the duration of a ``with`` block.

    Parameters
    ----------
    path : str or Path
        ``.npy`` (opened as a read-only memory map) or HDF5 (the h5py dataset is
        yielded, read when sliced).
    dataset : str, optional
        The dataset's name inside an HDF5 file, e.g. ``"/entry/data/data"``; required
        for HDF5, refused for ``.npy``.
    ndim : int or None
        Dimensions the array must have: 3 for frames ``(T, H, W)`` and crops
        ``(N, S, S)``; None takes any.

    Raises
    ------
    ValueError
        Naming the file: it does not exist, cannot be read (truncated, not a ``.npy``
        or HDF5 file inside), has another suffix, lacks the dataset, or the array has
        the wrong number of dimensions.

    >>> with open_array("frames.tif") as frames:
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: path: frames.tif does not exist
    """
    path, kind = _existing(path, dataset, raw=False)
    if kind == "npy":
        yield _checked_ndim(_npy_map(path), ndim, path)
    else:
        with _hdf5_dataset(path, dataset) as stored:
            yield _checked_ndim(stored, ndim, path)


def _checked_ndim(array, ndim: int, path: Path):
    if ndim is not None and len(array.shape) != ndim:
        raise ValueError(f"{path} must hold a {ndim}-D array, got shape {tuple(array.shape)}")
    return array


# ------------------------------------------------------------------ what every reader shares


def _existing(path, dataset, *, raw: bool) -> tuple[Path, str]:
    """``(path, kind)`` of an existing file; ``dataset`` given for HDF5 only; ``"raw"`` for another suffix if ``raw``."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: {path} does not exist")
    kind = file_kind(path)
    if kind is None and not raw:
        raise ValueError(f"path must end in {_KNOWN}, got {path}")
    if kind == "hdf5" and dataset is None:
        raise ValueError(f"dataset: an HDF5 file ({path}) needs the name of its array, e.g. '/entry/data/data', "
                         "got None")
    if kind != "hdf5" and dataset is not None:
        raise ValueError(f"dataset is only for HDF5 files, got {dataset!r} for {path}")
    return path, kind or "raw"


def _npy_map(path: Path) -> np.memmap:
    """The ``.npy`` file as a read-only memory map (no pickle); ValueError naming a file that is not whole."""
    return _unreadable_named(path, np.load, path, mmap_mode="r", allow_pickle=False)


@contextmanager
def _hdf5_dataset(path: Path, dataset: str):
    """The h5py dataset ``dataset`` of ``path``, open for a ``with`` block; ValueError naming what is wrong."""
    import h5py

    with _unreadable_named(path, h5py.File, path, "r") as fh:
        if not isinstance(fh.get(dataset), h5py.Dataset):
            raise ValueError(f"dataset: {path} has no dataset {dataset!r} (it holds {sorted(fh.keys())})")
        yield fh[dataset]


def _unreadable_named(path: Path, opener, *args, **kwargs):
    """``opener(*args, **kwargs)``; a file it cannot open (truncated, of another type): ValueError naming it."""
    try:
        return opener(*args, **kwargs)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{path} cannot be read, is it whole? ({type(error).__name__}: {error})") from error


def check_paths(paths) -> list[Path]:
    """``paths`` (a list of str or Path, at least one) as a list of Path.

    >>> check_paths("movie.npy")
    Traceback (most recent call last):
    ...
    xpcs_nb.validation.ArgumentTypeError: paths must be a list of file paths, got 'movie.npy' (str)
    """
    if isinstance(paths, (str, Path)) or not hasattr(paths, "__iter__"):
        raise ArgumentTypeError(f"paths must be a list of file paths, got {describe(paths)}")
    paths = list(paths)
    for index, path in enumerate(paths):
        if not isinstance(path, (str, Path)):
            raise ArgumentTypeError(f"paths[{index}] must be a str or Path, got {describe(path)}")
    if not paths:
        raise ValueError("paths must name at least one file, got an empty list")
    return [Path(path) for path in paths]


# ------------------------------------------------------------------ two-time maps


def read_maps(path) -> tuple[np.ndarray, list[int]]:
    """The two-time maps in ``path`` and their ROI numbers.

    Parameters
    ----------
    path : str or Path
        ``.npy``: one map ``(T, T)`` or a stack ``(n_roi, T, T)``, its ROIs numbered
        1 .. n_roi; HDF5: an APS result file (either layout, :mod:`xpcs_nb.aps`), every
        ROI it holds with its own number. The diagonal is read as stored; a removed
        (NaN) diagonal is filled later by :func:`xpcs_nb.prepare_crops`.

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
    kind = file_kind(path)
    if kind == "npy":
        maps = check_array(np.load(path, allow_pickle=False), f"the array in {path.name}", ndim=(2, 3),
                           kind="real", finite=False, dtype=np.float64)
        maps = maps[np.newaxis] if maps.ndim == 2 else maps
        if maps.shape[1] != maps.shape[2]:
            raise ValueError(f"the array in {path.name} must be a map (T, T) or a stack (n_roi, T, T), "
                             f"got shape {maps.shape}")
        return maps, list(range(1, len(maps) + 1))
    if kind == "hdf5":
        from xpcs_nb.aps import list_rois, read_c2  # the APS layouts (pandas, h5py): only for such a file

        rois = list_rois(path)
        if not rois:
            raise ValueError(f"{path.name} holds no two-time maps")
        return np.stack([read_c2(path, roi) for roi in rois]), rois
    raise ValueError(f"path must end in {_KNOWN}, got {path.name!r}")
