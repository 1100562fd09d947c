"""Static bins: each pixel divided by its static bin's mean (paper form) or each frame's
mean over its bin (ratio form, as APS's boost_corr does with its ``sqmap``).

A private helper of :func:`xpcs_nb.correlation.two_time` (``static_labels=``), for
frames in memory (:class:`_StaticBins`, below) and for frames streamed from disk or
photon-sparse (:func:`_divided_frames`: the frames binned and divided first, then
correlated as they are, with the same numbers).

Where the time goes (5,000 frames x 100,000 uint16 pixels, 10 static q rings, one
ROI): the Gram product itself is the same SYRK as without static bins; what static
bins add is one read of the frames for the per-frame bin sums, and a division of
every chunk.  Both are numba kernels here: the bin sums walk each frame's labelled
pixels in runs of one bin (no gather, no float copy of the frames), and the chunks
of an ROI that is one run of pixels are read, binned in time, converted, divided and
summed per frame in one pass (what ``_roi_chunks`` + a divide + the frame sums took
three passes for).  ROIs that are not one run are gathered by ``_roi_chunks`` and
divided in place.  The kernels compile on first use (a few seconds, cached on disk).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import numpy as np

import scipy.sparse as _sp

from .pixels import _CHUNK_BYTES, _check_float_dtype, _n_binned, _roi_chunks, _roi_pixels
from .roi import _check_labels
from xpcs_nb.io import FrameSource
from .sparse import _binned, _check_sparse_frames


class _StaticBins:
    """Per-pixel static-bin ids of each ROI and the bins' means, to divide chunks by.

    ``rois`` are the ROIs' pixels in their own (sorted) order and ``ids`` the static
    bin (0-based) of each.  ``paper``: ``inv_mean (m,)`` = 1 / S_b (time average over
    bin b).  ``ratio``: ``inv_frame (T', m)`` = 1 / M_b(t) (each frame's mean over bin
    b; 1 where it is 0).
    """

    def __init__(self, rois: list[np.ndarray], ids: list[np.ndarray], form: str, inv_mean=None,
                 inv_frame=None) -> None:
        self.rois = rois
        self.ids = ids
        self.form = form
        self.inv_mean = inv_mean
        self.inv_frame = inv_frame
        self.factors = None  # one row of divisors, reused

    def divide(self, r: int, offset: int, x: np.ndarray, row_sums: np.ndarray) -> np.ndarray:
        """Chunk ``x`` (T', n) of ROI r, starting at its pixel ``offset``, divided in place;
        ``row_sums (T',)`` float64 receives sum_p x[t, p] of the divided chunk."""
        sid = self.ids[r][offset:offset + x.shape[1]]
        if self.form == "paper":
            np.multiply(x, self.inv_mean[sid].astype(x.dtype), out=x)
            row_sums[:] = np.einsum("ij->i", x)
            return x
        if self.factors is None or self.factors.size < x.shape[1] or self.factors.dtype != x.dtype:
            self.factors = np.empty(x.shape[1], dtype=x.dtype)
        _kernels()[1](x, self.inv_frame, *_runs(sid), row_sums, self.factors)
        return x

    def chunks(self, frames2d: np.ndarray, n_used: int, bin_frames: int, dtype, chunk_pixels: int,
               row_sums: np.ndarray) -> Iterator[tuple[int, np.ndarray, bool]]:
        """Like :func:`~xpcs_nb.correlation.pixels._roi_chunks`, each chunk already divided;
        ``row_sums (T',)`` holds the divided chunk's per-frame sums when it is yielded."""
        if self.form == "ratio" and all(_is_run(idx) for idx in self.rois):
            yield from self._fused_chunks(frames2d, n_used // bin_frames, bin_frames, dtype, chunk_pixels,
                                          row_sums)
            return
        offset, previous = 0, 0
        for r, x, last in _roi_chunks(frames2d, self.rois, n_used, bin_frames, dtype, chunk_pixels):
            offset = 0 if r != previous else offset
            previous = r
            yield r, self.divide(r, offset, x, row_sums), last
            offset += x.shape[1]

    def _fused_chunks(self, frames2d, n_out, bin_frames, dtype, chunk_pixels, row_sums):
        """Chunks of ROIs that are one run of pixels each: read, bin, convert, divide, sum at once."""
        fused = _kernels()[2]
        frames2d = _for_numba(frames2d)
        buf = np.empty(n_out * min(chunk_pixels, max(idx.size for idx in self.rois)), dtype=dtype)
        factors = np.empty(buf.size // n_out, dtype=dtype)
        for r, idx in enumerate(self.rois):
            for c0 in range(0, idx.size, chunk_pixels):
                c1 = min(idx.size, c0 + chunk_pixels)
                x = buf[: n_out * (c1 - c0)].reshape(n_out, c1 - c0)
                fused(frames2d, int(idx[0]) + c0, bin_frames, self.inv_frame, *_runs(self.ids[r][c0:c1]), x,
                      row_sums, factors)
                yield r, x, c1 == idx.size
                del x


def _static_bins(frames2d, rois, static_labels, frame_shape, n_used, bin_frames, dtype, chunk_pixels,
                 form) -> _StaticBins:
    """One pass over the static bins' pixels: their per-frame sums -> the divisors.

    NaN, inf or a negative count in a pixel of a static bin -> ValueError naming
    frames (every ROI pixel lies in a bin, so the ROIs are checked here too).
    """
    flat, ids, counts = _bin_layout(rois, static_labels, frame_shape)
    sums = _bin_sums(frames2d, flat, n_used, bin_frames, counts.size)
    divisors = _divisors(sums, counts, ids, form, dtype)
    if form == "paper":
        return _StaticBins(rois, ids, form, inv_mean=divisors)
    return _StaticBins(rois, ids, form, inv_frame=divisors)


def _bin_layout(rois, static_labels, frame_shape) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """``flat (H*W,)`` static labels, each ROI pixel's bin (0-based) and each bin's pixel count.

    ValueError when an ROI pixel lies in no bin or a bin 1..m has no pixel.
    """
    flat = _check_labels_named(static_labels, frame_shape)
    ids = []
    for r, idx in enumerate(rois):
        s = flat[idx]
        if np.any(s <= 0):
            raise ValueError(f"static_labels: {int(np.sum(s <= 0))} pixel(s) of ROI {r + 1} lie in no static bin "
                             "(static label 0); every labelled pixel needs one")
        ids.append((s - 1).astype(np.int64))
    bins = _roi_pixels(flat.reshape(frame_shape), frame_shape, name="static_labels")  # every bin has pixels
    return flat, ids, np.array([idx.size for idx in bins], dtype=np.float64)


def _divisors(sums: np.ndarray, counts: np.ndarray, ids: list[np.ndarray], form: str, dtype) -> np.ndarray:
    """From the bin sums ``(T', m)``: ``inv_mean (m,)`` float64 (paper) or ``inv_frame (T', m)`` (ratio)."""
    n_out = sums.shape[0]
    if form == "paper":
        mean = sums.sum(axis=0) / (n_out * counts)
        with np.errstate(divide="ignore"):
            inv = np.where(mean > 0, 1.0 / mean, 0.0)
        for r, s in enumerate(ids):
            if np.all(mean[s] == 0):
                raise ValueError(f"labels: ROI {r + 1} holds no photon in any frame (its mean intensity S is 0)")
        return inv
    per_frame = sums / counts
    per_frame[per_frame <= 0] = 1.0  # as boost_corr: a bin without photons is left as it is
    return np.ascontiguousarray(1.0 / per_frame).astype(dtype)


# ----------------------------------------------- frames that are not an array in memory


def _divided_frames(frames, labels, static_labels, form: str, bin_frames, dtype, block_frames=None):
    """Frames binned and divided by their static-bin means, of the kind they came in.

    ``frames`` is a :class:`~xpcs_nb.io.FrameSource` (streamed) or a
    scipy sparse matrix ``(T, H*W)``; the result is the same kind with ``T' = T //
    bin_frames`` frames of ``dtype`` (a FrameSource that bins and divides each block as
    it is read; a CSR matrix with the same non-zeros), to be correlated with
    ``bin_frames=1`` and finished as divided frames.  The bins' sums take one pass
    over the frames (one more read of a FrameSource).  Each value is the binned count
    converted to ``dtype`` times its divisor in ``dtype``, as the in-memory path
    computes it.
    """
    if form == "paper_per_pixel":
        raise ValueError('static_labels has no meaning for form="paper_per_pixel" (each pixel is its own bin)')
    dtype = _check_float_dtype(dtype)
    sparse = _sp.issparse(frames)
    frame_shape = np.shape(labels) if sparse else tuple(frames.shape[1:])
    if len(frame_shape) != 2:
        raise ValueError(f"labels must be 2-D (H, W), got shape {frame_shape}")
    n_out = _n_binned(frames.shape[0], bin_frames)
    rois = _roi_pixels(labels, frame_shape)
    flat, ids, counts = _bin_layout(rois, static_labels, frame_shape)
    if sparse:
        binned = _binned(_check_sparse_frames(frames, frame_shape), n_out, bin_frames)
        indicator = _sp.csr_matrix((np.ones(int(np.sum(flat > 0))), (np.flatnonzero(flat > 0), flat[flat > 0] - 1)),
                                   shape=(flat.size, counts.size))
        sums = np.asarray((binned @ indicator).todense(), dtype=np.float64)
    else:
        binned = frames
        sums = _streamed_bin_sums(frames, flat, n_out, bin_frames, counts.size, dtype, block_frames)
    divisors = _divisors(sums, counts, ids, form, dtype)
    # one column more, 0: the factor of pixels in no bin (label 0 -> index -1), outside every ROI
    divisors = np.concatenate([divisors, np.zeros(divisors.shape[:-1] + (1,), divisors.dtype)], axis=-1)
    bin_index = flat - 1
    if sparse:
        return _divided_sparse(binned, divisors, bin_index, form, dtype)
    return _DividedFrames(frames, divisors, bin_index, form, bin_frames, n_out, dtype)


def _divided_sparse(binned, divisors, bin_index, form, dtype) -> _sp.csr_matrix:
    """The CSR ``binned (T', H*W)`` as ``dtype``, each value times its bin's divisor."""
    x = _sp.csr_matrix(binned, dtype=dtype, copy=True)
    columns = bin_index[x.indices]
    if form == "paper":
        x.data *= divisors[columns].astype(dtype)
    else:
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        x.data *= divisors[rows, columns]
    return x


def _streamed_bin_sums(source, flat, n_out, bin_frames, n_bins, dtype, block_frames) -> np.ndarray:
    """``sums (T', m)`` of a FrameSource, read a block at a time (as :func:`_bin_sums`)."""
    block = block_frames or max(1, _CHUNK_BYTES // max(1, flat.size * np.dtype(dtype).itemsize))
    sums = np.empty((n_out, n_bins), dtype=np.float64)
    for t0 in range(0, n_out, block):
        t1 = min(n_out, t0 + block)
        raw = source.read(t0 * bin_frames, t1 * bin_frames)
        sums[t0:t1] = _bin_sums(raw.reshape(raw.shape[0], -1), flat, raw.shape[0], bin_frames, n_bins)
    return sums


class _DividedFrames(FrameSource):
    """A FrameSource's frames binned by ``bin_frames`` and divided by their static-bin means.

    ``read(t0, t1)`` gives binned frames ``t0 .. t1 - 1`` of ``dtype``; pixels in no
    static bin read as 0 (they lie outside every ROI).
    """

    def __init__(self, source, divisors, bin_index, form, bin_frames, n_out, dtype) -> None:
        self.source, self.divisors, self.bin_index = source, divisors, bin_index
        self.form, self.bin_frames = form, bin_frames
        self.path = getattr(source, "path", "<frames>")
        self.shape = (n_out, *source.shape[1:])
        self.dtype = np.dtype(dtype)

    def _read(self, t0: int, t1: int) -> np.ndarray:
        raw = self.source.read(t0 * self.bin_frames, t1 * self.bin_frames)
        n_pixels = self.bin_index.size
        x = raw.reshape(t1 - t0, self.bin_frames, n_pixels).sum(axis=1, dtype=self.dtype)
        del raw
        if self.form == "paper":
            x *= self.divisors[self.bin_index].astype(self.dtype)
        else:
            x *= self.divisors[t0:t1][:, self.bin_index]
        return x.reshape(t1 - t0, *self.shape[1:])


def _bin_sums(frames2d, flat, n_used, bin_frames, n_bins) -> np.ndarray:
    """``sums (T', m)`` float64: sum over the pixels of static bin b of (binned) frame t'."""
    pixels = np.flatnonzero(flat > 0)
    bin_of = flat[pixels] - 1
    # runs of consecutive pixels in one bin: each frame is read in order, a run at a time
    breaks = np.flatnonzero((np.diff(pixels) != 1) | (np.diff(bin_of) != 0)) + 1
    starts = np.concatenate(([0], breaks))
    run_start = pixels[starts].astype(np.int64)
    run_end = pixels[np.append(breaks, pixels.size) - 1].astype(np.int64) + 1
    run_bin = bin_of[starts].astype(np.int64)
    sums = np.zeros((n_used // bin_frames, n_bins), dtype=np.float64)
    check = not (frames2d.dtype == np.bool_ or np.issubdtype(frames2d.dtype, np.unsignedinteger))
    lowest = _kernels()[0](_for_numba(frames2d), bin_frames, run_start, run_end, run_bin, sums, check)
    if check and not np.all(np.isfinite(sums)):
        raise ValueError("frames hold NaN or inf in a labelled pixel")
    if check and lowest < 0:
        raise ValueError(f"frames hold negative counts (min {lowest}) in a labelled pixel")
    return sums


def _for_numba(frames2d: np.ndarray) -> np.ndarray:
    """The frames in a dtype numba reads: bool as uint8 (a view), float16 as float32 (a copy)."""
    if frames2d.dtype == np.bool_:
        return frames2d.view(np.uint8)
    if frames2d.dtype == np.float16:
        return frames2d.astype(np.float32)
    return frames2d


def _is_run(idx: np.ndarray) -> bool:
    """Whether sorted pixel indices are one run of consecutive pixels."""
    return idx.size > 0 and int(idx[-1]) - int(idx[0]) + 1 == idx.size


@cache
def _kernels():
    """The three numba kernels (bin sums, divide in place, read and divide), compiled on first use.

    Each works a frame (a row of a chunk) at a time through small 1-D loops that LLVM
    vectorises: a uint16 -> float32 copy, a multiply by the row's factors (filled run
    by run), a sum.  Arithmetic stays in the chunk's dtype (numba would otherwise
    promote an integer times a float32 to float64); only the sums are float64.
    """
    import numba

    fast = {"reassoc", "nsz", "arcp", "contract"}  # lets LLVM reorder the sums into vector lanes

    @numba.njit(cache=True, nogil=True, fastmath=fast)
    def run_sum(row, start, end):
        s = 0.0
        for p in range(start, end):
            s += row[p]
        return s

    @numba.njit(cache=True, nogil=True)
    def run_min(row, start, end, lowest):
        for p in range(start, end):
            if row[p] < lowest:
                lowest = row[p]
        return lowest

    @numba.njit(cache=True, nogil=True)
    def bin_sums(frames2d, bin_frames, run_start, run_end, run_bin, sums, check):
        """sums[t', b] += the pixels of the runs of bin b in frames t' * bin_frames ...;
        returns the smallest value seen (when ``check``; +inf otherwise)."""
        lowest = np.inf
        for t in range(sums.shape[0]):
            for f in range(t * bin_frames, (t + 1) * bin_frames):
                row = frames2d[f]
                for k in range(run_start.size):
                    sums[t, run_bin[k]] += run_sum(row, run_start[k], run_end[k])
                    if check:
                        lowest = run_min(row, run_start[k], run_end[k], lowest)
        return lowest

    @numba.njit(cache=True, nogil=True)
    def fill(factors, inv_row, run_start, run_end, run_bin):
        for k in range(run_start.size):
            c = inv_row[run_bin[k]]
            for j in range(run_start[k], run_end[k]):
                factors[j] = c

    @numba.njit(cache=True, nogil=True, fastmath=fast)
    def scale_and_sum(dst, factors):
        s = 0.0
        for j in range(dst.size):
            v = dst[j] * factors[j]
            dst[j] = v
            s += v
        return s

    @numba.njit(cache=True, nogil=True)
    def copy_row(src, dst):
        for j in range(dst.size):
            dst[j] = src[j]

    @numba.njit(cache=True, nogil=True)
    def add_row(src, dst):
        for j in range(dst.size):
            dst[j] += src[j]

    @numba.njit(cache=True, nogil=True)
    def divide_in_place(x, inv, run_start, run_end, run_bin, row_sums, factors):
        """x[t, j] *= inv[t, bin of j] (bins given as runs of columns); row_sums[t] = sum_j x[t, j]."""
        f = factors[: x.shape[1]]
        for t in range(x.shape[0]):
            fill(f, inv[t], run_start, run_end, run_bin)
            row_sums[t] = scale_and_sum(x[t], f)

    @numba.njit(cache=True, nogil=True)
    def read_divided(frames2d, col0, bin_frames, inv, run_start, run_end, run_bin, x, row_sums, factors):
        """x[t, j] = (frames t * bin_frames ... summed)[col0 + j] * inv[t, bin of j], in x's
        dtype; row_sums[t] = sum_j x[t, j]."""
        n = x.shape[1]
        f = factors[:n]
        for t in range(x.shape[0]):
            dst = x[t]
            f0 = t * bin_frames
            copy_row(frames2d[f0, col0:col0 + n], dst)
            for g in range(f0 + 1, f0 + bin_frames):
                add_row(frames2d[g, col0:col0 + n], dst)
            fill(f, inv[t], run_start, run_end, run_bin)
            row_sums[t] = scale_and_sum(dst, f)

    return bin_sums, divide_in_place, read_divided


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal ``values`` (1-D): (start, end, value) int64 arrays.

    >>> [r.tolist() for r in _runs(np.array([3, 3, 1, 1, 1, 3]))]
    [[0, 2, 5], [2, 5, 6], [3, 1, 3]]
    """
    breaks = np.flatnonzero(np.diff(values)) + 1
    start = np.concatenate(([0], breaks)).astype(np.int64)
    end = np.append(breaks, values.size).astype(np.int64)
    return start, end, values[start].astype(np.int64)


def _check_labels_named(static_labels, frame_shape) -> np.ndarray:
    """``static_labels`` (H, W) -> flat int64 >= 0, errors naming it."""
    flat = _check_labels(static_labels, shape=tuple(frame_shape), name="static_labels").ravel()
    if flat.size and flat.min() < 0:
        raise ValueError(f"static_labels must be >= 0 (0 = in no bin), got a minimum of {flat.min()}")
    return flat
