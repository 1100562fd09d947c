"""The chapter-2 dataset: diagonal crops of large C2 maps, scaled, stored and augmented.

The AI-NERD recipe (Horwath et al., Methods V C):

1. one large two-time map ``c2 (T, T)`` per ROI (the paper: T = 5000 frames);
2. ``crops_per_c2`` random ``S x S`` squares cut *along the diagonal*,
   ``c2[o:o+S, o:o+S]`` (the paper: two crops of 256 x 256), so each crop is itself a
   two-time map of the frames ``o .. o+S-1``;
3. each crop min-max scaled to [0, 1];
4. x100 augmentation by shifting the crops along the diagonal.

The files, one concept each:

- ``crops.py``: steps 2-3 for one map (:func:`check_c2`, :func:`diagonal_crop`,
  :func:`minmax_scale`, :func:`iter_crops`, ...);
- ``store.py``: :func:`build_crop_store` writes steps 2-3 for many maps into one HDF5
  file, :func:`load_crop_store` / :func:`load_source_c2` read it back;
- ``mapped.py``: :class:`MappedArray`, the memory map of the stored crops, which
  raises :class:`StoreRebuiltError` rather than read a store rebuilt under it;
- ``tables.py``, ``truth.py``: metadata tables in HDF5 and the truth joined to crops;
- ``split.py``: :func:`split_by_experiment`, train / validation / test;
- ``augment.py``: step 4, :class:`AugmentedCropDataset`, a torch ``Dataset`` that makes
  the shifted copies on the fly;
- ``seam.py``: :func:`seam_score`, how avalanche-like a crop looks (its band cut in two),
  which measures what the wrap-around shift does.

Metadata columns, one row per crop: ``experiment_id`` (the group the split keeps
together), ``c2_index`` (position of the source map in ``c2_list``), ``crop_offset``
(o above, in frames), ``c2_frames`` (T), ``crop_seed`` (the seed that chose the
offsets), ``raw_min`` / ``raw_max`` (the crop's range before scaling, to undo it), then
every field of the truth records.
"""

from .augment import AUGMENT_FACTOR, AugmentedCropDataset, shift_table, wrap_shift
from .crops import (
    CROP_SIZE,
    check_c2,
    crop_rng,
    cut_crops,
    diagonal_crop,
    iter_crops,
    minmax_scale,
    random_crop_offsets,
)
from .mapped import CONTENT_ID, MappedArray, StoreRebuiltError, new_content_id
from .seam import SEAM_LAGS, seam_profile, seam_score
from .split import SPLIT_NAMES, split_by_experiment
from .store import STORE_FORMAT, STORE_VERSION, build_crop_store, load_crop_store, load_source_c2
from .tables import describe_hdf5, read_table, write_table
from .truth import CROP_COLUMNS, join_truth, warn_if_constant

__all__ = [
    "AUGMENT_FACTOR",
    "SEAM_LAGS",
    "CROP_COLUMNS",
    "CROP_SIZE",
    "SPLIT_NAMES",
    "STORE_FORMAT",
    "STORE_VERSION",
    "AugmentedCropDataset",
    "MappedArray",
    "StoreRebuiltError",
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
    "seam_profile",
    "seam_score",
    "read_table",
    "shift_table",
    "split_by_experiment",
    "warn_if_constant",
    "wrap_shift",
    "CONTENT_ID",
    "new_content_id",
    "write_table",
]
