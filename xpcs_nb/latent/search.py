"""Similarity search in the latent space: nearest neighbours, and a reader's own C2 against a library.

Distances are euclidean distances between latent vectors, as in the paper's Fig. 4,
never distances in a 2-D UMAP picture of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xpcs_nb import aps
from xpcs_nb.dataset import check_c2, diagonal_crop, minmax_scale
from xpcs_nb.validation import as_labels, as_latents, check_count
from xpcs_nb.latent.encoding import encode
from xpcs_nb.validation import check_array, check_int, describe

__all__ = ["nearest_neighbours", "SimilarC2", "find_similar"]


def nearest_neighbours(latents, query, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` latent vectors nearest to each query, by euclidean distance.

    As in the paper's Fig. 4, distances are measured in the latent space (D
    dimensions), never in a 2-D UMAP picture of it. Brute force: one pass over all
    N points per query, exact.

    Parameters
    ----------
    latents : array (N, D)
        The searched set, finite.
    query : array (D,) or (Q, D)
        One query or Q of them, e.g. the latent of a test crop or ``latents[i]``
        (which then finds itself first, at distance 0).
    k : int
        Neighbours per query, 1 .. N.

    Returns
    -------
    indices : ndarray (k,) or (Q, k), int
        Rows of ``latents``, nearest first; ties keep the lower row first.
    distances : ndarray (k,) or (Q, k), float64
        Euclidean distances, in latent units, increasing.

    Example
    -------
    >>> latents = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
    >>> indices, distances = nearest_neighbours(latents, [0.0, 0.0], k=2)
    >>> indices.tolist(), distances.tolist()
    ([0, 2], [0.0, 1.0])
    """
    latents = as_latents(latents)
    query = check_array(query, "query", ndim=(1, 2), kind="real", dtype=np.float64)
    queries = np.atleast_2d(query)
    if queries.shape[1] != latents.shape[1]:
        raise ValueError(
            f"query must have the latents' dimension {latents.shape[1]} "
            f"(shape ({latents.shape[1]},) or (Q, {latents.shape[1]})), got shape {query.shape}"
        )
    k = check_count(k, len(latents))
    indices = np.empty((len(queries), k), dtype=np.int64)
    distances = np.empty((len(queries), k))
    for row, q in enumerate(queries):
        # Differences, not |a|^2 - 2ab + |b|^2: that shortcut rounds a point's
        # distance to itself to a small nonzero number.
        distance_to_all = np.sqrt(np.sum((latents - q) ** 2, axis=1))
        nearest = np.argsort(distance_to_all, kind="stable")[:k]
        indices[row], distances[row] = nearest, distance_to_all[nearest]
    return (indices[0], distances[0]) if query.ndim == 1 else (indices, distances)


@dataclass(frozen=True)
class SimilarC2:
    """The answer of :func:`find_similar`: a query's nearest neighbours in latent space.

    Attributes
    ----------
    indices : ndarray (k,), int
        Rows of the searched ``latents``, nearest first.
    distances : ndarray (k,), float64
        Euclidean distances in latent units, increasing.
    query_latent : ndarray (D,), float32
        The query's latent vector.
    query_crop : ndarray (S, S), float32
        The crop that was encoded: cut from the query's diagonal and scaled to [0, 1].
    crop_offset : int
        First frame of that crop in the query.
    neighbour_labels : ndarray (k,) of int, or None
        ``labels[indices]`` when labels were given.
    predicted_class : int or None
        The majority label among the neighbours (see :func:`find_similar`), or None.
    votes : dict {label: count}
        How many neighbours carry each label, most common first; empty without labels.
    """

    indices: np.ndarray
    distances: np.ndarray
    query_latent: np.ndarray
    query_crop: np.ndarray
    crop_offset: int
    neighbour_labels: np.ndarray | None
    predicted_class: int | None
    votes: dict

    def table(self) -> pd.DataFrame:
        """One row per neighbour: ``rank`` (1 = nearest), ``index``, ``distance``, ``label``."""
        table = pd.DataFrame({"rank": np.arange(1, len(self.indices) + 1), "index": self.indices,
                              "distance": self.distances})
        if self.neighbour_labels is not None:
            table["label"] = self.neighbour_labels
        return table


def _query_c2(query, roi: int, crop_size: int) -> np.ndarray:
    """The query as a checked float array (T, T): an array as given, or a map read from an APS file."""
    if isinstance(query, (str, Path)):
        path = Path(query)
        if not path.is_file():
            raise ValueError(f"query must be a C2 array (T, T) or the path of an APS result file; "
                             f"{str(path)!r} is not a file")
        return check_c2(aps.read_c2(path, roi=roi), crop_size, name=f"query ({path.name}, roi {roi})")
    array = check_array(query, "query", kind="real", finite=False)
    if array.ndim != 2:
        raise ValueError(f"query must be one 2-D C2 array (T, T) or the path of an APS result file, "
                         f"got {describe(array)}")
    return check_c2(array, crop_size, name="query")


def _vote(neighbour_labels: np.ndarray) -> tuple[int, dict]:
    """Majority label of the neighbours; a tie goes to the tied label with the nearest member."""
    values, counts = np.unique(neighbour_labels, return_counts=True)
    tied = values[counts == counts.max()]
    nearest_rank = {int(v): int(np.flatnonzero(neighbour_labels == v)[0]) for v in tied}
    winner = min(nearest_rank, key=nearest_rank.get)  # neighbours come nearest first
    order = np.lexsort((values, -counts))
    return winner, {int(values[i]): int(counts[i]) for i in order}


def _scaled_query_crop(c2: np.ndarray, crop_offset: int | None, crop_size: int) -> tuple[np.ndarray, int]:
    """The crop the model sees, min-max scaled to [0, 1], and its checked offset."""
    n_frames = c2.shape[0]
    if crop_offset is None:
        crop_offset = (n_frames - crop_size) // 2
    crop_offset = check_int(crop_offset, "crop_offset", minimum=0, maximum=n_frames - crop_size,
                            context=f" for a query of {n_frames} frames and crop_size={crop_size}")
    crop = diagonal_crop(c2, crop_offset, crop_size)
    if crop.max() == crop.min():
        raise ValueError(f"query is constant in the crop at crop_offset={crop_offset}: "
                         "it holds no pattern to compare")
    return minmax_scale(crop)[0], crop_offset


def find_similar(
    model,
    query,
    latents,
    k: int = 8,
    labels=None,
    *,
    crop_offset: int | None = None,
    roi: int = 1,
    crop_size: int = 256,
    device=None,
) -> SimilarC2:
    """The C2 most like a query, found in the latent space (the paper's Fig. 4).

    The query is prepared exactly as the training crops were: a ``crop_size`` square
    is cut on its diagonal (:func:`xpcs_nb.dataset.diagonal_crop`), min-max scaled
    to [0, 1] on its own (:func:`xpcs_nb.dataset.minmax_scale`), and encoded with
    ``model``. Its ``k`` nearest ``latents`` by euclidean distance in the latent space
    (:func:`nearest_neighbours`, exact, never in a UMAP plane) are returned.

    Parameters
    ----------
    model : torch.nn.Module with ``encode``
        The encoder that made ``latents``; a different one gives meaningless distances.
    query : array (T, T) with T >= crop_size, or str / Path
        A two-time map (either C2 form: the scaling removes baseline and contrast), or
        an APS 8-ID-I result file, read with :func:`xpcs_nb.aps.read_c2` at ``roi``.
    latents : array (N, D)
        The searched set, e.g. ``encode(model, crops)``.
    k : int
        Neighbours returned, 1 .. N.
    labels : array (N,) of int, optional
        A class for every row of ``latents`` (true labels or k-means clusters). With
        them the result carries each neighbour's label and a predicted class: the
        majority among the ``k`` neighbours (a k-nearest-neighbour vote), a tie going
        to the tied label whose member is nearest. A vote rather than the nearest
        cluster centre because it works with any labels, also ones that are not
        clusters of these latents; use an odd ``k`` or look at ``votes`` when it matters.
    crop_offset : int, optional
        First frame of the crop, 0 .. T - crop_size; default the middle,
        ``(T - crop_size) // 2``. Nothing is random here, so there is no seed.
    roi : int
        1-based ROI number when ``query`` is a file.
    crop_size : int
        Side of the crop the model takes (256 for the published model), >= 2.
    device : str or torch.device, optional
        Where to encode; default where the model is (see :func:`xpcs_nb.latent.encode`).

    Returns
    -------
    SimilarC2
        ``.indices``, ``.distances``, ``.predicted_class``, ``.table()``, ...

    Raises
    ------
    ValueError
        The query is not a square 2-D map of at least ``crop_size`` frames, holds NaN
        or inf, is not a file, its crop is constant; ``crop_offset`` is out of range;
        ``labels`` do not match ``latents``.
    KeyError
        The APS file holds no map for ``roi`` (the message lists those it has).

    Example
    -------
    >>> import torch
    >>> from xpcs_nb.model import Autoencoder
    >>> _ = torch.manual_seed(0)
    >>> model = Autoencoder(latent_size=8)
    >>> noise = np.random.default_rng(0).random((5, 256, 256))
    >>> library = minmax_scale(noise + noise.transpose(0, 2, 1))[0]  # symmetric crops in [0, 1]
    >>> found = find_similar(model, library[2] * 3 + 1, encode(model, library), k=2)
    >>> int(found.indices[0]), bool(found.distances[0] < 1e-5)  # itself, up to float32 rounding
    (2, True)
    """
    crop_size = check_int(crop_size, "crop_size", minimum=2)
    roi = check_int(roi, "roi", minimum=1)
    c2 = _query_c2(query, roi, crop_size)
    latents = as_latents(latents)
    k = check_count(k, len(latents))
    if labels is not None:
        labels = as_labels(labels, n_points=len(latents))
    query_crop, crop_offset = _scaled_query_crop(c2, crop_offset, crop_size)
    query_latent = encode(model, query_crop[None], device=device)[0]
    if query_latent.shape[0] != latents.shape[1]:
        raise ValueError(f"latents must come from the same model: the model gives {query_latent.shape[0]} "
                         f"numbers per crop, latents have {latents.shape[1]}")
    indices, distances = nearest_neighbours(latents, query_latent, k=k)
    neighbour_labels, predicted, votes = None, None, {}
    if labels is not None:
        neighbour_labels = labels[indices]
        predicted, votes = _vote(neighbour_labels)
    return SimilarC2(indices=indices, distances=distances, query_latent=query_latent, query_crop=query_crop,
                     crop_offset=crop_offset, neighbour_labels=neighbour_labels,
                     predicted_class=predicted, votes=votes)
