"""What the sample does: :class:`Dynamics`, the ground truth a movie is made from.

``Gamma(q, t) = rate(t) * (q / q_ref) ** q_exponent`` with ``rate(t)`` a constant, a
rate law of :mod:`xpcs_nb.simulate.rates` or one value per frame; on top of it
avalanches (grains reset at chosen times) and a heterodyne reference with a flow.
The field correlation is ``g1 = exp(-(Gamma tau) ** kww_exponent)``: 1 a simple
exponential (Brownian), > 1 compressed (up to 2; colloidal glasses and sheared
suspensions, often with ballistic ``q_exponent = 1``: :func:`ballistic`), < 1
stretched.
The teaching cases (:func:`stationary`, :func:`aging`, :func:`relaxation_after_shear`,
:func:`avalanches`, :func:`heterodyne`) build one each. The expected two-time
correlation of each lives in :meth:`Dynamics.c2_theory` and :meth:`Dynamics.g2_theory`.

>>> dynamics = stationary(2.0)
>>> dynamics.g2_theory(q=Q_REF, tau=[0.0, 0.25], contrast=0.25).round(4)
array([1.25 , 1.092])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..validation import check_array, check_real
from .rates import AgingRate, ShearRelaxationRate

__all__ = ["Q_REF", "Dynamics", "stationary", "ballistic", "aging", "relaxation_after_shear", "avalanches",
           "heterodyne"]

Q_REF = 0.024
"""Reference q in nm^-1 at which a :class:`Dynamics` rate is quoted: the middle of the
AI-NERD ROI (0.019 < q < 0.029 nm^-1, the first structure-factor peak)."""

RateLike = float | Callable[[np.ndarray], np.ndarray] | Sequence[float] | np.ndarray


@dataclass(frozen=True)
class Dynamics:
    """What the sample does: the ground truth a simulated movie is made from.

    Attributes
    ----------
    rate : float, callable or array (T,)
        Relaxation rate Gamma at ``q_ref`` in 1/s.  A float is constant; a callable
        maps times (s, an array) to rates; an array gives the rate at each frame of a
        movie (its length must then equal ``n_frames``).  Rates must be finite, >= 0.
    q_exponent : float
        ``Gamma(q) = rate * (q / q_ref) ** q_exponent``: 2 diffusive, 1 ballistic,
        0 q-independent.
    q_ref : float
        Reference q in nm^-1.
    avalanche_times : tuple of float
        Sample-clock times (s) at which avalanches happen.
    avalanche_fraction : float
        Probability in [0, 1] that a given grain is reset at each avalanche.
    flow_velocity : (float, float)
        Drift velocity (v_x along +col, v_y up the image) in nm/s; makes the
        heterodyne cross term oscillate at ``q.v``.  Without a reference it has no
        effect on intensities.
    reference_fraction : float
        Share of the mean intensity in a static reference field, in [0, 1).
    kww_exponent : float
        The KWW exponent alpha of the field correlation, ``g1 = exp(-(integral Gamma
        dt) ** alpha)``, in (0, 2]: 1 simple exponential (the default, simulated
        frame by frame), > 1 compressed, < 1 stretched.  Any other value needs a
        constant rate and no avalanches (the movie is then drawn as a stationary
        Gaussian process, see :func:`xpcs_nb.simulate.simulate_movie`).
    """

    rate: RateLike
    q_exponent: float = 2.0
    q_ref: float = Q_REF
    avalanche_times: tuple[float, ...] = ()
    avalanche_fraction: float = 0.0
    flow_velocity: tuple[float, float] = (0.0, 0.0)
    reference_fraction: float = 0.0
    kww_exponent: float = 1.0

    def __post_init__(self) -> None:
        # Normalise to immutable types (frozen dataclass: use object.__setattr__).
        checked = {
            "rate": _normalise_rate(self.rate),
            "q_exponent": check_real(self.q_exponent, "q_exponent", minimum=0.0,
                                     context=" (2 diffusive, 1 ballistic)"),
            "q_ref": check_real(self.q_ref, "q_ref", minimum=0.0, include_min=False, context=" nm^-1"),
            "avalanche_fraction": check_real(self.avalanche_fraction, "avalanche_fraction",
                                             minimum=0.0, maximum=1.0),
            "reference_fraction": check_real(self.reference_fraction, "reference_fraction",
                                             minimum=0.0, maximum=1.0, include_max=False),
            "avalanche_times": tuple(np.sort(check_array(self.avalanche_times, "avalanche_times", min_size=0,
                                                         dtype=float).ravel()).tolist()),
            "flow_velocity": tuple(check_array(self.flow_velocity, "flow_velocity", shape=(2,),
                                               dtype=float).tolist()),
            "kww_exponent": check_real(self.kww_exponent, "kww_exponent", minimum=0.0, maximum=2.0,
                                       include_min=False, context=" (1 exponential, > 1 compressed, < 1 stretched)"),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if checked["kww_exponent"] != 1.0 and not (isinstance(self.rate, float) and not self.avalanche_times):
            raise ValueError(f"kww_exponent={checked['kww_exponent']} needs a constant float rate and no "
                             "avalanches (a stationary process); only kww_exponent=1 follows a changing rate")

    @property
    def is_equilibrium(self) -> bool:
        """True when the rate is a constant and there are no avalanches (g2 is defined)."""
        return isinstance(self.rate, float) and not self.avalanche_times

    def rate_at(self, times: np.ndarray) -> np.ndarray:
        """Rate at ``q_ref`` (1/s) at the given sample-clock times, shape of ``times``."""
        times = np.asarray(times, dtype=float)
        if callable(self.rate):
            values = np.broadcast_to(np.asarray(self.rate(times), dtype=float), times.shape).copy()
        elif isinstance(self.rate, tuple):
            if times.shape != (len(self.rate),):
                raise ValueError(
                    f"rate was given as an array of {len(self.rate)} values (one per frame), "
                    f"but {times.size} times were asked for"
                )
            values = np.array(self.rate)
        else:
            values = np.full(times.shape, self.rate)
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError("rate must be finite and >= 0 at every time; the rate profile gave "
                             f"values in [{np.nanmin(values)}, {np.nanmax(values)}]")
        return values

    def q_factor(self, q: np.ndarray) -> np.ndarray:
        """``(q / q_ref) ** q_exponent``: how much faster than at q_ref a pixel at q relaxes."""
        return (np.asarray(q, dtype=float) / self.q_ref) ** self.q_exponent

    def doppler_frequency(self, q: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
        """Heterodyne beat frequency ``omega = q.v`` in rad/s for q (nm^-1) at an azimuth (deg)."""
        phi = np.radians(azimuth_deg)
        vx, vy = self.flow_velocity
        return np.asarray(q, dtype=float) * (vx * np.cos(phi) + vy * np.sin(phi))

    def avalanche_counts(self, times: np.ndarray) -> np.ndarray:
        """Number of avalanches in ``(times[0], times[k]]`` for each k, int (T,)."""
        times = np.asarray(times, dtype=float)
        happened = np.searchsorted(self.avalanche_times, times, side="right")
        return happened - happened[0]

    def c2_theory(self, q: float, times: np.ndarray, contrast: float, azimuth_deg: float = 0.0) -> np.ndarray:
        """Expected two-time correlation of the intensity, ratio form, c2 (T, T).

        ``C2 = 1 + beta [r^2 + S (|r + (1 - r) g1 exp(i omega tau)|^2 - r^2)]`` where
        ``g1 = exp(-(integral Gamma dt) ** kww_exponent)`` between the two frames (left Riemann sum over
        frames, exactly as the simulator steps), ``S = (1 - f) ** n`` with ``n`` the
        avalanches in between (a reset grain keeps only its reference part), ``r`` the
        reference fraction and ``omega = q.v``.  This is the limit of many pixels at one
        (q, azimuth).  For Poisson counts the diagonal gains ``1 / <counts>``.

        Parameters
        ----------
        q : float
            Scattering vector magnitude in nm^-1.
        times : array (T,)
            Frame times on the sample clock, s, increasing.
        contrast : float
            Speckle contrast beta (``1 / grains_per_pixel`` for the simulator).
        azimuth_deg : float
            Pixel azimuth in degrees; matters only with a flow velocity.
        """
        q = check_real(q, "q", minimum=0.0, context=" nm^-1")
        times = check_array(times, "times", ndim=1, dtype=float)
        contrast = _checked_contrast(contrast)
        azimuth_deg = check_real(azimuth_deg, "azimuth_deg")
        gamma = self.rate_at(times) * self.q_factor(q)
        # cumulative decay exponent at each frame: sum of Gamma_k dt_k over earlier steps
        decay = np.concatenate([[0.0], np.cumsum(gamma[:-1] * np.diff(times))])
        g1 = np.exp(-np.abs(decay[:, None] - decay[None, :]) ** self.kww_exponent)
        counts = self.avalanche_counts(times)
        survival = (1.0 - self.avalanche_fraction) ** np.abs(counts[:, None] - counts[None, :])
        beat = np.cos(self.doppler_frequency(q, azimuth_deg) * (times[None, :] - times[:, None]))
        return 1.0 + contrast * _heterodyne_mix(g1, beat, survival, self.reference_fraction)

    def g2_theory(self, q: float, tau: np.ndarray, contrast: float, azimuth_deg: float = 0.0) -> np.ndarray:
        """Siegert g2 of an equilibrium run at lags ``tau`` (s), same shape as ``tau``.

        ``g2 = 1 + beta [r^2 + (1 - r)^2 g1^2 + 2 r (1 - r) g1 cos(omega tau)]`` with
        ``g1 = exp(-(Gamma(q) tau) ** kww_exponent)``; homodyne (``r = 0``):
        ``1 + beta exp(-2 (Gamma tau) ** kww_exponent)``, the KWW form of
        :func:`xpcs_nb.correlation.kww` with ``alpha = kww_exponent``.
        Raises ValueError unless :attr:`is_equilibrium`; use :meth:`c2_theory` then.
        ``q`` (nm^-1), ``tau`` and ``azimuth_deg`` broadcast against each other.
        """
        if not self.is_equilibrium:
            raise ValueError("g2_theory needs an equilibrium run (constant float rate, no avalanches); "
                             "use c2_theory for time-dependent dynamics")
        q = check_array(q, "q", minimum=0.0, dtype=float)
        tau = np.abs(check_array(tau, "tau", dtype=float))
        contrast = _checked_contrast(contrast)
        azimuth_deg = check_array(azimuth_deg, "azimuth_deg", dtype=float)
        g1 = np.exp(-((self.rate * self.q_factor(q) * tau) ** self.kww_exponent))
        beat = np.cos(self.doppler_frequency(q, azimuth_deg) * tau)
        return 1.0 + contrast * _heterodyne_mix(g1, beat, 1.0, self.reference_fraction)


def _checked_contrast(contrast) -> float:
    return check_real(contrast, "contrast", minimum=0.0, maximum=1.0, include_min=False,
                      context=" (speckle contrast beta)")


def _heterodyne_mix(g1, beat, survival, r: float):
    """``r^2 + S ((1-r)^2 g1^2 + 2 r (1-r) g1 cos)``: the normalised intensity covariance."""
    moving = (1.0 - r) ** 2 * g1**2 + 2.0 * r * (1.0 - r) * g1 * beat
    return r**2 + survival * moving


def _normalise_rate(rate: RateLike) -> float | tuple[float, ...] | Callable:
    """A float, a tuple of per-frame floats, or the callable itself (checked when evaluated)."""
    if callable(rate):
        return rate
    if isinstance(rate, (numbers.Number, np.generic)):
        return check_real(rate, "rate", minimum=0.0, context=" (1/s)")
    values = check_array(rate, "rate", ndim=(0, 1), minimum=0.0, dtype=float)
    return float(values) if values.ndim == 0 else tuple(values.tolist())


# --------------------------------------------------------------------------- #
# The teaching cases
# --------------------------------------------------------------------------- #
def stationary(rate: float, q_exponent: float = 2.0, kww_exponent: float = 1.0) -> Dynamics:
    """Equilibrium dynamics: a constant rate (1/s at q_ref), g1 = exp(-(Gamma tau) ** kww_exponent).

    >>> stationary(5.0).is_equilibrium
    True
    """
    return Dynamics(rate=check_real(rate, "rate", minimum=0.0, context=" (1/s)"), q_exponent=q_exponent,
                    kww_exponent=kww_exponent)


def ballistic(rate: float, kww_exponent: float = 1.5) -> Dynamics:
    """Ballistic, compressed dynamics: ``Gamma = rate q / q_ref`` and g1 = exp(-(Gamma tau) ** 1.5).

    The signature of stress-driven rearrangements in colloidal glasses and sheared
    suspensions (Gamma proportional to q, a KWW exponent near 1.5), where Brownian
    motion gives Gamma proportional to q^2 and an exponent of 1.

    >>> d = ballistic(2.0)
    >>> float(d.q_factor(2 * Q_REF)), d.kww_exponent
    (2.0, 1.5)
    """
    return stationary(rate, q_exponent=1.0, kww_exponent=kww_exponent)


def aging(rate0: float, t_age: float, exponent: float = 1.0, q_exponent: float = 2.0) -> Dynamics:
    """A sample that slows down as it ages: ``Gamma(t) = rate0 / (1 + t / t_age) ** exponent``.

    ``t_age`` (s) is when the slowing becomes visible; ``exponent`` 1 is full aging.

    >>> aging(rate0=4.0, t_age=2.0).rate_at([0.0, 2.0, 6.0])
    array([4., 2., 1.])
    """
    return Dynamics(rate=AgingRate(rate0, t_age, exponent), q_exponent=q_exponent)


def relaxation_after_shear(rate_fast: float, rate_slow: float, tau_relax: float,
                           q_exponent: float = 2.0) -> Dynamics:
    """Fast dynamics right after shear stops, relaxing to slow ones with time constant ``tau_relax`` (s).

    >>> relaxation_after_shear(rate_fast=50.0, rate_slow=1.0, tau_relax=10.0).rate_at([0.0, 1e4])
    array([50.,  1.])
    """
    return Dynamics(rate=ShearRelaxationRate(rate_fast, rate_slow, tau_relax), q_exponent=q_exponent)


def avalanches(rate: float, times: Sequence[float], fraction: float, q_exponent: float = 2.0) -> Dynamics:
    """Slow steady dynamics with avalanches at ``times`` (s) that reset a ``fraction`` of the grains.

    >>> avalanches(0.5, times=[3.0, 1.0], fraction=0.8).avalanche_times
    (1.0, 3.0)
    """
    times = check_array(times, "times", ndim=1, min_size=0, dtype=float)
    fraction = check_real(fraction, "fraction", minimum=0.0, maximum=1.0)
    return Dynamics(rate=check_real(rate, "rate", minimum=0.0, context=" (1/s)"), q_exponent=q_exponent,
                    avalanche_times=tuple(times.tolist()), avalanche_fraction=fraction)


def heterodyne(rate: float, speed: float, reference_fraction: float, direction_deg: float = 0.0,
               q_exponent: float = 2.0) -> Dynamics:
    """Moving sample plus a static reference: fringes at ``omega = q speed cos(azimuth - direction)``.

    ``speed`` in nm/s along ``direction_deg`` (detector azimuth convention, 0 = +col).

    >>> heterodyne(1.0, speed=100.0, reference_fraction=0.3, direction_deg=90.0).doppler_frequency(0.02, 90.0)
    np.float64(2.0)
    """
    speed = check_real(speed, "speed", context=" (nm/s)")
    phi = np.radians(check_real(direction_deg, "direction_deg"))
    velocity = (speed * float(np.cos(phi)), speed * float(np.sin(phi)))
    return Dynamics(rate=check_real(rate, "rate", minimum=0.0, context=" (1/s)"), q_exponent=q_exponent,
                    flow_velocity=velocity, reference_fraction=reference_fraction)
