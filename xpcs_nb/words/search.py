"""Chapter 6's words: a similarity search and its verdicts, from the numbers of a run.

Chapter 6 states which method finds neighbours of the query's label best; at another
preset the numbers, and so the words, change. Besides :func:`search_verdicts`, the
small sentences the chapter builds from its results live here:
:func:`training_text`, :func:`share_list`, :func:`overlap_verdict`,
:func:`spread_over` and :func:`real_crop_words`. The verdicts are read off the paired
differences of :func:`xpcs_nb.evaluation.paired_search.paired_precision_differences`
(the reference minus each baseline on the same queries, with a 95 % cluster-bootstrap
interval over the queries' maps): "better than" where the whole interval lies above
zero, "worse than" where it lies below, "no better than" where it holds zero. The
means ± spread over queries of
:func:`xpcs_nb.evaluation.by_label.precision_by_label` are only described, never
compared by eye.

>>> import pandas as pd
>>> table = pd.DataFrame(dict(method=["trained", "pca", "chance"], label="all",
...                           mean=[0.9, 0.5, 0.1], std=[0.3, 0.4, 0.0], n=10))
>>> differences = pd.DataFrame(dict(method=["pca"], label=["all"], difference=[0.4], low=[0.2],
...                                 high=[0.6], verdict=["better than"], n_queries=10, n_maps=5))
>>> words = search_verdicts(table, differences)
>>> words.verdicts, words.differences
('better than PCA', 'PCA +0.40 [+0.20, +0.60]')
>>> words.conclusion.startswith("At this preset the trained encoder earns its place")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .paired import interval_text
from .verdicts import METHOD_NAMES, VERDICTS, names_list
from ..validation import check_table

__all__ = ["SearchVerdicts", "search_verdicts", "names_list", "training_text", "share_list",
           "overlap_verdict", "spread_over", "RealCropWords", "real_crop_words", 
           "label_verdicts"]


@dataclass(frozen=True)
class SearchVerdicts:
    """What :func:`search_verdicts` says, each part ready to glue into a sentence.

    ``ranking``: methods by their mean over all crops, best first (chance left out);
    ``scores``: ``"PCA 0.80 ± 0.36; ..."`` in that order; ``verdicts``: ``"better than
    the relaxation time; no better than PCA and the raw pixels"``, from the paired
    intervals over all crops; ``differences``: ``"PCA +0.02 [-0.01, +0.05]; ..."``, the
    reference minus each baseline with its interval; ``conclusion``: one sentence;
    ``best``: label -> the methods with the highest mean for it (ties kept);
    ``reference_best``: the labels where the reference is among them;
    ``ahead``: the labels where the reference is better than every baseline beyond the
    interval; ``behind``: label -> the baselines it is worse than beyond the interval.
    """

    ranking: tuple[str, ...]
    scores: str
    verdicts: str
    differences: str
    conclusion: str
    best: dict
    reference_best: tuple
    ahead: tuple
    behind: dict


def _check_tables(table: pd.DataFrame, differences: pd.DataFrame, reference: str) -> pd.DataFrame:
    from ..evaluation.by_label import ALL_LABELS, BY_LABEL_COLUMNS  # here: evaluation imports words
    from ..evaluation.paired_search import PAIRED_COLUMNS

    check_table(table, BY_LABEL_COLUMNS)
    check_table(differences, PAIRED_COLUMNS, name="differences")
    overall = table[table["label"] == ALL_LABELS].set_index("method")
    if reference not in overall.index:
        raise ValueError(f"reference must be a method with an {ALL_LABELS!r} row in table "
                         f"{sorted(overall.index)}, got {reference!r}")
    compared = set(differences.loc[differences["label"] == ALL_LABELS, "method"])
    if not compared:
        raise ValueError(f"differences must hold at least one method's {ALL_LABELS!r} row, got none")
    missing = compared - set(overall.index)
    if missing:
        raise ValueError(f"differences names methods that table lacks: {sorted(missing)}")
    return overall


def search_verdicts(table: pd.DataFrame, differences: pd.DataFrame, reference: str = "trained",
                    names: Mapping[str, str] = METHOD_NAMES) -> SearchVerdicts:
    """The reference method against every baseline, in words read off the paired intervals.

    Parameters
    ----------
    table : DataFrame
        From :func:`~xpcs_nb.evaluation.by_label.precision_by_label`: columns
        ``method``, ``label``, ``mean``, ``std``, ``n``, with an ``"all"`` row per
        method; a ``"chance"`` method is left out of the ranking.
    differences : DataFrame
        From :func:`~xpcs_nb.evaluation.paired_search.paired_precision_differences`
        with the same reference: one row per (baseline, label).
    reference : str
        The method judged (the trained encoder).
    names : mapping {method: how a sentence names it}
        Methods missing from it are named as they are.
    """
    from ..evaluation.by_label import ALL_LABELS

    overall = _check_tables(table, differences, reference)
    named = {method: names.get(method, method) for method in overall.index}
    ranking = overall.drop(index="chance", errors="ignore")["mean"].sort_values(ascending=False, kind="stable")
    everything = differences[differences["label"] == ALL_LABELS].set_index("method")
    others = [method for method in ranking.index if method in everything.index]
    by_word = {word: [named[m] for m in others if everything.loc[m, "verdict"] == word] for word in VERDICTS}
    scores = "; ".join(f"{named[m]} {overall.loc[m, 'mean']:.2f} ± {overall.loc[m, 'std']:.2f}" for m in ranking.index)
    verdicts = "; ".join(f"{word} {names_list(methods)}" for word, methods in by_word.items() if methods)
    stated = "; ".join(f"{named[m]} {interval_text(everything.loc[m])}" for m in others)
    best = _best_by_label(table)
    per_label = differences[differences["label"] != ALL_LABELS]
    ahead = tuple(label for label, rows in per_label.groupby("label", sort=True)
                  if (rows["verdict"] == VERDICTS[0]).all())
    behind = {label: rows.loc[rows["verdict"] == VERDICTS[2], "method"].tolist()
              for label, rows in per_label.groupby("label", sort=True) if (rows["verdict"] == VERDICTS[2]).any()}
    return SearchVerdicts(ranking=tuple(ranking.index), scores=scores, verdicts=verdicts, differences=stated,
                          conclusion=_conclusion(by_word, named[reference]), best=best,
                          reference_best=tuple(label for label in best if reference in best[label]),
                          ahead=ahead, behind=behind)


def _best_by_label(table: pd.DataFrame) -> dict:
    """label -> the methods (chance left out) whose mean is the label's highest, ties kept."""
    from ..evaluation.by_label import ALL_LABELS

    rows = table[(table["method"] != "chance") & (table["label"] != ALL_LABELS)]
    best = {}
    for label, group in rows.groupby("label", sort=True):
        top = group["mean"].max()
        best[label] = group.loc[np.isclose(group["mean"], top), "method"].tolist()
    return best


def _conclusion(by_word: dict, me: str) -> str:
    """One sentence: the reference earns its place, loses, leads some baselines, or none."""
    better, tied, worse = (by_word[word] for word in VERDICTS)
    if worse:
        return (f"At this preset {me} finds neighbours of the query's label less often than {names_list(worse)}: "
                "the 95 % interval of the paired difference lies below zero.")
    if not tied:
        return (f"At this preset {me} earns its place: on the same queries it finds neighbours of the query's "
                "label more often than every baseline, each 95 % interval above zero.")
    if better:
        return (f"At this preset {me} is ahead of {names_list(better)} beyond the interval, but not of "
                f"{names_list(tied)}: the 95 % interval of the paired difference to them holds zero.")
    return (f"At this preset no paired difference between {me} and a baseline excludes zero: on this library "
            f"the search does not need {me} to find crops of the query's label.")


def label_verdicts(ahead, behind: Mapping, label_names: Mapping, method_names: Mapping[str, str] = METHOD_NAMES,
                   reference: str = "the trained encoder") -> str:
    """One sentence on the labels where the paired intervals single the reference out.

    ``ahead``: labels where it beats every baseline beyond the interval; ``behind``:
    label -> the baselines it trails beyond the interval (:class:`SearchVerdicts`).

    >>> label_verdicts((0,), {5: ["pca"]}, {0: "slow", 5: "heterodyne"})
    'Label by label, the trained encoder is better than every baseline for slow, and worse than PCA for heterodyne.'
    >>> label_verdicts((), {}, {})
    'Label by label, the trained encoder is better than every baseline for no label, and worse than none for any.'
    """
    first = names_list([label_names.get(label, str(label)) for label in ahead]) if ahead else "no label"
    if behind:
        second = "; ".join(f"worse than {names_list([method_names.get(m, m) for m in methods])} for "
                           f"{label_names.get(label, str(label))}" for label, methods in behind.items())
    else:
        second = "worse than none for any"
    return f"Label by label, {reference} is better than every baseline for {first}, and {second}."


def training_text(start_from: str, epochs: int, train_items: int | None) -> str:
    """How a preset's model was trained, for a sentence ("encoded by ...").

    >>> training_text("scratch", 4, 2000)
    'a model trained from random weights for 4 epochs of 2,000 augmented crops'
    >>> training_text("published", 10, None)
    'a model trained from the published weights for 10 epochs of all the augmented crops'
    """
    if start_from not in ("scratch", "published"):
        raise ValueError(f"start_from must be 'scratch' or 'published', got {start_from!r}")
    weights = "random weights" if start_from == "scratch" else "the published weights"
    items = "all the" if train_items is None else f"{int(train_items):,}"
    return f"a model trained from {weights} for {int(epochs)} epochs of {items} augmented crops"


def share_list(shares: Mapping[str, float], top: int = 3) -> str:
    """The ``top`` largest shares, largest first: ``"50% slow, 30% fast"``.

    ``shares`` maps a name to its share in [0, 1] (e.g. a normalised
    ``value_counts``, renamed).

    >>> share_list({"slow": 0.3, "fast": 0.5, "glass": 0.2}, top=2)
    '50% fast, 30% slow'
    """
    if not shares:
        raise ValueError("shares must name at least one share, got none")
    ordered = sorted(shares.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{share:.0%} {name}" for name, share in ordered)


def overlap_verdict(mean_share: float) -> str:
    """Whether a crop's neighbours in the UMAP plane and in latent space agree, from
    the mean share of the plane's neighbours that are also latent ones.

    >>> overlap_verdict(0.55), overlap_verdict(0.93)
    ('agree only in part', 'agree for most crops here, but not all')
    """
    if not 0.0 <= mean_share <= 1.0:
        raise ValueError(f"mean_share must be a share in [0, 1], got {mean_share}")
    return "agree only in part" if mean_share < 0.9 else "agree for most crops here, but not all"


def spread_over(n_training_seeds: int, n_untrained_draws: int) -> str:
    """What a ± spread of chapter 6's search table is taken over.

    >>> spread_over(1, 2)
    'the query crops, and over the 2 random draws of the untrained network'
    >>> spread_over(3, 2)[:60]
    'the query crops, and over the 3 training seeds of the traine'
    """
    seeds = (f"{n_training_seeds} training seeds of the trained encoder and the "
             if n_training_seeds > 1 else "")
    return f"the query crops, and over the {seeds}{n_untrained_draws} random draws of the untrained network"


@dataclass(frozen=True)
class RealCropWords:
    """What chapter 6 says about the real crop searched among synthetic ones.

    ``heterodyne``: how many of its neighbours are heterodyne (``"all"`` when all);
    ``search``: one sentence on that vote; ``real_side``: how its distance among the
    real maps compares with theirs; ``conclusion``: what the gap means;
    ``summary``: the gap in one clause.
    """

    heterodyne: str
    search: str
    real_side: str
    conclusion: str
    summary: str


def real_crop_words(n_heterodyne: int, n_neighbours: int, ratio_synthetic: float,
                    ratio_real: float, apart_above: float = 1.5) -> RealCropWords:
    """Words for the real crop's search: its ``n_heterodyne`` heterodyne neighbours of
    ``n_neighbours``, and its gap ratios (nearest distance over the set's typical
    nearest distance) to the synthetic library and to the real maps. A ratio above
    ``apart_above`` counts as apart.

    >>> words = real_crop_words(8, 8, 3.2, 1.1)
    >>> words.heterodyne, words.real_side
    ('all', 'a typical distance, or closer')
    >>> words.summary
    '3.2 times farther from its nearest synthetic crop than synthetic crops sit from each other: the simulator and the experiment are still apart'
    >>> real_crop_words(2, 8, 1.2, 2.0).search
    "The search gives a mixed answer: only 2 of the real crop's 8 nearest synthetic crops are heterodyne."
    """
    if not 0 <= n_heterodyne <= n_neighbours:
        raise ValueError(f"n_heterodyne must be in 0 .. n_neighbours={n_neighbours}, got {n_heterodyne}")
    count = "all" if n_heterodyne == n_neighbours else f"{n_heterodyne}"
    nearest = f"the real crop's {n_neighbours} nearest synthetic crops"
    if 2 * n_heterodyne > n_neighbours:
        search = f"The search does what it should: {count} of {nearest} are heterodyne, the right behaviour."
    else:
        search = f"The search gives a mixed answer: only {n_heterodyne} of {nearest} are heterodyne."
    real_side = "a typical distance, or closer" if ratio_real <= apart_above else "a distance larger than typical"
    apart = ratio_synthetic > apart_above
    if apart:
        conclusion = ("The simulator's crops are not yet real data: their noise, contrast and shapes differ "
                      "enough that the published model, which only saw real maps, puts them apart. A search "
                      "across the gap can say \"most like\", not \"alike\". Closing the gap would take a "
                      "simulator tuned on real maps (noise correlations, diagonal, drift), or fine-tuning on "
                      "real data.")
    else:
        conclusion = ("At this preset the real crop sits among the synthetic crops about as closely as they "
                      "sit among themselves: by this measure the simulator's crops and the real one are not "
                      "apart.")
    summary = (f"{ratio_synthetic:.1f} times farther from its nearest synthetic crop than synthetic crops sit "
               "from each other" + (": the simulator and the experiment are still apart" if apart else ""))
    return RealCropWords(heterodyne=count, search=search, real_side=real_side, conclusion=conclusion,
                         summary=summary)
