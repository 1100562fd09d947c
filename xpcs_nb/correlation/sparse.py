"""Photon-sparse frames: a CSR matrix ``(T, H*W)`` or an event list, correlated without densifying.

At the photon rates of real XPCS (0.01-1 photon per pixel per frame) most pixels of
most frames are zero.  A sparse stack stores only the non-zero counts: row t of a
``scipy.sparse`` CSR matrix of shape ``(T, H*W)`` is frame t, column ``y * W + x`` is
pixel (y, x).  Photon-counting detectors often write *events* instead, one
``(frame, pixel, count)`` per hit: :func:`photon_events` turns them into that matrix.

The Gram matrix ``G = X X^T`` of an ROI (``X (T', N)``, its pixels' counts) is built
pixel by pixel: pixel p adds ``c_i c_j`` to ``G[t_i, t_j]`` for every pair of its
non-zero counts.  That is sum_p n_p^2 / 2 multiply-adds, n_p the frames in which p
holds photons: about N (d T')^2 / 2 at density d, against N T'^2 / 2 for the dense
SYRK, so d^2 of the arithmetic.  The additions land all over the T' x T' map; a
numba kernel (compiled on first use) walks the map in tiles of 512 x 512 frames so
that the part being written stays in cache.  Sums are taken in the output dtype, as
the dense path's SYRK takes them.  ``book/performance.md`` ("Sparse input") gives its
speed against the dense path.

>>> m = photon_events([0, 0, 2], [1, 1, 3], n_frames=3, frame_shape=(2, 2))
>>> m.toarray().tolist()  # two photons in pixel 1 of frame 0, one in pixel 3 of frame 2
[[0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
"""

from __future__ import annotations

from functools import cache

import numpy as np
import scipy.sparse as sp

from xpcs_nb.validation import check_array, check_int, describe

__all__ = ["photon_events"]

# Frames per side of the tiles of G that the kernel fills one at a time (a float32
# tile is 1 MiB: it stays in the L2 cache while each pixel adds its pairs to it).
_TILE = 512


def photon_events(frame, pixel, count=None, *, n_frames: int, frame_shape: tuple[int, int]) -> sp.csr_matrix:
    """Photon events ``(frame, pixel, count)`` as a CSR matrix of counts ``(n_frames, H*W)``.

    Parameters
    ----------
    frame, pixel : (n_events,) int
        Frame index ``0 <= frame < n_frames`` and flat pixel index ``y * W + x`` of
        each event.  Repeated (frame, pixel) pairs are summed.
    count : (n_events,) int, optional
        Photons per event (default 1 each); never negative.
    n_frames : int
        T, the number of frames (frames after the last event hold no photon).
    frame_shape : (H, W)
        The detector's shape.

    Returns
    -------
    scipy.sparse.csr_matrix (n_frames, H*W), int64
        The input :func:`~xpcs_nb.correlation.two_time` takes as ``frames``.

    >>> photon_events([0], [4], n_frames=2, frame_shape=(2, 2))
    Traceback (most recent call last):
    ...
    ValueError: pixel must be in 0 .. 3 (frame_shape (2, 2)), got a maximum of 4
    """
    n_frames = check_int(n_frames, "n_frames", minimum=2)
    if len(frame_shape) != 2:
        raise ValueError(f"frame_shape must be (H, W), got {describe(frame_shape)}")
    h = check_int(frame_shape[0], "frame_shape[0]", minimum=1)
    w = check_int(frame_shape[1], "frame_shape[1]", minimum=1)
    frame = check_array(frame, "frame", ndim=1, kind="integer", min_size=0)
    pixel = check_array(pixel, "pixel", ndim=1, kind="integer", shape=frame.shape, min_size=0)
    if count is None:
        count = np.ones(frame.shape, dtype=np.int64)
    count = check_array(count, "count", ndim=1, kind="integer", shape=frame.shape, min_size=0)
    for name, values, top in (("frame", frame, n_frames - 1), ("pixel", pixel, h * w - 1)):
        if values.size and (values.min() < 0 or values.max() > top):
            bad = values.max() if values.max() > top else values.min()
            where = f"n_frames {n_frames}" if name == "frame" else f"frame_shape {(h, w)}"
            raise ValueError(f"{name} must be in 0 .. {top} ({where}), got a {'maximum' if bad > top else 'minimum'} "
                             f"of {bad}")
    if count.size and count.min() < 0:
        raise ValueError(f"count must be >= 0, got a minimum of {count.min()}")
    m = sp.coo_matrix((count.astype(np.int64), (frame, pixel)), shape=(n_frames, h * w)).tocsr()
    m.sum_duplicates()
    return m


def _check_sparse_frames(frames, frame_shape: tuple[int, int]) -> sp.csc_matrix:
    """A scipy sparse stack (T, H*W) of finite counts >= 0, as CSC (columns = pixels)."""
    h, w = frame_shape
    if frames.ndim != 2 or frames.shape[1] != h * w:
        raise ValueError(f"frames: a sparse stack must have shape (T, H*W) = (T, {h * w}) for labels of shape "
                         f"{(h, w)}, got {frames.shape}")
    if frames.shape[0] < 2:
        raise ValueError(f"frames must hold at least 2 frames, got {frames.shape[0]}")
    if frames.dtype.kind not in "uif":
        raise ValueError(f"frames must hold integer or float counts, got dtype {frames.dtype}")
    csc = sp.csc_matrix(frames)
    data = csc.data
    if data.size and data.dtype.kind == "f" and not np.all(np.isfinite(data)):
        raise ValueError("frames hold NaN or inf")
    if data.size and data.min() < 0:
        raise ValueError(f"frames hold negative counts (min {data.min()})")
    return csc


def _binned(x: sp.spmatrix, n_out: int, bin_frames: int) -> sp.csr_matrix:
    """Rows summed in bins of ``bin_frames`` (a remainder dropped): (n_out, N)."""
    x = sp.csr_matrix(x)
    if bin_frames == 1:
        return x[:n_out]
    n_used = n_out * bin_frames
    rows = np.arange(n_used)
    summing = sp.csr_matrix((np.ones(n_used, dtype=x.dtype), (rows // bin_frames, rows)),
                            shape=(n_out, x.shape[0]))
    return summing @ x


def _sparse_gram(csc: sp.csc_matrix, rois: list[np.ndarray], form: str, n_out: int, bin_frames: int,
                 dtype, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill the lower triangle of ``out[r] (T', T')`` with G = X X^T of ROI r, for every r.

    As :func:`~xpcs_nb.correlation.streamed._streamed_gram`: X = I, or for
    ``paper_per_pixel`` G of D = I / <I(p)>_t - 1 over the pixels with a non-zero
    mean, expanded so that the zeros stay zeros::

        sum_p D(t1) D(t2) = sum_p Z(t1) Z(t2) - a(t1) - a(t2) + n,   Z = I / <I(p)>_t,  a(t) = sum_p Z(p, t)

    Returns ``frame_sums (n_roi, T')`` float64 and ``n_pix (n_roi,)``.
    """
    frame_sums = np.zeros((len(rois), n_out))
    n_pix = np.zeros(len(rois), dtype=np.int64)
    kernel = _gram_kernel()
    for r, idx in enumerate(rois):
        x = sp.csc_matrix(_binned(csc[:, idx], n_out, bin_frames))
        x.sort_indices()
        out[r] = 0
        if form == "paper_per_pixel":
            mean = np.asarray(x.sum(axis=0), dtype=np.float64).ravel() / n_out
            good = np.flatnonzero(mean > 0)
            z = sp.csc_matrix(x[:, good].astype(np.float64) @ sp.diags(1.0 / mean[good]))
            z.sort_indices()
            kernel(z.indptr, z.indices, z.data, out[r], _TILE)
            a = np.asarray(z.sum(axis=1)).ravel().astype(dtype)
            out[r] -= a[:, None]
            out[r] -= a[None, :]
            out[r] += good.size
            n_pix[r] = good.size
        else:
            kernel(x.indptr, x.indices, x.data.astype(dtype), out[r], _TILE)
            frame_sums[r] = np.asarray(x.sum(axis=1, dtype=np.float64)).ravel()
            n_pix[r] = idx.size
    return frame_sums, n_pix


@cache
def _gram_kernel():
    """The numba kernel, compiled on first use (numba is imported only then)."""
    import numba

    @numba.njit(cache=True, nogil=True)
    def gram_lower(indptr, rows, values, out, tile):
        """out[t_i, t_j] += v_i v_j for each pixel's pairs t_i >= t_j, tile by tile of out."""
        n_t = (out.shape[0] + tile - 1) // tile
        n_pix = indptr.size - 1
        starts = np.empty((n_pix, n_t + 1), np.int64)  # first entry of pixel p in tile k
        for p in range(n_pix):
            k = 0
            for i in range(indptr[p], indptr[p + 1]):
                while k <= n_t and rows[i] >= k * tile:
                    starts[p, k] = i
                    k += 1
            while k <= n_t:
                starts[p, k] = indptr[p + 1]
                k += 1
        for row_tile in range(n_t):
            for col_tile in range(row_tile + 1):
                for p in range(n_pix):
                    j0, j1 = starts[p, col_tile], starts[p, col_tile + 1]
                    for i in range(starts[p, row_tile], starts[p, row_tile + 1]):
                        ti, vi = rows[i], values[i]
                        j_end = j1 if col_tile < row_tile else i + 1  # diagonal tile: t_j <= t_i
                        for j in range(j0, j_end):
                            out[ti, rows[j]] += vi * values[j]

    return gram_lower
