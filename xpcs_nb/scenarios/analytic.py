"""The fast path to a C2: its expectation over a ROI's pixels and the noise of an N-pixel average.

``method="analytic"`` of :func:`~xpcs_nb.scenarios.scenario_c2` is :func:`expected_c2`
plus white Gaussian noise of standard deviation :func:`c2_noise_std`.  Real (and
movie) noise is correlated over the relaxation time; this noise is not.

>>> from xpcs_nb.simulate import stationary
>>> roi = SectorROI()
>>> c2 = expected_c2(stationary(1.0, q_exponent=0.0), roi, times=[0.0, 0.5], contrast=0.25)
>>> c2.round(4)
array([[1.25 , 1.092],
       [1.092, 1.25 ]])
>>> c2_noise_std(c2, contrast=0.25, photons_per_pixel=1.0, n_pixels=100).shape
(2, 2)
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import toeplitz

from ..simulate import Dynamics
from ..validation import ArgumentTypeError, check_array, check_int, check_real, describe
from .sector import SectorROI

__all__ = ["expected_c2", "c2_noise_std"]


def expected_c2(dynamics: Dynamics, roi: SectorROI, times: np.ndarray, contrast: float,
                photons_per_pixel: float | None = None) -> np.ndarray:
    """The C2 (T, T) an infinitely long average over the ROI's pixels would give.

    :meth:`Dynamics.c2_theory` averaged over the ROI's pixels, each at its own q
    (and azimuth, for a flow).  With ``photons_per_pixel`` the diagonal gains the
    shot-noise term ``1 / photons_per_pixel`` that a C2 of counts has.

    A constant rate makes C2 depend on ``t2 - t1`` only: one pixel average per lag,
    then a Toeplitz matrix.  A varying rate (homodyne only) makes it depend on the
    decay accumulated between the frames, ``x = integral Gamma(q_ref) dt``: the pixel
    average ``h(x) = <exp(-2 ((q/q_ref)^n x)^alpha)>_p`` is tabulated and interpolated.
    ``n`` is :attr:`Dynamics.q_exponent` (2 diffusive, 1 ballistic) and ``alpha`` its
    :attr:`~Dynamics.kww_exponent` (1 exponential, > 1 compressed).

    Parameters
    ----------
    dynamics : Dynamics
    roi : SectorROI
    times : array (T,)
        Frame times on the sample clock, s, increasing (the lag-only shortcut assumes
        equal steps when the rate is constant).
    contrast : float
        Speckle contrast beta in (0, 1].
    photons_per_pixel : float or None
        Mean counts per pixel and frame, > 0; None leaves the diagonal noiseless.
    """
    _check_dynamics_and_roi(dynamics, roi)
    times = check_array(times, "times", ndim=1, dtype=float)
    contrast = check_real(contrast, "contrast", minimum=0.0, maximum=1.0, include_min=False)
    if photons_per_pixel is not None:
        photons_per_pixel = check_real(photons_per_pixel, "photons_per_pixel", minimum=0.0, include_min=False)
    return _expected_c2(dynamics, roi, times, contrast, photons_per_pixel)


def _expected_c2(dynamics: Dynamics, roi: SectorROI, times: np.ndarray, contrast: float,
                 photons_per_pixel: float | None) -> np.ndarray:
    q_factor = dynamics.q_factor(roi.q)  # (N,)
    r = dynamics.reference_fraction
    alpha = dynamics.kww_exponent
    rate = dynamics.rate_at(times)
    decay = np.concatenate([[0.0], np.cumsum(rate[:-1] * np.diff(times))])  # at q_ref, (T,)
    if np.all(rate == rate[0]):
        lag_times = times - times[0]
        g1 = np.exp(-np.outer(decay, q_factor) ** alpha)  # (T, N): decay at each lag, per pixel
        beat = np.cos(np.outer(lag_times, dynamics.doppler_frequency(roi.q, roi.azimuth)))
        moving = toeplitz(np.mean((1 - r) ** 2 * g1**2 + 2 * r * (1 - r) * g1 * beat, axis=1))
    elif r == 0:
        separation = np.abs(decay[:, None] - decay[None, :])
        grid = np.concatenate([[0.0], np.geomspace(1e-6, max(separation.max(), 1e-6), 2048)])
        table = np.mean(np.exp(-2.0 * np.outer(grid, q_factor) ** alpha), axis=1)
        moving = np.interp(separation, grid, table)
    else:
        raise ValueError("expected_c2 handles a heterodyne reference only with a constant rate")
    if dynamics.avalanche_times:  # a reset grain keeps only its reference part
        counts = dynamics.avalanche_counts(times)
        moving *= (1.0 - dynamics.avalanche_fraction) ** np.abs(counts[:, None] - counts[None, :])
    c2 = 1.0 + contrast * (r**2 + moving)
    if photons_per_pixel is not None:
        c2[np.diag_indices_from(c2)] += 1.0 / photons_per_pixel
    return c2


def c2_noise_std(c2_mean: np.ndarray, contrast: float, photons_per_pixel: float, n_pixels: int) -> np.ndarray:
    """Standard deviation of each element of a ratio-form C2 (T, T) averaged over ``n_pixels``.

    For Gaussian speckle of contrast ``b`` (``1/b`` grains per pixel) counted with
    Poisson noise at ``L`` photons per pixel, the delta method on
    ``<x1 x2>_p / (<x1>_p <x2>_p)`` (``x`` = counts / L) gives, with
    ``c = (C2 - 1) / b`` the intensity correlation of the two frames::

        N var = (b + 1/L)^2 + c (4 b^3 + 4 b^2/L + b/L^2)
                + c^2 (b^2 - 4 b^3 - 2 b^2/L) + 2 b^3 c^3            (t1 != t2)

        N var = 2 b^3 + 2 b^2 + 4 b (1 + b)/L + (3 b + 2)/L^2 + 1/L^3   (t1 == t2)

    so ``(b + 1/L) / sqrt(N)`` between uncorrelated frames, up to ~2x that near the
    diagonal.  The tests check both against simulated movies.

    Returns float32 (T, T).
    """
    c2_mean = _checked_square_map(c2_mean)
    contrast = check_real(contrast, "contrast", minimum=0.0, maximum=1.0, include_min=False)
    photons_per_pixel = check_real(photons_per_pixel, "photons_per_pixel", minimum=0.0, include_min=False)
    n_pixels = check_int(n_pixels, "n_pixels", minimum=1)
    return _c2_noise_std(c2_mean, contrast, photons_per_pixel, n_pixels)


def _checked_square_map(c2_mean) -> np.ndarray:
    """``c2_mean`` as one finite square map (T, T), its dtype kept."""
    c2_mean = check_array(c2_mean, "c2_mean", ndim=2)
    if c2_mean.shape[0] != c2_mean.shape[1]:
        raise ValueError(f"c2_mean must be a square map (T, T), got {describe(c2_mean)}")
    return c2_mean


def _c2_noise_std(c2_mean: np.ndarray, contrast: float, photons_per_pixel: float, n_pixels: int) -> np.ndarray:
    b, inv_l = contrast, 1.0 / photons_per_pixel
    c = np.clip((c2_mean - 1.0) / b, 0.0, 1.0).astype(np.float32, copy=False)
    # the cubic in c by Horner's rule, in place (C2 are large)
    coefficients = [(b + inv_l) ** 2, 4 * b**3 + 4 * b**2 * inv_l + b * inv_l**2,
                    b**2 - 4 * b**3 - 2 * b**2 * inv_l, 2 * b**3]
    variance = np.full_like(c, coefficients[3])
    for coefficient in reversed(coefficients[:3]):
        variance *= c
        variance += np.float32(coefficient)
    diagonal = 2 * b**3 + 2 * b**2 + 4 * b * (1 + b) * inv_l + (3 * b + 2) * inv_l**2 + inv_l**3
    variance[np.diag_indices_from(variance)] = diagonal
    variance /= np.float32(n_pixels)
    return np.sqrt(variance, out=variance)


def symmetric_normal(rng: np.random.Generator, size: int) -> np.ndarray:
    """A symmetric (size, size) float32 matrix of standard normal numbers (like a C2, t1 <-> t2)."""
    z = rng.standard_normal((size, size), dtype=np.float32)
    sym = np.add(z, z.T)
    sym *= np.float32(np.sqrt(0.5))  # the sum of two has variance 2
    sym[np.diag_indices(size)] = z[np.diag_indices(size)]
    return sym


def _check_dynamics_and_roi(dynamics, roi) -> None:
    if not isinstance(dynamics, Dynamics):
        raise ArgumentTypeError(f"dynamics must be a Dynamics, got {describe(dynamics)}")
    if not isinstance(roi, SectorROI):
        raise ArgumentTypeError(f"roi must be a SectorROI, got {describe(roi)}")
