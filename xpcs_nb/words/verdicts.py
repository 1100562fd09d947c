"""The verdict of a comparison, in words that follow from the numbers.

One rule for every comparison of the table: the reference method (the trained
encoder) is ``"better than"`` another where its mean exceeds the other's by more than
their combined spread, ``sqrt(std_ref^2 + std_other^2)``, ``"worse than"`` where it
falls short by more than that, and ``"no better than"`` in between. The spread is
that of the values behind each mean (k-means seeds, feature runs, queries: see
:mod:`xpcs_nb.evaluation.table`), not a standard error: a difference must stand out
of the scatter of single runs, a deliberately strict test.
"""

from __future__ import annotations

import math

import pandas as pd

from ..validation import check_real, check_table

__all__ = ["VERDICTS", "METHOD_NAMES", "verdict", "verdicts", "verdict_sentence", "names_list"]

VERDICTS = ("better than", "no better than", "worse than")
VERDICT_COLUMNS = ("metric", "photons", "diagonal", "method", "difference", "spread", "verdict")


def verdict(mean, std, other_mean, other_std) -> str:
    """``"better than"``, ``"no better than"`` or ``"worse than"``: ``mean ± std`` against the other.

    >>> verdict(0.98, 0.01, 0.54, 0.2), verdict(0.93, 0.02, 0.92, 0.03), verdict(0.3, 0.05, 0.6, 0.1)
    ('better than', 'no better than', 'worse than')
    """
    mean, other_mean = check_real(mean, "mean"), check_real(other_mean, "other_mean")
    std = check_real(std, "std", minimum=0)
    other_std = check_real(other_std, "other_std", minimum=0)
    difference, spread = mean - other_mean, math.hypot(std, other_std)
    if difference > spread:
        return VERDICTS[0]
    if difference < -spread:
        return VERDICTS[2]
    return VERDICTS[1]


def verdicts(table: pd.DataFrame, reference: str = "trained") -> pd.DataFrame:
    """The reference method against every other method of the tidy table, row by row.

    Parameters
    ----------
    table : DataFrame with :data:`~xpcs_nb.evaluation.TABLE_COLUMNS`
        e.g. from :func:`~xpcs_nb.evaluation.noise_sweep`; the ``"chance"`` rows count
        as a method.
    reference : str
        The method judged.

    Returns
    -------
    DataFrame, one row per (metric, photons, diagonal, other method): ``difference``
    (reference mean minus the other's), ``spread`` (their combined std) and
    ``verdict``, in the table's order.

    >>> tidy = pd.DataFrame(dict(method=["trained", "untrained"], photons=1.0, diagonal="keep",
    ...                          metric="rate-class ARI", mean=[0.98, 0.54], std=[0.01, 0.2], n=5, over=""))
    >>> verdicts(tidy)[["method", "verdict"]].to_dict("records")
    [{'method': 'untrained', 'verdict': 'better than'}]
    """
    from ..evaluation.table import TABLE_COLUMNS  # here, not at the top: evaluation imports this module

    check_table(table, TABLE_COLUMNS)
    if reference not in set(table["method"]):
        raise ValueError(f"reference must be one of the table's methods {sorted(set(table['method']))}, "
                         f"got {reference!r}")
    rows = []
    for (metric, photons, diagonal), group in table.groupby(["metric", "photons", "diagonal"], sort=False):
        mine = group[group["method"] == reference]
        if mine.empty:
            continue
        ref = mine.iloc[0]
        for other in group[group["method"] != reference].itertuples(index=False):
            rows.append(dict(metric=metric, photons=photons, diagonal=diagonal, method=other.method,
                             difference=float(ref["mean"] - other.mean), spread=math.hypot(ref["std"], other.std),
                             verdict=verdict(ref["mean"], ref["std"], other.mean, other.std)))
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))


METHOD_NAMES = {"trained": "the trained encoder", "trained_at_rate": "the encoder trained further at this photon rate",
                "untrained": "the untrained network", "pca": "PCA",
                "pixels": "the raw pixels", "relaxation_time": "the relaxation time", "chance": "chance"}
"""How a sentence names each method."""


def names_list(names) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``.

    >>> names_list(["PCA"]), names_list(["PCA", "the raw pixels", "chance"])
    ('PCA', 'PCA, the raw pixels and chance')
    """
    names = list(names)
    if not names:
        raise ValueError("names must hold at least one name, got none")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _value(row, digits: int) -> str:
    return f"{row['mean']:.{digits}f} ± {row['std']:.{digits}f}"


def verdict_sentence(table: pd.DataFrame, metric: str, photons, *, reference: str = "trained",
                     diagonal: str | None = None, digits: int = 2) -> str:
    """One sentence: the reference method's score and its verdict against every other method.

    ``table`` is the tidy table (one diagonal choice, or name it with ``diagonal``);
    the numbers are its means ± stds, the words :func:`verdict`'s.

    >>> tidy = pd.DataFrame(dict(method=["trained", "untrained", "pca"], photons=1.0, diagonal="keep",
    ...                          metric="rate-class ARI", mean=[0.98, 0.54, 0.97], std=[0.01, 0.2, 0.01],
    ...                          n=5, over=""))
    >>> subject, judged = verdict_sentence(tidy, "rate-class ARI", 1.0).split(" is ")
    >>> subject
    'the trained encoder (0.98 ± 0.01)'
    >>> judged
    'better than the untrained network (0.54 ± 0.20) and no better than PCA (0.97 ± 0.01)'
    """
    rows = table[(table["metric"] == metric) & (table["photons"] == photons)]
    if diagonal is not None:
        rows = rows[rows["diagonal"] == diagonal]
    if rows.empty:
        raise ValueError(f"table has no rows for metric {metric!r} at photons {photons!r}")
    if rows["diagonal"].nunique() > 1:
        raise ValueError("table holds both diagonal choices at these photons; name one with diagonal=")
    judged = verdicts(rows, reference)
    by_method = rows.set_index("method")
    ref = by_method.loc[reference]
    parts = [f"{verdict_text} {METHOD_NAMES.get(method, method)} ({_value(by_method.loc[method], digits)})"
             for method, verdict_text in zip(judged["method"], judged["verdict"])]
    return f"{METHOD_NAMES.get(reference, reference)} ({_value(ref, digits)}) is {names_list(parts)}"
