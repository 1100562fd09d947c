"""Arrays memory-mapped from an HDF5 file, which notice when the file was rebuilt.

A :class:`MappedArray` opens its file lazily, on first indexing, and again in every
process it is pickled to (a torch ``DataLoader`` worker). If the file was rebuilt in
between (same name, new crops), the bytes at the remembered position are the new
store's while the metadata loaded beside the array is the old one's. So every store
carries a random ``content_id`` attribute, written at build time; the map remembers
the id it was made from and refuses to open a file with another.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import h5py
import numpy as np

from ..validation import check_int

__all__ = ["CONTENT_ID", "MappedArray", "StoreRebuiltError", "new_content_id"]

CONTENT_ID = "content_id"  # the file attribute naming one build of a store


class StoreRebuiltError(RuntimeError):
    """The file behind a memory-mapped array was rebuilt after the array was made."""


def new_content_id() -> str:
    """A fresh id for one build of a store (32 hex digits, uuid4)."""
    return uuid.uuid4().hex


def read_content_id(f: h5py.File) -> str | None:
    """The ``content_id`` attribute of an open store; None for stores written without one."""
    value = f.attrs.get(CONTENT_ID)
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


class MappedArray:
    """A read-only array memory-mapped from a contiguous HDF5 dataset.

    Indexing reads straight from the file with ``numpy.memmap``, bypassing h5py, so it
    is fast and safe in torch ``DataLoader`` worker processes. Pickling keeps only the
    file name, the data's position and the store's content id: a worker started with
    ``spawn`` reopens the map instead of receiving a copy of the whole array, and
    raises :class:`StoreRebuiltError` if the file was rebuilt since.

    Attributes
    ----------
    path : Path
    offset : int
        Byte position of the data in the file.
    shape : tuple of int
    dtype : numpy.dtype
    content_id : str or None
        The store build this array belongs to; None skips the check.
    """

    def __init__(self, path, offset: int, shape: tuple[int, ...], dtype,
                 content_id: str | None = None) -> None:
        self.path = Path(path)
        self.offset = check_int(offset, "offset", minimum=0)
        self.shape = tuple(check_int(side, "shape entry", minimum=0) for side in shape)
        self.dtype = np.dtype(dtype)
        self.content_id = content_id
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
        return cls(Path(dataset.file.filename).resolve(), offset, dataset.shape, dataset.dtype,
                   content_id=read_content_id(dataset.file))

    def _mapped(self) -> np.ndarray:
        if self._array is None:
            # The id is read through the same open file that is mapped, so a rebuild
            # between the check and the mapping cannot slip through.
            with open(self.path, "rb") as stream:
                self._check_content_id(stream)
                self._array = np.memmap(stream, dtype=self.dtype, mode="r", offset=self.offset,
                                        shape=self.shape)
        return self._array

    def _check_content_id(self, stream) -> None:
        if self.content_id is None:
            return
        with h5py.File(stream, "r") as f:
            found = read_content_id(f)
        stream.seek(0)
        if found != self.content_id:
            raise StoreRebuiltError(
                f"{self.path} was rebuilt after this array was mapped from it (store id "
                f"{self.content_id}, the file now holds {found}): its crops no longer match "
                "the metadata loaded with them. Load the store again (load_crop_store) and "
                "make new datasets from it."
            )

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
