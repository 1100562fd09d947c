"""Whether a map is a C2 that ``classify`` and ``similar`` can trust: the checks and their words.

A class or a neighbour is always found, whatever the map: an all-zero array, a
map with one triangle stored, a matrix that is not symmetric, or a C2 unlike any
in the reference set. So every map is checked, and every crop's distance to the
reference set is measured against the set's own spacing (chapter 7's check 4,
:func:`xpcs_nb.latent.gap.distance_to_reference`). Each doubt goes into the
table's ``trust`` column ("ok" when there is none) and one line per map on stderr.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FAR", "FLAT", "map_doubts", "far_doubt"]

FAR = 2.0  # gap ratio beyond which a crop "lies apart": more than twice the typical spacing (chapter 7)
FLAT = 1e-4  # off-diagonal spread, relative to the level, below which a map counts as constant
_SAMPLE = 1024  # rows and columns of a large map looked at (a strided sample)


def map_doubts(c2: np.ndarray) -> list[str]:
    """Why the map ``c2 (T, T)`` is not a C2 to trust; empty when it looks like one.

    - one triangle stored: zeros on one side of the diagonal, values on the other;
    - not symmetric: C2(t1, t2) differs from C2(t2, t1) by more than 1e-6 of its
      largest value;
    - constant or nearly constant: the off-diagonal values (1st to 99th percentile)
      spread less than 1e-4 of their median's size (an all-zero map included); each
      crop is scaled to [0, 1], so such a map would be classified on its noise.

    NaN values (a removed diagonal, frames without photons) are left out.

    >>> lag = np.abs(np.subtract.outer(np.arange(50), np.arange(50)))
    >>> map_doubts(1 + 0.2 * np.exp(-lag / 10))
    []
    >>> map_doubts(np.zeros((50, 50)))
    ['constant map (off-diagonal spread 0 around 0)']
    >>> map_doubts(np.triu(1 + 0.2 * np.exp(-lag / 10)))
    ['one triangle stored (zeros below the diagonal)']
    """
    c2 = np.asarray(c2, dtype=np.float64)
    n = len(c2)
    if n < 2:
        return []
    step = max(1, -(-n // _SAMPLE))
    sample = c2[::step, ::step]
    off = ~np.eye(len(sample), dtype=bool)
    upper = sample[np.triu(off)]
    lower = sample[np.tril(off)]
    upper_zero, lower_zero = not np.any(np.nan_to_num(upper)), not np.any(np.nan_to_num(lower))
    if upper_zero != lower_zero:
        return [f"one triangle stored (zeros {'above' if upper_zero else 'below'} the diagonal)"]
    doubts = []
    scale = np.nanmax(np.abs(sample)) if np.any(np.isfinite(sample)) else 0.0
    asymmetry = np.nanmax(np.abs(sample - sample.T)) if np.any(np.isfinite(sample)) else 0.0
    if asymmetry > 1e-6 * scale:
        doubts.append(f"not symmetric (largest |C2 - C2^T| {asymmetry:.3g}, largest |C2| {scale:.3g})")
    values = sample[off]
    values = values[np.isfinite(values)]
    if values.size:
        low, middle, high = np.percentile(values, [1, 50, 99])
        if high - low <= FLAT * abs(middle):
            doubts.append(f"constant map (off-diagonal spread {high - low:.3g} around {middle:.3g})")
    return doubts


def far_doubt(gap_ratios) -> str | None:
    """The doubt for a map whose crops lie far from the reference set, or None.

    >>> far_doubt([1.2, 3.5]), far_doubt([1.0])
    ('far from the reference set (3.5 times its typical spacing)', None)
    """
    worst = float(np.max(gap_ratios))
    if worst > FAR:
        return f"far from the reference set ({worst:.2g} times its typical spacing)"
    return None
