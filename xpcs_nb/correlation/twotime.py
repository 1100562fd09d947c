"""Two-time correlation C2 of every ROI, in three forms, on the CPU (BLAS SYRK) or a torch device.

Shapes: ``frames (T, H, W)``, ``labels (H, W)``, ``static_labels (H, W)``,
``c2 (n_roi, T', T')``.  Time runs down the rows and across the columns of every C2,
origin upper left (as in APS 8-ID-I result files).  ``p`` runs over the N pixels of
one ROI, ``b(p)`` is the static bin of pixel p (``static_labels``; by default the ROI
itself), ``n_b`` the number of pixels in bin b and T' the number of (binned) frames.

``form="paper"`` -- the AI-NERD paper's eq. (1)-(2) (Methods V B), with <I(Q)>_t "the
1D SAXS intensity at the pixel with momentum transfer Q, i.e., azimuthal average of
the time-average"::

    S_b        = (1 / (T' n_b)) sum_t sum_{p in b} I(p, t)      (time average, averaged over bin b)
    D(p, t)    = (I(p, t) - S_b(p)) / S_b(p)
    C2(t1, t2) = < D(p, t1) D(p, t2) >_p                       (mean over the ROI's N pixels)

Frozen speckle keeps C2 near the speckle contrast; the baseline of decorrelated frames
is the spread of the pixels' time means about S, near 0 for a fine enough bin.  Rows
do *not* sum to zero.

``form="paper_per_pixel"`` -- the same with each pixel's *own* time average in place
of S (the form this package called "paper" before)::

    D(p, t)    = I(p, t) / <I(p)>_t - 1,     C2(t1, t2) = < D(p, t1) D(p, t2) >_p

Every row sums to zero exactly (sum_t D(p, t) = 0 for each pixel), so C2 is pulled
down by about the mean of its row: frozen or slow speckle, whose fluctuation about each
pixel's own mean is only Poisson noise, gives C2 near 0 off the diagonal.  Pixels whose
time mean is zero are left out (they would be divided by).

``form="ratio"`` -- APS 8-ID-I (boost_corr) and scikit-beam's ``two_time_corr``::

    Y(p, t)    = I(p, t) / M_b(p)(t),   M_b(t) = (1 / n_b) sum_{p in b} I(p, t)   (only with static_labels)
    C2(t1, t2) = N sum_p Y(p, t1) Y(p, t2) / ( sum_p Y(p, t1) sum_p Y(p, t2) )

Without ``static_labels`` Y = I: the plain ratio form, baseline 1, which cancels a
flux that changes from frame to frame.  With ``static_labels`` each frame is first
divided by its own mean over each static bin, as boost_corr does with its ``sqmap``
(``TwotimeCorrelator.compute_smooth_data``: per frame, the mean over the bin, a zero
mean replaced by 1); with static bins equal to the ROI this is the plain ratio form
again.  It keeps the baseline at 1 when the ROI holds bins of different mean
intensity and the flux drifts (the plain form's baseline then rises above 1).  No
pixel is divided by in the plain form, so every labelled pixel counts, zeros
included (a pixel that caught no photon is a valid sample; dead pixels belong out of
``labels``) -- exactly as scikit-beam.

All three are one symmetric matrix product per ROI, accumulated over pixel chunks,
``G += X_c X_c^T`` with ``X_c (T', n_chunk)``: BLAS SYRK on the CPU
(``scipy.linalg.blas.ssyrk`` / ``dsyrk``, then the triangle is mirrored), or a torch
GEMM when ``device=`` is given (a GPU when there is one).  The paper form with the
default static bin needs no extra pass: with Y = I and y(t) = sum_p I(p, t),
C2 = G / (N S^2) - (y(t1) + y(t2)) / (N S) + 1.  ``static_labels`` costs one extra
read of the frames (the per-frame bin sums) before the product.
"""

from __future__ import annotations


import numpy as np
import scipy.sparse as _sp
from scipy.linalg import blas as _blas

from xpcs_nb.validation import check_choice, check_int

from .gram import _syrk_accumulate, _TorchGram
from .normalise import _finish_roi, _warn_dark_frames
from .pixels import _check_float_dtype, _check_frames, _default_chunk, _n_binned, _roi_chunks, _roi_pixels
from xpcs_nb.io import FrameSource
from .sparse import _check_sparse_frames, _sparse_gram
from .staticbins import _divided_frames, _static_bins
from .streamed import _streamed_gram

__all__ = ["FORMS", "two_time"]

FORMS = ("ratio", "paper", "paper_per_pixel")


def two_time(
    frames: np.ndarray,
    labels: np.ndarray,
    form: str = "ratio",
    bin_frames: int = 1,
    dtype=np.float32,
    chunk_pixels: int | None = None,
    device=None,
    static_labels: np.ndarray | None = None,
    block_frames: int | None = None,
) -> np.ndarray:
    """Two-time correlation C2 of every ROI.

    Parameters
    ----------
    frames : (T, H, W), a FrameSource, or a scipy.sparse matrix (T, H*W)
        Photon counts (any integer or float dtype, never negative, no NaN/inf in a
        labelled pixel; pixels outside every ROI are never read, so detector gaps
        marked NaN there do no harm).  A :class:`~xpcs_nb.correlation.FrameSource`
        (:func:`~xpcs_nb.correlation.open_frames`: HDF5, ``.npy``, raw) is read in
        blocks of ``block_frames``, never whole.  A sparse matrix (row t = frame t,
        column y * W + x = pixel (y, x); e.g. from
        :func:`~xpcs_nb.correlation.photon_events`) is correlated without being
        made dense.  Both give the same C2 as the array (to float32 rounding),
        ``static_labels`` included, and do not take ``device``.
    labels : (H, W) int or bool
        ROI labels 1..n (0 = no ROI), e.g. from :func:`roi_partition`; a boolean
        mask is one ROI.  Every label 1..n must have pixels.
    form : {"ratio", "paper", "paper_per_pixel"}
        ``"ratio"``: N sum_p Y(t1) Y(t2) / (sum_p Y(t1) sum_p Y(t2)), Y = I (or I
        over its static-bin mean per frame), baseline 1 (APS, scikit-beam).
        ``"paper"``: <D(t1) D(t2)>_p with D = I / S_b - 1, S_b the time average
        averaged over the pixel's static bin (the paper's eq. (1)-(2)).
        ``"paper_per_pixel"``: D = I / <I(p)>_t - 1, each pixel's own time mean;
        rows sum to zero, zero-mean pixels are left out.  The module docstring
        gives the formulas.
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
    static_labels : (H, W) int, optional
        Static bins 1..m (0 = none), used by ``"ratio"`` and ``"paper"``; every
        labelled pixel must lie in one.  Default: the ROIs themselves.  For
        ``"ratio"`` they are normally finer than the ROIs (boost_corr's
        ``sqmap``: thin q bins inside each dynamic ROI).  For ``"paper"`` they say
        what "the SAXS intensity at the pixel's Q" is averaged over: the ROI (the
        default), thin q-rings over all azimuths (the paper's words read
        literally: ``roi_partition(q, phi, edges, n_sectors=1)``), or anything in
        between.  A bin may reach outside the ROIs: all its pixels are averaged.
    block_frames : int, optional
        Frames (after binning) per block read from a FrameSource; default: a
        block of the labelled pixels holds ~64 MiB of ``dtype``.

    Returns
    -------
    c2 : (n_roi, T', T') of ``dtype``
        ROIs in label order 1..n; time down the rows and across the columns.
        In the ratio form a frame where an ROI holds no photon at all gives NaN in
        that row and column; one RuntimeWarning per call lists the ROIs
        concerned. An ROI without any photon in any frame is a ValueError.

    Notes
    -----
    Working memory besides ``c2``: the labelled pixels gathered in passes of at
    most 512 MiB (in the frames' dtype; none when the ROI is one run of pixels)
    and one chunk of ``T' x chunk_pixels`` values; with ``static_labels`` also
    the per-frame bin sums (T' x m float64).  The work is one SYRK per ROI on the
    frames x pixels; ``static_labels`` adds one read of the frames for the bin sums
    and a division of each chunk, both numba kernels (:mod:`.staticbins`; compiled on
    first use), whose share of the time falls as 1/T'.

    From a FrameSource: the output maps, two gathered blocks of ``block_frames`` x
    labelled pixels and one raw block. Sparse frames: the output maps and one ROI's
    sparse columns. ``book/performance.md`` ("Two-time correlation") gives the speed
    against a plain SSYRK and the peak memory of each path, with the commands of
    ``benchmarks/bench_correlation.py`` that measure them.

    The paper form is computed as G / (N S^2) - (y(t1) + y(t2)) / (N S) + 1 (module
    docstring), so in float32 its rounding error is that of numbers near 1 + beta
    (about 1e-6 absolute), not relative to C2 itself; use float64 to resolve a C2
    much smaller than that.

    Examples
    --------
    >>> frames = np.random.default_rng(0).poisson(2.0, size=(100, 32, 32))
    >>> c2 = two_time(frames, np.ones((32, 32), dtype=bool))
    >>> c2.shape, c2.dtype
    ((1, 100, 100), dtype('float32'))
    >>> from xpcs_nb.correlation import g2_from_c2
    >>> bool(abs(g2_from_c2(c2).mean() - 1) < 0.01)  # uncorrelated counts: baseline 1
    True
    >>> paper = two_time(frames, np.ones((32, 32), dtype=bool), form="paper")
    >>> bool(abs(g2_from_c2(paper).mean()) < 0.01)  # the paper form: baseline 0
    True
    """
    if isinstance(frames, FrameSource) or _sp.issparse(frames):
        form = check_choice(form, "form", FORMS)
        if device is not None:
            raise ValueError("device takes frames as an array; got it with "
                             f"{type(frames).__name__} frames (pass device=None)")
        if static_labels is not None:  # binned and divided by the bins' means first (staticbins.py)
            frames = _divided_frames(frames, labels, static_labels, form, bin_frames, dtype, block_frames)
            bin_frames = 1
        out, frame_sums, n_pix = _gram_of_large(frames, labels, form, bin_frames, dtype, block_frames)
        dark = [_finish_roi(out, r, form, int(n_pix[r]), frame_sums[r], None, divided=static_labels is not None)
                for r in range(out.shape[0])]
        _warn_dark_frames(dark, out.shape[1])
        return out
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
    frames2d = frames.reshape(n_frames, -1)
    static = None
    if static_labels is not None:
        if form == "paper_per_pixel":
            raise ValueError('static_labels has no meaning for form="paper_per_pixel" (each pixel is its own bin)')
        static = _static_bins(frames2d, rois, static_labels, frames.shape[1:], n_out * bin_frames, bin_frames,
                              dtype, chunk_pixels, form)

    out = np.empty((len(rois), n_out, n_out), dtype=dtype)
    gemm = None if device is None else _TorchGram(device, dtype, n_out)
    syrk = _blas.ssyrk if dtype == np.float32 else _blas.dsyrk
    n_pix = 0
    dark = []
    frame_sum = np.zeros(n_out, dtype=np.float64)
    if static is None:
        chunks = _roi_chunks(frames2d, rois, n_out * bin_frames, bin_frames, dtype, chunk_pixels)
    else:  # chunks divided by their static-bin means, their frame sums in chunk_sum
        chunk_sum = np.zeros(n_out, dtype=np.float64)
        chunks = static.chunks(frames2d, n_out * bin_frames, bin_frames, dtype, chunk_pixels, chunk_sum)
    for r, x, last in chunks:
        if form == "paper_per_pixel":
            x = _paper_deviations(x)
        elif static is not None:
            frame_sum += chunk_sum
        else:
            # per-frame sums; einsum's loop is faster than sum(dtype=float64)
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
            dark.append(_finish_roi(out, r, form, n_pix, frame_sum, gemm, divided=static is not None))
            n_pix = 0
            frame_sum[:] = 0
    _warn_dark_frames(dark, n_out)
    return out


def _gram_of_large(frames, labels, form: str, bin_frames, dtype, block_frames):
    """G = X X^T of every ROI (lower triangle filled) from a FrameSource or sparse frames.

    Returns ``out (n_roi, T', T')`` of ``dtype``, ``frame_sums (n_roi, T')`` float64
    (sum_p I(p, t)) and ``n_pix (n_roi,)``, the pixels counted.
    """
    n_frames = frames.shape[0]
    frame_shape = tuple(frames.shape[1:]) if isinstance(frames, FrameSource) else np.shape(labels)
    n_out = _n_binned(n_frames, bin_frames)
    dtype = _check_float_dtype(dtype)
    if len(frame_shape) != 2:
        raise ValueError(f"labels must be 2-D (H, W), got shape {frame_shape}")
    rois = _roi_pixels(labels, frame_shape)
    out = np.empty((len(rois), n_out, n_out), dtype=dtype)
    if isinstance(frames, FrameSource):
        if block_frames is not None:
            block_frames = check_int(block_frames, "block_frames", minimum=1)
        frame_sums, n_pix = _streamed_gram(frames, rois, form, n_out, bin_frames, dtype, block_frames, out)
    else:
        csc = _check_sparse_frames(frames, frame_shape)
        frame_sums, n_pix = _sparse_gram(csc, rois, form, n_out, bin_frames, dtype, out)
    return out, frame_sums, n_pix


def _gram(frames, labels, bin_frames, dtype, block_frames=None, chunk_pixels=None):
    """G = I I^T of every ROI (lower triangle), from any frames two_time takes.

    Returns ``out (n_roi, T', T')``, ``frame_sums (n_roi, T')`` float64, ``n_pix (n_roi,)``.
    """
    if isinstance(frames, FrameSource) or _sp.issparse(frames):
        return _gram_of_large(frames, labels, "ratio", bin_frames, dtype, block_frames)
    frames = _check_frames(frames)
    n_frames = frames.shape[0]
    n_out = _n_binned(n_frames, bin_frames)
    dtype = _check_float_dtype(dtype)
    rois = _roi_pixels(labels, frames.shape[1:])
    chunk_pixels = _default_chunk(n_frames, dtype.itemsize) if chunk_pixels is None else chunk_pixels
    out = np.empty((len(rois), n_out, n_out), dtype=dtype)
    frame_sums = np.zeros((len(rois), n_out))
    n_pix = np.array([idx.size for idx in rois])
    syrk = _blas.ssyrk if dtype == np.float32 else _blas.dsyrk
    first = np.ones(len(rois), dtype=bool)
    chunks = _roi_chunks(frames.reshape(n_frames, -1), rois, n_out * bin_frames, bin_frames, dtype, chunk_pixels)
    for r, x, _ in chunks:
        frame_sums[r] += np.einsum("ij->i", x)
        _syrk_accumulate(syrk, out[r], x, first=bool(first[r]))
        first[r] = False
    return out, frame_sums, n_pix


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
