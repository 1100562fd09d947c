"""k-means on latent vectors, the paper's sweep over k, and UMAP for looking at them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from xpcs_nb.validation import as_latents, check_count
from xpcs_nb.latent.knee import Knee, find_knee
from xpcs_nb.validation import ArgumentTypeError, check_array, check_int, check_real, check_seed, describe

__all__ = ["PAPER_KS", "SweepResult", "cluster", "kmeans_sweep", "umap_embedding"]

PAPER_KS = range(2, 13)  # the paper's k-means sweep: 2 .. 12 clusters


@dataclass(frozen=True)
class SweepResult:
    """k-means for several k on the same latents.

    Attributes
    ----------
    ks : ndarray (M,)
        Numbers of clusters tried.
    inertia : ndarray (M,)
        Sum of squared distances of the points to their centres (the "distortion"
        of the paper's elbow plot), in latent units squared.
    silhouette : ndarray (M,)
        Mean silhouette, -1 .. 1; higher means tighter, better separated clusters.
    knee : Knee
        :func:`find_knee` of ``inertia`` against ``ks``; ``knee.value`` is the k it picks.
    labels : ndarray (M, N)
        Cluster of each point for each k.
    centres : tuple of ndarray (k, D)
        Cluster centres for each k.
    """

    ks: np.ndarray
    inertia: np.ndarray
    silhouette: np.ndarray
    knee: Knee
    labels: np.ndarray
    centres: tuple

    def _position(self, k: int) -> int:
        found = np.flatnonzero(self.ks == k)
        if not found.size:
            raise ValueError(f"k must be one of the swept values {self.ks.tolist()}, got {k!r}")
        return int(found[0])

    def labels_for(self, k: int) -> np.ndarray:
        """Labels (N,) of the run with ``k`` clusters."""
        return self.labels[self._position(k)]

    def centres_for(self, k: int) -> np.ndarray:
        """Centres (k, D) of the run with ``k`` clusters."""
        return self.centres[self._position(k)]


def _fit_kmeans(latents: np.ndarray, k: int, seed: int, n_init: int) -> KMeans:
    """scikit-learn's k-means on checked input."""
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(latents)


def cluster(latents, k: int, seed: int, n_init: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """k-means on latent vectors (scikit-learn, euclidean).

    Parameters
    ----------
    latents : array (N, D)
        Finite.
    k : int
        Number of clusters, 1 .. N.
    seed : int
        Seeds the k-means++ starts; same seed, same labels.
    n_init : int
        Independent starts, >= 1; the one with the lowest inertia is kept.

    Returns
    -------
    labels : ndarray (N,), int
        In 0 .. k-1, numbered as k-means left them (not by relaxation rate; see
        :func:`xpcs_nb.latent.order_by_relaxation`).
    centres : ndarray (k, D)

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> latents = np.concatenate([rng.normal(0, 0.1, (20, 3)), rng.normal(5, 0.1, (20, 3))])
    >>> labels, centres = cluster(latents, k=2, seed=0)
    >>> np.bincount(labels).tolist(), centres.shape
    ([20, 20], (2, 3))
    """
    latents = as_latents(latents)
    k = check_count(k, len(latents))
    seed = check_seed(seed)
    n_init = check_int(n_init, "n_init", minimum=1)
    model = _fit_kmeans(latents, k, seed, n_init)
    return model.labels_.astype(np.int64), model.cluster_centers_


def _check_ks(ks, n_points: int) -> np.ndarray:
    """``ks`` as an int64 array of at least three increasing k, each in 2 .. N-1."""
    if not hasattr(ks, "__len__") and hasattr(ks, "__iter__"):
        ks = list(ks)  # a generator
    array = check_array(ks, "ks", ndim=1, kind=None, min_size=3)
    if not np.issubdtype(array.dtype, np.integer):
        raise ArgumentTypeError(f"ks must hold integers (numbers of clusters), got {describe(array)}")
    if np.any(np.diff(array) <= 0):
        raise ValueError(f"ks must be at least three increasing integers, got {array.tolist()}")
    for k in array:
        check_count(k, n_points, name="each k in ks", minimum=2, maximum=n_points - 1)
    return array.astype(np.int64)


def kmeans_sweep(
    latents,
    ks=PAPER_KS,
    *,
    seed: int,
    n_init: int = 10,
    silhouette_sample_size: int | None = None,
) -> SweepResult:
    """k-means for every k in ``ks``: inertia (the elbow), its knee, silhouette.

    Parameters
    ----------
    latents : array (N, D)
        Finite.
    ks : iterable of int
        Numbers of clusters, increasing, each in 2 .. N-1 (the silhouette needs at
        least two clusters and one point to spare); at least three values for a
        knee. The paper: 2 .. 12.
    seed : int
        Seeds every k-means run.
    n_init : int
        k-means starts per k, >= 1.
    silhouette_sample_size : int, optional
        The silhouette costs O(N^2); beyond a few thousand points, score a random
        sample of this size (>= 2, drawn with ``seed``).

    Returns
    -------
    SweepResult

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> blobs = np.concatenate([rng.normal(centre, 0.1, (15, 2)) for centre in (0, 5, 10)])
    >>> kmeans_sweep(blobs, ks=range(2, 7), seed=0).knee.value
    3
    """
    latents = as_latents(latents)
    ks = _check_ks(ks, len(latents))
    seed = check_seed(seed)
    n_init = check_int(n_init, "n_init", minimum=1)
    if silhouette_sample_size is not None:
        silhouette_sample_size = check_int(silhouette_sample_size, "silhouette_sample_size", minimum=2)
    runs = [_fit_kmeans(latents, int(k), seed, n_init) for k in ks]
    inertia = np.array([run.inertia_ for run in runs])
    silhouette = np.array(
        [
            silhouette_score(latents, run.labels_, sample_size=silhouette_sample_size, random_state=seed)
            for run in runs
        ]
    )
    return SweepResult(
        ks=ks,
        inertia=inertia,
        silhouette=silhouette,
        knee=find_knee(ks, inertia),
        labels=np.stack([run.labels_.astype(np.int64) for run in runs]),
        centres=tuple(run.cluster_centers_ for run in runs),
    )


def umap_embedding(latents, seed: int = 42, n_neighbors: int = 5, min_dist: float = 0.25) -> np.ndarray:
    """2-D UMAP of the latent vectors, for looking at only.

    The defaults are the paper's (``n_neighbors=5, min_dist=0.25, random_state=42``).
    Distances in the UMAP plane are not distances in the latent space: find
    neighbours with :func:`xpcs_nb.latent.nearest_neighbours` on the latents themselves.

    Parameters
    ----------
    latents : array (N, D)
        Finite, N > n_neighbors.
    seed : int
        UMAP's ``random_state``; with it set UMAP runs single-threaded and the same
        seed gives the same embedding.
    n_neighbors : int
        Size of the local neighbourhood UMAP keeps (small: local detail), 2 .. N-1.
    min_dist : float
        How tightly points may pack in the plane, 0 .. 1.

    Returns
    -------
    embedding : ndarray (N, 2), float32
    """
    latents = as_latents(latents)
    seed = check_seed(seed)
    n_neighbors = check_count(n_neighbors, len(latents), name="n_neighbors", minimum=2, maximum=len(latents) - 1)
    min_dist = check_real(min_dist, "min_dist", minimum=0.0, maximum=1.0)
    # Imported here: importing umap compiles numba code, seconds that only UMAP users should pay.
    import umap

    # A seeded UMAP runs on one thread anyway; saying so spares a warning.
    reducer = umap.UMAP(n_components=2, n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed, n_jobs=1)
    return reducer.fit_transform(latents).astype(np.float32, copy=False)
