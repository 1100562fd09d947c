"""Words on paired differences: the trained encoder minus another method, with its 95 % interval.

The table these functions read has one row per (score, method, photon rate): the method's
``value``, the reference's ``difference`` to it with its bootstrap interval ``low`` ..
``high`` (:func:`xpcs_nb.evaluation.paired_scores`), and the ``verdict`` worded from the
interval alone (:func:`xpcs_nb.evaluation.interval_verdict`). Chapter 4 states its
comparisons with them; chapter 6 writes its intervals with :func:`interval_text`.

>>> interval_text(dict(difference=0.05, low=0.012, high=0.1))
'+0.05 [+0.01, +0.10]'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..validation import check_table
from .clusters import METHOD_LABELS, photon_rate, photon_rates
from .verdicts import METHOD_NAMES, VERDICTS, names_list

__all__ = ["PAIRED_COLUMNS", "RATE_SCORES", "interval_text", "versus", "paired_grid", "where_better",
           "fit_sentence"]

PAIRED_COLUMNS = ("score", "method", "photons", "value", "difference", "low", "high", "verdict")
"""The columns of the paired table the words below read (:func:`xpcs_nb.evaluation.paired_scores`
with a ``photons`` column)."""


def interval_text(row) -> str:
    """A paired difference as text: ``"+0.02 [-0.01, +0.05]"``, or the difference alone
    where its queries came from one map (no interval).

    ``row``: a row of :func:`~xpcs_nb.evaluation.paired_search.paired_precision_differences`
    (or any mapping with ``difference``, ``low``, ``high``).

    >>> interval_text(dict(difference=0.021, low=-0.013, high=0.05))
    '+0.02 [-0.01, +0.05]'
    """
    if not np.isfinite(row["low"]):
        return f"{row['difference']:+.2f} (one map: no interval)"
    return f"{row['difference']:+.2f} [{row['low']:+.2f}, {row['high']:+.2f}]"


def _paired(table: pd.DataFrame, score: str) -> pd.DataFrame:
    check_table(table, PAIRED_COLUMNS)
    rows = table[(table["score"] == score) & table["verdict"].notna()]
    if rows.empty:
        raise ValueError(f"score must be one of the table's scores {sorted(set(table['score']))}, got {score!r}")
    return rows


def versus(table: pd.DataFrame, method: str, score: str) -> str:
    """The reference against ``method`` on ``score``, photon rates grouped by verdict, each with its interval.

    >>> tidy = pd.DataFrame(dict(score="ARI", method="untrained", photons=[10.0, 1.0], value=0.8,
    ...                          difference=[0.1, 0.01], low=[0.05, -0.03], high=[0.15, 0.05],
    ...                          verdict=["better than", "no better than"]))
    >>> versus(tidy, "untrained", "ARI")
    'better than the untrained network at 10 photons per pixel (+0.10 [+0.05, +0.15]); no better than it at 1 photon per pixel (+0.01 [-0.03, +0.05])'
    """
    rows = _paired(table, score)
    rows = rows[rows["method"] == method].sort_values("photons", ascending=False)
    if rows.empty:
        raise ValueError(f"method must be one of the table's methods {sorted(set(table['method']))}, got {method!r}")
    parts = []
    for word in VERDICTS:
        chosen = rows[rows["verdict"] == word]
        if not chosen.empty:
            at = names_list(f"{photon_rate(r['photons'])} ({interval_text(r)})" for _, r in chosen.iterrows())
            parts.append(f"{word} {'it' if parts else METHOD_NAMES.get(method, method)} at {at}")
    return "; ".join(parts)


def paired_grid(table: pd.DataFrame, photons, *, reference: str = "trained") -> pd.DataFrame:
    """Scores across, methods down, at one photon rate: the reference's value, every other's value and
    the reference's difference to it with its 95 % interval and verdict.

    >>> tidy = pd.DataFrame(dict(score="ARI", method=["trained", "pca"], photons=1.0, value=[0.9, 0.8],
    ...                          difference=[None, 0.1], low=[None, 0.02], high=[None, 0.2],
    ...                          verdict=[None, "better than"]))
    >>> paired_grid(tidy, 1.0).to_dict("index")["PCA"]
    {'ARI': '0.80 · better than · +0.10 [+0.02, +0.20]'}
    """
    check_table(table, PAIRED_COLUMNS)
    rows = table[table["photons"] == photons]
    if rows.empty:
        raise ValueError(f"photons must be one of the table's rates {sorted(set(table['photons']))}, got {photons!r}")
    methods = [m for m in METHOD_LABELS if m in set(rows["method"])]
    scores = list(dict.fromkeys(rows["score"]))
    grid = pd.DataFrame(index=[METHOD_LABELS[m] for m in methods], columns=scores)
    for _, r in rows.iterrows():
        text = f"{r['value']:.2f}" if r["method"] == reference else \
            f"{r['value']:.2f} · {r['verdict']} · {interval_text(r)}"
        grid.loc[METHOD_LABELS[r["method"]], r["score"]] = text
    grid.columns.name = "score"
    return grid


def where_better(table: pd.DataFrame, method: str) -> str:
    """Where the reference is better than, and worse than, ``method``; the rest counted, not listed.

    Each (score, photon rate) is one comparison; the table beside the text has them all.

    >>> tidy = pd.DataFrame(dict(score=["ARI", "R2 q", "R2 q"], method="pca", photons=[1.0, 1.0, 0.3], value=0.8,
    ...                          difference=[0.1, 0.0, 0.0], low=[0.02, -0.1, -0.1], high=[0.2, 0.1, 0.1],
    ...                          verdict=["better than", "no better than", "no better than"]))
    >>> where_better(tidy, "pca")
    'better than PCA on ARI at 1 photon per pixel; no better than it on the other 2 of 3 comparisons'
    """
    check_table(table, PAIRED_COLUMNS)
    rows = table[(table["method"] == method) & table["verdict"].notna()]
    if rows.empty:
        raise ValueError(f"method must be one of the table's methods {sorted(set(table['method']))}, got {method!r}")
    name, parts = METHOD_NAMES.get(method, method), []
    for word in (VERDICTS[0], VERDICTS[2]):  # better, worse: listed
        chosen = rows[rows["verdict"] == word]
        if not chosen.empty:
            by_score = [f"{score} at {photon_rates(sorted(group['photons'], reverse=True))}"
                        for score, group in chosen.groupby("score", sort=False)]
            parts.append(f"{word} {'it' if parts else name} on {names_list(by_score)}")
    same = int((rows["verdict"] == VERDICTS[1]).sum())
    if same:
        where = f"the other {same} of {len(rows)} comparisons" if parts else f"all {len(rows)} comparisons"
        parts.append(f"{VERDICTS[1]} {'it' if parts else name} on {where}")
    return "; ".join(parts)


RATE_SCORES = ("rank log rate", "R2 log rate", "ARI rate classes")
"""The scores of the rate alone: what one fitted number per crop can hold."""


def fit_sentence(table: pd.DataFrame, method: str = "relaxation_time") -> str:
    """What a one-number fit does as well as the reference, and where the reference adds to it.

    On the rate scores (:data:`RATE_SCORES`) the fit matches the reference where the
    verdict is not "better than"; on every other score the reference adds to it where
    the verdict is "better than".

    >>> tidy = pd.DataFrame(dict(score=["rank log rate", "R2 q exponent", "balanced accuracy aging"],
    ...                          method="relaxation_time", photons=1.0, value=0.8, difference=[-0.1, 0.0, 0.2],
    ...                          low=[-0.2, -0.1, 0.1], high=[-0.01, 0.1, 0.3],
    ...                          verdict=["worse than", "no better than", "better than"]))
    >>> fit_sentence(tidy)
    'on the rate the fit does as well as the trained encoder or better on rank log rate at 1 photon per pixel; the trained encoder adds to it on balanced accuracy aging at 1 photon per pixel, and nowhere else'
    """
    check_table(table, PAIRED_COLUMNS)
    rows = table[(table["method"] == method) & table["verdict"].notna()]
    if rows.empty:
        raise ValueError(f"method must be one of the table's methods {sorted(set(table['method']))}, got {method!r}")
    on_rate = rows["score"].isin(RATE_SCORES)
    better = rows["verdict"] == VERDICTS[0]

    def listed(chosen: pd.DataFrame) -> str:
        return names_list(f"{score} at {photon_rates(sorted(group['photons'], reverse=True))}"
                          for score, group in chosen.groupby("score", sort=False))

    matched, beaten, adds = rows[on_rate & ~better], rows[on_rate & better], rows[~on_rate & better]
    parts = []
    if not matched.empty:
        parts.append(f"on the rate the fit does as well as the trained encoder or better on {listed(matched)}")
    if not beaten.empty:
        parts.append(f"the trained encoder sorts the rate better on {listed(beaten)}")
    parts.append(f"the trained encoder adds to it on {listed(adds)}, and nowhere else" if not adds.empty else
                 "beyond the rate the trained encoder adds nothing the intervals can see")
    return "; ".join(parts)
