"""The KWW (stretched exponential) model of g2 and its least-squares fit.

g2(tau) = baseline + beta exp(-2 (rate tau)^alpha); ``tau (n,)`` and ``g2 (n,)``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import curve_fit

from xpcs_nb.validation import check_array, check_bool, check_choice, check_real

__all__ = ["kww", "KWWFit", "fit_kww", "UnweightedFitWarning"]


def kww(tau, baseline: float, beta: float, rate: float, alpha: float) -> np.ndarray:
    """The KWW model g2(tau) = baseline + beta exp(-2 (rate tau)^alpha).

    ``tau`` (any shape, finite, >= 0) and ``rate`` in inverse units of each other
    (s and 1/s, or frames and 1/frame); returns float64 of ``tau``'s shape.

    >>> kww([0.0, 0.5], baseline=1.0, beta=0.2, rate=1.0, alpha=1.0).round(4).tolist()
    [1.2, 1.0736]
    """
    tau = check_array(tau, "tau", kind="real", min_size=0, minimum=0.0, dtype=np.float64)
    baseline = check_real(baseline, "baseline")
    beta = check_real(beta, "beta")
    rate = check_real(rate, "rate", minimum=0.0)
    alpha = check_real(alpha, "alpha", minimum=0.0)
    return _kww(tau, baseline, beta, rate, alpha)


def _kww(tau: np.ndarray, baseline: float, beta: float, rate: float, alpha: float) -> np.ndarray:
    """The kernel of :func:`kww`, for checked arguments (``curve_fit`` calls it often)."""
    return baseline + beta * np.exp(-2.0 * np.power(rate * tau, alpha))


_PARAMS = ("baseline", "beta", "rate", "alpha")


class UnweightedFitWarning(UserWarning):
    """:func:`fit_kww` was called without ``sigma``: its ``chi2_red`` is a mean squared residual."""


@dataclass(frozen=True)
class KWWFit:
    """A KWW (stretched exponential) fit of g2(tau) = baseline + beta exp(-2 (rate tau)^alpha).

    ``rate`` (Gamma) is in the inverse unit of the tau that was fitted (1/s or
    1/frame); ``alpha`` is the stretching exponent (1: simple exponential, the
    Brownian / Siegert case; < 1 stretched; > 1 compressed).  ``*_err`` are standard
    errors from the fit's covariance (0 for a parameter held fixed, inf when the
    covariance could not be estimated).

    ``chi2_red`` = sum_i r_i^2 / (n_points - n_free), with r_i = (g2_i - model_i) /
    sigma_i when the fit was given ``sigma`` -- then it is the reduced chi-square,
    about 1 for a good model with right errors -- and r_i = g2_i - model_i without
    it: then it is the mean squared residual per degree of freedom, in g2 units
    squared (1e-4 is a residual of 0.01, not a perfect fit).  Points of g2 taken
    from one C2 (or multi-tau) share frames, so their errors are correlated; a
    chi2_red near 1 then still leaves ``*_err`` somewhat too small.
    """

    baseline: float
    beta: float
    rate: float
    alpha: float
    baseline_err: float
    beta_err: float
    rate_err: float
    alpha_err: float
    fixed: tuple[str, ...] = ()
    n_points: int = 0
    chi2_red: float = float("nan")
    cov: np.ndarray = field(default=None, repr=False, compare=False)

    @property
    def relaxation_time(self) -> float:
        """1 / rate, in the unit of tau."""
        return 1.0 / self.rate

    def model(self, tau) -> np.ndarray:
        """The fitted curve at ``tau``."""
        return kww(tau, self.baseline, self.beta, self.rate, self.alpha)


def fit_kww(
    tau,
    g2,
    *,
    sigma=None,
    absolute_sigma: bool = False,
    fix_alpha: float | None = None,
    fix_baseline: float | None = None,
    p0: dict | None = None,
    alpha_bounds: tuple[float, float] = (0.1, 3.0),
) -> KWWFit:
    """Fit g2(tau) = baseline + beta exp(-2 (rate tau)^alpha) by least squares.

    Parameters
    ----------
    tau : (n,)
        Lags, all finite and > 0 (leave lag 0 out); 1/rate comes out in their unit.
    g2 : (n,)
        g2 at those lags (ratio form: baseline ~1; paper form: ~0).  Points where g2
        is NaN or inf (e.g. lags touched by a dark frame) are left out of the fit.
    sigma : (n,), optional
        Standard errors of g2, passed to ``scipy.optimize.curve_fit`` (e.g.
        ``g2_with_errors(c2).stderr``).  Without it every point weighs the same --
        on a g2 from C2 the long, poorly averaged lags then dominate -- and an
        :class:`UnweightedFitWarning` says that ``chi2_red`` is the mean squared
        residual (silence it with ``warnings.filterwarnings("ignore",
        category=UnweightedFitWarning)`` where that is meant).
    absolute_sigma : bool
        As in ``curve_fit``: True when ``sigma`` is in absolute units.
    fix_alpha : float, optional
        Hold alpha at this value (``fix_alpha=1`` for a simple exponential).
    fix_baseline : float, optional
        Hold the baseline at this value (e.g. 1 for the ratio form).
    p0 : dict, optional
        Starting values by name (``baseline``, ``beta``, ``rate``, ``alpha``);
        missing ones are guessed: baseline from the last tenth of the points, beta
        from the first point, rate from where g2 drops to 1/e of its span.
    alpha_bounds : (lo, hi)
        Bounds of alpha when it is free, ``0 <= lo < hi``.  beta >= 0 and rate > 0 always.

    Returns
    -------
    KWWFit
        Its ``chi2_red`` is the reduced chi-square with ``sigma``, the mean squared
        residual per degree of freedom without (see :class:`KWWFit`).

    Examples
    --------
    >>> tau = np.geomspace(0.01, 10.0, 40)  # seconds
    >>> fit = fit_kww(tau, kww(tau, baseline=1.0, beta=0.25, rate=2.0, alpha=0.8),
    ...               sigma=np.full(40, 1e-3))
    >>> round(fit.rate, 6), round(fit.alpha, 6), round(fit.relaxation_time, 6)
    (2.0, 0.8, 0.5)
    """
    tau, g2, sigma = _check_points(tau, g2, sigma)
    if sigma is None:
        warnings.warn("fit_kww without sigma: every point weighs the same and chi2_red is the mean squared "
                      "residual (g2 units squared), not a reduced chi-square; pass sigma "
                      "(e.g. g2_with_errors(c2).stderr)", UnweightedFitWarning, stacklevel=2)
    absolute_sigma = check_bool(absolute_sigma, "absolute_sigma")
    fixed = {}
    if fix_alpha is not None:
        fixed["alpha"] = check_real(fix_alpha, "fix_alpha", minimum=0.0, include_min=False)
    if fix_baseline is not None:
        fixed["baseline"] = check_real(fix_baseline, "fix_baseline")
    alpha_bounds = _check_alpha_bounds(alpha_bounds)
    p0 = {check_choice(name, "a key of p0", _PARAMS): check_real(value, f"p0[{name!r}]")
          for name, value in dict(p0 or {}).items()}
    free = [p for p in _PARAMS if p not in fixed]
    if g2.size < len(free):
        raise ValueError(f"g2 has {g2.size} finite point(s), fewer than the {len(free)} free parameters")

    order = np.argsort(tau)
    tau, g2 = tau[order], g2[order]
    if sigma is not None:
        sigma = sigma[order]
    guess = {**_initial_guess(tau, g2, fixed), **p0}

    # fit in the scaled time s = tau * rate0, so the rate parameter is O(1)
    rate0 = guess["rate"]
    if not (np.isfinite(rate0) and rate0 > 0):
        raise ValueError(f"p0['rate'] must be positive, got {rate0!r}")
    s = tau * rate0
    lo = {"baseline": -np.inf, "beta": 0.0, "rate": 0.0, "alpha": alpha_bounds[0]}
    hi = {"baseline": np.inf, "beta": np.inf, "rate": np.inf, "alpha": alpha_bounds[1]}
    start = {**guess, "rate": 1.0}
    start = {p: float(np.clip(start[p], lo[p] + 1e-12 if np.isfinite(lo[p]) else lo[p], hi[p])) for p in _PARAMS}

    def f(x, *theta):
        values = dict(fixed)
        values.update(zip(free, theta))
        return _kww(x, values["baseline"], values["beta"], values["rate"], values["alpha"])

    popt, pcov = curve_fit(
        f,
        s,
        g2,
        p0=[start[p] for p in free],
        sigma=sigma,
        absolute_sigma=absolute_sigma,
        bounds=([lo[p] for p in free], [hi[p] for p in free]),
        method="trf",
        x_scale="jac",
        max_nfev=10000,
    )
    values = dict(fixed)
    values.update(zip(free, popt))
    values["rate"] *= rate0
    errs = dict.fromkeys(fixed, 0.0)
    pcov = np.asarray(pcov, dtype=np.float64)
    scale = np.array([rate0 if p == "rate" else 1.0 for p in free])
    cov = pcov * np.outer(scale, scale)
    for i, p in enumerate(free):
        errs[p] = float(np.sqrt(cov[i, i])) if np.isfinite(cov[i, i]) and cov[i, i] >= 0 else float("inf")
    resid = g2 - f(s, *popt)
    if sigma is not None:
        resid = resid / sigma
    dof = g2.size - len(free)
    chi2_red = float(np.sum(resid**2) / dof) if dof > 0 else float("nan")
    return KWWFit(
        baseline=float(values["baseline"]),
        beta=float(values["beta"]),
        rate=float(values["rate"]),
        alpha=float(values["alpha"]),
        baseline_err=errs["baseline"],
        beta_err=errs["beta"],
        rate_err=errs["rate"],
        alpha_err=errs["alpha"],
        fixed=tuple(p for p in _PARAMS if p in fixed),
        n_points=int(g2.size),
        chi2_red=chi2_red,
        cov=cov,
    )


def _check_points(tau, g2, sigma) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """tau, g2 and sigma as flat float64 arrays, the points with a non-finite g2 left out."""
    tau = check_array(tau, "tau", kind="real", dtype=np.float64).ravel()
    g2 = check_array(g2, "g2", kind="real", finite=False, dtype=np.float64).ravel()
    if tau.shape != g2.shape:
        raise ValueError(f"tau and g2 must have the same length, got {tau.size} and {g2.size}")
    if np.any(tau <= 0):
        raise ValueError(f"tau must be > 0 (leave the lag-0 point out), got a minimum of {tau.min()!r}")
    if sigma is not None:
        sigma = check_array(sigma, "sigma", kind="real", dtype=np.float64).ravel()
        if sigma.shape != g2.shape or np.any(~(sigma > 0)):
            raise ValueError(f"sigma must be positive, one per point of g2 ({g2.size}), got {sigma.size} value(s)")
    ok = np.isfinite(g2)
    return tau[ok], g2[ok], None if sigma is None else sigma[ok]


def _check_alpha_bounds(alpha_bounds) -> tuple[float, float]:
    bounds = check_array(alpha_bounds, "alpha_bounds", shape=(2,), kind="real", dtype=np.float64)
    low, high = float(bounds[0]), float(bounds[1])
    if not 0 <= low < high:
        raise ValueError(f"alpha_bounds must be (lo, hi) with 0 <= lo < hi, got {(low, high)!r}")
    return low, high


def _initial_guess(tau: np.ndarray, g2: np.ndarray, fixed: dict[str, float]) -> dict[str, float]:
    """Starting values: baseline from the last tenth of the points, beta from the first
    point, rate from where g2 drops to 1/e of its span (tau sorted, g2 finite)."""
    tail = max(1, g2.size // 10)
    guess = {"baseline": fixed.get("baseline", float(np.mean(g2[-tail:])))}
    guess["beta"] = max(float(g2[0] - guess["baseline"]), 1e-3 * max(1.0, abs(guess["baseline"])))
    level = (g2 - guess["baseline"]) / guess["beta"]
    below = np.flatnonzero(level < math.exp(-1.0))
    tau_e = tau[below[0]] if below.size else tau[-1]
    guess["rate"] = 0.5 / tau_e  # exp(-2 rate tau) = 1/e
    guess["alpha"] = fixed.get("alpha", 1.0)
    return guess
