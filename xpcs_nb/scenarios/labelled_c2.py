"""Labelled C2 with known truth: :func:`scenario_c2`, :func:`scenario_batch` and their :class:`C2Truth`.

Two ways to make a C2 from a :class:`~xpcs_nb.simulate.Dynamics`
(:func:`c2_for_dynamics`):

* ``method="movie"`` -- the honest path: simulate the photon counts of one ROI (a
  q-ring x azimuthal sector of the detector) and correlate them with
  :func:`xpcs_nb.correlation.two_time`; its cost grows with T^2 (``book/performance.md``).
* ``method="analytic"`` -- the fast path for datasets: the expected C2 averaged over
  the ROI's pixels plus Gaussian noise of the size an N-pixel average has (see
  :mod:`.analytic`).  The tests check that the two paths agree in mean and in noise.

>>> from xpcs_nb.scenarios import HETERODYNE
>>> c2, truth = scenario_c2(HETERODYNE, n_frames=32, seed=1)
>>> c2.shape, c2.dtype, truth.name, truth.label
((32, 32), dtype('float32'), 'heterodyne', 5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from .. import correlation
from ..simulate import Dynamics, simulate_movie
from ..validation import ArgumentTypeError, check_array, check_choice, check_int, check_real, check_seed, describe
from .analytic import _c2_noise_std, _check_dynamics_and_roi, _expected_c2, symmetric_normal
from .labels import AVALANCHE, CLASS_NAMES, checked_label, rate_class, scenario_dynamics
from .sector import SectorROI

__all__ = ["C2Truth", "scenario_c2", "scenario_truth", "scenario_batch", "c2_for_dynamics"]

METHODS = ("analytic", "movie")


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
    kww_exponent: float = 1.0  # g1 = exp(-(Gamma tau) ** kww_exponent): 1 exponential, > 1 compressed
    q_exponent: float = 2.0  # Gamma ∝ q ** q_exponent: 2 diffusive, 1 ballistic
    fringe_period: float | None = None  # s, heterodyne at the ROI's mean q.v
    avalanche_times: tuple[float, ...] = ()  # inside the window
    avalanche_fraction: float = 0.0
    window: int | None = None  # experiment only: window index
    in_burst: bool = False  # experiment only: the sector's rate is boosted by a burst
    dynamics: Dynamics | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "dynamics"}


def scenario_c2(label: int, n_frames: int = 256, *, seed: int, method: str = "analytic", dt: float = 0.1,
                roi: SectorROI | None = None, window_start: float = 0.0, grains_per_pixel: int = 4,
                photons_per_pixel: float = 1.0, kww_exponent: float = 1.0,
                q_exponent: float = 2.0) -> tuple[np.ndarray, C2Truth]:
    """One labelled C2 (T, T) of ``label`` and its truth.

    Parameters
    ----------
    label : int
        0-4 rate classes, 5 heterodyne, 6 avalanche (see :mod:`.labels`).
    n_frames : int
        Frames T of the C2, >= 2.
    seed : int
        Draws the dynamics and the noise; the same seed gives the same C2.
    method : {"analytic", "movie"}
        Fast expected-C2-plus-noise, or simulate the ROI's photons and correlate.
    dt : float
        Frame time in s, > 0.
    roi : SectorROI, optional
        Which pixels; default sector 0 of the paper ring on the fast detector.
    window_start : float
        Sample-clock time of frame 0, s.
    grains_per_pixel, photons_per_pixel
        As in :func:`xpcs_nb.simulate.simulate_movie`; contrast = 1 / grains_per_pixel;
        photons_per_pixel > 0.
    kww_exponent : float
        KWW exponent of the decay in (0, 2]: 1 exponential, > 1 compressed (labels
        0-5; a rate class then keeps a constant rate), see :func:`.scenario_dynamics`.
    q_exponent : float
        ``Gamma ∝ q ** q_exponent`` across the ROI's pixels: 2 diffusive, 1 ballistic.

    Returns
    -------
    c2 : (T, T) float32, ratio form (baseline 1)
    truth : C2Truth
    """
    truth = scenario_truth(label, n_frames, seed=seed, method=method, dt=dt, roi=roi, window_start=window_start,
                           grains_per_pixel=grains_per_pixel, photons_per_pixel=photons_per_pixel,
                           kww_exponent=kww_exponent, q_exponent=q_exponent)
    noise_seed = np.random.SeedSequence(truth.seed).spawn(2)[1]
    roi = SectorROI() if roi is None else roi
    c2 = _c2_for_dynamics(truth.dynamics, roi, truth.n_frames, truth.dt, _as_int_seed(noise_seed), truth.method,
                          truth.window_start, int(grains_per_pixel), truth.photons_per_pixel)
    return c2, truth


def scenario_truth(label: int, n_frames: int = 256, *, seed: int, method: str = "analytic", dt: float = 0.1,
                   roi: SectorROI | None = None, window_start: float = 0.0, grains_per_pixel: int = 4,
                   photons_per_pixel: float = 1.0, kww_exponent: float = 1.0, q_exponent: float = 2.0) -> C2Truth:
    """The truth :func:`scenario_c2` reports for the same arguments, without making the C2.

    Cheap (it only draws the dynamics), so a dataset can list what it will hold
    before it computes a single map.

    >>> scenario_truth(2, n_frames=64, seed=0).rate_class
    2
    """
    roi = SectorROI() if roi is None else roi
    label = checked_label(label)
    seed = check_seed(seed)
    method, n_frames, dt, window_start, grains_per_pixel, photons_per_pixel = _checked_c2_arguments(
        roi, method, n_frames, dt, window_start, grains_per_pixel, photons_per_pixel)
    dynamics_seed = np.random.SeedSequence(seed).spawn(2)[0]
    dynamics = scenario_dynamics(label, np.random.default_rng(dynamics_seed), dt=dt, n_frames=n_frames,
                                 roi=roi, window_start=window_start, kww_exponent=kww_exponent,
                                 q_exponent=q_exponent)
    return truth_record(label, dynamics, roi, n_frames, dt, window_start, grains_per_pixel, photons_per_pixel,
                        seed, method)


def scenario_batch(labels: Sequence[int], n_frames: int = 256, *, seed: int, method: str = "analytic",
                   **options) -> tuple[np.ndarray, list[C2Truth]]:
    """C2 of many labels: ``c2s (N, T, T)`` float32 and their truths.

    Item ``i`` uses the seed ``truths[i].seed`` (drawn from ``seed``), so any one
    C2 can be remade alone with :func:`scenario_c2`.  ``options`` go to
    :func:`scenario_c2` (``dt``, ``roi``, ``photons_per_pixel``, ...).

    >>> c2s, truths = scenario_batch([0, 6], n_frames=16, seed=3)
    >>> c2s.shape, [truth.label for truth in truths]
    ((2, 16, 16), [0, 6])
    """
    labels = check_array(labels, "labels", ndim=1, kind="integer", min_size=0, minimum=0,
                         maximum=len(CLASS_NAMES) - 1).tolist()
    n_frames = check_int(n_frames, "n_frames", minimum=2)
    seed = check_seed(seed)
    item_seeds = np.random.SeedSequence(seed).generate_state(len(labels)).tolist()
    c2s = np.empty((len(labels), n_frames, n_frames), dtype=np.float32)
    truths = []
    for i, (label, item_seed) in enumerate(zip(labels, item_seeds)):
        c2s[i], truth = scenario_c2(label, n_frames, seed=item_seed, method=method, **options)
        truths.append(truth)
    return c2s, truths


def truth_record(label, dynamics, roi, n_frames, dt, window_start, grains_per_pixel, photons_per_pixel, seed,
                 method, **extra) -> C2Truth:
    """The truth record of checked arguments; ``label=None`` takes avalanche if one falls in the
    window, else the rate class."""
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
        seed=int(seed), method=method, kww_exponent=dynamics.kww_exponent, q_exponent=dynamics.q_exponent,
        fringe_period=(2 * np.pi / omega if dynamics.reference_fraction > 0 and omega > 0 else None),
        avalanche_times=inside, avalanche_fraction=dynamics.avalanche_fraction if inside else 0.0,
        dynamics=dynamics, **extra,
    )


def c2_for_dynamics(dynamics: Dynamics, roi: SectorROI, n_frames: int, dt: float, *, seed: int,
                    method: str = "analytic", t_start: float = 0.0, grains_per_pixel: int = 4,
                    photons_per_pixel: float = 1.0) -> np.ndarray:
    """Ratio-form C2 (T, T) float32 of the ROI's pixels for these dynamics.

    ``method="movie"`` simulates the counts of the ROI's bounding box and runs
    :func:`xpcs_nb.correlation.two_time` on the ROI; ``"analytic"`` returns
    :func:`~xpcs_nb.scenarios.expected_c2` plus white Gaussian noise of standard
    deviation :func:`~xpcs_nb.scenarios.c2_noise_std` (symmetric, like a C2).
    """
    _check_dynamics_and_roi(dynamics, roi)
    seed = check_seed(seed)
    method, n_frames, dt, t_start, grains_per_pixel, photons_per_pixel = _checked_c2_arguments(
        roi, method, n_frames, dt, t_start, grains_per_pixel, photons_per_pixel, start_name="t_start")
    return _c2_for_dynamics(dynamics, roi, n_frames, dt, seed, method, t_start, grains_per_pixel,
                            photons_per_pixel)


def _c2_for_dynamics(dynamics, roi, n_frames, dt, seed, method, t_start, grains_per_pixel,
                     photons_per_pixel) -> np.ndarray:
    if method == "movie":
        crop, mask = roi.crop()
        movie = simulate_movie(crop, dynamics, n_frames, dt, seed=seed, grains_per_pixel=grains_per_pixel,
                               photons_per_pixel=photons_per_pixel, t_start=t_start)
        return correlation.two_time(movie.frames, mask, form="ratio")[0]
    contrast = 1.0 / grains_per_pixel
    times = t_start + dt * np.arange(n_frames)
    mean = _expected_c2(dynamics, roi, times, contrast, photons_per_pixel).astype(np.float32)
    noise = _c2_noise_std(mean, contrast, photons_per_pixel, roi.n_pixels)
    noise *= symmetric_normal(np.random.default_rng(seed), n_frames)
    return mean + noise


def _checked_c2_arguments(roi, method, n_frames, dt, start, grains_per_pixel, photons_per_pixel,
                          start_name: str = "window_start") -> tuple:
    """The arguments every C2 maker shares, checked: (method, n_frames, dt, start, grains, photons)."""
    if not isinstance(roi, SectorROI):
        raise ArgumentTypeError(f"roi must be a SectorROI or None, got {describe(roi)}")
    return (
        check_choice(method, "method", METHODS),
        check_int(n_frames, "n_frames", minimum=2),
        check_real(dt, "dt", minimum=0.0, include_min=False, context=" (frame time in s)"),
        check_real(start, start_name),
        check_int(grains_per_pixel, "grains_per_pixel", minimum=1, context=" (contrast = 1/M)"),
        check_real(photons_per_pixel, "photons_per_pixel", minimum=0.0, include_min=False,
                   context=" for a C2 of counts"),
    )


def _as_int_seed(seed_sequence: np.random.SeedSequence) -> int:
    return int(seed_sequence.generate_state(1)[0])
