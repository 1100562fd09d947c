"""Checks for the chapters' fill-in exercises: compare the reader's answer with a reference.

Each scaffolded exercise leaves ``...`` for the reader to fill; the cell after it
computes the reference with the package and calls :func:`check_answer`, which prints
one line (right, or what is still off) and returns a :class:`Check`. The reference is
never printed, so the check does not give the answer away.

A :class:`Check` is true when the answer passed, so a solution cell can write
``assert check_answer(...)``; in a notebook it shows nothing of its own (the printed
line has said it all), so an unfinished exercise reads "not yet: ...", never a bare
``False``.

>>> result = check_answer("g2 at lag 1", 1.2500001, 1.25)
right: g2 at lag 1 matches the reference.
>>> bool(result)
True
>>> result = check_answer("g2 at lag 1", None, 1.25)
not yet: g2 at lag 1 is still empty (replace the ... with your code).
>>> bool(result), result.message
(False, 'not yet: g2 at lag 1 is still empty (replace the ... with your code).')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Check", "check_answer"]


@dataclass(frozen=True)
class Check:
    """The outcome of :func:`check_answer`: true when the answer passed.

    Attributes
    ----------
    passed : bool
        Whether the answer matched the reference.
    message : str
        The line :func:`check_answer` printed (``"right: ..."`` or ``"not yet: ..."``).
    """

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        """Show nothing in a notebook: the message was printed when the check ran."""


def check_answer(what: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9) -> Check:
    """Print whether ``got`` equals ``expected`` (numbers or arrays within tolerance, else exactly).

    Parameters
    ----------
    what : str
        What the answer is, as the reader would name it (``"the contrast"``).
    got : number, array-like, str or None
        The reader's answer; ``None`` or ``...`` means the scaffold is not filled yet.
    expected : number, array-like or str
        The reference, computed by the check cell.
    rtol, atol : float
        Relative and absolute tolerance for numbers (:func:`numpy.allclose`).

    Returns
    -------
    Check
        True when the answer passes; its ``message`` is the line printed.
    """
    verdict = _compare(got, expected, rtol=rtol, atol=atol)
    if verdict is None:
        result = Check(True, f"right: {what} matches the reference.")
    else:
        result = Check(False, f"not yet: {what} {verdict}.")
    print(result.message)
    return result


def _compare(got, expected, *, rtol: float, atol: float) -> str | None:
    """``None`` when ``got`` passes, else what is wrong with it, in a few words."""
    if got is None or got is Ellipsis:
        return "is still empty (replace the ... with your code)"
    if isinstance(expected, str):
        return None if got == expected else f"is {got!r}, not the expected text"
    try:
        got_array = np.asarray(_to_numpy(got), dtype=float)
    except (TypeError, ValueError):
        return f"should be a number or an array, got {type(got).__name__}"
    want = np.asarray(_to_numpy(expected), dtype=float)
    if got_array.shape != want.shape:
        return f"has shape {got_array.shape}, expected {want.shape}"
    if np.isnan(got_array).any() and not np.isnan(want).any():
        return "contains NaN"
    if np.allclose(got_array, want, rtol=rtol, atol=atol, equal_nan=True):
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.nanmax(np.abs(got_array - want) / np.maximum(np.abs(want), atol))
    return f"differs from the reference by up to {off:.1%} (relative)"


def _to_numpy(value):
    """A torch tensor as a numpy array (on the CPU); anything else unchanged."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return value
