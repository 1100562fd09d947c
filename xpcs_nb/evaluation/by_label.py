"""precision@k of a similarity search, label by label, for several methods side by side.

Chapter 6 searches a library for the crops nearest a query and asks how often they
carry the query's label. That score means little alone: the same search run on other
features (PCA, the raw pixels, an untrained network) says whether the trained
encoder's latent space is what makes it work. :func:`precision_by_label` scores every
crop of the library as a query with :func:`~xpcs_nb.evaluation.precision_at_k`, for
every method, and summarises per label and over all crops in one tidy table; a
``"chance"`` method holds what random features would get
(:func:`~xpcs_nb.evaluation.chance_precision`).

The spread (``std``) is the population standard deviation of the per-query values,
pooled over a method's runs (untrained draws, training seeds): how much one search
varies, the scatter a reader meets when trying one query, not a standard error.

Example
-------
>>> features = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [0.35]])  # the last crop lies among label 0
>>> labels = np.array([0, 0, 0, 1, 1, 1])
>>> table = precision_by_label({"line": features}, labels, k=1)
>>> table[table.method == "line"][["label", "mean", "n"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'label': 0, 'mean': 1.0, 'n': 3}, {'label': 1, 'mean': 0.6666666666666666, 'n': 3},
 {'label': 'all', 'mean': 0.8333333333333334, 'n': 6}]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..validation import check_array, check_int
from .scores import chance_precision, precision_at_k

__all__ = ["ALL_LABELS", "BY_LABEL_COLUMNS", "precision_by_label", "per_query_precision"]

ALL_LABELS = "all"
"""The ``label`` of the rows that summarise every crop of the library."""

BY_LABEL_COLUMNS = ("method", "label", "mean", "std", "n")


def _runs_of(method: str, features) -> list[np.ndarray]:
    """One method's feature runs as a list of arrays (N, D): a single array is one run."""
    if isinstance(features, np.ndarray) or hasattr(features, "shape"):
        return [np.asarray(features)]
    runs = list(features)
    if not runs:
        raise ValueError(f"runs[{method!r}] must be an array (N, D) or a non-empty list of them, got an empty list")
    return runs


def per_query_precision(runs: Mapping[str, object], labels, k: int, *, groups=None) -> dict[str, np.ndarray]:
    """precision@k of every crop as a query, per method: name -> array (n_runs, N).

    Parameters
    ----------
    runs : mapping {method: features (N, D) or [features (N, D), ...]}
        Each method's features of the same N crops, one array per independent run.
    labels : array (N,), int
    k : int
        Neighbours per query.
    groups : array (N,), int, optional
        Crops sharing the query's group (e.g. cut from the same large C2) are never its
        neighbours; default: only the query itself is left out.
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError(f"runs must be a non-empty mapping {{method: features}}, got {runs!r:.80}")
    labels = check_array(labels, "labels", ndim=1, kind="integer", minimum=0)
    k = check_int(k, "k", minimum=1)
    every_crop = np.arange(len(labels))
    scores = {}
    for method, features in runs.items():
        arrays = _runs_of(method, features)
        for array in arrays:
            if np.ndim(array) != 2 or len(array) != len(labels):
                raise ValueError(f"runs[{method!r}] must hold arrays (N, D) with N = {len(labels)} (one row per "
                                 f"label), got shape {np.shape(array)}")
        scores[method] = np.stack([precision_at_k(array, labels, every_crop, k, groups=groups) for array in arrays])
    return scores


def precision_by_label(runs: Mapping[str, object], labels, k: int, *, groups=None) -> pd.DataFrame:
    """Mean and spread of precision@k per label and over all crops, for every method and chance.

    Parameters
    ----------
    runs, labels, k, groups
        As in :func:`per_query_precision`.

    Returns
    -------
    DataFrame with :data:`BY_LABEL_COLUMNS`
        One row per (method, label) in the order of ``runs`` then ``"chance"``, labels
        ascending and then :data:`ALL_LABELS`; ``mean`` and ``std`` over the method's
        runs x the label's query crops (``n`` values).
    """
    scores = per_query_precision(runs, labels, k, groups=groups)
    labels = np.asarray(labels)
    scores["chance"] = chance_precision(labels, np.arange(len(labels)), groups=groups)[np.newaxis]
    rows = []
    for method, values in scores.items():  # values (n_runs, N)
        for label in [*np.unique(labels).tolist(), ALL_LABELS]:
            mine = values if label == ALL_LABELS else values[:, labels == label]
            rows.append(dict(method=method, label=label, mean=float(mine.mean()), std=float(mine.std()),
                             n=int(mine.size)))
    return pd.DataFrame(rows, columns=list(BY_LABEL_COLUMNS))
