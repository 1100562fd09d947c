"""Chapter 2's words: the band widths of the library's rate classes, its split, the wrap's seam.

The rate classes are set by the decay per frame ``Gamma dt`` at the ROI's mean q
(:data:`xpcs_nb.scenarios.CLASS_DECAY_PER_FRAME`); the band of a C2 around its
diagonal is ``1 / (2 Gamma dt)`` frames wide, so the bands *narrow* from class 0
(the slowest) to class 4 (the fastest).

>>> band_widths([2e-4, 2e-3, 8e-3])
['2500', '250', '62']
>>> band_steps([2e-4, 2e-3, 8e-3, 3.2e-2])
'10 times narrower from class 0 to class 1, then 4 times narrower at each step from class 1 to class 3'
"""

from __future__ import annotations

import numpy as np

__all__ = ["band_widths", "band_steps", "split_overlap", "seam_verdict"]


def _widths(decays_per_frame) -> np.ndarray:
    """Band widths in frames, ``1 / (2 Gamma dt)``, of decays per frame (K,) > 0."""
    decays = np.asarray(decays_per_frame, dtype=float).ravel()
    if decays.size == 0 or not np.all(np.isfinite(decays)) or np.any(decays <= 0):
        raise ValueError(f"decays_per_frame must be finite numbers > 0 (Gamma dt per frame), got {decays.tolist()}")
    return 1.0 / (2.0 * decays)


def _two_figures(value: float) -> str:
    """``value`` rounded to two significant figures, as plain digits (``'2500'``, ``'3.9'``)."""
    rounded = float(f"{value:.2g}")
    return f"{rounded:.0f}" if rounded >= 10 else f"{rounded:g}"


def band_widths(decays_per_frame) -> list[str]:
    """The band width of each class in frames, two significant figures, as text.

    ``decays_per_frame`` (K,): the decay per frame ``Gamma dt`` of each class centre.

    >>> band_widths([1.28e-1])
    ['3.9']
    """
    return [_two_figures(width) for width in _widths(decays_per_frame)]


def band_steps(decays_per_frame) -> str:
    """How much narrower the band gets from each class to the next, in words.

    Equal steps in a row (to two significant figures) are said once.

    >>> band_steps([1e-3, 2e-3])
    '2 times narrower from class 0 to class 1'
    """
    widths = _widths(decays_per_frame)
    if widths.size < 2:
        raise ValueError(f"decays_per_frame must hold two classes or more to have steps, got {widths.size}")
    ratios = [_two_figures(r) for r in widths[:-1] / widths[1:]]
    runs, start = [], 0
    for step in range(1, len(ratios) + 1):
        if step == len(ratios) or ratios[step] != ratios[start]:
            runs.append((ratios[start], start, step))
            start = step
    parts = [f"{ratio} times narrower " + (f"from class {first} to class {end}" if end - first == 1 else
                                            f"at each step from class {first} to class {end}")
             for ratio, first, end in runs]
    return ", then ".join(parts)


def split_overlap(n_shared: int) -> str:
    """Whether a split kept every map in one split, from the number of maps in two or more.

    >>> split_overlap(0)
    'no map lands in more than one split'
    >>> split_overlap(2)
    '2 maps land in more than one split, which must not happen'
    """
    if int(n_shared) < 0:
        raise ValueError(f"n_shared must be a count >= 0, got {n_shared}")
    if int(n_shared) == 0:
        return "no map lands in more than one split"
    return f"{int(n_shared)} map{'s' if int(n_shared) > 1 else ''} land{'' if int(n_shared) > 1 else 's'} " \
           "in more than one split, which must not happen"


def seam_verdict(wrap_share: float, diagonal_share: float) -> str:
    """What the seam scores say of the two shifts, from the shares of shifted rate-class
    crops that score as avalanche-like, wrapped and seam-free.

    >>> seam_verdict(0.95, 0.17)
    'the wrap-around shift gives the avalanche signature to most of the copies of crops that have no avalanche, the seam-free shift to far fewer'
    >>> seam_verdict(0.2, 0.18).endswith("the seam-free shift to as many")
    True
    """
    for name, share in (("wrap_share", wrap_share), ("diagonal_share", diagonal_share)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must be a share in [0, 1], got {share}")
    amount = "most" if wrap_share > 0.5 else "some" if wrap_share > 0.1 else "few"
    seam_free = "far fewer" if diagonal_share < wrap_share / 3 else "fewer" if diagonal_share < wrap_share / 1.5 else "as many"
    return (f"the wrap-around shift gives the avalanche signature to {amount} of the copies of crops that have no "
            f"avalanche, the seam-free shift to {seam_free}")
