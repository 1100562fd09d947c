"""Multi-tau one-time correlation g2 of every ROI (scikit-beam's lags and normalisation).

Shapes: ``frames (T, H, W)``, ``labels (H, W)``, ``lags (n_lags,)`` in frames,
``g2 (n_roi, n_lags)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xpcs_nb.validation import check_int


from .pixels import (_GATHER_BYTES, _check_chunk, _check_frames, _default_chunk, _gather_passes, _roi_chunks,
                     _roi_pixels)
from xpcs_nb.io import FrameSource
from .sparse import _check_sparse_frames

__all__ = ["multi_tau_lags", "multi_tau_g2"]


def multi_tau_lags(num_levels: int, num_bufs: int) -> tuple[np.ndarray, np.ndarray]:
    """The multi-tau lag scheme: (lags in frames, level of each lag).

    Level 0: lags ``0 .. num_bufs-1``; level L >= 1: ``(num_bufs/2 + j) 2^L`` for
    ``j = 0 .. num_bufs/2 - 1``, measured on frames averaged in pairs L times.
    The same lags as scikit-beam's ``multi_tau_lags``.

    >>> lags, levels = multi_tau_lags(3, 4)
    >>> lags.tolist(), levels.tolist()
    ([0, 1, 2, 3, 4, 6, 8, 12], [0, 0, 0, 0, 1, 1, 2, 2])
    """
    num_levels = check_int(num_levels, "num_levels", minimum=1)
    num_bufs = check_int(num_bufs, "num_bufs", minimum=2)
    if num_bufs % 2:
        raise ValueError(f"num_bufs must be an even integer >= 2, got {num_bufs!r}")
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
    frames : (T, H, W), a FrameSource or a scipy.sparse matrix (T, H*W)
        Photon counts, as for :func:`two_time`.  A sparse matrix is made dense a
        chunk of pixels at a time; a FrameSource is read once per 512 MiB of
        labelled pixels (in the file's dtype), a block of frames at a time.
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

    Examples
    --------
    >>> frames = np.random.default_rng(0).poisson(2.0, size=(64, 16, 16))
    >>> lags, g2 = multi_tau_g2(frames, np.ones((16, 16), dtype=bool), num_levels=3, num_bufs=4)
    >>> lags.tolist(), g2.shape
    ([0, 1, 2, 3, 4, 6, 8, 12], (1, 8))
    >>> bool(np.all(abs(g2[0, 1:] - 1) < 0.02))  # uncorrelated counts: g2 = 1 beyond lag 0
    True
    """
    if not (isinstance(frames, FrameSource) or sp.issparse(frames)):
        frames = _check_frames(frames)
    lag_frames, lag_level = multi_tau_lags(num_levels, num_bufs)  # checks both
    num_levels = int(num_levels)
    frame_shape = np.shape(labels) if sp.issparse(frames) else tuple(frames.shape[1:])
    rois = _roi_pixels(labels, frame_shape)
    n_frames = frames.shape[0]
    if chunk_pixels is None:
        chunk_pixels = _default_chunk(n_frames, 8)
    chunk_pixels = check_int(chunk_pixels, "chunk_pixels", minimum=1)
    # every output lag as (level, k): k in level-L frames, lag = k 2^L frames
    steps = [(int(level), int(lag) >> int(level)) for lag, level in zip(lag_frames, lag_level)]
    if sp.issparse(frames):
        chunks = _sparse_chunks(_check_sparse_frames(frames, frame_shape), rois, chunk_pixels)
    elif isinstance(frames, FrameSource):
        chunks = _source_chunks(frames, rois, chunk_pixels)
    else:
        chunks = _roi_chunks(frames.reshape(n_frames, -1), rois, n_frames, 1, np.float64, chunk_pixels)
    prod, sums = _lag_products(chunks, len(rois), steps, n_frames, num_levels)
    for r in range(len(rois)):
        if not np.any(sums[0][r] > 0):
            raise ValueError(f"labels: ROI {r + 1} holds no photon in any frame (all pixels zero-mean)")
    n_pixels = np.array([idx.size for idx in rois])
    g2, past, future = _normalised_terms(prod, sums, n_pixels, steps)
    # scikit-beam stops at the first lag whose past intensity is 0 in any ROI
    # (a lag without any pair of frames, or an ROI dark over those frames)
    zero = np.flatnonzero(np.any(past == 0, axis=0))
    g_max = zero[0] if zero.size else len(steps)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = g2[:, :g_max] / (past[:, :g_max] * future[:, :g_max])
    return lag_frames[:g_max], out


def _sparse_chunks(csc: sp.csc_matrix, rois, chunk_pixels: int):
    """``(r, x, last)`` as :func:`_roi_chunks` yields them, from sparse frames: each chunk made dense alone."""
    for r, idx in enumerate(rois):
        for c0 in range(0, idx.size, chunk_pixels):
            yield r, csc[:, idx[c0:c0 + chunk_pixels]].toarray().astype(np.float64), c0 + chunk_pixels >= idx.size


def _source_chunks(source: FrameSource, rois, chunk_pixels: int, block_frames: int = 256):
    """``(r, x, last)`` from frames on disk: the labelled pixels gathered a pass at a time.

    Each pass reads the whole file in blocks of ``block_frames`` frames and keeps the
    pass's pixels (at most ``_GATHER_BYTES`` in the file's dtype) of every frame.
    """
    n_frames = source.shape[0]
    per_pass = max(1, _GATHER_BYTES // (n_frames * source.dtype.itemsize))
    for pieces in _gather_passes(rois, per_pass):
        sel = np.concatenate([p[1] for p in pieces])
        block = np.empty((n_frames, sel.size), dtype=source.dtype)
        for t0 in range(0, n_frames, block_frames):
            t1 = min(n_frames, t0 + block_frames)
            block[t0:t1] = source.read(t0, t1).reshape(t1 - t0, -1)[:, sel]
            _check_chunk(block[t0:t1])
        offset = 0
        for r, piece, last_piece in pieces:
            for c0 in range(0, piece.size, chunk_pixels):
                c1 = min(piece.size, c0 + chunk_pixels)
                yield r, block[:, offset + c0:offset + c1].astype(np.float64), last_piece and c1 == piece.size
            offset += piece.size
        del block


def _lag_products(chunks, n_roi: int, steps: list[tuple[int, int]], n_frames: int,
                  num_levels: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sums over t and pixels of B_L(t) B_L(t + k) per ROI and lag, and per-frame ROI sums.

    Returns ``prod (n_roi, n_lags)`` and ``sums``: one ``(n_roi, T // 2^L)`` array per
    level L, the ROI's summed intensity in each level-L frame.
    """
    n_lag = len(steps)
    prod = np.zeros((n_roi, n_lag))
    sums = [np.zeros((n_roi, n_frames // 2**level)) for level in range(num_levels)]
    for r, x, _ in chunks:
        b = x
        j = 0
        for level in range(num_levels):
            n = b.shape[0]
            sums[level][r] += b.sum(axis=1)
            while j < n_lag and steps[j][0] == level:
                k = steps[j][1]
                if k < n:
                    # einsum's own SIMD loop, not BLAS ddot: a dot is memory-bound,
                    # and a threaded BLAS dot stalls badly when the cores are shared.
                    prod[r, j] += np.einsum("i,i->", b[: n - k].ravel(), b[k:].ravel())
                j += 1
            if level + 1 < num_levels:
                m = n // 2
                b = (b[0:2 * m:2] + b[1:2 * m:2]) / 2
        del x, b
    return prod, sums


def _normalised_terms(prod: np.ndarray, sums: list[np.ndarray], n_pixels: np.ndarray,
                      steps: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """<B(t) B(t+k)>, <B(t)> and <B(t+k)> over pixels and the n_L - k start times.

    Each (n_roi, n_lags); zero where a lag has no pair of frames (k >= n_L).
    """
    g2, past, future = np.zeros_like(prod), np.zeros_like(prod), np.zeros_like(prod)
    for j, (level, k) in enumerate(steps):
        n = sums[level].shape[1]
        if k >= n:
            continue
        count = n_pixels * (n - k)
        g2[:, j] = prod[:, j] / count
        past[:, j] = sums[level][:, : n - k].sum(axis=1) / count
        future[:, j] = sums[level][:, k:].sum(axis=1) / count
    return g2, past, future
