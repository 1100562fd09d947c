"""Two-time maps from APS 8-ID-I result files (and a writer of such files, for tests).

With :func:`aps_to_crops` a reader can bring beamline data to the chapter-2 model:
the file's maps are cut and scaled exactly as the training crops are.

Two layouts. What the reader expects was checked against the source code of the APS
programs that write and read these files (boost_corr, the 8-ID-I correlator, and
pyXpcsViewer, the beamline's viewer), *not* against a real beamline file::

    new layout (boost_corr's NeXus-style results)
    /xpcs/twotime/correlation_map/c2_NNNNN  (T, T) upper triangle with the diagonal,
                                            zeros below (boost_corr stores triu(c2))
    /xpcs/twotime/processed_bins            (n_roi,) the q-bin of map NNNNN is entry NNNNN-1
    /xpcs/qmap/dynamic_index_mapping        (n_bins,) bin b -> flat index in the (q, phi) grid
    /xpcs/qmap/dynamic_v_list_dim0          (n_q,) q of each ring
    /xpcs/qmap/dynamic_v_list_dim1          (n_phi,) azimuth of each sector, degrees
    /xpcs/qmap/map_names, map_units         e.g. [b"q", b"phi"], [b"1/A", b"degree"]

    legacy layout
    /exchange/C2T_all/g2_NNNNN              (T, T) upper triangle, as above
    /xpcs/qphi_bin_to_process               (n_roi,) the q-bin of each map (when present)
    /xpcs/dqlist, /xpcs/dphilist            (1, n_bins) q (1/A) and azimuth (deg) per bin

NNNNN is the 1-based ROI (map) number, zero-padded to five digits. Both APS programs
rebuild the full map as half + half.T with the diagonal counted once, as
:func:`read_c2` does. A flat grid index is q_index * n_phi + phi_index (pyXpcsViewer
labels its bins with q in the outer loop). Where a file lacks ``processed_bins`` /
``qphi_bin_to_process``, map NNNNN is taken as bin NNNNN; where it lacks
``dynamic_index_mapping``, bin b as flat index b - 1 (what third-party loaders
assume, unverified).

Units: q comes back in nm^-1, the unit of this package; APS files hold 1/A (x10).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from .atomic import atomic_path
from .dataset import CROP_SIZE, check_c2, describe_hdf5, iter_crops, join_truth, warn_if_constant
from .validation import check_array, check_bool, check_choice, check_int, check_seed, check_square_maps

__all__ = [
    "LAYOUTS",
    "aps_to_crops",
    "detect_layout",
    "diagonal_from_neighbours",
    "full_from_upper",
    "list_rois",
    "read_c2",
    "read_roi_table",
    "write_aps_result",
]

# layout -> (group of the maps, name prefix of each map, dataset with each map's q-bin)
LAYOUTS = {
    "new": ("xpcs/twotime/correlation_map", "c2_", "xpcs/twotime/processed_bins"),
    "legacy": ("exchange/C2T_all", "g2_", "xpcs/qphi_bin_to_process"),
}
QMAP = "xpcs/qmap"
ANGSTROM_UNITS = {"1/a", "1/å", "a^-1", "å^-1", "a⁻¹", "å⁻¹", "1/angstrom"}
NANOMETRE_UNITS = {"1/nm", "nm^-1", "nm⁻¹"}


# ------------------------------------------------------------------ reading maps


def full_from_upper(upper) -> np.ndarray:
    """The symmetric (T, T) map from its upper triangle (diagonal included).

    Whatever lies below the diagonal is ignored, so a file that stores the full map
    reads right too.

    >>> full_from_upper([[1, 2], [0, 3]])
    array([[1, 2],
           [2, 3]])
    """
    upper = _square_map(upper, "upper")
    return _full_from_upper(upper)


def _full_from_upper(upper: np.ndarray) -> np.ndarray:
    return np.triu(upper) + np.triu(upper, k=1).T


def diagonal_from_neighbours(c2: np.ndarray) -> np.ndarray:
    """A copy of ``c2 (T, T)`` whose diagonal is the mean of its nearest off-diagonal values.

    C2(t, t) correlates each frame with itself, photon shot noise included, so the
    diagonal stands above its neighbours; pyXpcsViewer replaces it this way for
    display. Not applied by default here: the paper's crops keep the raw diagonal
    (the published target crop has its maximum on it).

    >>> diagonal_from_neighbours([[9.0, 1.0, 0.0], [1.0, 9.0, 3.0], [0.0, 3.0, 9.0]]).diagonal()
    array([1., 2., 3.])
    """
    c2 = _square_map(c2, "c2")
    out = np.array(c2, dtype=np.float64)
    side = np.diagonal(out, offset=1)  # c2[t, t+1], T-1 values
    total = np.zeros(len(out))
    total[:-1] += side
    total[1:] += side
    count = np.full(len(out), 2.0)
    count[[0, -1]] = 1.0
    np.fill_diagonal(out, total / count)
    return out


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
    c2 = _full_from_upper(upper.astype(np.float64))
    return diagonal_from_neighbours(c2) if correct_diagonal else c2


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


# ----------------------------------------------------------------------- writing


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


def _square_map(c2, name: str) -> np.ndarray:
    """``c2`` as a square (T, T) array; NaN allowed on the diagonal only (as beamlines store it)."""
    c2 = check_array(c2, name, ndim=2, kind="real", finite=False)
    if c2.shape[0] != c2.shape[1]:
        raise ValueError(f"{name} must be a square (T, T) map, got shape {c2.shape}")
    return check_square_maps(c2, name, min_size=1, allow_nan_diagonal=True, dtype=None)


def _checked_symmetric(c2, name: str) -> np.ndarray:
    c2 = _square_map(c2, name)
    if not np.allclose(c2, c2.T, equal_nan=True):
        raise ValueError(f"{name} must be symmetric: only its upper triangle is written")
    return c2


def _per_map(values, n_maps: int, name: str) -> np.ndarray:
    values = check_array(values, name, kind="real", dtype=np.float64)
    if values.shape != (n_maps,):
        raise ValueError(f"{name} must hold one value per map ({n_maps}), got shape {values.shape}")
    return values


# ------------------------------------------------------------------------ crops


def aps_to_crops(
    path,
    *,
    seed: int,
    crop_size: int = CROP_SIZE,
    crops_per_c2: int = 2,
    rois: Sequence[int] | None = None,
    correct_diagonal: bool = False,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Crops of an APS result file, cut and scaled as the training crops are.

    Parameters
    ----------
    path : str or Path
    seed : int
        Chooses the crop offsets (the same way :func:`~xpcs_nb.dataset.build_crop_store`
        does, map by map).
    crop_size, crops_per_c2 : int
    rois : sequence of int, optional
        1-based ROI numbers to use; default all.
    correct_diagonal : bool
        See :func:`diagonal_from_neighbours`.

    Returns
    -------
    crops : float32 (n_rois * crops_per_c2, S, S), each scaled to [0, 1]
    metadata : DataFrame, one row per crop
        The crop-store columns (``experiment_id`` is the file's stem, ``c2_index`` the
        position in ``rois``) plus ``roi``, ``bin``, ``q`` (nm^-1), ``phi`` (deg) and
        ``source`` (the file).

    See Also
    --------
    To keep them in a crop store, pass the maps and the ROI table on::

        table = read_roi_table(path).assign(experiment_id=Path(path).stem)
        maps = [read_c2(path, roi) for roi in table["roi"]]
        build_crop_store(maps, table, "beamline.h5", seed=0)
    """
    seed = check_seed(seed)
    crop_size = check_int(crop_size, "crop_size", minimum=1)
    crops_per_c2 = check_int(crops_per_c2, "crops_per_c2", minimum=1)
    correct_diagonal = check_bool(correct_diagonal, "correct_diagonal")
    if rois is not None:
        rois = check_array(rois, "rois", ndim=1, kind="integer", minimum=1).tolist()
    path = Path(path)
    table = read_roi_table(path)
    if rois is not None:
        missing = sorted(set(rois) - set(table["roi"]))
        if missing:
            raise KeyError(f"{path} has no maps for rois {missing}; its ROIs are "
                           f"{table['roi'].tolist()}")
        table = table.set_index("roi").loc[list(rois)].reset_index()

    def maps():
        for roi in table["roi"]:
            c2 = read_c2(path, roi, correct_diagonal=correct_diagonal)
            yield check_c2(c2, crop_size, name=f"{path.name} roi {roi}")

    crops, tables = [], []
    for _, map_crops, map_table in iter_crops(
        maps(), seed=seed, crops_per_c2=crops_per_c2, crop_size=crop_size
    ):
        crops.append(map_crops)
        tables.append(map_table)
    truth = table.assign(experiment_id=path.stem, source=str(path))
    metadata = join_truth(pd.concat(tables, ignore_index=True), truth)
    warn_if_constant(metadata)
    return np.concatenate(crops), metadata
