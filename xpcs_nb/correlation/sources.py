"""Frame stacks on disk, read a block of frames at a time: HDF5 datasets, ``.npy`` and raw files.

A detector series rarely fits in memory (a Lambda 750k, 5,000 uint16 frames: 7.5 GB).
:func:`open_frames` returns a :class:`FrameSource`: the stack's ``shape (T, H, W)`` and
``dtype``, and :meth:`FrameSource.read` ``(t0, t1) -> (t1 - t0, H, W)`` array, the
only thing a correlator asks of it.  :func:`xpcs_nb.correlation.two_time` takes one
in place of an array and holds only two blocks of frames at a time.

- an HDF5 dataset (h5py) is read with a slice, ``dataset[t0:t1]``; the file is opened
  for each block, so no handle stays open between calls;
- a ``.npy`` file or a raw binary file (C order, no header) is read through a memory
  map of just the block's bytes, copied out and unmapped at once: pages of the file
  never pile up in the process's resident memory.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "stack.npy")
>>> np.save(path, np.arange(24, dtype=np.uint16).reshape(4, 2, 3))
>>> source = open_frames(path)
>>> source.shape, source.dtype
((4, 2, 3), dtype('uint16'))
>>> source.read(1, 3)[:, 0, 0].tolist()  # frames 1 and 2, pixel (0, 0)
[6, 12]
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from xpcs_nb.validation import check_int

__all__ = ["FrameSource", "open_frames"]


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
    """Frames in an HDF5 dataset of shape (T, H, W) (``dataset`` is its name in the file)."""

    def __init__(self, path, dataset: str) -> None:
        import h5py

        self.path = Path(path)
        self.dataset = dataset
        with h5py.File(self.path, "r") as fh:
            if dataset not in fh:
                raise ValueError(f"dataset: {dataset!r} is not in {self.path} (it holds {sorted(fh.keys())})")
            d = fh[dataset]
            self.shape = _check_stack_shape(d.shape, f"{self.path}[{dataset!r}]")
            self.dtype = _check_stack_dtype(d.dtype, f"{self.path}[{dataset!r}]")

    def _read(self, t0: int, t1: int) -> np.ndarray:
        import h5py

        with h5py.File(self.path, "r") as fh:
            return fh[self.dataset][t0:t1]


class MappedFrames(FrameSource):
    """Frames in a ``.npy`` file or a raw C-ordered binary file, read through a memory map.

    ``offset`` is where frame 0 starts (the ``.npy`` header's length; 0 for a raw file).
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
        ``.h5`` / ``.hdf5`` / ``.hdf`` / ``.nxs``: an HDF5 file (``dataset`` names the
        (T, H, W) dataset); ``.npy``: a numpy file (C order); anything else: a raw
        binary file of C-ordered frames, which needs ``dtype`` and ``shape``.
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
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".h5", ".hdf5", ".hdf", ".nxs"):
        if dataset is None:
            raise ValueError(f"dataset: an HDF5 file ({path}) needs the name of its (T, H, W) dataset, got None")
        return HDF5Frames(path, dataset)
    if dataset is not None:
        raise ValueError(f"dataset is only for HDF5 files, got {dataset!r} for {path}")
    if suffix == ".npy":
        if dtype is not None or shape is not None:
            raise ValueError(f"dtype and shape come from the header of {path}; pass neither")
        header = np.load(path, mmap_mode="r")  # reads the header only; no data is touched
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

