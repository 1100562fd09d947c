"""How much of a continuous truth a feature set holds, cross-validated by map.

Scores of one feature set (N, D) on a continuous evaluation set
(:mod:`xpcs_nb.evaluation.continuous`), each computed from *held-out* predictions, so
that a paired bootstrap over maps can resample them afterwards
(:func:`paired_scores`):

* ``"rank log rate"``: Spearman rank correlation between the true log rate and the
  features' best one-dimensional ordering. A 1-D feature is its own ordering (taken
  in the direction that correlates positively); for D > 1 the ordering is the
  held-out prediction of a ridge regression of log rate on the features (a linear
  map, its penalty chosen by internal cross-validation), fitted with
  :class:`~sklearn.model_selection.GroupKFold` by map.
* ``"R2 log rate"``, ``"R2 KWW exponent"``, ``"R2 q exponent"``: R² of a
  k-nearest-neighbour regression (k = 5), held out by map.

The features are used as the method gives them, not standardised column by column:
neighbours are those of the method's own euclidean distance, as for k-means and
retrieval (scaling every principal component to unit variance would blow its noisiest
components up to the size of its first). The ridge regression divides all columns by
one common scale, so that its penalties mean the same for every method.
* ``"balanced accuracy heterodyne"`` / ``"... avalanche"`` / ``"... aging"``: of a
  k-nearest-neighbour classifier of that kind against all others, held out by map;
  0.5 is chance.
* ``"ARI rate classes"`` (secondary): k-means with k = 5 fitted once on all crops,
  the fixed partition scored against the rate class of each crop's true rate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.linear_model import RidgeCV
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GroupKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from .. import latent
from ..validation import check_array, check_int
from .paired import interval_verdict, paired_bootstrap

__all__ = ["TRUTH_SCORES", "held_out", "truth_predictions", "score_of", "paired_scores", "continuous_comparison",
           "paired_ari"]

RANK, ARI = "rank log rate", "ARI rate classes"
REGRESSIONS = {"R2 log rate": "log_rate", "R2 KWW exponent": "kww_exponent", "R2 q exponent": "q_exponent"}
CLASSIFICATIONS = {f"balanced accuracy {kind}": kind for kind in ("heterodyne", "avalanche", "aging")}
TRUTH_SCORES = (RANK, *REGRESSIONS, *CLASSIFICATIONS, ARI)
"""Every score of :func:`truth_predictions`, in the order the chapter reports them."""

N_NEIGHBOURS = 5


def held_out(model_factory: Callable, features, target, groups, *, n_splits=5) -> np.ndarray:
    """Predictions (N,) of ``model_factory()`` for every item, each from a fit without its group.

    >>> x = np.arange(20.0)[:, None]
    >>> predicted = held_out(lambda: KNeighborsRegressor(1), x, 2 * x.ravel(), np.arange(20) // 2)
    >>> float(np.abs(predicted - 2 * x.ravel()).max())
    4.0
    """
    features = check_array(features, "features", ndim=2, finite=True, dtype=np.float64)
    target = np.asarray(target)
    n_splits = min(check_int(n_splits, "n_splits", minimum=2), np.unique(groups).size)
    predicted = np.empty(len(target), dtype=target.dtype if target.dtype.kind in "biu" else np.float64)
    for train, test in GroupKFold(n_splits=n_splits).split(features, target, groups):
        model = model_factory().fit(features[train], target[train])
        predicted[test] = model.predict(features[test])
    return predicted


def _ordering(features: np.ndarray, log_rate: np.ndarray, groups: np.ndarray) -> np.ndarray:
    if features.shape[1] == 1:
        column = features[:, 0]
        return column if np.corrcoef(column, log_rate)[0, 1] >= 0 else -column
    # one scale for all the columns (their relative sizes, the method's geometry, kept), so the
    # penalties searched mean the same for every method
    scaled = (features - features.mean(axis=0)) / max(float(features.std()), np.finfo(float).tiny)
    ridge = lambda: RidgeCV(alphas=np.logspace(-4, 4, 17))  # noqa: E731
    return held_out(ridge, scaled, log_rate, groups)


def truth_predictions(features, truth: pd.DataFrame, groups, *, seed=0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Score name -> (truth (N,), held-out prediction (N,)) for every score of :data:`TRUTH_SCORES`.

    ``truth`` holds ``log_rate``, ``kww_exponent``, ``q_exponent``, ``kind`` and
    ``rate_class`` per crop; ``groups`` the map of each crop.
    """
    features = check_array(features, "features", ndim=2, finite=True, dtype=np.float64)
    groups = check_array(groups, "groups", ndim=1, kind="integer")
    if not len(features) == len(truth) == len(groups):
        raise ValueError(f"features, truth and groups must have one row per crop, got {len(features)}, "
                         f"{len(truth)} and {len(groups)}")
    log_rate = truth["log_rate"].to_numpy(np.float64)
    knn = lambda: KNeighborsRegressor(N_NEIGHBOURS)  # noqa: E731
    vote = lambda: KNeighborsClassifier(N_NEIGHBOURS)  # noqa: E731
    out = {RANK: (log_rate, _ordering(features, log_rate, groups))}
    for score, column in REGRESSIONS.items():
        values = truth[column].to_numpy(np.float64)
        out[score] = (values, held_out(knn, features, values, groups))
    for score, kind in CLASSIFICATIONS.items():
        is_kind = (truth["kind"] == kind).to_numpy().astype(np.int64)
        out[score] = (is_kind, held_out(vote, features, is_kind, groups))
    classes = truth["rate_class"].to_numpy(np.int64)
    out[ARI] = (classes, latent.cluster(features, np.unique(classes).size, seed=seed)[0])
    return out


def _spearman(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.corrcoef(rankdata(truth), rankdata(predicted))[0, 1])


def _r2(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(1 - np.sum((truth - predicted) ** 2) / np.sum((truth - truth.mean()) ** 2))


def _balanced_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean([np.mean(predicted[truth == c] == c) for c in np.unique(truth)]))


def score_of(name: str, truth: np.ndarray, predicted: np.ndarray) -> float:
    """The score ``name`` of :data:`TRUTH_SCORES` of held-out predictions.

    >>> score_of("R2 log rate", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))
    1.0
    >>> score_of("balanced accuracy aging", np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0]))
    0.5
    """
    if name == RANK:
        return _spearman(truth, predicted)
    if name == ARI:
        return float(adjusted_rand_score(truth, predicted))
    if name in REGRESSIONS:
        return _r2(truth, predicted)
    if name in CLASSIFICATIONS:
        return _balanced_accuracy(truth, predicted)
    raise ValueError(f"name must be one of {', '.join(TRUTH_SCORES)}; got {name!r}")


def _mean_score(name: str, runs: Sequence[tuple[np.ndarray, np.ndarray]]) -> Callable[[np.ndarray], float]:
    """index array -> the score ``name`` averaged over the runs (e.g. random networks), on those items."""
    return lambda index: float(np.mean([score_of(name, t[index], p[index]) for t, p in runs]))


def paired_scores(predictions: Mapping[str, Sequence[Mapping]], groups, *, reference="trained",
                  n_resamples=500, seed=0) -> pd.DataFrame:
    """Every method's scores and its paired difference to ``reference``, with a bootstrap interval over maps.

    Parameters
    ----------
    predictions : mapping method -> list of :func:`truth_predictions` results
        One result per run (training seed, random network); a method's score is the
        mean over its runs, on the same resampled maps.
    groups : array (N,)
        The map of each crop, the unit resampled.
    reference : str
        The method every other is compared with.

    Returns
    -------
    DataFrame
        One row per (score, method): ``score``, ``method``, ``value`` (on all maps),
        ``difference`` (``reference`` minus ``method``), ``low``, ``high`` (95 %
        interval) and ``verdict`` (:func:`interval_verdict`: ``reference`` is
        "better than" the method only where the interval lies above 0). The
        reference's own rows have no difference.
    """
    if reference not in predictions:
        raise ValueError(f"reference must be one of the methods {list(predictions)}, got {reference!r}")
    rows = []
    for score in TRUTH_SCORES:
        mine = _mean_score(score, [run[score] for run in predictions[reference]])
        everything = np.arange(len(np.asarray(groups)))
        for method, runs in predictions.items():
            theirs = _mean_score(score, [run[score] for run in runs])
            row = dict(score=score, method=method, value=theirs(everything))
            if method != reference:
                result = paired_bootstrap(mine, theirs, groups, n_resamples=n_resamples, seed=seed)
                row.update(difference=result.difference, low=result.low, high=result.high,
                           verdict=interval_verdict(result))
            rows.append(row)
    return pd.DataFrame(rows)


def continuous_comparison(data, trained, *, untrained_seeds=(0, 1, 2), trained_at_rate=None, n_resamples=500,
                          seed=0) -> pd.DataFrame:
    """:func:`paired_scores` of every method on one continuous evaluation set, with its ``photons``.

    ``data`` is an :class:`~xpcs_nb.evaluation.EvaluationSet` of
    :func:`~xpcs_nb.evaluation.continuous_set` (its ``metadata`` holds the truth);
    ``trained`` one encoder or several (training seeds), ``trained_at_rate`` the
    same trained further at ``data``'s photon rate (optional). The PCA keeps at most
    as many components as there are crops.
    """
    from .data import EvaluationSet
    from .features import method_features

    if not isinstance(data, EvaluationSet):
        raise TypeError(f"data must be an EvaluationSet, got {type(data).__name__}")
    runs = method_features(data.crops, trained, untrained_seeds=untrained_seeds, trained_at_rate=trained_at_rate,
                           profiles=data.profiles, seed=seed)
    predictions = {method: [truth_predictions(values, data.metadata, data.groups, seed=seed) for values in values_list]
                   for method, values_list in runs.items()}
    table = paired_scores(predictions, data.groups, n_resamples=n_resamples, seed=seed)
    return table.assign(photons=data.photons_per_pixel)


def paired_ari(truth, partition, other_partitions, groups, **options):
    """The ARI of one fixed ``partition`` minus the mean ARI of ``other_partitions``, paired over ``groups``.

    Each partition (N,) is fitted once (k-means on all crops); the bootstrap resamples
    maps and scores the fixed partitions on the drawn crops (:func:`paired_bootstrap`,
    ``options`` go to it).

    >>> truth = np.repeat([0, 1, 2], 4)
    >>> result = paired_ari(truth, truth, [np.arange(12) % 3], np.arange(12), n_resamples=200)
    >>> result.low > 0
    True
    """
    truth = check_array(truth, "truth", ndim=1, kind="integer")
    partition = check_array(partition, "partition", ndim=1, kind="integer")
    others = [check_array(p, "each of other_partitions", ndim=1, kind="integer") for p in other_partitions]
    if not others:
        raise ValueError("other_partitions must hold at least one partition, got none")
    mine = lambda i: float(adjusted_rand_score(truth[i], partition[i]))  # noqa: E731
    theirs = lambda i: float(np.mean([adjusted_rand_score(truth[i], p[i]) for p in others]))  # noqa: E731
    return paired_bootstrap(mine, theirs, groups, **options)
