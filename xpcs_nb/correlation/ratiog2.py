"""One-time g2 the way beamline correlators compute it: a ratio of sums per lag.

For an ROI of N pixels, (binned) frames t = 0 .. T'-1 and a lag k >= 1, the pairs of
frames k apart are t = 0 .. n_k - 1, n_k = T' - k, and::

    g2(k) = < I(p, t) I(p, t+k) > / ( < I(p, t) > < I(p, t+k) > )

where each ``< >`` is the mean over the ROI's pixels p *and* the n_k start times t --
so the "past" and "future" mean intensities are taken over exactly the frames in the
numerator.  With y(t) = sum_p I(p, t) and the Gram matrix G(t1, t2) = sum_p I(p, t1)
I(p, t2)::

    g2(k) = N n_k sum_t G(t, t+k) / ( sum_t y(t)  sum_t y(t+k) )

This is the symmetric normalisation of scikit-beam's ``multi_tau_auto_corr`` (and of
:func:`~xpcs_nb.correlation.multi_tau_g2`, whose level-0 lags it equals) at every lag
1 .. T'-1, and the ratio of sums along each diagonal that xpcs-correlator returns.

The *diagonal mean* (:func:`~xpcs_nb.correlation.g2_from_c2` of the ratio form)
averages the ratios instead, ``mean_t N G(t, t+k) / (y(t) y(t+k))``.  The two agree
when y(t) is steady; they differ where the ROI's intensity changes from frame to frame
(a mean of ratios is not the ratio of means: a few 1e-3 on a small noisy stack), and
a frame without any photon (y = 0) makes its C2 row NaN, so every lag whose diagonal
crosses it is NaN in the diagonal mean -- while it only adds zeros to the sums here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xpcs_nb.validation import check_int

from .twotime import _gram

__all__ = ["G2RatioOfSums", "g2_ratio_of_sums"]


@dataclass(frozen=True)
class G2RatioOfSums:
    """Ratio-of-sums g2 of every ROI with its error, beside the diagonal mean.

    ``lags (n_lags,)`` int, 1 .. max_lag (frames, or bins of ``bin_frames``);
    ``g2 (n_roi, n_lags)`` the ratio of sums; ``stderr (n_roi, n_lags)`` its standard
    error by batch means (NaN where fewer than 2 batches hold photons);
    ``n_pairs (n_lags,)`` the frame pairs summed, T' - k; ``batch (n_lags,)`` the batch
    length, floor(sqrt(n_pairs)); ``diagonal_mean (n_roi, n_lags)`` the mean of each
    diagonal of the ratio-form C2, as :func:`~xpcs_nb.correlation.g2_from_c2` (NaN on
    the lags a dark frame lies on).
    """

    lags: np.ndarray
    g2: np.ndarray
    stderr: np.ndarray
    n_pairs: np.ndarray
    batch: np.ndarray
    diagonal_mean: np.ndarray


def g2_ratio_of_sums(frames, labels, *, max_lag: int | None = None, bin_frames: int = 1,
                     block_frames: int | None = None) -> G2RatioOfSums:
    """One-time g2 per lag as a ratio of sums over pixels and frame pairs, with its error.

    ``g2(k) = N n_k sum_t G(t, t+k) / (sum_t y(t) sum_t y(t+k))`` (module docstring),
    computed in float64 from the same Gram matrix as :func:`two_time`'s ratio form.
    Its standard error is by batch means, as :func:`g2_with_errors`: the n_k start
    times are cut into n_k // b consecutive batches of b = floor(sqrt(n_k)); each
    batch gives its own ratio of sums, and ``stderr = std(batch ratios, ddof=1) /
    sqrt(number of batches)`` (batches without a photon in the denominator left out).

    Parameters
    ----------
    frames : (T, H, W) array, FrameSource or scipy.sparse (T, H*W)
        Photon counts, as :func:`two_time` takes them.
    labels : (H, W) int or bool
        ROI labels 1..n (0 = no ROI), or a mask for one ROI.
    max_lag : int, optional
        Last lag (default T' - 1).
    bin_frames : int
        Sum this many consecutive frames first (T' = T // bin_frames).
    block_frames : int, optional
        Frames per block read from a FrameSource.

    Returns
    -------
    G2RatioOfSums
        ``g2``, ``stderr``, ``diagonal_mean`` of shape (n_roi, n_lags).

    Examples
    --------
    >>> frames = np.random.default_rng(0).poisson(0.5, size=(200, 16, 16))
    >>> frames[50] = 0  # a frame without photons
    >>> res = g2_ratio_of_sums(frames, np.ones((16, 16), dtype=bool))
    >>> bool(np.all(np.isfinite(res.g2))), int(np.isnan(res.diagonal_mean).sum()), res.lags.size
    (True, 149, 199)
    >>> short = res.lags <= 50  # lags with enough batches for an error
    >>> bool(np.all(np.abs(res.g2[:, short] - 1) < 4 * res.stderr[:, short]))  # uncorrelated: g2 = 1
    True
    """
    gram, y, n_pix = _gram(frames, labels, bin_frames, np.float64, block_frames=block_frames)
    n_out = gram.shape[-1]
    last = n_out - 1 if max_lag is None else check_int(max_lag, "max_lag", minimum=1, maximum=n_out - 1,
                                                       context=f" for T' = {n_out} (binned) frames")
    lags = np.arange(1, last + 1)
    n_pairs = n_out - lags
    batch = np.floor(np.sqrt(n_pairs)).astype(np.int64)
    n_roi = gram.shape[0]
    g2 = np.empty((n_roi, lags.size))
    stderr = np.full((n_roi, lags.size), np.nan)
    diag = np.empty((n_roi, lags.size))
    for r in range(n_roi):
        n = float(n_pix[r])
        for i, k in enumerate(lags):
            products = np.diagonal(gram[r], -int(k))  # G(t + k, t) = G(t, t + k), t = 0 .. n_k - 1
            past, future = y[r, :n_out - k], y[r, k:]
            with np.errstate(divide="ignore", invalid="ignore"):
                g2[r, i] = n * n_pairs[i] * products.sum() / (past.sum() * future.sum())
                diag[r, i] = np.mean(n * products / (past * future))
                stderr[r, i] = _batch_error(products, past, future, int(batch[i]), n)
    return G2RatioOfSums(lags=lags, g2=g2, stderr=stderr, n_pairs=n_pairs, batch=batch, diagonal_mean=diag)


def _batch_error(products: np.ndarray, past: np.ndarray, future: np.ndarray, b: int, n: float) -> float:
    """Standard error of the ratio of sums by batch means of ``b`` start times (NaN below 2 batches)."""
    n_b = products.size // b
    if n_b < 2:
        return np.nan
    cut = n_b * b
    num = products[:cut].reshape(n_b, b).sum(axis=1)
    den = past[:cut].reshape(n_b, b).sum(axis=1) * future[:cut].reshape(n_b, b).sum(axis=1)
    ok = den > 0
    if ok.sum() < 2:
        return np.nan
    ratios = n * b * num[ok] / den[ok]
    return float(ratios.std(ddof=1) / np.sqrt(ok.sum()))
