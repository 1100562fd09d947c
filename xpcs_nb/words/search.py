"""The verdict on a search beside its baselines, in words that follow from the numbers.

Chapter 6 states which method finds neighbours of the query's label best; at another
preset the numbers, and so the words, change. The words are made here from the tidy
table of :func:`xpcs_nb.evaluation.by_label.precision_by_label`, with chapter 4's
rule (:func:`xpcs_nb.words.verdict`): the reference method is "better than"
another where its mean over all crops exceeds the other's by more than their
combined spread, "worse than" where it falls short by more, and "no better than" in
between.

>>> import pandas as pd
>>> table = pd.DataFrame(dict(method=["trained", "pca", "chance"], label="all",
...                           mean=[0.9, 0.5, 0.1], std=[0.05, 0.05, 0.0], n=10))
>>> words = search_verdicts(table)
>>> words.verdicts
'better than PCA'
>>> words.conclusion.startswith("At this preset the trained encoder earns its place")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .verdicts import METHOD_NAMES, VERDICTS, names_list, verdict

__all__ = ["SearchVerdicts", "search_verdicts", "names_list"]


@dataclass(frozen=True)
class SearchVerdicts:
    """What :func:`search_verdicts` says, each part ready to glue into a sentence.

    ``ranking``: methods by their mean over all crops, best first (chance left out);
    ``scores``: ``"PCA 0.80 ± 0.36; ..."`` in that order; ``verdicts``: ``"no better
    than PCA and the raw pixels; better than the relaxation time"``; ``conclusion``:
    one sentence; ``best``: label -> the methods with the highest mean for it (ties
    kept); ``reference_best``: the labels where the reference is among them.
    """

    ranking: tuple[str, ...]
    scores: str
    verdicts: str
    conclusion: str
    best: dict
    reference_best: tuple


def _check_table(table: pd.DataFrame, reference: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame, got {type(table).__name__}")
    from ..evaluation.by_label import ALL_LABELS, BY_LABEL_COLUMNS  # here: evaluation imports words

    missing = set(BY_LABEL_COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"table must have the columns {BY_LABEL_COLUMNS}, missing {sorted(missing)}")
    overall = table[table["label"] == ALL_LABELS].set_index("method")
    if reference not in overall.index:
        raise ValueError(f"reference must be a method with an {ALL_LABELS!r} row in table "
                         f"{sorted(overall.index)}, got {reference!r}")
    if len(overall.index.difference(["chance", reference])) == 0:
        raise ValueError("table must hold at least one method besides the reference and chance")
    return overall


def search_verdicts(table: pd.DataFrame, reference: str = "trained",
                    names: Mapping[str, str] = METHOD_NAMES) -> SearchVerdicts:
    """The reference method against every other method of ``table``, in words.

    Parameters
    ----------
    table : DataFrame
        From :func:`~xpcs_nb.evaluation.by_label.precision_by_label`: columns
        ``method``, ``label``, ``mean``, ``std``, ``n``, with an ``"all"`` row per
        method; a ``"chance"`` method is left out of the comparison.
    reference : str
        The method judged (the trained encoder).
    names : mapping {method: how a sentence names it}
        Methods missing from it are named as they are.
    """
    overall = _check_table(table, reference)
    named = {method: names.get(method, method) for method in overall.index}
    ranking = overall.drop(index="chance", errors="ignore")["mean"].sort_values(ascending=False, kind="stable")
    others = [method for method in ranking.index if method != reference]
    mine = overall.loc[reference]
    judged = {method: verdict(mine["mean"], mine["std"], overall.loc[method, "mean"], overall.loc[method, "std"])
              for method in others}
    by_word = {word: [named[m] for m in others if judged[m] == word] for word in VERDICTS}
    scores = "; ".join(f"{named[m]} {overall.loc[m, 'mean']:.2f} ± {overall.loc[m, 'std']:.2f}" for m in ranking.index)
    verdicts = "; ".join(f"{word} {names_list(methods)}" for word, methods in by_word.items() if methods)
    best = _best_by_label(table)
    return SearchVerdicts(ranking=tuple(ranking.index), scores=scores, verdicts=verdicts,
                          conclusion=_conclusion(by_word, list(ranking.index), reference, named),
                          best=best, reference_best=tuple(label for label in best if reference in best[label]))


def _best_by_label(table: pd.DataFrame) -> dict:
    """label -> the methods (chance left out) whose mean is the label's highest, ties kept."""
    from ..evaluation.by_label import ALL_LABELS

    rows = table[(table["method"] != "chance") & (table["label"] != ALL_LABELS)]
    best = {}
    for label, group in rows.groupby("label", sort=True):
        top = group["mean"].max()
        best[label] = group.loc[np.isclose(group["mean"], top), "method"].tolist()
    return best


def _conclusion(by_word: dict, ranking: list, reference: str, named: dict) -> str:
    """One sentence: the reference earns its place, loses, leads without standing out, or trails."""
    me = named[reference]
    if not by_word["no better than"] and not by_word["worse than"]:
        return (f"At this preset {me} earns its place: its precision exceeds every baseline's by more than "
                "the spread.")
    if by_word["worse than"]:
        return f"At this preset {me} loses to {names_list(by_word['worse than'])} by more than the spread."
    if ranking[0] == reference:
        return (f"At this preset {me} has the highest mean, but its lead does not stand out of the scatter of "
                "single queries.")
    ahead = [named[m] for m in ranking[:ranking.index(reference)]]
    return (f"At this preset the mean of {me} is below that of {names_list(ahead)}, and no difference stands "
            f"out of the scatter of single queries: on this library the search does not need {me} to find "
            "crops of the query's label.")
