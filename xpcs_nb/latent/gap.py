"""How far new latents lie from a reference set: the domain-gap measure of chapter 6.

A class or a neighbour is always found, however unlike the reference set a new map
is: the nearest centre and the nearest reference crop exist for any point. Whether
they *mean* anything depends on how close that nearest reference is, measured against
how close the reference points lie to one another. So, for every new latent vector:

- ``nearest_reference``: its euclidean distance to the nearest reference latent;
- ``reference_spacing``: the median, over the reference set, of each point's
  distance to its nearest *other* reference point (one number for the set); given
  ``groups`` (e.g. the large C2 each crop was cut from), "other" means of another
  group, so two crops of one map (twins, near-copies) never set the spacing;
- ``gap_ratio``: the first over the second.

A ratio near 1 says the new map sits among the reference maps as they sit among
themselves; a ratio of several says it lies apart (chapter 6 measures it for the
paper's real crop against the synthetic library). Distances are in latent units, in the full latent space,
never in a UMAP plane; the measure is only meaningful when both sets come from the
same model.

Example
-------
>>> reference = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> float(np.median(nearest_distance_within(reference)))
1.0
>>> gap = distance_to_reference([[0.5, 0.0], [4.0, 1.0]], reference)
>>> gap.round(2).values.tolist()
[[0.5, 1.0, 0.5], [3.0, 1.0, 3.0]]

Twins (here each point has a near-copy of the same group) shrink the spacing unless
``groups`` leaves them out:

>>> twins = np.concatenate([reference, reference + [0.01, 0.0]])
>>> round(float(np.median(nearest_distance_within(twins))), 3)
0.01
>>> round(float(np.median(nearest_distance_within(twins, groups=[0, 1, 2, 3] * 2))), 3)
0.995
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from xpcs_nb.validation import as_latents
from xpcs_nb.validation import check_array

__all__ = ["nearest_distance_within", "distance_to_reference"]

ROWS_PER_BLOCK = 1024  # rows of the distance matrix held at once: 1024 x N float64


def nearest_distance_within(latents, groups=None) -> np.ndarray:
    """For each latent vector, the distance to its nearest *other* vector of the set.

    Parameters
    ----------
    latents : array (N, D), N >= 2
        Finite latent vectors.
    groups : array (N,), optional
        The unit each vector belongs to (e.g. the large C2 a crop was cut from);
        given, a vector's nearest is sought among the *other groups* only, so near-copies
        of one map never count. Default: every vector its own group.

    Returns
    -------
    ndarray (N,), float64
        Euclidean distances in latent units (0 for exact duplicates).

    Raises
    ------
    ValueError
        Fewer than two vectors (a point has no other to be near), ``groups`` of
        another length, or all vectors in one group.

    >>> nearest_distance_within([[0.0], [1.0], [3.0]]).tolist()
    [1.0, 1.0, 2.0]
    >>> nearest_distance_within([[0.0], [1.0], [3.0]], groups=[0, 0, 1]).tolist()
    [3.0, 2.0, 2.0]
    """
    latents = as_latents(latents)
    return _nearest_within(latents, "latents", _as_groups(groups, len(latents), "groups"))


def _as_groups(groups, n: int, name: str) -> np.ndarray:
    """``groups`` as an array (n,) with at least two distinct values; None: one group per vector."""
    if groups is None:
        return np.arange(n)
    groups = check_array(groups, name, ndim=1, kind=None)
    if len(groups) != n:
        raise ValueError(f"{name} must hold one group per vector ({n}), got {len(groups)}")
    if n >= 2 and len(np.unique(groups)) < 2:
        raise ValueError(f"{name} must name at least 2 different groups (a vector's nearest is sought in "
                         f"another), got only {groups[0]!r}")
    return groups


def _nearest_within(latents: np.ndarray, name: str, groups: np.ndarray) -> np.ndarray:
    if len(latents) < 2:
        raise ValueError(f"{name} must hold at least 2 vectors (each needs another to be near), "
                         f"got {len(latents)}")
    nearest = np.empty(len(latents))
    for start in range(0, len(latents), ROWS_PER_BLOCK):
        block = cdist(latents[start:start + ROWS_PER_BLOCK], latents)  # (rows, N), exact differences
        mine = groups[start:start + block.shape[0]]
        block[mine[:, np.newaxis] == groups[np.newaxis, :]] = np.inf  # not itself, nor its group
        nearest[start:start + block.shape[0]] = block.min(axis=1)
    return nearest


def distance_to_reference(latents, reference, groups=None) -> pd.DataFrame:
    """How far each latent vector lies from a reference set, against the set's own spacing.

    Parameters
    ----------
    latents : array (Q, D) or (D,)
        New latent vectors (e.g. ``xpcs_nb.encode(model, crops)``).
    reference : array (N, D), N >= 2
        The reference latents, made by the same model (e.g. ``LatentSpace.latents``).
    groups : array (N,), optional
        The large C2 each reference crop was cut from: the spacing then measures each
        crop's nearest reference crop *of another map* (:func:`nearest_distance_within`),
        so two crops of one map do not shrink it. Default: every crop its own map.

    Returns
    -------
    DataFrame, Q rows
        ``nearest_reference`` (distance to the nearest reference latent),
        ``reference_spacing`` (the median nearest-neighbour distance inside the
        reference set, the same on every row) and ``gap_ratio`` (their quotient);
        distances in latent units.

    Raises
    ------
    ValueError
        Non-finite values, fewer than two reference vectors, a dimension that differs
        between the two sets, ``groups`` of another length or with one group only, or a
        reference set whose points all coincide (its spacing is 0).
    """
    reference = as_latents(reference, "reference")
    if np.ndim(latents) == 1:  # one vector (D,)
        latents = np.asarray(latents)[np.newaxis]
    latents = as_latents(latents)
    if latents.shape[1] != reference.shape[1]:
        raise ValueError(f"latents must have the reference's dimension {reference.shape[1]} (the same model), "
                         f"got {latents.shape[1]}")
    groups = _as_groups(groups, len(reference), "groups")
    spacing = float(np.median(_nearest_within(reference, "reference", groups)))
    if spacing == 0.0:
        raise ValueError("reference must hold distinct vectors: the median distance to a nearest other "
                         "reference vector is 0")
    nearest = np.empty(len(latents))
    for start in range(0, len(latents), ROWS_PER_BLOCK):
        nearest[start:start + ROWS_PER_BLOCK] = cdist(latents[start:start + ROWS_PER_BLOCK], reference).min(axis=1)
    return pd.DataFrame({"nearest_reference": nearest, "reference_spacing": spacing,
                         "gap_ratio": nearest / spacing})
