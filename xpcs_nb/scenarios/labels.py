"""The seven labels of a scenario C2 and the random dynamics drawn for each.

Rate classes 0-4 follow the AI-NERD paper's classes: 0 nearly stationary, 1 slow
evolution, then 2, 3, 4 increasingly fast.  They are set by the decay per frame
``Gamma dt`` at the ROI's mean q; the band of C2 around the diagonal is
``1 / (2 Gamma dt)`` frames wide (~2500, 250, 60, 16, 4 frames).  Two behaviours that
the rate alone does not describe get labels of their own, because they change the
*shape* of a C2, which is what a clustering sees: 5 heterodyne (fringes parallel to
the diagonal) and 6 avalanche (square blocks).

>>> [rate_class(decay) for decay in CLASS_DECAY_PER_FRAME]
[0, 1, 2, 3, 4]
>>> CLASS_NAMES[HETERODYNE], CLASS_NAMES[AVALANCHE]
('heterodyne', 'avalanche')
"""

from __future__ import annotations

import numpy as np

from ..simulate import Dynamics
from ..validation import ArgumentTypeError, check_int, check_real, describe
from .sector import SectorROI

__all__ = ["CLASS_NAMES", "N_RATE_CLASSES", "HETERODYNE", "AVALANCHE", "CLASS_DECAY_PER_FRAME", "rate_class",
           "scenario_dynamics"]

CLASS_NAMES = ("nearly stationary", "slow evolution", "intermediate", "fast", "fastest",
               "heterodyne", "avalanche")
N_RATE_CLASSES = 5
HETERODYNE = 5
AVALANCHE = 6

CLASS_DECAY_PER_FRAME = (2e-4, 2e-3, 8e-3, 3.2e-2, 1.28e-1)
"""Centre of each rate class, ``Gamma dt`` at the ROI's mean q (x4 apart from class 1 on)."""

# Class boundaries: geometric midpoints between neighbouring centres.
_CLASS_EDGES = np.sqrt(np.multiply(CLASS_DECAY_PER_FRAME[:-1], CLASS_DECAY_PER_FRAME[1:]))


def rate_class(decay_per_frame: float) -> int:
    """Rate class 0-4 of a decay per frame ``Gamma dt`` >= 0 (boundaries between class centres)."""
    decay_per_frame = check_real(decay_per_frame, "decay_per_frame", minimum=0.0)
    return int(np.searchsorted(_CLASS_EDGES, decay_per_frame))


def checked_label(label) -> int:
    """``label`` as an int in [0, 7), or an error listing the labels."""
    names = ", ".join(f"{i} {name}" for i, name in enumerate(CLASS_NAMES))
    return check_int(label, "label", minimum=0, maximum=len(CLASS_NAMES) - 1, context=f" ({names})")


def scenario_dynamics(label: int, rng: np.random.Generator, *, dt: float, n_frames: int,
                      roi: SectorROI, window_start: float = 0.0, max_drift: float = 0.5,
                      kww_exponent: float = 1.0, q_exponent: float = 2.0) -> Dynamics:
    """Random dynamics of one label, drawn with ``rng``; rates quoted at the ROI's mean q.

    * 0-4: ``Gamma dt`` log-uniform within a factor sqrt(2) of the class centre,
      drifting exponentially over the window by a factor ``exp(u)``, ``|u| <
      max_drift`` (aging when u < 0, speeding up when u > 0).  With a KWW exponent
      other than 1 the rate stays at its start value (the drift is drawn, not
      applied): the simulator draws a compressed decay as a stationary process.
    * 5 heterodyne: constant rate of class 1-3, a static reference carrying 20-50 %
      of the intensity, and a flow along the sector centre with a fringe period of
      12-50 frames.
    * 6 avalanche: constant rate of class 0-1 and 1-3 avalanches inside the window,
      each resetting 40-90 % of the grains (KWW exponent 1 only).

    ``kww_exponent`` (the field correlation ``exp(-(Gamma tau) ** alpha)``; > 1
    compressed) and ``q_exponent`` (``Gamma ∝ q ** n``: 2 diffusive, 1 ballistic)
    change the shape and the q scaling of the decay, not the label: the rate at the
    ROI's mean q, which sets the class, is drawn the same way, from the same ``rng``
    draws.

    >>> dynamics = scenario_dynamics(AVALANCHE, np.random.default_rng(0), dt=0.1, n_frames=64, roi=SectorROI())
    >>> 1 <= len(dynamics.avalanche_times) <= 3
    True
    """
    label = checked_label(label)
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(f"rng must be a numpy.random.Generator, got {describe(rng)}")
    if not isinstance(roi, SectorROI):
        raise ArgumentTypeError(f"roi must be a SectorROI, got {describe(roi)}")
    dt = check_real(dt, "dt", minimum=0.0, include_min=False, context=" (frame time in s)")
    n_frames = check_int(n_frames, "n_frames", minimum=2)
    window_start = check_real(window_start, "window_start")
    max_drift = check_real(max_drift, "max_drift", minimum=0.0)
    kww_exponent = check_real(kww_exponent, "kww_exponent", minimum=0.0, maximum=2.0, include_min=False,
                              context=" (1 exponential, > 1 compressed, < 1 stretched)")
    q_exponent = check_real(q_exponent, "q_exponent", minimum=0.0, context=" (2 diffusive, 1 ballistic)")
    if label == AVALANCHE and kww_exponent != 1.0:
        raise ValueError(f"kww_exponent={kww_exponent} with label {AVALANCHE} (avalanche): the simulator draws "
                         "a KWW exponent other than 1 only without avalanches")
    return _draw_dynamics(label, rng, dt, n_frames, roi, window_start, max_drift, kww_exponent, q_exponent)


def _draw_dynamics(label, rng, dt, n_frames, roi, window_start, max_drift, kww_exponent=1.0,
                   q_exponent=2.0) -> Dynamics:
    t_end = window_start + dt * (n_frames - 1)
    shape = dict(q_ref=roi.q_mean, kww_exponent=kww_exponent, q_exponent=q_exponent)
    if label < N_RATE_CLASSES:
        start = _draw_decay(rng, label) / dt
        drift = rng.uniform(-max_drift, max_drift)
        if kww_exponent != 1.0:
            return Dynamics(rate=start, **shape)
        rate = start * np.exp(drift * np.arange(n_frames) / (n_frames - 1))
        return Dynamics(rate=rate, **shape)
    if label == HETERODYNE:
        rate = _draw_decay(rng, int(rng.integers(1, 4))) / dt
        period = rng.uniform(12, 50) * dt
        speed = 2 * np.pi / period / roi.q_mean
        phi = np.radians(roi.azimuth_center)
        return Dynamics(rate=rate, reference_fraction=rng.uniform(0.2, 0.5),
                        flow_velocity=(speed * np.cos(phi), speed * np.sin(phi)), **shape)
    rate = _draw_decay(rng, int(rng.integers(0, 2))) / dt
    times = np.sort(rng.uniform(window_start + 0.1 * (t_end - window_start), t_end, size=rng.integers(1, 4)))
    return Dynamics(rate=rate, avalanche_times=tuple(times), avalanche_fraction=rng.uniform(0.4, 0.9), **shape)


def _draw_decay(rng: np.random.Generator, rate_class_index: int) -> float:
    """``Gamma dt`` log-uniform in [c / sqrt 2, c sqrt 2] around the class centre c."""
    return CLASS_DECAY_PER_FRAME[rate_class_index] * 2.0 ** rng.uniform(-0.5, 0.5)
