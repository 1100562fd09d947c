"""The scores of every method as one tidy table, for a chapter to show and glue.

One row per (method, photons, diagonal, metric): ``mean``, ``std`` and ``n``, the
number of values behind them, and ``over``, what those values are:

* ``"rate-class ARI"``: one value per (feature run, k-means seed); a feature run is
  one trained network, one untrained draw, or the single run of a classical method;
* ``"<family> precision@k"``: one value per (feature run, query crop);
* method ``"chance"``: the precision@k random features would get, per query.

``std`` is the population standard deviation of those values (0 for a single one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..scenarios import AVALANCHE, CLASS_NAMES, HETERODYNE
from ..validation import check_array, check_choice, check_int, check_real
from .diagonal import DIAGONAL_CHOICES
from .scores import family_retrieval, rate_class_ari

__all__ = ["TABLE_COLUMNS", "FAMILIES", "RATE_METRIC", "retrieval_metric", "method_table", "wide_table"]

TABLE_COLUMNS = ("method", "photons", "diagonal", "metric", "mean", "std", "n", "over")
FAMILIES = (HETERODYNE, AVALANCHE)
RATE_METRIC = "rate-class ARI"


def retrieval_metric(family: int, k: int) -> str:
    """The metric name of a family's retrieval score, e.g. ``"heterodyne precision@10"``.

    >>> retrieval_metric(6, 10)
    'avalanche precision@10'
    """
    return f"{CLASS_NAMES[family]} precision@{k}"


def _row(method, photons, diagonal, metric, values, over) -> dict:
    values = np.asarray(values, dtype=np.float64).ravel()
    return dict(method=method, photons=photons, diagonal=diagonal, metric=metric, mean=float(values.mean()),
                std=float(values.std()), n=int(values.size), over=over)


def method_table(runs: Mapping[str, Sequence[np.ndarray]], labels, *, photons_per_pixel, diagonal: str,
                 groups=None, kmeans_seeds=range(5), k=10, families=FAMILIES, n_init=10) -> pd.DataFrame:
    """Score every method's feature runs on one evaluation set.

    Parameters
    ----------
    runs : mapping {method: [features (N, D), ...]}
        One array per independent run (training or initialisation seed), e.g. the
        result of :func:`xpcs_nb.evaluation.method_features`.
    labels, groups : array (N,), int
        Truth and large-C2 index of every crop (see :class:`EvaluationSet`).
    photons_per_pixel : float
        Written into the table, as is ``diagonal``.
    kmeans_seeds, n_init : as in :func:`rate_class_ari`
    k : int
        Neighbours for precision@k.
    families : iterable of int
        Labels scored by retrieval.

    Returns
    -------
    DataFrame with :data:`TABLE_COLUMNS`: per method one rate-class ARI row and one
    row per family, then one chance row per family.

    >>> rng = np.random.default_rng(0)
    >>> labels = np.repeat(np.arange(7), 4)
    >>> runs = {"truth": [labels[:, None] + rng.normal(0, 0.01, (28, 1))]}
    >>> table = method_table(runs, labels, photons_per_pixel=1.0, diagonal="keep", kmeans_seeds=[0], k=3)
    >>> print(table[["method", "metric", "mean", "n"]].round(3).to_string(index=False))
    method                 metric  mean  n
     truth         rate-class ARI 1.000  1
     truth heterodyne precision@3 1.000  4
     truth  avalanche precision@3 1.000  4
    chance heterodyne precision@3 0.111  4
    chance  avalanche precision@3 0.111  4
    """
    photons = check_real(photons_per_pixel, "photons_per_pixel", minimum=0, include_min=False)
    check_choice(diagonal, "diagonal", DIAGONAL_CHOICES)
    labels = check_array(labels, "labels", ndim=1, kind="integer", minimum=0)
    k = check_int(k, "k", minimum=1)
    families = [check_int(family, "each of families", minimum=0, maximum=len(CLASS_NAMES) - 1)
                for family in families]
    kmeans_seeds = list(kmeans_seeds)
    rows, chance = [], {}
    for method, features_runs in runs.items():
        if not features_runs:
            raise ValueError(f"runs[{method!r}] must hold at least one feature array, got none")
        aris = [rate_class_ari(f, labels, kmeans_seeds, n_init=n_init) for f in features_runs]
        rows.append(_row(method, photons, diagonal, RATE_METRIC, aris, "feature runs x k-means seeds"))
        for family in families:
            found = [family_retrieval(f, labels, family, k, groups=groups) for f in features_runs]
            rows.append(_row(method, photons, diagonal, retrieval_metric(family, k),
                             [precision for precision, _ in found], "feature runs x queries"))
            chance[family] = found[0][1]
    for family, values in chance.items():
        rows.append(_row("chance", photons, diagonal, retrieval_metric(family, k), values, "queries"))
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def wide_table(table: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """The tidy table for reading: methods down, (metric, photons) across, "mean ± std".

    >>> tidy = pd.DataFrame(dict(method=["pca"], photons=[1.0], diagonal=["keep"], metric=["rate-class ARI"],
    ...                          mean=[0.5], std=[0.01], n=[5], over=["k-means seeds"]))
    >>> wide_table(tidy).iloc[0, 0]
    '0.500 ± 0.010'
    """
    digits = check_int(digits, "digits", minimum=0)
    missing = set(TABLE_COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"table must have the columns {TABLE_COLUMNS}, missing {sorted(missing)}")
    text = table.assign(value=[f"{m:.{digits}f} ± {s:.{digits}f}" for m, s in zip(table["mean"], table["std"])])
    wide = text.pivot_table(index="method", columns=["metric", "photons"], values="value", aggfunc="first", sort=False)
    return wide.sort_index(axis=1, level=[0, 1], ascending=[True, False], sort_remaining=False)
