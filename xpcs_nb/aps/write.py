"""Writing APS 8-ID-I result files (for tests, and for C2 computed here).

Memory: each map is checked and written in blocks of rows, so writing costs a few
MiB beyond the maps themselves, however long they are (``np.triu`` of a whole
12,000-frame map would be another 576 MB).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import h5py
import numpy as np

from ..atomic import atomic_path
from ..validation import check_array, check_choice
from .read import DETECTOR, LAYOUTS, QMAP

DARK_ATTRIBUTE = "frames_without_photons"  # per map and, summed, on the file
GEOMETRY_FIELDS = ("distance", "x_pixel_size", "wavelength", "beam_center", "frame_time")
_BLOCK_BYTES = 1 << 22  # rows checked / written at once: about 4 MiB (the checks make a few temporaries of it)


def write_aps_result(
    path,
    c2s: Sequence,
    *,
    layout: str = "new",
    q: Sequence[float] | None = None,
    phi: Sequence[float] | None = None,
    geometry: Mapping[str, object] | None = None,
) -> None:
    """Write maps as an APS 8-ID-I result file would hold them (for tests and examples).

    Only the upper triangle of each map is stored (zeros below), as boost_corr does;
    the file is written atomically.

    Parameters
    ----------
    path : str or Path
    c2s : sequence of (T, T) symmetric maps
        ROI 1, 2, ... in order. NaN is allowed on the diagonal, and off it only as
        whole rows and columns: the frames in which an ROI caught no photon, which
        :func:`xpcs_nb.correlation.two_time` leaves NaN in the ratio form. Their
        number is stored as the attribute ``frames_without_photons`` of each map's
        dataset, and summed over the maps on the file.
    layout : {"new", "legacy"}
    q, phi : sequences of float, optional
        Each map's q (nm^-1; stored as 1/A) and azimuth (degrees); give both or neither.
        For the new layout the (q, phi) pairs must be distinct (they form a grid).
    geometry : mapping, optional
        Any of ``distance`` (m), ``x_pixel_size`` (m), ``wavelength`` (m),
        ``beam_center`` ((row, col) pixels) and ``frame_time`` (s), written NeXus-style
        under ``/entry/instrument/detector`` (where chapter 7's frame files keep them).

    >>> import tempfile, pathlib
    >>> c2 = np.full((4, 4), 1.1)
    >>> c2[2, :] = c2[:, 2] = np.nan  # frame 2 without any photon
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.h5"
    >>> write_aps_result(path, [c2], geometry={"frame_time": 0.01})
    >>> with h5py.File(path, "r") as f:
    ...     int(f.attrs["frames_without_photons"]), float(f["entry/instrument/detector/frame_time"][()])
    (1, 0.01)
    """
    layout = check_choice(layout, "layout", sorted(LAYOUTS))
    maps = [check_array(c2, f"c2s[{index}]", ndim=2, kind="real", finite=False) for index, c2 in enumerate(c2s)]
    if not maps:
        raise ValueError("c2s must hold at least one map, got none")
    if (q is None) != (phi is None):
        raise ValueError("give q and phi together (one value per map), or neither")
    if q is not None:
        q, phi = _per_map(q, len(maps), "q"), _per_map(phi, len(maps), "phi")
    fields = _geometry_fields(geometry)
    dark = [_checked_dark_frames(c2, f"c2s[{index}]") for index, c2 in enumerate(maps)]  # before any write
    group, prefix, bins_key = LAYOUTS[layout]
    rois = np.arange(1, len(maps) + 1)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        for roi, c2, n_dark in zip(rois, maps, dark):
            dataset = f.create_dataset(f"{group}/{prefix}{roi:05d}", shape=c2.shape, dtype=c2.dtype)
            _write_upper(dataset, c2)
            dataset.attrs[DARK_ATTRIBUTE] = n_dark
        f.attrs[DARK_ATTRIBUTE] = int(sum(dark))
        f[bins_key] = rois
        if q is not None:
            (_write_qmap_new if layout == "new" else _write_qmap_legacy)(f, q, phi)
        for name, value in fields.items():
            f[f"{DETECTOR}/{name}"] = value


def _rows_per_block(c2: np.ndarray) -> int:
    return max(1, _BLOCK_BYTES // max(1, c2.shape[1] * c2.itemsize))


def _write_upper(dataset: h5py.Dataset, c2: np.ndarray) -> None:
    """``dataset[:] = np.triu(c2)``, a block of rows at a time."""
    step = _rows_per_block(c2)
    for i0 in range(0, len(c2), step):
        dataset[i0:i0 + step] = np.triu(c2[i0:i0 + step], k=i0)  # row i keeps columns j >= i


def _checked_dark_frames(c2: np.ndarray, name: str) -> int:
    """Check one map (square, symmetric, NaN only as whole rows and columns); its dark frames.

    A dark frame is a row whose off-diagonal values are all NaN (with its column, by
    symmetry). Checked in blocks of rows, so no full-size temporary is made.
    """
    n = c2.shape[0]
    if c2.shape != (n, n) or n < 1:
        raise ValueError(f"{name} must be a square (T, T) map, got shape {c2.shape}")
    step = _rows_per_block(c2)
    nan_count = np.zeros(n, dtype=np.int64)
    infinite = 0
    for i0 in range(0, n, step):
        block = c2[i0:i0 + step]
        mirror = c2[:, i0:i0 + step].T
        if not np.allclose(block, mirror, equal_nan=True):
            if c2.dtype.kind == "f" and np.any(np.isnan(block) != np.isnan(mirror)):
                row, col = (int(i) for i in np.argwhere(np.isnan(block) != np.isnan(mirror))[0])
                raise ValueError(f"{name} must be finite off the diagonal, except whole rows and columns of "
                                 f"frames without photons; ({i0 + row}, {col}) and its mirror differ in NaN")
            raise ValueError(f"{name} must be symmetric: only its upper triangle is written "
                             f"(rows {i0}..{i0 + len(block) - 1} differ from their columns)")
        if c2.dtype.kind == "f":
            nan_count[i0:i0 + len(block)] = np.isnan(block).sum(axis=1)
            infinite += int(np.isinf(block).sum())
    if infinite:
        raise ValueError(f"{name} must be finite off its dark frames; {infinite} values are inf")
    off_diagonal = nan_count - (np.isnan(np.diagonal(c2)) if c2.dtype.kind == "f" else 0)
    dark = off_diagonal == n - 1 if n > 1 else np.zeros(1, dtype=bool)
    k = int(dark.sum())
    expected = n * (n - 1) - (n - k) * (n - k - 1)  # off-diagonal cells in a dark row or column
    if int(off_diagonal.sum()) != expected:
        first = int(np.flatnonzero((off_diagonal > 0) & ~dark)[0])
        raise ValueError(f"{name} must be finite off the diagonal, except whole rows and columns of frames "
                         f"without photons; row {first} holds {int(off_diagonal[first])} NaN values of {n - 1}")
    return k


def _geometry_fields(geometry) -> dict[str, np.ndarray]:
    if geometry is None:
        return {}
    unknown = sorted(set(geometry) - set(GEOMETRY_FIELDS))
    if unknown:
        raise ValueError(f"geometry must name only {', '.join(GEOMETRY_FIELDS)}, got {unknown}")
    shapes = {"beam_center": (2,)}
    return {name: check_array(value, f"geometry[{name!r}]", kind="real", shape=shapes.get(name, ()),
                              dtype=np.float64)
            for name, value in geometry.items() if value is not None}


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
