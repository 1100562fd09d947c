"""Two scores that fit what each kind of label is.

**Rate classes (labels 0-4) by clustering.** They differ in one number, the
relaxation rate, and the question is whether a method's features sort crops by it:
k-means with k = 5 on the rate-class crops alone, adjusted Rand index (ARI) against
the truth, over several k-means seeds. Heterodyne and avalanche crops are left out:
they carry every rate class, so they scatter over the rate clusters for every method
and would only blur the comparison.

**Shape families (5 heterodyne, 6 avalanche) by retrieval.** A family is a shape
(fringes, blocks) on top of any rate, not a cluster of its own; what a user of
the paper's similarity search needs is that a crop's nearest neighbours share its
shape. For every crop of the family, precision@k is the share of its k nearest
neighbours (euclidean, in the method's feature space) that belong to the family.
The query and the crops cut from the same large C2 (same ``group``) are never
counted as neighbours: they share the query's dynamics, and finding them says
nothing about the family. Chance is the family's share of the crops that remain.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from .. import latent
from ..scenarios import N_RATE_CLASSES
from ..validation import (ArgumentTypeError, as_labels, as_latents, check_array, check_count, check_int, check_seed,
                          describe)

__all__ = ["cluster_scores", "score_table", "rate_class_ari", "precision_at_k", "chance_precision", "family_retrieval"]


def _check_features_and_labels(features, labels) -> tuple[np.ndarray, np.ndarray]:
    features = check_array(features, "features", ndim=2, dtype=np.float64)
    labels = check_array(labels, "labels", ndim=1, kind="integer", minimum=0)
    if len(labels) != len(features):
        raise ValueError(f"labels must have one entry per row of features ({len(features)}), got {len(labels)}")
    return features, labels


def _check_groups(groups, n: int) -> np.ndarray:
    if groups is None:
        return np.arange(n)
    groups = check_array(groups, "groups", ndim=1, kind="integer")
    if len(groups) != n:
        raise ValueError(f"groups must have one entry per crop ({n}), got {len(groups)}")
    return groups


def rate_class_ari(features, labels, kmeans_seeds=range(5), *, n_init=10) -> np.ndarray:
    """ARI of k-means on the rate-class crops, one value per k-means seed.

    Parameters
    ----------
    features : array (N, D)
        One method's features of every crop.
    labels : array (N,), int
        Crops with labels >= 5 (heterodyne, avalanche) are left out.
    kmeans_seeds : iterable of int
        One k-means run per seed, k = the number of rate classes present (5).
    n_init : int
        k-means starts per run.

    Returns
    -------
    ari : ndarray (n_seeds,)
        1 for the true partition, about 0 for a random one.

    >>> rng = np.random.default_rng(0)
    >>> labels = np.repeat(np.arange(7), 4)
    >>> features = labels[:, None] * 10.0 + rng.normal(0, 0.1, (28, 2))
    >>> rate_class_ari(features, labels, [0, 1]).tolist()
    [1.0, 1.0]
    """
    features, labels = _check_features_and_labels(features, labels)
    n_init = check_int(n_init, "n_init", minimum=1)
    seeds = [check_seed(seed, "each of kmeans_seeds") for seed in kmeans_seeds]
    if not seeds:
        raise ValueError("kmeans_seeds must hold at least one seed, got none")
    rate = labels < N_RATE_CLASSES
    k = np.unique(labels[rate]).size
    if k < 2:
        raise ValueError(f"labels must hold at least two rate classes (0-{N_RATE_CLASSES - 1}), got {k}")
    aris = [cluster_scores(labels[rate], latent.cluster(features[rate], k, seed=seed, n_init=n_init)[0])["ARI"]
            for seed in seeds]
    return np.array(aris)


def _neighbours_outside_group(features: np.ndarray, groups: np.ndarray, query: int, k: int) -> np.ndarray:
    """Rows of the ``k`` nearest crops to ``query`` outside its group (ties: lower row first)."""
    candidates = np.flatnonzero(groups != groups[query])
    nearest, _ = latent.nearest_neighbours(features[candidates], features[query], k=k)
    return candidates[nearest]


def precision_at_k(features, labels, queries, k=10, *, groups=None) -> np.ndarray:
    """For each query, the share of its ``k`` nearest neighbours that carry its label.

    Parameters
    ----------
    features : array (N, D)
    labels : array (N,), int
    queries : array (Q,), int
        Rows of ``features`` to search from.
    k : int
        Neighbours per query, at most the crops outside the query's group.
    groups : array (N,), int, optional
        Crops of the query's group (the query included) are never neighbours; default:
        every crop its own group, so only the query itself is left out.

    Returns
    -------
    precision : ndarray (Q,), in [0, 1]

    >>> features = np.array([[0.0], [0.1], [0.2], [5.0], [5.1]])
    >>> labels = np.array([1, 1, 0, 0, 0])
    >>> precision_at_k(features, labels, [0, 3], k=2).tolist()
    [0.5, 1.0]
    >>> precision_at_k(features, labels, [0], k=2, groups=[0, 0, 1, 2, 2]).tolist()
    [0.0]
    """
    features, labels = _check_features_and_labels(features, labels)
    groups = _check_groups(groups, len(labels))
    queries = check_array(queries, "queries", ndim=1, kind="integer", minimum=0, maximum=len(labels) - 1)
    smallest_pool = min(int(np.sum(groups != groups[q])) for q in queries)
    k = check_int(k, "k", minimum=1, maximum=smallest_pool, context=" (crops outside a query's group)")
    return np.array([np.mean(labels[_neighbours_outside_group(features, groups, q, k)] == labels[q])
                     for q in queries])


def chance_precision(labels, queries, *, groups=None) -> np.ndarray:
    """What :func:`precision_at_k` gives on average for random features, per query.

    The share of the query's label among the crops outside its group: ``(n_label -
    n_label_in_group) / (N - n_group)``; with no groups, ``(n_label - 1) / (N - 1)``.

    >>> labels = np.array([5, 5, 5, 0, 0, 0, 0, 0])
    >>> chance_precision(labels, [0]).tolist()
    [0.2857142857142857]
    >>> chance_precision(labels, [0], groups=[0, 0, 1, 2, 3, 4, 5, 6]).tolist()
    [0.16666666666666666]
    """
    labels = check_array(labels, "labels", ndim=1, kind="integer", minimum=0)
    groups = _check_groups(groups, len(labels))
    queries = check_array(queries, "queries", ndim=1, kind="integer", minimum=0, maximum=len(labels) - 1)
    outside = groups[None, :] != groups[queries][:, None]  # (Q, N)
    same = labels[None, :] == labels[queries][:, None]
    pool = outside.sum(axis=1)
    if np.any(pool == 0):
        raise ValueError("every query needs crops outside its group, got a group holding every crop")
    return (outside & same).sum(axis=1) / pool


def family_retrieval(features, labels, family, k=10, *, groups=None) -> tuple[np.ndarray, np.ndarray]:
    """precision@k of every crop of ``family`` as a query, and its chance level.

    Returns ``(precision (Q,), chance (Q,))`` over the Q crops whose label is ``family``.

    >>> features = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    >>> labels = np.array([6, 6, 6, 0, 0, 0])
    >>> precision, chance = family_retrieval(features, labels, family=6, k=2)
    >>> precision.tolist(), chance.round(2).tolist()
    ([1.0, 1.0, 1.0], [0.4, 0.4, 0.4])
    """
    features, labels = _check_features_and_labels(features, labels)
    family = check_int(family, "family", minimum=0)
    queries = np.flatnonzero(labels == family)
    if queries.size == 0:
        raise ValueError(f"family {family} has no crops among the labels {np.unique(labels).tolist()}")
    return (precision_at_k(features, labels, queries, k, groups=groups),
            chance_precision(labels, queries, groups=groups))


def cluster_scores(true, predicted) -> dict[str, float]:
    """Agreement of predicted clusters with true classes; the numbering does not matter.

    Parameters
    ----------
    true, predicted : array (N,), int >= 0

    Returns
    -------
    dict
        ``"ARI"``: adjusted Rand index, 1 for identical partitions, about 0 for
        random ones (can be negative). ``"NMI"``: normalised mutual information,
        0 .. 1.

    Example
    -------
    >>> cluster_scores([0, 0, 1, 1], [1, 1, 0, 0])
    {'ARI': 1.0, 'NMI': 1.0}
    """
    true = as_labels(true, name="true")
    predicted = as_labels(predicted, n_points=true.size, name="predicted")
    return {
        "ARI": float(adjusted_rand_score(true, predicted)),
        "NMI": float(normalized_mutual_info_score(true, predicted)),
    }


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
    true_labels : array (N,), int >= 0
    features : mapping {method name: array (N, d)}
        E.g. ``{"autoencoder": latents, "PCA": baseline_features(crops, "pca"),
        ...}``; d may differ between methods.
    k : int, optional
        Clusters, 1 .. N; default the number of true classes.
    seed, n_init : int
        As in :func:`xpcs_nb.latent.cluster`, the same for every method.

    Returns
    -------
    DataFrame
        One row per method (index ``method``), columns ``ARI``, ``NMI``,
        ``silhouette``. The silhouette is measured in each method's own feature
        space: it says how compact the clusters are there, and is not comparable
        across methods the way ARI and NMI are.
    """
    true_labels = as_labels(true_labels, name="true_labels")
    if not isinstance(features, Mapping):
        raise ArgumentTypeError(f"features must be a mapping {{method name: array (N, d)}}, got {describe(features)}")
    k = np.unique(true_labels).size if k is None else check_count(k, true_labels.size)
    seed = check_seed(seed)
    n_init = check_int(n_init, "n_init", minimum=1)
    rows = {}
    for method, values in features.items():
        values = as_latents(values, name=f"features[{method!r}]")
        if len(values) != true_labels.size:
            raise ValueError(
                f"features[{method!r}] must have one row per label ({true_labels.size}), got {len(values)}"
            )
        predicted, _ = latent.cluster(values, k, seed=seed, n_init=n_init)
        silhouette = silhouette_score(values, predicted) if 1 < k < len(values) else float("nan")
        rows[method] = {**cluster_scores(true_labels, predicted), "silhouette": float(silhouette)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")
