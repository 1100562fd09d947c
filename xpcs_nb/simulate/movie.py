"""The speckle movie: :func:`simulate_movie` steps each grain's field and counts photons.

Each pixel sees ``M`` grains (``grains_per_pixel``); grain ``m`` carries a complex
field with ``<|E|^2> = 1`` updated ``E <- a E + sqrt(1 - a^2) xi``, ``a = exp(-Gamma
dt)``. The pixel intensity is the grain average of ``|E|^2`` (contrast ``1/M``);
counts are Poisson with mean ``photons_per_pixel * I``.  A KWW exponent other than 1
(compressed or stretched, :attr:`Dynamics.kww_exponent`) is not a frame-by-frame
(Markov) process: each grain's field is then drawn at once as a stationary complex
Gaussian series with ``<E(t) E*(t + tau)> = exp(-(Gamma tau) ** alpha)``, by circulant
embedding (FFT of length 2T).

>>> from xpcs_nb.geometry import Detector
>>> from xpcs_nb.simulate import stationary
>>> movie = simulate_movie(Detector(shape=(8, 8)), stationary(1.0), n_frames=5, dt=0.01, seed=0)
>>> movie.frames.shape, movie.frames.dtype, movie.contrast
((5, 8, 8), dtype('uint16'), 0.25)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.fft as _fft

from ..geometry import Detector
from ..validation import ArgumentTypeError, check_array, check_int, check_real, check_seed, describe
from .dynamics import Q_REF, Dynamics

__all__ = ["SpeckleMovie", "simulate_movie", "structure_factor_peak", "complex_normal", "MAX_MEAN_COUNT"]

MAX_MEAN_COUNT = 1e15
"""Largest mean count per pixel and frame (``photons_per_pixel`` x the peak of
``intensity_map``) a movie accepts: the brightest speckle of a large movie is a few
ten times the mean, and its counts must fit in int64 (9.2e18)."""

# Largest mean counts for which the brightest speckle (about 50x the mean for one grain
# per pixel over 1e9 pixel-frames, plus Poisson noise) still fits the smaller dtypes.
_UINT16_SAFE_MEAN = 1000.0
_INT32_SAFE_MEAN = 1e7


@dataclass(frozen=True, eq=False)
class SpeckleMovie:
    """A simulated detector movie and the truth it was made from.

    Attributes
    ----------
    frames : array (T, H, W)
        Photon counts (uint16; int32 or int64 at very high rates), or float32
        intensities (mean 1) when simulated with ``photons_per_pixel=None``.
    dt : float
        Frame time in s.
    t_start : float
        Sample-clock time of frame 0 in s.
    detector : Detector
        Geometry: ``detector.q_map()`` and ``detector.azimuth_map()`` give each pixel's
        q (nm^-1) and azimuth (deg).
    dynamics : Dynamics
        The dynamics simulated.
    grains_per_pixel : int
        Speckle grains per pixel M; the contrast is 1/M.
    photons_per_pixel : float or None
        Mean counts per pixel per frame (before ``intensity_map``); None: no counts.
    seed : int
        The seed; the same arguments and seed give the same frames.
    rate : array (T,)
        Relaxation rate at ``dynamics.q_ref`` (1/s) at each frame.
    intensity_map : array (H, W) or None
        Relative mean intensity per pixel, if one was given.
    """

    frames: np.ndarray = field(repr=False)
    dt: float
    t_start: float
    detector: Detector
    dynamics: Dynamics
    grains_per_pixel: int
    photons_per_pixel: float | None
    seed: int
    rate: np.ndarray = field(repr=False)
    intensity_map: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return self.frames.shape[0]

    @property
    def times(self) -> np.ndarray:
        """Sample-clock time of each frame, (T,) in s."""
        return self.t_start + self.dt * np.arange(self.n_frames)

    @property
    def contrast(self) -> float:
        """True speckle contrast beta = 1 / grains_per_pixel."""
        return 1.0 / self.grains_per_pixel

    def relaxation_rate(self, q: float) -> np.ndarray:
        """True Gamma (1/s) at q (nm^-1) for each frame, (T,)."""
        return self.rate * self.dynamics.q_factor(check_real(q, "q", minimum=0.0, context=" nm^-1"))

    def c2_theory(self, q: float, azimuth_deg: float = 0.0) -> np.ndarray:
        """Expected ratio-form C2 (T, T) for pixels at q (nm^-1) and azimuth (deg); see Dynamics.c2_theory."""
        as_simulated = replace(self.dynamics, rate=tuple(self.rate))
        return as_simulated.c2_theory(q, self.times, self.contrast, azimuth_deg)

    def g2_theory(self, q: float, tau: np.ndarray, azimuth_deg: float = 0.0) -> np.ndarray:
        """Siegert g2 at lags ``tau`` (s) for an equilibrium run; see Dynamics.g2_theory."""
        return self.dynamics.g2_theory(q, tau, self.contrast, azimuth_deg)


def complex_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Circular complex Gaussian numbers with ``<|z|^2> = 1``, complex64 of ``shape``.

    >>> z = complex_normal(np.random.default_rng(0), (1000,))
    >>> z.dtype, round(float(np.mean(np.abs(z) ** 2)), 1)
    (dtype('complex64'), 1.0)
    """
    pair = rng.standard_normal((*shape, 2), dtype=np.float32)
    pair *= np.float32(np.sqrt(0.5))
    return pair.view(np.complex64)[..., 0]


def structure_factor_peak(q: np.ndarray, q_peak: float = Q_REF, width: float = 0.004,
                          background: float = 0.2) -> np.ndarray:
    """A structure-factor-like bump for ``intensity_map``: 1 at ``q_peak``, ``background`` far away.

    ``background + (1 - background) exp(-(q - q_peak)^2 / (2 width^2))``, q in nm^-1.
    A picture aid, not a model of a real S(q).

    >>> structure_factor_peak([Q_REF, 1.0])
    array([1. , 0.2])
    """
    q = check_array(q, "q", ndim=None, min_size=0, dtype=float)
    q_peak = check_real(q_peak, "q_peak")
    width = check_real(width, "width", minimum=0.0, include_min=False)
    background = check_real(background, "background", minimum=0.0)
    return background + (1.0 - background) * np.exp(-0.5 * ((q - q_peak) / width) ** 2)


def simulate_movie(
    detector: Detector,
    dynamics: Dynamics,
    n_frames: int,
    dt: float,
    *,
    seed: int,
    grains_per_pixel: int = 4,
    photons_per_pixel: float | None = 1.0,
    t_start: float = 0.0,
    intensity_map: np.ndarray | None = None,
) -> SpeckleMovie:
    """Simulate a speckle movie, frame by frame, and keep its ground truth.

    Memory stays at one field (M, H, W) plus the counts (T, H, W) (with a KWW exponent
    other than 1: all fields at once, (T, M, H, W) complex64); the time per frame
    is dominated by drawing 2 M H W Gaussian numbers (``book/performance.md`` gives
    the rate).

    Parameters
    ----------
    detector : Detector
        Geometry; each pixel relaxes at ``Gamma(q_pixel, t)``.
    dynamics : Dynamics
        What the sample does (see :func:`stationary`, :func:`aging`, ...).
    n_frames : int
        Number of frames T, >= 2.
    dt : float
        Frame time in s, > 0.
    seed : int
        Seed of ``np.random.default_rng``; the same seed gives the same frames.
    grains_per_pixel : int
        Speckle grains per pixel M >= 1; the contrast is ``1 / M``.
    photons_per_pixel : float or None
        Mean photon count per pixel per frame, >= 0, at most :data:`MAX_MEAN_COUNT`
        (with the peak of ``intensity_map``).  None returns the noiseless
        intensities (float32, mean 1) instead of counts.
    t_start : float
        Sample-clock time (s) of the first frame; time-dependent rates and avalanche
        times are read on that clock.
    intensity_map : array (H, W) or None
        Relative mean intensity per pixel (e.g. :func:`structure_factor_peak` of the
        q map), >= 0; None is uniform.

    Returns
    -------
    SpeckleMovie
        ``frames (T, H, W)`` and the truth (rate per frame, contrast, seed, ...).
        Counts are uint16 up to 1000 photons per pixel, then int32, then int64: wide
        enough for the brightest speckle, never wrapped round.
    """
    _check_kinds(detector, dynamics)
    n_frames = check_int(n_frames, "n_frames", minimum=2)
    dt = check_real(dt, "dt", minimum=0.0, include_min=False, context=" (frame time in s)")
    seed = check_seed(seed)
    grains_per_pixel = check_int(grains_per_pixel, "grains_per_pixel", minimum=1, context=" (contrast = 1/M)")
    t_start = check_real(t_start, "t_start")
    if intensity_map is not None:
        intensity_map = check_array(intensity_map, "intensity_map", shape=detector.shape, minimum=0.0,
                                    dtype=np.float32)
    mean_counts = _mean_counts(photons_per_pixel, intensity_map)
    return _simulate(detector, dynamics, n_frames, dt, seed, grains_per_pixel, photons_per_pixel, t_start,
                     intensity_map, mean_counts)


def _check_kinds(detector, dynamics) -> None:
    if not isinstance(detector, Detector):
        raise ArgumentTypeError(f"detector must be a Detector, got {describe(detector)}")
    if not isinstance(dynamics, Dynamics):
        raise ArgumentTypeError(f"dynamics must be a Dynamics (see stationary, aging, ...), got {describe(dynamics)}")


def _mean_counts(photons_per_pixel, intensity_map) -> np.ndarray | float | None:
    """Mean counts per pixel and frame (H, W) or a scalar; None for noiseless intensities."""
    if photons_per_pixel is None:
        return None
    photons = check_real(photons_per_pixel, "photons_per_pixel", minimum=0.0, maximum=MAX_MEAN_COUNT,
                         context=" photons per pixel and frame, or None")
    peak = 1.0 if intensity_map is None else float(np.max(intensity_map))
    if photons * peak > MAX_MEAN_COUNT:
        raise ValueError(f"photons_per_pixel x the peak of intensity_map must be <= {MAX_MEAN_COUNT:g} "
                         f"(counts must fit in int64), got {photons:g} x {peak:g}")
    return np.float32(photons) * (1.0 if intensity_map is None else intensity_map)


def _simulate(detector, dynamics, n_frames, dt, seed, grains_per_pixel, photons_per_pixel, t_start,
              intensity_map, mean_counts) -> SpeckleMovie:
    """The simulation proper, on checked arguments."""
    rng = np.random.default_rng(seed)
    times = t_start + dt * np.arange(n_frames)
    rate = dynamics.rate_at(times)
    q_factor = dynamics.q_factor(detector.q_map()).astype(np.float32)  # (H, W)
    omega = dynamics.doppler_frequency(detector.q_map(), detector.azimuth_map())  # (H, W) rad/s
    avalanches_so_far = dynamics.avalanche_counts(times)

    shape = (grains_per_pixel, *detector.shape)
    field_now = complex_normal(rng, shape)  # stationary start: already at unit variance
    reference = complex_normal(rng, shape) if dynamics.reference_fraction > 0 else None
    frames = np.empty((n_frames, *detector.shape), dtype=_frame_dtype(mean_counts))
    fields = None
    if dynamics.kww_exponent != 1.0:
        fields = _kww_fields(rng, q_factor * np.float32(rate[0] * dt), dynamics.kww_exponent, n_frames,
                             grains_per_pixel)

    for k in range(n_frames):
        if fields is not None:
            field_now = fields[k]
        elif k > 0:
            _step_field(field_now, rng, np.float32(rate[k - 1] * dt) * q_factor)
            for _ in range(avalanches_so_far[k] - avalanches_so_far[k - 1]):
                _reset_grains(field_now, rng, dynamics.avalanche_fraction)
        intensity = _pixel_intensity(field_now, reference, dynamics.reference_fraction, omega * times[k])
        if mean_counts is None:
            frames[k] = intensity if intensity_map is None else intensity * intensity_map
        else:
            counts = rng.poisson(mean_counts * intensity)
            frames = _widened_for(frames, counts)
            frames[k] = counts

    return SpeckleMovie(
        frames=frames, dt=dt, t_start=t_start, detector=detector, dynamics=dynamics,
        grains_per_pixel=grains_per_pixel, photons_per_pixel=photons_per_pixel, seed=seed,
        rate=rate, intensity_map=intensity_map,
    )


def _kww_fields(rng: np.random.Generator, decay: np.ndarray, alpha: float, n_frames: int,
                grains: int) -> np.ndarray:
    """Fields (T, M, H, W) complex64 with ``<E(t) E*(t+k)> = exp(-(decay k) ** alpha)``, unit variance.

    ``decay = Gamma dt`` per pixel (H, W).  Circulant embedding: the correlation
    c(k), k = 0 .. N/2, mirrored to length N >= 2T, has the eigenvalues
    ``lam = FFT(c)`` (real: a DCT-I of c(0 .. N/2)); ``E = sqrt(N) IFFT(sqrt(lam) Z)``
    with Z complex normal has exactly that correlation, and its first T samples are
    kept.  The transform runs in single precision (complex64, as the fields are kept).  exp(-|x| ** alpha)
    with 0 < alpha <= 2 is positive definite, so lam >= 0 up to rounding, except where
    c has not decayed by N/2 frames (very slow pixels): negative eigenvalues are then
    set to 0 and the series renormalised to unit variance, an approximation.
    """
    n_fft = 1 << int(np.ceil(np.log2(2 * n_frames)))
    half = np.arange(n_fft // 2 + 1, dtype=np.float64)  # lags 0 .. N/2
    flat = decay.astype(np.float64).ravel()
    out = np.empty((n_frames, grains, flat.size), dtype=np.complex64)
    per_chunk = max(1, (1 << 24) // (n_fft * grains))
    for p0 in range(0, flat.size, per_chunk):
        d = flat[p0:p0 + per_chunk]
        c = np.exp(-((half[:, None] * d[None, :]) ** alpha))  # (N/2 + 1, P)
        # the FFT of c mirrored to length N (0 .. N/2, N/2 - 1 .. 1) is real: a DCT-I of its half
        lam_half = _fft.dct(c, type=1, axis=0)
        lam = np.clip(np.concatenate([lam_half, lam_half[-2:0:-1]]), 0.0, None)
        lam *= n_fft / lam.sum(axis=0)  # c(0) = mean(lam) = 1 after clipping too
        weight = np.sqrt(lam * n_fft).astype(np.float32)
        z = complex_normal(rng, (n_fft, grains, d.size))
        z *= weight[:, None, :]
        out[:, :, p0:p0 + d.size] = _fft.ifft(z, axis=0, overwrite_x=True)[:n_frames]
    return out.reshape(n_frames, grains, *decay.shape)


def _step_field(field_now: np.ndarray, rng: np.random.Generator, decay: np.ndarray) -> None:
    """One AR(1) step in place: ``E <- a E + sqrt(1 - a^2) xi`` with ``a = exp(-decay)``.

    ``decay = Gamma dt`` per pixel (H, W), broadcast over the grains.
    """
    a = np.exp(-decay)
    b = np.sqrt(-np.expm1(-2.0 * decay))  # sqrt(1 - a^2) without cancellation when a ~ 1
    field_now *= a
    field_now += b * complex_normal(rng, field_now.shape)


def _reset_grains(field_now: np.ndarray, rng: np.random.Generator, fraction: float) -> None:
    """Avalanche: replace each grain, with probability ``fraction``, by a fresh field."""
    hit = rng.random(field_now.shape) < fraction
    field_now[hit] = complex_normal(rng, (int(hit.sum()),))


def _pixel_intensity(field_now: np.ndarray, reference: np.ndarray | None, r: float,
                     phase: np.ndarray) -> np.ndarray:
    """Grain-averaged intensity (H, W), mean 1: ``<|sqrt(r) R + sqrt(1-r) E e^{i phase}|^2>_grains``."""
    if reference is None:
        total = field_now
    else:
        drift = (np.sqrt(1.0 - r) * np.exp(1j * phase)).astype(np.complex64)
        total = np.float32(np.sqrt(r)) * reference + drift * field_now
    return (total.real**2 + total.imag**2).mean(axis=0)


def _frame_dtype(mean_counts) -> np.dtype:
    """float32 for intensities; for counts the smallest integer type the brightest speckle fits."""
    if mean_counts is None:
        return np.dtype(np.float32)
    peak = float(np.max(mean_counts))
    if peak <= _UINT16_SAFE_MEAN:
        return np.dtype(np.uint16)
    return np.dtype(np.int32 if peak <= _INT32_SAFE_MEAN else np.int64)


def _widened_for(frames: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``frames`` itself, or a copy as int64 when ``counts`` would not fit its dtype.

    The dtype chosen from the mean leaves a wide margin; this is the guard that makes
    a wrapped-round (negative or small) count impossible even for a freak speckle.
    """
    if frames.dtype == np.int64 or counts.max(initial=0) <= np.iinfo(frames.dtype).max:
        return frames
    return frames.astype(np.int64)
