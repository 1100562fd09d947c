"""Two-time correlation C2 of every ROI, in two forms, on the CPU (BLAS SYRK) or a torch device.

Shapes: ``frames (T, H, W)``, ``labels (H, W)``, ``c2 (n_roi, T', T')``.  Time runs down
the rows and across the columns of every C2, origin upper left (as in APS 8-ID-I
result files).

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

import numpy as np
from scipy.linalg import blas as _blas

from xpcs_nb.validation import check_choice, check_int

from .pixels import _check_frames, _default_chunk, _roi_chunks, _roi_pixels

__all__ = ["FORMS", "two_time"]

FORMS = ("ratio", "paper")


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
    >>> from xpcs_nb.correlation import g2_from_c2
    >>> bool(abs(g2_from_c2(c2).mean() - 1) < 0.01)  # uncorrelated counts: baseline 1
    True
    """
    frames = _check_frames(frames)
    form = check_choice(form, "form", FORMS)
    n_frames = frames.shape[0]
    bin_frames = check_int(bin_frames, "bin_frames", minimum=1)
    n_out = n_frames // bin_frames
    if n_out < 2:
        raise ValueError(f"bin_frames={bin_frames} leaves {n_out} frame(s) of {n_frames}; need at least 2")
    dtype = _check_float_dtype(dtype)
    rois = _roi_pixels(labels, frames.shape[1:])
    if chunk_pixels is None:
        chunk_pixels = _default_chunk(n_frames, dtype.itemsize)
    chunk_pixels = check_int(chunk_pixels, "chunk_pixels", minimum=1)

    out = np.empty((len(rois), n_out, n_out), dtype=dtype)
    gemm = None if device is None else _TorchGram(device, dtype, n_out)
    syrk = _blas.ssyrk if dtype == np.float32 else _blas.dsyrk
    n_pix = 0
    frame_sum = np.zeros(n_out, dtype=np.float64)
    chunks = _roi_chunks(frames.reshape(n_frames, -1), rois, n_out * bin_frames, bin_frames, dtype, chunk_pixels)
    for r, x, last in chunks:
        if form == "paper":
            x = _paper_deviations(x)
        else:
            # per-frame sums; einsum's loop is ~5x faster than sum(dtype=float64)
            # and exact for counts (integers below 2^24 in float32)
            frame_sum += np.einsum("ij->i", x)
        if x.shape[1]:
            if gemm is not None:
                gemm.add(x)
            else:
                _syrk_accumulate(syrk, out[r], x, first=n_pix == 0)
            n_pix += x.shape[1]
        del x  # before the generator makes the next chunk
        if last:
            _finish_roi(out, r, form, n_pix, frame_sum, gemm)
            n_pix = 0
            frame_sum[:] = 0
    return out


def _check_float_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _paper_deviations(x: np.ndarray) -> np.ndarray:
    """D = I / <I>_t - 1 of a chunk (T', n), in place; zero-mean pixels are dropped."""
    mean = x.sum(axis=0, dtype=np.float64) / x.shape[0]
    good = mean > 0
    if not good.all():
        x = x[:, good]
        mean = mean[good]
    if x.shape[1]:
        np.multiply(x, (1.0 / mean).astype(x.dtype), out=x)
        np.subtract(x, 1, out=x)
    return x


def _syrk_accumulate(syrk, c: np.ndarray, x: np.ndarray, first: bool) -> None:
    """Lower triangle of ``c (T', T')`` += x x^T (``first``: = x x^T), in place, by BLAS SYRK.

    ``c.T`` is Fortran-ordered: SYRK accumulates into it in place, filling its upper
    triangle = the lower triangle of ``c``.  ``x`` is C-ordered (T', n): ``x.T`` is a
    Fortran (n, T') matrix A, and trans=1 gives A^T A = x x^T without a copy.  beta=0
    on the first chunk, so ``c`` need not be zeroed.
    """
    cf = c.T
    res = syrk(1.0, x.T, beta=0.0 if first else 1.0, c=cf, trans=1, lower=0, overwrite_c=1)
    if not np.shares_memory(res, cf):  # pragma: no cover - f2py made a copy
        cf[...] = res


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

