"""The latent space: encoding, k-means and its knee, UMAP, nearest neighbours, scores.

What the AI-NERD paper does with its encoder (Horwath et al., sections II and V E):

1. encode every C2 crop into a 64-number latent vector (:func:`encode`);
2. run k-means for k = 2 .. 12 and pick k at the elbow of the inertia curve
   (:func:`kmeans_sweep`, :func:`find_knee`; the paper found four to six);
3. number the classes by relaxation rate, class 0 the slowest
   (:func:`band_width`, :func:`order_by_relaxation`, :func:`order_by_decoded_centres`);
4. draw the latent space in 2-D with UMAP, only to look at (:func:`umap_embedding`);
5. find the crops most similar to a query by euclidean distance in the latent space,
   never in the UMAP plane (:func:`nearest_neighbours`).

On simulated data, where the true classes are known, :func:`scores` and
:func:`score_table` compare the clusters with the truth and with the same k-means run
on classical features (:func:`baseline_features`).

Shapes: ``crops (N, S, S)``, ``latents (N, D)`` (D = 64 for the published model),
``labels (N,)``, ``centres (k, D)``.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> latents = np.concatenate([rng.normal(0, 0.1, (20, 3)), rng.normal(5, 0.1, (20, 3))])
>>> labels, centres = cluster(latents, k=2, seed=0)
>>> np.bincount(labels).tolist()
[20, 20]
>>> indices, distances = nearest_neighbours(latents, latents[3], k=2)
>>> int(indices[0]), float(distances[0])
(3, 0.0)
"""

from __future__ import annotations

from contextlib import contextmanager

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score
from torch.utils.data import DataLoader, Dataset

from xpcs_nb.correlation import fit_kww

__all__ = [
    "PAPER_KS",
    "Knee",
    "SweepResult",
    "encode",
    "decode",
    "find_knee",
    "kmeans_sweep",
    "cluster",
    "umap_embedding",
    "nearest_neighbours",
    "band_width",
    "order_by_relaxation",
    "order_by_decoded_centres",
    "scores",
    "baseline_features",
    "score_table",
]

PAPER_KS = range(2, 13)  # the paper's k-means sweep: 2 .. 12 clusters
BASELINE_KINDS = ("pca", "pixels", "relaxation_time")


# ----------------------------------------------------------------- checks


def _check_latents(latents, name: str = "latents") -> np.ndarray:
    """``latents`` as a float64 array (N, D) with N >= 1, finite; ValueError otherwise."""
    array = np.asarray(latents, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array (N, latent_dim), got shape {array.shape}")
    bad_rows = np.flatnonzero(~np.isfinite(array).all(axis=1))
    if bad_rows.size:
        raise ValueError(
            f"{name} must be finite; rows {bad_rows[:5].tolist()} "
            f"({bad_rows.size} in all) hold NaN or inf"
        )
    return array


def _check_int_range(value, name: str, minimum: int, maximum: int, context: str = "") -> int:
    """``value`` as an int in ``minimum .. maximum``; ``context`` says why that range."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum} and {maximum}{context}, got {value}")
    return int(value)


def _check_k(k, n_points: int, name: str = "k", minimum: int = 1, maximum: int | None = None) -> int:
    """A number of clusters or neighbours: at most the number of points by default."""
    maximum = n_points if maximum is None else maximum
    return _check_int_range(k, name, minimum, maximum, context=f" for {n_points} points")


def _check_positive_int(value, name: str) -> int:
    """``value`` as an int >= 1 (a batch size, a number of starts)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_crops(crops, name: str = "crops") -> np.ndarray:
    """``crops`` as a float array (N, S, S) with N >= 1 and S >= 2."""
    array = np.asarray(crops)
    if array.ndim != 3 or array.shape[0] < 1 or array.shape[1] != array.shape[2] or array.shape[1] < 2:
        raise ValueError(f"{name} must be an array (N, S, S) with S >= 2, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def _check_labels(labels, n_points: int | None = None, name: str = "labels") -> np.ndarray:
    """``labels`` as a 1-D array of non-negative ints, ``n_points`` long when given."""
    array = np.asarray(labels)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{name} must be a 1-D array of integers, got {array.dtype} shape {array.shape}"
        )
    if n_points is not None and array.shape[0] != n_points:
        raise ValueError(f"{name} must have {n_points} entries (one per point), got {array.shape[0]}")
    if array.size and array.min() < 0:
        raise ValueError(f"{name} must be >= 0, got {array.min()}")
    return array


def _model_device(model, device) -> torch.device:
    """``device`` if given, else where the model's parameters are (CPU if it has none)."""
    if device is not None:
        return torch.device(device)
    parameter = next(iter(model.parameters()), None) if hasattr(model, "parameters") else None
    return parameter.device if parameter is not None else torch.device("cpu")


# ---------------------------------------------------------------- encoding


def _numpy_batches(crops: np.ndarray, batch_size: int):
    """Float32 tensors (B, 1, S, S) of consecutive crops; slicing keeps memory maps lazy."""
    for start in range(0, len(crops), batch_size):
        # a copy: slices of a read-only memory map cannot back a torch tensor
        batch = np.array(crops[start : start + batch_size], dtype=np.float32)
        yield torch.from_numpy(batch).unsqueeze(1)


def _dataset_batches(dataset: Dataset, batch_size: int):
    """Image batches of a Dataset whose items are ``image (1, S, S)`` or ``(image, info)``."""
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        yield batch[0] if isinstance(batch, (list, tuple)) else batch


def _check_unit_range(images: torch.Tensor) -> None:
    """The model was trained on crops min-max scaled to [0, 1]; anything else is a mistake."""
    if not torch.isfinite(images).all() or images.min() < 0 or images.max() > 1:
        raise ValueError(
            "crops must be finite and scaled to [0, 1] (see xpcs_nb.dataset.minmax_scale), "
            f"got values in [{images.min().item():.3g}, {images.max().item():.3g}]"
        )


@contextmanager
def _in_eval_mode(model):
    """Dropout off and no gradients for the block; the model goes back to the mode it came in."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        model.train(was_training)


def encode(model, crops, batch_size: int = 64, device=None) -> np.ndarray:
    """Latent vectors of many crops, computed in batches.

    Parameters
    ----------
    model : torch.nn.Module with ``encode(images (B, 1, S, S)) -> (B, D)``
        E.g. ``xpcs_nb.paper.load_model()``. Put in ``eval()`` mode for the call
        (dropout off, so the same crop always gives the same vector) and given back
        in the mode it came in.
    crops : array (N, S, S) or torch Dataset
        Crops scaled to [0, 1]; a numpy array, an h5py/memory-mapped array (read one
        batch at a time), or a Dataset whose items are ``(1, S, S)`` tensors or
        ``(image, info)`` pairs such as :class:`xpcs_nb.dataset.AugmentedCropDataset`.
    batch_size : int
        Crops per forward pass; only memory and speed depend on it.
    device : str or torch.device, optional
        Where to run; default: where the model's parameters are.

    Returns
    -------
    latents : ndarray (N, D), float32
    """
    _check_positive_int(batch_size, "batch_size")
    if isinstance(crops, Dataset):
        batches = _dataset_batches(crops, batch_size)
    else:
        if len(getattr(crops, "shape", np.shape(crops))) != 3:
            raise ValueError(
                f"crops must be an array (N, S, S) or a torch Dataset, got shape {np.shape(crops)}"
            )
        batches = _numpy_batches(crops, batch_size)
    device = _model_device(model, device)
    chunks = []
    with _in_eval_mode(model):
        for images in batches:
            _check_unit_range(images)
            chunks.append(model.encode(images.to(device, torch.float32)).cpu().numpy())
    if not chunks:
        raise ValueError("crops must hold at least one crop, got none")
    return np.concatenate(chunks).astype(np.float32, copy=False)


def decode(model, latents, batch_size: int = 64, device=None) -> np.ndarray:
    """Images the model's decoder makes from latent vectors (e.g. cluster centres).

    Parameters
    ----------
    model : torch.nn.Module with ``decode(latents (B, D)) -> (B, 1, S, S)``
        Run in ``eval()`` mode, given back in the mode it came in.
    latents : array (N, D)
    batch_size : int
    device : str or torch.device, optional

    Returns
    -------
    images : ndarray (N, S, S), float32
        The published model's outputs span only about 0.52 .. 0.67 for crops that
        span 0 .. 1; measures such as :func:`band_width` that use each image's own
        levels are not troubled by that.
    """
    latents = _check_latents(latents)
    _check_positive_int(batch_size, "batch_size")
    device = _model_device(model, device)
    chunks = []
    with _in_eval_mode(model):
        for start in range(0, len(latents), batch_size):
            batch = torch.as_tensor(latents[start : start + batch_size], dtype=torch.float32, device=device)
            chunks.append(model.decode(batch).squeeze(1).cpu().numpy())
    return np.concatenate(chunks).astype(np.float32, copy=False)


# ---------------------------------------------------------- k-means, knee


@dataclass(frozen=True)
class Knee:
    """The knee of a curve by the Kneedle method, with every step kept for plotting.

    Kneedle (Satopaa et al. 2011): scale the curve so that its first point sits at
    (0, 1) and its last at (1, 0); the chord between them is then the line
    x + y = 1. The knee is the point farthest below that chord: where the curve stops
    falling steeply and starts falling slowly.

    Attributes
    ----------
    x, y : ndarray (M,)
        The curve as given (e.g. k and the k-means inertia).
    x_normalised, y_normalised : ndarray (M,)
        ``(x - x[0]) / (x[-1] - x[0])`` and ``(y - y[-1]) / (y[0] - y[-1])``.
    distance : ndarray (M,)
        Perpendicular distance of each normalised point from the chord,
        ``(1 - x_n - y_n) / sqrt(2)``; positive below the chord, 0 at both ends.
    index : int or None
        Position of the knee in ``x``; None when no point lies below the chord (a
        straight or concave curve has no elbow).
    """

    x: np.ndarray
    y: np.ndarray
    x_normalised: np.ndarray
    y_normalised: np.ndarray
    distance: np.ndarray
    index: int | None

    @property
    def value(self):
        """``x`` at the knee (e.g. the number of clusters), or None."""
        return None if self.index is None else self.x[self.index].item()


def find_knee(x, y) -> Knee:
    """The knee (elbow) of a falling curve, e.g. k-means inertia against k.

    Parameters
    ----------
    x : array (M,)
        Strictly increasing, M >= 3.
    y : array (M,)
        Finite, ``y[0] != y[-1]``. Written for a falling convex curve (the elbow of
        an inertia curve); the normalisation also turns a rising concave curve
        (explained variance) into that shape.

    Returns
    -------
    Knee
    """
    x = np.asarray(x)  # kept as given, so an integer k comes back as an integer
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 3:
        raise ValueError(
            f"x and y must be 1-D of the same length >= 3, got shapes {x.shape} and {y.shape}"
        )
    if not np.issubdtype(x.dtype, np.number) or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    if y[0] == y[-1]:
        raise ValueError("y must differ between its first and last points (a flat curve has no knee)")
    x_normalised = (x - x[0]) / float(x[-1] - x[0])
    y_normalised = (y - y[-1]) / (y[0] - y[-1])
    distance = (1.0 - x_normalised - y_normalised) / math.sqrt(2.0)
    best = int(np.argmax(distance))
    # A straight line sits on its chord up to rounding (~1e-16), which must not count as a knee.
    index = best if distance[best] > 1e-9 else None
    return Knee(x, y, x_normalised, y_normalised, distance, index)


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
        Independent starts; the one with the lowest inertia is kept.

    Returns
    -------
    labels : ndarray (N,), int
        In 0 .. k-1, numbered as k-means left them (not by relaxation rate; see
        :func:`order_by_relaxation`).
    centres : ndarray (k, D)
    """
    model = _fit_kmeans(_check_latents(latents), k, seed, n_init)
    return model.labels_.astype(np.int64), model.cluster_centers_


def _fit_kmeans(latents: np.ndarray, k: int, seed: int, n_init: int) -> KMeans:
    k = _check_k(k, len(latents))
    _check_positive_int(n_init, "n_init")
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(latents)


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
        k-means starts per k.
    silhouette_sample_size : int, optional
        The silhouette costs O(N^2); beyond a few thousand points, score a random
        sample of this size (drawn with ``seed``).

    Returns
    -------
    SweepResult
    """
    latents = _check_latents(latents)
    ks = np.asarray(list(ks))
    if ks.ndim != 1 or ks.size < 3 or np.any(np.diff(ks) <= 0):
        raise ValueError(f"ks must be at least three increasing integers, got {ks.tolist()}")
    for k in ks:
        _check_k(k, len(latents), name="each k in ks", minimum=2, maximum=len(latents) - 1)
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


# ----------------------------------------------------------------- UMAP


def umap_embedding(
    latents, seed: int = 42, n_neighbors: int = 5, min_dist: float = 0.25
) -> np.ndarray:
    """2-D UMAP of the latent vectors, for looking at only.

    The defaults are the paper's (``n_neighbors=5, min_dist=0.25, random_state=42``).
    Distances in the UMAP plane are not distances in the latent space: find
    neighbours with :func:`nearest_neighbours` on the latents themselves.

    Parameters
    ----------
    latents : array (N, D)
        Finite, N > n_neighbors.
    seed : int
        UMAP's ``random_state``; with it set UMAP runs single-threaded and the same
        seed gives the same embedding.
    n_neighbors : int
        Size of the local neighbourhood UMAP keeps (small: local detail).
    min_dist : float
        How tightly points may pack in the plane, 0 .. 1.

    Returns
    -------
    embedding : ndarray (N, 2), float32
    """
    latents = _check_latents(latents)
    _check_k(n_neighbors, len(latents), name="n_neighbors", minimum=2, maximum=len(latents) - 1)
    if not 0.0 <= min_dist <= 1.0:
        raise ValueError(f"min_dist must be in [0, 1], got {min_dist!r}")
    # Imported here: importing umap compiles numba code, seconds that only UMAP users should pay.
    import umap

    # A seeded UMAP runs on one thread anyway; saying so spares a warning.
    reducer = umap.UMAP(
        n_components=2, n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed, n_jobs=1
    )
    return reducer.fit_transform(latents).astype(np.float32, copy=False)


# ---------------------------------------------------------- neighbours


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
    """
    latents = _check_latents(latents)
    single = np.ndim(query) == 1
    queries = _check_latents(np.atleast_2d(query), name="query")
    if queries.shape[1] != latents.shape[1]:
        raise ValueError(
            f"query must have the latents' dimension {latents.shape[1]} "
            f"(shape ({latents.shape[1]},) or (Q, {latents.shape[1]})), got shape {np.shape(query)}"
        )
    k = _check_k(k, len(latents))
    indices = np.empty((len(queries), k), dtype=np.int64)
    distances = np.empty((len(queries), k))
    for row, q in enumerate(queries):
        # Differences, not |a|^2 - 2ab + |b|^2: that shortcut rounds a point's
        # distance to itself to a small nonzero number.
        distance_to_all = np.sqrt(np.sum((latents - q) ** 2, axis=1))
        nearest = np.argsort(distance_to_all, kind="stable")[:k]
        indices[row], distances[row] = nearest, distance_to_all[nearest]
    return (indices[0], distances[0]) if single else (indices, distances)


# ------------------------------------------------- relaxation ordering


def _lag_profiles(crops: np.ndarray, max_lag: int) -> np.ndarray:
    """Mean of each diagonal, lag 0 .. max_lag: ``profile[n, k] = mean_t crops[n, t, t+k]``."""
    return np.stack(
        [np.diagonal(crops, offset=lag, axis1=1, axis2=2).mean(axis=-1, dtype=np.float64)
         for lag in range(max_lag + 1)],
        axis=1,
    )


def _half_level_lag(profile: np.ndarray) -> float:
    """Lag where ``profile`` (lags 0 .. L) first falls halfway from lag 1 to its far level.

    Lag 0 is left out: it carries the shot noise of the diagonal, not the dynamics.
    The far level is the median over the far half of the lags; the drop from lag 1 to
    it must stand clear of the profile's point-to-point noise (5 sigma), otherwise the
    crop shows no measurable decay and its width is saturated at L. Linear
    interpolation between the two lags around the crossing.
    """
    decay = profile[1:]  # lags 1 .. L
    max_lag = profile.size - 1
    far = decay[decay.size // 2:]
    floor = float(np.median(far))
    noise = float(np.std(np.diff(far)) / np.sqrt(2)) if far.size > 2 else 0.0
    top = float(decay[0])
    if not top - floor > 5.0 * noise or not top > floor:
        return float(max_lag)
    half = 0.5 * (top + floor)
    after = int(np.argmax(decay <= half))  # exists: the median of the far half lies below half
    if after == 0:
        return 1.0
    before = after - 1
    return 1.0 + before + (decay[before] - half) / (decay[before] - decay[after])


def band_width(crops, max_lag: int | None = None) -> np.ndarray:
    """Width of the diagonal band of each C2 crop, in frames: its relaxation time scale.

    The measure: average C2 along each diagonal to get a lag profile
    ``p(k) = mean_t C2(t, t + k)`` (the one-time g2 of the crop), for k = 0 ..
    ``max_lag``. The band width is the lag where p first falls halfway from its
    first off-diagonal value p(1) down to its far level (the median of p over the far
    half of the lags), interpolated between frames. A wide band means slowly changing
    speckle (slow dynamics, the paper's class 0); a narrow one fast dynamics.

    Why these choices:

    * Lag 0 is left out: the diagonal holds the shot noise of the photon counts (the
      ratio form's diagonal is lifted by 1 / mean counts), which says nothing about the
      dynamics and, after min-max scaling, would make a frozen crop look fast.
    * Only each crop's own levels enter, so the width does not change when a crop is
      scaled or offset (min-max scaling, or the published decoder's squeezed output
      range of about 0.52 .. 0.67).
    * A crop whose profile does not fall measurably (the drop from p(1) to the far
      level is within 5 sigma of the point-to-point noise of the far lags) gets the
      largest width, ``max_lag``: nothing decorrelates within the crop, the slowest
      case.
    * Lags stop at ``max_lag`` (default S / 2) because a long lag is averaged over
      few pixels (lag S - 1 over one) and its noise would set the floor.

    Limits: for an exponential band ``exp(-k / w)`` with w well below ``max_lag`` the
    width is ``1 + w ln 2`` frames; as w grows past ``max_lag`` the width saturates
    near ``max_lag``, so the measure ranks all classes but cannot tell apart two
    nearly frozen ones.

    Parameters
    ----------
    crops : array (N, S, S)
        Two-time maps, diagonal top-left to bottom-right.
    max_lag : int, optional
        Largest lag used, 1 .. S-1; default S // 2.

    Returns
    -------
    widths : ndarray (N,), float64
        Frames (multiply by the frame time for seconds); ``max_lag`` for a crop that
        does not decorrelate measurably.
    """
    crops = _check_crops(crops)
    size = crops.shape[1]
    if max_lag is None:
        max_lag = size // 2
    _check_int_range(max_lag, "max_lag", 1, size - 1, context=f" for crops of side {size}")
    profiles = _lag_profiles(crops, max_lag)
    return np.array([_half_level_lag(profile) for profile in profiles])


def _mapping_slowest_first(classes: np.ndarray, class_widths: np.ndarray) -> dict[int, int]:
    """{old class: new class} with the widest band (slowest) as 0; NaN widths go last."""
    sort_key = np.where(np.isnan(class_widths), np.inf, -class_widths)
    widest_first = classes[np.argsort(sort_key, kind="stable")]
    return {int(old): new for new, old in enumerate(widest_first)}


def order_by_relaxation(labels, crops_or_widths) -> tuple[np.ndarray, dict[int, int]]:
    """Renumber classes by relaxation rate: class 0 the slowest (widest band), as in the paper.

    Each class is ranked by the median :func:`band_width` of its members; the widest
    becomes 0, the next 1, and so on. Classes whose widths are all NaN (flat crops)
    come last.

    Parameters
    ----------
    labels : array (N,), int >= 0
        Classes as k-means numbered them.
    crops_or_widths : array (N, S, S) or (N,)
        The crops themselves, or their band widths from :func:`band_width`.

    Returns
    -------
    new_labels : ndarray (N,), int
        0 .. n_classes-1, slowest first.
    mapping : dict {old class: new class}
        Reorder anything indexed by old class, e.g. k-means centres, with
        ``centres[sorted(mapping, key=mapping.get)]``.
    """
    labels = _check_labels(labels)
    widths = np.asarray(crops_or_widths)
    if widths.ndim == 3:
        widths = band_width(widths)
    if widths.shape != labels.shape:
        raise ValueError(
            f"crops_or_widths must be crops (N, S, S) or widths (N,) with N = {labels.size} "
            f"(one per label), got shape {np.shape(crops_or_widths)}"
        )
    classes = np.unique(labels)
    class_widths = np.array([_median_of_finite(widths[labels == c]) for c in classes])
    mapping = _mapping_slowest_first(classes, class_widths)
    return _relabel(labels, mapping), mapping


def _median_of_finite(values: np.ndarray) -> float:
    """Median of the finite entries; NaN when there are none."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def _relabel(labels: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    """``labels`` with every old class replaced by ``mapping[old]`` (a lookup table)."""
    lookup = np.zeros(max(mapping) + 1, dtype=np.int64)
    lookup[list(mapping)] = list(mapping.values())
    return lookup[labels]


def order_by_decoded_centres(
    model, labels, centres, batch_size: int = 64, device=None
) -> tuple[np.ndarray, dict[int, int]]:
    """Renumber k-means classes by the band width of their decoded centres.

    For data that come as latent vectors only, such as the paper's 900 published
    latents (no crops were published with them), :func:`order_by_relaxation` has no
    crops to measure. Instead each cluster centre is turned back into an image by
    the model's decoder and its :func:`band_width` measured; the class whose centre
    decodes to the widest band becomes class 0. This ranks what the decoder makes of
    the average latent of a class, not the class's crops themselves.

    Parameters
    ----------
    model : torch.nn.Module with ``decode(latents (B, D)) -> (B, 1, S, S)``
        E.g. ``xpcs_nb.paper.load_model()``.
    labels : array (N,), int
        Classes 0 .. k-1, as k-means numbered them.
    centres : array (k, D)
        Row c is the centre of class c.
    batch_size : int
    device : str or torch.device, optional

    Returns
    -------
    new_labels : ndarray (N,), int
    mapping : dict {old class: new class}
        As in :func:`order_by_relaxation`.
    """
    centres = _check_latents(centres, name="centres")
    labels = _check_labels(labels)
    if labels.size and labels.max() >= len(centres):
        raise ValueError(
            f"labels must lie in 0 .. {len(centres) - 1} (one class per centre), got {labels.max()}"
        )
    centre_widths = band_width(decode(model, centres, batch_size=batch_size, device=device))
    mapping = _mapping_slowest_first(np.arange(len(centres)), centre_widths)
    return _relabel(labels, mapping), mapping


# -------------------------------------------------------------- scores


def scores(true, predicted) -> dict[str, float]:
    """Agreement of predicted clusters with true classes; the numbering does not matter.

    Parameters
    ----------
    true, predicted : array (N,), int

    Returns
    -------
    dict
        ``"ARI"``: adjusted Rand index, 1 for identical partitions, about 0 for
        random ones (can be negative). ``"NMI"``: normalised mutual information,
        0 .. 1.
    """
    true = _check_labels(true, name="true")
    predicted = _check_labels(predicted, n_points=true.size, name="predicted")
    return {
        "ARI": float(adjusted_rand_score(true, predicted)),
        "NMI": float(normalized_mutual_info_score(true, predicted)),
    }


def _downsample(crops: np.ndarray, factor: int) -> np.ndarray:
    """Block means over ``factor x factor`` pixels: (N, S, S) -> (N, S/factor, S/factor)."""
    n, size, _ = crops.shape
    if size % factor:
        raise ValueError(f"downsample must divide the crop side {size}, got {factor}")
    blocks = crops.reshape(n, size // factor, factor, size // factor, factor)
    return blocks.mean(axis=(2, 4))


def _exponential_relaxation_time(profile: np.ndarray) -> float:
    """1 / Gamma of ``baseline + beta exp(-2 Gamma k)`` fitted to lags k = 1, 2, ...; NaN on failure."""
    lags = np.arange(1, profile.size + 1)
    try:
        return fit_kww(lags, profile, fix_alpha=1.0).relaxation_time
    except (RuntimeError, ValueError):
        return float("nan")


def baseline_features(
    crops, kind: str, seed: int = 0, n_components: int = 64, downsample: int = 4
) -> np.ndarray:
    """Classical features of C2 crops, to cluster with the same k-means as the latents.

    Parameters
    ----------
    crops : array (N, S, S)
    kind : {"pca", "pixels", "relaxation_time"}
        ``"pca"``: the first ``n_components`` principal components of the raw pixels
        (a linear encoder; needs N x S^2 floats in memory).
        ``"pixels"``: the pixels themselves after block-averaging ``downsample x
        downsample`` (256 -> 64 per side with the default: 4096 numbers per crop).
        ``"relaxation_time"``: the classical XPCS analysis, one number per crop:
        log10 of the relaxation time 1/Gamma, in frames, of a single exponential
        ``baseline + beta exp(-2 Gamma k)`` fitted to the lag profile (lags 1 .. S/2)
        of the crop. A crop whose fit fails gets NaN, which k-means refuses: drop
        or inspect such crops before clustering.
    seed : int
        Seeds the randomised PCA solver.
    n_components : int
        For ``"pca"``; at most min(N, S^2).
    downsample : int
        For ``"pixels"``; must divide S.

    Returns
    -------
    features : ndarray (N, d)
        d = ``n_components``, (S / downsample)^2 or 1.
    """
    crops = _check_crops(crops)
    n, size, _ = crops.shape
    if kind == "pca":
        n_components = _check_int_range(
            n_components, "n_components", 1, min(n, size * size), context=" (at most N and S^2)"
        )
        flat = crops.reshape(n, -1).astype(np.float32, copy=False)
        pca = PCA(n_components=n_components, svd_solver="randomized", random_state=seed)
        return pca.fit_transform(flat)
    if kind == "pixels":
        _check_int_range(downsample, "downsample", 1, size, context=f" for crops of side {size}")
        return _downsample(crops, downsample).reshape(n, -1)
    if kind == "relaxation_time":
        profiles = _lag_profiles(crops, size // 2)[:, 1:]  # lag 0 carries the diagonal's noise spike
        times = np.array([_exponential_relaxation_time(profile) for profile in profiles])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(times)[:, None]
    raise ValueError(f"kind must be one of {BASELINE_KINDS}, got {kind!r}")


def score_table(
    true_labels,
    features: Mapping[str, np.ndarray],
    k: int | None = None,
    seed: int = 0,
    n_init: int = 10,
) -> pd.DataFrame:
    """The same k-means on several feature sets, scored against the true classes.

    Parameters
    ----------
    true_labels : array (N,), int
    features : mapping {method name: array (N, d)}
        E.g. ``{"autoencoder": latents, "PCA": baseline_features(crops, "pca"),
        ...}``; d may differ between methods.
    k : int, optional
        Clusters; default the number of true classes.
    seed, n_init : int
        As in :func:`cluster`, the same for every method.

    Returns
    -------
    DataFrame
        One row per method (index ``method``), columns ``ARI``, ``NMI``,
        ``silhouette``. The silhouette is measured in each method's own feature
        space: it says how compact the clusters are there, and is not comparable
        across methods the way ARI and NMI are.
    """
    true_labels = _check_labels(true_labels, name="true_labels")
    if k is None:
        k = np.unique(true_labels).size
    rows = {}
    for method, values in features.items():
        values = _check_latents(values, name=f"features[{method!r}]")
        if len(values) != true_labels.size:
            raise ValueError(
                f"features[{method!r}] must have one row per label ({true_labels.size}), "
                f"got {len(values)}"
            )
        predicted, _ = cluster(values, k, seed=seed, n_init=n_init)
        silhouette = silhouette_score(values, predicted) if 1 < k < len(values) else float("nan")
        rows[method] = {**scores(true_labels, predicted), "silhouette": float(silhouette)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")


# ------------------------------------------------------ similarity search

__all__ += ["SimilarC2", "find_similar"]


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
    from pathlib import Path

    from xpcs_nb import aps
    from xpcs_nb.dataset import check_c2

    if isinstance(query, (str, Path)):
        path = Path(query)
        if not path.is_file():
            raise ValueError(f"query must be a C2 array (T, T) or the path of an APS result file; "
                             f"{str(path)!r} is not a file")
        return check_c2(aps.read_c2(path, roi=roi), crop_size, name=f"query ({path.name}, roi {roi})")
    if isinstance(query, torch.Tensor):
        query = query.detach().cpu().numpy()
    array = np.asarray(query)
    if array.ndim != 2:
        raise ValueError(f"query must be one 2-D C2 array (T, T) or the path of an APS result file, "
                         f"got an array of shape {array.shape}")
    return check_c2(array, crop_size, name="query")


def _vote(neighbour_labels: np.ndarray) -> tuple[int, dict]:
    """Majority label of the neighbours; a tie goes to the tied label with the nearest member."""
    values, counts = np.unique(neighbour_labels, return_counts=True)
    tied = values[counts == counts.max()]
    nearest_rank = {int(v): int(np.flatnonzero(neighbour_labels == v)[0]) for v in tied}
    winner = min(nearest_rank, key=nearest_rank.get)  # neighbours come nearest first
    order = np.lexsort((values, -counts))
    return winner, {int(values[i]): int(counts[i]) for i in order}


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
        Side of the crop the model takes (256 for the published model).
    device : str or torch.device, optional
        Where to encode; default where the model is.

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
    >>> import numpy as np, torch
    >>> from xpcs_nb.model import Autoencoder
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = Autoencoder(latent_size=8)
    >>> from xpcs_nb.dataset import minmax_scale
    >>> noise = np.random.default_rng(0).random((5, 256, 256))
    >>> library = minmax_scale(noise + noise.transpose(0, 2, 1))[0]  # symmetric crops in [0, 1]
    >>> found = find_similar(model, library[2] * 3 + 1, encode(model, library), k=2)
    >>> int(found.indices[0]), bool(found.distances[0] < 1e-5)  # itself, up to float32 rounding
    (2, True)
    """
    from xpcs_nb.dataset import diagonal_crop, minmax_scale

    _check_int_range(crop_size, "crop_size", 2, 1 << 20)
    c2 = _query_c2(query, roi, crop_size)
    latents = _check_latents(latents)
    k = _check_k(k, len(latents))
    n_frames = c2.shape[0]
    if crop_offset is None:
        crop_offset = (n_frames - crop_size) // 2
    crop_offset = _check_int_range(crop_offset, "crop_offset", 0, n_frames - crop_size,
                                   context=f" for a query of {n_frames} frames and crop_size={crop_size}")
    if labels is not None:
        labels = _check_labels(labels, n_points=len(latents))
    crop = diagonal_crop(c2, crop_offset, crop_size)
    if crop.max() == crop.min():
        raise ValueError(f"query is constant in the crop at crop_offset={crop_offset}: "
                         "it holds no pattern to compare")
    scaled = minmax_scale(crop)[0]
    query_latent = encode(model, scaled[None], device=device)[0]
    if query_latent.shape[0] != latents.shape[1]:
        raise ValueError(f"latents must come from the same model: the model gives {query_latent.shape[0]} "
                         f"numbers per crop, latents have {latents.shape[1]}")
    indices, distances = nearest_neighbours(latents, query_latent, k=k)
    neighbour_labels, predicted, votes = None, None, {}
    if labels is not None:
        neighbour_labels = labels[indices]
        predicted, votes = _vote(neighbour_labels)
    return SimilarC2(indices=indices, distances=distances, query_latent=query_latent, query_crop=scaled,
                     crop_offset=crop_offset, neighbour_labels=neighbour_labels,
                     predicted_class=predicted, votes=votes)
