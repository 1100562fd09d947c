"""Clusters against known classes: scores, and the linear features to compare with.

On simulated data the true class of every crop is known. :func:`scores` measures how
well a clustering recovers it; :func:`score_table` runs the same k-means on the
latents and on linear features of the crops (:func:`baseline_features`: PCA, pixels),
so the autoencoder is always judged against what a simpler method achieves. The
classical XPCS feature, a relaxation time fitted with its baseline fixed at 1, needs
the crops in C2 units and lives in :mod:`xpcs_nb.evaluation.relaxation`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from xpcs_nb.latent._inputs import as_crops, as_labels, as_latents, check_count
from xpcs_nb.latent.clusters import cluster
from xpcs_nb.validation import ArgumentTypeError, check_choice, check_int, check_seed, describe

__all__ = ["BASELINE_KINDS", "scores", "baseline_features", "score_table"]

BASELINE_KINDS = ("pca", "pixels")


def scores(true, predicted) -> dict[str, float]:
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
    >>> scores([0, 0, 1, 1], [1, 1, 0, 0])
    {'ARI': 1.0, 'NMI': 1.0}
    """
    true = as_labels(true, name="true")
    predicted = as_labels(predicted, n_points=true.size, name="predicted")
    return {
        "ARI": float(adjusted_rand_score(true, predicted)),
        "NMI": float(normalized_mutual_info_score(true, predicted)),
    }


def _downsample(crops: np.ndarray, factor: int) -> np.ndarray:
    """Block means over ``factor x factor`` pixels: (N, S, S) -> (N, S/factor, S/factor)."""
    n, size, _ = crops.shape
    blocks = crops.reshape(n, size // factor, factor, size // factor, factor)
    return blocks.mean(axis=(2, 4))


def _pca_features(crops: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    n, size, _ = crops.shape
    n_components = check_int(n_components, "n_components", minimum=1, maximum=min(n, size * size),
                             context=" (at most N and S^2)")
    flat = crops.reshape(n, -1).astype(np.float32, copy=False)
    pca = PCA(n_components=n_components, svd_solver="randomized", random_state=seed)
    return pca.fit_transform(flat)


def _pixel_features(crops: np.ndarray, downsample: int) -> np.ndarray:
    n, size, _ = crops.shape
    downsample = check_int(downsample, "downsample", minimum=1, maximum=size, context=f" for crops of side {size}")
    if size % downsample:
        raise ValueError(f"downsample must divide the crop side {size}, got {downsample}")
    return _downsample(crops, downsample).reshape(n, -1)


def baseline_features(crops, kind: str, seed: int = 0, n_components: int = 64, downsample: int = 4) -> np.ndarray:
    """Classical features of C2 crops, to cluster with the same k-means as the latents.

    Parameters
    ----------
    crops : array (N, S, S)
        Finite.
    kind : {"pca", "pixels"}
        ``"pca"``: the first ``n_components`` principal components of the raw pixels
        (a linear encoder; needs N x S^2 floats in memory).
        ``"pixels"``: the pixels themselves after block-averaging ``downsample x
        downsample`` (256 -> 64 per side with the default: 4096 numbers per crop).
    seed : int
        Seeds the randomised PCA solver.
    n_components : int
        For ``"pca"``; 1 .. min(N, S^2).
    downsample : int
        For ``"pixels"``; must divide S.

    Returns
    -------
    features : ndarray (N, d)
        d = ``n_components`` or (S / downsample)^2.

    Example
    -------
    >>> crops = np.random.default_rng(0).random((3, 8, 8))
    >>> baseline_features(crops, "pixels", downsample=4).shape
    (3, 4)
    """
    crops = as_crops(crops)
    kind = check_choice(kind, "kind", BASELINE_KINDS)
    seed = check_seed(seed)
    # the sizes are integers whatever the kind; their ranges matter only to their own kind
    n_components = check_int(n_components, "n_components")
    downsample = check_int(downsample, "downsample")
    if kind == "pca":
        return _pca_features(crops, n_components, seed)
    return _pixel_features(crops, downsample)


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
        predicted, _ = cluster(values, k, seed=seed, n_init=n_init)
        silhouette = silhouette_score(values, predicted) if 1 < k < len(values) else float("nan")
        rows[method] = {**scores(true_labels, predicted), "silhouette": float(silhouette)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")
