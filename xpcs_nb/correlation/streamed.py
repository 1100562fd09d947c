"""The Gram matrix of every ROI from frames read in blocks: ``G = X X^T`` with two blocks in memory.

``X (T', N)`` holds an ROI's pixels (columns) in each (binned) frame (rows).  The
frames come from a :class:`~xpcs_nb.io.FrameSource` a block of
``B`` frames at a time: block i is read once and kept, blocks j >= i are read after
it, and each pair fills the part of G it owns, ``G[j, i] = X_j X_i^T`` (the lower
triangle; :func:`~xpcs_nb.correlation.two_time` mirrors it).  Memory: the output maps
plus two gathered blocks (``B x N`` values each) plus one raw block being read;
reads: n_b (n_b + 1) / 2 blocks for n_b = ceil(T' / B) blocks (the price of not
holding the stack; the operating system's page cache serves the repeats when the
file fits in it).

``paper_per_pixel`` needs each pixel's time mean before its deviations: one more
pass over the blocks first.

>>> import os, tempfile
>>> from xpcs_nb.correlation import open_frames, two_time
>>> frames = np.random.default_rng(0).poisson(1.0, (30, 8, 8)).astype(np.uint16)
>>> path = os.path.join(tempfile.mkdtemp(), "frames.npy")
>>> np.save(path, frames)
>>> mask = np.ones((8, 8), dtype=bool)
>>> streamed = two_time(open_frames(path), mask, block_frames=7)  # 5 blocks, 15 pairs of them
>>> bool(np.allclose(streamed, two_time(frames, mask)))
True
"""

from __future__ import annotations

import numpy as np

from .pixels import _CHUNK_BYTES, _check_chunk

__all__: list[str] = []


def _default_block(n_pixels: int, bin_frames: int, itemsize: int) -> int:
    """Output frames per block so that one gathered block holds ~``_CHUNK_BYTES``."""
    return max(1, _CHUNK_BYTES // max(1, n_pixels * itemsize))


def _load_block(source, sel: np.ndarray, t0: int, n_out_block: int, bin_frames: int, dtype) -> np.ndarray:
    """Output frames ``t0 .. t0 + n_out_block - 1`` of the pixels ``sel``: (n_out_block, sel.size) ``dtype``."""
    raw = source.read(t0 * bin_frames, (t0 + n_out_block) * bin_frames)
    picked = raw.reshape(raw.shape[0], -1)[:, sel]
    del raw
    _check_chunk(picked)
    if bin_frames == 1:
        return picked.astype(dtype)
    return picked.reshape(n_out_block, bin_frames, sel.size).sum(axis=1, dtype=dtype)


def _pixel_means(source, sel, n_out, bin_frames, block) -> np.ndarray:
    """Time mean of each pixel of ``sel`` over the n_out (binned) frames, float64."""
    total = np.zeros(sel.size)
    for t0 in range(0, n_out, block):
        x = _load_block(source, sel, t0, min(block, n_out - t0), bin_frames, np.float64)
        total += x.sum(axis=0)
    return total / n_out


def _streamed_gram(source, rois: list[np.ndarray], form: str, n_out: int, bin_frames: int, dtype,
                   block: int | None, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill the lower triangle of ``out[r] (T', T')`` with G of ROI r, for every r.

    ``X = I`` (frames binned), or for ``paper_per_pixel`` X = I / <I(p)>_t - 1 with
    zero-mean pixels set to 0 (left out).  Returns ``frame_sums (n_roi, T')`` float64,
    sum_p I(p, t) of each ROI, and ``n_pix (n_roi,)``, the pixels counted.
    """
    sel = np.concatenate(rois)
    edges = np.concatenate(([0], np.cumsum([idx.size for idx in rois])))
    if block is None:
        block = _default_block(sel.size, bin_frames, np.dtype(dtype).itemsize)
    n_pix = np.diff(edges)
    scale = keep = None
    if form == "paper_per_pixel":
        mean = _pixel_means(source, sel, n_out, bin_frames, block)
        good = mean > 0
        scale = np.where(good, 1.0 / np.where(good, mean, 1.0), 0.0).astype(dtype)
        keep = good.astype(dtype)  # subtract 1 only from the pixels kept: the others stay 0
        n_pix = np.add.reduceat(good, edges[:-1]) if sel.size else n_pix
    frame_sums = np.zeros((len(rois), n_out))
    starts = list(range(0, n_out, block))

    def load(t0):
        x = _load_block(source, sel, t0, min(block, n_out - t0), bin_frames, dtype)
        if scale is not None:
            x *= scale
            x -= keep
        return x

    for a in starts:
        xa = load(a)
        na = xa.shape[0]
        for r in range(len(rois)):
            frame_sums[r, a:a + na] = xa[:, edges[r]:edges[r + 1]].sum(axis=1, dtype=np.float64)
        for b in starts[starts.index(a):]:
            xb = xa if b == a else load(b)
            nb = xb.shape[0]
            for r in range(len(rois)):
                p0, p1 = edges[r], edges[r + 1]
                out[r, b:b + nb, a:a + na] = xb[:, p0:p1] @ xa[:, p0:p1].T
            del xb
        del xa
    return frame_sums, n_pix
