"""From an accumulated product to C2: the normalisation each form needs, and the mirror.

:func:`~xpcs_nb.correlation.two_time` (and its streamed, sparse and GPU paths) adds
up ``G = sum_p Y(p, t1) Y(p, t2)`` for each ROI, upper triangle only; the helpers
here turn ``G (T', T')`` into that ROI's C2 in place, in float32 or float64 as
``G`` is, and report the frames that had no photon in the ROI.
"""

from __future__ import annotations

import math
import warnings

import numpy as np


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


def _finish_roi(out, r, form, n_pix, frame_sum, gemm, divided: bool = False) -> int:
    """Normalise ROI r's accumulated product in place and mirror it.

    ``frame_sum (T',)`` is sum_p Y(p, t) of what was multiplied: Y = I, or, when
    ``divided``, I already divided by its static-bin mean (then S = 1 below).
    Returns the number of frames without any photon in the ROI (ratio form: their
    rows and columns are NaN; 0 in the other forms).
    """
    label = r + 1
    dtype = out.dtype
    n_out = out.shape[1]
    if form == "paper_per_pixel":
        if n_pix == 0:
            raise ValueError(f"labels: ROI {label} has no pixel with a non-zero time-mean intensity")
        w = np.full(n_out, 1.0 / math.sqrt(n_pix), dtype=dtype)  # C2 = D D^T / N
    elif form == "paper":
        s_mean = frame_sum.sum() / (n_out * n_pix)  # S of the ROI (about 1 when Y = I / S)
        scale = 1.0 if divided else s_mean
        if not s_mean > 0:
            raise ValueError(f"labels: ROI {label} holds no photon in any frame (its mean intensity S is 0)")
        w = np.full(n_out, 1.0 / (math.sqrt(n_pix) * scale), dtype=dtype)  # G / (N S^2)
    else:
        if not np.any(frame_sum > 0):  # a mask or geometry error, more likely than a map to write
            raise ValueError(f"labels: ROI {label} holds no photon in any frame (all pixels zero-mean)")
        with np.errstate(divide="ignore"):
            w = (math.sqrt(n_pix) / frame_sum).astype(dtype)  # C2 = N G / (y y^T)
    if gemm is not None:
        out[r] = gemm.result()
    _scale_and_mirror(out[r], w)
    if form == "paper":
        u = (frame_sum / (n_pix * scale)).astype(dtype)  # y(t) / (N S)
        c = out[r]
        c -= u[:, None]
        c -= u[None, :]
        c += 1
    dark = frame_sum == 0
    if form == "ratio" and dark.any():
        out[r][dark, :] = np.nan
        out[r][:, dark] = np.nan
        return int(dark.sum())
    return 0


def _warn_dark_frames(dark: list[int], n_frames: int) -> None:
    """One RuntimeWarning for the whole call (not one per ROI): which ROIs had dark frames."""
    dark = np.asarray(dark)
    hit = np.flatnonzero(dark)
    if hit.size == 0:
        return
    listed = ", ".join(f"ROI {r + 1}: {dark[r]}" for r in hit[:5]) + (", ..." if hit.size > 5 else "")
    warnings.warn(
        f"{hit.size} of {dark.size} ROIs have frames without any photon ({listed}; of {n_frames} frames); "
        "their C2 rows and columns are NaN",
        RuntimeWarning,
        stacklevel=3,
    )
