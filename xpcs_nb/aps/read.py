"""Reading APS 8-ID-I result files: the layout, the maps, each ROI's q and azimuth."""

from __future__ import annotations

import re

import h5py
import numpy as np
import pandas as pd

from ..dataset import describe_hdf5
from ..validation import check_bool, check_int
from .maps import _full_from_upper, diagonal_from_neighbours

# layout -> (group of the maps, name prefix of each map, dataset with each map's q-bin)
LAYOUTS = {
    "new": ("xpcs/twotime/correlation_map", "c2_", "xpcs/twotime/processed_bins"),
    "legacy": ("exchange/C2T_all", "g2_", "xpcs/qphi_bin_to_process"),
}
QMAP = "xpcs/qmap"
DETECTOR = "entry/instrument/detector"  # NeXus-style geometry and frame time (xpcs_nb.geometry.stored_geometry)
ANGSTROM_UNITS = {"1/a", "1/å", "a^-1", "å^-1", "a⁻¹", "å⁻¹", "1/angstrom"}
NANOMETRE_UNITS = {"1/nm", "nm^-1", "nm⁻¹"}


def detect_layout(f: h5py.File) -> str:
    """``"new"`` or ``"legacy"``; KeyError listing the file's contents when neither fits."""
    for layout, (group, _, _) in LAYOUTS.items():
        if group in f:
            return layout
    raise KeyError(
        f"{f.filename} holds no two-time maps: expected /{LAYOUTS['new'][0]}/c2_NNNNN (new "
        f"layout) or /{LAYOUTS['legacy'][0]}/g2_NNNNN (legacy). The file holds: "
        f"{describe_hdf5(f)}"
    )


def _rois_in(f: h5py.File, layout: str) -> list[int]:
    group, prefix, _ = LAYOUTS[layout]
    pattern = re.compile(rf"{prefix}(\d{{5}})")
    matches = (pattern.fullmatch(name) for name in f[group])
    return sorted(int(match.group(1)) for match in matches if match)


def list_rois(path) -> list[int]:
    """The 1-based ROI numbers of the maps in an APS result file, sorted."""
    with h5py.File(path, "r") as f:
        return _rois_in(f, detect_layout(f))


def read_c2(path, roi: int = 1, *, correct_diagonal: bool = False) -> np.ndarray:
    """Read the full symmetric two-time map of one ROI.

    Parameters
    ----------
    path : str or Path
        An APS 8-ID-I result file, either layout.
    roi : int
        1-based ROI number (the NNNNN of ``c2_NNNNN`` / ``g2_NNNNN``).
    correct_diagonal : bool
        Replace the diagonal as :func:`diagonal_from_neighbours` does.

    Returns
    -------
    c2 : float64 (T, T), symmetric; time runs down the rows and across the columns

    Raises
    ------
    KeyError
        No maps in the file (the message lists what it holds) or no map for ``roi``
        (the message lists the ROIs there are).
    ArgumentTypeError
        ``roi`` is not an integer (1.7 does not mean ROI 1).
    """
    roi = check_int(roi, "roi", minimum=1)
    correct_diagonal = check_bool(correct_diagonal, "correct_diagonal")
    with h5py.File(path, "r") as f:
        layout = detect_layout(f)
        group, prefix, _ = LAYOUTS[layout]
        name = f"{group}/{prefix}{roi:05d}"
        if name not in f:
            raise KeyError(
                f"{path} has no map for roi={roi} (/{name}); its ROIs are "
                f"{_rois_in(f, layout)}"
            )
        upper = f[name][()]
    if upper.ndim != 2 or upper.shape[0] != upper.shape[1]:
        raise ValueError(f"/{name} in {path} must be a square (T, T) map, got {upper.shape}")
    if _only_lower(upper):
        raise ValueError(f"/{name} in {path} holds values below the diagonal and zeros above it; APS files "
                         "store the upper triangle (read as half + half.T): write the map transposed")
    c2 = _full_from_upper(upper.astype(np.float64))
    return diagonal_from_neighbours(c2) if correct_diagonal else c2


def _only_lower(upper: np.ndarray, rows: int = 256) -> bool:
    """True when the strict upper triangle is all zero and the strict lower one is not (in row blocks)."""
    above = below = False
    for i0 in range(0, len(upper), rows):
        block = upper[i0:i0 + rows]
        above = above or bool(np.triu(block, k=i0 + 1).any())
        below = below or bool(np.tril(block, k=i0 - 1).any())
        if above:
            return False
    return below


# --------------------------------------------------------------- q and azimuth


def read_roi_table(path) -> pd.DataFrame:
    """Which q-bin, q and azimuth each map of an APS result file belongs to.

    Returns
    -------
    table : DataFrame, one row per ROI
        ``roi`` (1-based), ``bin`` (the dynamic q-bin, 1-based), ``q`` (nm^-1) and
        ``phi`` (degrees); q and phi are NaN where the file lacks the q-map.
    """
    with h5py.File(path, "r") as f:
        layout = detect_layout(f)
        rois = np.array(_rois_in(f, layout), dtype=np.int64)
        bins = _bins_of(f, layout, rois)
        q, phi = _q_phi_new(f, bins) if layout == "new" else _q_phi_legacy(f, bins)
    return pd.DataFrame({"roi": rois, "bin": bins, "q": q, "phi": phi})


def _bins_of(f: h5py.File, layout: str, rois: np.ndarray) -> np.ndarray:
    key = LAYOUTS[layout][2]
    if key not in f:
        return rois.copy()
    bins = np.ravel(f[key][()]).astype(np.int64)
    return _take(bins, rois - 1, f"/{key}")


def _q_phi_new(f: h5py.File, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dim0, dim1 = f"{QMAP}/dynamic_v_list_dim0", f"{QMAP}/dynamic_v_list_dim1"
    if dim0 not in f or dim1 not in f or not _is_q_phi_map(f):
        return np.full(len(bins), np.nan), np.full(len(bins), np.nan)
    q_list = np.ravel(f[dim0][()]) * _nm_per_file_q_unit(f)
    phi_list = np.ravel(f[dim1][()])
    mapping = f"{QMAP}/dynamic_index_mapping"
    flat = _take(np.ravel(f[mapping][()]), bins - 1, f"/{mapping}") if mapping in f else bins - 1
    q_index, phi_index = np.divmod(flat, len(phi_list))
    return _take(q_list, q_index, f"/{dim0}"), _take(phi_list, phi_index, f"/{dim1}")


def _q_phi_legacy(f: h5py.File, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if "xpcs/dqlist" not in f or "xpcs/dphilist" not in f:
        return np.full(len(bins), np.nan), np.full(len(bins), np.nan)
    q = _take(np.ravel(f["xpcs/dqlist"][()]), bins - 1, "/xpcs/dqlist") * 10.0  # 1/A -> 1/nm
    return q, _take(np.ravel(f["xpcs/dphilist"][()]), bins - 1, "/xpcs/dphilist")


def _is_q_phi_map(f: h5py.File) -> bool:
    """False when ``map_names`` says the two axes are not (q, phi), e.g. (x, y)."""
    key = f"{QMAP}/map_names"
    return key not in f or [_text(name) for name in f[key][()][:2]] == ["q", "phi"]


def _nm_per_file_q_unit(f: h5py.File) -> float:
    """10 for q in 1/A (the APS default when map_units is absent), 1 for 1/nm."""
    key = f"{QMAP}/map_units"
    if key not in f:
        return 10.0
    unit = _text(f[key][()][0]).strip().lower()
    if unit in ANGSTROM_UNITS:
        return 10.0
    if unit in NANOMETRE_UNITS:
        return 1.0
    raise ValueError(f"/{key} gives q in {unit!r}; expected 1/A or 1/nm")


def _take(values: np.ndarray, index: np.ndarray, name: str) -> np.ndarray:
    if len(index) and (index.min() < 0 or index.max() >= len(values)):
        raise ValueError(f"{name} has {len(values)} entries; the maps need index {index.max()}")
    return values[index]


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
