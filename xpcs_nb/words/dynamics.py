"""Chapters 1 and 8: what a fit of g2 says, in words built from its numbers.

>>> agreement(2.10, 2.05, 0.04)
'they agree within twice the ±'
>>> agreement(2.30, 2.05, 0.04)
'they differ by 6 times the ±, a first sign that it is too small'
"""

from __future__ import annotations

import math

from xpcs_nb.validation import check_real

__all__ = ["agreement", "alpha_reading", "error_reading", "slope_reading"]


def agreement(value: float, reference: float, error: float) -> str:
    """Whether ``value`` and ``reference`` agree within twice ``error`` (its quoted ±, > 0).

    >>> agreement(1.0, 1.0, 0.1)
    'they agree within twice the ±'
    """
    value, reference = check_real(value, "value"), check_real(reference, "reference")
    error = check_real(error, "error", minimum=0.0, include_min=False, context=" (the quoted ±)")
    gap = abs(value - reference) / error
    if gap <= 2:
        return "they agree within twice the ±"
    return f"they differ by {gap:.0f} times the ±, a first sign that it is too small"


def alpha_reading(alpha: float, alpha_err: float) -> str:
    """What a free KWW exponent ``alpha`` ± ``alpha_err`` (> 0) of a blend of rates says.

    A blend of exponentials is a stretched decay (alpha < 1); alpha above 1 it cannot cause.

    >>> alpha_reading(0.97, 0.02)
    'within twice its error of 1: the data alone cannot tell the slight stretching from a simple exponential'
    >>> alpha_reading(0.90, 0.02)
    'measurably below 1: the data show the stretching that the blend of rates causes'
    """
    alpha = check_real(alpha, "alpha", minimum=0.0, include_min=False)
    alpha_err = check_real(alpha_err, "alpha_err", minimum=0.0, include_min=False)
    if abs(alpha - 1) < 2 * alpha_err:
        return ("within twice its error of 1: the data alone cannot tell the slight stretching "
                "from a simple exponential")
    if alpha < 1:
        return "measurably below 1: the data show the stretching that the blend of rates causes"
    return "above 1, which the blend of rates cannot cause: read it as noise"


def slope_reading(slope: float, expected: float = 2.0, tolerance: float = 0.2) -> str:
    """``slope`` of log Gamma against log q beside diffusion's ``expected`` (2).

    >>> slope_reading(1.93)
    'close to the 2 that diffusion predicts'
    >>> slope_reading(1.5)
    'off the 2 that diffusion predicts by 0.50: too few rings, or too short a movie, for this q range'
    """
    slope = check_real(slope, "slope")
    expected = check_real(expected, "expected")
    tolerance = check_real(tolerance, "tolerance", minimum=0.0, include_min=False)
    if abs(slope - expected) <= tolerance:
        return f"close to the {expected:g} that diffusion predicts"
    return (f"off the {expected:g} that diffusion predicts by {abs(slope - expected):.2f}: too few rings, "
            "or too short a movie, for this q range")


def error_reading(chi2_red: float, scatter_ratio: float) -> str:
    """What a weighted fit's ``chi2_red`` and the ROIs' scatter over its ± (``scatter_ratio``) say.

    ``scatter_ratio`` is the spread of a fitted value over independent ROIs divided by
    the ± a single fit quotes: 1 when the ± is right.

    >>> error_reading(0.56, 4.2)
    'a reduced χ² of 0.56, at or below 1, looks like a good fit, yet the sectors scatter 4.2 times the ± each fit quotes: the ± is too small, and the reduced χ² does not show it'
    >>> error_reading(1.05, 1.1)
    'a reduced χ² of 1.05 and a scatter of 1.1 times the quoted ±: here the errors say what they mean'
    """
    chi2_red = check_real(chi2_red, "chi2_red", minimum=0.0)
    scatter_ratio = check_real(scatter_ratio, "scatter_ratio", minimum=0.0)
    if math.isclose(scatter_ratio, 1.0, abs_tol=0.5) and 0.5 <= chi2_red <= 2:
        return (f"a reduced χ² of {chi2_red:.2f} and a scatter of {scatter_ratio:.1f} times the quoted ±: "
                "here the errors say what they mean")
    looks_good = chi2_red <= 1.2
    level = "at or below 1, looks like a good fit" if looks_good else "above 1, warns of a poor fit"
    if scatter_ratio > 1.5:
        verdict = "the ± is too small, and the reduced χ² does not show it" if looks_good else "the ± is too small"
    else:
        verdict = "the ± is about right, the model is not"
    joint = "yet" if looks_good and scatter_ratio > 1.5 else "and"
    return (f"a reduced χ² of {chi2_red:.2f}, {level}, {joint} the sectors scatter {scatter_ratio:.1f} times "
            f"the ± each fit quotes: {verdict}")
