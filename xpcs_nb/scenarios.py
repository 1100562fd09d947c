"""Labelled C2 with known truth, and a synthetic rheo-XPCS experiment.

Two ways to make a C2 from a :class:`~xpcs_nb.simulate.Dynamics`:

* ``method="movie"`` -- the honest path: simulate the photon counts of one ROI (a
  q-ring x azimuthal sector of the detector) and correlate them with
  :func:`xpcs_nb.correlation.two_time`.  About 0.1 s for 512 frames, 0.5 s for 2048.
* ``method="analytic"`` -- the fast path for datasets: the expected C2 averaged over
  the ROI's pixels (:meth:`Dynamics.c2_theory`) plus Gaussian noise of the size an
  N-pixel average has (:func:`c2_noise_std`).  The noise is white, which real (and
  movie) noise is not: it is correlated over the relaxation time.  The tests check
  that the two paths agree in mean and in noise level.

Labels
------
Rate classes 0-4 follow the AI-NERD paper's classes: 0 nearly stationary, 1 slow
evolution, then 2, 3, 4 increasingly fast.  They are set by the decay per frame
``Gamma dt`` at the ROI's mean q; the band of C2 around the diagonal is
``1 / (2 Gamma dt)`` frames wide (~2500, 250, 60, 16, 4 frames).  Two behaviours that
the rate alone does not describe get labels of their own, because they change the
*shape* of a C2, which is what a clustering sees: 5 heterodyne (fringes parallel to
the diagonal) and 6 avalanche (square blocks).  Each truth also carries the rate
class of its mean rate, so the rate order stays available for those two.

Times: the *sample clock* is seconds since the shear stopped (XPCS windows are
placed on it); the rheometer clock of :func:`rheo_experiment` is that plus
``shear_stop_time``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from scipy.linalg import toeplitz

from . import correlation
from .geometry import Detector
from .simulate import Dynamics, simulate_movie

__all__ = [
    "CLASS_NAMES",
    "N_RATE_CLASSES",
    "HETERODYNE",
    "AVALANCHE",
    "CLASS_DECAY_PER_FRAME",
    "PAPER_Q_EDGES",
    "SectorROI",
    "C2Truth",
    "rate_class",
    "scenario_dynamics",
    "scenario_c2",
    "scenario_truth",
    "scenario_batch",
    "c2_for_dynamics",
    "expected_c2",
    "c2_noise_std",
    "SectorRate",
    "BURST_BOOST",
    "BURST_DECAY_TIME",
    "BURST_RESET_FRACTION",
    "RheoExperiment",
    "rheo_experiment",
]

CLASS_NAMES = ("nearly stationary", "slow evolution", "intermediate", "fast", "fastest",
               "heterodyne", "avalanche")
N_RATE_CLASSES = 5
HETERODYNE = 5
AVALANCHE = 6

CLASS_DECAY_PER_FRAME = (2e-4, 2e-3, 8e-3, 3.2e-2, 1.28e-1)
"""Centre of each rate class, ``Gamma dt`` at the ROI's mean q (x4 apart from class 1 on)."""

# Class boundaries: geometric midpoints between neighbouring centres.
_CLASS_EDGES = np.sqrt(np.multiply(CLASS_DECAY_PER_FRAME[:-1], CLASS_DECAY_PER_FRAME[1:]))

PAPER_Q_EDGES = (0.019, 0.029)
"""The AI-NERD ROI ring, nm^-1 (the first structure-factor peak)."""

DEFAULT_DETECTOR = Detector(shape=(160, 160))
"""The ``fast`` preset's detector: paper geometry (55 um pixels, 8 m, 11 keV), 160 x 160."""

# What a burst does to a sector it hits (see rheo_experiment).
BURST_BOOST = 60.0  # the relaxation rate jumps by this factor ...
BURST_DECAY_TIME = 30.0  # ... and decays back with this time constant, s
BURST_RESET_FRACTION = 0.5  # share of the speckle grains reset at the burst (an avalanche)


# --------------------------------------------------------------------------- #
# Where the pixels of one sector are
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class SectorROI:
    """One azimuthal sector of a q-ring on a detector: the pixels one C2 averages.

    Attributes
    ----------
    detector : Detector
        The full detector.
    sector : int
        Sector index 0 .. n_sectors-1, as :func:`xpcs_nb.correlation.roi_partition`
        numbers them (sector 0 starts at azimuth 0, counter-clockwise).
    q_edges : (float, float)
        Ring bounds in nm^-1.
    n_sectors : int
        Sectors in the ring (the paper: 18 of 20 degrees).
    """

    detector: Detector = DEFAULT_DETECTOR
    sector: int = 0
    q_edges: tuple[float, float] = PAPER_Q_EDGES
    n_sectors: int = 18

    def __post_init__(self) -> None:
        if not isinstance(self.sector, (int, np.integer)) or not 0 <= self.sector < self.n_sectors:
            raise ValueError(f"sector must be an int in [0, {self.n_sectors}), got {self.sector!r}")
        if self.n_pixels == 0:
            raise ValueError(f"sector {self.sector} of the ring {self.q_edges} has no pixels on this detector")

    @property
    def mask(self) -> np.ndarray:
        """Pixels of the sector on the full detector, bool (H, W), read-only."""
        return _sector_pixels(self.detector, self.q_edges, self.n_sectors, self.sector)[0]

    @property
    def q(self) -> np.ndarray:
        """q of each pixel, (N,) in nm^-1, read-only."""
        return _sector_pixels(self.detector, self.q_edges, self.n_sectors, self.sector)[1]

    @property
    def azimuth(self) -> np.ndarray:
        """Azimuth of each pixel, (N,) in degrees, read-only."""
        return _sector_pixels(self.detector, self.q_edges, self.n_sectors, self.sector)[2]

    @property
    def n_pixels(self) -> int:
        return int(self.q.size)

    @property
    def q_mean(self) -> float:
        return float(self.q.mean())

    @property
    def azimuth_center(self) -> float:
        """Nominal centre of the sector in degrees."""
        return (self.sector + 0.5) * 360.0 / self.n_sectors

    def crop(self) -> tuple[Detector, np.ndarray]:
        """The smallest detector holding the sector, and the sector's mask on it (h, w).

        The crop keeps every pixel's q and azimuth (the beam centre moves with it), so
        simulating it costs only the sector's bounding box.
        """
        rows, cols = np.nonzero(self.mask)
        top, left = rows.min(), cols.min()
        bottom, right = rows.max() + 1, cols.max() + 1
        row0, col0 = self.detector.center
        cropped = Detector(shape=(int(bottom - top), int(right - left)),
                           pixel_size=self.detector.pixel_size, distance=self.detector.distance,
                           wavelength=self.detector.wavelength, beam_center=(row0 - top, col0 - left))
        return cropped, self.mask[top:bottom, left:right]


@functools.lru_cache(maxsize=8)
def _ring_labels(detector: Detector, q_edges: tuple[float, float], n_sectors: int) -> np.ndarray:
    return correlation.roi_partition(detector.q_map(), detector.azimuth_map(), list(q_edges), n_sectors=n_sectors)


@functools.lru_cache(maxsize=256)
def _sector_pixels(detector: Detector, q_edges: tuple[float, float], n_sectors: int,
                   sector: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask (H, W), q (N,), azimuth (N,)) of one sector; cached, so made read-only."""
    mask = _ring_labels(detector, q_edges, n_sectors) == sector + 1
    arrays = (mask, detector.q_map()[mask], detector.azimuth_map()[mask])
    for array in arrays:
        array.flags.writeable = False
    return arrays


# --------------------------------------------------------------------------- #
# Truth records
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class C2Truth:
    """What a C2 was made from.  ``as_dict()`` gives a flat row for a pandas table.

    Rates are Gamma at the ROI's mean q (1/s); times on the sample clock (s).
    """

    label: int  # 0-4 rate classes, 5 heterodyne, 6 avalanche
    name: str
    rate_class: int  # 0-4, from the geometric-mean rate over the window
    rate_start: float  # at the first frame
    rate_end: float  # at the last frame
    rate_mean: float  # geometric mean over the frames
    q: float  # mean q of the ROI's pixels, nm^-1
    sector: int
    window_start: float
    dt: float
    n_frames: int
    contrast: float
    photons_per_pixel: float
    n_pixels: int
    seed: int
    method: str
    fringe_period: float | None = None  # s, heterodyne at the ROI's mean q.v
    avalanche_times: tuple[float, ...] = ()  # inside the window
    avalanche_fraction: float = 0.0
    window: int | None = None  # experiment only: window index
    in_burst: bool = False  # experiment only: the sector's rate is boosted by a burst
    dynamics: Dynamics | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "dynamics"}


def rate_class(decay_per_frame: float) -> int:
    """Rate class 0-4 of a decay per frame ``Gamma dt`` (boundaries between class centres)."""
    return int(np.searchsorted(_CLASS_EDGES, decay_per_frame))


# --------------------------------------------------------------------------- #
# The scenario library
# --------------------------------------------------------------------------- #
def scenario_dynamics(label: int, rng: np.random.Generator, *, dt: float, n_frames: int,
                      roi: SectorROI, window_start: float = 0.0, max_drift: float = 0.5) -> Dynamics:
    """Random dynamics of one label, drawn with ``rng``; rates quoted at the ROI's mean q.

    * 0-4: ``Gamma dt`` log-uniform within a factor sqrt(2) of the class centre,
      drifting exponentially over the window by a factor ``exp(u)``, ``|u| <
      max_drift`` (aging when u < 0, speeding up when u > 0).
    * 5 heterodyne: constant rate of class 1-3, a static reference carrying 20-50 %
      of the intensity, and a flow along the sector centre with a fringe period of
      12-50 frames.
    * 6 avalanche: constant rate of class 0-1 and 1-3 avalanches inside the window,
      each resetting 40-90 % of the grains.
    """
    _check_label(label)
    t_end = window_start + dt * (n_frames - 1)
    q_ref = roi.q_mean
    if label < N_RATE_CLASSES:
        start = _draw_decay(rng, label) / dt
        drift = rng.uniform(-max_drift, max_drift)
        rate = start * np.exp(drift * np.arange(n_frames) / (n_frames - 1))
        return Dynamics(rate=rate, q_ref=q_ref)
    if label == HETERODYNE:
        rate = _draw_decay(rng, int(rng.integers(1, 4))) / dt
        period = rng.uniform(12, 50) * dt
        speed = 2 * np.pi / period / q_ref
        phi = np.radians(roi.azimuth_center)
        return Dynamics(rate=rate, q_ref=q_ref, reference_fraction=rng.uniform(0.2, 0.5),
                        flow_velocity=(speed * np.cos(phi), speed * np.sin(phi)))
    rate = _draw_decay(rng, int(rng.integers(0, 2))) / dt
    times = np.sort(rng.uniform(window_start + 0.1 * (t_end - window_start), t_end, size=rng.integers(1, 4)))
    return Dynamics(rate=rate, q_ref=q_ref, avalanche_times=tuple(times), avalanche_fraction=rng.uniform(0.4, 0.9))


def _draw_decay(rng: np.random.Generator, rate_class_index: int) -> float:
    """``Gamma dt`` log-uniform in [c / sqrt 2, c sqrt 2] around the class centre c."""
    return CLASS_DECAY_PER_FRAME[rate_class_index] * 2.0 ** rng.uniform(-0.5, 0.5)


def scenario_c2(label: int, n_frames: int = 256, *, seed: int, method: str = "analytic", dt: float = 0.1,
                roi: SectorROI | None = None, window_start: float = 0.0, grains_per_pixel: int = 4,
                photons_per_pixel: float = 1.0) -> tuple[np.ndarray, C2Truth]:
    """One labelled C2 (T, T) of ``label`` (see module docstring) and its truth.

    Parameters
    ----------
    label : int
        0-4 rate classes, 5 heterodyne, 6 avalanche.
    n_frames : int
        Frames T of the C2.
    seed : int
        Draws the dynamics and the noise; the same seed gives the same C2.
    method : {"analytic", "movie"}
        Fast expected-C2-plus-noise, or simulate the ROI's photons and correlate.
    dt : float
        Frame time in s.
    roi : SectorROI, optional
        Which pixels; default sector 0 of the paper ring on the fast detector.
    window_start : float
        Sample-clock time of frame 0, s.
    grains_per_pixel, photons_per_pixel
        As in :func:`xpcs_nb.simulate.simulate_movie`; contrast = 1 / grains_per_pixel.

    Returns
    -------
    c2 : (T, T) float32, ratio form (baseline 1)
    truth : C2Truth
    """
    roi = SectorROI() if roi is None else roi
    truth = scenario_truth(label, n_frames, seed=seed, method=method, dt=dt, roi=roi, window_start=window_start,
                           grains_per_pixel=grains_per_pixel, photons_per_pixel=photons_per_pixel)
    noise_seed = np.random.SeedSequence(seed).spawn(2)[1]
    c2 = c2_for_dynamics(truth.dynamics, roi, n_frames, dt, seed=_as_int_seed(noise_seed), method=method,
                         t_start=window_start, grains_per_pixel=grains_per_pixel,
                         photons_per_pixel=photons_per_pixel)
    return c2, truth


def scenario_truth(label: int, n_frames: int = 256, *, seed: int, method: str = "analytic", dt: float = 0.1,
                   roi: SectorROI | None = None, window_start: float = 0.0, grains_per_pixel: int = 4,
                   photons_per_pixel: float = 1.0) -> C2Truth:
    """The truth :func:`scenario_c2` reports for the same arguments, without making the C2.

    Cheap (it only draws the dynamics), so a dataset can list what it will hold
    before it computes a single map.
    """
    roi = SectorROI() if roi is None else roi
    _check_label(label)
    _check_method(method)
    _check_frames_and_dt(n_frames, dt)
    dynamics_seed = np.random.SeedSequence(seed).spawn(2)[0]
    dynamics = scenario_dynamics(label, np.random.default_rng(dynamics_seed), dt=dt, n_frames=n_frames,
                                 roi=roi, window_start=window_start)
    return _truth(label, dynamics, roi, n_frames, dt, window_start, grains_per_pixel, photons_per_pixel,
                  seed, method)


def scenario_batch(labels: Sequence[int], n_frames: int = 256, *, seed: int, method: str = "analytic",
                   **options) -> tuple[np.ndarray, list[C2Truth]]:
    """C2 of many labels: ``c2s (N, T, T)`` float32 and their truths.

    Item ``i`` uses the seed ``truths[i].seed`` (drawn from ``seed``), so any one
    C2 can be remade alone with :func:`scenario_c2`.  ``options`` go to
    :func:`scenario_c2` (``dt``, ``roi``, ``photons_per_pixel``, ...).
    """
    labels = [int(label) for label in labels]
    item_seeds = np.random.SeedSequence(seed).generate_state(len(labels)).tolist()
    c2s = np.empty((len(labels), n_frames, n_frames), dtype=np.float32)
    truths = []
    for i, (label, item_seed) in enumerate(zip(labels, item_seeds)):
        c2s[i], truth = scenario_c2(label, n_frames, seed=item_seed, method=method, **options)
        truths.append(truth)
    return c2s, truths


def _truth(label, dynamics, roi, n_frames, dt, window_start, grains_per_pixel, photons_per_pixel, seed,
           method, **extra) -> C2Truth:
    """The truth record; ``label=None`` takes avalanche if one falls in the window, else the rate class."""
    times = window_start + dt * np.arange(n_frames)
    rate = dynamics.rate_at(times)
    rate_mean = float(np.exp(np.mean(np.log(np.maximum(rate, 1e-300)))))
    omega = abs(float(dynamics.doppler_frequency(roi.q_mean, roi.azimuth_center)))
    inside = tuple(t for t in dynamics.avalanche_times if times[0] < t <= times[-1])
    if label is None:
        label = AVALANCHE if inside else rate_class(rate_mean * dt)
    return C2Truth(
        label=int(label), name=CLASS_NAMES[label], rate_class=rate_class(rate_mean * dt),
        rate_start=float(rate[0]), rate_end=float(rate[-1]), rate_mean=rate_mean, q=roi.q_mean,
        sector=int(roi.sector), window_start=float(window_start), dt=float(dt), n_frames=int(n_frames),
        contrast=1.0 / grains_per_pixel, photons_per_pixel=float(photons_per_pixel), n_pixels=roi.n_pixels,
        seed=int(seed), method=method,
        fringe_period=(2 * np.pi / omega if dynamics.reference_fraction > 0 and omega > 0 else None),
        avalanche_times=inside, avalanche_fraction=dynamics.avalanche_fraction if inside else 0.0,
        dynamics=dynamics, **extra,
    )


# --------------------------------------------------------------------------- #
# From dynamics to a C2: the two paths
# --------------------------------------------------------------------------- #
def c2_for_dynamics(dynamics: Dynamics, roi: SectorROI, n_frames: int, dt: float, *, seed: int,
                    method: str = "analytic", t_start: float = 0.0, grains_per_pixel: int = 4,
                    photons_per_pixel: float = 1.0) -> np.ndarray:
    """Ratio-form C2 (T, T) float32 of the ROI's pixels for these dynamics.

    ``method="movie"`` simulates the counts of the ROI's bounding box and runs
    :func:`xpcs_nb.correlation.two_time` on the ROI; ``"analytic"`` returns
    :func:`expected_c2` plus white Gaussian noise of standard deviation
    :func:`c2_noise_std` (symmetric, like a C2).
    """
    _check_method(method)
    _check_frames_and_dt(n_frames, dt)
    if not isinstance(grains_per_pixel, (int, np.integer)) or grains_per_pixel < 1:
        raise ValueError(f"grains_per_pixel must be an int >= 1, got {grains_per_pixel!r}")
    if not (np.isfinite(photons_per_pixel) and photons_per_pixel > 0):
        raise ValueError(f"photons_per_pixel must be > 0 for a C2 of counts, got {photons_per_pixel!r}")
    if method == "movie":
        crop, mask = roi.crop()
        movie = simulate_movie(crop, dynamics, n_frames, dt, seed=seed, grains_per_pixel=grains_per_pixel,
                               photons_per_pixel=photons_per_pixel, t_start=t_start)
        return correlation.two_time(movie.frames, mask, form="ratio")[0]

    contrast = 1.0 / grains_per_pixel
    times = t_start + dt * np.arange(n_frames)
    mean = expected_c2(dynamics, roi, times, contrast, photons_per_pixel).astype(np.float32)
    noise = c2_noise_std(mean, contrast, photons_per_pixel, roi.n_pixels)
    noise *= _symmetric_normal(np.random.default_rng(seed), n_frames)
    return mean + noise


def expected_c2(dynamics: Dynamics, roi: SectorROI, times: np.ndarray, contrast: float,
                photons_per_pixel: float | None = None) -> np.ndarray:
    """The C2 (T, T) an infinitely long average over the ROI's pixels would give.

    :meth:`Dynamics.c2_theory` averaged over the ROI's pixels, each at its own q
    (and azimuth, for a flow).  With ``photons_per_pixel`` the diagonal gains the
    shot-noise term ``1 / photons_per_pixel`` that a C2 of counts has.

    A constant rate makes C2 depend on ``t2 - t1`` only: one pixel average per lag,
    then a Toeplitz matrix.  A varying rate (homodyne only) makes it depend on the
    decay accumulated between the frames, ``x = integral Gamma(q_ref) dt``: the pixel
    average ``h(x) = <exp(-2 (q/q_ref)^n x)>_p`` is tabulated and interpolated.
    """
    times = np.asarray(times, dtype=float)
    q_factor = dynamics.q_factor(roi.q)  # (N,)
    r = dynamics.reference_fraction
    rate = dynamics.rate_at(times)
    decay = np.concatenate([[0.0], np.cumsum(rate[:-1] * np.diff(times))])  # at q_ref, (T,)
    if np.all(rate == rate[0]):
        lag_times = times - times[0]
        g1 = np.exp(-np.outer(decay, q_factor))  # (T, N): decay at each lag, per pixel
        beat = np.cos(np.outer(lag_times, dynamics.doppler_frequency(roi.q, roi.azimuth)))
        moving = toeplitz(np.mean((1 - r) ** 2 * g1**2 + 2 * r * (1 - r) * g1 * beat, axis=1))
    elif r == 0:
        separation = np.abs(decay[:, None] - decay[None, :])
        grid = np.concatenate([[0.0], np.geomspace(1e-6, max(separation.max(), 1e-6), 2048)])
        table = np.mean(np.exp(-2.0 * np.outer(grid, q_factor)), axis=1)
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
    """
    b, inv_l = contrast, 1.0 / photons_per_pixel
    c2_mean = np.asarray(c2_mean)
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


def _symmetric_normal(rng: np.random.Generator, size: int) -> np.ndarray:
    """A symmetric (size, size) matrix of standard normal numbers (like a C2, t1 <-> t2)."""
    z = rng.standard_normal((size, size), dtype=np.float32)
    sym = np.add(z, z.T)
    sym *= np.float32(np.sqrt(0.5))  # the sum of two has variance 2
    sym[np.diag_indices(size)] = z[np.diag_indices(size)]
    return sym


# --------------------------------------------------------------------------- #
# A rheo-XPCS experiment: 18 sectors x many windows, and a rheometer trace
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class SectorRate:
    """Relaxation rate of one sector through the experiment (1/s at the ROI's q).

    ``Gamma(s) = [slow + (fast - slow) exp(-s / tau_relax)] x anisotropy
    x 1 / (1 + (s - s_last) / t_age) x [1 + (boost - 1) sum_i exp(-(s - b_i) / tau_burst)]``

    with ``s`` seconds since the shear stopped (clipped at 0), ``s_last`` the last
    burst hitting this sector before ``s`` (or the shear stop), and ``b_i`` the
    bursts hitting this sector.  Fast right after shear, then slow and slowing
    down (aging) between bursts, which make it jump up and decay back.
    """

    fast: float
    slow: float
    tau_relax: float
    anisotropy: float
    t_age: float
    boost: float
    tau_burst: float
    burst_times: tuple[float, ...] = ()

    def __call__(self, t: np.ndarray) -> np.ndarray:
        s = np.maximum(np.asarray(t, dtype=float), 0.0)
        after_shear = self.slow + (self.fast - self.slow) * np.exp(-s / self.tau_relax)
        events = np.concatenate([[0.0], self.burst_times])
        last_event = events[np.searchsorted(events, s, side="right") - 1]
        aging = 1.0 / (1.0 + (s - last_event) / self.t_age)
        return after_shear * self.anisotropy * aging * (1.0 + (self.boost - 1.0) * self.burst_activity(s))

    def burst_activity(self, s: np.ndarray) -> np.ndarray:
        """``sum_i exp(-(s - b_i) / tau_burst)`` over past bursts: 1 at a burst, decaying."""
        s = np.asarray(s, dtype=float)
        since = s[..., None] - np.asarray(self.burst_times)
        return np.sum(np.where(since >= 0, np.exp(-np.maximum(since, 0) / self.tau_burst), 0.0), axis=-1)


@dataclass(frozen=True, eq=False)
class RheoExperiment:
    """A synthetic rheo-XPCS run.  Index it for ``(c2, truth)``; C2 are made on demand.

    Attributes
    ----------
    truths : list of C2Truth
        One per (window, sector), window-major: index ``w * n_sectors + s``.
    rheometer : pandas.DataFrame
        ``time`` (s, rheometer clock), ``shear_rate`` (1/s), ``shear_stress`` (Pa).
    bursts : pandas.DataFrame
        One row per burst: ``time`` (sample clock, s), ``sectors`` (tuple of hit
        sector indices), ``n_sectors_hit``, ``stress_drop`` (Pa), ``drop_start``
        and ``drop_end`` (rheometer clock, s).
    shear_stop_time : float
        Rheometer time at which the shear stopped (sample-clock zero).
    """

    truths: list[C2Truth]
    rheometer: pd.DataFrame
    bursts: pd.DataFrame
    shear_stop_time: float
    n_windows: int
    n_sectors: int
    window_frames: int
    dt: float
    method: str
    grains_per_pixel: int
    photons_per_pixel: float
    seed: int
    rois: tuple[SectorROI, ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.truths)

    def __getitem__(self, index: int) -> tuple[np.ndarray, C2Truth]:
        return self.c2(index), self.truths[index]

    def __iter__(self) -> Iterator[tuple[np.ndarray, C2Truth]]:
        return (self[i] for i in range(len(self)))

    def c2(self, index: int) -> np.ndarray:
        """C2 (T, T) float32 of one (window, sector), remade identically on every call."""
        truth = self.truths[index]
        return c2_for_dynamics(truth.dynamics, self.rois[truth.sector], self.window_frames, self.dt,
                               seed=truth.seed, method=self.method, t_start=truth.window_start,
                               grains_per_pixel=self.grains_per_pixel, photons_per_pixel=self.photons_per_pixel)

    def all_c2(self) -> np.ndarray:
        """Every C2, (n_windows * n_sectors, T, T) float32 (900 x 256 x 256 is 236 MB)."""
        return np.stack([self.c2(i) for i in range(len(self))])

    def table(self) -> pd.DataFrame:
        """The truths as a table, one row per C2."""
        return pd.DataFrame([truth.as_dict() for truth in self.truths])


def rheo_experiment(
    n_sectors: int = 18,
    n_windows: int = 50,
    window_frames: int = 256,
    *,
    seed: int,
    dt: float = 0.1,
    window_interval: float = 57.0,
    first_window: float = -5.0,
    detector: Detector = DEFAULT_DETECTOR,
    method: str = "analytic",
    grains_per_pixel: int = 4,
    photons_per_pixel: float = 1.0,
    mean_burst_interval: float = 250.0,
    stable_after: float = 450.0,
    hit_probability: float = 0.5,
    stress_drop_per_sector: float = 0.6,
    drop_lag: float = 10.0,
    drop_duration: float = 10.0,
    build_up_time: float = 150.0,
) -> RheoExperiment:
    """A rheo-XPCS run after shear stops: 18 sectors over consecutive windows, plus a rheometer.

    Protocol (as the paper's E031 and ``RheoData``): 30/s for 190 s, 100/s for 10 s,
    then zero shear from ``shear_stop_time = 200 s`` on the rheometer clock.  XPCS
    windows of ``window_frames`` frames start at ``first_window + k window_interval``
    seconds after the stop (the paper: -5 s, then about every 57 s, 50 windows).

    Dynamics (per sector, :class:`SectorRate`): fast right after shear (class 4),
    relaxing in ~150 s to slow (class 1) and aging towards nearly stationary (class 0);
    faster along the flow than across it (``anisotropy = 1 + 0.3 cos 2 phi``).  From
    ``stable_after`` seconds on, bursts come as a Poisson process with mean interval
    ``mean_burst_interval``.

    The stated coupling, for a later chapter to recover:

    * a burst at time ``b`` hits each sector independently with probability
      ``hit_probability`` (at least one sector);
    * in a hit sector the rate jumps x ``BURST_BOOST`` (60) and decays back with
      ``BURST_DECAY_TIME`` (30 s), and ``BURST_RESET_FRACTION`` (half) of the
      speckle grains are reset at ``b`` (an avalanche);
    * the shear stress drops by ``stress_drop_per_sector`` x (sectors hit) Pa,
      linearly from ``b + drop_lag`` to ``b + drop_lag + drop_duration``, then builds
      back up exponentially with time constant ``build_up_time``.  So stress minima
      follow bursts by ``drop_lag + drop_duration`` seconds, and their depth counts
      the sectors in a burst.

    Under that the stress relaxes as ``86 + 70 exp(-s/20) + 40 exp(-s/100)`` Pa plus a
    creep of 1 Pa per 1000 s and 0.1 Pa of measurement noise; sampled every 1 s under
    shear and 10 s after.

    Returns
    -------
    RheoExperiment
        ``truths`` (n_windows x n_sectors, window-major), ``rheometer``, ``bursts``;
        ``experiment[i]`` gives ``(c2 (T, T), truth)``.
    """
    _check_method(method)
    for name, value in (("n_sectors", n_sectors), ("n_windows", n_windows), ("window_frames", window_frames)):
        if not isinstance(value, (int, np.integer)) or value < (2 if name == "window_frames" else 1):
            raise ValueError(f"{name} must be a positive int (window_frames >= 2), got {value!r}")
    if not 0 < hit_probability <= 1:
        raise ValueError(f"hit_probability must be in (0, 1], got {hit_probability!r}")
    rng = np.random.default_rng(seed)
    rois = tuple(SectorROI(detector, sector, PAPER_Q_EDGES, n_sectors) for sector in range(n_sectors))
    run_end = first_window + n_windows * window_interval
    bursts = _draw_bursts(rng, n_sectors, stable_after, run_end, mean_burst_interval, hit_probability)
    shear_stop_time = 200.0
    bursts["stress_drop"] = stress_drop_per_sector * bursts["n_sectors_hit"]
    bursts["drop_start"] = bursts["time"] + shear_stop_time + drop_lag
    bursts["drop_end"] = bursts["drop_start"] + drop_duration
    rheometer = _rheometer_trace(rng, bursts, shear_stop_time, run_end + shear_stop_time + 200.0, build_up_time)

    truths = []
    window_seeds = np.random.SeedSequence(seed).generate_state(n_windows * n_sectors).tolist()
    sector_dynamics = [_sector_dynamics(roi, bursts, dt) for roi in rois]
    for window in range(n_windows):
        start = first_window + window * window_interval
        middle = start + 0.5 * dt * (window_frames - 1)
        for roi, dynamics in zip(rois, sector_dynamics):
            in_burst = bool(dynamics.rate.burst_activity(middle) > 0.2)
            truths.append(_truth(None, dynamics, roi, window_frames, dt, start, grains_per_pixel,
                                 photons_per_pixel, window_seeds[window * n_sectors + roi.sector], method,
                                 window=window, in_burst=in_burst))
    return RheoExperiment(truths=truths, rheometer=rheometer, bursts=bursts, shear_stop_time=shear_stop_time,
                          n_windows=n_windows, n_sectors=n_sectors, window_frames=window_frames, dt=float(dt),
                          method=method, grains_per_pixel=grains_per_pixel,
                          photons_per_pixel=float(photons_per_pixel), seed=int(seed), rois=rois)


def _draw_bursts(rng, n_sectors, start, end, mean_interval, hit_probability) -> pd.DataFrame:
    """Burst times (Poisson process on [start, end)) and the sectors each one hits."""
    times = []
    t = start + rng.exponential(mean_interval)
    while t < end:
        times.append(t)
        t += rng.exponential(mean_interval)
    rows = []
    for time in times:
        hit = rng.random(n_sectors) < hit_probability
        if not hit.any():
            hit[rng.integers(n_sectors)] = True
        sectors = tuple(int(s) for s in np.flatnonzero(hit))
        rows.append({"time": float(time), "sectors": sectors, "n_sectors_hit": len(sectors)})
    return pd.DataFrame(rows, columns=["time", "sectors", "n_sectors_hit"])


def _sector_dynamics(roi: SectorROI, bursts: pd.DataFrame, dt: float) -> Dynamics:
    """The whole-run dynamics of one sector (rates set in decay per frame, see SectorRate)."""
    hits = tuple(float(t) for t, sectors in zip(bursts["time"], bursts["sectors"]) if roi.sector in sectors)
    anisotropy = 1.0 + 0.3 * np.cos(2 * np.radians(roi.azimuth_center))
    rate = SectorRate(fast=CLASS_DECAY_PER_FRAME[4] / dt, slow=CLASS_DECAY_PER_FRAME[1] / dt, tau_relax=150.0,
                      anisotropy=float(anisotropy), t_age=100.0, boost=BURST_BOOST, tau_burst=BURST_DECAY_TIME,
                      burst_times=hits)
    return Dynamics(rate=rate, q_ref=roi.q_mean, avalanche_times=hits,
                    avalanche_fraction=BURST_RESET_FRACTION if hits else 0.0)


def _rheometer_trace(rng, bursts: pd.DataFrame, shear_stop_time: float, end: float,
                     build_up_time: float) -> pd.DataFrame:
    """Shear rate and stress on the rheometer clock (see rheo_experiment for the model)."""
    under_shear = np.arange(0.0, shear_stop_time)  # 1 s samples
    after = np.arange(shear_stop_time + 9.0, end, 10.0)  # 10 s samples, as RheoData
    time = np.concatenate([under_shear, after])
    shear_rate = np.where(time < 190.0, 30.0, np.where(time < shear_stop_time, 100.0, 0.0))

    stress = np.empty_like(time)
    slow, fast = time < 190.0, (time >= 190.0) & (time < shear_stop_time)
    stress[slow] = 11000.0 + 5500.0 * np.exp(-time[slow] / 30.0)  # start-up overshoot at 30/s
    stress[fast] = 22000.0 + 19000.0 * np.exp(-(time[fast] - 190.0) / 3.0)  # jump to 100/s
    s = time[time >= shear_stop_time] - shear_stop_time
    relaxing = 86.0 + 70.0 * np.exp(-s / 20.0) + 40.0 * np.exp(-s / 100.0) + 1e-3 * s
    stress[time >= shear_stop_time] = relaxing - _burst_stress_drops(time[time >= shear_stop_time], bursts,
                                                                       build_up_time)
    noise_scale = np.where(time < shear_stop_time, 0.02 * stress, 0.1)
    stress = stress + noise_scale * rng.standard_normal(time.size)
    return pd.DataFrame({"time": time, "shear_rate": shear_rate, "shear_stress": stress})


def _burst_stress_drops(time: np.ndarray, bursts: pd.DataFrame, build_up_time: float) -> np.ndarray:
    """Sum over bursts of a linear drop (drop_start -> drop_end) then exponential build-up."""
    total = np.zeros_like(time)
    for drop, start, end in zip(bursts["stress_drop"], bursts["drop_start"], bursts["drop_end"]):
        ramp = np.clip((time - start) / (end - start), 0.0, 1.0)
        recovery = np.exp(-np.maximum(time - end, 0.0) / build_up_time)
        total += drop * ramp * recovery
    return total


# --------------------------------------------------------------------------- #
# Checks
# --------------------------------------------------------------------------- #
def _check_label(label) -> None:
    if not isinstance(label, (int, np.integer)) or not 0 <= label < len(CLASS_NAMES):
        names = ", ".join(f"{i} {name}" for i, name in enumerate(CLASS_NAMES))
        raise ValueError(f"label must be an int in [0, {len(CLASS_NAMES)}) ({names}), got {label!r}")


def _check_frames_and_dt(n_frames, dt) -> None:
    if not isinstance(n_frames, (int, np.integer)) or n_frames < 2:
        raise ValueError(f"n_frames must be an int >= 2, got {n_frames!r}")
    if not (isinstance(dt, (int, float, np.number)) and np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive frame time in s, got {dt!r}")


def _check_method(method) -> None:
    if method not in ("analytic", "movie"):
        raise ValueError(f'method must be "analytic" or "movie", got {method!r}')


def _as_int_seed(seed_sequence: np.random.SeedSequence) -> int:
    return int(seed_sequence.generate_state(1)[0])
