"""Writing APS 8-ID-I result files (for tests, and for C2 computed here)."""

from __future__ import annotations

from collections.abc import Sequence

import h5py
import numpy as np

from ..atomic import atomic_path
from ..validation import check_array, check_choice
from .maps import _checked_symmetric
from .read import LAYOUTS, QMAP


def write_aps_result(
    path,
    c2s: Sequence,
    *,
    layout: str = "new",
    q: Sequence[float] | None = None,
    phi: Sequence[float] | None = None,
) -> None:
    """Write maps as an APS 8-ID-I result file would hold them (for tests and examples).

    Only the upper triangle of each map is stored (zeros below), as boost_corr does;
    the file is written atomically.

    Parameters
    ----------
    path : str or Path
    c2s : sequence of (T, T) symmetric maps
        ROI 1, 2, ... in order.
    layout : {"new", "legacy"}
    q, phi : sequences of float, optional
        Each map's q (nm^-1; stored as 1/A) and azimuth (degrees); give both or neither.
        For the new layout the (q, phi) pairs must be distinct (they form a grid).
    """
    layout = check_choice(layout, "layout", sorted(LAYOUTS))
    maps = [_checked_symmetric(c2, f"c2s[{index}]") for index, c2 in enumerate(c2s)]
    if not maps:
        raise ValueError("c2s must hold at least one map, got none")
    if (q is None) != (phi is None):
        raise ValueError("give q and phi together (one value per map), or neither")
    group, prefix, bins_key = LAYOUTS[layout]
    rois = np.arange(1, len(maps) + 1)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        for roi, c2 in zip(rois, maps):
            f.create_dataset(f"{group}/{prefix}{roi:05d}", data=np.triu(c2))
        f[bins_key] = rois
        if q is not None:
            q, phi = _per_map(q, len(maps), "q"), _per_map(phi, len(maps), "phi")
            (_write_qmap_new if layout == "new" else _write_qmap_legacy)(f, q, phi)


def _write_qmap_new(f: h5py.File, q: np.ndarray, phi: np.ndarray) -> None:
    q_list, q_index = np.unique(q, return_inverse=True)
    phi_list, phi_index = np.unique(phi, return_inverse=True)
    flat = q_index * len(phi_list) + phi_index
    if len(np.unique(flat)) != len(flat):
        raise ValueError("the (q, phi) pairs of the maps must be distinct in the new layout")
    f[f"{QMAP}/dynamic_v_list_dim0"] = q_list / 10.0  # 1/nm -> 1/A
    f[f"{QMAP}/dynamic_v_list_dim1"] = phi_list
    f[f"{QMAP}/dynamic_index_mapping"] = flat
    f[f"{QMAP}/map_names"] = np.array([b"q", b"phi"])
    f[f"{QMAP}/map_units"] = np.array([b"1/A", b"degree"])


def _write_qmap_legacy(f: h5py.File, q: np.ndarray, phi: np.ndarray) -> None:
    f["xpcs/dqlist"] = (q / 10.0)[np.newaxis]  # 1/nm -> 1/A, shape (1, n_bins)
    f["xpcs/dphilist"] = phi[np.newaxis]


def _per_map(values, n_maps: int, name: str) -> np.ndarray:
    values = check_array(values, name, kind="real", dtype=np.float64)
    if values.shape != (n_maps,):
        raise ValueError(f"{name} must hold one value per map ({n_maps}), got shape {values.shape}")
    return values
