"""The paper's x100 augmentation: copies of each crop shifted along its diagonal, made lazily.

The paper's 400,000 augmented crops would take 104 GB as float32; the 4000 crops they
come from take 1 GB. :class:`AugmentedCropDataset` makes each shifted copy when a
torch ``DataLoader`` asks for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from ..validation import check_array, check_bool, check_choice, check_int, check_seed
from .crops import _diagonal_crop, _minmax_scale
from .mapped import MappedArray

__all__ = ["AUGMENT_FACTOR", "AugmentedCropDataset", "shift_table", "wrap_shift"]

AUGMENT_FACTOR = 100  # the paper's augmentation: 4000 crops -> 400,000 images
MODES = ("wrap", "diagonal")


def wrap_shift(crop, shift: int) -> np.ndarray:
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

    >>> wrap_shift(np.arange(9).reshape(3, 3), 1)
    array([[8, 6, 7],
           [2, 0, 1],
           [5, 3, 4]])
    """
    crop = check_array(crop, "crop", ndim=2, kind="real")
    return _wrap_shift(crop, check_int(shift, "shift"))


def _wrap_shift(crop: np.ndarray, shift: int) -> np.ndarray:
    return np.roll(crop, (shift, shift), axis=(0, 1))


def shift_table(n_crops: int, factor: int, crop_size: int, seed: int) -> np.ndarray:
    """The diagonal shifts of every augmented copy, drawn once from ``seed``.

    Row k lists the shifts of the ``factor`` copies of crop k: 0 for copy 0 (the crop
    itself), then ``factor - 1`` distinct shifts from 1 .. S-1, so no copy repeats
    another. The row depends only on (seed, k), not on which crops a split uses.

    Returns
    -------
    shifts : int64 (n_crops, factor)

    >>> shift_table(2, 3, 8, seed=0)
    array([[0, 4, 3],
           [0, 5, 7]])
    """
    n_crops = check_int(n_crops, "n_crops", minimum=0)
    crop_size = check_int(crop_size, "crop_size", minimum=1)
    factor = check_int(factor, "factor", minimum=1, maximum=crop_size,
                       context=f" (crop_size={crop_size}; one copy per distinct shift)")
    seed = check_seed(seed)
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
      (``build_crop_store(..., keep_source=True)`` and ``load_source_c2``).

    Crops memory-mapped from a store (``load_crop_store``) are reopened in each
    ``DataLoader`` worker; a store rebuilt in the meantime raises
    ``StoreRebuiltError`` there rather than mixing new crops with old metadata.

    Parameters
    ----------
    crops : array-like float32 (N, S, S)
        Scaled crops, e.g. from ``load_crop_store``.
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

    >>> data = AugmentedCropDataset(np.random.default_rng(0).random((2, 8, 8)), seed=0, factor=3)
    >>> len(data), tuple(data[4].shape), data.locate(4)
    (6, (1, 8, 8), (1, 5))
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
        if not isinstance(crops, MappedArray):
            crops = check_array(crops, "crops", kind="real")
        # A mapped store's values are not checked: that would read it whole, and
        # build_crop_store wrote only finite crops scaled to [0, 1].
        shape = tuple(crops.shape)
        if len(shape) != 3 or shape[1] != shape[2]:
            raise ValueError(f"crops must have shape (N, S, S), got {shape}")
        n_crops, crop_size = shape[0], shape[1]
        self.factor = check_int(factor, "factor", minimum=1)
        self.mode = check_choice(mode, "mode", MODES)
        self.return_info = check_bool(return_info, "return_info")
        self.crops = crops
        self.crop_size = crop_size
        self.indices = self._checked_indices(indices, n_crops)
        self.shifts = shift_table(n_crops, self.factor, crop_size, seed)
        if mode == "diagonal":
            self._init_diagonal(source_c2, metadata, n_crops)

    @staticmethod
    def _checked_indices(indices, n_crops: int) -> np.ndarray:
        if indices is None:
            return np.arange(n_crops)
        indices = check_array(indices, "indices", ndim=1, kind="integer", min_size=0)
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
        item = check_int(item, "item")
        if not 0 <= item < len(self):
            raise IndexError(f"item {item} out of range 0 .. {len(self) - 1}")
        crop_index = int(self.indices[item // self.factor])
        return crop_index, int(self.shifts[crop_index, item % self.factor])

    def image(self, crop_index: int, shift: int) -> np.ndarray:
        """Crop ``crop_index`` shifted by ``shift`` frames, float32 (S, S) in [0, 1]."""
        crop_index = check_int(crop_index, "crop_index", minimum=0, maximum=len(self.shifts) - 1)
        shift = check_int(shift, "shift")
        if shift == 0:
            return np.array(self.crops[crop_index], dtype=np.float32)
        if self.mode == "wrap":
            return _wrap_shift(np.asarray(self.crops[crop_index], dtype=np.float32), shift)
        c2 = self.source_c2[self.c2_index[crop_index]]
        n_positions = len(c2) - self.crop_size + 1
        offset = (int(self.crop_offset[crop_index]) - shift) % n_positions
        return _minmax_scale(_diagonal_crop(c2, offset, self.crop_size))[0]

    def __getitem__(self, item: int):
        crop_index, shift = self.locate(item)
        image = torch.from_numpy(self.image(crop_index, shift)).unsqueeze(0)
        if self.return_info:
            return image, {"crop": crop_index, "shift": shift}
        return image
