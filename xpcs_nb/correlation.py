"""Correlation maths: ROI maps, two-time C2, multi-tau g2, g2 from C2, KWW fit.

Shapes: ``frames (T, H, W)``, ``labels (H, W)``, ``c2 (n_roi, T, T)``,
``g2 (n_roi, n_lags)``.  Time runs down the rows and across the columns of every
C2, origin upper left (as in APS 8-ID-I result files).

The q and azimuth maps live on :class:`xpcs_nb.geometry.Detector`
(``Detector.q_map()``, ``Detector.azimuth_map()``); :func:`q_map` and
:func:`azimuth_map` here only forward to them.

Two forms of the two-time correlation
-------------------------------------
``form="paper"`` -- the AI-NERD paper's eq. (1)-(2)::

    D(p, t)    = (I(p, t) - <I(p)>_t) / <I(p)>_t
    C2(t1, t2) = < D(p, t1) D(p, t2) >_p          (mean over the ROI's pixels)

Its baseline is near 0 and every row sums to zero exactly (sum_t D(p, t) = 0 for
each pixel).  Pixels whose time-mean intensity is zero are left out of the ROI
(they would be divided by), and the mean runs over the remaining pixels.

``form="ratio"`` -- APS 8-ID-I and scikit-beam's ``two_time_corr``::

    C2(t1, t2) = < I(p, t1) I(p, t2) >_p / ( <I(p, t1)>_p <I(p, t2)>_p )

Its baseline is 1 and it cancels incident-flux jitter.  No pixel is divided by,
so every labelled pixel counts, zeros included (a pixel that caught no photon is
a valid sample; dead pixels belong out of ``labels``) -- exactly as scikit-beam.

Both are one symmetric matrix product per ROI, accumulated over pixel chunks,
``C += X_c^T X_c`` with ``X_c (T, n_chunk)``: BLAS SYRK on the CPU
(``scipy.linalg.blas.ssyrk`` / ``dsyrk``, then the triangle is mirrored), or a
torch GEMM when ``device=`` is given (a GPU when there is one).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from scipy.linalg import blas as _blas
from scipy.optimize import curve_fit

__all__ = [
    "q_map",
    "azimuth_map",
    "roi_partition",
    "roi_bounds",
    "roi_table",
    "two_time",
    "multi_tau_lags",
    "multi_tau_g2",
    "g2_from_c2",
    "KWWFit",
    "kww",
    "fit_kww",
]

FORMS = ("ratio", "paper")

# A pixel chunk of about this many bytes (float32: 5000 frames x 3355 pixels).
# SYRK reaches its full speed once a chunk has a few thousand pixels; larger
# chunks only cost memory.
_CHUNK_BYTES = 1 << 26
# The labelled pixels are gathered, in the frames' own dtype, in passes of at
# most this many bytes (uint16, 5000 frames x 100,000 pixels: two passes) ...
_GATHER_BYTES = 1 << 29
# ... a few frames at a time: a block of about this many bytes is first copied
# (a streaming read) into a buffer that stays in cache, then gathered from it.
# A gather straight from the stack waits on memory for nearly every pixel and is
# 2-6x slower (np.take), or suffers cache-set aliasing on power-of-two frame
# sizes (fancy indexing).
_BLOCK_BYTES = 1 << 19


# --------------------------------------------------------------------------- maps


def q_map(detector) -> np.ndarray:
    """q per pixel (H, W) in nm^-1; forwards to ``detector.q_map()`` (see geometry)."""
    return detector.q_map()


def azimuth_map(detector) -> np.ndarray:
    """Azimuth per pixel (H, W) in degrees [0, 360); forwards to ``detector.azimuth_map()``."""
    return detector.azimuth_map()


def _check_edges(q_edges) -> np.ndarray:
    edges = np.asarray(q_edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError(f"q_edges must be a 1-D sequence of at least 2 edges, got shape {edges.shape}")
    if np.any(np.isnan(edges)) or np.any(np.diff(edges) <= 0):
        raise ValueError(f"q_edges must be strictly increasing (no NaN; inf allowed), got {edges!r}")
    return edges


def _check_sectors(n_sectors, first_sector_deg) -> tuple[int, float]:
    if int(n_sectors) != n_sectors or n_sectors < 1:
        raise ValueError(f"n_sectors must be a positive integer, got {n_sectors!r}")
    if not np.isfinite(first_sector_deg):
        raise ValueError(f"first_sector_deg must be finite, got {first_sector_deg!r}")
    return int(n_sectors), float(first_sector_deg)


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
        q per pixel and azimuth in degrees (``Detector.q_map()``, ``.azimuth_map()``).
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
    q = np.asarray(q_map, dtype=np.float64)
    phi = np.asarray(azimuth_map, dtype=np.float64)
    if q.ndim != 2:
        raise ValueError(f"q_map must be 2-D (H, W), got shape {q.shape}")
    if phi.shape != q.shape:
        raise ValueError(f"azimuth_map must have q_map's shape {q.shape}, got {phi.shape}")
    edges = _check_edges(q_edges)
    n_sectors, first = _check_sectors(n_sectors, first_sector_deg)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != q.shape:
            raise ValueError(f"mask must have q_map's shape {q.shape}, got {mask.shape}")
        mask = mask.astype(bool)

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
    ``q_max``, ``q_center``, ``phi_min``, ``phi_max``, ``phi_center`` (degrees;
    ``phi_min`` in [0, 360), ``phi_max = phi_min + 360 / n_sectors`` may pass 360).
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
    ``q_min``, ``q_max`` and ``phi_mean`` (circular mean, degrees in [0, 360));
    NaN for a label without pixels.
    """
    labels = np.asarray(labels)
    q = np.asarray(q_map, dtype=np.float64)
    phi = np.asarray(azimuth_map, dtype=np.float64)
    if labels.ndim != 2 or q.shape != labels.shape or phi.shape != labels.shape:
        raise ValueError(
            f"labels, q_map and azimuth_map must share one 2-D shape, got {labels.shape}, {q.shape}, {phi.shape}"
        )
    flat = labels.ravel().astype(np.int64)
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


# ------------------------------------------------------------------- validation


def _check_frames(frames) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 3:
        raise ValueError(f"frames must be 3-D (T, H, W), got shape {frames.shape}")
    if frames.shape[0] < 2:
        raise ValueError(f"frames must hold at least 2 frames, got {frames.shape[0]}")
    if not (np.issubdtype(frames.dtype, np.integer) or np.issubdtype(frames.dtype, np.floating)
            or frames.dtype == np.bool_):
        raise ValueError(f"frames must hold real numbers (counts), got dtype {frames.dtype}")
    return frames


def _roi_pixels(labels, frame_shape: tuple[int, int]) -> list[np.ndarray]:
    """Flat pixel indices (sorted) of labels 1..max; ValueError naming ``labels``."""
    labels = np.asarray(labels)
    if labels.shape != tuple(frame_shape):
        raise ValueError(f"labels must have the frames' (H, W) shape {tuple(frame_shape)}, got {labels.shape}")
    if labels.dtype == np.bool_:
        labels = labels.astype(np.int64)
    elif not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.floating) or not np.all(np.mod(labels, 1) == 0):
            raise ValueError(f"labels must be integers (0 = no ROI) or a boolean mask, got dtype {labels.dtype}")
        labels = labels.astype(np.int64)
    flat = labels.ravel().astype(np.int64, copy=False)
    if flat.size and flat.min() < 0:
        raise ValueError("labels must be >= 0 (0 = in no ROI)")
    n = int(flat.max()) if flat.size else 0
    if n == 0:
        raise ValueError("labels select no pixel (every label is 0)")
    order = np.argsort(flat, kind="stable")
    counts = np.bincount(flat, minlength=n + 1)
    empty = np.flatnonzero(counts[1:] == 0) + 1
    if empty.size:
        raise ValueError(f"labels: ROI {empty.tolist()[:10]} of 1..{n} has no pixels (an empty ROI)")
    bounds = np.cumsum(counts)
    return [order[bounds[r - 1]:bounds[r]] for r in range(1, n + 1)]


def _check_chunk(raw: np.ndarray) -> None:
    """NaN / inf / negative counts in a gathered chunk -> ValueError naming frames."""
    if raw.size == 0 or raw.dtype == np.bool_ or np.issubdtype(raw.dtype, np.unsignedinteger):
        return
    lo = raw.min()
    if np.issubdtype(raw.dtype, np.floating):
        hi = raw.max()
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError("frames hold NaN or inf in a labelled pixel")
    if lo < 0:
        raise ValueError(f"frames hold negative counts (min {lo}) in a labelled pixel")


def _gather(frames2d: np.ndarray, sel: np.ndarray, n_used: int, out: np.ndarray) -> None:
    """``out[:] = frames2d[:n_used, sel]`` (n_used, sel.size), through a cached block."""
    lo, hi = int(sel.min()), int(sel.max()) + 1
    local = sel - lo
    step = max(1, _BLOCK_BYTES // ((hi - lo) * frames2d.itemsize))
    buf = np.empty((min(step, n_used), hi - lo), dtype=frames2d.dtype)
    for t0 in range(0, n_used, step):
        t1 = min(n_used, t0 + step)
        block = buf[: t1 - t0]
        np.copyto(block, frames2d[t0:t1, lo:hi])
        np.take(block, local, axis=1, out=out[t0:t1], mode="clip")  # indices are valid
        _check_chunk(out[t0:t1])  # while it is in cache


def _roi_chunks(
    frames2d: np.ndarray,
    rois: list[np.ndarray],
    n_used: int,
    bin_frames: int,
    dtype,
    chunk_pixels: int,
) -> Iterator[tuple[int, np.ndarray, bool]]:
    """Yield ``(r, x, last)``: ROI index, a C-ordered (T', n_chunk) ``dtype`` array
    of its pixels (frames summed in bins of ``bin_frames``), and whether it is the
    ROI's last chunk.  ROIs come in order.  NaN, inf or a negative count in a
    labelled pixel (of the frames used) -> ValueError naming ``frames``.

    ``x`` lives in a buffer reused for the next chunk (fresh memory costs a page
    fault per 4 KiB, which is not free): use it, or copy it, before asking for
    the next one.  The caller may overwrite it.
    """
    n_out = n_used // bin_frames
    per_pass = max(1, _GATHER_BYTES // (n_used * frames2d.itemsize))
    # cut the ROIs' pixel lists into pieces and pack them into gather passes
    passes: list[list[tuple[int, np.ndarray, bool]]] = [[]]
    room = per_pass
    for r, idx in enumerate(rois):
        for p0 in range(0, idx.size, per_pass):
            piece = idx[p0:p0 + per_pass]
            if piece.size > room:
                passes.append([])
                room = per_pass
            passes[-1].append((r, piece, p0 + per_pass >= idx.size))
            room -= piece.size
    chunk_buf = np.empty(n_out * min(chunk_pixels, max(idx.size for idx in rois)), dtype=dtype)
    gather_buf = None
    for pieces in passes:
        sel = pieces[0][1] if len(pieces) == 1 else np.concatenate([p[1] for p in pieces])
        if sel[-1] - sel[0] + 1 == sel.size and np.all(np.diff(sel) == 1):
            block = frames2d[:n_used, sel[0]:sel[-1] + 1]  # a run of pixels: no gather
            _check_chunk(block)
        else:
            if gather_buf is None:
                gather_buf = np.empty(n_used * min(per_pass, sum(idx.size for idx in rois)), frames2d.dtype)
            block = gather_buf[: n_used * sel.size].reshape(n_used, sel.size)
            _gather(frames2d, sel, n_used, block)
        offset = 0
        for r, piece, last_piece in pieces:
            for c0 in range(0, piece.size, chunk_pixels):
                c1 = min(piece.size, c0 + chunk_pixels)
                raw = block[:, offset + c0:offset + c1]
                x = chunk_buf[: n_out * (c1 - c0)].reshape(n_out, c1 - c0)
                if bin_frames == 1:
                    np.copyto(x, raw, casting="unsafe")
                else:
                    np.sum(raw.reshape(n_out, bin_frames, c1 - c0), axis=1, dtype=dtype, out=x)
                del raw
                yield r, x, last_piece and c1 == piece.size
                del x
            offset += piece.size
        del block


def _default_chunk(n_frames: int, itemsize: int) -> int:
    return int(max(256, _CHUNK_BYTES // max(1, n_frames * itemsize)))


def _scale_and_mirror(c: np.ndarray, w: np.ndarray, block: int = 64) -> None:
    """In place: ``c[i, j] = w[i] w[j] L[max(i,j), min(i,j)]``, L the lower triangle of c.

    One cache-blocked pass: each strip of ``block`` rows of the lower triangle is
    scaled (while it sits in cache) and written transposed onto the upper triangle.
    The upper triangle's old contents are never used.
    """
    n = c.shape[0]
    full = np.triu_indices(block, 1) if n > block else None
    with np.errstate(invalid="ignore", over="ignore"):
        for i0 in range(0, n, block):
            i1 = min(n, i0 + block)
            strip = c[i0:i1, :i1]
            strip *= w[i0:i1, None]
            strip *= w[None, :i1]
            d = c[i0:i1, i0:i1]
            iu = full if i1 - i0 == block and full is not None else np.triu_indices(i1 - i0, 1)
            d[iu] = d.T[iu]
            if i0:
                c[:i0, i0:i1] = strip[:, :i0].T


# --------------------------------------------------------------------- two-time


def _finish_roi(out, r, form, n_pix, frame_sum, gemm) -> None:
    """Normalise ROI r's accumulated product in place and mirror it."""
    label = r + 1
    dtype = out.dtype
    n_out = out.shape[1]
    if form == "paper":
        if n_pix == 0:
            raise ValueError(f"labels: ROI {label} has no pixel with a non-zero time-mean intensity")
        w = np.full(n_out, 1.0 / math.sqrt(n_pix), dtype=dtype)  # C2 = D^T D / N
    else:
        if not np.any(frame_sum > 0):
            raise ValueError(f"labels: ROI {label} holds no photon in any frame (all pixels zero-mean)")
        with np.errstate(divide="ignore"):
            w = (math.sqrt(n_pix) / frame_sum).astype(dtype)  # C2 = N S / (s s^T)
    if gemm is not None:
        out[r] = gemm.result()
    _scale_and_mirror(out[r], w)
    dark = frame_sum == 0
    if form == "ratio" and dark.any():
        out[r][dark, :] = np.nan
        out[r][:, dark] = np.nan
        warnings.warn(
            f"ROI {label}: {int(dark.sum())} frame(s) without any photon; their C2 rows are NaN",
            RuntimeWarning,
            stacklevel=3,
        )


def two_time(
    frames: np.ndarray,
    labels: np.ndarray,
    form: str = "ratio",
    bin_frames: int = 1,
    dtype=np.float32,
    chunk_pixels: int | None = None,
    device=None,
) -> np.ndarray:
    """Two-time correlation C2 of every ROI.

    Parameters
    ----------
    frames : (T, H, W)
        Photon counts (any integer or float dtype, never negative, no NaN/inf in a
        labelled pixel; pixels outside every ROI are never read, so detector gaps
        marked NaN there do no harm).
    labels : (H, W) int or bool
        ROI labels 1..n (0 = no ROI), e.g. from :func:`roi_partition`; a boolean
        mask is one ROI.  Every label 1..n must have pixels.
    form : {"ratio", "paper"}
        ``"ratio"``: <I(t1) I(t2)>_p / (<I(t1)>_p <I(t2)>_p), baseline 1 (APS,
        scikit-beam).  ``"paper"``: <D(t1) D(t2)>_p with D = I / <I>_t - 1,
        baseline ~0, rows sum to zero; zero-mean pixels are left out.
    bin_frames : int
        Sum this many consecutive frames first; T' = T // bin_frames (a remainder
        is dropped).
    dtype : np.float32 or np.float64
        Arithmetic and output precision (SSYRK or DSYRK).
    chunk_pixels : int, optional
        Pixels per chunk (bounds memory to ~T' x chunk_pixels values); default
        ~64 MiB of ``dtype`` per chunk.
    device : str or torch.device, optional
        None: BLAS SYRK on the CPU.  Otherwise a torch GEMM on that device
        (``"cuda"`` on a GPU; ``"cpu"`` works too).

    Returns
    -------
    c2 : (n_roi, T', T') of ``dtype``
        ROIs in label order 1..n; time down the rows and across the columns.
        In the ratio form a frame where an ROI holds no photon at all gives NaN in
        that row and column (a RuntimeWarning says so).

    Notes
    -----
    Working memory besides ``c2``: the labelled pixels gathered in passes of at
    most 512 MiB (in the frames' dtype; none when the ROI is one run of pixels)
    and one chunk of ``T' x chunk_pixels`` values.  The CPU path runs at the speed
    of a plain SSYRK on the same frames x pixels (``benchmarks/bench_correlation.py``).

    Examples
    --------
    >>> frames = np.random.default_rng(0).poisson(2.0, size=(100, 32, 32))
    >>> c2 = two_time(frames, np.ones((32, 32), dtype=bool))
    >>> c2.shape, c2.dtype
    ((1, 100, 100), dtype('float32'))
    >>> bool(abs(g2_from_c2(c2).mean() - 1) < 0.01)  # uncorrelated counts: baseline 1
    True
    """
    frames = _check_frames(frames)
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    if int(bin_frames) != bin_frames or bin_frames < 1:
        raise ValueError(f"bin_frames must be an integer >= 1, got {bin_frames!r}")
    bin_frames = int(bin_frames)
    n_frames = frames.shape[0]
    n_out = n_frames // bin_frames
    if n_out < 2:
        raise ValueError(f"bin_frames={bin_frames} leaves {n_out} frame(s) of {n_frames}; need at least 2")
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    rois = _roi_pixels(labels, frames.shape[1:])
    if chunk_pixels is None:
        chunk_pixels = _default_chunk(n_frames, dtype.itemsize)
    elif int(chunk_pixels) != chunk_pixels or chunk_pixels < 1:
        raise ValueError(f"chunk_pixels must be a positive integer, got {chunk_pixels!r}")
    chunk_pixels = int(chunk_pixels)

    frames2d = frames.reshape(n_frames, -1)
    n_used = n_out * bin_frames
    out = np.empty((len(rois), n_out, n_out), dtype=dtype)
    gemm = None if device is None else _TorchGram(device, dtype, n_out)
    syrk = _blas.ssyrk if dtype == np.float32 else _blas.dsyrk

    n_pix = 0
    frame_sum = np.zeros(n_out, dtype=np.float64)
    for r, x, last in _roi_chunks(frames2d, rois, n_used, bin_frames, dtype, chunk_pixels):
        if form == "paper":
            mean = x.sum(axis=0, dtype=np.float64) / n_out
            good = mean > 0
            if not good.all():
                x = x[:, good]
                mean = mean[good]
            if x.shape[1]:
                np.multiply(x, (1.0 / mean).astype(dtype), out=x)
                np.subtract(x, 1, out=x)
        else:
            # per-frame sums; einsum's loop is ~5x faster than sum(dtype=float64)
            # and exact for counts (integers below 2^24 in float32)
            frame_sum += np.einsum("ij->i", x)
        if x.shape[1]:
            if gemm is not None:
                gemm.add(x)
            else:
                # out[r].T is Fortran-ordered: SYRK accumulates into it in place,
                # filling its upper triangle = the lower triangle of out[r].  x is
                # C-ordered (T', n): x.T is a Fortran (n, T') matrix A, and trans=1
                # gives A^T A = x x^T without a copy.  beta=0 on the first chunk, so
                # out[r] need not be zeroed.
                cf = out[r].T
                res = syrk(1.0, x.T, beta=1.0 if n_pix else 0.0, c=cf, trans=1, lower=0, overwrite_c=1)
                if not np.shares_memory(res, cf):  # pragma: no cover - f2py made a copy
                    cf[...] = res
                del res
            n_pix += x.shape[1]
        del x  # before the generator makes the next chunk
        if last:
            _finish_roi(out, r, form, n_pix, frame_sum, gemm)
            n_pix = 0
            frame_sum[:] = 0
    return out


class _TorchGram:
    """C += X X^T on a torch device (a GEMM); imported only when asked for."""

    def __init__(self, device, dtype: np.dtype, n: int) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.tdtype = torch.float32 if dtype == np.float32 else torch.float64
        self.n = n
        self.c = None

    def add(self, x: np.ndarray) -> None:
        t = self.torch.from_numpy(x).to(self.device, self.tdtype)
        if self.c is None:
            self.c = t @ t.T
        else:
            self.c.addmm_(t, t.T)

    def result(self) -> np.ndarray:
        c = self.c
        self.c = None
        if c is None:
            return np.zeros((self.n, self.n))
        return c.cpu().numpy()


# -------------------------------------------------------------------- multi-tau


def multi_tau_lags(num_levels: int, num_bufs: int) -> tuple[np.ndarray, np.ndarray]:
    """The multi-tau lag scheme: (lags in frames, level of each lag).

    Level 0: lags ``0 .. num_bufs-1``; level L >= 1: ``(num_bufs/2 + j) 2^L`` for
    ``j = 0 .. num_bufs/2 - 1``, measured on frames averaged in pairs L times.
    The same lags as scikit-beam's ``multi_tau_lags``.
    """
    if int(num_levels) != num_levels or num_levels < 1:
        raise ValueError(f"num_levels must be an integer >= 1, got {num_levels!r}")
    if int(num_bufs) != num_bufs or num_bufs < 2 or num_bufs % 2:
        raise ValueError(f"num_bufs must be an even integer >= 2, got {num_bufs!r}")
    num_levels, num_bufs = int(num_levels), int(num_bufs)
    half = num_bufs // 2
    lags = [np.arange(num_bufs)]
    levels = [np.zeros(num_bufs, dtype=np.int64)]
    for level in range(1, num_levels):
        lags.append(np.arange(half, num_bufs) * 2**level)
        levels.append(np.full(half, level, dtype=np.int64))
    return np.concatenate(lags), np.concatenate(levels)


def multi_tau_g2(
    frames: np.ndarray,
    labels: np.ndarray,
    num_levels: int,
    num_bufs: int,
    chunk_pixels: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-tau one-time correlation g2 of every ROI (symmetric normalisation).

    At level L the frames are averaged in pairs L times (``B_L``, ``n_L =
    T // 2^L`` frames); for its lags ``k`` (in level-L frames)::

        g2 = <B(t) B(t+k)> / (<B(t)> <B(t+k)>)

    where each ``< >`` averages over the ROI's pixels and over the ``n_L - k``
    start times ``t`` -- so the "past" and "future" mean intensities are taken over
    exactly the frames that enter the numerator.  This is scikit-beam's
    ``multi_tau_auto_corr(num_levels, num_bufs, labels, frames)`` (same lags, same
    normalisation, same truncation where a lag has no pair of frames), vectorised:
    one dot product per lag and pixel chunk in place of a Python loop per frame.

    Parameters
    ----------
    frames : (T, H, W)
        Photon counts, as for :func:`two_time`.
    labels : (H, W) int or bool
        ROI labels 1..n (0 = no ROI), or a boolean mask for one ROI.
    num_levels : int
        Levels of pair-averaging (1: plain lags 0 .. num_bufs-1).
    num_bufs : int, even
        Lags per level (see :func:`multi_tau_lags`).
    chunk_pixels : int, optional
        Pixels per float64 chunk (default ~64 MiB).

    Returns
    -------
    lags : (n_lags,) int
        In frames; the first is lag 0 (<I^2>/<I>^2, which holds shot noise -- leave
        it out of fits).
    g2 : (n_roi, n_lags) float64
        ROIs in label order 1..n.  (scikit-beam returns the transpose.)
    """
    frames = _check_frames(frames)
    lag_frames, lag_level = multi_tau_lags(num_levels, num_bufs)
    num_levels, num_bufs = int(num_levels), int(num_bufs)
    rois = _roi_pixels(labels, frames.shape[1:])
    n_frames = frames.shape[0]
    if chunk_pixels is None:
        chunk_pixels = _default_chunk(n_frames, 8)
    elif int(chunk_pixels) != chunk_pixels or chunk_pixels < 1:
        raise ValueError(f"chunk_pixels must be a positive integer, got {chunk_pixels!r}")
    chunk_pixels = int(chunk_pixels)
    frames2d = frames.reshape(n_frames, -1)
    # every output lag as (level, k): k in level-L frames, lag = k 2^L frames
    steps = [(int(level), int(lag) >> int(level)) for lag, level in zip(lag_frames, lag_level)]
    n_per_level = [n_frames // 2**level for level in range(num_levels)]

    n_lag = len(steps)
    g2 = np.zeros((len(rois), n_lag))
    past = np.zeros((len(rois), n_lag))
    future = np.zeros((len(rois), n_lag))
    prod = np.zeros((len(rois), n_lag))
    sums = [np.zeros((len(rois), n)) for n in n_per_level]  # per-frame ROI sums of B_L
    for r, x, _ in _roi_chunks(frames2d, rois, n_frames, 1, np.float64, chunk_pixels):
        b = x
        j = 0
        for level in range(num_levels):
            n = b.shape[0]
            sums[level][r] += b.sum(axis=1)
            while j < n_lag and steps[j][0] == level:
                k = steps[j][1]
                if k < n:
                    # sum over t and pixels of B(t) B(t+k).  einsum's own SIMD
                    # loop, not BLAS ddot: a dot is memory-bound, and a threaded
                    # BLAS dot stalls badly when the cores are shared.
                    prod[r, j] += np.einsum("i,i->", b[: n - k].ravel(), b[k:].ravel())
                j += 1
            if level + 1 < num_levels:
                m = n // 2
                b = (b[0:2 * m:2] + b[1:2 * m:2]) / 2
        del x, b
    for r, idx in enumerate(rois):
        if not np.any(sums[0][r] > 0):
            raise ValueError(f"labels: ROI {r + 1} holds no photon in any frame (all pixels zero-mean)")
        n_pix = idx.size
        for j, (level, k) in enumerate(steps):
            n = n_per_level[level]
            if k >= n:
                continue
            count = n_pix * (n - k)
            g2[r, j] = prod[r, j] / count
            past[r, j] = sums[level][r, : n - k].sum() / count
            future[r, j] = sums[level][r, k:].sum() / count
    # scikit-beam stops at the first lag whose past intensity is 0 in any ROI
    # (a lag without any pair of frames, or an ROI dark over those frames)
    zero = np.flatnonzero(np.any(past == 0, axis=0))
    g_max = zero[0] if zero.size else n_lag
    with np.errstate(divide="ignore", invalid="ignore"):
        out = g2[:, :g_max] / (past[:, :g_max] * future[:, :g_max])
    return lag_frames[:g_max], out


# ----------------------------------------------------------------- g2 from C2


def g2_from_c2(c2: np.ndarray) -> np.ndarray:
    """One-time g2 from a two-time C2: the mean of each off-diagonal.

    ``g2[..., k-1] = mean_t C2[..., t, t+k]`` for lags ``k = 1 .. T-1`` (frames, or
    bins of ``bin_frames``).  It carries the baseline of the C2 it came from: about
    1 for ``form="ratio"`` (g2 = 1 + beta |f|^2) and about 0 for ``form="paper"``
    (which is then ~ beta |f|^2, the g2 - 1 of the ratio form).

    c2 : (..., T, T) -> g2 : (..., T-1)
    """
    c2 = np.asarray(c2)
    if c2.ndim < 2 or c2.shape[-1] != c2.shape[-2]:
        raise ValueError(f"c2 must be (..., T, T), got shape {c2.shape}")
    n = c2.shape[-1]
    if n < 2:
        raise ValueError(f"c2 must have T >= 2, got {n}")
    # row t1 holds lags 1..T-1-t1 contiguously in c2[t1, t1+1:]: summing rows into
    # a lag accumulator reads memory in order (a diagonal walk would not)
    acc = np.zeros(c2.shape[:-2] + (n - 1,), dtype=np.float64)
    for t1 in range(n - 1):
        acc[..., : n - 1 - t1] += c2[..., t1, t1 + 1:]
    return acc / np.arange(n - 1, 0, -1)


# ---------------------------------------------------------------------- KWW fit


def kww(tau, baseline: float, beta: float, rate: float, alpha: float) -> np.ndarray:
    """The KWW model g2(tau) = baseline + beta exp(-2 (rate tau)^alpha)."""
    tau = np.asarray(tau, dtype=np.float64)
    return baseline + beta * np.exp(-2.0 * np.power(rate * tau, alpha))


_PARAMS = ("baseline", "beta", "rate", "alpha")


@dataclass(frozen=True)
class KWWFit:
    """A KWW (stretched exponential) fit of g2(tau) = baseline + beta exp(-2 (rate tau)^alpha).

    ``rate`` (Gamma) is in the inverse unit of the tau that was fitted (1/s or
    1/frame); ``alpha`` is the stretching exponent (1: simple exponential, the
    Brownian / Siegert case; < 1 stretched; > 1 compressed).  ``*_err`` are standard
    errors from the fit's covariance (0 for a parameter held fixed, inf when the
    covariance could not be estimated).
    """

    baseline: float
    beta: float
    rate: float
    alpha: float
    baseline_err: float
    beta_err: float
    rate_err: float
    alpha_err: float
    fixed: tuple[str, ...] = ()
    n_points: int = 0
    chi2_red: float = float("nan")
    cov: np.ndarray = field(default=None, repr=False, compare=False)

    @property
    def relaxation_time(self) -> float:
        """1 / rate, in the unit of tau."""
        return 1.0 / self.rate

    def model(self, tau) -> np.ndarray:
        """The fitted curve at ``tau``."""
        return kww(tau, self.baseline, self.beta, self.rate, self.alpha)


def fit_kww(
    tau,
    g2,
    *,
    sigma=None,
    absolute_sigma: bool = False,
    fix_alpha: float | None = None,
    fix_baseline: float | None = None,
    p0: dict | None = None,
    alpha_bounds: tuple[float, float] = (0.1, 3.0),
) -> KWWFit:
    """Fit g2(tau) = baseline + beta exp(-2 (rate tau)^alpha) by least squares.

    Parameters
    ----------
    tau : (n,)
        Lags, all > 0 (leave lag 0 out); 1/rate comes out in their unit.
    g2 : (n,)
        g2 at those lags (ratio form: baseline ~1; paper form: ~0).
    sigma : (n,), optional
        Standard errors of g2, passed to ``scipy.optimize.curve_fit``.
    absolute_sigma : bool
        As in ``curve_fit``: True when ``sigma`` is in absolute units.
    fix_alpha : float, optional
        Hold alpha at this value (``fix_alpha=1`` for a simple exponential).
    fix_baseline : float, optional
        Hold the baseline at this value (e.g. 1 for the ratio form).
    p0 : dict, optional
        Starting values by name (``baseline``, ``beta``, ``rate``, ``alpha``);
        missing ones are guessed: baseline from the last tenth of the points, beta
        from the first point, rate from where g2 drops to 1/e of its span.
    alpha_bounds : (lo, hi)
        Bounds of alpha when it is free.  beta >= 0 and rate > 0 always.

    Returns
    -------
    KWWFit
    """
    tau = np.asarray(tau, dtype=np.float64).ravel()
    g2 = np.asarray(g2, dtype=np.float64).ravel()
    if tau.shape != g2.shape:
        raise ValueError(f"tau and g2 must have the same length, got {tau.size} and {g2.size}")
    if np.any(~np.isfinite(tau)) or np.any(tau <= 0):
        raise ValueError("tau must be finite and > 0 (leave the lag-0 point out)")
    if sigma is not None:
        sigma = np.asarray(sigma, dtype=np.float64).ravel()
        if sigma.shape != g2.shape or np.any(~(sigma > 0)):
            raise ValueError("sigma must be positive, one per point of g2")
    ok = np.isfinite(g2)
    tau, g2 = tau[ok], g2[ok]
    if sigma is not None:
        sigma = sigma[ok]
    fixed = {}
    if fix_alpha is not None:
        if not (np.isfinite(fix_alpha) and fix_alpha > 0):
            raise ValueError(f"fix_alpha must be a positive number, got {fix_alpha!r}")
        fixed["alpha"] = float(fix_alpha)
    if fix_baseline is not None:
        if not np.isfinite(fix_baseline):
            raise ValueError(f"fix_baseline must be finite, got {fix_baseline!r}")
        fixed["baseline"] = float(fix_baseline)
    free = [p for p in _PARAMS if p not in fixed]
    if g2.size < len(free):
        raise ValueError(f"g2 has {g2.size} finite point(s), fewer than the {len(free)} free parameters")

    order = np.argsort(tau)
    tau, g2 = tau[order], g2[order]
    if sigma is not None:
        sigma = sigma[order]
    p0 = dict(p0 or {})
    tail = max(1, g2.size // 10)
    guess = {"baseline": fixed.get("baseline", float(np.mean(g2[-tail:])))}
    guess["beta"] = max(float(g2[0] - guess["baseline"]), 1e-3 * max(1.0, abs(guess["baseline"])))
    level = (g2 - guess["baseline"]) / guess["beta"]
    below = np.flatnonzero(level < math.exp(-1.0))
    tau_e = tau[below[0]] if below.size else tau[-1]
    guess["rate"] = 0.5 / tau_e  # exp(-2 rate tau) = 1/e
    guess["alpha"] = fixed.get("alpha", 1.0)
    guess.update({k: float(v) for k, v in p0.items() if k in _PARAMS})

    # fit in the scaled time s = tau * rate0, so the rate parameter is O(1)
    rate0 = guess["rate"]
    if not (np.isfinite(rate0) and rate0 > 0):
        raise ValueError(f"p0['rate'] must be positive, got {rate0!r}")
    s = tau * rate0
    lo = {"baseline": -np.inf, "beta": 0.0, "rate": 0.0, "alpha": alpha_bounds[0]}
    hi = {"baseline": np.inf, "beta": np.inf, "rate": np.inf, "alpha": alpha_bounds[1]}
    start = {**guess, "rate": 1.0}
    start = {p: float(np.clip(start[p], lo[p] + 1e-12 if np.isfinite(lo[p]) else lo[p], hi[p])) for p in _PARAMS}

    def f(x, *theta):
        values = dict(fixed)
        values.update(zip(free, theta))
        return kww(x, values["baseline"], values["beta"], values["rate"], values["alpha"])

    popt, pcov = curve_fit(
        f,
        s,
        g2,
        p0=[start[p] for p in free],
        sigma=sigma,
        absolute_sigma=absolute_sigma,
        bounds=([lo[p] for p in free], [hi[p] for p in free]),
        method="trf",
        x_scale="jac",
        max_nfev=10000,
    )
    values = dict(fixed)
    values.update(zip(free, popt))
    values["rate"] *= rate0
    errs = dict.fromkeys(fixed, 0.0)
    pcov = np.asarray(pcov, dtype=np.float64)
    scale = np.array([rate0 if p == "rate" else 1.0 for p in free])
    cov = pcov * np.outer(scale, scale)
    for i, p in enumerate(free):
        errs[p] = float(np.sqrt(cov[i, i])) if np.isfinite(cov[i, i]) and cov[i, i] >= 0 else float("inf")
    resid = g2 - f(s, *popt)
    if sigma is not None:
        resid = resid / sigma
    dof = g2.size - len(free)
    chi2_red = float(np.sum(resid**2) / dof) if dof > 0 else float("nan")
    return KWWFit(
        baseline=float(values["baseline"]),
        beta=float(values["beta"]),
        rate=float(values["rate"]),
        alpha=float(values["alpha"]),
        baseline_err=errs["baseline"],
        beta_err=errs["beta"],
        rate_err=errs["rate"],
        alpha_err=errs["alpha"],
        fixed=tuple(p for p in _PARAMS if p in fixed),
        n_points=int(g2.size),
        chi2_red=chi2_red,
        cov=cov,
    )
