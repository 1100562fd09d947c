"""Arrays on disk that a worker opens itself: ``.npy`` files and HDF5 datasets.

A Dask task is sent a path, never the array: the worker reads the file from a disk
it shares with the client (a cluster's file system), so the client never holds the
data and nothing large crosses the network.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "frames.npy")
>>> np.save(path, np.zeros((4, 2, 3), dtype=np.uint16))
>>> with open_array(path, ndim=3) as frames:
...     frames.shape, frames.dtype
((4, 2, 3), dtype('uint16'))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np

from xpcs_nb.validation import ArgumentTypeError, describe

__all__ = ["HDF5_SUFFIXES", "open_array", "check_paths"]

HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs")


@contextmanager
def open_array(path, dataset: str | None = None, ndim: int = 3) -> Iterator[np.ndarray | h5py.Dataset]:
    """The array stored at ``path``, read lazily, for the duration of a ``with`` block.

    Parameters
    ----------
    path : str or Path
        ``.npy`` (opened as a read-only memory map) or HDF5 (``.h5``, ``.hdf5``,
        ``.hdf``, ``.nxs``; the h5py dataset is yielded, read when sliced).
    dataset : str, optional
        The dataset's name inside an HDF5 file, e.g. ``"/entry/data/data"``; required
        for HDF5, refused for ``.npy``.
    ndim : int
        Dimensions the array must have: 3 for frames ``(T, H, W)`` and crops
        ``(N, S, S)``.

    Raises
    ------
    ValueError
        Naming the file: it does not exist, cannot be read (truncated, not a ``.npy``
        or HDF5 file inside), has another suffix, lacks the dataset, or the array has
        the wrong number of dimensions.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        if dataset is not None:
            raise ValueError(f"dataset is only for HDF5 files, got {dataset!r} for {path}")
        yield _checked(_unreadable_named(path, np.load, path, mmap_mode="r", allow_pickle=False), ndim, path)
    elif suffix in HDF5_SUFFIXES:
        if dataset is None:
            raise ValueError(f"dataset: an HDF5 file ({path}) needs the name of its array, got None")
        with _unreadable_named(path, h5py.File, path, "r") as f:
            if not isinstance(f.get(dataset), h5py.Dataset):
                raise ValueError(f"dataset: {path} has no dataset {dataset!r}")
            yield _checked(f[dataset], ndim, path)
    else:
        raise ValueError(f"path must end in .npy or one of {', '.join(HDF5_SUFFIXES)}, got {path}")


def _unreadable_named(path: Path, opener, *args, **kwargs):
    """``opener(*args, **kwargs)``; a file it cannot open (truncated, of another type): ValueError naming it."""
    try:
        return opener(*args, **kwargs)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{path} cannot be read, is it whole? ({type(error).__name__}: {error})") from error


def _checked(array, ndim: int, path: Path):
    if len(array.shape) != ndim:
        raise ValueError(f"{path} must hold a {ndim}-D array, got shape {tuple(array.shape)}")
    return array


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
