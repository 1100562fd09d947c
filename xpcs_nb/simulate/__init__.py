"""Speckle movies with known dynamics: a detector you can trust because you wrote it.

The model
---------
Each pixel sees ``M`` independent speckle grains (``grains_per_pixel``).  Grain ``m``
carries a complex field ``E_m(t)`` with ``<|E_m|^2> = 1`` that forgets its past at the
local relaxation rate ``Gamma``::

    E(t + dt) = a E(t) + sqrt(1 - a^2) xi,      a = exp(-Gamma(q, t) dt),

with ``xi`` fresh circular complex Gaussian noise.  This keeps ``E`` Gaussian with unit
variance and gives the field correlation ``g1(t1, t2) = exp(-integral Gamma dt)``.
The pixel intensity is the grain average ``I = (1/M) sum_m |E_m|^2``, so its speckle
contrast is ``beta = 1/M``, and the Siegert relation holds:
``g2(tau) = 1 + beta |g1(tau)|^2``.  Detector counts are Poisson with mean
``photons_per_pixel * I``; Poisson noise adds variance but not correlation, so the
off-diagonal C2 of counts equals that of the intensity.

Three departures from equilibrium are built in (see :class:`Dynamics`):

* ``Gamma(q, t) = rate(t) * (q / q_ref) ** q_exponent``: the rate may change in time
  (aging, relaxation after shear) and scales with q (2 diffusive, 1 ballistic);
* avalanches: at chosen times each grain is, with probability ``avalanche_fraction``,
  replaced by a fresh independent field;
* heterodyne: a static reference field carries a share ``r`` of the mean intensity,
  and the moving part drifts with a flow velocity ``v``, so its field picks up the
  phase ``exp(i q.v t)``; the cross term makes g2 oscillate at ``omega = q.v``, which
  depends on the azimuth of the pixel.

Times are seconds on the *sample clock* (for a shear experiment: seconds since the
shear stopped); a movie observes ``t_start + k dt`` for frames ``k = 0 .. T-1``.
Units: q in nm^-1, rates in 1/s, velocities in nm/s.

The files: :mod:`.rates` (rate laws Gamma(t)), :mod:`.dynamics` (:class:`Dynamics`,
its theory and the teaching cases), :mod:`.movie` (:func:`simulate_movie`).
"""

from .dynamics import Q_REF, Dynamics, aging, avalanches, ballistic, heterodyne, relaxation_after_shear, stationary
from .movie import MAX_MEAN_COUNT, SpeckleMovie, complex_normal, simulate_movie, structure_factor_peak
from .rates import AgingRate, ShearRelaxationRate

__all__ = [
    "Q_REF",
    "Dynamics",
    "AgingRate",
    "ShearRelaxationRate",
    "stationary",
    "ballistic",
    "aging",
    "relaxation_after_shear",
    "avalanches",
    "heterodyne",
    "SpeckleMovie",
    "simulate_movie",
    "structure_factor_peak",
    "complex_normal",
    "MAX_MEAN_COUNT",
]
