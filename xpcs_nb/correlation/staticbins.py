"""Static bins: each pixel divided by its static bin's mean (paper form) or each frame's
mean over its bin (ratio form, as APS's boost_corr does with its ``sqmap``).

A private helper of :func:`xpcs_nb.correlation.two_time` (``static_labels=``).
"""

from __future__ import annotations

import numpy as np

from .pixels import _roi_chunks, _roi_pixels
from .roi import _check_labels


class _StaticBins:
    """Per-pixel static-bin ids of each ROI and the bins' means, to divide chunks by.

    ``paper``: ``inv_mean (m,)`` = 1 / S_b (time average over bin b).  ``ratio``:
    ``inv_frame (T', m)`` = 1 / M_b(t) (each frame's mean over bin b; 1 where it is 0).
    """

    def __init__(self, rois: list[np.ndarray], ids: list[np.ndarray], form: str, inv_mean=None,
                 inv_frame=None) -> None:
        self.rois = rois
        self.ids = ids
        self.form = form
        self.inv_mean = inv_mean
        self.inv_frame = inv_frame

    def divide(self, r: int, offset: int, x: np.ndarray) -> np.ndarray:
        """Chunk ``x`` (T', n) of ROI r, starting at its pixel ``offset``, divided in place."""
        sid = self.ids[r][offset:offset + x.shape[1]]
        if self.form == "paper":
            np.multiply(x, self.inv_mean[sid].astype(x.dtype), out=x)
            return x
        # sid is sorted: one in-place broadcast multiply per run of one static bin
        starts = np.concatenate(([0], np.flatnonzero(np.diff(sid)) + 1, [sid.size]))
        for a, b in zip(starts[:-1], starts[1:]):
            x[:, a:b] *= self.inv_frame[:, sid[a]:sid[a] + 1]
        return x


def _static_bins(frames2d, rois, static_labels, frame_shape, n_used, bin_frames, dtype, chunk_pixels,
                 form) -> _StaticBins:
    """One pass over the static bins' pixels: their per-frame sums -> the divisors."""
    flat = _check_labels_named(static_labels, frame_shape)
    ids, grouped = [], []
    for r, idx in enumerate(rois):
        s = flat[idx]
        if np.any(s <= 0):
            raise ValueError(f"static_labels: {int(np.sum(s <= 0))} pixel(s) of ROI {r + 1} lie in no static bin "
                             "(static label 0); every labelled pixel needs one")
        order = np.argsort(s, kind="stable")
        grouped.append(idx[order])
        ids.append(s[order] - 1)
    bins = _roi_pixels(flat.reshape(frame_shape), frame_shape, name="static_labels")
    n_out = n_used // bin_frames
    sums = np.zeros((n_out, len(bins)), dtype=np.float64)
    counts = np.array([idx.size for idx in bins], dtype=np.float64)
    for b, x, _ in _roi_chunks(frames2d, bins, n_used, bin_frames, dtype, chunk_pixels):
        sums[:, b] += np.einsum("ij->i", x)
    if form == "paper":
        mean = sums.sum(axis=0) / (n_out * counts)
        with np.errstate(divide="ignore"):
            inv = np.where(mean > 0, 1.0 / mean, 0.0)
        for r, s in enumerate(ids):
            if np.all(mean[s] == 0):
                raise ValueError(f"labels: ROI {r + 1} holds no photon in any frame (its mean intensity S is 0)")
        return _StaticBins(grouped, ids, form, inv_mean=inv)
    per_frame = sums / counts
    per_frame[per_frame <= 0] = 1.0  # as boost_corr: a bin without photons is left as it is
    return _StaticBins(grouped, ids, form, inv_frame=np.ascontiguousarray(1.0 / per_frame).astype(dtype))


def _check_labels_named(static_labels, frame_shape) -> np.ndarray:
    """``static_labels`` (H, W) -> flat int64 >= 0, errors naming it."""
    flat = _check_labels(static_labels, shape=tuple(frame_shape), name="static_labels").ravel()
    if flat.size and flat.min() < 0:
        raise ValueError(f"static_labels must be >= 0 (0 = in no bin), got a minimum of {flat.min()}")
    return flat
