"""A synthetic rheo-XPCS experiment: 18 sectors x many windows after shear stops, and a rheometer.

Times: the *sample clock* is seconds since the shear stopped (XPCS windows are placed
on it); the rheometer clock is that plus ``shear_stop_time``.  Each sector relaxes at
its own :class:`SectorRate`; bursts hit random sectors and leave a mark in the
rheometer's stress a stated time later (see :func:`rheo_experiment`).

>>> experiment = rheo_experiment(n_sectors=2, n_windows=3, window_frames=16, seed=0)
>>> len(experiment), experiment[0][0].shape, list(experiment.rheometer.columns)
(6, (16, 16), ['time', 'shear_rate', 'shear_stress'])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..geometry import Detector
from ..simulate import AgingRate, Dynamics, ShearRelaxationRate
from ..validation import ArgumentTypeError, check_array, check_choice, check_int, check_real, check_seed, describe
from .labelled_c2 import METHODS, C2Truth, c2_for_dynamics, truth_record
from .labels import CLASS_DECAY_PER_FRAME
from .sector import DEFAULT_DETECTOR, PAPER_Q_EDGES, SectorROI

__all__ = ["SectorRate", "BURST_BOOST", "BURST_DECAY_TIME", "BURST_RESET_FRACTION", "IN_BURST_ACTIVITY",
           "RheoExperiment", "rheo_experiment"]

# What a burst does to a sector it hits (see rheo_experiment).
BURST_BOOST = 60.0  # the relaxation rate jumps by this factor ...
BURST_DECAY_TIME = 30.0  # ... and decays back with this time constant, s
BURST_RESET_FRACTION = 0.5  # share of the speckle grains reset at the burst (an avalanche)
IN_BURST_ACTIVITY = 0.2  # a window's truth says in_burst while burst_activity at its middle exceeds this

SHEAR_STOP_TIME = 200.0  # rheometer time (s) at which the shear stops: sample-clock zero


@dataclass(frozen=True)
class SectorRate:
    """Relaxation rate of one sector through the experiment (1/s at the ROI's q).

    ``Gamma(s) = [slow + (fast - slow) exp(-s / tau_relax)] x anisotropy
    x 1 / (1 + (s - s_last) / t_age) x [1 + (boost - 1) sum_i exp(-(s - b_i) / tau_burst)]``

    with ``s`` seconds since the shear stopped (clipped at 0), ``s_last`` the last
    burst hitting this sector before ``s`` (or the shear stop), and ``b_i`` the
    bursts hitting this sector.  Fast right after shear, then slow and slowing
    down (aging) between bursts, which make it jump up and decay back.  The first
    factor is simulate's :class:`~xpcs_nb.simulate.ShearRelaxationRate`
    (:attr:`after_shear`), the third its :class:`~xpcs_nb.simulate.AgingRate` of a
    sample whose age restarts at each burst (:attr:`aging`).

    >>> rate = SectorRate(fast=1.0, slow=0.1, tau_relax=10.0, anisotropy=1.0, t_age=100.0,
    ...                   boost=5.0, tau_burst=30.0, burst_times=(50.0,))
    >>> rate(np.array([0.0, 50.0])).round(4)
    array([1.    , 0.5303])
    """

    fast: float
    slow: float
    tau_relax: float
    anisotropy: float
    t_age: float
    boost: float
    tau_burst: float
    burst_times: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        positive = {"minimum": 0.0, "include_min": False}
        checked = {
            "fast": check_real(self.fast, "fast", minimum=0.0),
            "slow": check_real(self.slow, "slow", minimum=0.0),
            "tau_relax": check_real(self.tau_relax, "tau_relax", **positive),
            "anisotropy": check_real(self.anisotropy, "anisotropy", minimum=0.0),
            "t_age": check_real(self.t_age, "t_age", **positive),
            "boost": check_real(self.boost, "boost", minimum=0.0),
            "tau_burst": check_real(self.tau_burst, "tau_burst", **positive),
            "burst_times": tuple(np.sort(check_array(self.burst_times, "burst_times", ndim=1, min_size=0,
                                                     dtype=float)).tolist()),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def after_shear(self) -> ShearRelaxationRate:
        """The relaxation after the shear stops, 1/s (anisotropy, aging and bursts aside)."""
        return ShearRelaxationRate(rate_fast=self.fast, rate_slow=self.slow, tau_relax=self.tau_relax)

    @property
    def aging(self) -> AgingRate:
        """The slowing-down factor as a function of the time since the last restart (1 at a restart)."""
        return AgingRate(rate0=1.0, t_age=self.t_age, exponent=1.0)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        s = np.maximum(np.asarray(t, dtype=float), 0.0)
        age = s - self.last_restart(s)
        boost = 1.0 + (self.boost - 1.0) * self.burst_activity(s)
        return self.after_shear(s) * self.anisotropy * self.aging(age) * boost

    def last_restart(self, s: np.ndarray) -> np.ndarray:
        """The latest of the shear stop (0) and the bursts at or before ``s`` (s, shape of ``s``)."""
        events = np.concatenate([[0.0], self.burst_times])
        return events[np.searchsorted(events, s, side="right") - 1]

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
    if not isinstance(detector, Detector):
        raise ArgumentTypeError(f"detector must be a Detector, got {describe(detector)}")
    method = check_choice(method, "method", METHODS)
    n_sectors = check_int(n_sectors, "n_sectors", minimum=1)
    n_windows = check_int(n_windows, "n_windows", minimum=1)
    window_frames = check_int(window_frames, "window_frames", minimum=2)
    seed = check_seed(seed)
    dt = check_real(dt, "dt", minimum=0.0, include_min=False, context=" (frame time in s)")
    window_interval = check_real(window_interval, "window_interval", minimum=0.0, include_min=False)
    first_window = check_real(first_window, "first_window")
    grains_per_pixel = check_int(grains_per_pixel, "grains_per_pixel", minimum=1)
    photons_per_pixel = check_real(photons_per_pixel, "photons_per_pixel", minimum=0.0, include_min=False)
    mean_burst_interval = check_real(mean_burst_interval, "mean_burst_interval", minimum=0.0, include_min=False)
    stable_after = check_real(stable_after, "stable_after")
    hit_probability = check_real(hit_probability, "hit_probability", minimum=0.0, maximum=1.0, include_min=False)
    stress_drop_per_sector = check_real(stress_drop_per_sector, "stress_drop_per_sector", minimum=0.0)
    drop_lag = check_real(drop_lag, "drop_lag", minimum=0.0)
    drop_duration = check_real(drop_duration, "drop_duration", minimum=0.0, include_min=False)
    build_up_time = check_real(build_up_time, "build_up_time", minimum=0.0, include_min=False)

    rng = np.random.default_rng(seed)
    rois = tuple(SectorROI(detector, sector, PAPER_Q_EDGES, n_sectors) for sector in range(n_sectors))
    run_end = first_window + n_windows * window_interval
    bursts = _draw_bursts(rng, n_sectors, stable_after, run_end, mean_burst_interval, hit_probability)
    bursts["stress_drop"] = stress_drop_per_sector * bursts["n_sectors_hit"]
    bursts["drop_start"] = bursts["time"] + SHEAR_STOP_TIME + drop_lag
    bursts["drop_end"] = bursts["drop_start"] + drop_duration
    rheometer = _rheometer_trace(rng, bursts, SHEAR_STOP_TIME, run_end + SHEAR_STOP_TIME + 200.0, build_up_time)

    truths = []
    window_seeds = np.random.SeedSequence(seed).generate_state(n_windows * n_sectors).tolist()
    sector_dynamics = [_sector_dynamics(roi, bursts, dt) for roi in rois]
    for window in range(n_windows):
        start = first_window + window * window_interval
        middle = start + 0.5 * dt * (window_frames - 1)
        for roi, dynamics in zip(rois, sector_dynamics):
            in_burst = bool(dynamics.rate.burst_activity(middle) > IN_BURST_ACTIVITY)
            truths.append(truth_record(None, dynamics, roi, window_frames, dt, start, grains_per_pixel,
                                       photons_per_pixel, window_seeds[window * n_sectors + roi.sector], method,
                                       window=window, in_burst=in_burst))
    return RheoExperiment(truths=truths, rheometer=rheometer, bursts=bursts, shear_stop_time=SHEAR_STOP_TIME,
                          n_windows=n_windows, n_sectors=n_sectors, window_frames=window_frames, dt=dt,
                          method=method, grains_per_pixel=grains_per_pixel,
                          photons_per_pixel=photons_per_pixel, seed=seed, rois=rois)


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
