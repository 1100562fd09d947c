"""Chapter 4's words: the diagonal trap, the 7-label target, and the verdict tables of the
methods across photon rates (the paired differences' words are in :mod:`xpcs_nb.words.paired`).

Every function takes numbers of the run (a tidy table of
:func:`xpcs_nb.evaluation.noise_sweep`, medians, means) and returns the words or the
small table the chapter shows; the verdict rule is :func:`xpcs_nb.words.verdict`.

>>> photon_rate(1.0), photon_rate(0.3)
('1 photon per pixel', '0.3 photons per pixel')
"""

from __future__ import annotations

import math

import pandas as pd

from ..validation import check_real, check_table
from .verdicts import METHOD_NAMES, VERDICTS, names_list, verdicts

__all__ = ["METHOD_LABELS", "photon_rate", "photon_rates", "trap_spike_word", "trap_rank", "target_sentence",
           "verdict_grid", "verdict_counts", "verdict_list", "verdicts_by_rate", "vs_untrained",
           "where_it_breaks", "breaks", "matched_text"]

METHOD_LABELS = {"trained": "trained", "trained_at_rate": "trained at rate", "untrained": "untrained",
                 "pca": "PCA", "pixels": "raw pixels", "relaxation_time": "relaxation time", "chance": "chance"}
"""How a table or a legend names each method (short; :data:`METHOD_NAMES` is for sentences)."""

_ACROSS_RATES = {"trained_at_rate": "the encoder trained further at each rate"}  # a name over all rates


def photon_rate(n) -> str:
    """``'1 photon per pixel'``, ``'0.3 photons per pixel'``: ``n`` photons per pixel per frame."""
    n = check_real(n, "n", minimum=0, include_min=False, context=" (photons per pixel)")
    return f"{n:g} photon{'' if n == 1 else 's'} per pixel"


def photon_rates(values) -> str:
    """``'10, 1 and 0.3 photons per pixel'``: several rates (photons per pixel per frame), one unit.

    >>> photon_rates([10, 1, 0.3]), photon_rates([1])
    ('10, 1 and 0.3 photons per pixel', '1 photon per pixel')
    """
    values = list(values)
    unit = "photon" if values == [1] else "photons"
    return f"{names_list([f'{v:g}' for v in values])} {unit} per pixel"


def trap_spike_word(ratio) -> str:
    """How the diagonal's step compares with the decay: ``'larger than'`` or ``'a large part of'``.

    >>> trap_spike_word(3.2), trap_spike_word(0.4)
    ('larger than', 'a large part of')
    """
    return "larger than" if check_real(ratio, "ratio", minimum=0) > 1 else "a large part of"


def trap_rank(naive: pd.Series) -> str:
    """What the band width measured from the diagonal does to the order of the rate labels.

    ``naive``: the median width (frames) per label, slowest label first.

    >>> trap_rank(pd.Series([0.6, 2.0, 5.1], index=["slow", "medium", "fast"]))
    'the slow crops come out narrower than the crops labelled "fast" (5.1 frames): the slowest label would be ranked the fastest'
    >>> trap_rank(pd.Series([6.0, 5.0, 4.0], index=["slow", "medium", "fast"]))
    'the order is squeezed: every rate label lies between 4.0 and 6.0 frames'
    """
    if not isinstance(naive, pd.Series) or naive.size < 2:
        raise ValueError(f"naive must be a Series of at least two labels' widths, got {naive!r}")
    if naive.iloc[0] < naive.iloc[-1]:
        return (f"the {naive.index[0]} crops come out narrower than the crops labelled "
                f"\"{naive.index[-1]}\" ({naive.iloc[-1]:.1f} frames): the slowest label would be "
                "ranked the fastest")
    return f"the order is squeezed: every rate label lies between {naive.min():.1f} and {naive.max():.1f} frames"


def target_sentence(trained_mean, untrained_mean, target) -> str:
    """Whether a target score tells the trained encoder from the untrained network.

    >>> target_sentence(0.95, 0.93, 0.9)
    'in this run the trained encoder and the untrained network both pass it, so it cannot tell them apart'
    >>> target_sentence(0.91, 0.85, 0.9)[:60]
    'in this run the two means fall on either side of it (0.91 tr'
    """
    trained_mean = check_real(trained_mean, "trained_mean")
    untrained_mean = check_real(untrained_mean, "untrained_mean")
    target = check_real(target, "target")
    passes = (trained_mean >= target, untrained_mean >= target)
    if passes[0] == passes[1]:
        return (f"in this run the trained encoder and the untrained network both "
                f"{'pass' if passes[0] else 'miss'} it, so it cannot tell them apart")
    return (f"in this run the two means fall on either side of it ({trained_mean:.2f} trained, "
            f"{untrained_mean:.2f} untrained), but the score rests mostly on the rate classes, "
            "which need no training, so crossing it says little")


def _rows(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    from ..evaluation.table import TABLE_COLUMNS  # here, not at the top: evaluation imports words

    check_table(table, TABLE_COLUMNS)
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise ValueError(f"metric must be one of the table's metrics {sorted(set(table['metric']))}, "
                         f"got {metric!r}")
    if rows["diagonal"].nunique() > 1:
        raise ValueError("table must hold one diagonal choice; filter it first")
    return rows


def _judged(table: pd.DataFrame, metric: str, reference: str) -> pd.DataFrame:
    rows = _rows(table, metric)
    if reference not in set(rows["method"]):
        raise ValueError(f"reference must be one of the table's methods {sorted(set(rows['method']))}, "
                         f"got {reference!r}")
    return verdicts(rows, reference)


def verdict_list(table: pd.DataFrame, metric: str, photons, reference: str = "trained") -> str:
    """The reference's verdicts at one photon rate, grouped by verdict, without numbers.

    >>> tidy = pd.DataFrame(dict(method=["trained", "untrained", "pca", "pixels"], photons=1.0,
    ...                          diagonal="keep", metric="ARI", mean=[0.9, 0.5, 0.88, 0.3],
    ...                          std=0.05, n=5, over=""))
    >>> verdict_list(tidy, "ARI", 1.0)
    'better than the untrained network and the raw pixels; no better than PCA'
    """
    judged = _judged(table, metric, reference)
    judged = judged[judged["photons"] == photons]
    if judged.empty:
        raise ValueError(f"table has no {reference!r} row for {metric!r} at photons {photons!r}")
    parts = []
    for word in VERDICTS:
        methods = judged.loc[judged["verdict"] == word, "method"]
        if not methods.empty:
            parts.append(f"{word} {names_list(METHOD_NAMES.get(m, m) for m in methods)}")
    return "; ".join(parts)


def verdicts_by_rate(table: pd.DataFrame, metric: str, rates, reference: str = "trained") -> str:
    """:func:`verdict_list` at each of ``rates``, bright to dim, each rate's verdicts in brackets.

    >>> tidy = pd.DataFrame(dict(method=["trained", "pca"] * 2, photons=[1.0, 1.0, 0.3, 0.3],
    ...                          diagonal="keep", metric="ARI", mean=[0.9, 0.5, 0.6, 0.6],
    ...                          std=0.05, n=5, over=""))
    >>> verdicts_by_rate(tidy, "ARI", [0.3, 1.0])
    'at 1 photon per pixel (better than PCA) and at 0.3 photons per pixel (no better than PCA)'
    """
    rates = sorted(rates, reverse=True)
    return names_list(f"at {photon_rate(n)} ({verdict_list(table, metric, n, reference)})" for n in rates)


def verdict_counts(table: pd.DataFrame, metric: str, reference: str = "trained") -> str:
    """How many of the other methods the reference beats at each photon rate, bright to dim.

    >>> tidy = pd.DataFrame(dict(method=["trained", "pca", "trained", "pca"], photons=[10.0, 10.0, 1.0, 1.0],
    ...                          diagonal="keep", metric="ARI", mean=[0.9, 0.5, 0.6, 0.6],
    ...                          std=0.05, n=5, over=""))
    >>> verdict_counts(tidy, "ARI")
    'better than 1 of 1 other method at 10 photons per pixel and 0 of 1 at 1 photon per pixel'
    """
    judged = _judged(table, metric, reference)
    groups = sorted(judged.groupby("photons", sort=False), key=lambda group: -group[0])
    parts = []
    for i, (photons, group) in enumerate(groups):
        n, better = len(group), int((group["verdict"] == VERDICTS[0]).sum())
        others = f" other method{'s' if n > 1 else ''}" if i == 0 else ""
        parts.append(f"{better} of {n}{others} at {photon_rate(photons)}")
    return "better than " + names_list(parts)


def vs_untrained(table: pd.DataFrame, metric: str, reference: str = "trained") -> str:
    """The reference against the untrained network, the photon rates grouped by verdict.

    >>> tidy = pd.DataFrame(dict(method=["trained", "untrained"] * 2, photons=[10.0, 10.0, 0.3, 0.3],
    ...                          diagonal="keep", metric="ARI", mean=[0.9, 0.5, 0.6, 0.6],
    ...                          std=0.05, n=5, over=""))
    >>> vs_untrained(tidy, "ARI")
    'better than the untrained network at 10 photons per pixel; no better than it at 0.3 photons per pixel'
    """
    judged = _judged(table, metric, reference)
    judged = judged[judged["method"] == "untrained"]
    if judged.empty:
        raise ValueError("table has no 'untrained' rows to compare with")
    parts = []
    for word in VERDICTS:
        rates = sorted(judged.loc[judged["verdict"] == word, "photons"], reverse=True)
        if rates:
            parts.append(f"{word} {'it' if parts else METHOD_NAMES['untrained']} at {photon_rates(rates)}")
    return "; ".join(parts)


def where_it_breaks(table: pd.DataFrame, metric: str, method: str, threshold) -> float:
    """The brightest photon rate at which ``method``'s mean falls below ``threshold``; NaN if never.

    >>> tidy = pd.DataFrame(dict(method="pca", photons=[10.0, 1.0, 0.3], diagonal="keep", metric="ARI",
    ...                          mean=[0.9, 0.4, 0.2], std=0.05, n=5, over=""))
    >>> where_it_breaks(tidy, "ARI", "pca", 0.5), where_it_breaks(tidy, "ARI", "pca", 0.1)
    (1.0, nan)
    """
    threshold = check_real(threshold, "threshold")
    rows = _rows(table, metric)
    rows = rows[rows["method"] == method].sort_values("photons", ascending=False)
    if rows.empty:
        raise ValueError(f"method must be one of the table's methods {sorted(set(table['method']))}, "
                         f"got {method!r}")
    below = rows[rows["mean"] < threshold]
    return math.nan if below.empty else float(below["photons"].iloc[0])


def breaks(table: pd.DataFrame, metric: str, threshold) -> str:
    """Where each method (chance aside) breaks, in one sentence, methods grouped by rate.

    >>> tidy = pd.DataFrame(dict(method=["trained", "pca", "pixels"] * 2, photons=[1.0] * 3 + [0.3] * 3,
    ...                          diagonal="keep", metric="ARI", mean=[0.9, 0.4, 0.3, 0.8, 0.3, 0.2],
    ...                          std=0.05, n=5, over=""))
    >>> breaks(tidy, "ARI", 0.5)
    'the trained encoder holds at every rate; PCA and the raw pixels break at 1 photon per pixel'
    """
    methods = [m for m in dict.fromkeys(_rows(table, metric)["method"]) if m != "chance"]
    at = {m: where_it_breaks(table, metric, m, threshold) for m in methods}
    names = {m: _ACROSS_RATES.get(m, METHOD_NAMES.get(m, m)) for m in methods}
    holding = [names[m] for m in methods if math.isnan(at[m])]
    parts = [f"{names_list(holding)} hold{'s' if len(holding) == 1 else ''} at every rate"] if holding else []
    for rate in sorted({r for r in at.values() if not math.isnan(r)}, reverse=True):
        broken = [names[m] for m in methods if at[m] == rate]
        plural = len(broken) > 1 or broken[0] == METHOD_NAMES["pixels"]  # "the raw pixels break"
        parts.append(f"{names_list(broken)} break{'' if plural else 's'} at {photon_rate(rate)}")
    return "; ".join(parts)


def verdict_grid(table: pd.DataFrame, metric: str, reference: str = "trained", *, digits: int = 2,
                 threshold=None) -> pd.DataFrame:
    """Methods down, photon rates across (bright first): each score with the reference's verdict on it.

    The reference's own row holds its ``mean ± std``; every other row ``"<verdict> <mean ± std>"``,
    read as "the reference is <verdict> this method's score". Rates without the
    reference are left out; a method missing at a rate shows ``"—"``. With
    ``threshold``, a last column gives the brightest rate at which the method's mean
    falls below it (``"never"`` if it does not).

    >>> tidy = pd.DataFrame(dict(method=["trained", "pca"] * 2, photons=[10.0, 10.0, 1.0, 1.0],
    ...                          diagonal="keep", metric="ARI", mean=[0.9, 0.5, 0.6, 0.62],
    ...                          std=0.05, n=5, over=""))
    >>> verdict_grid(tidy, "ARI", threshold=0.55).to_dict("index")["PCA"]
    {'10': 'better than 0.50 ± 0.05', '1': 'no better than 0.62 ± 0.05', 'below 0.55 from': '10'}
    """
    rows = _rows(table, metric)
    judged = _judged(table, metric, reference).set_index(["method", "photons"])["verdict"]
    rates = sorted(set(rows.loc[rows["method"] == reference, "photons"]), reverse=True)
    present = list(dict.fromkeys(rows["method"]))
    known = [m for m in METHOD_LABELS if m in present]  # one fixed order, chance last
    methods = list(dict.fromkeys([reference] + known + present))
    grid = pd.DataFrame(index=[METHOD_LABELS.get(m, m) for m in methods], columns=[f"{r:g}" for r in rates])
    for method, label in zip(methods, grid.index):
        for rate in rates:
            found = rows[(rows["method"] == method) & (rows["photons"] == rate)]
            score = "—" if found.empty else f"{found['mean'].iloc[0]:.{digits}f} ± {found['std'].iloc[0]:.{digits}f}"
            verdict_word = judged.get((method, rate)) if method != reference else None
            grid.loc[label, f"{rate:g}"] = score if verdict_word is None else f"{verdict_word} {score}"
    if threshold is not None:
        column = f"below {check_real(threshold, 'threshold'):g} from"
        at = [where_it_breaks(table, metric, m, threshold) if m != "chance" else math.nan for m in methods]
        grid[column] = ["never" if math.isnan(r) else f"{r:g}" for r in at]
        if "chance" in methods:
            grid.loc[METHOD_LABELS["chance"], column] = "—"
    grid.columns.name = "photons per pixel"
    return grid


def matched_text(preset: str, rates, epochs) -> str:
    """What the chapter does about training and test noise differing: the further training, or why not.

    >>> matched_text("fast", [], 1)[:44]
    'At `fast` the encoder is not trained further'
    >>> matched_text("class_cpu", [1.0, 0.3], 1)[-64:]
    'at 1 and 0.3 photons per pixel; the evaluation maps stay unseen.'
    """
    rates = sorted(rates, reverse=True)
    if not rates:
        return (f"At `{preset}` the encoder is not trained further at each photon rate: on a CPU that training "
                "would take most of this chapter's time. The `class_cpu` and `class` presets do it and score "
                "the result as \"trained at rate\", which tells a limit of the method from a mismatch of "
                "training and test noise.")
    s = "" if epochs == 1 else "s"
    return ("To tell a limit of the method from a mismatch of training and test noise, each trained encoder "
            f"is also trained further, {epochs} epoch{s} on the same library made at the rate evaluated "
            f"(\"trained at rate\"), at {photon_rates(rates)}; the evaluation maps stay unseen.")
