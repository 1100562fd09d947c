"""The pixels of each ROI, gathered from a frame stack in chunks: ``X_c (T', n_chunk)``.

Both correlators (:mod:`.twotime`, :mod:`.multitau`) read the stack only through
:func:`_roi_chunks`, which walks the ROIs in label order and hands out one C-ordered
chunk of pixels at a time, frames optionally summed in bins.  Memory stays bounded
whatever the stack's size: the labelled pixels are gathered in passes of at most
``_GATHER_BYTES`` and each chunk holds about ``_CHUNK_BYTES``.

Frames are checked here too: NaN, inf or a negative count in a *labelled* pixel is an
error; pixels outside every ROI are never read (detector gaps are often NaN).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from xpcs_nb.validation import check_array, check_int

from .roi import _check_labels

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

# How many missing ROIs an error message lists.
_LISTED = 10


def _check_frames(frames) -> np.ndarray:
    """Frames (T, H, W) of real numbers, T >= 2, as a numpy array (no copy when it is one).

    NaN is allowed here: it only matters in labelled pixels (see :func:`_check_chunk`).
    """
    frames = check_array(frames, "frames", ndim=3, kind="real", finite=False)
    if frames.shape[0] < 2:
        raise ValueError(f"frames must hold at least 2 frames, got {frames.shape[0]}")
    return frames


def _missing_labels(present: np.ndarray, n: int) -> np.ndarray:
    """The first few labels of 1..n absent from ``present`` (sorted, unique, within 1..n).

    Among 1..len(present) + k at most len(present) are present, so at least k are
    missing there: the search never needs an array of n values.
    """
    candidates = np.arange(1, min(n, present.size + _LISTED) + 1)
    return np.setdiff1d(candidates, present, assume_unique=True)[:_LISTED]


def _roi_pixels(labels, frame_shape: tuple[int, int], name: str = "labels") -> list[np.ndarray]:
    """Flat pixel indices (sorted) of labels 1..n; ValueError naming ``labels``.

    Memory follows the number of pixels, never the largest label: the labels are
    sorted once and the ROIs are the runs of equal values, so labels {1, 10**9} are
    reported as 999,999,998 empty ROIs without an array of 10**9 counts.

    >>> [pixels.tolist() for pixels in _roi_pixels([[2, 0], [1, 2]], (2, 2))]  # ROI 1, ROI 2
    [[2], [0, 3]]
    >>> _roi_pixels([[1, 10**9]], (1, 2))
    Traceback (most recent call last):
    ...
    ValueError: labels: 999999998 of the ROIs 1..1000000000 have no pixels (an empty ROI), first [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]; labels must be 1..n with every ROI non-empty (ROI r is output row r - 1)
    """
    flat = _check_labels(labels, shape=tuple(frame_shape), name=name).ravel()
    if flat.size and flat.min() < 0:
        raise ValueError(f"{name} must be >= 0 (0 = in no ROI), got a minimum of {flat.min()}")
    order = np.argsort(flat, kind="stable")
    in_roi = flat[order]
    first = int(np.searchsorted(in_roi, 1))  # sorted: the label-0 pixels come first
    in_roi = in_roi[first:]
    if in_roi.size == 0:
        raise ValueError(f"{name} select no pixel (every label is 0)")
    starts = np.concatenate(([0], np.flatnonzero(np.diff(in_roi)) + 1))
    present = in_roi[starts]
    n = int(present[-1])
    if present.size != n:
        missing = _missing_labels(present, n)
        raise ValueError(
            f"{name}: {n - present.size} of the ROIs 1..{n} have no pixels (an empty ROI), "
            f"first {missing.tolist()}; labels must be 1..n with every ROI non-empty (ROI r is output row r - 1)"
        )
    ends = np.append(starts[1:], in_roi.size)
    return [order[first + start:first + end] for start, end in zip(starts, ends)]


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


def _gather_passes(rois: list[np.ndarray], per_pass: int) -> list[list[tuple[int, np.ndarray, bool]]]:
    """Cut the ROIs' pixel lists into pieces and pack them into passes of <= per_pass pixels.

    Each piece is ``(roi index, pixel indices, whether it is the ROI's last piece)``.
    """
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
    return passes


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
    chunk_buf = np.empty(n_out * min(chunk_pixels, max(idx.size for idx in rois)), dtype=dtype)
    gather_buf = None
    for pieces in _gather_passes(rois, per_pass):
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
    """Pixels per chunk so that one chunk of ``n_frames`` values holds ~``_CHUNK_BYTES``."""
    return int(max(256, _CHUNK_BYTES // max(1, n_frames * itemsize)))


def _n_binned(n_frames: int, bin_frames) -> int:
    """T' = T // bin_frames, at least 2 (errors name bin_frames)."""
    bin_frames = check_int(bin_frames, "bin_frames", minimum=1)
    n_out = n_frames // bin_frames
    if n_out < 2:
        raise ValueError(f"bin_frames={bin_frames} leaves {n_out} frame(s) of {n_frames}; need at least 2")
    return n_out


def _check_float_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype
