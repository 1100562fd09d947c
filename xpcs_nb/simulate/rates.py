"""Rate laws Gamma(t): how fast the sample forgets, as a function of sample-clock time.

Each law is a small frozen dataclass rather than a lambda, so a
:class:`~xpcs_nb.simulate.Dynamics` prints its parameters and can be pickled. A law
maps times ``t`` (s, any shape) to rates (1/s at the reference q, same shape).

>>> law = ShearRelaxationRate(rate_fast=10.0, rate_slow=1.0, tau_relax=5.0)
>>> law(np.array([0.0, 5.0, 1e3])).round(3)
array([10.   ,  4.311,  1.   ])
>>> AgingRate(rate0=2.0, t_age=10.0)(np.array([0.0, 10.0, 30.0]))
array([2. , 1. , 0.5])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import check_real

__all__ = ["AgingRate", "ShearRelaxationRate"]


def _set_real(instance, name: str, **bounds) -> None:
    """Check the field ``name`` of a frozen dataclass and store it as a float."""
    object.__setattr__(instance, name, check_real(getattr(instance, name), name, **bounds))


@dataclass(frozen=True)
class AgingRate:
    """A rate that slows down as the sample ages: ``rate0 / (1 + t / t_age) ** exponent``.

    ``rate0`` (1/s, >= 0) is the rate at ``t = 0``; ``t_age`` (s, > 0) is when the
    slowing becomes visible; ``exponent = 1`` is "full aging" (the relaxation time
    grows like the sample age).
    """

    rate0: float
    t_age: float
    exponent: float = 1.0

    def __post_init__(self) -> None:
        _set_real(self, "rate0", minimum=0.0)
        _set_real(self, "t_age", minimum=0.0, include_min=False)
        _set_real(self, "exponent")

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.rate0 / (1.0 + np.asarray(t, dtype=float) / self.t_age) ** self.exponent


@dataclass(frozen=True)
class ShearRelaxationRate:
    """A rate relaxing after shear stops: ``rate_slow + (rate_fast - rate_slow) exp(-t / tau_relax)``.

    ``rate_fast`` right after the stop (``t = 0``), ``rate_slow`` long after, both in
    1/s and >= 0; ``tau_relax`` (s, > 0) is the time constant.
    """

    rate_fast: float
    rate_slow: float
    tau_relax: float

    def __post_init__(self) -> None:
        _set_real(self, "rate_fast", minimum=0.0)
        _set_real(self, "rate_slow", minimum=0.0)
        _set_real(self, "tau_relax", minimum=0.0, include_min=False)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        decay = np.exp(-np.asarray(t, dtype=float) / self.tau_relax)
        return self.rate_slow + (self.rate_fast - self.rate_slow) * decay
