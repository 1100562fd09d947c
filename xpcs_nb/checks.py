"""Checks for the chapters' fill-in exercises: compare the reader's answer with a reference.

Each scaffolded exercise leaves ``...`` for the reader to fill; the cell after it
computes the reference with the package and calls :func:`check_answer`, which prints
one line (right, or what is still off) and returns whether the answer passed. The
reference is never printed, so the check does not give the answer away.

>>> check_answer("g2 at lag 1", 1.2500001, 1.25)
right: g2 at lag 1 matches the reference.
True
>>> check_answer("g2 at lag 1", None, 1.25)
not yet: g2 at lag 1 is still empty (replace the ... with your code).
False
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_answer"]


def check_answer(what: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
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
    bool
        True when the answer passes.
    """
    verdict = _compare(got, expected, rtol=rtol, atol=atol)
    if verdict is None:
        print(f"right: {what} matches the reference.")
        return True
    print(f"not yet: {what} {verdict}.")
    return False


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
