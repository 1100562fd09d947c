"""ROI maps: q-rings x azimuthal sectors, their nominal bounds and measured statistics.

Shapes: ``q_map (H, W)`` in nm^-1, ``azimuth_map (H, W)`` in degrees, ``labels (H, W)``
with 0 outside every ROI.  The q and azimuth maps live on
:class:`xpcs_nb.geometry.Detector` (``Detector.q_map()``, ``Detector.azimuth_map()``);
:func:`q_map` and :func:`azimuth_map` here only forward to them.
"""

from __future__ import annotations

import numpy as np

from xpcs_nb.validation import check_array, check_int, check_real

__all__ = ["q_map", "azimuth_map", "roi_partition", "roi_bounds", "roi_table"]


def q_map(detector) -> np.ndarray:
    """q per pixel (H, W) in nm^-1; forwards to ``detector.q_map()`` (see geometry)."""
    return detector.q_map()


def azimuth_map(detector) -> np.ndarray:
    """Azimuth per pixel (H, W) in degrees [0, 360); forwards to ``detector.azimuth_map()``."""
    return detector.azimuth_map()


def _check_edges(q_edges) -> np.ndarray:
    """Ring edges (n_rings + 1,) float64, strictly increasing; +-inf allowed, NaN not."""
    edges = check_array(q_edges, "q_edges", ndim=1, min_size=2, finite=False, dtype=np.float64)
    if np.any(np.isnan(edges)) or np.any(np.diff(edges) <= 0):
        raise ValueError(f"q_edges must be strictly increasing (no NaN; inf allowed), got {edges!r}")
    return edges


def _check_sectors(n_sectors, first_sector_deg) -> tuple[int, float]:
    return check_int(n_sectors, "n_sectors", minimum=1), check_real(first_sector_deg, "first_sector_deg")


def _check_map(values, name: str, shape=None) -> np.ndarray:
    """A per-pixel map (H, W) as float64; NaN marks a pixel outside every ROI."""
    return check_array(values, name, ndim=2, shape=shape, finite=False, dtype=np.float64)


def _check_labels(labels, shape=None, name: str = "labels") -> np.ndarray:
    """ROI labels (H, W) as int64, 0 = no ROI; a boolean mask becomes one ROI (label 1).

    Integral floats (``1.0``) are taken as integers, as ``check_array`` does.
    """
    labels = check_array(labels, name, ndim=2, shape=shape, kind=None, min_size=0)
    if labels.dtype == np.bool_:
        return labels.astype(np.int64)
    return check_array(labels, name, kind="integer", min_size=0).astype(np.int64, copy=False)


def roi_partition(
    q_map: np.ndarray,
    azimuth_map: np.ndarray,
    q_edges,
    n_sectors: int = 18,
    first_sector_deg: float = 0.0,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Partition the detector into q-rings x azimuthal sectors.

    Parameters
    ----------
    q_map, azimuth_map : (H, W)
        q per pixel and azimuth in degrees (``Detector.q_map()``, ``.azimuth_map()``);
        a pixel where either is NaN (a masked gap) is in no ROI.
    q_edges : (n_rings + 1,)
        Increasing ring edges; ring ``i`` holds ``q_edges[i] <= q < q_edges[i+1]``.
    n_sectors : int
        Sectors of ``360 / n_sectors`` degrees (the paper: 18 sectors of 20 degrees).
    first_sector_deg : float
        Where sector 0 starts; sector ``j`` holds azimuths in
        ``[first + j w, first + (j+1) w)`` modulo 360, ``w = 360 / n_sectors``.
    mask : (H, W) bool, optional
        True where a pixel is good; False pixels get label 0.

    Returns
    -------
    labels : (H, W) int32
        0 outside every ROI, else ``1 + ring_index * n_sectors + sector_index``.

    Examples
    --------
    >>> from xpcs_nb.geometry import Detector
    >>> det = Detector(shape=(64, 64))
    >>> labels = roi_partition(det.q_map(), det.azimuth_map(), [0.004, 0.008, 0.012], n_sectors=4)
    >>> int(labels.max()), int((labels == 1).sum())  # 2 rings x 4 sectors; pixels in ROI 1
    (8, 260)
    """
    q = _check_map(q_map, "q_map")
    phi = _check_map(azimuth_map, "azimuth_map", shape=q.shape)
    edges = _check_edges(q_edges)
    n_sectors, first = _check_sectors(n_sectors, first_sector_deg)
    if mask is not None:
        mask = check_array(mask, "mask", shape=q.shape).astype(bool)

    ring = np.searchsorted(edges, q, side="right") - 1  # -1 below, n_rings at/above the top
    in_ring = (ring >= 0) & (ring < edges.size - 1) & np.isfinite(q) & np.isfinite(phi)
    width = 360.0 / n_sectors
    finite_phi = np.where(np.isfinite(phi), phi, 0.0)
    sector = np.floor(np.mod(finite_phi - first, 360.0) / width).astype(np.int64)
    sector = np.clip(sector, 0, n_sectors - 1)  # mod can round up to exactly 360
    labels = np.where(in_ring, 1 + ring * n_sectors + sector, 0)
    if mask is not None:
        labels[~mask] = 0
    return labels.astype(np.int32)


def roi_bounds(q_edges, n_sectors: int = 18, first_sector_deg: float = 0.0) -> dict[str, np.ndarray]:
    """Nominal bounds of each label :func:`roi_partition` makes, in label order 1..n.

    Returns a dict of (n_roi,) arrays: ``label``, ``ring``, ``sector``, ``q_min``,
    ``q_max``, ``q_center`` (nm^-1), ``phi_min``, ``phi_max``, ``phi_center`` (degrees;
    ``phi_min`` in [0, 360), ``phi_max = phi_min + 360 / n_sectors`` may pass 360).

    >>> bounds = roi_bounds([0.01, 0.02], n_sectors=4, first_sector_deg=45.0)
    >>> bounds["label"].tolist(), bounds["phi_min"].tolist()
    ([1, 2, 3, 4], [45.0, 135.0, 225.0, 315.0])
    """
    edges = _check_edges(q_edges)
    n_sectors, first = _check_sectors(n_sectors, first_sector_deg)
    n_rings = edges.size - 1
    ring, sector = np.divmod(np.arange(n_rings * n_sectors), n_sectors)
    width = 360.0 / n_sectors
    phi_min = np.mod(first + sector * width, 360.0)
    return {
        "label": 1 + ring * n_sectors + sector,
        "ring": ring,
        "sector": sector,
        "q_min": edges[ring],
        "q_max": edges[ring + 1],
        "q_center": 0.5 * (edges[ring] + edges[ring + 1]),
        "phi_min": phi_min,
        "phi_max": phi_min + width,
        "phi_center": phi_min + 0.5 * width,
    }


def roi_table(labels: np.ndarray, q_map: np.ndarray, azimuth_map: np.ndarray) -> dict[str, np.ndarray]:
    """Measured statistics of each label 1..labels.max() (any labelling, not only rings).

    Returns a dict of (n_roi,) arrays: ``label``, ``n_pixels``, ``q_mean``,
    ``q_min``, ``q_max`` (nm^-1) and ``phi_mean`` (circular mean, degrees in
    [0, 360)); NaN for a label without pixels.  Negative labels count as 0 (no ROI).

    >>> table = roi_table([[1, 1, 2]], [[0.1, 0.3, 0.5]], [[10.0, 30.0, 90.0]])
    >>> table["n_pixels"].tolist(), table["q_mean"].tolist(), table["phi_mean"].round(6).tolist()
    ([2, 1], [0.2, 0.5], [20.0, 90.0])
    """
    labels = _check_labels(labels)
    q = _check_map(q_map, "q_map", shape=labels.shape)
    phi = _check_map(azimuth_map, "azimuth_map", shape=labels.shape)
    flat = labels.ravel()
    n = int(flat.max()) if flat.size else 0
    keep = flat > 0
    lab, qv, pv = flat[keep], q.ravel()[keep], np.radians(phi.ravel()[keep])
    count = np.bincount(lab, minlength=n + 1)[1:].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        q_mean = np.bincount(lab, qv, minlength=n + 1)[1:] / count
        cos = np.bincount(lab, np.cos(pv), minlength=n + 1)[1:]
        sin = np.bincount(lab, np.sin(pv), minlength=n + 1)[1:]
    q_min = np.full(n, np.nan)
    q_max = np.full(n, np.nan)
    if lab.size:
        np.fmin.at(q_min, lab - 1, qv)
        np.fmax.at(q_max, lab - 1, qv)
    phi_mean = np.where(count > 0, np.mod(np.degrees(np.arctan2(sin, cos)), 360.0), np.nan)
    return {
        "label": np.arange(1, n + 1),
        "n_pixels": count.astype(np.int64),
        "q_mean": q_mean,
        "q_min": q_min,
        "q_max": q_max,
        "phi_mean": phi_mean,
    }
